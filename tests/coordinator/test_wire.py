"""The coordinator's wire views (coordinator/wire.py) read and write the contract's bytes exactly."""

from __future__ import annotations

from typing import Any

import pytest

from codeintel.v1 import analyze_pb2, common_pb2, coordinator_pb2, parse_pb2, scan_pb2
from coordinator import wire

ERROR = common_pb2.FileError(code=common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE, message="no grammar for cobol")
RESULTS: dict[str, Any] = {
    "parse": parse_pb2.ParseResult(
        path="a.py",
        language="python",
        symbols=[parse_pb2.Symbol(name="f", kind=parse_pb2.SYMBOL_KIND_FUNCTION), parse_pb2.Symbol(name="g")],
    ),
    "analyze": analyze_pb2.AnalyzeResult(
        path="a.py", language="python", functions=[analyze_pb2.FunctionMetrics(name="f")]
    ),
    "scan": scan_pb2.ScanResult(
        path="a.py", language="python", findings=[scan_pb2.Finding(rule_id="py.x", message="m")]
    ),
}
CONTRACT: dict[str, Any] = {
    "parse": (parse_pb2.ParseResponse, parse_pb2.ParseBatchResponse, parse_pb2.ParseFileResult),
    "analyze": (analyze_pb2.AnalyzeResponse, analyze_pb2.AnalyzeBatchResponse, analyze_pb2.AnalyzeFileResult),
    "scan": (scan_pb2.ScanResponse, scan_pb2.ScanBatchResponse, scan_pb2.ScanFileResult),
}
COORDINATOR: dict[str, Any] = {
    "parse": (coordinator_pb2.CodeIntelServiceParseResponse, coordinator_pb2.CodeIntelServiceParseBatchResponse),
    "analyze": (coordinator_pb2.CodeIntelServiceAnalyzeResponse, coordinator_pb2.CodeIntelServiceAnalyzeBatchResponse),
    "scan": (coordinator_pb2.CodeIntelServiceScanResponse, coordinator_pb2.CodeIntelServiceScanBatchResponse),
}
INFO = coordinator_pb2.ResponseInfo(
    cache=coordinator_pb2.CACHE_STATUS_MISS, worker="w:1", service_version="v", attempts=1
)
BATCH_INFO = coordinator_pb2.BatchInfo(cache=[coordinator_pb2.CACHE_STATUS_MISS] * 2, computed=1, tenant="t")


@pytest.mark.parametrize("op", sorted(RESULTS))
def test_a_workers_responses_are_read_with_results_left_as_their_bytes(op):
    unary_cls, batch_cls, file_cls = CONTRACT[op]
    views = wire.BY_OPERATION[op]
    result = RESULTS[op]
    unary = unary_cls(result=result, service_version="v9")
    read = views.worker_unary.FromString(unary.SerializeToString())
    assert read.result == result.SerializeToString() and read.service_version == "v9"
    batch = batch_cls(results=[file_cls(result=result), file_cls(error=ERROR)], service_version="v9")
    read = views.worker_batch.FromString(batch.SerializeToString())
    assert [r.WhichOneof("outcome") for r in read.results] == ["result", "error"]
    assert read.results[0].result == result.SerializeToString()
    assert common_pb2.FileError.FromString(read.results[1].error) == ERROR
    assert read.service_version == "v9"


@pytest.mark.parametrize("op", sorted(RESULTS))
def test_the_coordinators_responses_written_from_bytes_are_the_contracts_messages(op):
    unary_cls, batch_cls = COORDINATOR[op]
    views = wire.BY_OPERATION[op]
    result = RESULTS[op]
    written = views.unary(result=result.SerializeToString(), info=INFO.SerializeToString()).SerializeToString()
    assert unary_cls.FromString(written) == unary_cls(result=result, info=INFO)
    fr = views.file_result
    batch = views.batch(
        results=[fr(result=result.SerializeToString()), fr(error=ERROR.SerializeToString()), fr(result=b"")],
        info=BATCH_INFO.SerializeToString(),
    )
    if op == "scan":
        batch.sarif_json = "{}"
    parsed = batch_cls.FromString(batch.SerializeToString())
    file_cls = CONTRACT[op][2]
    expected = batch_cls(
        results=[file_cls(result=result), file_cls(error=ERROR), file_cls(result=type(result)())], info=BATCH_INFO
    )
    if op == "scan":
        expected.sarif_json = "{}"
    assert parsed == expected
    # An empty result is still a present result (the oneof is set), as the worker sent it.
    assert parsed.results[2].WhichOneof("outcome") == "result"
    # Byte for byte what the contract's own types write.
    assert batch.SerializeToString() == expected.SerializeToString()


def test_every_message_field_of_a_view_is_bytes_or_a_view():
    for views in wire.BY_OPERATION.values():
        for cls in (views.worker_unary, views.worker_batch, views.unary, views.batch, views.file_result):
            for field in cls.DESCRIPTOR.fields:
                if field.message_type is not None:
                    assert field.message_type.full_name.startswith("codeintel.coordinator.wire."), field.full_name
