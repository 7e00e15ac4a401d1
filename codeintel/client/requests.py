"""Coordinator request messages from an operation name, files, options and a priority name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from codeintel.kernel import vocab
from codeintel.v1 import common_pb2, coordinator_pb2

OPERATIONS = ("parse", "analyze", "scan")

_SINGLE = {
    "parse": coordinator_pb2.CodeIntelServiceParseRequest,
    "analyze": coordinator_pb2.CodeIntelServiceAnalyzeRequest,
    "scan": coordinator_pb2.CodeIntelServiceScanRequest,
}
_BATCH = {
    "parse": coordinator_pb2.CodeIntelServiceParseBatchRequest,
    "analyze": coordinator_pb2.CodeIntelServiceAnalyzeBatchRequest,
    "scan": coordinator_pb2.CodeIntelServiceScanBatchRequest,
}


def request_options(priority: str = "normal", *, bypass_cache: bool = False) -> coordinator_pb2.RequestOptions:
    """RequestOptions for a priority name (unknown names: normal)."""
    value = vocab.PRIORITY_VALUES.get(priority, coordinator_pb2.PRIORITY_NORMAL)
    return coordinator_pb2.RequestOptions(priority=value, bypass_cache=bypass_cache)


def single_request(
    operation: str, file: common_pb2.SourceFile, options: Any = None, priority: str = "normal", **ro: bool
) -> Any:
    """The Parse / Analyze / Scan request for one file."""
    req: Any = _SINGLE[operation](file=file, request_options=request_options(priority, **ro))
    if options is not None:
        req.options.CopyFrom(options)
    return req


def batch_request(
    operation: str, files: Iterable[common_pb2.SourceFile], options: Any, priority: str = "normal"
) -> Any:
    """The ParseBatch / AnalyzeBatch / ScanBatch request."""
    return _BATCH[operation](files=files, options=options, request_options=request_options(priority))
