"""Our side of the graph benches: an in-process `send` (the parse domain with include_facts, no
RPC), a `send` over worker processes (what a parse worker pool does, without gRPC), and adapters
from codeintel.graph's Indexer + Queries to bench.graph.compare's questions.

The graph package follows the shared design (/tmp/graph-design.md, "Python API"):
`open_store(url)`, `Indexer(store, send).run(root, paths=...)`, `Queries(store, root).definition /
references / search / calls`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from bench.graph.compare import AMBIGUOUS, NAME_ONLY, NONE, RESOLVED, Def, DefAnswer, RefAnswer
from codeintel.kernel import errors
from codeintel.v1 import common_pb2, coordinator_pb2, graph_pb2, parse_pb2

KIND_NAMES = {
    parse_pb2.SYMBOL_KIND_FUNCTION: "function",
    parse_pb2.SYMBOL_KIND_METHOD: "method",
    parse_pb2.SYMBOL_KIND_CLASS: "class",
}
_RESOLUTION = {
    graph_pb2.RESOLUTION_RESOLVED: RESOLVED,
    graph_pb2.RESOLUTION_AMBIGUOUS: AMBIGUOUS,
    graph_pb2.RESOLUTION_NAME_ONLY: NAME_ONLY,
}
FACTS = parse_pb2.ParseOptions(include_facts=True)
PAGE = graph_pb2.Page(page_size=1000, max_bytes=64 << 20)


# ---------------------------------------------------------------- parsing (the worker's job)


def parse_file(path: str, language: str, content: bytes) -> parse_pb2.ParseFileResult:
    """What a parse worker answers for one file with include_facts: a result or a FileError."""
    from codeintel.kernel.source import prepare
    from codeintel.rpc.status import file_error
    from services.parse import domain, servicer

    try:
        src = prepare(path, language, content)
        outcome = domain.parse_source(src, include_facts=True)
        return parse_pb2.ParseFileResult(result=servicer.result_pb(outcome))
    except Exception as exc:  # noqa: BLE001 - a worker answers a FileError for one bad file
        return parse_pb2.ParseFileResult(error=file_error(exc))


def parse_batch_bytes(items: list[tuple[str, str, bytes]]) -> list[bytes]:
    """A batch in a worker process: serialised ParseFileResults (cheap to send back)."""
    return [parse_file(p, lang, data).SerializeToString() for p, lang, data in items]


def _response(results: Sequence[parse_pb2.ParseFileResult]) -> coordinator_pb2.CodeIntelServiceParseBatchResponse:
    return coordinator_pb2.CodeIntelServiceParseBatchResponse(
        results=list(results),
        info=coordinator_pb2.BatchInfo(cache=[coordinator_pb2.CACHE_STATUS_MISS] * len(results)),
    )


async def inprocess_send(files: list[common_pb2.SourceFile], timeout: float, options: Any = None) -> Any:
    """codeintel.repo.Send in this process (one thread): parse with facts, no RPC, no cache."""
    return _response(await asyncio.to_thread(lambda: [parse_file(f.path, f.language, f.content) for f in files]))


class ProcessSend:
    """codeintel.repo.Send over `workers` spawned processes: each batch is parsed in one of them."""

    def __init__(self, workers: int = 2):
        self.workers = workers
        self.pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        # Start the processes and load the grammars before any timing.
        list(self.pool.map(parse_batch_bytes, [[("warm.py", "python", b"def f():\n    return g()\n")]] * workers))

    async def __call__(self, files: list[common_pb2.SourceFile], timeout: float, options: Any = None) -> Any:
        items = [(f.path, f.language, f.content) for f in files]
        raw = await asyncio.get_running_loop().run_in_executor(self.pool, parse_batch_bytes, items)
        return _response([parse_pb2.ParseFileResult.FromString(b) for b in raw])

    def pids(self) -> list[int]:
        return [p.pid for p in getattr(self.pool, "_processes", {}).values() if p.pid is not None]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- the index and its queries


def graph_api() -> Any:
    """codeintel.graph, or None while it does not exist yet."""
    import types

    try:
        import codeintel.graph as g
    except ImportError:
        return None
    queries = getattr(g, "Queries", None)
    if queries is None:
        try:
            from codeintel.graph.queries import Queries as queries
        except ImportError:
            return None
    if not all(hasattr(g, n) for n in ("open_store", "Indexer")):
        return None
    return types.SimpleNamespace(open_store=g.open_store, Indexer=g.Indexer, Queries=queries)


class Ours:
    """One indexed root in a store of its own (`store_dir`, SQLite)."""

    def __init__(self, root: str, store_dir: str, send: Any = None, limits: Any = None):
        g = graph_api()
        if g is None:
            raise RuntimeError("codeintel.graph (open_store, Indexer, Queries) is not there yet")
        self.g = g
        self.root = os.path.realpath(root)
        self.store = g.open_store(f"sqlite:///{os.path.realpath(store_dir)}")
        self.send = send or inprocess_send
        self.limits = limits
        self.summary: graph_pb2.IndexSummary | None = None
        self._queries: Any = None

    def index(self, paths: Sequence[str] = (), rebuild: bool = False) -> graph_pb2.IndexSummary:
        return asyncio.run(self.index_async(paths, rebuild))

    async def index_async(self, paths: Sequence[str] = (), rebuild: bool = False) -> graph_pb2.IndexSummary:
        kw = {"limits": self.limits} if self.limits is not None else {}
        ix = self.g.Indexer(self.store, self.send, **kw)
        self.summary = await ix.run(self.root, paths=list(paths), rebuild=rebuild)
        self._queries = None
        return self.summary

    @property
    def queries(self) -> Any:
        if self._queries is None:
            self._queries = self.g.Queries(self.store, self.root)
        return self._queries

    # -- requests
    def _position(self, path: str, line: int, col: int) -> graph_pb2.SymbolTarget:
        return graph_pb2.SymbolTarget(
            position=graph_pb2.FilePosition(path=path, position=common_pb2.Position(line=line - 1, column=col))
        )

    def definition_at(self, path: str, line: int, col: int) -> DefAnswer:
        """GetDefinition at (path, 1-based line, byte col), every page."""
        req = graph_pb2.GetDefinitionRequest(root=self.root, target=self._position(path, line, col), page=PAGE)
        defs: list[Def] = []
        resolution = NONE
        external = ""
        while True:
            try:
                resp = self.queries.definition(req)
            except (errors.NotFound, errors.InvalidInput):
                return DefAnswer(NONE)
            if resp.definitions:
                resolution = _RESOLUTION.get(resp.resolution, NONE)
            external = external or resp.external
            defs.extend(
                Def(d.path, d.selection_range.start.line + 1, d.name, KIND_NAMES.get(d.kind, "other"))
                for d in resp.definitions
            )
            if not resp.next_cursor:
                break
            req.page.cursor = resp.next_cursor
        return DefAnswer(resolution if defs else NONE, tuple(defs), external)

    def references_of(self, path: str, line: int, col: int) -> RefAnswer:
        """FindReferences of the definition named at (path, 1-based line, byte col), default request
        (name-only uses left out), every page; AMBIGUOUS uses are kept (they are shown as such)."""
        req = graph_pb2.FindReferencesRequest(root=self.root, target=self._position(path, line, col), page=PAGE)
        uses: list[tuple[str, int, int]] = []
        omitted = 0
        while True:
            try:
                resp = self.queries.references(req)
            except (errors.NotFound, errors.InvalidInput):
                return RefAnswer(False)
            omitted = max(omitted, resp.name_only_omitted)
            uses.extend(
                (r.path, r.range.start.line + 1, r.range.start.column)
                for r in resp.references
                if r.resolution != graph_pb2.RESOLUTION_NAME_ONLY
            )
            if not resp.next_cursor:
                break
            req.page.cursor = resp.next_cursor
        return RefAnswer(True, tuple(uses), omitted)

    def explain(self, path: str, line: int, col: int) -> str:
        """The reference row the index holds at (path, 1-based line, byte col): receiver, symbolic
        target and flags as index-time resolution left them ("" when there is none)."""
        try:
            repo_row = self.store.repo(self.root)
            rows = repo_row.fetch(
                "SELECT r.receiver, r.tmod, r.tname, r.flags FROM refs r JOIN files f ON f.id = r.file_id "
                "WHERE r.repo_id = ? AND f.path = ? AND r.sl = ? AND r.sc = ?",
                (repo_row.id, path, line - 1, col),
            )
        except Exception:  # noqa: BLE001 - the schema is the store's business; this is a diagnostic
            return ""
        if not rows:
            return "no reference row"
        recv, tmod, tname, flags = rows[0]
        bits = [n for b, n in ((1, "super"), (2, "name-only"), (4, "external")) if flags & b]
        target = f"{tmod}:{tname}" if tmod is not None else "unresolved"
        return f"receiver={recv!r} target={target} flags={'|'.join(bits) or 0}"
