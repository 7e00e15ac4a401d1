"""A time budget for the work on one file (domain side: no grpc here).

Work that can run long on hostile input checks its budget now and then; once spent, the file fails
instead of holding a worker thread (and, through the GIL, the whole process). The binding limit is
whichever comes first: the caller's deadline (-> DeadlineExceeded) or the server's per-file work
limit (-> TooComplex).
"""

from __future__ import annotations

import time

from codeintel.kernel import errors

DEFAULT_MAX_FILE_SECONDS = 10.0


class Budget:
    """Call it to learn whether the time is up."""

    __slots__ = ("expires", "by_caller", "limit")

    def __init__(self, limit: float, caller_remaining: float | None = None):
        self.limit = limit
        self.by_caller = caller_remaining is not None and caller_remaining < limit
        self.expires = time.monotonic() + (
            caller_remaining if caller_remaining is not None and self.by_caller else limit
        )

    def __call__(self) -> bool:
        return time.monotonic() >= self.expires

    def error(self, what: str) -> errors.CodeIntelError:
        """The error to raise when the budget ran out during `what`."""
        if self.by_caller:
            return errors.DeadlineExceeded(f"the caller's deadline passed during {what}")
        return errors.TooComplex(
            f"this file needs more than the server's per-file work limit of {self.limit:g} s "
            f"({what} did not finish); split or simplify the file"
        )


def unlimited() -> Budget:
    """A budget that never runs out (library use and tests of results)."""
    return Budget(float("inf"))
