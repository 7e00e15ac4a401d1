"""Coordinator request messages from an operation name, files, options and a priority name."""

from __future__ import annotations

import hashlib
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
_BATCH_RESPONSE = {
    "parse": coordinator_pb2.CodeIntelServiceParseBatchResponse,
    "analyze": coordinator_pb2.CodeIntelServiceAnalyzeBatchResponse,
    "scan": coordinator_pb2.CodeIntelServiceScanBatchResponse,
}


def batch_response_cls(operation: str) -> Any:
    """The ParseBatch / AnalyzeBatch / ScanBatch response class."""
    return _BATCH_RESPONSE[operation]


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


_LOOKUP = {
    "parse": (coordinator_pb2.REPOSITORY_OPERATION_PARSE, "parse_options"),
    "analyze": (coordinator_pb2.REPOSITORY_OPERATION_ANALYZE, "analyze_options"),
    "scan": (coordinator_pb2.REPOSITORY_OPERATION_SCAN, "scan_options"),
}


def lookup_request(
    operation: str, files: Iterable[common_pb2.SourceFile], options: Any, priority: str = "normal"
) -> coordinator_pb2.CodeIntelServiceLookupBatchRequest:
    """The LookupBatch request naming `files` by the SHA-256 of their content (the content stays here)."""
    value, field = _LOOKUP[operation]
    req = coordinator_pb2.CodeIntelServiceLookupBatchRequest(
        operation=value,
        files=[
            coordinator_pb2.FileDigest(path=f.path, language=f.language, sha256=hashlib.sha256(f.content).digest())
            for f in files
        ],
        request_options=request_options(priority),
    )
    if options is not None:
        getattr(req, field).CopyFrom(options)
    return req
