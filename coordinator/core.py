"""The coordinator's work: cache lookups, merging identical in-flight work, splitting
batches across workers, the queue, deadlines and retries. No gRPC server code here;
outbound worker calls are grpc.aio stubs held by the pools."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from codeintel.kernel import errors, languages
from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.observability import tracing
from codeintel.rpc.status import file_error
from codeintel.v1 import common_pb2, coordinator_pb2, scan_pb2
from coordinator import wire
from coordinator.cache import LRUCache, cache_key, digest_cache_key
from coordinator.coalesce import Coalescer, Group
from coordinator.config import CoordinatorConfig
from coordinator.discovery import Discovery, split_entries
from coordinator.operations import BY_NAME, Operation
from coordinator.pool import Pool
from coordinator.stats import OperationCounters

log = logging.getLogger("codeintel.coordinator")

CS = coordinator_pb2  # CacheStatus values live here

if TYPE_CHECKING:
    from coordinator.l2cache import L2Cache

# A file still to compute: (index in the request, merge key, (service version, cache key) per version).
_Todo = tuple[int, bytes, list[tuple[str, bytes]]]
_PRIORITY_DEFAULT = coordinator_pb2.PRIORITY_NORMAL
# A file of a micro-batch that failed for a reason its own unary call reports with more detail (a
# BadRequest field: unknown language, binary content, ...) is sent again alone, so its caller gets
# exactly the answer it would have had; these three mean the same either way.
_SAME_ALONE = frozenset(
    {
        common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED,
        common_pb2.FILE_ERROR_CODE_UNAVAILABLE,
        common_pb2.FILE_ERROR_CODE_INTERNAL,
    }
)
_ALONE = object()  # a micro-batch member's outcome: send me again on my own


@dataclass
class Served:
    """One file's outcome plus how it was obtained."""

    result: bytes | None = None  # serialized result message
    error: common_pb2.FileError | None = None
    cache: coordinator_pb2.CacheStatus = CS.CACHE_STATUS_MISS
    worker: str = ""
    version: str = ""
    attempts: int = 0
    queue_wait: float = 0.0


@dataclass(frozen=True)
class Caller:
    """Who asked: the tenant ("" with authentication off), its cache namespace (None: results
    are shared), and its cap on queued items per operation (0: none)."""

    tenant: str = ""
    namespace: str | None = None
    queue_cap: int = 0


ANONYMOUS = Caller()
CHECKED_RULE_SETS = 32  # custom rule sets a scan worker has validated, remembered by content


class WorkerCallError(Exception):
    """A worker call failed with a status that must reach the caller as is."""

    def __init__(self, code: grpc.StatusCode, details: str | None, trailing: Any):
        super().__init__(details)
        self.code, self.details, self.trailing = code, details or "", trailing

    def violation_field(self) -> str:
        """The field the worker's google.rpc.BadRequest names ("" when it sent none)."""
        for key, value in self.trailing or ():
            if key != "grpc-status-details-bin":
                continue
            for detail in status_pb2.Status.FromString(value).details:
                bad = error_details_pb2.BadRequest()
                if detail.Unpack(bad) and bad.field_violations:
                    return bad.field_violations[0].field
        return ""

    def as_domain(self) -> errors.CodeIntelError:
        """The same failure as a domain error, for per-file reporting in batches."""
        if self.code == grpc.StatusCode.INVALID_ARGUMENT:
            return errors.InvalidInput(self.details, field=self.violation_field())
        if self.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            return errors.Overloaded(self.details)
        return errors.Unavailable(f"worker error {self.code.name}: {self.details}")


