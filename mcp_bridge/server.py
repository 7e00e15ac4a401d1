"""The MCP server: four read-only tools over the codeintel coordinator.

Tools: ``code_parse``, ``code_analyze``, ``vulnerability_scan`` (each on inline ``code`` or a
``path`` under the allowed roots) and ``admin_get_metrics``. Every tool declares an
outputSchema (pydantic models below) and returns ``structuredContent`` plus a concise
text summary. Results are bounded: long lists are cut with an explicit truncation marker
(``truncated``, ``total_*``, ``returned_*``) so one result stays under ~100 KB of JSON.
Failures are ``isError`` results whose text tells the model what to change.

Lines and columns in results are 1-based (as editors show them); columns count UTF-8
bytes of the line, as the backend reports them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from codeintel.client import CALLER_AUTHORIZATION, ClientError, CoordinatorClient, bearer
from codeintel.observability import metrics, tracing
from codeintel.v1 import analyze_pb2, common_pb2, coordinator_pb2, parse_pb2, scan_pb2
from mcp_bridge.config import BridgeConfig
from mcp_bridge.paths import PathError, PathPolicy

log = logging.getLogger("mcp_bridge")

# --------------------------------------------------------------------------- helpers


def _enum_name(enum_type, value: int, prefix: str) -> str:
    try:
        name = enum_type.Name(value)
    except ValueError:
        return "unspecified"
    return name.removeprefix(prefix).lower()


CACHE_NAMES = {
    coordinator_pb2.CACHE_STATUS_UNSPECIFIED: "unknown",
    coordinator_pb2.CACHE_STATUS_MISS: "miss",
    coordinator_pb2.CACHE_STATUS_HIT_L1: "hit_l1",
    coordinator_pb2.CACHE_STATUS_HIT_L2: "hit_l2",
    coordinator_pb2.CACHE_STATUS_MERGED: "merged",
}


class Span(BaseModel):
    """A source range, 1-based lines and columns, end exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


def span(r: common_pb2.Range) -> Span:
    return Span(
        start_line=r.start.line + 1,
        start_column=r.start.column + 1,
        end_line=r.end.line + 1,
        end_column=r.end.column + 1,
    )


class ServedBy(BaseModel):
    """How the coordinator served the call."""

    cache: str = Field(description="'miss', 'hit_l1', 'hit_l2' or 'merged'")
    service_version: str = ""
    queue_wait_ms: float = 0.0


def served_by(info: coordinator_pb2.ResponseInfo) -> ServedBy:
    return ServedBy(
        cache=CACHE_NAMES.get(info.cache, "unknown"),
        service_version=info.service_version,
        queue_wait_ms=round(info.queue_wait_ms, 3),
    )


# --------------------------------------------------------------------------- code_parse


class SymbolOut(BaseModel):
    name: str
    kind: str = Field(description="function, method, class, interface, struct, enum, trait, module, import, ...")
    qualified_name: str
    start_line: int
    end_line: int
    depth: int = Field(description="0 at top level")
    parent: str | None = Field(default=None, description="qualified name of the enclosing symbol")


class SyntaxErrorOut(BaseModel):
    kind: str = Field(description="'error' (unparseable text) or 'missing' (expected token absent)")
    message: str
    line: int
    column: int


class AstNodeOut(BaseModel):
    index: int
    type: str
    named: bool
    parent: int = Field(description="index of the parent node, -1 for the root")
    depth: int
    field: str | None = None
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str | None = Field(default=None, description="source text of leaf nodes (<= 256 bytes)")
    is_error: bool = False
    is_missing: bool = False


class ParseOutput(BaseModel):
    """Result of code_parse."""

    path: str
    language: str
    line_count: int
    byte_count: int
    has_errors: bool = Field(description="whether the source has syntax errors")
    symbols_supported: bool = Field(description="false: symbols are not extracted for this language")
    symbols: list[SymbolOut]
    total_symbols: int
    returned_symbols: int
    syntax_errors: list[SyntaxErrorOut]
    total_syntax_errors: int
    returned_syntax_errors: int
    ast: list[AstNodeOut] | None = Field(default=None, description="pre-order syntax tree, only with include_ast")
    returned_ast_nodes: int = 0
    ast_truncated: bool = Field(default=False, description="the AST was cut by depth/node limits")
    truncated: bool = Field(description="true when any list above holds fewer items than exist")
    served_by: ServedBy


def parse_output(resp: coordinator_pb2.CodeIntelServiceParseResponse, *, include_ast: bool) -> ParseOutput:
    r = resp.result
    qnames = [s.qualified_name or s.name for s in r.symbols]
    symbols = [
        SymbolOut(
            name=s.name,
            kind=_enum_name(parse_pb2.SymbolKind, s.kind, "SYMBOL_KIND_"),
            qualified_name=s.qualified_name or s.name,
            start_line=s.range.start.line + 1,
            end_line=s.range.end.line + 1,
            depth=s.depth,
            parent=qnames[s.parent_index] if 0 <= s.parent_index < len(qnames) else None,
        )
        for s in r.symbols
    ]
    errors = [
        SyntaxErrorOut(
            kind=_enum_name(parse_pb2.SyntaxErrorKind, e.kind, "SYNTAX_ERROR_KIND_"),
            message=e.message,
            line=e.range.start.line + 1,
            column=e.range.start.column + 1,
        )
        for e in r.errors
    ]
    ast = None
    if include_ast:
        ast = [
            AstNodeOut(
                index=i,
                type=n.type,
                named=n.named,
                parent=n.parent_index,
                depth=n.depth,
                field=n.field or None,
                start_line=n.range.start.line + 1,
                start_column=n.range.start.column + 1,
                end_line=n.range.end.line + 1,
                end_column=n.range.end.column + 1,
                text=n.text or None,
                is_error=n.is_error,
                is_missing=n.is_missing,
            )
            for i, n in enumerate(r.ast)
        ]
    return ParseOutput(
        path=r.path,
        language=r.language,
        line_count=r.line_count,
        byte_count=r.byte_count,
        has_errors=r.has_errors,
        symbols_supported=r.symbols_supported,
        symbols=symbols,
        total_symbols=len(symbols),
        returned_symbols=len(symbols),
        syntax_errors=errors,
        total_syntax_errors=len(errors),
        returned_syntax_errors=len(errors),
        ast=ast,
        returned_ast_nodes=len(ast or ()),
        ast_truncated=r.ast_truncated,
        truncated=r.ast_truncated,
        served_by=served_by(resp.info),
    )


