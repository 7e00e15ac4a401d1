"""The ``code_query`` tool: a tree-sitter query or an ast-grep pattern over a file, a directory or
inline code (QueryService.CodeQuery in the coordinator; the parse workers run it, cached by content).

Paths resolve under the bridge's allowed roots (symbolic links and '..' included) and the
coordinator walks them itself (its --repo-roots must cover them, as for the graph tools); inline
`code` is sent as one file. Results are summary-first and fit BridgeConfig.max_output_bytes: a page
that does not fit is asked for again with a smaller page_size (the cursor stays the coordinator's,
so no match is skipped). An invalid query is a tool error quoting the position and what to change.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import Field

from codeintel.client import ClientError
from codeintel.client.requests import request_options
from codeintel.v1 import graph_pb2, query_pb2
from mcp_bridge.args import PriorityArg
from mcp_bridge.bridge import Bridge, CoordinatorError, guard, result, tool_annotations
from mcp_bridge.outputs import query as out
from mcp_bridge.paths import PathError

_QUERY_HINT = (
    "Fix the query at that position and call code_query again. Node types and field names are the grammar's "
    "(tree-sitter's node-types.json; code_parse with include_ast shows the nodes of a sample), e.g. "
    '(call function: (identifier) @fn (#eq? @fn "open")) for Python.'
)
_PATTERN_HINT = (
    "A pattern is code of the language with $NAME for one node and $$$NAME for any number, e.g. eval($X) or "
    "foo($$$ARGS); it must parse as one complete expression or statement."
)


class QueryTools:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge

    def resolve(self, path: str | None) -> str:
        """The real file or directory of `path` (default: the single allowed root), inside the allowed roots."""
        try:
            return self.bridge.policy.locate(path, arg="path", purpose="searched (or send the source as `code`)")
        except PathError as exc:
            raise ToolError(str(exc)) from None

    def error(self, exc: ClientError, kind: str, target: str) -> CoordinatorError:
        details, code = exc.details, exc.code
        if code == "INVALID_ARGUMENT":
            if "cursor" in details.lower():
                hint = "Pass `next_cursor` unchanged, with the same other arguments as the call that returned it."
            elif "pattern" in details.lower() and kind == "pattern":
                hint = _PATTERN_HINT
            elif "language" in details.lower():
                hint = "Pass `language`, the language the query is written for (e.g. 'python')."
            else:
                hint = _QUERY_HINT
            return CoordinatorError(f"{details}. {hint}", "invalid_argument")
        if code == "FAILED_PRECONDITION":
            return CoordinatorError(
                f"the code-intelligence backend cannot walk directories ({details}); send the source as `code` instead",
                "failed_precondition",
            )
        if code == "PERMISSION_DENIED":
            return CoordinatorError(
                f"the code-intelligence backend may not read {target}: {details}. Only the operator can change its "
                "allowed directories (--repo-roots); send the source as `code` instead",
                "permission_denied",
            )
        return CoordinatorError(str(exc), code.lower())

    async def run(
        self,
        *,
        query: str | None,
        pattern: str | None,
        language: str | None,
        path: str | None,
        code: str | None,
        filename: str | None,
        include: list[str] | None,
        exclude: list[str] | None,
        page_size: int,
        cursor: str | None,
        max_matches: int | None,
        deadline_s: float | None,
        priority: str,
    ) -> CallToolResult:
        if bool(query and query.strip()) == bool(pattern and pattern.strip()):
            raise ToolError(
                "give exactly one of `query` (a tree-sitter S-expression, e.g. '(call function: (identifier) @fn)') "
                "and `pattern` (an ast-grep pattern, e.g. 'eval($X)')"
            )
        kind = "query" if query and query.strip() else "pattern"
        request = query_pb2.CodeQueryRequest(
            query=query or "" if kind == "query" else "",
            pattern=pattern or "" if kind == "pattern" else "",
            language=(language or "").strip(),
            max_matches=max_matches or 0,
            request_options=request_options(priority),
        )
        if code is not None:
            if path is not None:
                raise ToolError("give either `code` (source text) or `path` (a file or directory), not both")
            source = self.bridge.source(code, None, language, filename)
            if not source.path:
                source.path = "<code>"
            request.files.CopyFrom(query_pb2.CodeQueryFiles(files=[source]))
            target = "the code given"
        else:
            if not request.language:
                raise ToolError(
                    "`language` is needed with `path`: a query is written for one grammar (e.g. 'python'); only files "
                    "of that language are searched"
                )
            request.root = self.resolve(path)
            request.include.extend(include or [])
            request.exclude.extend(exclude or [])
            target = request.root
        budget = self.bridge.config.max_output_bytes
        timeout = deadline_s or self.bridge.config.repo.default_deadline_s
        size = page_size
        while True:
            request.page.CopyFrom(graph_pb2.Page(page_size=size, cursor=cursor or "", max_bytes=budget // 2))
            try:
                resp = await self.bridge.client.code_query(request, timeout_s=timeout)
            except ClientError as exc:
                raise self.error(exc, kind, target) from None
            model = out.query_output(kind, target, resp)
            if len(model.model_dump_json(by_alias=True)) <= budget or size <= 1:
                break
            size = max(1, size // 2)
        if size < page_size:
            model.notes.append(f"page_size was lowered to {size} to fit the result size budget.")
        if "deadline" in model.completeness.stopped:
            model.notes.append(f"The deadline of {timeout:g} s stopped the search; pass a larger `deadline_s`.")
        return result(model, out.query_text(model))


def register(server: MCPServer, bridge: Bridge) -> QueryTools:
    """Add code_query to `server`."""
    tools = QueryTools(bridge)

    @server.tool(
        name="code_query",
        title="Structural code search (tree-sitter query or ast-grep pattern)",
        description=(
            "Search code by syntax, not text: a tree-sitter query (S-expression with @captures and predicates such as "
            "#eq?/#match?, e.g. '(call function: (identifier) @fn (#eq? @fn \"open\"))') or an ast-grep pattern "
            "(code with metavariables, e.g. 'eval($X)', 'requests.get($URL, $$$REST)'). Over a file or directory "
            "under the allowed roots (honouring .gitignore; only files of `language`) or over inline `code`. "
            "Answers counts first, then a page of matches with each capture's position and text; `next_cursor` "
            "gives the next page. An invalid query is an error that names the line:column to fix."
        ),
        annotations=tool_annotations("Structural code search"),
    )
    @guard("code_query")
    async def code_query(
        query: Annotated[
            str | None,
            Field(description="A tree-sitter query (S-expression). Give this or `pattern`.", max_length=65536),
        ] = None,
        pattern: Annotated[
            str | None,
            Field(
                description="An ast-grep pattern: code with $X (one node) / $$$X (any number) metavariables; each "
                "named one becomes a capture. Give this or `query`.",
                max_length=65536,
            ),
        ] = None,
        language: Annotated[
            str | None,
            Field(
                description="The language the query or pattern is written for, e.g. 'python', 'typescript', 'go'. "
                "Required with `path`; with `code` it may be detected from `filename`.",
                max_length=64,
            ),
        ] = None,
        path: Annotated[
            str | None,
            Field(
                description="A file or directory relative to an allowed root (or absolute inside one). Default: the "
                "allowed root.",
                max_length=4096,
            ),
        ] = None,
        code: Annotated[str | None, Field(description="Source text to search instead of `path`.")] = None,
        filename: Annotated[
            str | None, Field(description="With `code`: a file name, for language detection.", max_length=1024)
        ] = None,
        include: Annotated[
            list[str] | None,
            Field(description="Only files matching these gitignore-style patterns, e.g. ['src/**'].", max_length=100),
        ] = None,
        exclude: Annotated[
            list[str] | None,
            Field(description="Skip files matching these gitignore-style patterns, e.g. ['tests/**'].", max_length=100),
        ] = None,
        page_size: Annotated[
            int,
            Field(ge=1, le=500, description="Matches per page (default 50; fewer if the result would be too large)."),
        ] = 50,
        cursor: Annotated[
            str | None,
            Field(
                description="`next_cursor` of an earlier result (same other arguments): the next page.", max_length=2048
            ),
        ] = None,
        max_matches: Annotated[
            int | None, Field(ge=1, le=100000, description="Most matches kept over all files (default 10,000).")
        ] = None,
        deadline_s: Annotated[
            float | None,
            Field(gt=0, le=3600, description="Seconds the search may take; then it stops and answers what it found."),
        ] = None,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, out.CodeQueryOutput]:
        return await tools.run(
            query=query,
            pattern=pattern,
            language=language,
            path=path,
            code=code,
            filename=filename,
            include=include,
            exclude=exclude,
            page_size=page_size,
            cursor=cursor,
            max_matches=max_matches,
            deadline_s=deadline_s,
            priority=priority,
        )

    return tools
