"""Repository tools: `repo_scan`, `repo_analyze`, `repo_index` over a directory (or glob) under the roots.

The work itself is codeintel.repo (walk, batches to the coordinator, aggregation); this module
resolves the path under the allowed roots, reports MCP progress per finished batch, applies the
deadline, and shapes a summary-first result bounded by BridgeConfig.max_output_bytes.

Detail pages: finished runs are kept in a bounded, TTL'd in-memory store keyed by a random id,
and cursors address (run, list, offset) in it. Chosen over recomputing because a stored run is
a snapshot: pages stay consistent even when files change between calls, and a page costs no
worker call. When a cursor has expired (or the store evicted it), the tool says so; re-running
is cheap, since unchanged files come from the coordinator's cache.

Cancellation: a cancelled tool call cancels the runner, which stops sending batches and cancels
the in-flight RPCs. The deadline stops the work too: each batch RPC carries the time remaining.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from codeintel import repo
from codeintel.client import ClientError
from codeintel.v1 import analyze_pb2, parse_pb2, scan_pb2
from mcp_bridge.paths import _is_within
from mcp_bridge.server import _CONFIDENCES, _SEVERITIES, ConfidenceName, PriorityArg, SeverityName

_FATAL_CODES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT"})


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class RepoConfig:
    """Settings of the repository tools (env CODEINTEL_REPO_*, read once at start-up)."""

    batch_files: int = 64
    batch_bytes: int = 4 * 1024 * 1024
    in_flight: int = 4
    max_files: int = 100_000
    default_deadline_s: float = 300.0
    store_ttl_s: float = 900.0
    store_max_runs: int = 16
    store_max_bytes: int = 64 * 1024 * 1024

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> RepoConfig:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, default in cls.__dataclass_fields__.items():
            key = f"CODEINTEL_REPO_{name.upper()}"
            raw = env.get(key)
            if raw is None:
                continue
            kind = type(getattr(cls, name))
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{key}={raw!r} is not a valid {kind.__name__}") from None
            if not value > 0:
                raise ValueError(f"{key} must be positive, got {raw!r}")
            values[name] = value
        return cls(**values)


# --------------------------------------------------------------------------- the run store


@dataclass
class StoredRun:
    created: float
    summary: dict
    lists: dict[str, list[dict]]
    size: int


class RunStore:
    """Finished runs by opaque id: at most `max_runs` and about `max_bytes`, each for `ttl_s` seconds."""

    def __init__(self, ttl_s: float, max_runs: int, max_bytes: int, clock=time.monotonic):
        self.ttl_s, self.max_runs, self.max_bytes, self.clock = ttl_s, max_runs, max_bytes, clock
        self._runs: OrderedDict[str, StoredRun] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = self.clock()
        for rid in [r for r, run in self._runs.items() if now - run.created > self.ttl_s]:
            self._bytes -= self._runs.pop(rid).size

    def put(self, summary: dict, lists: dict[str, list[dict]]) -> str | None:
        """Store a run; None when it alone exceeds the byte budget (then only the first pages exist)."""
        size = len(json.dumps(lists, separators=(",", ":")))  # one encoder pass: C speed
        if size > self.max_bytes:
            return None
        rid = secrets.token_urlsafe(12)
        with self._lock:
            self._expire()
            while self._runs and (len(self._runs) >= self.max_runs or self._bytes + size > self.max_bytes):
                self._bytes -= self._runs.popitem(last=False)[1].size
            self._runs[rid] = StoredRun(self.clock(), summary, lists, size)
            self._bytes += size
        return rid

    def get(self, rid: str) -> StoredRun | None:
        with self._lock:
            self._expire()
            return self._runs.get(rid)

    def __len__(self) -> int:
        return len(self._runs)


def encode_cursor(rid: str, which: str, offset: int) -> str:
    raw = json.dumps([rid, which, offset], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rid, which, offset = json.loads(raw)
        if not isinstance(rid, str) or which not in ("details", "skipped") or not isinstance(offset, int) or offset < 0:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ToolError(
            "invalid `cursor`: pass a `next_cursor` / `next_skipped_cursor` value from an earlier result unchanged"
        ) from None
    return rid, which, offset


# --------------------------------------------------------------------------- output models


class FileCountsOut(BaseModel):
    files_found: int = Field(description="files considered: processed + skipped + not processed")
    processed: int
    computed: int = Field(description="processed files computed by workers in this run")
    reused: int = Field(description="processed files answered from the coordinator's cache (unchanged content)")
    skipped: int = Field(description="files with no result, each listed in `skipped` with its reason")
    not_processed: int = Field(description="files the run did not get to (deadline, cancellation, fatal error)")
    out_of_scope: int = Field(description="files not matching the path's glob or the include patterns (not listed)")
    directories_skipped: int = Field(description="directories skipped whole (listed in `skipped`, ending in '/')")


class SkippedOut(BaseModel):
    path: str = Field(description="a file, or a directory (ending in '/') skipped whole")
    reason: str
    detail: str = ""


class RepoOutputBase(BaseModel):
    operation: str
    path: str
    complete: bool = Field(description="every file found was processed or skipped for a reason of its own")
    stopped: str | None = Field(default=None, description="why the run ended early, e.g. 'deadline'")
    files: FileCountsOut
    skipped_by_reason: dict[str, int]
    languages: dict[str, int] = Field(description="processed files per language")
    elapsed_s: float
    batches: int
    details_total: int
    details_offset: int
    next_cursor: str | None = Field(default=None, description="pass as `cursor` for the next page of details")
    skipped: list[SkippedOut]
    skipped_total: int
    skipped_offset: int
    next_skipped_cursor: str | None = Field(default=None, description="pass as `cursor` for more skipped files")
    cursor_expires_s: float | None = Field(default=None, description="seconds the cursors stay valid")


class FindingRecord(BaseModel):
    path: str
    line: int
    column: int
    end_line: int
    severity: str
    confidence: str
    rule_id: str
    cwe: str
    owasp: str = ""
    message: str
    snippet: str = ""
    fingerprint: str


class WorstFile(BaseModel):
    path: str
    critical: int
    high: int
    total: int


class RepoScanOutput(RepoOutputBase):
    """Result of repo_scan: counts first, findings (most severe first) paginated."""

    total_findings: int
    counts_by_severity: dict[str, int]
    counts_by_cwe: dict[str, int]
    counts_by_rule: dict[str, int]
    suppressed_count: int
    worst_files: list[WorstFile] = Field(description="files with the most critical+high findings")
    details: list[FindingRecord] = Field(description="findings: severity, then path, line, column")


class HotFunction(BaseModel):
    path: str
    function: str
    start_line: int
    end_line: int
    cyclomatic_complexity: int
    cognitive_complexity: int
    length_lines: int
    maintainability_index: float


class LowMaintainabilityFile(BaseModel):
    path: str
    maintainability_index: float
    code_lines: int
    functions: int


class FileMetricsRecord(BaseModel):
    path: str
    language: str
    lines: int
    code_lines: int
    functions: int
    classes: int
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    max_cognitive_complexity: int
    maintainability_index: float
    duplicates: int
    has_syntax_errors: bool


class RepoAnalyzeOutput(RepoOutputBase):
    """Result of repo_analyze: totals and hot spots first, per-file metrics (by path) paginated."""

    lines: dict[str, int]
    functions: int
    classes: int
    duplicated_blocks: int
    most_complex_functions: list[HotFunction]
    longest_functions: list[HotFunction]
    lowest_maintainability_files: list[LowMaintainabilityFile]
    details: list[FileMetricsRecord] = Field(description="per-file metrics, by path")


class SymbolRecord(BaseModel):
    path: str
    kind: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    depth: int
    parent: str | None = None


class RepoIndexOutput(RepoOutputBase):
    """Result of repo_index: symbol counts first, symbols (by path, document order) paginated."""

    total_symbols: int
    symbols_by_kind: dict[str, int]
    files_with_syntax_errors: int
    files_without_symbol_support: int
    details: list[SymbolRecord] = Field(description="symbols by path, in document order")


OUTPUTS = {"scan": RepoScanOutput, "analyze": RepoAnalyzeOutput, "index": RepoIndexOutput}
_RPC = {"scan": "scan", "analyze": "analyze", "index": "parse"}


# --------------------------------------------------------------------------- the tools


class RepoTools:
    """Runs repository operations for the bridge and serves their detail pages."""

    def __init__(self, bridge, config: RepoConfig):
        self.bridge = bridge
        self.config = config
        self.store = RunStore(config.store_ttl_s, config.store_max_runs, config.store_max_bytes)

    def resolve_dir(self, path: str) -> tuple[str, str, str | None]:
        """(real base, its root, glob pattern) for a directory, file or glob under the allowed roots."""
        if not path or not path.strip() or "\x00" in path:
            raise ToolError(
                "`path` is empty or invalid; pass a directory relative to an allowed root, e.g. '.' or 'src'"
            )
        base, pattern = repo.split_glob(os.path.expanduser(path.strip()))
        roots = self.bridge.policy.roots
        candidates = [os.path.normpath(base)] if os.path.isabs(base) else [os.path.join(r, base) for r in roots]
        chosen = next((c for c in candidates if os.path.lexists(c)), candidates[0])
        real = os.path.realpath(chosen)
        root = next((r for r in roots if _is_within(real, r)), None)
        if root is None:
            raise ToolError(
                f"access denied: {path!r} is outside the allowed roots (after resolving symbolic links "
                f"and '..'). Only these directories can be read: {', '.join(roots)}."
            )
        if not os.path.exists(real):
            raise ToolError(
                f"not found: {path!r} (looked under {', '.join(roots)}); relative paths are resolved "
                f"against the allowed roots"
            )
        return real, root, pattern

    async def run(
        self,
        op: str,
        ctx: Context | None,
        *,
        path: str | None,
        include,
        exclude,
        page_size: int,
        cursor: str | None,
        deadline_s: float | None,
        options,
        priority: str,
    ) -> CallToolResult:
        if cursor:
            return self.page(op, cursor, page_size)
        if path is None:
            raise ToolError("missing input: give `path` (a directory or glob under the allowed roots) or a `cursor`")
        cfg, bcfg = self.config, self.bridge.config
        real, root, pattern = self.resolve_dir(path)
        display = os.path.relpath(real, root).replace(os.sep, "/")
        display = "" if display == "." else display
        deadline_s = deadline_s or cfg.default_deadline_s
        deadline = time.monotonic() + deadline_s
        walked = await asyncio.to_thread(
            repo.walk,
            real,
            root=root,
            display_base=display,
            pattern=pattern,
            include=tuple(include or ()),
            exclude=tuple(exclude or ()),
            max_file_bytes=bcfg.max_file_bytes,
            max_files=cfg.max_files,
        )
        client = self.bridge.client

        async def send(files, timeout):
            try:
                return await client.batch(_RPC[op], files, options, priority, timeout_s=max(timeout, 0.001))
            except ClientError as exc:
                raise repo.BatchError(
                    str(exc), deadline=exc.code == "DEADLINE_EXCEEDED", fatal=exc.code in _FATAL_CODES
                ) from None

        async def progress(done: int, total: int) -> None:
            if ctx is not None:
                await ctx.report_progress(done, total, f"{done} of {total} files")

        limits = repo.RunLimits(
            batch_files=cfg.batch_files,
            batch_bytes=cfg.batch_bytes,
            in_flight=cfg.in_flight,
            batch_timeout_s=bcfg.timeout_s,
            max_file_bytes=bcfg.max_file_bytes,
        )
        runner = repo.Runner(op, send, limits=limits, deadline=deadline, progress=progress)
        await progress(0, len(walked.entries))
        report = await runner.run(walked)
        if report.stopped == "deadline":
            report.stopped = f"deadline of {deadline_s:g} s reached"
        summary = repo.summary(report, runner.aggregator, display or ".")
        lists = {
            "details": runner.aggregator.details(),
            "skipped": [
                {"path": s.path, "reason": s.reason, "detail": s.detail}
                for s in sorted(report.skipped, key=lambda s: (s.path, s.reason))
            ],
        }
        rid = self.store.put(summary, lists)
        first_skipped = min(page_size, 25)
        return self._render(op, summary, lists, rid, ("details", 0, page_size), ("skipped", 0, first_skipped))

    def page(self, op: str, cursor: str, page_size: int) -> CallToolResult:
        rid, which, offset = decode_cursor(cursor)
        run = self.store.get(rid)
        if run is None:
            raise ToolError(
                "this `cursor` has expired (results are kept for "
                f"{self.config.store_ttl_s:g} s, a bounded number of runs); run the tool again on the "
                "same path: unchanged files come from the cache, so it is fast"
            )
        if run.summary["operation"] != op:
            raise ToolError(f"this `cursor` belongs to repo_{run.summary['operation']}, not repo_{op}")
        other = "skipped" if which == "details" else "details"
        return self._render(op, run.summary, run.lists, rid, (which, offset, page_size), (other, 0, 0))

    def _render(self, op, summary, lists, rid, first, second) -> CallToolResult:
        """`first`/`second`: (list, offset, count) of the pages to return; the other list of a cursor call is empty."""
        pages = {first[0]: [first[1], first[2]], second[0]: [second[1], second[2]]}
        model = OUTPUTS[op]
        budget = self.bridge.config.max_output_bytes

        def build():
            data = dict(summary)
            for which in ("details", "skipped"):
                off, n = pages[which]
                items = lists[which]
                data[which] = items[off : off + n]
                data[f"{which}_total"] = len(items)
                data[f"{which}_offset"] = off
                more = off + n < len(items) and rid is not None
                key = "next_cursor" if which == "details" else "next_skipped_cursor"
                data[key] = encode_cursor(rid, which, off + n) if more and n > 0 else None
            data["cursor_expires_s"] = self.config.store_ttl_s if rid is not None else None
            return model.model_validate(data)

        out = build()
        # Halve the longer page until the result fits the bridge's output budget.
        while len(out.model_dump_json(by_alias=True)) > budget:
            which = max(pages, key=lambda w: pages[w][1])
            if pages[which][1] <= 1:
                break
            pages[which][1] //= 2
            out = build()
        return CallToolResult(
            content=[TextContent(type="text", text=_text(out))],
            structured_content=out.model_dump(mode="json", by_alias=True),
        )


def _text(out: RepoOutputBase) -> str:
    lines = [repo.summary_text(out.model_dump(mode="json"))]
    d = out.details
    if d:
        lines.append(
            f"Details {out.details_offset + 1}-{out.details_offset + len(d)} of {out.details_total} "
            f"in the structured result (`details`)."
        )
        for item in d[:10]:
            if isinstance(item, FindingRecord):
                lines.append(f"- [{item.severity}] {item.path}:{item.line} {item.rule_id} {item.cwe}: {item.message}")
            elif isinstance(item, FileMetricsRecord):
                lines.append(
                    f"- {item.path}: {item.code_lines} code lines, {item.functions} functions, max "
                    f"complexity {item.max_cyclomatic_complexity}, maintainability {item.maintainability_index:.1f}"
                )
            else:
                lines.append(f"- {item.path}:{item.start_line} {item.kind} {item.qualified_name}")
    if out.skipped:
        lines.append(
            f"Skipped files {out.skipped_offset + 1}-{out.skipped_offset + len(out.skipped)} of {out.skipped_total}:"
        )
        lines.extend(f"- {s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else "") for s in out.skipped[:10])
    if out.next_cursor:
        lines.append("More details: call again with `cursor` = `next_cursor`.")
    if out.next_skipped_cursor:
        lines.append("More skipped files: call again with `cursor` = `next_skipped_cursor`.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- registration

PathArg = Annotated[
    str | None,
    Field(
        description="A directory (e.g. '.', 'src') or a glob (e.g. 'src/**/*.py') relative to an allowed root, "
        "or absolute inside one. Omit when passing `cursor`.",
        max_length=4096,
    ),
]
GlobsArg = Annotated[
    list[str] | None,
    Field(description="gitignore-style patterns relative to `path`, e.g. ['*.py', 'lib/**'].", max_length=100),
]
PageArg = Annotated[
    int, Field(ge=1, le=500, description="Detail records per page (fewer if the result would be too large).")
]
CursorArg = Annotated[
    str | None,
    Field(
        description="`next_cursor` or `next_skipped_cursor` of an earlier result: returns that page.", max_length=512
    ),
]
DeadlineArg = Annotated[
    float | None,
    Field(
        gt=0,
        le=3600,
        description="Seconds the work may take; past it, work stops and a partial summary says "
        "how many files were not processed. Default 300.",
    ),
]


def register(server: MCPServer, bridge, guard, annotations, config: RepoConfig | None = None) -> RepoTools:
    """Add repo_scan, repo_analyze and repo_index to `server` (called from mcp_bridge.server.build_server)."""
    tools = RepoTools(bridge, config or RepoConfig.from_env())
    server.repo_tools = tools  # type: ignore[attr-defined]  # for tests

    @server.tool(
        name="repo_scan",
        title="Scan a repository for vulnerabilities",
        description=(
            "Scan every source file of a directory (or glob) for security issues, honouring .gitignore. Returns "
            "counts by severity, CWE and rule and the worst files first, then findings page by page (`cursor`). "
            "Skipped files are listed with their reason. Reports progress; `deadline_s` bounds the time."
        ),
        annotations=annotations("Scan a repository for vulnerabilities"),
    )
    @guard("repo_scan")
    async def repo_scan(
        path: PathArg = None,
        include: GlobsArg = None,
        exclude: GlobsArg = None,
        page_size: PageArg = 50,
        cursor: CursorArg = None,
        deadline_s: DeadlineArg = None,
        min_severity: Annotated[
            SeverityName | None, Field(description="Only findings at or above this severity.")
        ] = None,
        min_confidence: Annotated[
            ConfidenceName | None, Field(description="Only findings at or above this confidence.")
        ] = None,
        priority: PriorityArg = "normal",
        *,
        mcp_context: Context | None = None,
    ) -> Annotated[CallToolResult, RepoScanOutput]:
        options = scan_pb2.ScanOptions(
            min_severity=_SEVERITIES.get(min_severity or "", scan_pb2.SEVERITY_UNSPECIFIED),
            min_confidence=_CONFIDENCES.get(min_confidence or "", scan_pb2.CONFIDENCE_UNSPECIFIED),
        )
        return await tools.run(
            "scan",
            mcp_context,
            path=path,
            include=include,
            exclude=exclude,
            page_size=page_size,
            cursor=cursor,
            deadline_s=deadline_s,
            options=options,
            priority=priority,
        )

    @server.tool(
        name="repo_analyze",
        title="Analyze a repository's code metrics",
        description=(
            "Measure every source file of a directory (or glob), honouring .gitignore: totals, the most complex and "
            "longest functions and the least maintainable files first, then per-file metrics page by page "
            "(`cursor`). Skipped files are listed with their reason. Reports progress; `deadline_s` bounds the time."
        ),
        annotations=annotations("Analyze a repository's code metrics"),
    )
    @guard("repo_analyze")
    async def repo_analyze(
        path: PathArg = None,
        include: GlobsArg = None,
        exclude: GlobsArg = None,
        page_size: PageArg = 50,
        cursor: CursorArg = None,
        deadline_s: DeadlineArg = None,
        priority: PriorityArg = "normal",
        *,
        mcp_context: Context | None = None,
    ) -> Annotated[CallToolResult, RepoAnalyzeOutput]:
        return await tools.run(
            "analyze",
            mcp_context,
            path=path,
            include=include,
            exclude=exclude,
            page_size=page_size,
            cursor=cursor,
            deadline_s=deadline_s,
            options=analyze_pb2.AnalyzeOptions(),
            priority=priority,
        )

    @server.tool(
        name="repo_index",
        title="Index a repository's symbols",
        description=(
            "List the symbols (functions, classes, methods, imports, ...) of every source file of a directory (or "
            "glob), honouring .gitignore: counts by kind first, then symbols page by page (`cursor`). Skipped files "
            "are listed with their reason. Reports progress; `deadline_s` bounds the time."
        ),
        annotations=annotations("Index a repository's symbols"),
    )
    @guard("repo_index")
    async def repo_index(
        path: PathArg = None,
        include: GlobsArg = None,
        exclude: GlobsArg = None,
        page_size: PageArg = 100,
        cursor: CursorArg = None,
        deadline_s: DeadlineArg = None,
        priority: PriorityArg = "normal",
        *,
        mcp_context: Context | None = None,
    ) -> Annotated[CallToolResult, RepoIndexOutput]:
        return await tools.run(
            "index",
            mcp_context,
            path=path,
            include=include,
            exclude=exclude,
            page_size=page_size,
            cursor=cursor,
            deadline_s=deadline_s,
            options=parse_pb2.ParseOptions(),
            priority=priority,
        )

    return tools
