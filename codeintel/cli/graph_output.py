"""What the repository-graph commands print as text: the summary first (counts and what the index is
missing), then one item per line (`path:line:col  kind  qualified_name`), then how to see more.

Lines and columns are 1-based here (the protocol's are 0-based); columns count bytes of the line.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from codeintel.kernel import vocab
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import graph_pb2, parse_pb2

_CALL_SITES = 5  # call positions shown per edge


def skip_reason(value: int) -> str:
    """REPOSITORY_SKIP_REASON_TOO_LARGE -> "too large"."""
    return vocab.enum_name(pb.RepositorySkipReason, value, "REPOSITORY_SKIP_REASON_").replace("_", " ")


def kind_name(value: int) -> str:
    return vocab.enum_name(parse_pb2.SymbolKind, value, "SYMBOL_KIND_")


def resolution_name(value: int) -> str:
    return vocab.enum_name(graph_pb2.Resolution, value, "RESOLUTION_").replace("_", " ")


def _ago(unix: int) -> str:
    seconds = max(0, int(time.time()) - unix)
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 172800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def _counts(pairs: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{n:,} {what}" for what, n in pairs)


def completeness_text(c: graph_pb2.GraphCompleteness) -> str:
    """One line: how much the index holds and what it is missing."""
    parts = [f"{c.files_indexed:,} files indexed"]
    if c.files_skipped:
        skipped = sum(s.count for s in c.files_skipped)
        parts.append(f"{skipped:,} skipped ({_counts((skip_reason(s.reason), s.count) for s in c.files_skipped)})")
    if c.files_with_errors:
        parts.append(f"{c.files_with_errors:,} with syntax errors (read as far as possible)")
    if c.files_truncated:
        parts.append(f"{c.files_truncated:,} with facts cut short by a per-file limit")
    if c.languages_without_facts:
        parts.append("no facts for " + ", ".join(c.languages_without_facts) + " (not in the answers)")
    if c.index_partial:
        why = c.index_stopped or "the last run stopped early"
        parts.append(f"PARTIAL ({why}): files exist that the index has not seen")
    if c.indexed_at_unix:
        parts.append(f"indexed {_ago(c.indexed_at_unix)}")
    return "index: " + "; ".join(parts)


def _position(r: Any) -> str:
    return f"{r.start.line + 1}:{r.start.column + 1}"


def symbol_line(s: graph_pb2.SymbolRef) -> str:
    """`path:line:col  kind  qualified_name`; a definition outside the repository has no path."""
    name = s.qualified_name or s.name or "<file level>"
    if not s.path:
        return f"(external)  {name}"
    at = s.selection_range if s.selection_range.HasField("start") else s.range
    kind = kind_name(s.kind) if s.kind else "-"
    return f"{s.path}:{_position(at)}  {kind}  {name}"


def _n(n: int, word: str, plural: str = "") -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _more(cursor: str) -> list[str]:
    return [f"more: --cursor {cursor}"] if cursor else []


def _showing(n: int, total: int) -> str:
    return f"showing {n:,} of {total:,}" if n < total else f"showing all {total:,}"


def search_text(resp: graph_pb2.SearchSymbolsResponse, query: str, match: str) -> str:
    lines = [
        f"search {query!r} ({match}): {_n(resp.total, 'definition')}; {_showing(len(resp.symbols), resp.total)}",
        completeness_text(resp.completeness),
    ]
    lines += [symbol_line(s) for s in resp.symbols]
    return "\n".join(lines + _more(resp.next_cursor))


def definition_text(resp: graph_pb2.GetDefinitionResponse, target: str) -> str:
    name = resp.name or target
    n = len(resp.definitions)
    head = f"{name!r}: {n} definition{'s' if n != 1 else ''}"
    if resp.resolution:
        head += f" ({resolution_name(resp.resolution)})"
    lines = [head]
    if resp.external:
        lines[0] += f"; it resolves outside the repository, to {resp.external}"
    lines.append(completeness_text(resp.completeness))
    lines += [symbol_line(s) for s in resp.definitions]
    return "\n".join(lines + _more(resp.next_cursor))


def references_text(resp: graph_pb2.FindReferencesResponse) -> str:
    lines = [
        f"references of {symbol_line(resp.symbol)}: {_n(resp.total, 'use')}; {_showing(len(resp.references), resp.total)}"
    ]
    if resp.name_only_omitted:
        lines.append(
            f"{_n(resp.name_only_omitted, 'more use')} match by name only (attributes of objects whose type the index "
            "cannot tell): --name-only lists them"
        )
    lines.append(completeness_text(resp.completeness))
    for r in resp.references:
        kind = vocab.enum_name(parse_pb2.ReferenceKind, r.kind, "REFERENCE_KIND_")
        enclosing = r.enclosing.qualified_name or r.enclosing.name or "<file level>"
        line = f"{r.path}:{_position(r.range)}  {kind}  in {enclosing}"
        if r.resolution not in (graph_pb2.RESOLUTION_RESOLVED, graph_pb2.RESOLUTION_UNSPECIFIED):
            line += f"  [{resolution_name(r.resolution)}]"
        if r.line_text:
            line += f"  | {r.line_text}"
        lines.append(line)
    return "\n".join(lines + _more(resp.next_cursor))


def calls_text(resp: graph_pb2.CallHierarchyResponse, direction: str, depth: int, cursor: str, limit_note: str) -> str:
    n = len(resp.edges)
    lines = [f"{direction} of {symbol_line(resp.symbol)} (depth {depth}): {_n(n, 'edge')} on this page"]
    if limit_note:
        lines.append(limit_note)
    lines.append(completeness_text(resp.completeness))
    for e in resp.edges:
        shown, other = (e.caller, e.callee) if direction == "callers" else (e.callee, e.caller)
        arrow = "->" if direction == "callers" else "<-"
        line = f"{'  ' * (e.depth - 1)}{symbol_line(shown)}  {arrow} {other.qualified_name or other.name}"
        if e.call_sites:
            sites = ", ".join(_position(r) for r in e.call_sites[:_CALL_SITES])
            more = f" +{len(e.call_sites) - _CALL_SITES}" if len(e.call_sites) > _CALL_SITES else ""
            line += f"  (calls at {sites}{more})"
        if e.resolution not in (graph_pb2.RESOLUTION_RESOLVED, graph_pb2.RESOLUTION_UNSPECIFIED):
            line += f"  [{resolution_name(e.resolution)}]"
        lines.append(line)
    return "\n".join(lines + _more(cursor))


def imports_text(
    resp: graph_pb2.ImportGraphResponse, path: str, reverse: bool, depth: int, cursor: str, limit_note: str
) -> str:
    what = "files importing" if reverse else "imports of"
    externals = sum(m.count for m in resp.external_modules)
    lines = [
        f"{what} {path or 'the repository'} (depth {depth}): {_n(len(resp.edges), 'edge')} on this page, "
        f"{_n(len(resp.cycles), 'cycle')}, {_n(len(resp.external_modules), 'external module')} "
        f"({_n(externals, 'import')})"
    ]
    if limit_note:
        lines.append(limit_note)
    lines.append(completeness_text(resp.completeness))
    for e in resp.edges:
        target = f"{e.module} (external)" if e.external or not e.to_path else e.to_path
        via = f"  [{e.module}]" if e.to_path and e.module else ""
        lines.append(f"{e.from_path} -> {target}{via}")
    for c in resp.cycles:
        lines.append("cycle: " + " -> ".join([*c.paths, c.paths[0]] if c.paths else []))
    if resp.external_modules:
        lines.append("external: " + ", ".join(f"{m.module} ({m.count})" for m in resp.external_modules))
    return "\n".join(lines + _more(cursor))


def _nesting(qname: str, names: set[str]) -> int:
    """How many of the file's other symbols enclose `qname` (their names are its dotted prefixes)."""
    parts = qname.split(".")
    return sum(".".join(parts[:i]) in names for i in range(1, len(parts)))


