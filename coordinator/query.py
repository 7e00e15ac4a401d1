"""QueryService: user-supplied tree-sitter queries and ast-grep patterns, served by the coordinator.

The parse workers run the query on each file (ParseOptions.query; services.parse.query), so a
search over a repository scales with the workers and each file's matches are cached by content
like any parse result. This module adds what belongs to the coordinator:

- the query is checked once, before any file is sent (codeintel.kernel.structural): an invalid
  one is INVALID_ARGUMENT with the position, whatever the number of files;
- a `root` must resolve inside `--repo-roots` (the same refusals as RunRepository); the walk,
  batching and skip reasons are codeintel.repo's and the batches go through `Coordinator.batch`
  (caches, queue, priority, tenant caps), billed per batch (coordinator.repository.batch_sender);
- matches are kept in a stable order (path, then position), at most `max_matches` of them (the
  rest are counted), so the pages of one query line up: a later page runs the query again, and
  every file is then a cache hit;
- the caller's deadline stops the run a little early, and the answer says it is partial;
- counters for /metrics (QueryStats).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from codeintel import repo
from codeintel.graph import cursor
from codeintel.kernel import errors, languages, structural
from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.rpc.status import aio_guard, status_for
from codeintel.v1 import common_pb2, graph_pb2, parse_pb2, query_pb2, query_pb2_grpc
from codeintel.v1 import coordinator_pb2 as pb
from coordinator import repository
from coordinator.admission import Gatekeeper
from coordinator.core import Caller, Coordinator
from coordinator.servicer import authorization
from coordinator.stats import Buckets

DEFAULT_MAX_MATCHES = 10_000
MAX_MATCHES = 100_000
MAX_INLINE_FILES = 1000
MAX_SKIPPED_LISTED = 50
KINDS = ("query", "pattern")
SECONDS_BOUNDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Batches in flight: the workers answer query batches fast, so more than a plain run's 4 keep them busy.
IN_FLIGHT = 8

_FILE_ERROR_REASONS = {
    common_pb2.FILE_ERROR_CODE_TOO_LARGE: repo.TOO_LARGE,
    common_pb2.FILE_ERROR_CODE_BINARY: repo.BINARY,
    common_pb2.FILE_ERROR_CODE_INVALID_ENCODING: repo.NOT_UTF8,
    common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE: repo.NO_GRAMMAR,
    common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE: repo.UNSUPPORTED,
    common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED: repo.TIMED_OUT,
    common_pb2.FILE_ERROR_CODE_TOO_COMPLEX: repo.TOO_COMPLEX,
}


@dataclass
class QueryStats:
    """Counters behind the codeintel_query_* metrics (written on the event loop only)."""

    requests: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, outcome) -> count
    seconds: dict[str, Buckets] = field(default_factory=lambda: {k: Buckets(SECONDS_BOUNDS) for k in KINDS})
    files: int = 0
    matches: int = 0

    def done(self, kind: str, outcome: str, seconds: float) -> None:
        self.requests[(kind, outcome)] = self.requests.get((kind, outcome), 0) + 1
        self.seconds[kind].observe(seconds)


class MatchAggregator(repo.Aggregator):
    """Counts every file's matches and keeps the first `keep` of them by (path, position)."""

    operation = "index"

    def __init__(self, keep: int):
        super().__init__()
        self.keep = keep
        self.searched = 0
        self.with_matches = 0
        self.with_errors = 0
        self.truncated = 0
        self.ruled_out = 0  # searched without a parse: they lack the text every match needs
        self.total = 0
        self.kept: list[tuple[str, int, str, parse_pb2.QueryMatch]] = []

    def _add(self, path: str, result) -> None:
        self.searched += 1
        self.with_errors += result.has_errors
        self.truncated += result.matches_truncated
        n = len(result.matches)
        self.total += n
        if not n:
            return
        self.with_matches += 1
        self.kept.extend((path, i, result.language, m) for i, m in enumerate(result.matches))
        if len(self.kept) > 2 * self.keep:  # trim now and then: memory stays bounded by the limit
            self._trim()

    def _trim(self) -> None:
        self.kept.sort(key=lambda t: (t[0], t[1]))
        del self.kept[self.keep :]

    def ordered(self) -> list[tuple[str, int, str, parse_pb2.QueryMatch]]:
        self._trim()
        return self.kept


