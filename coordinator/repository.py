"""RunRepository: one operation over a directory on the coordinator's machine, as a stream of events.

The walk, batching, skip reasons and counting are codeintel.repo's (the same as the MCP repo
tools and the CLI); this module adds what is particular to running it inside the coordinator:

- the root must resolve (symbolic links and '..' included) inside one of `--repo-roots`;
- the walk runs in a thread (asyncio.to_thread), never on the event loop;
- each batch goes through `Coordinator.batch` in-process: the same caches, merging, queue,
  priority and per-tenant queue cap as a ParseBatch/AnalyzeBatch/ScanBatch call, and `charge`
  bills the tenant's rate and byte budget per batch as such a call would be billed;
- a scan runs in two passes with cross-file function summaries (codeintel.repo.crossfile); pass 1's
  batches go through `Coordinator.batch` too (ScanOptions.summarize), stream no results and are not
  billed (the same bytes are billed once, in pass 2);
- the caller's deadline becomes the run's deadline, a little early, so that the summary still
  goes out before the RPC itself expires; cancelling the RPC cancels the run (in-flight batches
  and their worker calls included).

A scan run adds the repository's own rules (`<root>/.codeintel/rules/`, codeintel.repo.rules) to the
custom rules sent, and has a scan worker check them before the walk: a broken rule refuses the run.

Events come out in order: progress (0 of N) first, then per batch: results, skipped files,
progress; the summary is always last. No gRPC here: errors are codeintel.errors.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from codeintel import repo
from codeintel.kernel import errors
from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.repo import rules as repo_rules
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import scan_pb2
from coordinator.core import Caller, Coordinator
from coordinator.ratelimit import rejection_message

# RepositoryOperation -> (coordinator operation, codeintel.repo aggregator, options field)
OPERATIONS = {
    pb.REPOSITORY_OPERATION_PARSE: ("parse", "index", "parse_options"),
    pb.REPOSITORY_OPERATION_ANALYZE: ("analyze", "analyze", "analyze_options"),
    pb.REPOSITORY_OPERATION_SCAN: ("scan", "scan", "scan_options"),
}
_RESULT_FIELD = {"parse": "parse", "analyze": "analyze", "scan": "scan"}


# Time kept back from the caller's deadline to wind down in-flight batches and send the summary:
# a fifth of it, between 0.1 and 0.5 s.
def _margin(remaining: float) -> float:
    return min(0.5, max(0.1, remaining / 5))


MAX_FILES = 100_000
QUEUED_EVENTS = 16
SKIPS_PER_EVENT = 500  # keeps each message small however many files the walk skipped

Charge = Callable[[int], Awaitable[None]]  # bills one batch of n bytes to the caller; raises RateLimited


@dataclass(frozen=True)
class RunRequest:
    """What a caller asked for, checked: see `check_request`."""

    op: str  # coordinator operation: parse / analyze / scan
    aggregate: str  # codeintel.repo aggregator: index / analyze / scan
    root: str  # real path, inside an allowed root
    gitignore_stop: str  # the allowed root it lies in: no .gitignore above it is read
    options: object
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    request_options: pb.RequestOptions


def allowed_root(path: str, roots: tuple[str, ...]) -> tuple[str, str]:
    """(real path, the allowed root holding it). Raises FailedPrecondition / PermissionDenied /
    NotFound / InvalidInput."""
    if not roots:
        raise errors.FailedPrecondition(
            "RunRepository is off on this coordinator: start it with --repo-roots DIR[,DIR] (env "
            "CODEINTEL_REPO_ROOTS) naming the directories callers may have walked"
        )
    if not path:
        raise errors.InvalidInput("root is empty: pass a directory inside " + ", ".join(roots))
    if "\x00" in path:
        raise errors.InvalidInput("root contains a NUL byte")
    real = os.path.realpath(path)
    holder = next((r for r in roots if real == r or real.startswith(r.rstrip(os.sep) + os.sep)), None)
    if holder is None:
        # Said before existence: a caller outside the roots learns nothing about the file system.
        raise errors.PermissionDenied(f"{path!r} resolves outside the allowed roots ({', '.join(roots)})")
    if not os.path.exists(real):
        raise errors.NotFound(f"{path!r} does not exist")
    if not os.path.isdir(real):
        raise errors.InvalidInput(f"{path!r} is not a directory")
    return real, holder


def check_request(request: pb.CodeIntelServiceRunRepositoryRequest, roots: tuple[str, ...]) -> RunRequest:
    if request.operation not in OPERATIONS:
        raise errors.InvalidInput("operation must be REPOSITORY_OPERATION_PARSE, _ANALYZE or _SCAN")
    op, aggregate, field = OPERATIONS[request.operation]
    real, holder = allowed_root(request.root, roots)
    which = request.WhichOneof("options")
    if which is not None and which != field:
        raise errors.InvalidInput(
            f"{which} does not go with {pb.RepositoryOperation.Name(request.operation)}; pass {field} or none"
        )
    options = getattr(request, field)
    if op == "scan" and options.include_sarif:
        options = type(options)()
        options.CopyFrom(getattr(request, field))
        options.include_sarif = False  # per-file results are streamed; SARIF is the client's to build
    return RunRequest(
        op, aggregate, real, holder, options, tuple(request.include), tuple(request.exclude), request.request_options
    )


def skipped_chunks(items: list[repo.Skip]) -> list[pb.RepositorySkipped]:
    """Skipped files as messages of at most SKIPS_PER_EVENT files each."""
    out = []
    for i in range(0, len(items), SKIPS_PER_EVENT):
        files = [
            pb.RepositorySkippedFile(path=s.path, reason=repo.skip_reason(s.reason), message=s.detail)
            for s in items[i : i + SKIPS_PER_EVENT]
        ]
        out.append(pb.RepositorySkipped(files=files))
    return out


def _skips(items: list[repo.Skip]) -> list[pb.CodeIntelServiceRunRepositoryResponse]:
    return [pb.CodeIntelServiceRunRepositoryResponse(skipped=chunk) for chunk in skipped_chunks(items)]


def _progress(done: int, total: int, rep: repo.RunReport) -> pb.CodeIntelServiceRunRepositoryResponse:
    return pb.CodeIntelServiceRunRepositoryResponse(
        progress=pb.RepositoryProgress(
            files_done=done,
            files_total=total,
            processed=rep.processed,
            reused=rep.reused,
            computed=rep.computed,
            skipped=len(rep.skipped),
        )
    )


def _summary(runner: repo.Runner, label: str) -> pb.CodeIntelServiceRunRepositoryResponse:
    return pb.CodeIntelServiceRunRepositoryResponse(
        summary=repo.summary_message(runner.report, runner.aggregator, label)
    )


def tenant_charge(limiter, tenant) -> Charge:
    """Bills a batch to `tenant` as a batch call of that many bytes would be billed."""

    async def charge(cost: int) -> None:
        decision = await limiter.admit(tenant.id, tenant.tier, cost)
        if not decision.allowed:
            raise errors.RateLimited(
                rejection_message(decision, tenant.tier),
                retry_after=decision.retry_after,
                subject=f"tenant:{tenant.id}",
                limit=decision.limit,
            )

    return charge


async def _charged(charge: Charge, cost: int, until: float) -> None:
    """Bill a batch; over budget, wait as a well-behaved batch client would (RetryInfo), while time allows."""
    while True:
        try:
            return await charge(cost)
        except errors.RateLimited as exc:
            if time.monotonic() + exc.retry_after >= until:
                raise repo.BatchError(str(exc)) from None
            await asyncio.sleep(exc.retry_after)
        except errors.CodeIntelError as exc:  # e.g. the limiter's store is down and the deployment fails closed
            raise repo.BatchError(str(exc), fatal=True) from None


_BATCH_RESPONSES = {
    "parse": pb.CodeIntelServiceParseBatchResponse,
    "analyze": pb.CodeIntelServiceAnalyzeBatchResponse,
    "scan": pb.CodeIntelServiceScanBatchResponse,
}


def batch_sender(
    core: Coordinator,
    op_name: str,
    base_options,
    request_options: pb.RequestOptions,
    caller: Caller,
    charge: Charge | None,
    on_chunk: Callable[[list[pb.RepositoryFileResult]], Awaitable[None]] | None = None,
    *,
    store_l1: bool = True,
) -> repo.Send:
    """A codeintel.repo `send` going through `Coordinator.batch` in-process (caches, queue, priority,
    tenant caps), billing each batch with `charge`; `on_chunk` gets each batch's results as
    RepositoryFileResults (not for pass 1 of a two-pass scan: those are not results of the run);
    `store_l1=False`: the batches' results are not kept in the L1 cache (see Coordinator.batch)."""
    result_field = _RESULT_FIELD[op_name]
    batch_response = _BATCH_RESPONSES[op_name]

    async def send(files, timeout: float, options=None):
        summaries = options is not None and options.summarize  # pass 1 of a scan: not a result of the run
        if charge is not None and not summaries:  # the run's bytes are billed once, in pass 2
            await _charged(charge, sum(len(f.content) for f in files), time.monotonic() + timeout)
        try:
            served = await core.batch(
                op_name,
                files,
                options or base_options,
                request_options,
                time.monotonic() + timeout,
                caller,
                store_l1=store_l1,
            )
        except errors.CodeIntelError as exc:  # the batch as a whole (e.g. too many files): its files fail
            raise repo.BatchError(str(exc), deadline=isinstance(exc, errors.DeadlineExceeded)) from None
        # Each result is decoded once, in place (building messages and passing them to a constructor
        # would copy every one of them twice: a large share of an index run's time here).
        response = batch_response(info=pb.BatchInfo(cache=[s.cache for s in served]))
        results = response.results
        chunk = []
        for f, s in zip(files, served, strict=True):
            out = results.add()
            if s.result is not None:
                r = out.result
                r.ParseFromString(s.result)
                r.SetInParent()  # present even when empty, as a result
                if on_chunk is not None:
                    chunk.append(pb.RepositoryFileResult(path=f.path, cache=s.cache, **{result_field: r}))
            elif s.error is not None:
                out.error.CopyFrom(s.error)
        if chunk and not summaries and on_chunk is not None:
            await on_chunk(chunk)
        return response

    return send


