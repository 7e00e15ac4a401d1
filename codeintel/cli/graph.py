"""`codeintel index DIR` and the repository-graph queries (search, definition, references, callers,
callees, imports, outline): command line -> GraphService request -> text or JSON.

- ``plan(args)``: the request, built before any coordinator is reached; a usage error (a position
  that is not 1-based numbers, a path outside the repository, a cursor of another query) prints one
  line and gives exit status 2;
- ``run(args, address, plan)``: the call. `index` streams progress into the progress bar of the
  repository commands (codeintel.cli.repo) and ends with the summary; `--watch` then re-indexes the
  files that change until Ctrl-C. A failed call prints one line on stderr and gives exit status 1.

Positions on the command line are 1-based (line:column, the column counting bytes of the line), as
editors show them; the protocol's are 0-based. The JSON format prints the GraphService answer as is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format

from codeintel.cli import graph_output as text
from codeintel.cli import output
from codeintel.cli import repo as repo_cli
from codeintel.client import ClientError, CoordinatorClient, SyncCoordinatorClient
from codeintel.repo import BENIGN_SKIP_REASONS
from codeintel.v1 import common_pb2, graph_pb2
from codeintel.v1 import coordinator_pb2 as pb

QUERY_TIMEOUT_S = 120.0
NO_DEADLINE_S = 7 * 24 * 3600.0  # `index` without --deadline: the server's own limits end the run
_MATCH = {
    "exact": graph_pb2.SYMBOL_MATCH_EXACT,
    "prefix": graph_pb2.SYMBOL_MATCH_PREFIX,
    "fuzzy": graph_pb2.SYMBOL_MATCH_FUZZY,
}
_RPC = {
    "search": "SearchSymbols",
    "definition": "GetDefinition",
    "references": "FindReferences",
    "callers": "CallHierarchy",
    "callees": "CallHierarchy",
    "imports": "ImportGraph",
    "outline": "Outline",
}
# PATH:LINE:COL; LINE and COL are checked as numbers after the match, so "app.py:x:1" is refused
# (when app.py is a file: "ns::f" stays a name).
_POSITION = re.compile(r"^(?P<path>.+):(?P<line>[^:/]*):(?P<col>[^:/]*)$")


class UsageError(Exception):
    """A command line that cannot become a request; the message says what to change."""


@dataclass
class Plan:
    """What `run` sends: the request of `rpc` on the repository `root` (a real path)."""

    root: str
    rpc: str
    request: Any
    notes: list[str] = field(default_factory=list)


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def repo_path(path: str, root: str) -> str:
    """`path` (absolute, relative to the current directory, or relative to the repository) as the
    repository-relative, '/'-separated path the index knows; "" for the root itself."""
    if os.path.isabs(path):
        full = os.path.realpath(path)
    else:
        here, there = os.path.realpath(path), os.path.realpath(os.path.join(root, path))
        candidates = [c for c in (here, there) if os.path.exists(c)]
        full = next((c for c in candidates if _within(c, root)), candidates[0] if candidates else there)
    if not _within(full, root):
        raise UsageError(f"{path!r} is outside the repository {root} (--repo names another one)")
    rel = os.path.relpath(full, root).replace(os.sep, "/")
    return "" if rel == "." else rel


def symbol_target(arg: str, root: str) -> graph_pb2.SymbolTarget:
    """A name, or PATH:LINE:COL (1-based) as a 0-based FilePosition."""
    m = _POSITION.match(arg)
    if m is None:
        short = re.fullmatch(r"(.+):\d+", arg)
        if short and (os.path.isfile(short[1]) or os.path.isfile(os.path.join(root, short[1]))):
            raise UsageError(f"{arg!r}: a position needs a column too: PATH:LINE:COL (1-based), e.g. {arg}:1")
        return graph_pb2.SymbolTarget(name=arg)
    line, col = m["line"], m["col"]
    if not (re.fullmatch(r"-?\d+", line) and re.fullmatch(r"-?\d+", col)):
        path = m["path"]
        if not (os.path.isfile(path) or os.path.isfile(os.path.join(root, path))):
            return graph_pb2.SymbolTarget(name=arg)
        raise UsageError(
            f"{arg!r} is not a position: write PATH:LINE:COL with numbers (1-based), e.g. app.py:12:5, or give a name"
        )
    if int(line) < 1 or int(col) < 1:
        raise UsageError(
            f"{arg!r}: positions are 1-based (the first line is 1, the first column is 1), as editors show them"
        )
    position = common_pb2.Position(line=int(line) - 1, column=int(col) - 1)
    return graph_pb2.SymbolTarget(position=graph_pb2.FilePosition(path=repo_path(m["path"], root), position=position))


def _page(args: argparse.Namespace) -> graph_pb2.Page:
    return graph_pb2.Page(page_size=args.page_size, cursor=args.cursor)


def _root(args: argparse.Namespace) -> str:
    return os.path.realpath(args.repo or os.getcwd())


def _build(args: argparse.Namespace) -> Plan:
    if args.command == "index":
        if not os.path.isdir(args.dir):
            raise UsageError(f"{args.dir!r} is not a directory")
        root = os.path.realpath(args.dir)
        index = graph_pb2.IndexRepositoryRequest(
            root=root,
            include=args.include,
            exclude=args.exclude,
            max_files=args.max_files,
            rebuild=args.rebuild,
        )
        return Plan(root, "IndexRepository", index)
    root = _root(args)
    rpc = _RPC[args.command]
    request: Any
    if args.command == "search":
        request = graph_pb2.SearchSymbolsRequest(
            root=root,
            query=args.query,
            match=_MATCH[args.match],
            kinds=[f"SYMBOL_KIND_{k.upper()}" for k in args.kind],
            languages=args.language,
            path_prefix=args.path.removeprefix("./"),
            page=_page(args),
        )
    elif args.command == "definition":
        request = graph_pb2.GetDefinitionRequest(root=root, target=symbol_target(args.target, root), page=_page(args))
    elif args.command == "references":
        request = graph_pb2.FindReferencesRequest(
            root=root,
            target=symbol_target(args.target, root),
            include_name_only=args.name_only,
            page=_page(args),
        )
    elif args.command in ("callers", "callees"):
        request = graph_pb2.CallHierarchyRequest(
            root=root,
            target=symbol_target(args.target, root),
            direction=graph_pb2.CALL_DIRECTION_CALLERS
            if args.command == "callers"
            else graph_pb2.CALL_DIRECTION_CALLEES,
            depth=args.depth,
            include_name_only=args.name_only,
            page=_page(args),
        )
    elif args.command == "imports":
        request = graph_pb2.ImportGraphRequest(
            root=root,
            path=repo_path(args.path, root) if args.path else "",
            direction=graph_pb2.IMPORT_DIRECTION_IMPORTED_BY if args.reverse else graph_pb2.IMPORT_DIRECTION_IMPORTS,
            depth=args.depth,
            page=_page(args),
        )
    else:
        request = graph_pb2.OutlineRequest(
            root=root, path=repo_path(args.path, root) if args.path else "", depth=args.depth, page=_page(args)
        )
    return Plan(root, rpc, request)


def plan(args: argparse.Namespace) -> Plan | int:
    """The request of the command, or exit status 2 after one line saying what is wrong."""
    try:
        return _build(args)
    except UsageError as e:
        print(f"codeintel {args.command}: {e}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, address: str, plan: Plan) -> int:
    if args.command == "index":
        return _index(args, address, plan)
    with SyncCoordinatorClient(address, timeout_s=QUERY_TIMEOUT_S, api_key=args.api_key) as client:
        try:
            resp = client.graph(plan.rpc, plan.request)
        except ClientError as e:
            return output.call_failed(args.command, e)
    if args.format == "json":
        print(json.dumps(_as_dict(resp), indent=1))
        return 0
    print(_text(args, plan, resp))
    return 0


def _as_dict(message: Any) -> dict[str, Any]:
    """A GraphService message as JSON data: proto field names, zeros and empty lists included."""
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _edges_note(resp: Any) -> str:
    """Why a call hierarchy or import graph stops short of the whole graph, if it does."""
    if not resp.truncated:
        return ""
    return (
        "cut by the depth or the server's edge limit: a larger --depth shows more levels, a narrower query fewer edges"
    )


def _text(args: argparse.Namespace, plan: Plan, resp: Any) -> str:
    if args.command == "search":
        return text.search_text(resp, args.query, args.match)
    if args.command == "definition":
        return text.definition_text(resp, args.target)
    if args.command == "references":
        return text.references_text(resp)
    if args.command in ("callers", "callees"):
        return text.calls_text(resp, args.command, args.depth, resp.next_cursor, _edges_note(resp))
    if args.command == "imports":
        return text.imports_text(resp, plan.request.path, args.reverse, args.depth, resp.next_cursor, _edges_note(resp))
    return text.outline_text(resp, plan.request.path)


# --------------------------------------------------------------------------- index (and --watch)


def _index(args: argparse.Namespace, address: str, plan: Plan) -> int:
    timeout = args.deadline or NO_DEADLINE_S
    summary: graph_pb2.IndexSummary | None = None
    failed: list[tuple[str, str, str]] = []
    with repo_cli.progress_bar("index") as bar:
        task = bar.add_task("index", total=None)

        async def first_run(client: CoordinatorClient) -> graph_pb2.IndexSummary | None:
            async for event in client.index_repository(plan.request, timeout_s=timeout):
                kind = event.WhichOneof("event")
                if kind == "progress":
                    bar.update(task, completed=event.progress.files_done, total=event.progress.files_total)
                elif kind == "skipped":
                    failed.extend(
                        (f.path, text.skip_reason(f.reason), f.message)
                        for f in event.skipped.files
                        if f.reason not in BENIGN_SKIP_REASONS
                    )
                elif kind == "summary":
                    return event.summary
            return None

        try:
            summary = asyncio.run(_with_client(args, address, timeout, first_run))
        except KeyboardInterrupt:
            print("codeintel index: interrupted", file=sys.stderr)
            return 130
        except ClientError as e:
            return output.call_failed("index", e)
    if summary is None:
        print("codeintel index: the coordinator ended the run without a summary; run it again", file=sys.stderr)
        return 1
    _print_summary(args, summary, plan.root)
    for line in text.failed_text(sorted(failed)):
        print(line, file=sys.stderr)
    partial = not summary.run.complete or bool(summary.run.stopped)
    if not args.watch:
        return 1 if partial else 0
    return _watch(args, address, plan)


async def _with_client(args: argparse.Namespace, address: str, timeout: float, work: Any) -> Any:
    client = CoordinatorClient(address, timeout_s=timeout, api_key=args.api_key)
    try:
        return await work(client)
    finally:
        await client.close()


def _print_summary(args: argparse.Namespace, summary: graph_pb2.IndexSummary, root: str) -> None:
    if args.format == "json":
        print(json.dumps(_as_dict(summary), indent=1), flush=True)
    else:
        print(text.index_text(summary, root), flush=True)


def _watch(args: argparse.Namespace, address: str, plan: Plan) -> int:
    """Re-index the files of the repository that change, one line per re-index, until Ctrl-C."""
    from codeintel import graph

    async def on_change(client: CoordinatorClient, paths: Sequence[str]) -> None:
        request = graph_pb2.IndexRepositoryRequest(
            root=plan.root,
            paths=list(paths),
            include=args.include,
            exclude=args.exclude,
            request_options=pb.RequestOptions(priority=pb.PRIORITY_HIGH),  # someone is waiting on it
        )
        t0 = time.monotonic()
        summary = None
        try:
            async for event in client.index_repository(request, timeout_s=args.deadline or QUERY_TIMEOUT_S):
                if event.WhichOneof("event") == "summary":
                    summary = event.summary
        except ClientError as e:
            print(f"codeintel index: re-indexing {len(paths)} files failed: {e.code}: {e.details}", file=sys.stderr)
            return
        if summary is None:
            return
        if args.format == "json":
            print(json.dumps(_as_dict(summary)), flush=True)  # one line per re-index (JSON Lines)
        else:
            print(text.reindex_line(summary, list(paths), time.monotonic() - t0), flush=True)

    async def watching(client: CoordinatorClient) -> None:
        stop, ready = asyncio.Event(), asyncio.Event()

        async def changed(paths: list[str]) -> None:
            await on_change(client, paths)

        async def announce() -> None:
            await ready.wait()
            print(f"codeintel index: watching {plan.root} for changes (Ctrl-C stops)", file=sys.stderr, flush=True)

        announcer = asyncio.ensure_future(announce())
        try:
            await graph.watch(
                plan.root, changed, stop_event=stop, include=args.include, exclude=args.exclude, ready=ready
            )
        finally:
            announcer.cancel()

    try:
        asyncio.run(_with_client(args, address, QUERY_TIMEOUT_S, watching))
    except KeyboardInterrupt:
        pass
    print("codeintel index: stopped watching", file=sys.stderr)
    return 0
