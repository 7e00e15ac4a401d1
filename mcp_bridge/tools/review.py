"""The review_changes tool: what an edit broke or made worse (ReviewService).

The change is a unified diff (after side: the working tree under `repo`), a git revision range of
`repo` (base/head/staged; the default is the working tree against HEAD), or files with both
versions. The repository resolves under the allowed roots like the graph tools' `repo`; the
answer is summary first and cut to BridgeConfig.max_output_bytes, saying what was cut and how to
get the rest.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from codeintel.client import ClientError
from codeintel.client.requests import request_options
from codeintel.kernel import vocab
from codeintel.v1 import review_pb2 as r
from mcp_bridge.args import PriorityArg
from mcp_bridge.bridge import Bridge, CoordinatorError, guard, result, tool_annotations
from mcp_bridge.outputs import review as out
from mcp_bridge.tools.graph import GraphTools

SeverityName = Literal["info", "low", "medium", "high", "critical"]
MAX_FILE_CHARS = 2_000_000
NOTE_RESERVE = 512  # bytes kept for the note that says what was cut


class FileVersions(BaseModel):
    """One edited file with both versions (omit `before` for a new file, `after` for a deleted one)."""

    path: str = Field(min_length=1, max_length=4096, description="Path relative to `repo`, e.g. 'src/app.py'.")
    before: str | None = Field(default=None, max_length=MAX_FILE_CHARS, description="The content before the edit.")
    after: str | None = Field(default=None, max_length=MAX_FILE_CHARS, description="The content after the edit.")
    language: str | None = Field(default=None, max_length=64, description="Language id (default: from the path).")


def _error(exc: ClientError, repo: str | None) -> CoordinatorError:
    details, code = exc.details, exc.code
    if code == "INVALID_ARGUMENT":
        msg = f"{details}. Change the arguments: a diff must apply to the files under `repo` as they are now"
    elif code == "FAILED_PRECONDITION" and "--repo-roots" in details:
        msg = (
            f"reviews of a repository are off on the code-intelligence backend ({details}); pass `files` with both "
            "versions instead, which needs no repository"
        )
    elif code == "FAILED_PRECONDITION":
        msg = f"{details}. Pass `diff` or `files` instead of revisions"
    elif code == "PERMISSION_DENIED":
        msg = (
            f"the code-intelligence backend may not read {repo}: {details}. Pass `files` with both versions instead, "
            "or ask the operator to allow the directory"
        )
    elif code == "DEADLINE_EXCEEDED":
        msg = f"{details}. Pass a larger deadline_s, or review fewer files"
    else:
        msg = str(exc)
    return CoordinatorError(msg, code.lower())


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add review_changes to `server`."""
    paths = GraphTools(bridge)  # repository resolution under the allowed roots, as the graph tools do it

    @server.tool(
        name="review_changes",
        title="Review a change",
        description=(
            "After editing files: what the change broke or made worse. Compares the before and after versions of "
            "each changed file: new and fixed syntax errors, cyclomatic and cognitive complexity of each changed "
            "function before -> after, security findings new and fixed, duplicated blocks introduced, and (when the "
            "repository was indexed with index_repository) the callers and tests that reach each changed function. "
            "By default reviews the working tree of `repo` against git HEAD; or pass `base`/`head`/`staged`, a "
            "unified `diff`, or `files` with both versions. `failed` is true when fail_on matches a NEW finding or "
            "a new syntax error appeared. Summary first; lists are cut to fit and say so."
        ),
        annotations=tool_annotations("Review a change"),
    )
    @guard("review_changes")
    async def review_changes(
        repo: Annotated[
            str | None,
            Field(
                description="The repository's directory (relative to an allowed root, or absolute inside one). "
                "Default: the allowed root. Optional with `files`.",
                max_length=4096,
            ),
        ] = None,
        diff: Annotated[
            str | None,
            Field(
                description="A unified diff (git diff or diff -u output) whose after side is the working tree of "
                "`repo`.",
                max_length=8_000_000,
            ),
        ] = None,
        base: Annotated[
            str | None,
            Field(description="Old revision (branch, tag, commit, HEAD~1). Default: HEAD.", max_length=256),
        ] = None,
        head: Annotated[
            str | None,
            Field(description="New revision. Default: the working tree (uncommitted edits).", max_length=256),
        ] = None,
        staged: Annotated[bool, Field(description="Review the staged changes (the index) against base.")] = False,
        files: Annotated[
            list[FileVersions] | None,
            Field(description="Edited files with both versions (no git needed).", max_length=200),
        ] = None,
        fail_on: Annotated[
            SeverityName | None,
            Field(
                description="Mark the review failed on a NEW finding at or above this severity (or a new syntax error)."
            ),
        ] = None,
        caller_depth: Annotated[int, Field(ge=1, le=5, description="Levels of callers to follow.")] = 2,
        include_callers: Annotated[
            bool, Field(description="Look up callers and tests in the repository graph.")
        ] = True,
        max_items: Annotated[
            int, Field(ge=1, le=500, description="Most items per list (functions, findings, callers).")
        ] = 20,
        deadline_s: Annotated[
            float | None, Field(gt=0, le=600, description="Seconds the review may take; then a partial answer.")
        ] = None,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, out.ReviewOutput]:
        given = [name for name, v in (("diff", diff), ("files", files)) if v]
        if base or head or staged:
            given.append("base/head/staged")
        if len(given) > 1:
            raise ToolError(f"give one kind of change, not {' and '.join(given)}: `diff`, `files`, or base/head/staged")
        request = r.ReviewChangesRequest(
            options=r.ReviewOptions(caller_depth=caller_depth, include_callers=include_callers, max_items=max_items),
            request_options=request_options(priority),
        )
        if fail_on:
            request.options.fail_on = vocab.SEVERITY_VALUES[fail_on]
        root: str | None = None
        if files:
            if repo is not None or len(bridge.policy.roots) == 1:
                root = paths.resolve_repo(repo)
                request.root = root
            changed = []
            for f in files:
                if f.before is None and f.after is None:
                    raise ToolError(f"{f.path}: give `before`, `after` or both")
                rel = paths.repo_relative(f.path, root) if root else f.path
                status = (
                    r.CHANGE_STATUS_ADDED if f.before is None else r.CHANGE_STATUS_DELETED if f.after is None else 0
                )
                changed.append(
                    r.ChangedFile(
                        path=rel,
                        language=f.language or "",
                        before=(f.before or "").encode(),
                        after=(f.after or "").encode(),
                        status=status,  # type: ignore[arg-type]
                    )
                )
            request.files.CopyFrom(r.ChangedFiles(files=changed))
        else:
            root = paths.resolve_repo(repo)
            request.root = root
            if diff:
                request.diff = diff
            else:
                request.revisions.CopyFrom(r.RevisionRange(base=base or "", head=head or "", staged=staged))
        try:
            resp = await bridge.client.review_changes(request, timeout_s=deadline_s or 120.0)
        except ClientError as exc:
            raise _error(exc, root) from None
        model = out.review_output(root, resp)
        if model.completeness.graph == "not_indexed":
            model.notes.append("Call index_repository on the repository, then review again for callers and tests.")
        if resp.completeness.lists_truncated:
            model.notes.append(f"Lists were cut to max_items={max_items}; the summary counts everything.")
        if out.fit(model, bridge.config.max_output_bytes - NOTE_RESERVE):
            model.notes.append(
                "The result was cut to fit the size budget (callers, then the longest lists, then files: see "
                "files_omitted); review fewer files at a time (a `diff` or `files` of a few) to see them all."
            )
        return result(model, out.review_text(model))