# --------------------------------------------------------------------------- code_analyze


class LineCountsOut(BaseModel):
    total: int
    code: int
    comment: int
    blank: int


class FunctionOut(BaseModel):
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    cyclomatic_complexity: int
    cognitive_complexity: int
    max_nesting_depth: int
    parameter_count: int
    length_lines: int
    code_lines: int
    halstead_volume: float
    maintainability_index: float = Field(description="0..100, higher is easier to maintain (Visual Studio scale)")


class LineRangeOut(BaseModel):
    start_line: int
    end_line: int


class DuplicateOut(BaseModel):
    occurrences: list[LineRangeOut] = Field(description="1-based line ranges of each copy, in document order")
    line_count: int
    token_count: int


class AnalyzeOutput(BaseModel):
    """Result of code_analyze."""

    path: str
    language: str
    lines: LineCountsOut
    function_count: int
    class_count: int
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    max_cognitive_complexity: int
    maintainability_index: float
    halstead_volume: float
    has_syntax_errors: bool
    duplicates: list[DuplicateOut] = Field(
        default_factory=list, description="blocks of >= 6 lines / 50 tokens repeated within the file"
    )
    total_duplicates: int = 0
    returned_duplicates: int = 0
    functions: list[FunctionOut] = Field(
        description="per-function metrics in document order; when truncated, the most complex are kept"
    )
    total_functions: int
    returned_functions: int
    truncated: bool
    served_by: ServedBy


def analyze_output(resp: coordinator_pb2.CodeIntelServiceAnalyzeResponse) -> AnalyzeOutput:
    r = resp.result
    functions = [
        FunctionOut(
            name=f.name,
            qualified_name=f.qualified_name or f.name,
            start_line=f.range.start.line + 1,
            end_line=f.range.end.line + 1,
            cyclomatic_complexity=f.cyclomatic_complexity,
            cognitive_complexity=f.cognitive_complexity,
            max_nesting_depth=f.max_nesting_depth,
            parameter_count=f.parameter_count,
            length_lines=f.length_lines,
            code_lines=f.code_lines,
            halstead_volume=round(f.halstead.volume, 2),
            maintainability_index=round(f.maintainability_index, 2),
        )
        for f in r.functions
    ]
    duplicates = [
        DuplicateOut(
            occurrences=[LineRangeOut(start_line=o.start.line + 1, end_line=o.end.line + 1) for o in d.occurrences],
            line_count=d.line_count,
            token_count=d.token_count,
        )
        for d in r.duplicates
    ]
    return AnalyzeOutput(
        path=r.path,
        language=r.language,
        lines=LineCountsOut(total=r.lines.total, code=r.lines.code, comment=r.lines.comment, blank=r.lines.blank),
        function_count=r.function_count,
        class_count=r.class_count,
        max_cyclomatic_complexity=r.max_cyclomatic_complexity,
        average_cyclomatic_complexity=round(r.average_cyclomatic_complexity, 3),
        max_cognitive_complexity=r.max_cognitive_complexity,
        maintainability_index=round(r.maintainability_index, 2),
        halstead_volume=round(r.halstead.volume, 2),
        has_syntax_errors=r.has_syntax_errors,
        duplicates=duplicates,
        total_duplicates=len(duplicates),
        returned_duplicates=len(duplicates),
        functions=functions,
        total_functions=len(functions),
        returned_functions=len(functions),
        truncated=False,
        served_by=served_by(resp.info),
    )


# --------------------------------------------------------------------------- vulnerability_scan

SEVERITY_ORDER = ["info", "low", "medium", "high", "critical"]


MAX_FLOW_STEPS = 12
MAX_BASELINE = 10_000


class FlowStepOut(BaseModel):
    line: int
    column: int
    message: str


class FindingOut(BaseModel):
    rule_id: str
    cwe: str = Field(description="e.g. 'CWE-78'")
    owasp: str = Field(default="", description="OWASP Top 10 (2021) category, e.g. 'A03:2021-Injection'")
    severity: str = Field(description="info, low, medium, high or critical")
    confidence: str = Field(description="low, medium or high")
    line: int
    column: int
    end_line: int
    message: str = Field(description="what is wrong and how to fix it")
    snippet: str
    fingerprint: str
    suppressed: bool = False
    suppression: str | None = Field(default=None, description="'inline' or 'baseline' when suppressed")
    flow: list[FlowStepOut] = Field(
        default_factory=list,
        description="for data-flow findings: how untrusted input reaches the sink, source first, sink last",
    )


