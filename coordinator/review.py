"""ReviewService: the review of a change, served by the coordinator.

What changed is codeintel.review's to say (no grpc there); this module adds the coordinator's part:

- roots must resolve inside `--repo-roots` (the same check as RunRepository and the graph);
- the pairs of file versions are collected in a thread (git runs as a subprocess with a timeout);
- parse (syntax errors), analyze (functions, complexity, duplicates) and scan (findings with
  fingerprints) run on both versions through `Coordinator.batch` in-process: the same caches,
  merging, queue, priority and tenant caps as a batch call, each batch billed to the tenant's rate
  and byte budget as such a call would be (repository.batch_sender); the three run concurrently;
- callers and tests come from the repository graph (GraphHost) when the root is indexed: the
  changed working-tree files are re-indexed first (an index run with `paths=`), so the callers
  reflect the change; queries run in a thread;
- the caller's deadline (a little early, so the answer still goes out) turns into a partial answer:
  files not reviewed in time are listed as skipped (deadline), the graph step is left out, and
  ReviewCompleteness says so;
- counters for /metrics (ReviewStats -> codeintel_review_*).

`review_scan_options` is the one place where the scan options of a review are built.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from codeintel import graph, repo, review
from codeintel.kernel import errors, vocab
from codeintel.repo import rules as repo_rules
from codeintel.review import Pair
from codeintel.rpc.status import aio_guard
from codeintel.v1 import analyze_pb2, common_pb2, graph_pb2, parse_pb2, review_pb2, review_pb2_grpc, scan_pb2
from codeintel.v1 import coordinator_pb2 as pb
from coordinator import repository
from coordinator.admission import Gatekeeper
from coordinator.core import Caller, Coordinator
from coordinator.graph import GraphHost
from coordinator.servicer import authorization
from coordinator.stats import Buckets

log = logging.getLogger("codeintel.coordinator.review")

DEFAULT_MAX_FILES, MAX_FILES = 200, 1000
DEFAULT_MAX_ITEMS, MAX_ITEMS = 50, 500
DEFAULT_CALLER_DEPTH, MAX_CALLER_DEPTH = 2, 5
MAX_EDGES = 200  # per changed function's call hierarchy
GRAPH_THREADS = 2
GRAPH_MIN_SECONDS = 0.2  # less time left than this: the graph step is left out (partial)
SECONDS_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MODES = ("diff", "revisions", "files")
OUTCOMES = ("complete", "partial", "failed", "error")
FILE_OUTCOMES = ("reviewed", "skipped")

_SKIP = {
    common_pb2.FILE_ERROR_CODE_TOO_LARGE: review_pb2.REVIEW_SKIP_REASON_TOO_LARGE,
    common_pb2.FILE_ERROR_CODE_BINARY: review_pb2.REVIEW_SKIP_REASON_BINARY,
    common_pb2.FILE_ERROR_CODE_INVALID_ENCODING: review_pb2.REVIEW_SKIP_REASON_INVALID_ENCODING,
    common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE: review_pb2.REVIEW_SKIP_REASON_UNSUPPORTED_LANGUAGE,
    common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE: review_pb2.REVIEW_SKIP_REASON_UNSUPPORTED_LANGUAGE,
    common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED: review_pb2.REVIEW_SKIP_REASON_DEADLINE,
}
_STATUS = {
    "added": review_pb2.CHANGE_STATUS_ADDED,
    "modified": review_pb2.CHANGE_STATUS_MODIFIED,
    "deleted": review_pb2.CHANGE_STATUS_DELETED,
    "renamed": review_pb2.CHANGE_STATUS_RENAMED,
}


@dataclass
class ReviewStats:
    """Counters behind the codeintel_review_* metrics (written on the event loop only)."""

    runs: dict[tuple[str, str], int] = field(default_factory=dict)  # (mode, outcome) -> count
    seconds: Buckets = field(default_factory=lambda: Buckets(SECONDS_BOUNDS))
    files: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILE_OUTCOMES, 0))

    def ran(self, mode: str, outcome: str, seconds: float) -> None:
        self.runs[(mode, outcome)] = self.runs.get((mode, outcome), 0) + 1
        self.seconds.observe(seconds)


async def review_scan_options(
    core: Coordinator, root: str, options: review_pb2.ReviewOptions, caller: Caller, deadline: float
) -> scan_pb2.ScanOptions:
    """The scan options of a review, the one place they are built: both versions of every file are
    scanned with these, so the repository's own rules (`<root>/.codeintel/rules/`) find what they
    find before and after. A broken rule file refuses the review (INVALID_ARGUMENT naming the file,
    the rule and the field, field `root`): reviewing without the rules the repository asks for would
    report their findings as fixed."""
    scan = scan_pb2.ScanOptions(min_severity=options.min_severity)
    if not root:
        return scan
    try:
        scan = repo_rules.with_rules(scan, await asyncio.to_thread(repo_rules.read_rule_files, root))
        await core.check_rules(scan.custom_rules, deadline, caller)
    except errors.InvalidInput as exc:
        raise errors.InvalidInput(str(exc), field="root") from None
    return scan


@dataclass
class _Limits:
    max_files: int
    max_items: int
    caller_depth: int
    callers: bool


def _limits(options: review_pb2.ReviewOptions) -> _Limits:
    def bound(value: int, default: int, top: int) -> int:
        return min(value or default, top)

    return _Limits(
        bound(options.max_files, DEFAULT_MAX_FILES, MAX_FILES),
        bound(options.max_items, DEFAULT_MAX_ITEMS, MAX_ITEMS),
        bound(options.caller_depth, DEFAULT_CALLER_DEPTH, MAX_CALLER_DEPTH),
        options.include_callers if options.HasField("include_callers") else True,
    )


@dataclass
class _Side:
    parse: parse_pb2.ParseResult | None = None
    analyze: analyze_pb2.AnalyzeResult | None = None
    scan: scan_pb2.ScanResult | None = None
    error: common_pb2.FileError | None = None  # why this side has no parse result


def _cut(items: list, limit: int, state: dict) -> list:
    if len(items) > limit:
        state["truncated"] = True
        return items[:limit]
    return items


class ReviewHost:
    """The coordinator's side of reviews. Jobs: check the root, collect the pairs, run the workers on
    both versions, compare, look up callers and tests in the graph, count what it does."""

    def __init__(self, core: Coordinator, graph_host: GraphHost):
        self.core = core
        self.config = core.config
        self.graph = graph_host
        self.stats = ReviewStats()

    async def review(
        self,
        request: review_pb2.ReviewChangesRequest,
        caller: Caller,
        *,
        time_remaining: float | None,
        charge: repository.Charge | None = None,
    ) -> review_pb2.ReviewChangesResponse:
        t0 = time.monotonic()
        mode = request.WhichOneof("change") or "none"
        try:
            resp = await self._review(request, caller, time_remaining, charge, t0)
        except BaseException:
            self.stats.ran(mode if mode in MODES else "files", "error", time.monotonic() - t0)
            raise
        outcome = "failed" if resp.summary.failed else "partial" if resp.completeness.partial else "complete"
        self.stats.ran(mode, outcome, time.monotonic() - t0)
        self.stats.files["reviewed"] += resp.summary.files_reviewed
        self.stats.files["skipped"] += resp.summary.files_skipped
        return resp

    async def _review(
        self,
        request: review_pb2.ReviewChangesRequest,
        caller: Caller,
        time_remaining: float | None,
        charge: repository.Charge | None,
        t0: float,
    ) -> review_pb2.ReviewChangesResponse:
        remaining = self.config.default_deadline if time_remaining is None else time_remaining
        deadline = t0 + remaining - repository._margin(remaining)
        limits = _limits(request.options)
        mode = request.WhichOneof("change")
        if mode is None:
            raise review.ChangeError("no change given: set diff, revisions or files", "change")
        root = ""
        if request.root:
            if not self.config.repo_roots:
                raise errors.FailedPrecondition(
                    "reviews of a repository are off on this coordinator: start it with --repo-roots DIR[,DIR] "
                    "(env CODEINTEL_REPO_ROOTS); reviews of files sent with both versions need no root"
                )
            root, _ = repository.allowed_root(request.root, self.config.repo_roots)
        elif mode != "files":
            raise review.ChangeError(f"a {mode} review needs `root`: the repository's directory", "root")
        if mode == "diff":
            change = await asyncio.to_thread(review.from_diff, root, request.diff)
        elif mode == "revisions":
            rr = request.revisions
            change = await asyncio.to_thread(review.from_revisions, root, rr.base, rr.head, rr.staged)
        else:
            change = await asyncio.to_thread(review.from_files, request.files.files, root)

        state: dict[str, Any] = {"truncated": False, "partial": []}
        skipped: list[review_pb2.ReviewSkippedFile] = []
        pairs = sorted(change.pairs, key=lambda p: p.path)
        for p in pairs[limits.max_files :]:
            skipped.append(
                review_pb2.ReviewSkippedFile(
                    path=p.path,
                    reason=review_pb2.REVIEW_SKIP_REASON_LIMIT,
                    message=f"over the limit of {limits.max_files} files per review (options.max_files)",
                )
            )
        pairs = pairs[: limits.max_files]
        t_collected = time.monotonic()
        sides = await self._run_workers(root, pairs, request, caller, charge, deadline, state)
        t_workers = time.monotonic()

        files: list[review_pb2.ReviewFile] = []
        texts: dict[str, list[str]] = {}
        for p, (before, after) in zip(pairs, sides, strict=True):
            reason = self._skip(p, before, after)
            if reason is not None:
                skipped.append(reason)
                continue
            f, after_lines = self._compare(p, before, after, limits, state)
            texts[p.path] = after_lines
            files.append(f)

        t_compared = time.monotonic()
        response = review_pb2.ReviewChangesResponse(base_commit=change.base_commit, head_commit=change.head_commit)
        comp = response.completeness
        await self._callers(root, pairs, files, texts, limits, caller, charge, deadline, comp, state)
        if any(fn.callers_total > len(fn.callers) for f in files for fn in f.functions):
            state["truncated"] = True
        t_graph = time.monotonic()
        # Where a review's time goes (docs/review.md, Speed): one line per review.
        log.info(
            "review of %d files (%s): collect %.3f s, workers %.3f s, compare %.3f s, graph %.3f s",
            len(pairs),
            mode,
            t_collected - t0,
            t_workers - t_collected,
            t_compared - t_workers,
            t_graph - t_compared,
        )
        self._summarise(response, len(change.pairs), files, skipped, request.options.fail_on)
        response.files.extend(files)
        comp.files_skipped_total = len(skipped)
        comp.files_skipped.extend(_cut(skipped, limits.max_items, state))
        comp.lists_truncated = state["truncated"]
        if state["partial"]:
            comp.partial = True
            comp.partial_reason = "; ".join(state["partial"])
        return response

    # ------------------------------------------------------------------ workers

    async def _run_workers(
        self,
        root: str,
        pairs: list[Pair],
        request: review_pb2.ReviewChangesRequest,
        caller: Caller,
        charge: repository.Charge | None,
        deadline: float,
        state: dict,
    ) -> list[tuple[_Side, _Side]]:
        """Both sides of every pair, parsed, analyzed and scanned (the three operations concurrently)."""
        sources: list[common_pb2.SourceFile] = []
        where: list[tuple[int, int]] = []  # (pair index, 0 before / 1 after) of each source
        for n, p in enumerate(pairs):
            for side, content in enumerate((p.before, p.after)):
                if content is None:
                    continue
                # Both versions under the after path: fingerprints (rule, path, text) then compare.
                sources.append(common_pb2.SourceFile(path=p.path, language=p.language, content=content))
                where.append((n, side))
        out = [(_Side(), _Side()) for _ in pairs]
        if not sources:
            return out
        ops = {
            "parse": parse_pb2.ParseOptions(),
            "analyze": analyze_pb2.AnalyzeOptions(),
            "scan": await review_scan_options(self.core, root, request.options, caller, deadline),
        }
        ro = request.request_options
        step = max(1, self.config.max_batch_files)

        async def run(op: str) -> list[Any]:
            send = repository.batch_sender(self.core, op, ops[op], ro, caller, charge)
            results: list[Any] = []
            for lo in range(0, len(sources), step):
                chunk = sources[lo : lo + step]
                left = deadline - time.monotonic()
                if left <= 0:
                    results += [common_pb2.FileError(code=common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED)] * len(chunk)
                    continue
                try:
                    resp: Any = await send(chunk, left)
                except repo.BatchError as exc:
                    if exc.deadline:
                        results += [
                            common_pb2.FileError(code=common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED, message=str(exc))
                        ] * len(chunk)
                        continue
                    raise errors.Overloaded(str(exc)) from None
                for r in resp.results:
                    results.append(r.result if r.HasField("result") else r.error)
            return results

        parsed, analyzed, scanned = await asyncio.gather(run("parse"), run("analyze"), run("scan"))
        deadline_hit = False
        for (n, side), p_r, a_r, s_r in zip(where, parsed, analyzed, scanned, strict=True):
            s = out[n][side]
            if isinstance(p_r, common_pb2.FileError):
                s.error = p_r
                deadline_hit |= p_r.code == common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED
            else:
                s.parse = p_r
            s.analyze = None if isinstance(a_r, common_pb2.FileError) else a_r
            s.scan = None if isinstance(s_r, common_pb2.FileError) else s_r
            for r in (a_r, s_r):
                if isinstance(r, common_pb2.FileError) and r.code == common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED:
                    deadline_hit = True
        if deadline_hit:
            state["partial"].append("the deadline came before every file was parsed, analyzed and scanned")
        return out

    def _skip(self, p: Pair, before: _Side, after: _Side) -> review_pb2.ReviewSkippedFile | None:
        """Why `p` is not reviewed, or None: a side without a parse result (binary, too large, no
        language, not UTF-8, deadline) leaves nothing to compare."""
        for side, content in ((after, p.after), (before, p.before)):
            if content is not None and side.error is not None:
                reason = _SKIP.get(side.error.code, review_pb2.REVIEW_SKIP_REASON_ERROR)
                return review_pb2.ReviewSkippedFile(path=p.path, reason=reason, message=side.error.message)
        return None

    def _compare(
        self, p: Pair, before: _Side, after: _Side, limits: _Limits, state: dict
    ) -> tuple[review_pb2.ReviewFile, list[str]]:
        b_text = (p.before or b"").decode("utf-8", "replace")
        a_text = (p.after or b"").decode("utf-8", "replace")
        b_lines, _ = review.split_lines(b_text)
        a_lines, _ = review.split_lines(a_text)
        changes = review.line_changes(b_lines, a_lines)
        new_err, fixed_err = review.compare_syntax(before.parse, after.parse, b_lines, a_lines)
        functions = review.compare_functions(before.analyze, after.analyze, p.before or b"", p.after or b"")
        new_f, fixed_f = review.compare_findings(before.scan, after.scan)
        dups = review.introduced_duplicates(before.analyze, after.analyze, b_lines, a_lines)
        language = (after.parse or before.parse or parse_pb2.ParseResult()).language
        f = review_pb2.ReviewFile(
            path=p.path,
            old_path=p.old_path,
            language=language,
            status=_STATUS[p.status],
            lines_added=len(changes.added),
            lines_removed=len(changes.removed),
        )
        # Full lists stay on the side for the summary (see _summarise); the message gets the cut ones.
        f.syntax_errors_new.extend(new_err)
        f.syntax_errors_fixed.extend(fixed_err)
        f.functions.extend(functions)
        f.findings_new.extend(sorted(new_f, key=lambda x: -x.severity))
        f.findings_fixed.extend(sorted(fixed_f, key=lambda x: -x.severity))
        f.duplicates_introduced.extend(dups)
        return f, a_lines

    # ------------------------------------------------------------------ graph

    async def _callers(
        self,
        root: str,
        pairs: list[Pair],
        files: list[review_pb2.ReviewFile],
        texts: dict[str, list[str]],
        limits: _Limits,
        caller: Caller,
        charge: repository.Charge | None,
        deadline: float,
        comp: review_pb2.ReviewCompleteness,
        state: dict,
    ) -> None:
        if not limits.callers:
            comp.graph_status = review_pb2.REVIEW_GRAPH_STATUS_NOT_REQUESTED
            comp.graph_note = "callers and tests not requested"
            return
        if not root:
            comp.graph_status = review_pb2.REVIEW_GRAPH_STATUS_UNAVAILABLE
            comp.graph_note = "callers unavailable: no repository root given"
            return
        store = await self.graph.store()
        indexed = await asyncio.to_thread(store.repo, root)
        if indexed is None:
            comp.graph_status = review_pb2.REVIEW_GRAPH_STATUS_NOT_INDEXED
            comp.graph_note = f"callers unavailable: index the repository (codeintel index {root})"
            return
        comp.graph_status = review_pb2.REVIEW_GRAPH_STATUS_INDEXED
        if deadline - time.monotonic() < GRAPH_MIN_SECONDS:
            state["partial"].append("the deadline left no time to look up callers and tests")
            comp.graph_note = "callers not looked up: the deadline came first"
            return
        working = [p.path for p in pairs if p.working_tree]
        if working:
            # The index describes the working tree: bring the changed files up to date first.
            request = graph_pb2.IndexRepositoryRequest(
                root=root, paths=working, request_options=pb.RequestOptions(priority=pb.PRIORITY_HIGH)
            )
            try:
                async for _ in self.graph.index(
                    request, caller, time_remaining=deadline - time.monotonic(), charge=charge
                ):
                    pass
            except errors.CodeIntelError as exc:  # the index as it was still answers; say it may be stale
                log.warning("re-indexing %d changed files of %s failed: %s", len(working), root, exc)
                state["partial"].append(f"the changed files could not be re-indexed ({exc}): callers may be stale")
        indexed = await asyncio.to_thread(store.repo, root)
        comp.indexed_at_unix = int(getattr(indexed, "indexed_at", 0) or 0)
        comp.graph_note = "callers and tests from the repository index"
        in_tree = {p.path for p in pairs if p.working_tree}
        targets: list[tuple[review_pb2.ReviewFunction, str, tuple[int, int]]] = []
        removed: list[tuple[review_pb2.ReviewFunction, str]] = []
        for f in files:
            for fn in f.functions:
                if fn.change == review_pb2.FUNCTION_CHANGE_KIND_REMOVED:
                    if f.path in in_tree and f.status != review_pb2.CHANGE_STATUS_DELETED:
                        removed.append((fn, f.path))
                    continue
                if f.path not in in_tree:
                    fn.callers_note = "the working tree differs from the reviewed version: callers not looked up"
                    continue
                pos = review.name_position(texts.get(f.path, []), fn.range, fn.name)
                if pos is None:
                    fn.callers_note = "its name was not found in its first lines"
                    continue
                targets.append((fn, f.path, pos))
        if removed:
            await asyncio.to_thread(self._query_broken, graph.Queries(store, root), removed, limits)
        if not targets:
            return
        # A few threads: SQLite reads (a connection per thread) leave the GIL while they run.
        lanes = [targets[i::GRAPH_THREADS] for i in range(min(GRAPH_THREADS, len(targets)))]
        left = await asyncio.gather(
            *(
                asyncio.to_thread(self._query_callers, graph.Queries(store, root), root, lane, limits, deadline)
                for lane in lanes
            )
        )
        if any(left):
            missed = sum(left)
            state["partial"].append(f"the deadline stopped the caller look-ups: {missed} of {len(targets)} not done")

    def _query_broken(
        self, queries: graph.Queries, removed: list[tuple[review_pb2.ReviewFunction, str]], limits: _Limits
    ) -> None:
        """Each removed function's uses that still name it (in a thread): what the removal breaks."""
        for fn, path in removed:
            try:
                uses, total = queries.dangling_uses(path, fn.qualified_name or fn.name, limits.max_items)
            except errors.CodeIntelError as exc:
                fn.callers_note = f"uses not looked up: {exc}"[:300]
                continue
            fn.broken_uses_total = total
            fn.broken_uses.extend(
                review_pb2.ReviewCaller(
                    name=u.enclosing.name,
                    qualified_name=u.enclosing.qualified_name,
                    path=u.path,
                    line=u.range.start.line,
                    depth=1,
                )
                for u in uses
            )

    def _query_callers(
        self,
        queries: graph.Queries,
        root: str,
        targets: list[tuple[review_pb2.ReviewFunction, str, tuple[int, int]]],
        limits: _Limits,
        deadline: float,
    ) -> int:
        """Fill each target's callers and tests (in a thread); how many the deadline left undone."""
        for n, (fn, path, (line, col)) in enumerate(targets):
            if time.monotonic() >= deadline:
                for later, _, _ in targets[n:]:
                    later.callers_note = "not looked up: the deadline came first"
                return len(targets) - n
            request = graph_pb2.CallHierarchyRequest(
                root=root,
                target=graph_pb2.SymbolTarget(
                    position=graph_pb2.FilePosition(path=path, position=common_pb2.Position(line=line, column=col))
                ),
                direction=graph_pb2.CALL_DIRECTION_CALLERS,
                depth=limits.caller_depth,
                max_edges=MAX_EDGES,
                page=graph_pb2.Page(page_size=MAX_EDGES),
            )
            try:
                resp = queries.calls(request)
            except errors.CodeIntelError as exc:
                fn.callers_note = f"not in the index: {exc}"[:300]
                continue
            seen: set[tuple[str, str, int]] = set()
            callers: list[review_pb2.ReviewCaller] = []
            for e in resp.edges:
                c = e.caller
                line_no = c.range.start.line if c.name else (e.call_sites[0].start.line if e.call_sites else 0)
                key = (c.path, c.qualified_name, line_no)
                if key in seen:
                    continue
                seen.add(key)
                callers.append(
                    review_pb2.ReviewCaller(
                        name=c.name, qualified_name=c.qualified_name, path=c.path, line=line_no, depth=e.depth
                    )
                )
            fn.callers_total = len(callers)
            fn.callers.extend(callers[: limits.max_items])
            fn.tests.extend([c for c in callers if review.is_test_path(c.path)][: limits.max_items])
            if resp.truncated:
                fn.callers_note = f"more callers than {MAX_EDGES} edges, or deeper than caller_depth"
        return 0

    # ------------------------------------------------------------------ summary

    def _summarise(
        self,
        response: review_pb2.ReviewChangesResponse,
        changed: int,
        files: list[review_pb2.ReviewFile],
        skipped: list[review_pb2.ReviewSkippedFile],
        fail_on: int,
    ) -> None:
        s = response.summary
        s.files_changed = changed
        s.files_reviewed = len(files)
        s.files_skipped = len(skipped)
        new_by: dict[int, int] = {}
        fixed_by: dict[int, int] = {}
        callers: set[tuple[str, str, int]] = set()
        tests: set[tuple[str, str, int]] = set()
        for f in files:
            s.syntax_errors_new += len(f.syntax_errors_new)
            s.syntax_errors_fixed += len(f.syntax_errors_fixed)
            for fn in f.functions:
                if fn.change == review_pb2.FUNCTION_CHANGE_KIND_ADDED:
                    s.functions_added += 1
                elif fn.change == review_pb2.FUNCTION_CHANGE_KIND_REMOVED:
                    s.functions_removed += 1
                else:
                    s.functions_changed += 1
                delta = review.complexity_delta(fn)
                s.complexity_increased += delta > 0
                s.complexity_decreased += delta < 0
                callers.update((c.path, c.qualified_name, c.line) for c in fn.callers)
                s.broken_uses += fn.broken_uses_total
                tests.update((c.path, c.qualified_name, c.line) for c in fn.tests)
            for x in f.findings_new:
                new_by[x.severity] = new_by.get(x.severity, 0) + 1
            for x in f.findings_fixed:
                fixed_by[x.severity] = fixed_by.get(x.severity, 0) + 1
            s.duplicates_introduced += len(f.duplicates_introduced)
        s.findings_new.extend(review_pb2.FindingCount(severity=k, count=v) for k, v in sorted(new_by.items())[::-1])  # type: ignore[arg-type]
        s.findings_fixed.extend(review_pb2.FindingCount(severity=k, count=v) for k, v in sorted(fixed_by.items())[::-1])  # type: ignore[arg-type]
        s.callers, s.tests = len(callers), len(tests)
        if fail_on:
            bad = sum(v for k, v in new_by.items() if k >= fail_on)
            if bad:
                s.fail_reasons.append(f"{bad} new finding{'s' * (bad != 1)} at or above {vocab.severity_name(fail_on)}")
            if s.syntax_errors_new:
                s.fail_reasons.append(f"{s.syntax_errors_new} new syntax error{'s' * (s.syntax_errors_new != 1)}")
            s.failed = bool(s.fail_reasons)