async def drain(work: Awaitable[object], events: asyncio.Queue) -> AsyncIterator:
    """Run `work` and yield what it puts on `events` while it runs, then what is left. A failure of
    the work is raised here (INTERNAL with an incident id, not a summary); closing the iterator early
    (the caller went away) cancels the work, in-flight batches and their worker calls included."""
    task = asyncio.ensure_future(work)
    get: asyncio.Future | None = None
    try:
        while True:
            get = asyncio.ensure_future(events.get())
            await asyncio.wait((get, task), return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                break
            yield get.result()
        while not events.empty():
            yield events.get_nowait()
        task.result()
    finally:
        if get is not None:
            get.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def run(
    core: Coordinator,
    req: RunRequest,
    caller: Caller,
    *,
    time_remaining: float | None,
    charge: Charge | None = None,
    limits: repo.RunLimits | None = None,
    max_files: int = MAX_FILES,
) -> AsyncIterator[pb.CodeIntelServiceRunRepositoryResponse]:
    """The events of one run. Closing the iterator early (the caller went away) cancels the run."""
    t0 = time.monotonic()
    deadline = None if time_remaining is None else t0 + time_remaining - _margin(time_remaining)
    options, custom = await _custom_rules(core, req, caller, deadline)
    pool = core.pools[req.op]
    max_bytes = pool.max_file_bytes or DEFAULT_MAX_FILE_BYTES
    limits = limits or repo.RunLimits(batch_files=min(64, core.config.max_batch_files), max_file_bytes=max_bytes)
    walked = await asyncio.to_thread(
        repo.walk,
        req.root,
        root=req.root,
        include=req.include,
        exclude=req.exclude,
        max_file_bytes=max_bytes,
        max_files=max_files,
        gitignore_stop=req.gitignore_stop,
    )
    # Bounded: a slow reader holds the run back (fewer batches in flight) instead of piling results up here.
    events: asyncio.Queue = asyncio.Queue(maxsize=QUEUED_EVENTS)

    async def on_chunk(chunk: list[pb.RepositoryFileResult]) -> None:
        await events.put(pb.CodeIntelServiceRunRepositoryResponse(results=pb.RepositoryResults(results=chunk)))

    send = batch_sender(core, req.op, options, req.request_options, caller, charge, on_chunk)

    runner: repo.Runner
    reported = len(walked.skipped)

    async def progress(done: int, total: int) -> None:
        nonlocal reported
        new = runner.report.skipped[reported:]
        reported += len(new)
        for e in _skips(new):
            await events.put(e)
        await events.put(_progress(done, total, runner.report))

    cross_file = repo.cross_file_options(options)  # two passes: summaries, then scans
    runner = repo.Runner(
        req.aggregate, send, limits=limits, deadline=deadline, progress=progress, cross_file=cross_file
    )
    yield _progress(0, len(walked.entries), runner.report)
    for e in _skips(walked.skipped):
        yield e
    async for event in drain(runner.run(walked), events):
        yield event
    for e in _skips(runner.report.skipped[reported:]):  # files the run never got to
        yield e
    summary = _summary(runner, req.root)
    if custom is not None:
        rules, files = custom
        summary.summary.custom_rules, summary.summary.custom_rule_files = len(rules), files
        summary.summary.summary_text += f"\ncustom rules: {len(rules)} from {files} file{'s' if files != 1 else ''}"
    yield summary


async def _custom_rules(
    core: Coordinator, req: RunRequest, caller: Caller, deadline: float | None
) -> tuple[object, tuple[list, int] | None]:
    """A scan run's options with the repository's own `.codeintel/rules/` added after the custom rules
    sent, all checked by a scan worker before anything else happens (a broken rule refuses the run
    with INVALID_ARGUMENT naming the file, the rule and the field); (options, (custom rules, number of
    files)), or (options, None) when the run has no custom rules."""
    if req.op != "scan":
        return req.options, None
    sent = cast(scan_pb2.ScanOptions, req.options)
    try:
        options = repo_rules.with_rules(sent, await asyncio.to_thread(repo_rules.read_rule_files, req.root))
    except repo_rules.RuleFileError as exc:
        raise errors.InvalidInput(str(exc), field="scan_options.custom_rules") from None
    if not options.custom_rules:
        return options, None
    until = deadline if deadline is not None else time.monotonic() + core.config.default_deadline
    rules = await core.check_rules(options.custom_rules, until, caller, field="scan_options")
    return options, (rules, len(options.custom_rules))