def _flow(steps) -> list[FlowStepOut]:
    out = [FlowStepOut(line=s.range.start.line + 1, column=s.range.start.column + 1, message=s.message) for s in steps]
    if len(out) > MAX_FLOW_STEPS:  # keep the source, the last steps and the sink
        out = (
            out[:1]
            + [
                FlowStepOut(
                    line=out[1].line,
                    column=out[1].column,
                    message=f"... {len(out) - MAX_FLOW_STEPS + 1} steps omitted ...",
                )
            ]
            + out[-(MAX_FLOW_STEPS - 2) :]
        )
    return out


class ScanOutput(BaseModel):
    """Result of vulnerability_scan."""

    path: str
    language: str
    findings: list[FindingOut] = Field(description="most severe first, then in document order")
    total_findings: int
    returned_findings: int
    counts_by_severity: dict[str, int]
    suppressed_count: int
    rules_evaluated: int
    has_syntax_errors: bool
    sarif: dict[str, Any] | None = Field(default=None, description="SARIF 2.1.0 log, only with include_sarif")
    sarif_omitted_reason: str | None = None
    truncated: bool
    served_by: ServedBy


def scan_output(resp: coordinator_pb2.CodeIntelServiceScanResponse) -> ScanOutput:
    r = resp.result
    findings = [
        FindingOut(
            rule_id=f.rule_id,
            cwe=f.cwe,
            severity=_enum_name(scan_pb2.Severity, f.severity, "SEVERITY_"),
            confidence=_enum_name(scan_pb2.Confidence, f.confidence, "CONFIDENCE_"),
            line=f.range.start.line + 1,
            column=f.range.start.column + 1,
            end_line=f.range.end.line + 1,
            message=f.message,
            snippet=f.snippet,
            fingerprint=f.fingerprint,
            suppressed=f.suppressed,
            owasp=f.owasp,
            suppression=_enum_name(scan_pb2.Suppression, f.suppression, "SUPPRESSION_") if f.suppressed else None,
            flow=_flow(f.flow),
        )
        for f in r.findings
    ]
    rank = {name: i for i, name in enumerate(SEVERITY_ORDER)}
    findings.sort(key=lambda f: (-rank.get(f.severity, -1), f.line, f.column))
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return ScanOutput(
        path=r.path,
        language=r.language,
        findings=findings,
        total_findings=len(findings),
        returned_findings=len(findings),
        counts_by_severity=counts,
        suppressed_count=r.suppressed_count,
        rules_evaluated=r.rules_evaluated,
        has_syntax_errors=r.has_syntax_errors,
        truncated=False,
        served_by=served_by(resp.info),
    )


# --------------------------------------------------------------------------- scan_list_rules


class RuleOut(BaseModel):
    id: str
    languages: list[str]
    cwe: str
    owasp: str
    severity: str
    confidence: str
    dataflow: bool = Field(description="follows untrusted data to a sink (taint) rather than one pattern")
    description: str


class RulesOutput(BaseModel):
    """Result of scan_list_rules."""

    rules: list[RuleOut]
    total_rules: int
    counts_by_language: dict[str, int]
    service_version: str


def rules_output(resp: coordinator_pb2.CodeIntelServiceListRulesResponse) -> RulesOutput:
    rules = [
        RuleOut(
            id=r.id,
            languages=list(r.languages),
            cwe=r.cwe,
            owasp=r.owasp,
            severity=_enum_name(scan_pb2.Severity, r.severity, "SEVERITY_"),
            confidence=_enum_name(scan_pb2.Confidence, r.confidence, "CONFIDENCE_"),
            dataflow=r.dataflow,
            description=r.description,
        )
        for r in resp.rules
    ]
    counts: dict[str, int] = {}
    for r in rules:
        for lang in r.languages:
            counts[lang] = counts.get(lang, 0) + 1
    return RulesOutput(
        rules=rules,
        total_rules=len(rules),
        counts_by_language=dict(sorted(counts.items())),
        service_version=resp.service_version,
    )


