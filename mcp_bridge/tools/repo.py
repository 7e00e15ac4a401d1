"""Repository tools: `repo_scan`, `repo_analyze`, `repo_index` over a directory (or glob) under the roots.

The work itself is codeintel.repo (walk, batches to the coordinator, aggregation); this module
resolves the path under the allowed roots, reports MCP progress per finished batch, applies the
deadline, and shapes a summary-first result bounded by BridgeConfig.max_output_bytes.

Detail pages: finished runs are kept in mcp_bridge.runs.RunStore, and cursors address
(run, list, offset) in it. When a cursor has expired (or the store evicted it), the tool says so;
re-running is cheap, since unchanged files come from the coordinator's cache.

Cancellation: a cancelled tool call cancels the runner, which stops sending batches and cancels
the in-flight RPCs. The deadline stops the work too: each batch RPC carries the time remaining.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from codeintel import repo
from codeintel.repo import rules as repo_rules
from codeintel.v1 import analyze_pb2, parse_pb2, scan_pb2
from mcp_bridge.args import ConfidenceName, PriorityArg, SeverityName, confidence_value, severity_value
from mcp_bridge.bridge import Bridge, guard, tool_annotations
from mcp_bridge.config import RepoConfig
from mcp_bridge.outputs.repo import OUTPUTS, RepoAnalyzeOutput, RepoIndexOutput, RepoOutput, RepoScanOutput
from mcp_bridge.paths import is_within
from mcp_bridge.runs import RunStore, decode_cursor, encode_cursor
from mcp_bridge.text import repo_text
from mcp_bridge.tools.rules import RulesArg, RulesFormatArg, custom_rule_file

# Statuses that would fail every other batch the same way: the run stops at the first.
_RPC = {"scan": "scan", "analyze": "analyze", "index": "parse"}

Options = parse_pb2.ParseOptions | analyze_pb2.AnalyzeOptions | scan_pb2.ScanOptions
Page = tuple[str, int, int]  # (list, offset, count)


class RepoTools:
    """Runs repository operations for the bridge and serves their detail pages."""

    def __init__(self, bridge: Bridge, config: RepoConfig):
        self.bridge = bridge
        self.config = config
        self.store = RunStore(config.store_ttl_s, config.store_max_runs, config.store_max_bytes)
        # Runs sending batches now: a cancelled or finished run has let go of every batch by the time
        # it leaves this count (the runner cancels and awaits them first).
        self.running = 0

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
        root = next((r for r in roots if is_within(real, r)), None)
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
        include: Sequence[str] | None,
        exclude: Sequence[str] | None,
        page_size: int,
        cursor: str | None,
        deadline_s: float | None,
        options: Options,
        priority: str,
    ) -> CallToolResult:
        if cursor:
            return self.page(op, cursor, page_size)
        if path is None:
            raise ToolError("missing input: give `path` (a directory or glob under the allowed roots) or a `cursor`")
        cfg, bcfg = self.config, self.bridge.config
        real, root, pattern = self.resolve_dir(path)
        note = None
        if isinstance(options, scan_pb2.ScanOptions):
            options, note = await self.custom_rules(options, real, pattern)
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
        send = self.bridge.client.repo_sender(_RPC[op], options, priority)

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
        cross_file = repo.cross_file_options(options)  # two passes: summaries, then scans
        runner = repo.Runner(op, send, limits=limits, deadline=deadline, progress=progress, cross_file=cross_file)
        await progress(0, len(walked.entries))
        self.running += 1
        try:
            report = await runner.run(walked)
        finally:
            self.running -= 1
        if report.stopped == "deadline":
            report.stopped = f"deadline of {deadline_s:g} s reached"
        if note:
            report.notes.append(note)
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

    async def custom_rules(
        self, options: scan_pb2.ScanOptions, real: str, pattern: str | None
    ) -> tuple[scan_pb2.ScanOptions, str | None]:
        """The scan's options with the directory's own `.codeintel/rules/` added after the rules sent,
        checked by the scan service before any file is walked or sent (a broken rule is a tool error
        naming the file, the rule and the field); and a note for the summary saying what was used."""
        try:
            own = []
            if pattern is None and os.path.isdir(real):
                own = await asyncio.to_thread(repo_rules.read_rule_files, real)
            options = repo_rules.with_rules(options, own)
        except repo_rules.RuleFileError as exc:
            raise ToolError(f"cannot use the repository's custom rules: {exc}") from None
        if not options.custom_rules:
            return options, None
        listed = await self.bridge.call(self.bridge.client.list_rules("", custom_rules=options.custom_rules))
        rules = sum(1 for r in listed.rules if r.custom)
        files = len(options.custom_rules)
        named = ", ".join(f.path for f in options.custom_rules)
        return options, f"custom rules: {rules} from {files} file{'s' if files != 1 else ''} ({named})"

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

    def _render(
        self,
        op: str,
        summary: dict[str, Any],
        lists: dict[str, list[dict[str, Any]]],
        rid: str | None,
        first: Page,
        second: Page,
    ) -> CallToolResult:
        """`first`/`second`: the pages to return; the other list of a cursor call is empty."""
        pages = {first[0]: [first[1], first[2]], second[0]: [second[1], second[2]]}
        model = OUTPUTS[op]
        budget = self.bridge.config.max_output_bytes

        def build() -> RepoOutput:
            data = dict(summary)
            for which in ("details", "skipped"):
                off, n = pages[which]
                items = lists[which]
                data[which] = items[off : off + n]
                data[f"{which}_total"] = len(items)
                data[f"{which}_offset"] = off
                more = off + n < len(items) and rid is not None
                key = "next_cursor" if which == "details" else "next_skipped_cursor"
                data[key] = encode_cursor(rid, which, off + n) if rid is not None and more and n > 0 else None
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
            content=[TextContent(type="text", text=repo_text(out))],
            structured_content=out.model_dump(mode="json", by_alias=True),
        )


# --------------------------------------------------------------------------- arguments

RepoPathArg = Annotated[
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


# --------------------------------------------------------------------------- registration


def register(server: MCPServer, bridge: Bridge, config: RepoConfig | None = None) -> RepoTools:
    """Add repo_scan, repo_analyze and repo_index to `server`; the RepoTools behind them is returned."""
    tools = RepoTools(bridge, config or bridge.config.repo)

    @server.tool(
        name="repo_scan",
        title="Scan a repository for vulnerabilities",
        description=(
            "Scan every source file of a directory (or glob) for security issues, honouring .gitignore. Returns "
            "counts by severity, CWE and rule and the worst files first, then findings page by page (`cursor`). "
            "Skipped files are listed with their reason. Reports progress; `deadline_s` bounds the time. "
            "The directory's own custom rules (.codeintel/rules/*.yaml, *.toml) run too, with any given in `rules`."
        ),
        annotations=tool_annotations("Scan a repository for vulnerabilities"),
    )
    @guard("repo_scan")
    async def repo_scan(
        path: RepoPathArg = None,
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
        cross_file: Annotated[
            bool,
            Field(
                description="Summarise every file's functions first, then follow untrusted data into helpers "
                "defined in other files (a second pass over the files of taint languages)."
            ),
        ] = False,
        rules: RulesArg = None,
        rules_format: RulesFormatArg = None,
        *,
        mcp_context: Context | None = None,
    ) -> Annotated[CallToolResult, RepoScanOutput]:
        options = scan_pb2.ScanOptions(
            min_severity=severity_value(min_severity),
            min_confidence=confidence_value(min_confidence),
            cross_file=cross_file,
            custom_rules=custom_rule_file(rules, rules_format),
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
        annotations=tool_annotations("Analyze a repository's code metrics"),
    )
    @guard("repo_analyze")
    async def repo_analyze(
        path: RepoPathArg = None,
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
        annotations=tool_annotations("Index a repository's symbols"),
    )
    @guard("repo_index")
    async def repo_index(
        path: RepoPathArg = None,
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
