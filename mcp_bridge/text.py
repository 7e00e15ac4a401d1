"""The text summaries of tool results: what a model reads first, beside the structured result.

Jobs: one ``*_text`` function per result (``parse_text``, ``analyze_text``, ``scan_text``,
``rules_text``, ``metrics_text``, ``repo_text``, ``graph_*_text`` for the repository graph) that states the totals, lists the first items,
and says when and how a result was cut (and how to see the rest). ``notes`` are extra lines a
tool appends, e.g. that a requested limit was capped.
"""

from __future__ import annotations

from codeintel import repo
from codeintel.kernel.vocab import SEVERITIES
from mcp_bridge.outputs.admin import MetricsOutput
from mcp_bridge.outputs.code import AnalyzeOutput, ParseOutput, ScanOutput
from mcp_bridge.outputs.graph import (
    CallHierarchyOutput,
    CompletenessOut,
    DefinitionOutput,
    ImportGraphOutput,
    IndexRepositoryOutput,
    OutlineOutput,
    ReferencesOutput,
    SearchSymbolsOutput,
    SymbolOut,
)
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
    custom = f", {out.custom_rules} custom (valid)" if out.custom_rules else ""
    lines = [f"{out.total_rules} scan rules ({langs}){custom}."]
    # Custom rules first: a caller validating its rules wants to see them.
    for r in sorted(out.rules, key=lambda r: not r.custom)[:_TEXT_ITEMS]:
        kind = "data-flow" if r.dataflow else "pattern"
        mine = f" (custom, {r.source})" if r.custom else ""
        lines.append(f"- {r.id} [{r.severity}/{r.confidence}, {kind}] {r.cwe} {r.owasp}: {','.join(r.languages)}{mine}")
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


# --------------------------------------------------------------------------- repository graph


def completeness_text(c: CompletenessOut) -> str:
    """One line: how much the index holds and what it is missing."""
    parts = [f"{c.files_indexed} files indexed"]
    if c.files_skipped:
        reasons = ", ".join(f"{n} {reason}" for reason, n in c.files_skipped.items())
        parts.append(f"{sum(c.files_skipped.values())} skipped ({reasons})")
    if c.files_with_errors:
        parts.append(f"{c.files_with_errors} with syntax errors (read as far as possible)")
    if c.files_truncated:
        parts.append(f"{c.files_truncated} with facts cut short")
    if c.languages_without_facts:
        parts.append(f"no facts for {', '.join(c.languages_without_facts)} (those files are not in answers)")
    if c.index_partial:
        parts.append(
            f"PARTIAL index ({c.index_stopped or 'the last run stopped early'}): some files are not indexed; "
            "call index_repository again"
        )
    if c.indexed_at:
        parts.append(f"indexed at {c.indexed_at}")
    return "Index: " + "; ".join(parts) + "."


def _symbol_line(s: SymbolOut) -> str:
    name = s.qualified_name or s.name or "<file level>"
    if not s.path:
        return f"{name} (outside the repository)"
    return f"{s.path}:{s.line}:{s.column} {s.kind} {name}".replace("  ", " ")