def bound_lists(response: review_pb2.ReviewChangesResponse, max_items: int) -> bool:
    """Cut every per-file list to `max_items` (the summary keeps counting all); whether any was cut."""
    cut = False
    for f in response.files:
        for name in (
            "syntax_errors_new",
            "syntax_errors_fixed",
            "functions",
            "findings_new",
            "findings_fixed",
            "duplicates_introduced",
        ):
            items = getattr(f, name)
            if len(items) > max_items:
                del items[max_items:]
                cut = True
    return cut


class ReviewServicer(review_pb2_grpc.ReviewServiceServicer):
    """Thin gRPC face of ReviewHost: admission, then the host; errors map to statuses in codeintel.rpc.status."""

    def __init__(self, host: ReviewHost, gatekeeper: Gatekeeper):
        self.host = host
        self.gatekeeper = gatekeeper

    @aio_guard
    async def ReviewChanges(self, request, context):
        # Admitted once like a batch call; each parse / analyze / scan batch then bills the tenant's
        # rate and byte budget (repository.batch_sender), as the graph's index runs do.
        ticket = await self.gatekeeper.admit(authorization(context), request.request_options.priority, 0)
        request.request_options.priority = ticket.priority
        try:
            charge = (
                repository.tenant_charge(self.gatekeeper.limiter, ticket.tenant) if self.gatekeeper.enabled else None
            )
            response = await self.host.review(
                request, ticket.caller, time_remaining=context.time_remaining(), charge=charge
            )
            if bound_lists(response, _limits(request.options).max_items):
                response.completeness.lists_truncated = True
            return response
        finally:
            ticket.release()
