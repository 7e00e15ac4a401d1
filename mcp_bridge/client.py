"""Async gRPC client of the coordinator, with errors turned into model-actionable messages.

Every call carries a deadline. A failed call raises :class:`BridgeError`, whose message
says what went wrong in terms a model can act on (retry later, change the input, ...);
no gRPC internals or stack traces leak through it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math

import grpc
from google.rpc import error_details_pb2, status_pb2

from codeintel import tracing
from codeintel.v1 import (
    analyze_pb2,
    common_pb2,
    coordinator_pb2,
    coordinator_pb2_grpc,
    parse_pb2,
    scan_pb2,
)

log = logging.getLogger(__name__)

_STATUS_DETAILS_KEY = "grpc-status-details-bin"
# Responses may carry large ASTs or SARIF logs; requests are bounded by max_file_bytes.
_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

PRIORITIES = {
    "low": coordinator_pb2.PRIORITY_LOW,
    "normal": coordinator_pb2.PRIORITY_NORMAL,
    "high": coordinator_pb2.PRIORITY_HIGH,
}


class BridgeError(Exception):
    """A coordinator call failed. `str(err)` is a message meant for the model."""

    def __init__(self, message: str, *, code: str, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


def _rich_status(err: grpc.RpcError) -> status_pb2.Status | None:
    """The google.rpc.Status from the trailing metadata, if the server sent one."""
    try:
        metadata = err.trailing_metadata()  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - defensive
        return None
    for key, value in metadata or ():
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


def map_rpc_error(err: grpc.RpcError, operation: str, timeout_s: float | None = None) -> BridgeError:
    """Translate a failed gRPC call into a BridgeError with an actionable message."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
    details = (err.details() if hasattr(err, "details") else "") or ""  # type: ignore[attr-defined]
    name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"

    if code == grpc.StatusCode.INVALID_ARGUMENT:
        hint = _invalid_argument_hint(details)
        msg = f"the {operation} request was rejected: {details or 'invalid input'}"
        return BridgeError(f"{msg}. {hint}" if hint else msg, code=name)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        delay = retry_after_seconds(err)
        if delay is None:
            if "message larger than max" in details.lower() or "received message larger" in details.lower():
                return BridgeError(
                    f"the {operation} request or its result is too large for the transport; "
                    f"send a smaller file or ask for less output (e.g. fewer AST nodes)",
                    code=name,
                )
            delay = 1.0
        quota = quota_violation(err)
        if quota is not None:
            what = "byte budget" if quota.quota_metric.endswith("bytes") else "request rate"
            return BridgeError(
                f"the API key's {what} is used up for now ({details}); retry the {operation} in "
                f"{_format_seconds(delay)}, and space out calls or send fewer/smaller files",
                code=name,
                retry_after=delay,
            )
        return BridgeError(
            f"the server is busy (its queue is full); retry the {operation} in {_format_seconds(delay)}, "
            f"or use priority 'low' for background work",
            code=name,
            retry_after=delay,
        )
    if code == grpc.StatusCode.UNAVAILABLE:
        return BridgeError(
            "the code-intelligence backend is unavailable; retry shortly", code=name, retry_after=2.0
        )
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        within = f" within {timeout_s:g} s" if timeout_s else ""
        return BridgeError(
            f"the {operation} did not finish{within}; retry, or send a smaller file "
            f"(for code_parse, drop include_ast or lower ast_max_nodes)",
            code=name,
        )
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return BridgeError(
            f"the API key was refused ({details or 'no valid key'}): send a valid key as "
            "'Authorization: Bearer <key>' (MCP over HTTP) or have the operator set CODEINTEL_API_KEY / "
            "--api-key (stdio). Retrying with the same key will not help.",
            code=name,
        )
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return BridgeError(f"the {operation} is not permitted: {details}", code=name)
    if code == grpc.StatusCode.CANCELLED:
        return BridgeError(f"the {operation} was cancelled; retry if still needed", code=name)
    log.warning("coordinator %s failed: %s %s", operation, name, details)
    return BridgeError(
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


# The `Authorization: Bearer <key>` header of the MCP request being served (HTTP transport), set
# per tool call by the server; it replaces the bridge's own key so the coordinator sees the
# caller's tenant. The bridge does not judge the key: the coordinator authenticates it.
CALLER_AUTHORIZATION: contextvars.ContextVar[str | None] = contextvars.ContextVar("caller_authorization",
                                                                                   default=None)


def bearer(header: str | None) -> str | None:
    """`Bearer <token>` normalised, or None when the header is absent or not a bearer token."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        return None
    return f"Bearer {token}"


class CoordinatorClient:
    """A grpc.aio client of CodeIntelService and AdminService.

    The channel is created lazily inside the running event loop (grpc.aio channels are
    bound to the loop that creates them).
    """

    def __init__(self, address: str, *, timeout_s: float = 30.0, api_key: str | None = None):
        self.address = address
        self.timeout_s = timeout_s
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {api_key}"),) if api_key else ()
        )
        self._channel: grpc.aio.Channel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._codeintel: coordinator_pb2_grpc.CodeIntelServiceStub | None = None
        self._admin: coordinator_pb2_grpc.AdminServiceStub | None = None

    def _ensure(self) -> None:
        loop = asyncio.get_running_loop()
        if self._channel is not None and self._loop is loop:
            return
        self._channel = grpc.aio.insecure_channel(
            self.address,
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.enable_retries", 0),
            ],
        )
        self._loop = loop
        self._codeintel = coordinator_pb2_grpc.CodeIntelServiceStub(self._channel)
        self._admin = coordinator_pb2_grpc.AdminServiceStub(self._channel)

    async def close(self) -> None:
        if self._channel is not None:
            channel, self._channel = self._channel, None
            try:
                await channel.close()
            except Exception:  # pragma: no cover - closing on a dead loop
                pass

    async def _call(self, operation: str, method, request, timeout_s: float | None = None):
        caller = CALLER_AUTHORIZATION.get()
        metadata = (("authorization", caller),) if caller else self._metadata
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            return await tracing.rpc(method, request, timeout=timeout, metadata=metadata)
        except grpc.aio.AioRpcError as err:
            raise map_rpc_error(err, operation, timeout) from None
        except asyncio.TimeoutError:
            raise BridgeError(
                f"the {operation} did not finish within {timeout:g} s; retry or send a smaller file",
                code="DEADLINE_EXCEEDED",
            ) from None

    @staticmethod
    def _request_options(priority: str) -> coordinator_pb2.RequestOptions:
        return coordinator_pb2.RequestOptions(priority=PRIORITIES.get(priority, coordinator_pb2.PRIORITY_NORMAL))

    async def parse(
        self, file: common_pb2.SourceFile, options: parse_pb2.ParseOptions, priority: str = "normal"
    ) -> coordinator_pb2.CodeIntelServiceParseResponse:
        self._ensure()
        req = coordinator_pb2.CodeIntelServiceParseRequest(
            file=file, options=options, request_options=self._request_options(priority)
        )
        return await self._call("parse", self._codeintel.Parse, req)

    async def analyze(
        self, file: common_pb2.SourceFile, options: analyze_pb2.AnalyzeOptions, priority: str = "normal"
    ) -> coordinator_pb2.CodeIntelServiceAnalyzeResponse:
        self._ensure()
        req = coordinator_pb2.CodeIntelServiceAnalyzeRequest(
            file=file, options=options, request_options=self._request_options(priority)
        )
        return await self._call("analysis", self._codeintel.Analyze, req)

    async def scan(
        self, file: common_pb2.SourceFile, options: scan_pb2.ScanOptions, priority: str = "normal"
    ) -> coordinator_pb2.CodeIntelServiceScanResponse:
        self._ensure()
        req = coordinator_pb2.CodeIntelServiceScanRequest(
            file=file, options=options, request_options=self._request_options(priority)
        )
        return await self._call("scan", self._codeintel.Scan, req)

    async def batch(self, operation: str, files, options, priority: str = "normal", timeout_s: float | None = None):
        """ParseBatch / AnalyzeBatch / ScanBatch (`operation`: parse, analyze, scan) with its own deadline."""
        self._ensure()
        method, request_cls = {
            "parse": (self._codeintel.ParseBatch, coordinator_pb2.CodeIntelServiceParseBatchRequest),
            "analyze": (self._codeintel.AnalyzeBatch, coordinator_pb2.CodeIntelServiceAnalyzeBatchRequest),
            "scan": (self._codeintel.ScanBatch, coordinator_pb2.CodeIntelServiceScanBatchRequest),
        }[operation]
        req = request_cls(files=files, options=options, request_options=self._request_options(priority))
        return await self._call(f"{operation} batch", method, req, timeout_s)

    async def get_stats(self) -> coordinator_pb2.GetStatsResponse:
        self._ensure()
        return await self._call("stats query", self._admin.GetStats, coordinator_pb2.GetStatsRequest())

    async def list_rules(self, language: str = "") -> coordinator_pb2.CodeIntelServiceListRulesResponse:
        self._ensure()
        return await self._call(
            "rule listing", self._codeintel.ListRules, coordinator_pb2.CodeIntelServiceListRulesRequest(language=language)
        )

    async def list_workers(self, service: str = "") -> coordinator_pb2.ListWorkersResponse:
        self._ensure()
        return await self._call(
            "worker listing", self._admin.ListWorkers, coordinator_pb2.ListWorkersRequest(service=service)
        )
