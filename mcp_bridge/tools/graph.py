"""Repository-graph tools: ``index_repository`` and the queries on its index — ``search_symbols``,
``go_to_definition``, ``find_references``, ``call_hierarchy``, ``import_graph``, ``repo_outline``.

The graph lives in the coordinator (GraphService: a persistent, incremental index per repository);
this module resolves the repository and file paths under the allowed roots, converts 1-based
positions to the protocol's 0-based ones, reports MCP progress per indexed batch, and shapes
summary-first results that fit BridgeConfig.max_output_bytes.

Pages: every query passes the coordinator's `next_cursor` through (a result too large for the
budget is asked for again with a smaller page, so no item is skipped); a cursor of another query is
refused by the coordinator.

Every answer states its completeness (files indexed, skipped, partial runs, languages without
facts); a repository never indexed is a tool error telling the model to call index_repository.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from codeintel.client import ClientError
from codeintel.client.requests import request_options
from codeintel.repo import BENIGN_SKIP_REASONS
from codeintel.v1 import common_pb2, graph_pb2
from mcp_bridge.args import PriorityArg
from mcp_bridge.bridge import Bridge, CoordinatorError, guard, result, tool_annotations
from mcp_bridge.outputs import graph as out
from mcp_bridge.paths import PathError, is_within
from mcp_bridge.text import (
    graph_calls_text,
    graph_definition_text,
    graph_imports_text,
    graph_index_text,
    graph_outline_text,
    graph_references_text,
    graph_search_text,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

SKIPPED_LISTED = 50  # skipped files worth a look, listed in an index_repository result
MatchName = Literal["exact", "prefix", "fuzzy"]
_MATCH = {
    "exact": graph_pb2.SYMBOL_MATCH_EXACT,
    "prefix": graph_pb2.SYMBOL_MATCH_PREFIX,
    "fuzzy": graph_pb2.SYMBOL_MATCH_FUZZY,
}
KindName = Literal[
    "function", "method", "class", "interface", "struct", "enum", "trait", "module", "type", "constructor", "impl"
]
_TARGET_HINT = (
    "Pass a qualified name (the `qualified_name` search_symbols gives, e.g. 'pkg.mod.Store.save'), or `path` + "
    "`line` + `column` (1-based) of an identifier."
)


class GraphTools:
    """The repository-graph tools' shared work: paths, calls with actionable errors, bounded pages."""

    def __init__(self, bridge: Bridge):
        self.bridge = bridge

    # ------------------------------------------------------------------ paths

    def resolve_repo(self, repo: str | None) -> str:
        """The real directory of `repo` (default: the single allowed root), inside the allowed roots."""
        try:
            real = self.bridge.policy.locate(repo, arg="repo", purpose="indexed")
        except PathError as exc:
            raise ToolError(str(exc)) from None
        if not os.path.isdir(real):
            raise ToolError(f"{repo!r} is a file; `repo` is the repository's directory (e.g. '.')")
        return real

    def repo_relative(self, path: str, repo: str) -> str:
        """`path` (relative to the repository or to an allowed root, or absolute) as the index names it."""
        if "\x00" in path:
            raise ToolError("`path` contains a NUL character")
        given = os.path.expanduser(path.strip())
        if os.path.isabs(given):
            full = os.path.realpath(given)
        else:
            candidates = [os.path.realpath(os.path.join(base, given)) for base in (repo, *self.bridge.policy.roots)]
            inside = [c for c in candidates if is_within(c, repo)]
            full = next((c for c in inside if os.path.exists(c)), inside[0] if inside else candidates[0])
        if not is_within(full, repo):
            raise ToolError(
                f"{path!r} is outside the repository {repo}; pass a path relative to it (or query the repository "
                "that holds the file with `repo`)"
            )
        rel = os.path.relpath(full, repo).replace(os.sep, "/")
        return "" if rel == "." else rel

    def target(
        self, repo: str, name: str | None, path: str | None, line: int | None, column: int | None
    ) -> tuple[graph_pb2.SymbolTarget, str]:
        """The SymbolTarget (0-based) and how to call it in messages."""
        position = path is not None or line is not None or column is not None
        if name is not None and name.strip():
            if position:
                raise ToolError("give either `name`, or `path` + `line` + `column`, not both")
            return graph_pb2.SymbolTarget(name=name.strip()), repr(name.strip())
        if path is None or line is None or column is None:
            raise ToolError(
                "missing input: give `name` (e.g. 'save', 'Store.save', 'pkg.mod.Store'), or `path` + `line` + "
                "`column` (1-based, as editors show them) of an identifier in an indexed file"
            )
        rel = self.repo_relative(path, repo)
        pos = common_pb2.Position(line=line - 1, column=column - 1)
        return graph_pb2.SymbolTarget(position=graph_pb2.FilePosition(path=rel, position=pos)), f"{rel}:{line}:{column}"

    # ------------------------------------------------------------------ calls

    async def call(self, coro: Awaitable[T], repo: str, target: str = "") -> T:
        """Await a GraphService call; a failure becomes a tool error saying what to do next."""
        try:
            return await coro
        except ClientError as exc:
            raise self.error(exc, repo, target) from None

    def error(self, exc: ClientError, repo: str, target: str = "") -> CoordinatorError:
        details, code = exc.details, exc.code
        if code == "FAILED_PRECONDITION" and "--repo-roots" in details:
            msg = (
                f"the repository graph is off on the code-intelligence backend ({details}). The graph tools cannot "
                "answer until the operator enables it; the other tools still work."
            )
        elif code == "FAILED_PRECONDITION":
            msg = (
                f"the repository {repo} has not been indexed yet: call index_repository with path={repo!r} first "
                "(later runs only re-read changed files), then repeat this call. If it lies inside a repository "
                "indexed already, pass that repository's directory as `repo` instead"
            )
        elif code == "NOT_FOUND":
            msg = (
                f"{details}. Check the spelling, or find the symbol with search_symbols (match='fuzzy'); a "
                "file changed since indexing? call index_repository again"
            )
        elif code == "INVALID_ARGUMENT":
            hint = _TARGET_HINT if target else "Change the arguments and try again."
            if "cursor" in details.lower():
                hint = "Pass `next_cursor` unchanged, with the same other arguments as the call that returned it."
            msg = f"{details}. {hint}"
        elif code == "PERMISSION_DENIED":
            msg = (
                f"the code-intelligence backend may not read {repo}: {details}. Its allowed directories (--repo-roots) "
                "do not cover this repository; only the operator can change that"
            )
        else:
            msg = str(exc)
        return CoordinatorError(msg, code.lower())

    def _fits(self, model: BaseModel) -> bool:
        return len(model.model_dump_json(by_alias=True)) <= self.bridge.config.max_output_bytes

    async def paged(
        self,
        rpc: str,
        request: Any,
        page_size: int,
        cursor: str | None,
        build: Callable[[Any], M],
        repo: str,
        target: str = "",
    ) -> tuple[M, list[str]]:
        """A paged query (Page in the request): the coordinator's page, asked for again with a smaller
        page_size while its result does not fit the byte budget (the cursor stays the coordinator's)."""
        size = page_size
        budget = self.bridge.config.max_output_bytes
        while True:
            request.page.CopyFrom(graph_pb2.Page(page_size=size, cursor=cursor or "", max_bytes=budget // 2))
            resp = await self.call(self.bridge.client.graph(rpc, request), repo, target)
            model = build(resp)
            if self._fits(model) or size <= 1:
                break
            size = max(1, size // 2)
        notes = [f"Note: page_size was lowered to {size} to fit the result size budget."] if size < page_size else []
        if isinstance(model, out.OutlineOutput) and not self._fits(model):
            notes.append(self._cut_outline(model))
        return model, notes

    def _cut_outline(self, model: out.OutlineOutput) -> str:
        """One page of one file can still be too large (a file of hundreds of symbols): halve the longest
        symbol list until it fits, counting the cut symbols in its symbols_omitted."""
        while not self._fits(model):
            longest = max(model.files, key=lambda f: len(f.symbols), default=None)
            if longest is None or len(longest.symbols) <= 1:
                break
            keep = len(longest.symbols) // 2
            longest.symbols_omitted += len(longest.symbols) - keep
            longest.symbols = longest.symbols[:keep]
        model.completeness.truncated = True
        return (
            "Note: symbol lists were cut to fit the result size budget (see symbols_omitted); search_symbols with "
            "`path_prefix` set to the file lists all of its symbols page by page."
        )

    # ------------------------------------------------------------------ index

    async def index(
        self,
        ctx: Context | None,
        *,
        path: str | None,
        include: list[str] | None,
        exclude: list[str] | None,
        rebuild: bool,
        max_files: int | None,
        deadline_s: float | None,
        priority: str,
    ) -> CallToolResult:
        repo = self.resolve_repo(path)
        deadline_s = deadline_s or self.bridge.config.repo.default_deadline_s
        request = graph_pb2.IndexRepositoryRequest(
            root=repo,
            include=include or [],
            exclude=exclude or [],
            rebuild=rebuild,
            max_files=max_files or 0,
            request_options=request_options(priority),
        )
        skipped: list[out.SkippedFileOut] = []
        skipped_total = 0
        summary: graph_pb2.IndexSummary | None = None
        try:
            async for event in self.bridge.client.index_repository(request, timeout_s=deadline_s):
                kind = event.WhichOneof("event")
                if kind == "progress":
                    if ctx is not None:
                        done, total = event.progress.files_done, event.progress.files_total
                        await ctx.report_progress(done, total, f"{done} of {total} files")
                elif kind == "skipped":
                    for f in event.skipped.files:
                        if f.reason in BENIGN_SKIP_REASONS:
                            continue
                        skipped_total += 1
                        if len(skipped) < SKIPPED_LISTED:
                            skipped.append(
                                out.SkippedFileOut(path=f.path, reason=out.skip_reason(f.reason), detail=f.message)
                            )
                elif kind == "summary":
                    summary = event.summary
        except ClientError as exc:
            raise self.error(exc, repo) from None
        if summary is None:
            raise CoordinatorError("the index run ended without a summary; call index_repository again", "internal")
        model = out.index_output(repo, summary, skipped, skipped_total)
        if summary.run.stopped == "deadline":
            model.notes.append(f"The deadline of {deadline_s:g} s stopped the run; pass a larger `deadline_s`.")
        while not self._fits(model) and model.skipped:
            model.skipped = model.skipped[: len(model.skipped) // 2]
        return result(model, graph_index_text(model))


# --------------------------------------------------------------------------- arguments

RepoArg = Annotated[
    str | None,
    Field(
        description="The repository: a directory indexed with index_repository, relative to an allowed root or "
        "absolute inside one. Default: the allowed root (when the server has one).",
        max_length=4096,
    ),
]
CursorArg = Annotated[
    str | None,
    Field(
        description="`next_cursor` of an earlier result (same other arguments): returns the next page.", max_length=2048
    ),
]
NameArg = Annotated[
    str | None,
    Field(
        description="A symbol name: 'save', 'Store.save' or a qualified name from search_symbols "
        "('pkg.mod.Store.save'). Or give `path` + `line` + `column` instead.",
        max_length=1024,
    ),
]
FileArg = Annotated[
    str | None,
    Field(
        description="With `line` + `column`: the file, relative to the repository (or an allowed root).",
        max_length=4096,
    ),
]
LineArg = Annotated[int | None, Field(ge=1, description="1-based line of an identifier in `path`.")]
ColumnArg = Annotated[int | None, Field(ge=1, description="1-based column (bytes of the line) of the identifier.")]

SearchPage = Annotated[
    int, Field(ge=1, le=500, description="Items per page (default 50; fewer if the result would be too large).")
]
EdgePage = Annotated[
    int, Field(ge=1, le=1000, description="Edges per page (default 100; fewer if the result would be too large).")
]
OutlinePage = Annotated[
    int, Field(ge=1, le=500, description="Files per page (default 50; fewer if the result would be too large).")
]


# --------------------------------------------------------------------------- registration


def register(server: MCPServer, bridge: Bridge) -> GraphTools:
    """Add index_repository and the graph queries to `server`; the GraphTools behind them is returned."""
    tools = GraphTools(bridge)

    @server.tool(
        name="index_repository",
        title="Index a repository for cross-file queries",
        description=(
            "Build or refresh the persistent code graph of a directory (definitions, references, calls, imports), "
            "honouring .gitignore. Only new and changed files are re-read; unchanged ones are reused. Call it once "
            "before search_symbols, go_to_definition, find_references, call_hierarchy, import_graph and "
            "repo_outline, and again after files change. Reports progress; `deadline_s` bounds the time (a partial "
            "index stays usable and says so)."
        ),
        annotations=tool_annotations("Index a repository for cross-file queries"),
    )
    @guard("index_repository")
    async def index_repository(
        path: Annotated[
            str | None,
            Field(
                description="The repository's directory, relative to an allowed root (e.g. '.', 'services/api') or "
                "absolute inside one. Default: the allowed root (when the server has one).",
                max_length=4096,
            ),
        ] = None,
        include: Annotated[
            list[str] | None,
            Field(description="Only files matching these gitignore-style patterns, e.g. ['src/**'].", max_length=100),
        ] = None,
        exclude: Annotated[
            list[str] | None,
            Field(description="Skip files matching these gitignore-style patterns, e.g. ['tests/**'].", max_length=100),
        ] = None,
        rebuild: Annotated[bool, Field(description="Drop the existing index first (a full rebuild).")] = False,
        max_files: Annotated[
            int | None, Field(ge=1, description="Most files to index (default: the server's limit).")
        ] = None,
        deadline_s: Annotated[
            float | None,
            Field(gt=0, le=3600, description="Seconds the indexing may take (default 300); then it stops, partial."),
        ] = None,
        priority: PriorityArg = "normal",
        *,
        mcp_context: Context | None = None,
    ) -> Annotated[CallToolResult, out.IndexRepositoryOutput]:
        return await tools.index(
            mcp_context,
            path=path,
            include=include,
            exclude=exclude,
            rebuild=rebuild,
            max_files=max_files,
            deadline_s=deadline_s,
            priority=priority,
        )

    @server.tool(
        name="search_symbols",
        title="Search symbols in a repository",
        description=(
            "Find definitions (functions, classes, methods, types, ...) by name across an indexed repository: exact, "
            "prefix (default, case-insensitive) or fuzzy. Filters by kind, language and path prefix. Best matches "
            "first, paginated (`cursor`). Needs index_repository first."
        ),
        annotations=tool_annotations("Search symbols in a repository"),
    )
    @guard("search_symbols")
    async def search_symbols(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=1024,
                description="A name or part of it; a dotted query ('Store.save') matches qualified names.",
            ),
        ],
        match: Annotated[MatchName, Field(description="How names are compared.")] = "prefix",
        kinds: Annotated[list[KindName] | None, Field(description="Only these kinds.", max_length=20)] = None,
        languages: Annotated[
            list[str] | None, Field(description="Only these languages, e.g. ['python', 'go'].", max_length=50)
        ] = None,
        path_prefix: Annotated[
            str | None,
            Field(description="Only files under this path of the repository, e.g. 'src/api/'.", max_length=4096),
        ] = None,
        repo: RepoArg = None,
        page_size: SearchPage = 50,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, out.SearchSymbolsOutput]:
        root = tools.resolve_repo(repo)
        request = graph_pb2.SearchSymbolsRequest(
            root=root,
            query=query,
            match=_MATCH[match],
            kinds=[f"SYMBOL_KIND_{k.upper()}" for k in kinds or ()],
            languages=languages or [],
            path_prefix=(path_prefix or "").strip().removeprefix("./"),
        )
        model, notes = await tools.paged(
            "SearchSymbols", request, page_size, cursor, lambda r: out.search_output(root, query, match, r), root
        )
        return result(model, "\n".join([graph_search_text(model), *notes]))

    @server.tool(
        name="go_to_definition",
        title="Go to definition",
        description=(
            "Where a symbol is defined, across files: give a `name` ('save', 'Store.save', a qualified name), or the "
            "`path` + `line` + `column` (1-based) of an identifier where it is used. Follows imports, re-exports, "
            "members and inheritance; says when the answer is ambiguous or matched by name only, or when the name "
            "comes from outside the repository. Needs index_repository first."
        ),
        annotations=tool_annotations("Go to definition"),
    )
    @guard("go_to_definition")
    async def go_to_definition(
        name: NameArg = None,
        path: FileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        repo: RepoArg = None,
        page_size: SearchPage = 50,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, out.DefinitionOutput]:
        root = tools.resolve_repo(repo)
        target, label = tools.target(root, name, path, line, column)
        request = graph_pb2.GetDefinitionRequest(root=root, target=target)
        model, notes = await tools.paged(
            "GetDefinition", request, page_size, cursor, lambda r: out.definition_output(root, label, r), root, label
        )
        return result(model, "\n".join([graph_definition_text(model), *notes]))

    @server.tool(
        name="find_references",
        title="Find references",
        description=(
            "Every use of a symbol across an indexed repository, each with its kind (call, read, type, inherit), the "
            "enclosing function or class and the source line. Give a `name` or `path` + `line` + `column` (1-based). "
            "A name with several definitions is refused with the candidates: use a qualified name. Uses matched "
            "by name only are counted, listed with include_name_only. Paginated (`cursor`)."
        ),
        annotations=tool_annotations("Find references"),
    )
    @guard("find_references")
    async def find_references(
        name: NameArg = None,
        path: FileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        include_name_only: Annotated[
            bool,
            Field(description="Also list uses matched by name only (attributes of objects whose type is unknown)."),
        ] = False,
        repo: RepoArg = None,
        page_size: SearchPage = 50,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, out.ReferencesOutput]:
        root = tools.resolve_repo(repo)
        target, label = tools.target(root, name, path, line, column)
        request = graph_pb2.FindReferencesRequest(root=root, target=target, include_name_only=include_name_only)
        model, notes = await tools.paged(
            "FindReferences", request, page_size, cursor, lambda r: out.references_output(root, r), root, label
        )
        return result(model, "\n".join([graph_references_text(model), *notes]))

    @server.tool(
        name="call_hierarchy",
        title="Call hierarchy",
        description=(
            "Who calls a function, method or class (direction 'callers'), or what it calls ('callees'), across "
            "files, up to `depth` levels (at most 5), breadth first with the call sites. Give a `name` or `path` + "
            "`line` + `column` (1-based). Paginated (`cursor`). Needs index_repository first."
        ),
        annotations=tool_annotations("Call hierarchy"),
    )
    @guard("call_hierarchy")
    async def call_hierarchy(
        name: NameArg = None,
        path: FileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        direction: Annotated[
            Literal["callers", "callees"], Field(description="'callers' (incoming) or 'callees' (outgoing).")
        ] = "callers",
        depth: Annotated[int, Field(ge=1, le=5, description="Levels to follow.")] = 1,
        include_name_only: Annotated[
            bool, Field(description="Also follow calls matched by name only (methods of objects of unknown type).")
        ] = False,
        repo: RepoArg = None,
        page_size: EdgePage = 100,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, out.CallHierarchyOutput]:
        root = tools.resolve_repo(repo)
        target, label = tools.target(root, name, path, line, column)
        request = graph_pb2.CallHierarchyRequest(
            root=root,
            target=target,
            direction=graph_pb2.CALL_DIRECTION_CALLERS if direction == "callers" else graph_pb2.CALL_DIRECTION_CALLEES,
            depth=depth,
            include_name_only=include_name_only,
        )

        def build(resp: graph_pb2.CallHierarchyResponse) -> out.CallHierarchyOutput:
            c = out.completeness(resp.completeness)
            return out.CallHierarchyOutput(
                repo=root,
                symbol=out.symbol(resp.symbol),
                direction=direction,
                depth=depth,
                returned=len(resp.edges),
                cut=resp.truncated,
                completeness=c,
                edges=out.call_edges(resp.edges),
                next_cursor=resp.next_cursor or None,
            )

        model, notes = await tools.paged("CallHierarchy", request, page_size, cursor, build, root, label)
        return result(model, "\n".join([graph_calls_text(model), *notes]))

    @server.tool(
        name="import_graph",
        title="Import graph",
        description=(
            "What a file or directory imports (direction 'imports') or which files import it ('imported_by'), up "
            "to `depth` levels, with the import cycles among the files reached and the modules from outside the "
            "repository. Omit `path` for the whole repository. Paginated (`cursor`). Needs index_repository first."
        ),
        annotations=tool_annotations("Import graph"),
    )
    @guard("import_graph")
    async def import_graph(
        path: Annotated[
            str | None,
            Field(description="A file or directory of the repository (default: all of it).", max_length=4096),
        ] = None,
        direction: Annotated[
            Literal["imports", "imported_by"], Field(description="'imports' or 'imported_by'.")
        ] = "imports",
        depth: Annotated[int, Field(ge=1, le=10, description="Levels to follow from the files under `path`.")] = 1,
        repo: RepoArg = None,
        page_size: EdgePage = 100,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, out.ImportGraphOutput]:
        root = tools.resolve_repo(repo)
        rel = tools.repo_relative(path, root) if path and path.strip() else ""
        request = graph_pb2.ImportGraphRequest(
            root=root,
            path=rel,
            direction=graph_pb2.IMPORT_DIRECTION_IMPORTED_BY
            if direction == "imported_by"
            else graph_pb2.IMPORT_DIRECTION_IMPORTS,
            depth=depth,
        )

        def build(resp: graph_pb2.ImportGraphResponse) -> out.ImportGraphOutput:
            c = out.completeness(resp.completeness)
            return out.ImportGraphOutput(
                repo=root,
                path=rel,
                direction=direction,
                depth=depth,
                returned=len(resp.edges),
                cut=resp.truncated,
                completeness=c,
                cycles=[list(cy.paths) for cy in resp.cycles],
                external_modules=[out.ExternalModuleOut(module=m.module, count=m.count) for m in resp.external_modules],
                edges=out.import_edges(resp.edges),
                next_cursor=resp.next_cursor or None,
            )

        model, notes = await tools.paged("ImportGraph", request, page_size, cursor, build, root)
        return result(model, "\n".join([graph_imports_text(model), *notes]))

    @server.tool(
        name="repo_outline",
        title="Repository outline",
        description=(
            "The shape of an indexed repository: the directories directly under `path` with their file and "
            "definition counts, then its files with their top-level symbols (depth 1 adds members). Start at the "
            "root and descend. Paginated by files (`cursor`). Needs index_repository first."
        ),
        annotations=tool_annotations("Repository outline"),
    )
    @guard("repo_outline")
    async def repo_outline(
        path: Annotated[
            str | None,
            Field(description="A directory or file of the repository (default: its root).", max_length=4096),
        ] = None,
        depth: Annotated[int, Field(ge=0, le=1, description="0: top-level symbols only; 1: members too.")] = 0,
        repo: RepoArg = None,
        page_size: OutlinePage = 50,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, out.OutlineOutput]:
        root = tools.resolve_repo(repo)
        rel = tools.repo_relative(path, root) if path and path.strip() else ""
        request = graph_pb2.OutlineRequest(root=root, path=rel, depth=depth)
        model, notes = await tools.paged(
            "Outline", request, page_size, cursor, lambda r: out.outline_output(root, rel, r), root
        )
        return result(model, "\n".join([graph_outline_text(model), *notes]))

    return tools
