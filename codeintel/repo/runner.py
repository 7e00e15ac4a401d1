"""Running a walk's files through the workers: batches, several in flight, a deadline, outcomes.

`Runner` reads the files batch by batch (by file count and bytes), skips what the workers would
refuse anyway (too large, binary, not UTF-8), sends the rest through a caller-supplied `send`
coroutine (the coordinator's ParseBatch/AnalyzeBatch/ScanBatch) with several batches in flight,
and stops sending at the deadline. Per-file failures become skips ("timed out", "too complex",
...). Files answered from a cache are counted as reused, the rest as computed.

A scan given `cross_file` (the run's ScanOptions) over more than one file of a taint language runs
in two passes (codeintel.repo.crossfile): pass 1 gathers the function summaries of those files
(within half the time left; at its deadline the run goes on with what it has; it reports no
progress, skips or results: pass 2 reports every file), pass 2 scans every file with the summaries
of the other files it could call, sending files with the same options together. The report's notes
say how many summaries were used.

Domain code: no grpc here. `send(files, timeout, options=None)` raises `BatchError` for a batch that
failed as a whole; `options` (only in two-pass scans) replaces the options the sender was made with.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from codeintel.kernel import vocab
from codeintel.repo import crossfile
from codeintel.repo.aggregate import AGGREGATORS, Aggregator
from codeintel.repo.walk import (
    BINARY,
    FAILED,
    NO_GRAMMAR,
    NOT_PROCESSED,
    NOT_UTF8,
    TIMED_OUT,
    TOO_COMPLEX,
    TOO_LARGE,
    UNSUPPORTED,
    Entry,
    Skip,
    WalkResult,
    batches,
    read_source,
)
from codeintel.v1 import common_pb2

_FILE_ERROR_REASONS = {
    common_pb2.FILE_ERROR_CODE_TOO_LARGE: TOO_LARGE,
    common_pb2.FILE_ERROR_CODE_BINARY: BINARY,
    common_pb2.FILE_ERROR_CODE_INVALID_ENCODING: NOT_UTF8,
    common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE: NO_GRAMMAR,
    common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE: UNSUPPORTED,
    common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED: TIMED_OUT,
    common_pb2.FILE_ERROR_CODE_TOO_COMPLEX: TOO_COMPLEX,
}


class BatchError(Exception):
    """A whole batch failed. `deadline`: it ran out of time; `fatal`: no later batch can succeed
    (bad credentials, refused request), so the run stops."""

    def __init__(self, message: str, *, deadline: bool = False, fatal: bool = False):
        super().__init__(message)
        self.deadline = deadline
        self.fatal = fatal


@dataclass(frozen=True)
class RunLimits:
    batch_files: int = 64
    batch_bytes: int = 4 * 1024 * 1024
    in_flight: int = 4
    batch_timeout_s: float = 60.0
    max_file_bytes: int = 2 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("batch_files", "batch_bytes", "in_flight", "max_file_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not self.batch_timeout_s > 0:
            raise ValueError(f"batch_timeout_s must be positive, got {self.batch_timeout_s!r}")


Send = Callable[..., Awaitable[object]]  # (files, timeout, options=None) -> the batch response
Progress = Callable[[int, int], Awaitable[None]]


@dataclass
class RunReport:
    """Counts of one run; `skipped` holds every file that produced no result, with its reason."""

    operation: str
    files_found: int = 0  # files considered (sent or skipped; excludes directories skipped whole)
    processed: int = 0
    computed: int = 0
    reused: int = 0
    batches: int = 0
    skipped: list[Skip] = field(default_factory=list)
    out_of_scope: int = 0
    stopped: str | None = None  # why the run ended early: "deadline", "cancelled", a fatal error, "file limit"
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)  # the walk's notes (e.g. a named path that .gitignore ignores)
    cross_file: dict | None = None  # a two-pass scan: summaries gathered and used

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(s.reason for s in self.skipped).items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def not_processed(self) -> int:
        return sum(1 for s in self.skipped if s.reason == NOT_PROCESSED)

    def as_dict(self) -> dict:
        return {
            "files_found": self.files_found,
            "processed": self.processed,
            "computed": self.computed,
            "reused": self.reused,
            "skipped": sum(1 for s in self.skipped if s.reason != NOT_PROCESSED and not s.path.endswith("/")),
            "not_processed": self.not_processed,
            "out_of_scope": self.out_of_scope,
            "directories_skipped": sum(1 for s in self.skipped if s.path.endswith("/")),
        }


class Runner:
    """Sends a walk's entries in batches, several in flight, and folds the outcomes."""

    def __init__(
        self,
        operation: str,
        send: Send,
        *,
        limits: RunLimits = RunLimits(),
        deadline: float | None = None,
        language: str = "",
        progress: Progress | None = None,
        on_result: Callable[[str, object], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        cross_file: object = None,
        aggregator: Aggregator | None = None,
    ):
        if operation not in AGGREGATORS:
            raise ValueError(f"unknown operation {operation!r}")
        self.operation = operation
        self.send = send
        self.limits = limits
        self.deadline = deadline  # on `clock`
        self.language = language
        self.progress = progress
        self.on_result = on_result
        self.clock = clock
        # A caller that keeps results elsewhere (the repository graph) passes one that holds counts
        # only: the default ones keep a detail record per symbol/finding, for the whole run.
        self.aggregator: Aggregator = aggregator if aggregator is not None else AGGREGATORS[operation]()
        self.report = RunReport(operation)
        self._unsupported: set[str] = set()  # languages the workers refused in this run: not sent again
        self.cross_file = cross_file if operation == "scan" else None  # the run's ScanOptions: two passes
        self.gathered: crossfile.Gathered | None = None
        self._done = 0
        self._total = 0

    def _remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def _past_deadline(self) -> bool:
        # A little slack: an RPC whose timeout was the time remaining fails just before it.
        remaining = self._remaining()
        return remaining is not None and remaining <= 0.05

    async def run(self, walked: WalkResult) -> RunReport:
        t0 = self.clock()
        rep = self.report
        rep.skipped.extend(walked.skipped)
        rep.out_of_scope = walked.out_of_scope
        rep.notes.extend(walked.notes)
        rep.files_found = len(walked.entries) + sum(1 for s in walked.skipped if not s.path.endswith("/"))
        if walked.limit_reached:
            rep.stopped = "file limit"
        if self.cross_file is not None and crossfile.two_passes(walked.entries) and rep.stopped is None:
            await self._summarise(walked.entries)
        todo = batches(walked.entries, self.limits.batch_files, self.limits.batch_bytes)
        self._total = len(walked.entries)
        pending: set[asyncio.Task] = set()
        next_batch = 0
        try:
            while True:
                while (
                    len(pending) < self.limits.in_flight
                    and next_batch < len(todo)
                    and rep.stopped in (None, "file limit")
                ):
                    remaining = self._remaining()
                    if remaining is not None and remaining <= 0:
                        rep.stopped = "deadline"
                        break
                    pending.add(asyncio.ensure_future(self._one(todo[next_batch])))
                    next_batch += 1
                if not pending:
                    break
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        except BaseException:
            rep.stopped = "cancelled"
            for task in pending:
                task.cancel()  # in-flight batches are abandoned: their RPCs are cancelled
            await asyncio.gather(*pending, return_exceptions=True)
            raise
        finally:
            why = {"deadline": "the deadline passed before it was sent", "cancelled": "the run was cancelled"}
            for batch in todo[next_batch:]:
                for e in batch:
                    rep.skipped.append(Skip(e.display, NOT_PROCESSED, why.get(rep.stopped or "", rep.stopped or "")))
            rep.elapsed_s = self.clock() - t0
            if self.gathered is not None:
                g = self.gathered
                rep.cross_file = {
                    "functions": g.functions,
                    "files": g.files,
                    "sent": g.sent,
                    "files_using": g.files_using,
                }
                rep.notes.append(g.note())
        return rep

    async def _summarise(self, entries: list[Entry]) -> None:
        """Pass 1: the function summaries of the taint-language files, within half the time left.
        Failures are not reported here (pass 2 sends every file again and reports them)."""
        gathered = self.gathered = crossfile.Gathered()
        remaining = self._remaining()
        until = None if remaining is None else self.clock() + remaining / 2
        todo = batches(crossfile.taint_entries(entries), self.limits.batch_files, self.limits.batch_bytes)
        limit, lang = self.limits.max_file_bytes, self.language
        slots = asyncio.Semaphore(self.limits.in_flight)
        fatal = False

        async def one(batch: list[Entry]) -> None:
            nonlocal fatal
            async with slots:
                left = None if until is None else until - self.clock()
                if fatal or (left is not None and left <= 0):
                    return
                read = await asyncio.to_thread(lambda: [read_source(e, limit, lang) for e in batch])
                pairs = [(e, src) for e, (src, _) in zip(batch, read, strict=True) if src is not None]
                if not pairs:
                    return
                timeout = self.limits.batch_timeout_s if left is None else min(left, self.limits.batch_timeout_s)
                gathered.sent += len(pairs)
                try:
                    resp: Any = await self.send([src for _, src in pairs], timeout, options=crossfile.SUMMARIZE)
                except BatchError as exc:
                    fatal = fatal or exc.fatal
                    return
            if len(resp.results) == len(pairs):
                for (e, _), r in zip(pairs, resp.results, strict=True):
                    if r.HasField("result"):
                        gathered.add(e.display, r.result)

        await asyncio.gather(*(one(b) for b in todo))

    async def _one(self, batch: list[Entry]) -> None:
        try:
            await self._batch(batch)
        finally:
            self._done += len(batch)
        if self.progress is not None:  # once per batch, cumulative
            await self.progress(self._done, self._total)

    async def _batch(self, batch: list[Entry]) -> None:
        rep = self.report
        to_read = []
        for e in batch:
            if e.language in self._unsupported and not self.language:
                rep.skipped.append(Skip(e.display, UNSUPPORTED, f"{e.language} is not supported by {self.operation}"))
            else:
                to_read.append(e)
        limit, lang = self.limits.max_file_bytes, self.language
        read = await asyncio.to_thread(lambda: [read_source(e, limit, lang) for e in to_read])
        sources: list[common_pb2.SourceFile] = []
        sent: list[Entry] = []
        for e, (src, skip) in zip(to_read, read, strict=True):
            if src is None:
                if skip is not None:
                    rep.skipped.append(skip)
                continue
            sources.append(src)
            sent.append(e)
        if not sources:
            return
        if self.gathered is None:
            await self._send(sent, sources, None)
            return
        groups: dict[bytes, tuple[Any, list[Entry], list[common_pb2.SourceFile]]] = {}
        for e, src in zip(sent, sources, strict=True):
            options = self.gathered.options_for(
                self.cross_file, self.gathered.for_file(e.display, src.language or e.language, src.content)
            )
            key = b"" if options is self.cross_file else options.SerializeToString(deterministic=True)
            groups.setdefault(key, (options if key else None, [], []))
            groups[key][1].append(e)
            groups[key][2].append(src)
        # files that could use the same summaries go together; each group is one request
        await asyncio.gather(*(self._send(es, ss, opts) for opts, es, ss in groups.values()))

    async def _send(self, sent: list[Entry], sources: list[common_pb2.SourceFile], options: Any) -> None:
        rep = self.report
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            for e in sent:
                rep.skipped.append(Skip(e.display, NOT_PROCESSED, "the deadline passed before it was sent"))
            if rep.stopped in (None, "file limit"):  # the batch was already scheduled: the run still stopped early
                rep.stopped = "deadline"
            return
        timeout = self.limits.batch_timeout_s if remaining is None else min(remaining, self.limits.batch_timeout_s)
        rep.batches += 1
        try:
            resp = await (
                self.send(sources, timeout) if options is None else self.send(sources, timeout, options=options)
            )
        except BatchError as exc:
            at_deadline = exc.deadline and self._past_deadline()
            for e in sent:
                if at_deadline:
                    rep.skipped.append(Skip(e.display, NOT_PROCESSED, "the deadline passed while it was in flight"))
                else:
                    rep.skipped.append(Skip(e.display, TIMED_OUT if exc.deadline else FAILED, str(exc)))
            if exc.fatal:
                rep.stopped = str(exc)
            elif at_deadline:
                rep.stopped = "deadline"
            return
        self._fold(sent, resp)

    def _fold(self, sent: list[Entry], resp) -> None:
        rep = self.report
        caches = list(resp.info.cache)
        if len(resp.results) != len(sent):  # the contract: one result per file, in request order
            for e in sent:
                rep.skipped.append(
                    Skip(
                        e.display, FAILED, f"the coordinator answered {len(resp.results)} results for {len(sent)} files"
                    )
                )
            return
        for i, (e, r) in enumerate(zip(sent, resp.results, strict=True)):
            if r.HasField("result"):
                rep.processed += 1
                if i < len(caches) and caches[i] in vocab.REUSED_CACHE_STATUSES:
                    rep.reused += 1
                else:
                    rep.computed += 1
                self.aggregator.add(e.display, r.result)
                if self.on_result is not None:
                    self.on_result(e.display, r.result)
                continue
            reason = _FILE_ERROR_REASONS.get(r.error.code, FAILED)
            if reason == TIMED_OUT and self._past_deadline():
                reason = NOT_PROCESSED  # the run's deadline cut the batch: the run stopped early
                if rep.stopped in (None, "file limit"):
                    rep.stopped = "deadline"
            if reason == UNSUPPORTED and e.language:
                self._unsupported.add(e.language)
            rep.skipped.append(Skip(e.display, reason, r.error.message))
