"""The text summaries of tool results: what a model reads first, beside the structured result.

Jobs: one ``*_text`` function per result (``parse_text``, ``analyze_text``, ``scan_text``,
``rules_text``, ``metrics_text``, ``repo_text``) that states the totals, lists the first items,
and says when and how a result was cut (and how to see the rest). ``notes`` are extra lines a
tool appends, e.g. that a requested limit was capped.
"""

from __future__ import annotations

from codeintel import repo
from codeintel.kernel.vocab import SEVERITIES
from mcp_bridge.outputs.admin import MetricsOutput
from mcp_bridge.outputs.code import AnalyzeOutput, ParseOutput, ScanOutput
from mcp_bridge.outputs.repo import FileMetricsRecord, FindingRecord, RepoOutput
from mcp_bridge.outputs.rules import RulesOutput

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
            f"{out.counts_by_severity[s]} {s}" for s in reversed(SEVERITIES) if s in out.counts_by_severity
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


def rules_text(out: RulesOutput) -> str:
    langs = ", ".join(f"{k} {v}" for k, v in out.counts_by_language.items())
    lines = [f"{out.total_rules} scan rules ({langs})."]
    for r in out.rules[:_TEXT_ITEMS]:
        kind = "data-flow" if r.dataflow else "pattern"
        lines.append(f"- {r.id} [{r.severity}/{r.confidence}, {kind}] {r.cwe} {r.owasp}: {','.join(r.languages)}")
    if out.total_rules > _TEXT_ITEMS:
        lines.append(f"... {out.total_rules - _TEXT_ITEMS} more rules in the structured result.")
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


def repo_text(out: RepoOutput) -> str:
    """The summary of a repository result (codeintel.repo's words), then a glimpse of this page."""
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