@dataclass
class _Plan:
    kind: str
    spec: parse_pb2.StructuralQuery
    languages: list[str]
    notes: list[str]
    page: cursor.PageSpec
    keep: int
    filters: dict[str, structural.Prefilter | None] = field(default_factory=dict)  # by language


def _fingerprint(request: query_pb2.CodeQueryRequest) -> str:
    target: object
    if request.WhichOneof("target") == "files":
        h = hashlib.sha256()
        for f in request.files.files:
            for part in (f.path.encode(), f.language.encode(), f.content):
                h.update(len(part).to_bytes(8, "little"))
                h.update(part)
        target = ("files", h.hexdigest())
    else:
        target = ("root", request.root, tuple(request.include), tuple(request.exclude), request.max_files)
    return cursor.fingerprint(
        "q1",
        request.query,
        request.pattern,
        request.language,
        target,
        request.max_matches,
        request.max_matches_per_file,
    )


def _check_kind(request: query_pb2.CodeQueryRequest) -> str:
    if bool(request.query) == bool(request.pattern):
        raise structural.InvalidQuery(
            "pass exactly one of query (a tree-sitter query) and pattern (an ast-grep pattern such as eval($X))",
            "query",
        )
    return "query" if request.query else "pattern"


class QueryHost:
    """The coordinator's side of CodeQuery: check, walk or take the files, fan out, fold, page."""

    def __init__(self, core: Coordinator):
        self.core = core
        self.config = core.config
        self.stats = QueryStats()

    async def run(
        self,
        request: query_pb2.CodeQueryRequest,
        caller: Caller,
        *,
        time_remaining: float | None,
        charge: repository.Charge | None = None,
    ) -> query_pb2.CodeQueryResponse:
        t0 = time.monotonic()
        kind = "pattern" if request.pattern and not request.query else "query"
        outcome = "ok"
        try:
            return await self._run(request, caller, t0, time_remaining, charge)
        except errors.CodeIntelError as exc:
            outcome = status_for(exc).code.name.lower()
            raise
        except Exception:
            outcome = "internal"
            raise
        finally:
            self.stats.done(kind, outcome, time.monotonic() - t0)

    def _plan(
        self, request: query_pb2.CodeQueryRequest, langs: list[str], optional: frozenset[str] = frozenset()
    ) -> _Plan:
        kind = _check_kind(request)
        page = cursor.PageSpec.of(request.page if request.HasField("page") else None, _fingerprint(request))
        spec = parse_pb2.StructuralQuery(
            query=request.query, pattern=request.pattern, max_matches=request.max_matches_per_file
        )
        notes: list[str] = []
        ok: list[str] = []
        for lang in langs:
            try:
                structural.check(lang, request.query, request.pattern)
            except errors.InvalidInput as exc:
                unsupported = isinstance(exc, errors.UnsupportedLanguage) and len(langs) > 1
                if lang not in optional and not unsupported:
                    raise
                notes.append(f"{lang} files were not searched: the {kind} is not valid for {lang} ({exc})")
                continue
            ok.append(lang)
        keep = DEFAULT_MAX_MATCHES if request.max_matches <= 0 else min(request.max_matches, MAX_MATCHES)
        filters = {lang: structural.prefilter(lang, request.query, request.pattern) for lang in ok}
        return _Plan(kind, spec, ok, notes, page, keep, filters)

    async def _run(self, request, caller, t0, time_remaining, charge) -> query_pb2.CodeQueryResponse:
        which = request.WhichOneof("target")
        lang = languages.normalize(request.language) if request.language else ""
        if lang and lang not in languages.SUPPORTED:
            raise structural.InvalidQuery(
                f"unknown language {request.language!r}; known languages: {', '.join(sorted(languages.SUPPORTED))}",
                "language",
            )
        if which is None:
            raise errors.InvalidInput("pass what to search: files (inline) or root (a file or directory)")
        deadline = None if time_remaining is None else t0 + time_remaining - repository._margin(time_remaining)
        options = parse_pb2.ParseOptions()
        if which == "root":
            if not lang:
                raise structural.InvalidQuery(
                    "language is required with root: a query is written for one grammar (e.g. python)", "language"
                )
            # A typescript query covers .tsx files too when it compiles for the tsx grammar.
            plan = self._plan(request, [lang, "tsx"] if lang == "typescript" else [lang], frozenset({"tsx"}))
            options.query.CopyFrom(plan.spec)
            report, agg, other = await self._walk_run(request, plan, options, caller, deadline, charge)
        else:
            files = list(request.files.files)
            if len(files) > MAX_INLINE_FILES:
                raise errors.InvalidInput(f"{len(files)} files; the limit is {MAX_INLINE_FILES} per call")
            sendable, langs, skips = _inline(files, lang)
            plan = self._plan(request, sorted(langs) or ([lang] if lang else []))
            # Files of a language the pattern has no grammar for (the plan noted it) are skipped.
            skips += [
                repo.Skip(f.path, repo.UNSUPPORTED, f"no {plan.kind}s for {f.language}")
                for f in sendable
                if f.language not in plan.languages
            ]
            sendable = [f for f in sendable if f.language in plan.languages]
            options.query.CopyFrom(plan.spec)
            report, agg = await self._inline_run(sendable, skips, request, plan, options, caller, deadline, charge)
            other = 0
        self.stats.files += agg.searched
        self.stats.matches += agg.total
        return _response(report, agg, plan, other, time.monotonic() - t0)

    async def _walk_run(self, request, plan: _Plan, options, caller, deadline, charge):
        if not self.config.repo_roots:
            raise errors.FailedPrecondition(
                "queries over a root are off on this coordinator: start it with --repo-roots DIR[,DIR] (env "
                "CODEINTEL_REPO_ROOTS); inline files can be queried without it"
            )
        path = request.root
        real = os.path.realpath(path) if path and "\x00" not in path else path
        if real and os.path.isfile(real):
            _, holder = repository.allowed_root(os.path.dirname(real), self.config.repo_roots)
        else:
            real, holder = repository.allowed_root(path, self.config.repo_roots)
        pool = self.core.pools["parse"]
        max_bytes = pool.max_file_bytes or DEFAULT_MAX_FILE_BYTES
        max_files = min(request.max_files, repository.MAX_FILES) if request.max_files else repository.MAX_FILES
        walked = await asyncio.to_thread(
            repo.walk,
            real,
            root=holder,
            include=tuple(request.include),
            exclude=tuple(request.exclude),
            max_file_bytes=max_bytes,
            max_files=max_files,
            gitignore_stop=holder,
        )
        wanted = set(plan.languages)
        other = sum(1 for e in walked.entries if e.language not in wanted)
        walked.entries = [e for e in walked.entries if e.language in wanted]
        # Only skips of files the query would have searched are reported (not every other language's).
        walked.skipped = [s for s in walked.skipped if _relevant(s, wanted)]
        agg = MatchAggregator(plan.keep)
        send = _ruling_out(
            repository.batch_sender(self.core, "parse", options, request.request_options, caller, charge), plan, agg
        )
        limits = repo.RunLimits(
            batch_files=min(64, self.config.max_batch_files), in_flight=IN_FLIGHT, max_file_bytes=max_bytes
        )
        runner = repo.Runner("index", send, limits=limits, deadline=deadline, aggregator=agg)
        await runner.run(walked)
        return runner.report, agg, other

    async def _inline_run(self, files, skips, request, plan: _Plan, options, caller, deadline, charge):
        agg = MatchAggregator(plan.keep)
        report = repo.RunReport("index", files_found=len(files) + len(skips))
        report.skipped.extend(skips)
        send = _ruling_out(
            repository.batch_sender(self.core, "parse", options, request.request_options, caller, charge), plan, agg
        )
        size = min(64, self.config.max_batch_files)
        chunks = [files[i : i + size] for i in range(0, len(files), size)]
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def one(chunk: list[common_pb2.SourceFile]) -> None:
            async with slots:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    report.stopped = "deadline"
                    report.skipped.extend(
                        repo.Skip(f.path, repo.NOT_PROCESSED, "the deadline passed before it was sent") for f in chunk
                    )
                    return
                try:
                    resp: Any = await send(chunk, 60.0 if remaining is None else min(60.0, remaining))
                except repo.BatchError as exc:
                    if exc.deadline:
                        report.stopped = "deadline"
                    reason = repo.NOT_PROCESSED if exc.deadline else repo.FAILED
                    report.skipped.extend(repo.Skip(f.path, reason, str(exc)) for f in chunk)
                    return
            for f, r, cache in zip(chunk, resp.results, list(resp.info.cache), strict=False):
                if r.HasField("result"):
                    report.processed += 1
                    report.reused += cache in (pb.CACHE_STATUS_HIT_L1, pb.CACHE_STATUS_HIT_L2, pb.CACHE_STATUS_MERGED)
                    agg.add(f.path, r.result)
                else:
                    reason = _FILE_ERROR_REASONS.get(r.error.code, repo.FAILED)
                    if reason == repo.TIMED_OUT and deadline is not None and time.monotonic() >= deadline - 0.05:
                        reason, report.stopped = repo.NOT_PROCESSED, "deadline"
                    report.skipped.append(repo.Skip(f.path, reason, r.error.message))

        await asyncio.gather(*(one(c) for c in chunks))
        return report, agg


