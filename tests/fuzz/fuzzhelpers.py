"""Helpers of the fuzz tests: raw gRPC calls to the shared `stack` (tests/conftest.py), the
status-code contract, and a liveness probe run after every example."""

from __future__ import annotations

from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from codeintel.v1 import (
    analyze_pb2,
    common_pb2,
    coordinator_pb2,
    parse_pb2,
    scan_pb2,
)

# Every call carries a deadline far beyond what any input here needs (the servers cut a file's work
# at their per-file limit, answered TOO_COMPLEX / INVALID_ARGUMENT): it is only a hang guard.
CALL_TIMEOUT_S = 60.0

# The documented statuses (README "Errors callers see", proto comments). A request body that is not
# a decodable protobuf message is answered INVALID_ARGUMENT by codeintel's ServerGuard interceptor
# (plain gRPC Python would answer INTERNAL "Exception deserializing request").
DOCUMENTED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
# What a call must end with when its deadline is that hang guard: DEADLINE_EXCEEDED there means the
# server hung, so it is not accepted. A test that wants it gives an input that needs more than the
# deadline it sets, and says so explicitly.
ANSWERED = DOCUMENTED - {grpc.StatusCode.DEADLINE_EXCEEDED}
# grpc.health.v1: an unknown service name is NOT_FOUND (standard health protocol).
HEALTH_ALLOWED = ANSWERED | {grpc.StatusCode.NOT_FOUND}

CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", 128 * 1024 * 1024),
    ("grpc.max_receive_message_length", 128 * 1024 * 1024),
]

HEALTH = "/grpc.health.v1.Health/Check"

# kind -> (unary method, batch method, request, batch request, response, batch response)
WORKER_METHODS: dict[str, tuple[Any, ...]] = {
    "parse": (
        "/codeintel.v1.ParseService/Parse",
        "/codeintel.v1.ParseService/ParseBatch",
        parse_pb2.ParseRequest,
        parse_pb2.ParseBatchRequest,
        parse_pb2.ParseResponse,
        parse_pb2.ParseBatchResponse,
    ),
    "analyze": (
        "/codeintel.v1.AnalyzeService/Analyze",
        "/codeintel.v1.AnalyzeService/AnalyzeBatch",
        analyze_pb2.AnalyzeRequest,
        analyze_pb2.AnalyzeBatchRequest,
        analyze_pb2.AnalyzeResponse,
        analyze_pb2.AnalyzeBatchResponse,
    ),
    "scan": (
        "/codeintel.v1.ScanService/Scan",
        "/codeintel.v1.ScanService/ScanBatch",
        scan_pb2.ScanRequest,
        scan_pb2.ScanBatchRequest,
        scan_pb2.ScanResponse,
        scan_pb2.ScanBatchResponse,
    ),
}
COORD_METHODS: dict[str, tuple[Any, ...]] = {
    "parse": (
        "/codeintel.v1.CodeIntelService/Parse",
        "/codeintel.v1.CodeIntelService/ParseBatch",
        coordinator_pb2.CodeIntelServiceParseRequest,
        coordinator_pb2.CodeIntelServiceParseBatchRequest,
        coordinator_pb2.CodeIntelServiceParseResponse,
        coordinator_pb2.CodeIntelServiceParseBatchResponse,
    ),
    "analyze": (
        "/codeintel.v1.CodeIntelService/Analyze",
        "/codeintel.v1.CodeIntelService/AnalyzeBatch",
        coordinator_pb2.CodeIntelServiceAnalyzeRequest,
        coordinator_pb2.CodeIntelServiceAnalyzeBatchRequest,
        coordinator_pb2.CodeIntelServiceAnalyzeResponse,
        coordinator_pb2.CodeIntelServiceAnalyzeBatchResponse,
    ),
    "scan": (
        "/codeintel.v1.CodeIntelService/Scan",
        "/codeintel.v1.CodeIntelService/ScanBatch",
        coordinator_pb2.CodeIntelServiceScanRequest,
        coordinator_pb2.CodeIntelServiceScanBatchRequest,
        coordinator_pb2.CodeIntelServiceScanResponse,
        coordinator_pb2.CodeIntelServiceScanBatchResponse,
    ),
}
TINY = {
    "parse": common_pb2.SourceFile(path="tiny.py", content=b"def f(x):\n    return x\n"),
    "analyze": common_pb2.SourceFile(path="tiny.py", content=b"def f(x):\n    return x\n"),
    "scan": common_pb2.SourceFile(path="tiny.py", content=b"import os\nos.system(cmd)\n"),
}


