"""The domain exception tree shared by the worker services and the coordinator.

Domain code raises these; the gRPC layer (codeintel.grpc_status) maps each to a status
code in one place, and batch calls turn them into per-file FileError codes.
"""

from __future__ import annotations


class CodeIntelError(Exception):
    """Base of every error codeintel raises on purpose. `str(err)` is safe to show callers."""


class InvalidInput(CodeIntelError):
    """The request can never succeed as sent (INVALID_ARGUMENT). `field`: the request field at fault
    (the BadRequest field violation names it; default "file")."""

    code = "INVALID_ARGUMENT"
    field = ""  # a subclass may name its own field; an instance's `field` argument wins

    def __init__(self, message: str = "", *, field: str = ""):
        super().__init__(message)
        if field:
            self.field = field


class FileTooLarge(InvalidInput):
    code = "TOO_LARGE"


class BinaryContent(InvalidInput):
    code = "BINARY"


class InvalidEncoding(InvalidInput):
    code = "INVALID_ENCODING"


class UnknownLanguage(InvalidInput):
    code = "UNKNOWN_LANGUAGE"


class UnsupportedLanguage(InvalidInput):
    code = "UNSUPPORTED_LANGUAGE"


class TooComplex(InvalidInput):
    """The file needs more work than the server's per-file limit allows (e.g. nesting far too deep)."""

    code = "TOO_COMPLEX"


class Overloaded(CodeIntelError):
    """Too much work queued; retry after `retry_after` seconds (RESOURCE_EXHAUSTED)."""

    def __init__(self, message: str, retry_after: float = 1.0):
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(Overloaded):
    """The tenant's request or byte budget is spent for now (RESOURCE_EXHAUSTED with RetryInfo and a
    QuotaFailure naming `subject` and the `limit` that is short: "requests" or "bytes")."""

    def __init__(self, message: str, retry_after: float, subject: str, limit: str):
        super().__init__(message, retry_after)
        self.subject, self.limit = subject, limit


class Unauthenticated(CodeIntelError):
    """The caller sent no API key, or one that is unknown or revoked (UNAUTHENTICATED)."""


class PermissionDenied(CodeIntelError):
    """The caller is known but may not do what it asked (PERMISSION_DENIED)."""


class Unavailable(CodeIntelError):
    """No healthy worker could do the work (UNAVAILABLE)."""


class DeadlineExceeded(CodeIntelError):
    """The caller's deadline passed before the work was done (DEADLINE_EXCEEDED)."""


class NotFound(CodeIntelError):
    """What the request names does not exist (NOT_FOUND), e.g. a directory to walk."""


class FailedPrecondition(CodeIntelError):
    """The server is not set up for this call; the message says how to enable it (FAILED_PRECONDITION)."""
