"""Results of the repository-graph tools: index_repository, search_symbols, go_to_definition,
find_references, call_hierarchy, import_graph and repo_outline.

Jobs:
- the output models (each tool's outputSchema): a summary first (counts, `completeness`: what the
  index is missing), then the items of this page, then `next_cursor`;
- the converters from the coordinator's GraphService answers (``*_output``): 1-based lines and
  columns, enum values as lower-case names, paths relative to the repository.

The converters return every item of the answer; mcp_bridge.tools.graph asks for smaller pages when
a result would not fit the byte budget.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from pydantic import BaseModel, Field

from codeintel.kernel.vocab import enum_name
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import graph_pb2, parse_pb2


def skip_reason(value: int) -> str:
    """REPOSITORY_SKIP_REASON_TOO_LARGE -> "too large" (codeintel.repo's words)."""
    return enum_name(pb.RepositorySkipReason, value, "REPOSITORY_SKIP_REASON_").replace("_", " ")


def _resolution(value: int) -> str:
    return enum_name(graph_pb2.Resolution, value, "RESOLUTION_")


# --------------------------------------------------------------------------- shared parts


class CompletenessOut(BaseModel):
    """What the answer could not see. Read it before concluding that something does not exist."""

    files_indexed: int
    files_skipped: dict[str, int] = Field(description="files the last index run left out, by reason")
    index_partial: bool = Field(
        description="the last index run stopped early (deadline, file limit): files exist that the index has not "
        "seen; run index_repository again"
    )
    index_stopped: str | None = Field(default=None, description="why the last index run stopped early")
    files_with_errors: int = Field(description="indexed files with syntax errors (their facts are what could be read)")
    files_truncated: int = Field(description="files whose facts were cut short by a per-file limit")
    languages_without_facts: list[str] = Field(
        description="languages in the repository the graph has no extractor for: their files are not in any answer"
    )
    indexed_at: str | None = Field(default=None, description="when the last index run finished (UTC, ISO 8601)")
    truncated: bool = Field(description="this answer was cut by the page size or the byte budget: see next_cursor")


def completeness(c: graph_pb2.GraphCompleteness) -> CompletenessOut:
    when = None
    if c.indexed_at_unix:
        when = datetime.datetime.fromtimestamp(c.indexed_at_unix, datetime.UTC).isoformat(timespec="seconds")
    return CompletenessOut(
        files_indexed=c.files_indexed,
        files_skipped={skip_reason(s.reason): s.count for s in c.files_skipped},
        index_partial=c.index_partial,
        index_stopped=c.index_stopped or None,
        files_with_errors=c.files_with_errors,
        files_truncated=c.files_truncated,
        languages_without_facts=list(c.languages_without_facts),
        indexed_at=when,
        truncated=c.truncated,
    )


class SymbolOut(BaseModel):
    name: str
    qualified_name: str = Field(description="module-qualified, e.g. 'app.store.Store.save'; usable as `name`")
    kind: str = Field(description="function, method, class, interface, struct, enum, type, constructor, ...")
    path: str = Field(description="file relative to the repository; empty for a symbol outside the repository")
    language: str = ""
    line: int = Field(description="line of the name, 1-based (0: unknown, outside the repository)")
    column: int = Field(description="column of the name, 1-based, in bytes of the line")
    start_line: int = Field(description="first line of the whole definition")
    end_line: int = Field(description="last line of the whole definition")


def symbol(s: graph_pb2.SymbolRef) -> SymbolOut:
    known = bool(s.path)
    at = s.selection_range if s.selection_range.HasField("start") else s.range
    return SymbolOut(
        name=s.name,
        qualified_name=s.qualified_name or s.name,
        kind=enum_name(parse_pb2.SymbolKind, s.kind, "SYMBOL_KIND_") if s.kind else "",
        path=s.path,
        language=s.language,
        line=at.start.line + 1 if known else 0,
        column=at.start.column + 1 if known else 0,
        start_line=s.range.start.line + 1 if known else 0,
        end_line=s.range.end.line + 1 if known else 0,
    )


class PositionOut(BaseModel):
    line: int = Field(description="1-based")
    column: int = Field(description="1-based, in bytes of the line")


# --------------------------------------------------------------------------- index_repository


class GraphCountsOut(BaseModel):
    files: int
    definitions: int
    references: int
    imports: int


class SkippedFileOut(BaseModel):
    path: str
    reason: str
    detail: str = ""


class IndexRepositoryOutput(BaseModel):
    """Result of index_repository: what this run wrote, reused and removed, and what the index now holds."""

    repo: str = Field(description="the repository's directory; pass it as `repo` to the query tools")
    complete: bool = Field(description="every file found was indexed or skipped for a reason of its own")
    stopped: str | None = Field(default=None, description="why the run stopped early (e.g. the deadline)")
    files_written: int = Field(description="files (re)indexed in this run: new or changed")
    files_unchanged: int = Field(description="files whose content was unchanged since the last run (reused)")
    files_removed: int = Field(description="files dropped from the index (deleted, now excluded or skipped)")
    files_found: int
    files_skipped: int
    files_not_processed: int = Field(description="files the run did not get to (see `stopped`)")
    skipped_by_reason: dict[str, int]
    elapsed_s: float
    totals: GraphCountsOut = Field(description="what the index holds after the run")
    store: str = Field(description="where the index is stored")
    skipped: list[SkippedFileOut] = Field(
        description="skipped files worth a look (too large, binary, unreadable, failed, ...); ignored, excluded "
        "and unsupported files are only counted"
    )
    skipped_total: int
    notes: list[str] = Field(default_factory=list)


def index_output(
    repo: str, summary: graph_pb2.IndexSummary, skipped: list[SkippedFileOut], skipped_total: int
) -> IndexRepositoryOutput:
    run = summary.run
    t = summary.totals
    return IndexRepositoryOutput(
        repo=repo,
        complete=run.complete and not run.stopped,
        stopped=run.stopped or None,
        files_written=summary.files_written,
        files_unchanged=summary.files_unchanged,
        files_removed=summary.files_removed,
        files_found=run.files_found,
        files_skipped=run.skipped,
        files_not_processed=run.not_processed,
        skipped_by_reason={skip_reason(s.reason): s.count for s in run.skipped_by_reason},
        elapsed_s=round(run.elapsed_seconds, 3),
        totals=GraphCountsOut(files=t.files, definitions=t.definitions, references=t.references, imports=t.imports),
        store=summary.store,
        skipped=skipped,
        skipped_total=skipped_total,
    )


# --------------------------------------------------------------------------- queries


class SearchSymbolsOutput(BaseModel):
    """Result of search_symbols: the best matches first."""

    repo: str
    query: str
    match: str
    total: int = Field(description="matches in all pages")
    returned: int
    completeness: CompletenessOut
    symbols: list[SymbolOut]
    next_cursor: str | None = Field(default=None, description="pass as `cursor` (same other arguments) for more")


def search_output(repo: str, query: str, match: str, r: graph_pb2.SearchSymbolsResponse) -> SearchSymbolsOutput:
    return SearchSymbolsOutput(
        repo=repo,
        query=query,
        match=match,
        total=r.total,
        returned=len(r.symbols),
        completeness=completeness(r.completeness),
        symbols=[symbol(s) for s in r.symbols],
        next_cursor=r.next_cursor or None,
    )


class DefinitionOutput(BaseModel):
    """Result of go_to_definition."""

    repo: str
    name: str = Field(description="the identifier looked up (at the position, or the name given)")
    resolution: str = Field(
        description="'resolved' (followed through scopes, imports, members, inheritance), 'ambiguous' (several "
        "definitions have the name: all are listed), 'name_only' (matched by name; the receiver's type is unknown)"
    )
    external: str | None = Field(
        default=None, description="the name resolves outside the repository, to this module and name"
    )
    returned: int
    completeness: CompletenessOut
    definitions: list[SymbolOut]
    next_cursor: str | None = None


def definition_output(repo: str, target: str, r: graph_pb2.GetDefinitionResponse) -> DefinitionOutput:
    return DefinitionOutput(
        repo=repo,
        name=r.name or target,
        resolution=_resolution(r.resolution) if r.resolution else "unspecified",
        external=r.external or None,
        returned=len(r.definitions),
        completeness=completeness(r.completeness),
        definitions=[symbol(s) for s in r.definitions],
        next_cursor=r.next_cursor or None,
    )


class ReferenceOut(BaseModel):
    path: str
    line: int = Field(description="1-based")
    column: int = Field(description="1-based, in bytes of the line")
    end_line: int
    end_column: int
    kind: str = Field(description="'call', 'read', 'type' or 'inherit'")
    enclosing: str = Field(description="qualified name of the innermost definition holding the use; '' at file level")
    enclosing_kind: str = ""
    line_text: str = Field(description="the source line, trimmed")
    resolution: str = Field(description="'resolved', 'ambiguous' or 'name_only'")


class ReferencesOutput(BaseModel):
    """Result of find_references: uses by path, then position."""

    repo: str
    symbol: SymbolOut
    total: int = Field(description="uses in all pages")
    returned: int
    name_only_omitted: int = Field(
        description="uses matched by name only that were left out (pass include_name_only=true to list them)"
    )
    completeness: CompletenessOut
    references: list[ReferenceOut]
    next_cursor: str | None = None


def references_output(repo: str, r: graph_pb2.FindReferencesResponse) -> ReferencesOutput:
    refs = [
        ReferenceOut(
            path=x.path,
            line=x.range.start.line + 1,
            column=x.range.start.column + 1,
            end_line=x.range.end.line + 1,
            end_column=x.range.end.column + 1,
            kind=enum_name(parse_pb2.ReferenceKind, x.kind, "REFERENCE_KIND_"),
            enclosing=x.enclosing.qualified_name or x.enclosing.name,
            enclosing_kind=enum_name(parse_pb2.SymbolKind, x.enclosing.kind, "SYMBOL_KIND_")
            if x.enclosing.kind
            else "",
            line_text=x.line_text,
            resolution=_resolution(x.resolution) if x.resolution else "resolved",
        )
        for x in r.references
    ]
    return ReferencesOutput(
        repo=repo,
        symbol=symbol(r.symbol),
        total=r.total,
        returned=len(refs),
        name_only_omitted=r.name_only_omitted,
        completeness=completeness(r.completeness),
        references=refs,
        next_cursor=r.next_cursor or None,
    )


class CallEdgeOut(BaseModel):
    caller: SymbolOut = Field(description="the calling definition (empty name: file-level code of caller.path)")
    callee: SymbolOut = Field(description="the called definition (no path: outside the repository)")
    depth: int = Field(description="1 for the symbol's own callers or callees")
    call_sites: list[PositionOut] = Field(description="where the calls are, in the caller's file")
    resolution: str


class CallHierarchyOutput(BaseModel):
    """Result of call_hierarchy: edges breadth first, level by level."""

    repo: str
    symbol: SymbolOut
    direction: str
    depth: int
    returned: int
    cut: bool = Field(description="the depth or the server's edge limit cut the hierarchy")
    completeness: CompletenessOut
    edges: list[CallEdgeOut]
    next_cursor: str | None = None


def call_edges(edges: Iterable[graph_pb2.CallEdge]) -> list[CallEdgeOut]:
    return [
        CallEdgeOut(
            caller=symbol(e.caller),
            callee=symbol(e.callee),
            depth=e.depth,
            call_sites=[PositionOut(line=s.start.line + 1, column=s.start.column + 1) for s in e.call_sites],
            resolution=_resolution(e.resolution) if e.resolution else "resolved",
        )
        for e in edges
    ]


class ImportEdgeOut(BaseModel):
    from_path: str
    to_path: str | None = Field(default=None, description="the imported file; null for a module outside the repository")
    module: str = Field(description="the module as written in the import")
    external: bool


class ExternalModuleOut(BaseModel):
    module: str
    count: int


class ImportGraphOutput(BaseModel):
    """Result of import_graph: edges breadth first, the cycles among the files reached, external modules."""

    repo: str
    path: str
    direction: str
    depth: int
    returned: int
    cut: bool = Field(description="the depth or the server's edge limit cut the graph")
    completeness: CompletenessOut
    cycles: list[list[str]] = Field(description="files that import each other, in cycle order")
    external_modules: list[ExternalModuleOut] = Field(
        description="modules from outside the repository, most used first"
    )
    edges: list[ImportEdgeOut]
    next_cursor: str | None = None


def import_edges(edges: Iterable[graph_pb2.ImportEdge]) -> list[ImportEdgeOut]:
    return [
        ImportEdgeOut(from_path=e.from_path, to_path=e.to_path or None, module=e.module, external=e.external)
        for e in edges
    ]


class OutlineDirectoryOut(BaseModel):
    path: str = Field(description="relative to the repository, ending in '/'")
    files: int
    definitions: int


class OutlineFileOut(BaseModel):
    path: str
    language: str
    symbols: list[SymbolOut]
    symbols_omitted: int = Field(description="definitions left out by the depth or the per-file cap")


class OutlineOutput(BaseModel):
    """Result of repo_outline: the directories directly under `path`, then its files and their symbols."""

    repo: str
    path: str
    total_files: int = Field(description="files directly under the path, in all pages")
    returned_files: int
    completeness: CompletenessOut
    directories: list[OutlineDirectoryOut]
    files: list[OutlineFileOut]
    next_cursor: str | None = None


def outline_output(repo: str, path: str, r: graph_pb2.OutlineResponse) -> OutlineOutput:
    return OutlineOutput(
        repo=repo,
        path=path,
        total_files=r.total_files,
        returned_files=len(r.files),
        completeness=completeness(r.completeness),
        directories=[OutlineDirectoryOut(path=d.path, files=d.files, definitions=d.definitions) for d in r.directories],
        files=[
            OutlineFileOut(
                path=f.path,
                language=f.language,
                symbols=[symbol(s) for s in f.symbols],
                symbols_omitted=f.symbols_omitted,
            )
            for f in r.files
        ],
        next_cursor=r.next_cursor or None,
    )


GraphOutput = (
    SearchSymbolsOutput
    | DefinitionOutput
    | ReferencesOutput
    | CallHierarchyOutput
    | ImportGraphOutput
    | OutlineOutput
    | IndexRepositoryOutput
)
