"""Fixtures of the fuzz tests (helpers live in fuzzhelpers.py, next to this file)."""

from __future__ import annotations

import os
import sys

import grpc
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from fuzzhelpers import WORKER_METHODS, Target  # noqa: E402

from codeintel.v1 import common_pb2  # noqa: E402


@pytest.fixture(scope="session")
def targets(stack):
    """name -> Target: 'coordinator' and every worker ('parse-0', 'analyze-1', ...)."""
    out = {"coordinator": Target("coordinator", stack.address, "coordinator")}
    for name, address in stack.info["workers"].items():
        out[name] = Target(name, address, name.rsplit("-", 1)[0])
    yield out
    for t in out.values():
        t.close()


@pytest.fixture(scope="session")
def service_info(targets):
    """kind -> ServiceInfo as the first worker of each kind reports it."""
    info = {}
    for kind in WORKER_METHODS:
        t = targets[f"{kind}-0"]
        out = t.raw("/codeintel.v1.InfoService/GetServiceInfo", b"")
        assert out.code == grpc.StatusCode.OK, out
        (si,) = common_pb2.GetServiceInfoResponse.FromString(out.body).services
        info[kind] = si
    return info