def _ruling_out(send: repo.Send, plan: _Plan, agg: MatchAggregator) -> repo.Send:
    """`send`, except that files lacking the text every match needs (the plan's prefilters) are answered
    here with no matches, without a parse; the answer keeps one result per file in request order."""
    if not any(plan.filters.values()):
        return send

    async def filtered(chunk: list[common_pb2.SourceFile], timeout: float, options=None) -> Any:
        # A walk's files come without a language (the worker detects it): the path says which.
        langs = [f.language or languages.from_path(f.path) or "" for f in chunk]
        keep = [
            i
            for i, (f, lang) in enumerate(zip(chunk, langs, strict=True))
            if (pf := plan.filters.get(lang)) is None or pf.could_match(f.content)
        ]
        if len(keep) == len(chunk):
            return await send(chunk, timeout, options)
        sent: Any = await send([chunk[i] for i in keep], timeout, options) if keep else None
        out = pb.CodeIntelServiceParseBatchResponse()
        answered = dict(zip(keep, range(len(keep)), strict=True))
        for i, f in enumerate(chunk):
            j = answered.get(i)
            if j is None:
                agg.ruled_out += 1
                out.results.add(result=parse_pb2.ParseResult(path=f.path, language=langs[i]))
                out.info.cache.append(pb.CACHE_STATUS_UNSPECIFIED)
            else:
                out.results.add().CopyFrom(sent.results[j])
                out.info.cache.append(sent.info.cache[j] if j < len(sent.info.cache) else pb.CACHE_STATUS_UNSPECIFIED)
        return out

    return filtered


