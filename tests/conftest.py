"""Shared fixtures: real processes on loopback, stopped (and drained) after use."""

from __future__ import annotations

import os
import sys

import grpc
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codeintel.stack import LocalStack  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    """One coordinator and two workers per service, shared by the end-to-end tests."""
    s = LocalStack(workers=2)
    s.start(timeout=120)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def channel(stack):
    ch = grpc.insecure_channel(stack.address, options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])
    yield ch
    ch.close()