class Outcome:
    def __init__(self, code: grpc.StatusCode, details: str, body: Any):  # bytes, or a stream's list of them
        self.code, self.details, self.body = code, details, body

    def __repr__(self) -> str:
        return f"Outcome({self.code}, {self.details[:300]!r})"


class Target:
    """One server (coordinator or worker) called with raw bytes, so any body can be sent."""

    def __init__(self, name: str, address: str, kind: str):
        self.name, self.address, self.kind = name, address, kind
        self.channel = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
        self._stubs: dict[str, Any] = {}

    def raw(self, method: str, body: bytes, timeout: float = CALL_TIMEOUT_S) -> Outcome:
        stub = self._stubs.get(method)
        if stub is None:
            stub = self._stubs[method] = self.channel.unary_unary(
                method, request_serializer=lambda b: b, response_deserializer=lambda b: b
            )
        try:
            return Outcome(grpc.StatusCode.OK, "", stub(body, timeout=timeout))
        except grpc.RpcError as exc:
            return Outcome(exc.code(), exc.details() or "", None)

    def raw_stream(self, method: str, body: bytes, timeout: float = CALL_TIMEOUT_S) -> Outcome:
        """A server-streaming call with a raw body; `body` of the Outcome is the list of messages."""
        stub = self._stubs.get(method)
        if stub is None:
            stub = self._stubs[method] = self.channel.unary_stream(
                method, request_serializer=lambda b: b, response_deserializer=lambda b: b
            )
        messages: list[bytes] = []
        try:
            for m in stub(body, timeout=timeout):
                messages.append(m)
            return Outcome(grpc.StatusCode.OK, "", messages)
        except grpc.RpcError as exc:
            return Outcome(exc.code(), exc.details() or "", messages)

    def call(self, method: str, request, allowed=ANSWERED, timeout: float = CALL_TIMEOUT_S) -> Outcome:
        out = self.raw(method, request.SerializeToString(), timeout)
        check_outcome(out, allowed, f"{self.name} {method}")
        return out

    def assert_alive(self) -> None:
        """The server still answers a health check and a tiny valid request."""
        h = self.raw(HEALTH, health_pb2.HealthCheckRequest().SerializeToString(), 10)
        assert h.code == grpc.StatusCode.OK, f"{self.name}: health check failed after fuzzing: {h}"
        assert health_pb2.HealthCheckResponse.FromString(h.body).status == health_pb2.HealthCheckResponse.SERVING
        methods = COORD_METHODS if self.kind == "coordinator" else WORKER_METHODS
        for kind, (unary, _b, req_cls, _br, resp_cls, _bresp) in methods.items():
            if self.kind not in ("coordinator", kind):
                continue
            req = req_cls(file=TINY[kind])
            if self.kind == "coordinator":
                req.request_options.bypass_cache = True
            out = self.raw(unary, req.SerializeToString(), 15)
            assert out.code == grpc.StatusCode.OK, f"{self.name}: tiny valid {unary} failed after fuzzing: {out}"
            assert resp_cls.FromString(out.body).result.language == "python"

    def close(self) -> None:
        self.channel.close()


def check_outcome(out: Outcome, allowed, what: str) -> None:
    assert out.code != grpc.StatusCode.UNKNOWN, f"{what}: UNKNOWN status: {out}"
    if grpc.StatusCode.DEADLINE_EXCEEDED not in allowed:
        assert out.code != grpc.StatusCode.DEADLINE_EXCEEDED, f"{what}: hung until the caller's deadline: {out}"
    assert out.code in allowed, f"{what}: undocumented status: {out}"
    assert "Traceback" not in out.details, f"{what}: stack trace reached the caller: {out}"
    assert 'File "' not in out.details, f"{what}: stack trace reached the caller: {out}"
    if out.code == grpc.StatusCode.INVALID_ARGUMENT:
        assert out.details.strip(), f"{what}: INVALID_ARGUMENT without a message"


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)