def rules_text(out: RulesOutput) -> str:
    langs = ", ".join(f"{k} {v}" for k, v in out.counts_by_language.items())
    lines = [f"{out.total_rules} scan rules ({langs})."]
    for r in out.rules[:_TEXT_ITEMS]:
        kind = "data-flow" if r.dataflow else "pattern"
        lines.append(f"- {r.id} [{r.severity}/{r.confidence}, {kind}] {r.cwe} {r.owasp}: {','.join(r.languages)}")
    if out.total_rules > _TEXT_ITEMS:
        lines.append(f"... {out.total_rules - _TEXT_ITEMS} more rules in the structured result.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- admin_get_metrics


class OperationOut(BaseModel):
    operation: str
    requests: int
    files: int
    errors: int
    cache_hits_l1: int
    cache_hits_l2: int
    cache_misses: int
    merged: int
    cache_hit_ratio: float | None = Field(description="(L1+L2 hits) / (hits + misses); null before any lookup")
    retries: int
    rejected: int
    queue_depth: int
    in_flight: int
    latency_p50_ms: float
    latency_p99_ms: float


class CacheTierOut(BaseModel):
    tier: str
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int
    hit_ratio: float | None


class WorkerOut(BaseModel):
    service: str
    address: str
    state: str = Field(description="serving, not_serving, down or unspecified")
    version: str
    in_flight: int
    calls: int
    failures: int
    last_error: str | None = None


class MetricsOutput(BaseModel):
    """Result of admin_get_metrics."""

    coordinator_version: str
    uptime_seconds: float
    operations: list[OperationOut]
    cache_hit_ratio: float | None = Field(description="over all operations; null before any lookup")
    caches: list[CacheTierOut]
    workers_serving: int
    workers_total: int
    workers: list[WorkerOut]


def _ratio(hits: int, misses: int) -> float | None:
    total = hits + misses
    return round(hits / total, 4) if total else None


def metrics_output(
    stats: coordinator_pb2.GetStatsResponse, workers: coordinator_pb2.ListWorkersResponse
) -> MetricsOutput:
    ops = []
    all_hits = all_misses = 0
    for o in stats.operations:
        hits = o.cache_hits_l1 + o.cache_hits_l2
        all_hits += hits
        all_misses += o.cache_misses
        ops.append(
            OperationOut(
                operation=o.operation,
                requests=o.requests,
                files=o.files,
                errors=o.errors,
                cache_hits_l1=o.cache_hits_l1,
                cache_hits_l2=o.cache_hits_l2,
                cache_misses=o.cache_misses,
                merged=o.merged,
                cache_hit_ratio=_ratio(hits, o.cache_misses),
                retries=o.retries,
                rejected=o.rejected,
                queue_depth=o.queue_depth,
                in_flight=o.in_flight,
                latency_p50_ms=round(o.latency_p50_ms, 3),
                latency_p99_ms=round(o.latency_p99_ms, 3),
            )
        )
    caches = [
        CacheTierOut(
            tier=c.tier,
            entries=c.entries,
            bytes=c.bytes,
            max_bytes=c.max_bytes,
            hits=c.hits,
            misses=c.misses,
            evictions=c.evictions,
            hit_ratio=_ratio(c.hits, c.misses),
        )
        for c in stats.caches
    ]
    wlist = [
        WorkerOut(
            service=w.service,
            address=w.address,
            state=_enum_name(coordinator_pb2.WorkerState, w.state, "WORKER_STATE_"),
            version=w.version,
            in_flight=w.in_flight,
            calls=w.calls,
            failures=w.failures,
            last_error=w.last_error or None,
        )
        for w in workers.workers
    ]
    return MetricsOutput(
        coordinator_version=stats.version,
        uptime_seconds=round(stats.uptime_seconds, 3),
        operations=ops,
        cache_hit_ratio=_ratio(all_hits, all_misses),
        caches=caches,
        workers_serving=stats.workers_serving,
        workers_total=stats.workers_total,
        workers=wlist,
    )


# --------------------------------------------------------------------------- bounding results


def _cut(out: BaseModel, field: str, keep: int) -> bool:
    """Keep the first `keep` items of list `field`; update returned_* and truncated."""
    items = getattr(out, field)
    if items is None or len(items) <= keep:
        return False
    setattr(out, field, items[:keep])
    counter = _RETURNED.get(field)
    if counter:
        setattr(out, counter, keep)
    out.truncated = True
    if field == "ast":
        out.ast_truncated = True
    return True


_RETURNED = {
    "symbols": "returned_symbols",
    "syntax_errors": "returned_syntax_errors",
    "ast": "returned_ast_nodes",
    "functions": "returned_functions",
    "duplicates": "returned_duplicates",
    "findings": "returned_findings",
}


def _json_size(out: BaseModel) -> int:
    return len(out.model_dump_json(by_alias=True))


def fit_to_budget(out: BaseModel, fields: list[str], max_bytes: int) -> None:
    """Halve the longest of `fields` until the JSON of `out` fits in max_bytes."""
    while _json_size(out) > max_bytes:
        if isinstance(out, ScanOutput) and out.sarif is not None:
            out.sarif = None
            out.sarif_omitted_reason = "the SARIF log did not fit in the result size budget"
            continue
        longest = max(fields, key=lambda f: len(getattr(out, f) or ()))
        n = len(getattr(out, longest) or ())
        if n <= 1:
            break
        if longest == "functions":
            _keep_most_complex(out, n // 2)
        else:
            _cut(out, longest, n // 2)


def _keep_most_complex(out: AnalyzeOutput, keep: int) -> bool:
    if len(out.functions) <= keep:
        return False
    ranked = sorted(range(len(out.functions)), key=lambda i: (-out.functions[i].cyclomatic_complexity, i))
    chosen = sorted(ranked[:keep])
    out.functions = [out.functions[i] for i in chosen]
    out.returned_functions = keep
    out.truncated = True
    return True


def bound_parse(out: ParseOutput, cfg: BridgeConfig) -> None:
    _cut(out, "symbols", cfg.max_symbols)
    _cut(out, "syntax_errors", cfg.max_syntax_errors)
    _cut(out, "ast", cfg.max_ast_nodes)
    fit_to_budget(out, ["symbols", "syntax_errors", "ast"], cfg.max_output_bytes)


def bound_analyze(out: AnalyzeOutput, cfg: BridgeConfig) -> None:
    _keep_most_complex(out, cfg.max_functions)
    fit_to_budget(out, ["functions", "duplicates"], cfg.max_output_bytes)


def bound_scan(out: ScanOutput, cfg: BridgeConfig, sarif_json: str) -> None:
    _cut(out, "findings", cfg.max_findings)
    if sarif_json:
        if len(sarif_json.encode()) > cfg.max_sarif_bytes:
            out.sarif_omitted_reason = (
                f"the SARIF log is {len(sarif_json.encode()):,} bytes, over the {cfg.max_sarif_bytes:,}-byte limit; "
                f"narrow the scan (min_severity) or scan a smaller file"
            )
        else:
            try:
                out.sarif = json.loads(sarif_json)
            except ValueError:
                out.sarif_omitted_reason = "the backend returned a SARIF log that is not valid JSON"
    fit_to_budget(out, ["findings"], cfg.max_output_bytes)


# --------------------------------------------------------------------------- text summaries

_TEXT_ITEMS = 40


def _label(path: str) -> str:
    return path or "<code>"


def parse_text(out: ParseOutput, notes: list[str]) -> str:
    lines = [
        f"Parsed {_label(out.path)} as {out.language}: {out.line_count} lines, {out.total_symbols} symbols, "
        f"{out.total_syntax_errors} syntax errors."
    ]
    if not out.symbols_supported:
        lines.append(f"Symbol extraction is not supported for {out.language}; only syntax errors and the AST are.")
    for s in out.symbols[:_TEXT_ITEMS]:
        lines.append(f"- {s.kind} {s.qualified_name} (lines {s.start_line}-{s.end_line})")
    if len(out.symbols) > _TEXT_ITEMS:
        lines.append(f"... {len(out.symbols) - _TEXT_ITEMS} more symbols in the structured result.")
    for e in out.syntax_errors[:10]:
        lines.append(f"! syntax {e.kind} at {e.line}:{e.column}: {e.message}")
    if out.ast is not None:
        lines.append(
            f"AST: {out.returned_ast_nodes} nodes in the structured result (`ast`, pre-order)"
            + (" - cut short by the depth/node limits." if out.ast_truncated else ".")
        )
    if out.truncated:
        parts = []
        if out.returned_symbols < out.total_symbols:
            parts.append(f"{out.returned_symbols} of {out.total_symbols} symbols")
        if out.returned_syntax_errors < out.total_syntax_errors:
            parts.append(f"{out.returned_syntax_errors} of {out.total_syntax_errors} syntax errors")
        if out.ast_truncated:
            parts.append(f"{out.returned_ast_nodes} AST nodes")
        more = "To see more, send a smaller part of the file"
        if out.ast_truncated:
            more += " (for the AST: raise ast_max_nodes up to the cap, or lower ast_max_depth to see the top levels)"
        lines.append("Truncated: showing " + ", ".join(parts) + f". {more}.")
    lines.extend(notes)
    return "\n".join(lines)


def analyze_text(out: AnalyzeOutput, notes: list[str]) -> str:
    lines = [
        f"Analyzed {_label(out.path)} ({out.language}): {out.lines.total} lines ({out.lines.code} code, "
        f"{out.lines.comment} comment, {out.lines.blank} blank), {out.function_count} functions, "
        f"{out.class_count} classes; cyclomatic complexity max {out.max_cyclomatic_complexity}, "
        f"average {out.average_cyclomatic_complexity:.2f}; cognitive complexity max {out.max_cognitive_complexity}; "
        f"maintainability index {out.maintainability_index:.1f}/100; Halstead volume {out.halstead_volume:.0f}."
    ]
    if out.has_syntax_errors:
        lines.append("The file has syntax errors; metrics are best-effort.")
    top = sorted(out.functions, key=lambda f: (-f.cyclomatic_complexity, f.start_line))[:_TEXT_ITEMS]
    if top:
        lines.append("Most complex functions:")
        for f in top[:10]:
            lines.append(
                f"- {f.qualified_name} (lines {f.start_line}-{f.end_line}): complexity {f.cyclomatic_complexity}, "
                f"cognitive {f.cognitive_complexity}, nesting {f.max_nesting_depth}, {f.parameter_count} params, "
                f"{f.code_lines} code lines, maintainability {f.maintainability_index:.1f}"
            )
    if out.duplicates:
        lines.append(f"Duplicated blocks ({out.total_duplicates}):")
        for d in out.duplicates[:10]:
            where = ", ".join(f"{o.start_line}-{o.end_line}" for o in d.occurrences[:5])
            more = f" and {len(d.occurrences) - 5} more" if len(d.occurrences) > 5 else ""
            lines.append(f"- {d.line_count} lines, {d.token_count} tokens at lines {where}{more}")
    if out.truncated:
        lines.append(
            f"Truncated: showing the {out.returned_functions} most complex of {out.total_functions} functions"
            + (
                f" and {out.returned_duplicates} of {out.total_duplicates} duplicated blocks"
                if out.returned_duplicates < out.total_duplicates
                else ""
            )
            + ". Analyze a smaller part of the file to see the rest, or pass file_only=true for totals only."
        )
    lines.extend(notes)
    return "\n".join(lines)


def scan_text(out: ScanOutput, notes: list[str]) -> str:
    if out.total_findings == 0:
        head = f"Scanned {_label(out.path)} ({out.language}) with {out.rules_evaluated} rules: no findings."
    else:
        counts = ", ".join(
            f"{out.counts_by_severity[s]} {s}" for s in reversed(SEVERITY_ORDER) if s in out.counts_by_severity
        )
        head = (
            f"Scanned {_label(out.path)} ({out.language}) with {out.rules_evaluated} rules: "
            f"{out.total_findings} findings ({counts})."
        )
    lines = [head]
    for f in out.findings[:_TEXT_ITEMS]:
        lines.append(f"- [{f.severity}] {f.cwe or 'no CWE'} {f.rule_id} at line {f.line}: {f.message}")
        if f.flow:
            lines.append("  flow: " + " -> ".join(f"line {s.line} ({s.message})" for s in f.flow))
    if len(out.findings) > _TEXT_ITEMS:
        lines.append(f"... {len(out.findings) - _TEXT_ITEMS} more findings in the structured result.")
    if out.suppressed_count:
        lines.append(f"{out.suppressed_count} findings are suppressed (inline comments or the baseline).")
    if out.has_syntax_errors:
        lines.append("The file has syntax errors; some findings may be missed.")
    if out.sarif is not None:
        lines.append("The SARIF 2.1.0 log is in the structured result (`sarif`).")
    if out.sarif_omitted_reason:
        lines.append(f"SARIF omitted: {out.sarif_omitted_reason}.")
    if out.truncated:
        lines.append(
            f"Truncated: showing the {out.returned_findings} most severe of {out.total_findings} findings. "
            f"Raise min_severity or scan a smaller part of the file to see the rest."
        )
    lines.extend(notes)
    return "\n".join(lines)


def metrics_text(out: MetricsOutput) -> str:
    ratio = "n/a" if out.cache_hit_ratio is None else f"{out.cache_hit_ratio:.1%}"
    lines = [
        f"Coordinator {out.coordinator_version or '(unknown version)'}, up {out.uptime_seconds:.0f} s; "
        f"workers serving {out.workers_serving}/{out.workers_total}; cache hit ratio {ratio}."
    ]
    for o in out.operations:
        r = "n/a" if o.cache_hit_ratio is None else f"{o.cache_hit_ratio:.1%}"
        lines.append(
            f"- {o.operation}: {o.requests} requests, {o.files} files, {o.errors} errors, {o.rejected} rejected, "
            f"cache hit {r}, queue {o.queue_depth}, in flight {o.in_flight}, "
            f"p50 {o.latency_p50_ms:.1f} ms, p99 {o.latency_p99_ms:.1f} ms"
        )
    for w in out.workers:
        err = f" (last error: {w.last_error})" if w.last_error else ""
        lines.append(f"- worker {w.service} {w.address}: {w.state}, {w.calls} calls, {w.failures} failures{err}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the server

Priority = Literal["low", "normal", "high"]
SeverityName = Literal["info", "low", "medium", "high", "critical"]
ConfidenceName = Literal["low", "medium", "high"]

_SEVERITIES = {
    "info": scan_pb2.SEVERITY_INFO,
    "low": scan_pb2.SEVERITY_LOW,
    "medium": scan_pb2.SEVERITY_MEDIUM,
    "high": scan_pb2.SEVERITY_HIGH,
    "critical": scan_pb2.SEVERITY_CRITICAL,
}
_CONFIDENCES = {
    "low": scan_pb2.CONFIDENCE_LOW,
    "medium": scan_pb2.CONFIDENCE_MEDIUM,
    "high": scan_pb2.CONFIDENCE_HIGH,
}

CodeArg = Annotated[
    str | None,
    Field(description="Source text to process. Give either `code` or `path`, not both."),
]
PathArg = Annotated[
    str | None,
    Field(
        description="A file to read, relative to an allowed root (default: the server's working directory) "
        "or absolute inside one. Give either `code` or `path`."
    ),
]
LanguageArg = Annotated[
    str | None,
    Field(
        description="Language id, e.g. 'python', 'javascript', 'typescript', 'go', 'java', 'rust', 'cpp'. "
        "Optional: detected from `filename`/`path` extension or a shebang line."
    ),
]
FilenameArg = Annotated[
    str | None,
    Field(description="With `code`: a file name used for language detection and echoed in results, e.g. 'app.py'."),
]
PriorityArg = Annotated[
    Priority,
    Field(description="Queue priority: 'high' for work a user waits on, 'low' for background work."),
]


def _annotations(title: str) -> ToolAnnotations:
    return ToolAnnotations(
        title=title, read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )


class Bridge:
    """The state shared by the tools: config, path policy and coordinator client."""

    def __init__(self, config: BridgeConfig):
        self.config = config
        self.policy = PathPolicy(config.effective_roots(), config.max_file_bytes)
        self.client = CoordinatorClient(config.coordinator, timeout_s=config.timeout_s, api_key=config.api_key)

    def source(
        self, code: str | None, path: str | None, language: str | None, filename: str | None
    ) -> common_pb2.SourceFile:
        """Build the SourceFile from exactly one of `code` / `path`; raise ToolError otherwise."""
        if code is not None and path is not None:
            raise ToolError("give either `code` (source text) or `path` (a file), not both")
        if code is None and path is None:
            raise ToolError("missing input: give `code` (source text) or `path` (a file under the allowed roots)")
        lang = (language or "").strip()
        if path is not None:
            try:
                loaded = self.policy.read(path)
            except PathError as exc:
                raise ToolError(str(exc)) from None
            if b"\x00" in loaded.content:
                raise ToolError(
                    f"{path!r} looks binary (it contains NUL bytes); only source text files can be processed"
                )
            return common_pb2.SourceFile(path=loaded.display_path, language=lang, content=loaded.content)
        try:
            content = code.encode("utf-8")
        except UnicodeEncodeError:
            raise ToolError("`code` contains invalid Unicode (lone surrogates); send valid text") from None
        if len(content) > self.config.max_file_bytes:
            raise ToolError(
                f"`code` is too large: {len(content):,} bytes; the limit is {self.config.max_file_bytes:,} bytes. "
                f"Send only the relevant part."
            )
        return common_pb2.SourceFile(path=(filename or "").strip(), language=lang, content=content)

    async def call(self, coro):
        try:
            return await coro
        except ClientError as exc:
            err = ToolError(str(exc))
            err.outcome = exc.code.lower()  # the coordinator's status, for codeintel_mcp_tool_calls_total
            raise err from None


def _result(out: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=out.model_dump(mode="json", by_alias=True),
    )


def _guard(name: str):
    """Turn unexpected exceptions into a generic tool error (logged here, never sent), and pass the
    caller's `Authorization: Bearer` header (HTTP transport) on to the coordinator.

    The SDK hands a Context to a parameter annotated with it; `inner` declares one (`mcp_context`)
    on top of the tool's own parameters, so the tools themselves stay free of transport details."""

    def wrap(fn):
        import functools
        import inspect

        traced = tracing.traced(
            f"mcp.tool {name}", fn, {"mcp.tool.name": name}
        )  # one span per tool call (when tracing is on)

        wants_context = "mcp_context" in inspect.signature(fn).parameters  # e.g. for progress (repo tools)
        tool_metrics = metrics.shared(metrics.McpMetrics)

        @functools.wraps(fn)
        async def inner(*args, mcp_context: Context | None = None, **kwargs):
            headers = (mcp_context.headers if mcp_context is not None else None) or {}
            token = CALLER_AUTHORIZATION.set(bearer(headers.get("authorization")))
            t0, outcome = time.perf_counter(), "internal"
            try:
                if wants_context:
                    kwargs["mcp_context"] = mcp_context
                result = await traced(*args, **kwargs)
                outcome = "ok"
                return result
            except ToolError as exc:
                outcome = getattr(exc, "outcome", "invalid_input")  # raised here, before any backend call
                raise
            except Exception:
                log.exception("tool %s failed unexpectedly", name)
                raise ToolError(
                    f"internal error in the MCP bridge while running {name}; retry, and report it if it persists"
                ) from None
            finally:
                CALLER_AUTHORIZATION.reset(token)
                tool_metrics.observe(name, outcome, time.perf_counter() - t0)

        sig = inspect.signature(fn, eval_str=True)  # resolved: the SDK cannot evaluate a __signature__
        extra = inspect.Parameter("mcp_context", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Context)
        params = [p for p in sig.parameters.values() if p.name != "mcp_context"]
        inner.__signature__ = sig.replace(parameters=[*params, extra])
        inner.__annotations__ = {
            **{p.name: p.annotation for p in params},
            "return": sig.return_annotation,
            "mcp_context": Context,
        }
        return inner

    return wrap


INSTRUCTIONS = """\
Code intelligence over tree-sitter: parse source into symbols/AST (code_parse), measure \
complexity (code_analyze), find security issues (vulnerability_scan), and check backend \
health (admin_get_metrics). Pass source inline with `code` (+ `language` or `filename`), \
or a file with `path` (relative to the allowed roots). Results are bounded; look for \
`truncated: true`. Lines and columns are 1-based. For a whole directory or glob use repo_scan, \
repo_analyze or repo_index: summary first, details page by page with `cursor`."""


def build_server(config: BridgeConfig) -> MCPServer:
    """Build the MCP server (not started) for `config`."""
    bridge = Bridge(config)
    cfg = config
    server = MCPServer(name=cfg.name, instructions=INSTRUCTIONS, version=_version())
    server.bridge = bridge  # type: ignore[attr-defined]  # for tests and the CLI

    @server.tool(
        name="code_parse",
        title="Parse source code",
        description=(
            "Parse one source file and list its symbols (functions, classes, methods, imports, ...) with line "
            "ranges, its syntax errors, and optionally its syntax tree (include_ast). Input: `code` or `path`."
        ),
        annotations=_annotations("Parse source code"),
    )
    @_guard("code_parse")
    async def code_parse(
        code: CodeArg = None,
        path: PathArg = None,
        language: LanguageArg = None,
        filename: FilenameArg = None,
        include_ast: Annotated[bool, Field(description="Also return the syntax tree (pre-order node list).")] = False,
        ast_max_depth: Annotated[
            int | None, Field(ge=1, le=256, description="Deepest AST level returned (root is 0; default 64).")
        ] = None,
        ast_max_nodes: Annotated[
            int | None, Field(ge=1, description="Most AST nodes returned (capped by the server, default 300).")
        ] = None,
        ast_named_only: Annotated[bool, Field(description="Only named AST nodes (no punctuation).")] = False,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, ParseOutput]:
        file = bridge.source(code, path, language, filename)
        notes: list[str] = []
        nodes = cfg.max_ast_nodes
        if ast_max_nodes is not None:
            if ast_max_nodes > cfg.max_ast_nodes:
                notes.append(f"Note: ast_max_nodes was capped at {cfg.max_ast_nodes} by this server.")
            nodes = min(ast_max_nodes, cfg.max_ast_nodes)
        options = parse_pb2.ParseOptions(
            include_ast=include_ast,
            ast_max_depth=ast_max_depth or 0,
            ast_max_nodes=nodes if include_ast else 0,
            ast_named_only=ast_named_only,
        )
        resp = await bridge.call(bridge.client.parse(file, options, priority))
        out = parse_output(resp, include_ast=include_ast)
        bound_parse(out, cfg)
        return _result(out, parse_text(out, notes))

    @server.tool(
        name="code_analyze",
        title="Analyze code metrics",
        description=(
            "Measure one source file: line counts, number of functions and classes, per-function cyclomatic and "
            "cognitive complexity, nesting depth, parameter count, length, Halstead volume and maintainability "
            "index, and duplicated blocks within the file. Input: `code` or `path`."
        ),
        annotations=_annotations("Analyze code metrics"),
    )
    @_guard("code_analyze")
    async def code_analyze(
        code: CodeArg = None,
        path: PathArg = None,
        language: LanguageArg = None,
        filename: FilenameArg = None,
        file_only: Annotated[bool, Field(description="Only file totals, no per-function list.")] = False,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, AnalyzeOutput]:
        file = bridge.source(code, path, language, filename)
        options = analyze_pb2.AnalyzeOptions(file_only=file_only)
        resp = await bridge.call(bridge.client.analyze(file, options, priority))
        out = analyze_output(resp)
        bound_analyze(out, cfg)
        return _result(out, analyze_text(out, []))

    @server.tool(
        name="vulnerability_scan",
        title="Scan for vulnerabilities",
        description=(
            "Scan one source file for security issues (command/SQL injection, unsafe deserialization, hard-coded "
            "secrets, ...). Each finding has a rule id, CWE, severity, confidence, line and a fix hint. "
            "Input: `code` or `path`."
        ),
        annotations=_annotations("Scan for vulnerabilities"),
    )
    @_guard("vulnerability_scan")
    async def vulnerability_scan(
        code: CodeArg = None,
        path: PathArg = None,
        language: LanguageArg = None,
        filename: FilenameArg = None,
        min_severity: Annotated[
            SeverityName | None, Field(description="Report only findings at or above this severity.")
        ] = None,
        min_confidence: Annotated[
            ConfidenceName | None, Field(description="Report only findings at or above this confidence.")
        ] = None,
        include_sarif: Annotated[bool, Field(description="Also return a SARIF 2.1.0 log.")] = False,
        baseline_fingerprints: Annotated[
            list[str] | None,
            Field(
                description="Fingerprints of accepted findings (from an earlier scan): those are not reported, "
                "so only new findings show.",
                max_length=MAX_BASELINE,
            ),
        ] = None,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, ScanOutput]:
        file = bridge.source(code, path, language, filename)
        options = scan_pb2.ScanOptions(
            min_severity=_SEVERITIES.get(min_severity or "", scan_pb2.SEVERITY_UNSPECIFIED),
            min_confidence=_CONFIDENCES.get(min_confidence or "", scan_pb2.CONFIDENCE_UNSPECIFIED),
            include_sarif=include_sarif,
            baseline_fingerprints=baseline_fingerprints or [],
        )
        resp = await bridge.call(bridge.client.scan(file, options, priority))
        out = scan_output(resp)
        bound_scan(out, cfg, resp.sarif_json if include_sarif else "")
        return _result(out, scan_text(out, []))

    @server.tool(
        name="scan_list_rules",
        title="List scan rules",
        description=(
            "List the security rules vulnerability_scan runs: id, CWE, OWASP Top 10 category, severity, "
            "confidence, languages, and whether the rule follows data flow. Optional `language` filter."
        ),
        annotations=_annotations("List scan rules"),
    )
    @_guard("scan_list_rules")
    async def scan_list_rules(
        language: Annotated[
            str | None, Field(description="Only rules for this language id, e.g. 'python'.", max_length=64)
        ] = None,
    ) -> Annotated[CallToolResult, RulesOutput]:
        resp = await bridge.call(bridge.client.list_rules(language or ""))
        out = rules_output(resp)
        return _result(out, rules_text(out))

    @server.tool(
        name="admin_get_metrics",
        title="Backend metrics",
        description=(
            "Health and load of the code-intelligence backend: per-operation request/error counts, cache hit "
            "ratio, queue depth, latency, and each worker's state (serving/total)."
        ),
        annotations=_annotations("Backend metrics"),
    )
    @_guard("admin_get_metrics")
    async def admin_get_metrics() -> Annotated[CallToolResult, MetricsOutput]:
        stats, workers = await bridge.call(asyncio.gather(bridge.client.get_stats(), bridge.client.list_workers()))
        out = metrics_output(stats, workers)
        return _result(out, metrics_text(out))

    from mcp_bridge import repo_tools  # imports this module: registered last, after its names exist

    repo_tools.register(server, bridge, _guard, _annotations)
    from mcp_bridge import probes

    probes.add_routes(server, cfg.coordinator)  # /metrics, /healthz, /readyz beside /mcp (HTTP transport)
    return server


def _version() -> str:
    try:
        from codeintel import __version__

        return __version__
    except Exception:  # pragma: no cover
        return "0"


def run(
    coordinator: str,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    roots: list[str] | None = None,
    **options: Any,
) -> None:
    """Serve the bridge until the transport closes (blocking).

    transport: "stdio" or "http" (streamable HTTP at http://HOST:PORT/mcp).
    options: further BridgeConfig fields (timeout_s, api_key, max_file_bytes, ...), and drain_delay /
    grace (seconds): the HTTP transport's SIGTERM drain and its /healthz, /readyz probes (mcp_bridge/drain.py).
    """
    drain_delay, grace = options.pop("drain_delay", 0.5), options.pop("grace", 30.0)
    config = BridgeConfig(coordinator=coordinator, roots=tuple(roots or ()), **options)
    server = build_server(config)
    if transport not in ("stdio", "http", "streamable-http", "streamable_http"):
        raise ValueError(f"unknown transport {transport!r}; use 'stdio' or 'http'")
    tracing.setup("codeintel-mcp-bridge")
    try:
        if transport == "stdio":
            server.run("stdio")
        else:
            from mcp_bridge.drain import serve_http

            serve_http(
                server.streamable_http_app(host=host),
                host=host,
                port=port,
                log_level=logging.getLevelName(log.getEffectiveLevel()).lower(),
                drain_delay=drain_delay,
                grace=grace,
            )
    finally:
        tracing.shutdown()  # the last tool calls' spans are exported before the process ends
