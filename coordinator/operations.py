"""What the coordinator needs to know about each worker service's contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeintel.v1 import analyze_pb2, analyze_pb2_grpc, parse_pb2, parse_pb2_grpc, scan_pb2, scan_pb2_grpc


@dataclass(frozen=True)
class Operation:
    name: str
    service: str
    stub_cls: Any
    unary_method: str
    batch_method: str
    unary_request: Any
    batch_request: Any
    result_cls: Any
    file_result_cls: Any

    def cache_options(self, options) -> bytes:
        """Options as they affect the result (SARIF is rendered from cached results)."""
        if self.name == "scan" and options.include_sarif:
            stripped = type(options)()
            stripped.CopyFrom(options)
            stripped.include_sarif = False
            options = stripped
        return options.SerializeToString(deterministic=True)

    def worker_request(self, files, options, *, batch: bool):
        """The request to a worker for `files` (exactly one unless `batch`) with `options`. A scan's
        SARIF is never asked of a worker: the coordinator renders it from results, cached or not."""
        request = self.batch_request(files=files) if batch else self.unary_request(file=files[0])
        request.options.CopyFrom(options)
        if self.name == "scan":
            request.options.include_sarif = False
        return request


def _svc(module, name: str) -> str:
    return module.DESCRIPTOR.services_by_name[name].full_name


PARSE = Operation(
    "parse",
    _svc(parse_pb2, "ParseService"),
    parse_pb2_grpc.ParseServiceStub,
    "Parse",
    "ParseBatch",
    parse_pb2.ParseRequest,
    parse_pb2.ParseBatchRequest,
    parse_pb2.ParseResult,
    parse_pb2.ParseFileResult,
)
ANALYZE = Operation(
    "analyze",
    _svc(analyze_pb2, "AnalyzeService"),
    analyze_pb2_grpc.AnalyzeServiceStub,
    "Analyze",
    "AnalyzeBatch",
    analyze_pb2.AnalyzeRequest,
    analyze_pb2.AnalyzeBatchRequest,
    analyze_pb2.AnalyzeResult,
    analyze_pb2.AnalyzeFileResult,
)
SCAN = Operation(
    "scan",
    _svc(scan_pb2, "ScanService"),
    scan_pb2_grpc.ScanServiceStub,
    "Scan",
    "ScanBatch",
    scan_pb2.ScanRequest,
    scan_pb2.ScanBatchRequest,
    scan_pb2.ScanResult,
    scan_pb2.ScanFileResult,
)

BY_NAME = {op.name: op for op in (PARSE, ANALYZE, SCAN)}
