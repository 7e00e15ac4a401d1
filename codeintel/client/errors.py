"""Failed coordinator calls as `ClientError`s whose message a model (or a person) can act on.

`map_rpc_error` is the one place that turns a gRPC status, with its RetryInfo / QuotaFailure
details, into what to do next: retry later (and when), change the input, fix the key. No gRPC
internals or stack traces leak through it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import cast

import grpc
from google.rpc import error_details_pb2, status_pb2

log = logging.getLogger(__name__)

_STATUS_DETAILS_KEY = "grpc-status-details-bin"


class ClientError(Exception):
    """A coordinator call failed. `str(err)` is a message meant for the model; `code` the status
    name (e.g. "UNAVAILABLE"), `details` the server's own message, `retry_after` seconds to wait
    when the server said so."""

    def __init__(self, message: str, *, code: str, retry_after: float | None = None, details: str = ""):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after
        self.details = details or message


def _rich_status(err: grpc.RpcError) -> status_pb2.Status | None:
    """The google.rpc.Status from the trailing metadata, if the server sent one."""
    try:
        # Pairs at run time (sync: _Metadatum named tuples, aio: a Metadata of plain tuples).
        metadata = cast(Iterable[tuple[str, bytes]], err.trailing_metadata() or ())
    except Exception:  # pragma: no cover - defensive
        return None
    for key, value in metadata:
        if key == _STATUS_DETAILS_KEY:
            try:
                return status_pb2.Status.FromString(value)
            except Exception:
                return None
    return None


def retry_after_seconds(err: grpc.RpcError) -> float | None:
    """The RetryInfo delay of a failed call, in seconds, or None when absent."""
    status = _rich_status(err)
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    return None


def quota_violation(err: grpc.RpcError) -> error_details_pb2.QuotaFailure.Violation | None:
    """The first QuotaFailure violation of a rate-limited call, or None."""
    status = _rich_status(err)
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            quota = error_details_pb2.QuotaFailure()
            detail.Unpack(quota)
            if quota.violations:
                return quota.violations[0]
    return None


def _format_seconds(seconds: float) -> str:
    if seconds < 1:
        return "1 s"
    return f"{math.ceil(seconds)} s"


def map_rpc_error(err: grpc.RpcError, operation: str, timeout_s: float | None = None) -> ClientError:
    """Translate a failed gRPC call into a ClientError with an actionable message."""
    mapped = _map(err, operation, timeout_s)
    mapped.details = (err.details() if hasattr(err, "details") else "") or mapped.details
    return mapped


def _map(err: grpc.RpcError, operation: str, timeout_s: float | None) -> ClientError:
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = (err.details() if hasattr(err, "details") else "") or ""
    name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"

    if code == grpc.StatusCode.INVALID_ARGUMENT:
        hint = _invalid_argument_hint(details)
        msg = f"the {operation} request was rejected: {details or 'invalid input'}"
        return ClientError(f"{msg}. {hint}" if hint else msg, code=name)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        delay = retry_after_seconds(err)
        if delay is None:
            if "message larger than max" in details.lower() or "received message larger" in details.lower():
                return ClientError(
                    f"the {operation} request or its result is too large for the transport; "
                    f"send a smaller file or ask for less output (e.g. fewer AST nodes)",
                    code=name,
                )
            delay = 1.0
        quota = quota_violation(err)
        if quota is not None:
            what = "byte budget" if quota.quota_metric.endswith("bytes") else "request rate"
            return ClientError(
                f"the API key's {what} is used up for now ({details}); retry the {operation} in "
                f"{_format_seconds(delay)}, and space out calls or send fewer/smaller files",
                code=name,
                retry_after=delay,
            )
        return ClientError(
            f"the server is busy (its queue is full); retry the {operation} in {_format_seconds(delay)}, "
            f"or use priority 'low' for background work",
            code=name,
            retry_after=delay,
        )
    if code == grpc.StatusCode.UNAVAILABLE:
        return ClientError("the code-intelligence backend is unavailable; retry shortly", code=name, retry_after=2.0)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        within = f" within {timeout_s:g} s" if timeout_s else ""
        return ClientError(
            f"the {operation} did not finish{within}; retry, or send a smaller file "
            f"(for code_parse, drop include_ast or lower ast_max_nodes)",
            code=name,
        )
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return ClientError(
            f"the API key was refused ({details or 'no valid key'}): send a valid key as "
            "'Authorization: Bearer <key>' (MCP over HTTP) or have the operator set CODEINTEL_API_KEY / "
            "--api-key (stdio). Retrying with the same key will not help.",
            code=name,
        )
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return ClientError(f"the {operation} is not permitted: {details}", code=name)
    if code == grpc.StatusCode.FAILED_PRECONDITION:  # e.g. a repository not indexed yet: the server says what to do
        return ClientError(f"the {operation} cannot be answered yet: {details}", code=name)
    if code == grpc.StatusCode.NOT_FOUND:  # e.g. no symbol by that name: an answer, not a failure to log
        return ClientError(f"the {operation} found nothing: {details}", code=name)
    if code == grpc.StatusCode.CANCELLED:
        return ClientError(f"the {operation} was cancelled; retry if still needed", code=name)
    log.warning("coordinator %s failed: %s %s", operation, name, details)
    return ClientError(
        f"the code-intelligence backend failed the {operation} ({name}); retry later, "
        f"and report it if it keeps happening",
        code=name,
    )


def _invalid_argument_hint(details: str) -> str:
    text = details.lower()
    if any(phrase in text for phrase in ("pass a ", "re-encode", "send source", "send a ")):
        return ""  # the server's message already says what to change
    if "language" in text and ("unknown" in text or "detect" in text):
        return (
            "Pass a supported `language` id (e.g. 'python', 'javascript', 'go'), or a `filename` / `path` "
            "with a known extension."
        )
    if "language" in text and ("support" in text):
        return "This operation does not support that language; try code_parse, or another file."
    if "binary" in text or "nul" in text:
        return "Only source text can be analysed; pick a text source file."
    if "utf-8" in text or "encoding" in text:
        return "Re-encode the file as UTF-8, or send the text in `code`."
    if "limit" in text or "too large" in text or "bytes" in text:
        return "Send a smaller file, or only the relevant part in `code`."
    return "Change the arguments and try again."
