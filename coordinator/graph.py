"""GraphService: the repository graph, served by the coordinator.

The graph itself is codeintel.graph (store, indexer, resolution, queries; no grpc there). This
module adds what belongs to the coordinator:

- roots must resolve inside `--repo-roots` (the same check as RunRepository);
- facts come from the parse workers through `Coordinator.batch` in-process (ParseOptions with
  include_facts): the same caches, queue, priority and tenant caps as a ParseBatch call, billed per
  batch like one, except that the facts computed are not kept in the L1 cache (the index itself
  keeps them; a large repository would otherwise fill this process's L1 to its limit); 16 batches
  in flight, since each holds its slot while its rows are written;
- one index run per root at a time in this process (a second waits its turn; replicas sharing a
  PostgreSQL store are serialised by the store);
- store calls run in threads (asyncio.to_thread), never on the event loop;
- `--graph-watch`: roots indexed here are watched and changed files re-indexed as they change;
- counters for /metrics (GraphStats).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from codeintel import graph, repo
from codeintel.kernel import errors
from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.rpc.status import aio_guard, aio_stream_guard, status_for
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import graph_pb2, graph_pb2_grpc, parse_pb2
from coordinator import repository
from coordinator.admission import Gatekeeper
from coordinator.core import ANONYMOUS, Caller, Coordinator
from coordinator.servicer import authorization
from coordinator.stats import Buckets

log = logging.getLogger("codeintel.coordinator.graph")

FACTS = parse_pb2.ParseOptions(include_facts=True)
QUERIES = ("search", "definition", "references", "calls", "imports", "outline")
# Query latencies: most answer in a few milliseconds; the tail is what an index without the right
# rows (or a cold SQLite page cache) costs.
QUERY_BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
INDEX_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
FILE_OUTCOMES = ("written", "unchanged", "removed", "skipped")
# Batches of an index run in flight: each holds its slot while its rows are written (one writer at a
# time), so more than a plain run's 4 keep the parse workers busy meanwhile.
IN_FLIGHT = 16


@dataclass
class GraphStats:
    """Counters behind the codeintel_graph_* metrics (written on the event loop only)."""

    index_runs: dict[str, int] = field(default_factory=lambda: {"complete": 0, "partial": 0, "failed": 0})
    index_seconds: Buckets = field(default_factory=lambda: Buckets(INDEX_BOUNDS))
    index_files: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILE_OUTCOMES, 0))
    queries: dict[tuple[str, str], int] = field(default_factory=dict)  # (query, "ok" | error code) -> count
    query_seconds: dict[str, Buckets] = field(default_factory=lambda: {q: Buckets(QUERY_BOUNDS) for q in QUERIES})
    watch_reindexes: int = 0

    def indexed(self, summary: graph_pb2.IndexSummary, seconds: float) -> None:
        self.index_runs["complete" if summary.run.complete else "partial"] += 1
        self.index_seconds.observe(seconds)
        self.index_files["written"] += summary.files_written
        self.index_files["unchanged"] += summary.files_unchanged
        self.index_files["removed"] += summary.files_removed
        self.index_files["skipped"] += summary.run.skipped

    def queried(self, query: str, outcome: str, seconds: float) -> None:
        self.queries[(query, outcome)] = self.queries.get((query, outcome), 0) + 1
        self.query_seconds[query].observe(seconds)


def _relative_paths(paths, root: str) -> tuple[str, ...]:
    out = []
    for p in paths:
        if not p or "\x00" in p:
            raise errors.InvalidInput("paths: an empty path or one with a NUL byte")
        full = os.path.realpath(os.path.join(root, p))
        if full != root and not full.startswith(root.rstrip(os.sep) + os.sep):
            raise errors.InvalidInput(f"paths: {p!r} lies outside the repository root")
        out.append(os.path.relpath(full, root).replace(os.sep, "/"))
    return tuple(out)


class GraphHost:
    """The coordinator's side of the repository graph. Jobs: open the store, check roots, run index
    runs (one per root at a time) with facts from the parse workers, answer queries in threads, watch
    indexed roots (`--graph-watch`), count what it does."""

    def __init__(self, core: Coordinator):
        self.core = core
        self.config = core.config
        self.stats = GraphStats()
        self._store: Any = None
        self._store_lock = asyncio.Lock()
        self._root_locks: dict[str, asyncio.Lock] = {}
        self._watchers: dict[str, tuple[asyncio.Task, asyncio.Event]] = {}

    async def store(self) -> Any:
        async with self._store_lock:
            if self._store is None:
                self._store = await asyncio.to_thread(graph.open_store, self.config.graph_store)
            return self._store

    async def stop(self) -> None:
        for task, stop in self._watchers.values():
            stop.set()
            task.cancel()
        await asyncio.gather(*(t for t, _ in self._watchers.values()), return_exceptions=True)
        self._watchers.clear()
        if self._store is not None:
            await asyncio.to_thread(self._store.close)
            self._store = None

    def root(self, path: str) -> tuple[str, str]:
        """(real root, the allowed root holding it); the same refusals as RunRepository."""
        if not self.config.repo_roots:
            raise errors.FailedPrecondition(
                "the repository graph is off on this coordinator: start it with --repo-roots DIR[,DIR] (env "
                "CODEINTEL_REPO_ROOTS) naming the directories that may be indexed"
            )
        return repository.allowed_root(path, self.config.repo_roots)

    async def index(
        self,
        request: graph_pb2.IndexRepositoryRequest,
        caller: Caller,
        *,
        time_remaining: float | None,
        charge: repository.Charge | None = None,
    ) -> AsyncIterator[graph_pb2.IndexRepositoryResponse]:
        """The events of one index run: progress first, skipped files as they come, the summary last."""
        root, holder = self.root(request.root)
        paths = _relative_paths(request.paths, root)
        limit = self.config.graph_max_files
        max_files = min(request.max_files, limit) if request.max_files else limit
        t0 = time.monotonic()
        deadline = None if time_remaining is None else t0 + time_remaining - repository._margin(time_remaining)
        store = await self.store()
        events: asyncio.Queue = asyncio.Queue(maxsize=repository.QUEUED_EVENTS)
        # The index keeps every file's facts itself (unchanged files are never sent again): they do
        # not go into the L1 cache too, which a large repository would fill (and hold) to its limit.
        send = repository.batch_sender(
            self.core, "parse", FACTS, request.request_options, caller, charge, store_l1=False
        )

        async def progress(done: int, total: int) -> None:
            await events.put(
                graph_pb2.IndexRepositoryResponse(progress=pb.RepositoryProgress(files_done=done, files_total=total))
            )

        async def on_skipped(skips: list[repo.Skip]) -> None:
            for chunk in repository.skipped_chunks(skips):
                await events.put(graph_pb2.IndexRepositoryResponse(skipped=chunk))

        lock = self._root_locks.setdefault(root, asyncio.Lock())
        summary: graph_pb2.IndexSummary | None = None

        async def work() -> None:
            nonlocal summary
            async with lock:
                indexer = graph.Indexer(
                    store,
                    send,
                    limits=self._limits(),
                    deadline=deadline,
                    progress=progress,
                    on_skipped=on_skipped,
                )
                summary = await indexer.run(
                    root,
                    include=tuple(request.include),
                    exclude=tuple(request.exclude),
                    paths=paths,
                    max_files=max_files,
                    rebuild=request.rebuild,
                    gitignore_stop=holder,
                )

        try:
            async for event in repository.drain(work(), events):
                yield event
        except BaseException:
            self.stats.index_runs["failed"] += 1
            raise
        assert summary is not None
        self.stats.indexed(summary, time.monotonic() - t0)
        yield graph_pb2.IndexRepositoryResponse(summary=summary)
        if self.config.graph_watch and not paths:
            self._watch(root, holder)

    def _limits(self) -> repo.RunLimits:
        pool = self.core.pools["parse"]
        return repo.RunLimits(
            batch_files=min(64, self.config.max_batch_files),
            in_flight=IN_FLIGHT,
            max_file_bytes=pool.max_file_bytes or DEFAULT_MAX_FILE_BYTES,
        )

    def _watch(self, root: str, holder: str) -> None:
        if root in self._watchers and not self._watchers[root][0].done():
            return
        stop = asyncio.Event()
        store_task = asyncio.ensure_future(self._watch_loop(root, holder, stop))
        self._watchers[root] = (store_task, stop)

    async def _watch_loop(self, root: str, holder: str, stop: asyncio.Event) -> None:
        async def on_change(paths: list[str]) -> None:
            request = graph_pb2.IndexRepositoryRequest(
                root=root, paths=paths, request_options=pb.RequestOptions(priority=pb.PRIORITY_HIGH)
            )
            try:
                async for _ in self.index(request, ANONYMOUS, time_remaining=self.config.default_deadline):
                    pass
                self.stats.watch_reindexes += 1
            except errors.CodeIntelError as exc:  # e.g. the root went away: say so, keep watching the rest
                log.warning("re-indexing %d changed files under %s failed: %s", len(paths), root, exc)

        try:
            await graph.watch(root, on_change, stop_event=stop)
        except asyncio.CancelledError:
            raise
        except Exception:  # the watcher itself failed (e.g. inotify limits): the index stays as it was
            log.exception("watching %s stopped", root)

    async def query(self, name: str, request: Any) -> Any:
        """Run one query (`name` in QUERIES) on the index of request.root, in a thread."""
        t0 = time.monotonic()
        outcome = "ok"
        try:
            root, _ = self.root(request.root)
            store = await self.store()
            queries = graph.Queries(store, root)
            return await asyncio.to_thread(getattr(queries, name), request)
        except errors.CodeIntelError as exc:
            outcome = status_for(exc).code.name.lower()  # the status the caller gets
            raise
        except Exception:
            outcome = "internal"
            raise
        finally:
            self.stats.queried(name, outcome, time.monotonic() - t0)


class GraphServicer(graph_pb2_grpc.GraphServiceServicer):
    """Thin gRPC face of GraphHost: admission, then the host; errors map to statuses in codeintel.rpc.status."""

    def __init__(self, host: GraphHost, gatekeeper: Gatekeeper):
        self.host = host
        self.gatekeeper = gatekeeper

    async def _query(self, name: str, request, context):
        ticket = await self.gatekeeper.admit(authorization(context), 0, 0)
        try:
            return await self.host.query(name, request)
        finally:
            ticket.release()

    @aio_stream_guard
    async def IndexRepository(self, request, context):
        # Admitted once like a batch call, before the root is looked at; each batch then bills the
        # tenant's rate and byte budget (repository.batch_sender).
        ticket = await self.gatekeeper.admit(authorization(context), request.request_options.priority, 0)
        request.request_options.priority = ticket.priority
        try:
            charge = (
                repository.tenant_charge(self.gatekeeper.limiter, ticket.tenant) if self.gatekeeper.enabled else None
            )
            async for event in self.host.index(
                request, ticket.caller, time_remaining=context.time_remaining(), charge=charge
            ):
                yield event
        finally:
            ticket.release()

    @aio_guard
    async def SearchSymbols(self, request, context):
        return await self._query("search", request, context)

    @aio_guard
    async def GetDefinition(self, request, context):
        return await self._query("definition", request, context)

    @aio_guard
    async def FindReferences(self, request, context):
        return await self._query("references", request, context)

    @aio_guard
    async def CallHierarchy(self, request, context):
        return await self._query("calls", request, context)

    @aio_guard
    async def ImportGraph(self, request, context):
        return await self._query("imports", request, context)

    @aio_guard
    async def Outline(self, request, context):
        return await self._query("outline", request, context)