def _n(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _more(next_cursor: str | None, shown: int, returned: int) -> list[str]:
    lines = []
    if shown < returned:
        lines.append(f"... {returned - shown} more on this page in the structured result.")
    if next_cursor:
        lines.append("More: call again with the same arguments and `cursor` = `next_cursor`.")
    return lines


def graph_index_text(out: IndexRepositoryOutput) -> str:
    lines = [
        f"Indexed {out.repo} in {out.elapsed_s:.1f} s: {out.files_written} files written, {out.files_unchanged} "
        f"unchanged (reused), {out.files_removed} removed; {out.files_skipped} skipped."
    ]
    if out.skipped_by_reason:
        lines.append("Skipped by reason: " + ", ".join(f"{r} {n}" for r, n in out.skipped_by_reason.items()) + ".")
    if not out.complete:
        lines.append(
            f"PARTIAL: {out.stopped or 'the run stopped early'}; {out.files_not_processed} files not indexed. "
            "What was written is usable; call index_repository again to finish (unchanged files are reused)."
        )
    t = out.totals
    lines.append(
        f"The index holds {t.files} files, {t.definitions} definitions, {t.references} references, "
        f"{t.imports} imports (store: {out.store})."
    )
    for s in out.skipped[:10]:
        lines.append(f"- skipped {s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else ""))
    if out.skipped_total > len(out.skipped[:10]):
        lines.append(f"... {out.skipped_total - len(out.skipped[:10])} more skipped files worth a look.")
    lines.append(
        "Query it with search_symbols, go_to_definition, find_references, call_hierarchy, import_graph, "
        f"repo_outline (repo = {out.repo!r})."
    )
    lines.extend(out.notes)
    return "\n".join(lines)


def graph_search_text(out: SearchSymbolsOutput) -> str:
    lines = [
        f"Search {out.query!r} ({out.match}): {_n(out.total, 'definition')}; this page has {out.returned}.",
        completeness_text(out.completeness),
    ]
    lines += [f"- {_symbol_line(s)}" for s in out.symbols[:_TEXT_ITEMS]]
    if out.total == 0 and out.match != "fuzzy":
        lines.append("Nothing found: try match='fuzzy', or a shorter query.")
    return "\n".join(lines + _more(out.next_cursor, min(len(out.symbols), _TEXT_ITEMS), out.returned))


def graph_definition_text(out: DefinitionOutput) -> str:
    n = len(out.definitions)
    lines = [f"{out.name!r}: {n} definition{'s' if n != 1 else ''} ({out.resolution})."]
    if out.external:
        lines.append(f"It resolves outside the repository, to {out.external}.")
    if out.resolution == "ambiguous":
        lines.append("Several definitions have this name: pick by path, or look it up at a position.")
    lines.append(completeness_text(out.completeness))
    lines += [f"- {_symbol_line(s)} (lines {s.start_line}-{s.end_line})" for s in out.definitions[:_TEXT_ITEMS]]
    return "\n".join(lines + _more(out.next_cursor, min(n, _TEXT_ITEMS), n))


def graph_references_text(out: ReferencesOutput) -> str:
    lines = [f"References of {_symbol_line(out.symbol)}: {_n(out.total, 'use')}; this page has {out.returned}."]
    if out.name_only_omitted:
        lines.append(
            f"{out.name_only_omitted} more uses match by name only (attributes of objects of unknown type); "
            "include_name_only=true lists them."
        )
    lines.append(completeness_text(out.completeness))
    for r in out.references[:_TEXT_ITEMS]:
        where = f"in {r.enclosing}" if r.enclosing else "at file level"
        flag = f" [{r.resolution}]" if r.resolution != "resolved" else ""
        lines.append(f"- {r.path}:{r.line}:{r.column} {r.kind} {where}{flag}: {r.line_text}")
    return "\n".join(lines + _more(out.next_cursor, min(len(out.references), _TEXT_ITEMS), out.returned))


def graph_calls_text(out: CallHierarchyOutput) -> str:
    lines = [
        f"{out.direction.capitalize()} of {_symbol_line(out.symbol)} (depth {out.depth}): {_n(out.returned, 'edge')}."
    ]
    if out.cut and not out.next_cursor:
        lines.append("The depth or the edge limit cut the hierarchy: raise `depth` (at most 5) to see further.")
    lines.append(completeness_text(out.completeness))
    for e in out.edges[:_TEXT_ITEMS]:
        sites = ", ".join(f"{p.line}:{p.column}" for p in e.call_sites[:3])
        flag = f" [{e.resolution}]" if e.resolution != "resolved" else ""
        if out.direction == "callers":
            lines.append(f"- {'  ' * (e.depth - 1)}{_symbol_line(e.caller)} calls it at {sites}{flag}")
        else:
            lines.append(
                f"- {'  ' * (e.depth - 1)}{_symbol_line(e.callee)} called from {e.caller.qualified_name or e.caller.path}"
                f" at {sites}{flag}"
            )
    return "\n".join(lines + _more(out.next_cursor, min(len(out.edges), _TEXT_ITEMS), out.returned))


def graph_imports_text(out: ImportGraphOutput) -> str:
    what = "Imported by" if out.direction == "imported_by" else "Imports"
    lines = [
        f"{what} of {out.path or 'the whole repository'} (depth {out.depth}): {_n(out.returned, 'edge')}, "
        f"{_n(len(out.cycles), 'cycle')}, {_n(len(out.external_modules), 'external module')}."
    ]
    if out.cut and not out.next_cursor:
        lines.append("The depth or the edge limit cut the graph: raise `depth` or narrow `path`.")
    lines.append(completeness_text(out.completeness))
    for c in out.cycles[:10]:
        lines.append("- cycle: " + " -> ".join([*c, c[0]] if c else []))
    for e in out.edges[:_TEXT_ITEMS]:
        lines.append(f"- {e.from_path} -> {e.to_path or e.module + ' (external)'}")
    if out.external_modules:
        lines.append("External: " + ", ".join(f"{m.module} ({m.count})" for m in out.external_modules[:20]) + ".")
    return "\n".join(lines + _more(out.next_cursor, min(len(out.edges), _TEXT_ITEMS), out.returned))


def graph_outline_text(out: OutlineOutput) -> str:
    lines = [
        f"Outline of {out.path or 'the repository root'}: {_n(len(out.directories), 'directory', 'directories')}, "
        f"{_n(out.total_files, 'file')} (this page has {out.returned_files}).",
        completeness_text(out.completeness),
    ]
    for d in out.directories[:_TEXT_ITEMS]:
        lines.append(f"- {d.path} ({d.files} files, {d.definitions} definitions)")
    shown = 0
    for f in out.files:
        if shown >= _TEXT_ITEMS:
            break
        names = ", ".join(f"{s.kind} {s.name}" for s in f.symbols[:8])
        more = f" +{len(f.symbols) - 8 + f.symbols_omitted}" if len(f.symbols) > 8 or f.symbols_omitted else ""
        lines.append(f"- {f.path} ({f.language}): {names or 'no symbols'}{more}")
        shown += 1
    return "\n".join(lines + _more(out.next_cursor, shown, out.returned_files))
