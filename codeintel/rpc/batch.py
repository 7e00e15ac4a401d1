"""Running one request's files through a worker's domain function (gRPC layer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from codeintel.kernel import errors
from codeintel.kernel.budget import Budget
from codeintel.rpc.status import file_error
from codeintel.v1 import common_pb2


def file_budget(context, max_file_seconds: float) -> Budget:
    """The time one file may take: the server's per-file limit or the caller's remaining time."""
    return Budget(max_file_seconds, context.time_remaining())


def run_batch(
    files: Sequence, work: Callable, wrap: Callable, context, max_batch_files: int, max_file_seconds: float
) -> list:
    """Apply `work(file, budget) -> result` to each file; `wrap(result=..)` / `wrap(error=..)`
    builds the per-file outcome. One file's failure never fails the others. Once the caller's
    deadline has passed or it has gone away, the remaining files are not worked on."""
    if len(files) > max_batch_files:
        raise errors.InvalidInput(f"batch has {len(files)} files; the limit is {max_batch_files} per call — split it")
    out = []
    expired = None
    for f in files:
        if expired is None:
            remaining = context.time_remaining()
            if (remaining is not None and remaining <= 0) or not context.is_active():
                expired = common_pb2.FileError(
                    code=common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED,
                    message="the request's deadline expired before this file was processed",
                )
        if expired is not None:
            out.append(wrap(error=expired))
            continue
        try:
            out.append(wrap(result=work(f, file_budget(context, max_file_seconds))))
        except Exception as exc:  # noqa: BLE001 - each file's failure is reported in place
            out.append(wrap(error=file_error(exc)))
    return out