def outline_text(resp: graph_pb2.OutlineResponse, path: str) -> str:
    lines = [
        f"outline of {path or 'the repository'}: {_n(len(resp.directories), 'directory', 'directories')}, {resp.total_files:,} "
        f"files; {_showing(len(resp.files), resp.total_files)} files",
        completeness_text(resp.completeness),
    ]
    for d in resp.directories:
        lines.append(f"{d.path}  {d.files:,} files, {d.definitions:,} definitions")
    for f in resp.files:
        lines.append(f"{f.path}  {f.language}  {_n(len(f.symbols), 'symbol')}")
        names = {s.qualified_name for s in f.symbols}
        for s in sorted(f.symbols, key=lambda s: (s.range.start.line, s.range.start.column)):  # members under theirs
            depth = _nesting(s.qualified_name, names)
            kind = kind_name(s.kind) if s.kind else "-"
            at = s.selection_range if s.selection_range.HasField("start") else s.range
            lines.append(f"  {'  ' * min(depth, 4)}{_position(at)}  {kind}  {s.qualified_name or s.name}")
        if f.symbols_omitted:
            lines.append(f"  ... {f.symbols_omitted:,} more (--depth 1 adds members)")
    return "\n".join(lines + _more(resp.next_cursor))


def index_text(summary: graph_pb2.IndexSummary, root: str) -> str:
    """The index run's summary: what was written, reused and removed, what was skipped, totals, store."""
    run = summary.run
    lines = [
        f"indexed {root} in {run.elapsed_seconds:.1f} s: {summary.files_written:,} files written, "
        f"{summary.files_unchanged:,} unchanged, {summary.files_removed:,} removed"
    ]
    if run.skipped or run.directories_skipped:
        reasons = _counts((skip_reason(s.reason), s.count) for s in run.skipped_by_reason)
        lines.append(f"skipped: {run.skipped:,} files" + (f" ({reasons})" if reasons else ""))
    if not run.complete or run.stopped:
        why = run.stopped or "the run stopped early"
        lines.append(
            f"PARTIAL: {why}; {run.not_processed:,} files not indexed (what was written is usable; run again to finish)"
        )
    t = summary.totals
    lines.append(
        f"index: {t.files:,} files, {t.definitions:,} definitions, {t.references:,} references, {t.imports:,} imports"
    )
    if summary.store:
        lines.append(f"store: {summary.store}")
    return "\n".join(lines)


def failed_text(failed: Sequence[tuple[str, str, str]], most: int = 20) -> list[str]:
    """Skipped files worth a look (not ignored/excluded/no grammar), at most `most` lines."""
    out = [f"{path}: {reason}" + (f": {message}" if message else "") for path, reason, message in failed[:most]]
    if len(failed) > most:
        out.append(f"... {len(failed) - most:,} more skipped files")
    return out


def reindex_line(summary: graph_pb2.IndexSummary, paths: Sequence[str], seconds: float) -> str:
    """One line per re-index of --watch."""
    names = ", ".join(paths[:5]) + (f" +{len(paths) - 5}" if len(paths) > 5 else "")
    n = len(paths)
    line = (
        f"{time.strftime('%H:%M:%S')} re-indexed {n} file{'s' if n != 1 else ''} in {seconds * 1000:.0f} ms: "
        f"{summary.files_written} written, {summary.files_unchanged} unchanged, {summary.files_removed} removed"
    )
    if summary.run.skipped:
        line += f", {summary.run.skipped} skipped"
    return f"{line} ({names})"
