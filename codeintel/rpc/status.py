"""The one place where domain errors become gRPC statuses and per-file FileErrors.

Servicers wrap each handler with `unary_guard` (sync servers) or `aio_guard`
(asyncio servers): a CodeIntelError becomes its status; anything else is logged with
its traceback and answered INTERNAL with an incident id, never a stack trace.
"""

from __future__ import annotations

import functools
import logging
import uuid

import grpc
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from codeintel.kernel import errors
from codeintel.v1 import common_pb2

log = logging.getLogger("codeintel.grpc")

_FILE_CODES = {
    "TOO_LARGE": common_pb2.FILE_ERROR_CODE_TOO_LARGE,
    "BINARY": common_pb2.FILE_ERROR_CODE_BINARY,
    "INVALID_ENCODING": common_pb2.FILE_ERROR_CODE_INVALID_ENCODING,
    "UNKNOWN_LANGUAGE": common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE,
    "UNSUPPORTED_LANGUAGE": common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE,
    "INVALID_ARGUMENT": common_pb2.FILE_ERROR_CODE_INVALID_ARGUMENT,
    "TOO_COMPLEX": common_pb2.FILE_ERROR_CODE_TOO_COMPLEX,
}


def status_for(exc: BaseException) -> grpc.Status:
    """A rich status (code, message, details) for an exception."""
    if isinstance(exc, errors.InvalidInput):
        code, msg, details = code_pb2.INVALID_ARGUMENT, str(exc), []
        bad = error_details_pb2.BadRequest()
        bad.field_violations.add(field=exc.field or "file", description=str(exc))
        details.append(bad)
    elif isinstance(exc, errors.Overloaded):
        code, msg = code_pb2.RESOURCE_EXHAUSTED, str(exc)
        retry = error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(seconds=int(exc.retry_after), nanos=int((exc.retry_after % 1) * 1e9))
        )
        details = [retry]
        if isinstance(exc, errors.RateLimited):
            quota = error_details_pb2.QuotaFailure()
            quota.violations.add(
                subject=exc.subject,
                description=str(exc),
                api_service="codeintel.v1.CodeIntelService",
                quota_metric=f"codeintel/{exc.limit}",
                quota_id=f"{exc.limit}-per-tenant",
            )
            details.append(quota)
    elif isinstance(exc, errors.Unauthenticated):
        code, msg, details = code_pb2.UNAUTHENTICATED, str(exc), []
    elif isinstance(exc, errors.PermissionDenied):
        code, msg, details = code_pb2.PERMISSION_DENIED, str(exc), []
    elif isinstance(exc, errors.NotFound):
        code, msg, details = code_pb2.NOT_FOUND, str(exc), []
    elif isinstance(exc, errors.FailedPrecondition):
        code, msg, details = code_pb2.FAILED_PRECONDITION, str(exc), []
    elif isinstance(exc, errors.Unavailable):
        code, msg, details = code_pb2.UNAVAILABLE, str(exc), []
    elif isinstance(exc, errors.DeadlineExceeded):
        code, msg, details = code_pb2.DEADLINE_EXCEEDED, str(exc), []
    else:
        incident = uuid.uuid4().hex[:12]
        log.error("internal error (incident %s)", incident, exc_info=exc)
        code, msg, details = code_pb2.INTERNAL, f"internal error (incident {incident})", []
    st = status_pb2.Status(code=code, message=msg)
    for d in details:
        st.details.add().Pack(d)
    return rpc_status.to_status(st)


def file_error(exc: BaseException) -> common_pb2.FileError:
    """The per-file error of a batch for an exception raised while handling that file."""
    if isinstance(exc, errors.InvalidInput):
        return common_pb2.FileError(
            code=_FILE_CODES.get(exc.code, common_pb2.FILE_ERROR_CODE_INVALID_ARGUMENT), message=str(exc)
        )
    if isinstance(exc, errors.DeadlineExceeded):
        return common_pb2.FileError(code=common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED, message=str(exc))
    if isinstance(exc, errors.Unavailable | errors.Overloaded):
        return common_pb2.FileError(code=common_pb2.FILE_ERROR_CODE_UNAVAILABLE, message=str(exc))
    incident = uuid.uuid4().hex[:12]
    log.error("internal error on one file (incident %s)", incident, exc_info=exc)
    return common_pb2.FileError(
        code=common_pb2.FILE_ERROR_CODE_INTERNAL, message=f"internal error (incident {incident})"
    )


def unary_guard(method):
    """Decorator for sync servicer methods: map exceptions to statuses in one place."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except Exception as exc:  # noqa: BLE001 - every failure must become a status
            context.abort_with_status(status_for(exc))

    return wrapper


def aio_guard(method):
    """Decorator for grpc.aio servicer methods: map exceptions to statuses in one place."""

    @functools.wraps(method)
    async def wrapper(self, request, context):
        try:
            return await method(self, request, context)
        except Exception as exc:  # noqa: BLE001
            if _is_abort(exc):
                raise
            st = status_for(exc)
            await context.abort(st.code, st.details, st.trailing_metadata)

    return wrapper


def aio_stream_guard(method):
    """aio_guard for server-streaming handlers (async generators): a failure before or between
    messages ends the stream with its status."""

    @functools.wraps(method)
    async def wrapper(self, request, context):
        try:
            async for message in method(self, request, context):
                yield message
        except Exception as exc:  # noqa: BLE001
            if _is_abort(exc):
                raise
            st = status_for(exc)
            await context.abort(st.code, st.details, st.trailing_metadata)

    return wrapper


def _is_abort(exc: BaseException) -> bool:
    # Handlers raise domain errors instead of aborting; an abort from below passes through.
    return isinstance(exc, grpc.aio.AbortError)