def _relevant(skip: repo.Skip, wanted: set[str]) -> bool:
    if skip.reason == repo.NO_GRAMMAR:
        return False  # no language at all: not a file of the query's language
    if skip.path.endswith("/"):
        return True
    lang = languages.from_path(skip.path)
    return lang is None or lang in wanted


def _inline(files, lang: str) -> tuple[list[common_pb2.SourceFile], set[str], list[repo.Skip]]:
    """The files to send (each with its language), the languages among them, the files left out."""
    out, langs, skips = [], set(), []
    for f in files:
        try:
            detected = languages.detect(f.path, f.language or lang, f.content)
        except errors.InvalidInput as exc:
            skips.append(repo.Skip(f.path or "<inline>", repo.NO_GRAMMAR, str(exc)))
            continue
        langs.add(detected)
        out.append(common_pb2.SourceFile(path=f.path, language=detected, content=f.content))
    return out, langs, skips


def _response(report: repo.RunReport, agg: MatchAggregator, plan: _Plan, other: int, elapsed: float):
    ordered = agg.ordered()
    stopped: list[str] = []
    if report.stopped:
        stopped.append(report.stopped)
    if report.not_processed and "deadline" not in stopped and not report.stopped:
        stopped.append("deadline")
    if agg.total > len(ordered):
        stopped.append("match limit")
    if agg.truncated:
        stopped.append("per-file match limit")
    cut_short = any(s not in ("match limit", "per-file match limit") for s in stopped)
    summary = query_pb2.CodeQuerySummary(
        files_searched=agg.searched,
        files_with_matches=agg.with_matches,
        matches=agg.total,
        matches_exact=not agg.truncated and not cut_short,
        matches_listed=len(ordered),
        files_reused=report.reused,
        files_ruled_out=agg.ruled_out,
        files_other_language=other,
        languages=sorted(agg.languages) or plan.languages,
        elapsed_seconds=round(elapsed, 3),
        notes=plan.notes + report.notes,
    )

    def build(window: range) -> list[query_pb2.CodeQueryMatch]:
        return [
            query_pb2.CodeQueryMatch(
                path=path, language=language, pattern_index=m.pattern_index, captures=list(m.captures)
            )
            for path, _, language, m in (ordered[i] for i in window)
        ]

    items, next_cursor, truncated = plan.page.take(len(ordered), build)
    counts = Counter(s.reason for s in report.skipped if not s.path.endswith("/"))
    listed = [s for s in report.skipped if s.reason not in repo.BENIGN][:MAX_SKIPPED_LISTED]
    completeness = query_pb2.CodeQueryCompleteness(
        files_skipped=[
            graph_pb2.GraphSkipCount(reason=repo.skip_reason(r), count=n) for r, n in sorted(counts.items())
        ],
        skipped=[
            pb.RepositorySkippedFile(path=s.path, reason=repo.skip_reason(s.reason), message=s.detail) for s in listed
        ],
        files_with_errors=agg.with_errors,
        files_truncated=agg.truncated,
        partial=bool(stopped),
        stopped=stopped,
        truncated=truncated,
    )
    return query_pb2.CodeQueryResponse(
        summary=summary, matches=items, next_cursor=next_cursor, completeness=completeness
    )


class QueryServicer(query_pb2_grpc.QueryServiceServicer):
    """Thin gRPC face of QueryHost: admission once (like a batch call), then each batch is billed."""

    def __init__(self, host: QueryHost, gatekeeper: Gatekeeper):
        self.host = host
        self.gatekeeper = gatekeeper

    @aio_guard
    async def CodeQuery(self, request, context):
        ticket = await self.gatekeeper.admit(authorization(context), request.request_options.priority, 0)
        request.request_options.priority = ticket.priority
        try:
            charge = (
                repository.tenant_charge(self.gatekeeper.limiter, ticket.tenant) if self.gatekeeper.enabled else None
            )
            return await self.host.run(request, ticket.caller, time_remaining=context.time_remaining(), charge=charge)
        finally:
            ticket.release()