class Coordinator:
    def __init__(self, config: CoordinatorConfig):
        self.config = config
        self.started = time.monotonic()
        self.cache = LRUCache(config.cache_max_bytes)
        self.pools: dict[str, Pool] = {
            name: Pool(name, op.service, op.stub_cls, split_entries(config.workers.get(name, ()))[0], config)
            for name, op in BY_NAME.items()
        }
        self.discovery = Discovery(
            tuple(BY_NAME),
            config.workers,
            lambda op, members: self.pools[op].update(members),
            workers_file=config.workers_file,
            dns_interval=config.discovery_interval,
            file_interval=config.workers_file_interval,
        )
        self.counters = {name: OperationCounters() for name in BY_NAME}
        self.coalescers = {
            name: Coalescer(
                name, pool.dispatcher, config.micro_batch_files, config.batch_chunk_bytes, config.micro_batch_wait
            )
            for name, pool in self.pools.items()
        }
        self._checked_rules: OrderedDict[bytes, list[scan_pb2.Rule]] = OrderedDict()  # check_rules
        self._inflight: dict[bytes, asyncio.Future] = {}
        self.l2: L2Cache | None = None  # the shared Redis cache, when configured (see start)

    async def start(self) -> None:
        if self.config.redis_url and self.config.l2_cache:
            from coordinator.l2cache import L2Cache

            self.l2 = l2 = L2Cache(
                self.config.redis_url,
                ttl_seconds=self.config.l2_ttl,
                max_value_bytes=self.config.l2_max_value_bytes,
                timeout=self.config.redis_timeout,
            )
            l2.start()
        for pool in self.pools.values():
            pool.start()
        await self.discovery.start()  # DNS names and the workers file, before the first request
        for pool in self.pools.values():
            await asyncio.gather(*(pool.check(w) for w in pool.workers))

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.coalescers.values()))
        await self.discovery.stop()
        await asyncio.gather(*(p.stop() for p in self.pools.values()))
        if self.l2 is not None:
            await self.l2.stop(flush_timeout=2.0)  # pending writes are others' future hits

    # -- one file ------------------------------------------------------------
    def _keys(
        self, op: Operation, pool: Pool, f, options_bytes: bytes, caller: Caller
    ) -> tuple[bytes, list[tuple[str, bytes]]]:
        """(merge key, cache keys per known version) for one file; its content is hashed once for all."""
        sha = hashlib.sha256(f.content).digest()
        (_, merge), *keys = self._digest_keys(
            op, ("", *pool.versions()), f.path, f.language, options_bytes, sha, caller
        )
        return merge, keys

    @staticmethod
    def _digest_keys(
        op: Operation, versions, path: str, language: str, options_bytes: bytes, sha256: bytes, caller: Caller
    ) -> list[tuple[str, bytes]]:
        """(version, cache key) of a file known by its content's SHA-256, for each of `versions`: the one
        key derivation of batch calls and of lookups by digest."""
        lang = languages.normalize(language) if language else ""
        ns = caller.namespace or ""
        return [(v, digest_cache_key(op.name, v, path, lang, options_bytes, sha256, ns)) for v in versions]

    def _l1_hit(self, keys: list[tuple[str, bytes]]) -> Served | None:
        """The L1 cache's answer under any of a file's version keys (newest first), or None."""
        for version, key in keys:
            value = self.cache.get(key)
            if value is not None:
                return Served(result=value, cache=CS.CACHE_STATUS_HIT_L1, version=version)
        return None

    def _store(
        self,
        op: Operation,
        version: str,
        f,
        opts: bytes,
        payload: bytes,
        caller: Caller,
        l1: bool = True,
        keys: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    ) -> None:
        if not l1 and self.l2 is None:
            return  # no cache keeps it: no key to compute
        key = next((k for v, k in keys if v == version), None)  # the version looked up: its key is known
        if key is None:
            lang = languages.normalize(f.language) if f.language else ""
            key = cache_key(op.name, version, f.path, lang, opts, f.content, caller.namespace or "")
        if l1:
            self.cache.put(key, payload)
        if self.l2 is not None:
            self.l2.put(key, payload, caller.namespace)  # queued: never on the request's path

    def _precheck(self, pool: Pool, f) -> None:
        limit = pool.max_file_bytes or DEFAULT_MAX_FILE_BYTES
        if len(f.content) > limit:
            raise errors.FileTooLarge(f"{f.path or 'file'} is {len(f.content):,} bytes; the limit is {limit:,} bytes")

    async def unary(
        self, op_name: str, file, options, request_options, deadline: float, caller: Caller = ANONYMOUS
    ) -> Served:
        op = BY_NAME[op_name]
        pool, counters = self.pools[op_name], self.counters[op_name]
        counters.requests += 1
        counters.files += 1
        t0 = time.monotonic()
        try:
            self._precheck(pool, file)
            served = await self._serve_file(op, pool, counters, file, options, request_options, deadline, caller)
            counters.latencies.append(time.monotonic() - t0)
            return served
        except BaseException:
            counters.errors += 1
            raise

    async def list_rules(self, language: str, deadline: float, caller: Caller = ANONYMOUS, custom_rules=()):
        """The scan rules, as a healthy scan worker lists them (not cached: the answer is small), with
        `custom_rules` (RuleFiles) validated and listed too."""
        op = BY_NAME["scan"]
        response, *_ = await self._call(
            op,
            self.pools["scan"],
            self.counters["scan"],
            "ListRules",
            scan_pb2.ListRulesRequest(language=language, custom_rules=custom_rules),
            coordinator_pb2.RequestOptions(),
            deadline,
            caller,
        )
        return response

    async def check_rules(
        self, custom_rules, deadline: float, caller: Caller = ANONYMOUS, *, field: str = "options"
    ) -> list[scan_pb2.Rule]:
        """Custom rule files validated by a scan worker before any file is sent with them (so a broken
        rule refuses the call or run up front instead of failing every file); their rules (for SARIF).
        A bad file is InvalidInput naming `<field>.custom_rules[i]`. Valid sets are remembered by
        content (a run's batches check once)."""
        if not custom_rules:
            return []
        whole = scan_pb2.ListRulesRequest(custom_rules=custom_rules).SerializeToString(deterministic=True)
        key = hashlib.sha256(whole).digest()
        known = self._checked_rules.get(key)
        if known is not None:
            self._checked_rules.move_to_end(key)
            return known
        try:
            listed = await self.list_rules("", deadline, caller, custom_rules)
        except WorkerCallError as e:
            if e.code != grpc.StatusCode.INVALID_ARGUMENT:
                raise e.as_domain() from None
            violated = e.violation_field()
            raise errors.InvalidInput(
                e.details, field=f"{field}.{violated}" if violated.startswith("custom_rules") else field
            ) from None
        rules = [r for r in listed.rules if r.custom]
        self._checked_rules[key] = rules
        while len(self._checked_rules) > CHECKED_RULE_SETS:
            self._checked_rules.popitem(last=False)
        return rules

    async def _serve_file(self, op, pool, counters, file, options, request_options, deadline, caller) -> Served:
        opts = op.cache_options(options)
        merge_key, keys = self._keys(op, pool, file, opts, caller)
        if not request_options.bypass_cache:
            l1 = tracing.start("coordinator.cache.l1")
            hit = self._l1_hit(keys)
            tracing.end_lookup(l1, 0 if hit is None else 1, len(keys))
            if hit is not None:
                counters.hits_l1 += 1
                return hit
            pending = self._inflight.get(merge_key)
            if pending is not None:
                counters.merged += 1
                with tracing.span("coordinator.merged_wait"):  # the identical request's computation
                    served: Served = await asyncio.shield(pending)
                return Served(
                    result=served.result,
                    error=served.error,
                    cache=CS.CACHE_STATUS_MERGED,
                    version=served.version,
                    worker=served.worker,
                )
        counters.misses += 1
        fut = asyncio.get_running_loop().create_future()
        self._inflight[merge_key] = fut
        try:
            if self.l2 is not None and not request_options.bypass_cache and keys:
                found, _ = await self._l2_hits([keys], caller)
                if found:
                    counters.misses -= 1
                    counters.hits_l2 += 1
                    fut.set_result(found[0])
                    return found[0]
            served = await self._compute(op, pool, counters, file, options, opts, request_options, deadline, caller)
            if served.result is not None:
                self._store(op, served.version, file, opts, served.result, caller, keys=keys)
            fut.set_result(served)
            return served
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                # Our caller went away; those merged onto us get a retryable error, not a cancellation.
                exc_for_waiters: BaseException = errors.Unavailable(
                    "the identical request this one was merged with was cancelled; retry"
                )
            else:
                exc_for_waiters = exc
            fut.set_exception(exc_for_waiters)
            fut.exception()  # mark retrieved: merged waiters re-raise it themselves
            raise
        finally:
            if self._inflight.get(merge_key) is fut:
                del self._inflight[merge_key]

    # -- worker calls ----------------------------------------------------------
    async def _compute(
        self, op: Operation, pool: Pool, counters, file, options, opts: bytes, request_options, deadline, caller
    ) -> Served:
        """One file's miss, computed by a worker: micro-batched with concurrent misses of the same
        options, priority and caller (coordinator/coalesce.py), or alone."""
        priority = request_options.priority or _PRIORITY_DEFAULT
        if self.config.micro_batch_files > 1:

            async def send(group: Group) -> None:
                await self._send_group(op, pool, counters, options, priority, caller, group)

            try:
                served = await self.coalescers[op.name].submit(
                    (opts, priority, caller), file, deadline, priority, caller.tenant, caller.queue_cap, send
                )
            except errors.Overloaded:
                counters.rejected += 1  # per caller refused, whether its group or its boarding was
                raise
            if served is not _ALONE:
                return served
        response, worker, attempts, waited = await self._call(
            op,
            pool,
            counters,
            op.unary_method,
            op.worker_request([file], options, batch=False),
            request_options,
            deadline,
            caller,
            wire.BY_OPERATION[op.name],
        )
        return Served(
            result=response.result,
            worker=worker,
            version=response.service_version,
            attempts=attempts,
            queue_wait=waited,
        )

    async def _send_group(self, op: Operation, pool: Pool, counters, options, priority: int, caller, group: Group):
        """Send a group's misses still waiting (once it holds a worker slot): one as a unary call,
        several as one batch call; settle each member with its own outcome."""
        coalescer, views = self.coalescers[op.name], wire.BY_OPERATION[op.name]
        sent: list = []
        granted = [0.0]

        def prepare():
            granted[0] = time.monotonic()
            sent[:] = live = coalescer.close(group)
            if not live:
                return None
            batch = len(live) > 1
            if batch:
                counters.coalesced_calls += 1
                counters.coalesced_files += len(live)
            method, view = (op.batch_method, views.worker_batch) if batch else (op.unary_method, views.worker_unary)
            request = op.worker_request([m.file for m in live], options, batch=batch)
            return method, request, view, max(m.deadline for m in live)

        while True:
            try:
                out = await self._dispatch(op, pool, counters, priority, group.deadline, caller, prepare)
                break
            except errors.DeadlineExceeded:
                # Expired waiting for a slot by the deadline known when it started queueing; a member
                # that joined later with more time left is queued again.
                if not group.open or not any(m.waiting and m.deadline > time.monotonic() for m in group.members):
                    raise
        if out is None:
            return  # every caller left before a slot was free
        response, worker, attempts, _ = out
        if len(sent) == 1:
            sent[0].settle(
                Served(
                    result=response.result,
                    worker=worker,
                    version=response.service_version,
                    attempts=attempts,
                    queue_wait=max(granted[0] - sent[0].joined, 0.0),
                )
            )
            return
        if len(response.results) != len(sent):
            raise errors.CodeIntelError(
                f"worker {worker} returned {len(response.results)} results for {len(sent)} files"
            )
        for m, r in zip(sent, response.results, strict=True):
            if r.WhichOneof("outcome") == "result":
                m.settle(
                    Served(
                        result=r.result,
                        worker=worker,
                        version=response.service_version,
                        attempts=attempts,
                        queue_wait=max(granted[0] - m.joined, 0.0),
                    )
                )
                continue
            error = common_pb2.FileError.FromString(r.error)
            m.settle(Served(error=error, worker=worker, attempts=attempts) if error.code in _SAME_ALONE else _ALONE)

    async def _call(
        self,
        op: Operation,
        pool: Pool,
        counters,
        method: str,
        request,
        request_options,
        deadline: float,
        caller: Caller = ANONYMOUS,
        views: wire.Views | None = None,
    ):
        """Send one request to the least-loaded healthy worker (see `_dispatch`). With `views`, the
        response is read as its wire view: results stay bytes (coordinator/wire.py)."""
        view = None
        if views is not None:
            view = views.worker_unary if method == op.unary_method else views.worker_batch
        try:
            out = await self._dispatch(
                op,
                pool,
                counters,
                request_options.priority or _PRIORITY_DEFAULT,
                deadline,
                caller,
                lambda: (method, request, view, deadline),
            )
        except errors.Overloaded:
            counters.rejected += 1
            raise
        assert out is not None  # prepare never declines
        return out

    async def _dispatch(self, op: Operation, pool: Pool, counters, priority: int, deadline: float, caller, prepare):
        """Queue for the least-loaded healthy worker, then send what `prepare()` returns —
        (method, request, response view or None, deadline of the call), or None: nothing left to
        send, the slot goes back — (response, worker address, attempts, seconds queued). On
        UNAVAILABLE the worker is marked down and the call prepared again for another (all
        operations are pure, so retrying is safe)."""
        attempts = 0
        waited = 0.0
        last = ""
        while True:
            remaining = deadline - time.monotonic()
            if not pool.workers:
                raise errors.Unavailable(
                    f"this coordinator has no {op.name} workers configured"
                    + (" right now" if self.discovery.dynamic else "")
                )
            if pool.unavailable_now():
                raise errors.Unavailable(f"no healthy {op.name} worker; retry later")
            with tracing.span("coordinator.queue_wait") as queue_span:
                tracing.attribute(queue_span, "codeintel.priority", priority)
                worker, wait = await pool.dispatcher.acquire(priority, remaining, caller.tenant, caller.queue_cap)
            counters.observe_wait(priority, wait)
            waited += wait
            try:
                prepared = prepare()
                if prepared is None:
                    return None
                method, request, view, deadline = prepared
                attempts += 1
                worker.calls += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise errors.DeadlineExceeded("the deadline expired while the request was queued")
                response = await tracing.rpc(
                    getattr(worker.stub, method) if view is None else worker.raw(method, view),
                    request,
                    timeout=remaining,
                    operation=op.name,
                    address=worker.address,
                    attempt=attempts,
                )
                return response, worker.address, attempts, waited
            except grpc.aio.AioRpcError as e:
                code = e.code()
                # CANCELLED here comes from the worker's side (our own caller's cancellation raises
                # CancelledError instead): a worker stopping cancels calls it had not started yet.
                if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                    worker.failures += 1
                    worker.mark_down(f"{code.name}: {e.details()}")
                    last = e.details() or code.name
                    if attempts < self.config.max_attempts and deadline - time.monotonic() > 0:
                        counters.retries += 1
                        await asyncio.sleep(min(0.05 * 2 ** (attempts - 1), 0.5))
                        continue
                    raise errors.Unavailable(
                        f"{op.name} failed on {attempts} worker(s), last error: {last}; retry later"
                    ) from None
                if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise errors.DeadlineExceeded(
                        f"the deadline expired while a {op.name} worker was working"
                    ) from None
                if code == grpc.StatusCode.INTERNAL or code == grpc.StatusCode.UNKNOWN:
                    worker.failures += 1
                raise WorkerCallError(code, e.details(), e.trailing_metadata()) from None
            finally:
                pool.dispatcher.release(worker, caller.tenant)

    # -- batches ---------------------------------------------------------------
    async def batch(
        self,
        op_name: str,
        files,
        options,
        request_options,
        deadline: float,
        caller: Caller = ANONYMOUS,
        *,
        store_l1: bool = True,
    ) -> list[Served]:
        """Each file's outcome, in order. `store_l1=False`: results computed (or found in L2) for this
        batch are not put in the L1 cache (it is still read; L2 still gets them): a repository index
        keeps the facts of unchanged files itself, and holding every file of a large run here would
        only grow this process."""
        op = BY_NAME[op_name]
        pool, counters = self.pools[op_name], self.counters[op_name]
        counters.requests += 1
        counters.files += len(files)
        t0 = time.monotonic()
        if len(files) > self.config.max_batch_files:
            counters.errors += 1
            raise errors.InvalidInput(
                f"batch has {len(files)} files; the limit is {self.config.max_batch_files} per call — split it"
            )
        opts = op.cache_options(options)
        out: list[Served | None] = [None] * len(files)
        todo: list[_Todo] = []  # (file index, merge key, (version, cache key) per serving version)
        waits: list[tuple[int, asyncio.Future]] = []
        mine: dict[bytes, asyncio.Future] = {}
        limit = pool.max_file_bytes
        l1, l1_hits = tracing.start("coordinator.cache.l1"), 0
        for i, f in enumerate(files):
            if len(f.content) > limit:
                out[i] = Served(
                    error=file_error(
                        errors.FileTooLarge(
                            f"{f.path or 'file'} is {len(f.content):,} bytes; the limit is {limit:,} bytes"
                        )
                    )
                )
                continue
            merge_key, keys = self._keys(op, pool, f, opts, caller)
            if not request_options.bypass_cache:
                hit = self._l1_hit(keys)
                if hit is not None:
                    counters.hits_l1 += 1
                    l1_hits += 1
                    out[i] = hit
                    continue
                pending = self._inflight.get(merge_key) or mine.get(merge_key)
                if pending is not None:
                    counters.merged += 1
                    waits.append((i, pending))
                    continue
            counters.misses += 1
            fut = asyncio.get_running_loop().create_future()
            mine[merge_key] = fut
            self._inflight[merge_key] = fut
            todo.append((i, merge_key, keys))
        tracing.end_lookup(l1, l1_hits, len(files))

        try:
            if self.l2 is not None and not request_options.bypass_cache and todo:
                todo = await self._from_l2(todo, counters, out, mine, caller, store_l1)
            chunks = self._chunks(files, todo)
            await asyncio.gather(
                *(
                    self._run_chunk(
                        op,
                        pool,
                        counters,
                        files,
                        chunk,
                        options,
                        opts,
                        request_options,
                        deadline,
                        out,
                        mine,
                        caller,
                        store_l1,
                    )
                    for chunk in chunks
                )
            )
        finally:
            # Cancelled or failed midway: never leave merged waiters hanging on our futures.
            for key in list(mine):
                self._settle(mine, key, Served(error=file_error(errors.Unavailable("the request was cancelled"))))
        for i, fut in waits:
            try:
                s = await asyncio.shield(fut)
                out[i] = Served(
                    result=s.result, error=s.error, cache=CS.CACHE_STATUS_MERGED, version=s.version, worker=s.worker
                )
            except Exception as exc:  # noqa: BLE001 - the merged computation failed; report it for this file
                if isinstance(exc, WorkerCallError):
                    exc = exc.as_domain()
                out[i] = Served(error=file_error(exc), cache=CS.CACHE_STATUS_MERGED)
        counters.latencies.append(time.monotonic() - t0)
        done = [s for s in out if s is not None]
        if len(done) != len(out):  # every file is answered above: from a cache, a worker, or with its error
            raise AssertionError(f"{len(out) - len(done)} files of a batch left without an outcome")
        return done

    async def lookup(
        self, op_name: str, digests, options, request_options, deadline: float, caller: Caller = ANONYMOUS
    ) -> tuple[list[Served | None], bool]:
        """Each FileDigest's cached outcome (None: no cache holds it, the client must send the content)
        and whether the deadline cut the L2 lookup short. Only caches are read: nothing is computed,
        queued or merged, so a lookup costs a key derivation per file and at most one MGET. The keys are
        the batch call's (`digest_cache_key` over the same operation, options, path, language and the
        caller's namespace), so a digest finds exactly what a batch of that content by this caller's
        namespace stored — never another namespace's result."""
        op = BY_NAME[op_name]
        pool, counters = self.pools[op_name], self.counters[op_name]
        counters.requests += 1
        if len(digests) > self.config.max_batch_files:
            counters.errors += 1
            raise errors.InvalidInput(
                f"lookup has {len(digests)} files; the limit is {self.config.max_batch_files} per call — split it",
                field="files",
            )
        for i, d in enumerate(digests):
            if len(d.sha256) != 32:
                counters.errors += 1
                raise errors.InvalidInput(
                    f"files[{i}].sha256 is {len(d.sha256)} bytes; a SHA-256 digest is 32", field=f"files[{i}].sha256"
                )
        out: list[Served | None] = [None] * len(digests)
        if request_options.bypass_cache or not digests:
            return out, False
        opts = op.cache_options(options)
        versions = pool.versions()
        todo: list[tuple[int, list[tuple[str, bytes]]]] = []
        l1 = tracing.start("coordinator.cache.l1")
        for i, d in enumerate(digests):
            keys = self._digest_keys(op, versions, d.path, d.language, opts, d.sha256, caller)
            out[i] = self._l1_hit(keys)
            if out[i] is None:
                todo.append((i, keys))
        hits_l1 = len(digests) - len(todo)
        tracing.end_lookup(l1, hits_l1, len(digests))
        counters.hits_l1 += hits_l1
        partial = False
        if self.l2 is not None and todo:
            # Stop short of the deadline by a tenth of what is left, so the partial answer still
            # reaches the caller in time (it then sends those files' content instead).
            remaining = max(deadline - time.monotonic(), 0.0)
            hit, partial = await self._l2_hits([keys for _, keys in todo], caller, within=remaining * 0.9)
            for n, served in hit.items():
                out[todo[n][0]] = served
            counters.hits_l2 += len(hit)
        # A found file counts as a file served from a cache; the others are counted by the batch
        # call that brings their content, so files = hits + misses still holds across both calls.
        counters.files += sum(1 for s in out if s is not None)
        return out, partial

    async def _from_l2(
        self, todo: list[_Todo], counters, out, mine, caller: Caller, store_l1: bool = True
    ) -> list[_Todo]:
        """Answer what the L2 cache holds (one MGET for the whole batch); the rest is still to do."""
        hit, _ = await self._l2_hits([keys for _, _, keys in todo], caller, store_l1=store_l1)
        rest: list[_Todo] = []
        for n, (i, merge_key, keys) in enumerate(todo):
            served = hit.get(n)
            if served is None:
                rest.append((i, merge_key, keys))
                continue
            counters.misses -= 1
            counters.hits_l2 += 1
            out[i] = served
            self._settle(mine, merge_key, served)
        return rest

    async def _l2_hits(
        self,
        keyed: list[list[tuple[str, bytes]]],
        caller: Caller,
        *,
        store_l1: bool = True,
        within: float | None = None,
    ) -> tuple[dict[int, Served], bool]:
        """What the L2 cache holds for each entry of `keyed` (its version keys; one MGET for all), by
        the entry's position, backfilled into L1 (`store_l1`); and whether `within` seconds ran out
        first (then nothing is answered: what L2 holds is simply not looked at)."""
        assert self.l2 is not None  # only called when there is an L2
        flat = [(n, version, key) for n, keys in enumerate(keyed) for version, key in keys]
        l2 = tracing.start("coordinator.cache.l2")
        cut = False
        try:
            async with asyncio.timeout(within) as scope:
                found = await self.l2.get_many([key for _, _, key in flat], caller.namespace)
        except TimeoutError:
            if not scope.expired():
                raise
            found, cut = [None] * len(flat), True
        tracing.end_lookup_values(l2, found)
        hit: dict[int, Served] = {}
        for (n, version, key), value in zip(flat, found, strict=True):
            if value is not None and n not in hit:
                if store_l1:
                    self.cache.put(key, value)  # backfill L1
                hit[n] = Served(result=value, cache=CS.CACHE_STATUS_HIT_L2, version=version)
        return hit, cut

    def _chunks(self, files, todo: list[_Todo]) -> list[list[_Todo]]:
        chunks: list[list[_Todo]] = []
        cur: list[_Todo] = []
        size = 0
        for item in todo:
            n = len(files[item[0]].content)
            if cur and (len(cur) >= self.config.batch_chunk_files or size + n > self.config.batch_chunk_bytes):
                chunks.append(cur)
                cur, size = [], 0
            cur.append(item)
            size += n
        if cur:
            chunks.append(cur)
        return chunks

    async def _run_chunk(
        self,
        op,
        pool,
        counters,
        files,
        chunk,
        options,
        opts,
        request_options,
        deadline,
        out,
        mine,
        caller: Caller = ANONYMOUS,
        store_l1: bool = True,
    ):
        request = op.worker_request([files[i] for i, _, _ in chunk], options, batch=True)
        try:
            response, worker, attempts, waited = await self._call(
                op,
                pool,
                counters,
                op.batch_method,
                request,
                request_options,
                deadline,
                caller,
                wire.BY_OPERATION[op.name],
            )
            if len(response.results) != len(chunk):
                raise errors.CodeIntelError(
                    f"worker {worker} returned {len(response.results)} results for {len(chunk)} files"
                )
            version = response.service_version
            for (i, key, keys), r in zip(chunk, response.results, strict=True):
                s = Served(worker=worker, version=version, attempts=attempts, queue_wait=waited)
                if r.WhichOneof("outcome") == "result":
                    s.result = r.result
                    self._store(op, version, files[i], opts, s.result, caller, store_l1, keys)
                else:
                    s.error = common_pb2.FileError.FromString(r.error)
                out[i] = s
                self._settle(mine, key, s)
        except Exception as exc:  # noqa: BLE001 - the chunk's files get the error, other chunks go on
            if isinstance(exc, WorkerCallError):
                exc = exc.as_domain()
            err = file_error(exc)
            for i, key, _ in chunk:
                s = Served(error=err)
                out[i] = s
                self._settle(mine, key, s)

    def _settle(self, mine, key, served: Served) -> None:
        fut = mine.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(served)
        if self._inflight.get(key) is fut:
            self._inflight.pop(key, None)

    # -- admin -------------------------------------------------------------
    def stats(self) -> coordinator_pb2.GetStatsResponse:
        from codeintel import __version__

        ops = []
        for name, c in self.counters.items():
            pool = self.pools[name]
            ops.append(
                coordinator_pb2.OperationStats(
                    operation=name,
                    requests=c.requests,
                    files=c.files,
                    errors=c.errors,
                    cache_hits_l1=c.hits_l1,
                    cache_hits_l2=c.hits_l2,
                    cache_misses=c.misses,
                    merged=c.merged,
                    retries=c.retries,
                    rejected=c.rejected,
                    queue_depth=pool.dispatcher.depth,
                    in_flight=sum(w.in_flight for w in pool.workers + pool.draining),
                    latency_p50_ms=c.percentile(0.5),
                    latency_p99_ms=c.percentile(0.99),
                    queue_wait_p50_ms=c.recent_wait_ms(0.5),
                    queue_wait_p95_ms=c.recent_wait_ms(0.95),
                )
            )
        cc = self.cache.counters
        caches = [
            coordinator_pb2.CacheStats(
                tier="l1",
                entries=len(self.cache),
                bytes=self.cache.bytes,
                max_bytes=self.cache.max_bytes,
                hits=cc.hits,
                misses=cc.misses,
                evictions=cc.evictions,
            )
        ]
        if self.l2 is not None:
            l2 = self.l2.stats()
            caches.append(
                coordinator_pb2.CacheStats(
                    tier="l2",
                    hits=l2.get("hits", 0),
                    misses=l2.get("misses", 0),
                    errors=l2.get("errors", 0),
                    dropped_writes=l2.get("dropped_writes", 0) + l2.get("oversized", 0),
                )
            )
        workers = [w for p in self.pools.values() for w in p.workers]
        return coordinator_pb2.GetStatsResponse(
            version=__version__,
            uptime_seconds=time.monotonic() - self.started,
            operations=ops,
            caches=caches,
            workers_total=len(workers),
            workers_serving=sum(1 for w in workers if w.available),
        )

    def workers(self, service: str = "") -> list[coordinator_pb2.Worker]:
        return [
            w.to_pb()
            for p in self.pools.values()
            for w in p.workers + p.draining
            if not service or service in (p.service, p.operation)
        ]
