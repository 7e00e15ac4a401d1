"""Worker pools: one per operation, each worker health-checked over grpc.health.v1.

The membership changes while the coordinator runs (coordinator/discovery.py): a worker that
appears gets work only once a health check says SERVING; a worker that disappears is drained —
no new work, its calls in flight finish (or are retried elsewhere if it dies), then its channel
closes — so a shrinking pool loses no request."""

from __future__ import annotations

import asyncio
import logging
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.v1 import common_pb2, common_pb2_grpc, coordinator_pb2
from coordinator.dispatch import Dispatcher

log = logging.getLogger("codeintel.coordinator.pool")

SERVING = coordinator_pb2.WORKER_STATE_SERVING
NOT_SERVING = coordinator_pb2.WORKER_STATE_NOT_SERVING
DOWN = coordinator_pb2.WORKER_STATE_DOWN
UNKNOWN = coordinator_pb2.WORKER_STATE_UNSPECIFIED


def _serialize(message) -> bytes:
    return message.SerializeToString()


class Worker:
    def __init__(
        self,
        service: str,
        address: str,
        stub_cls,
        max_message_bytes: int,
        source: str = "static",
        on_change=None,
    ):
        self.on_change = on_change  # called when mark_down changes the state (the pool caches views of it)
        self.service = service
        self.address = address
        self.source = source  # "static", "file" or "dns:HOST:PORT"
        self.removed = False  # left the configured set: draining, never picked again
        self.channel = grpc.aio.insecure_channel(
            address,
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes),
                ("grpc.initial_reconnect_backoff_ms", 100),
                ("grpc.max_reconnect_backoff_ms", 1000),
                ("grpc.min_reconnect_backoff_ms", 100),
            ],
        )
        self.stub = stub_cls(self.channel)
        self._raw: dict[str, grpc.aio.UnaryUnaryMultiCallable] = {}
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self.info = common_pb2_grpc.InfoServiceStub(self.channel)
        self.state = UNKNOWN
        self.version = ""
        self.max_file_bytes = DEFAULT_MAX_FILE_BYTES
        self.in_flight = 0
        self.calls = 0
        self.failures = 0
        self.last_error = ""
        self.last_check_ms = 0

    @property
    def available(self) -> bool:
        return self.state == SERVING and not self.removed

    def raw(self, method: str, view) -> grpc.aio.UnaryUnaryMultiCallable:
        """`method` of the worker's service with its response read as `view` (coordinator/wire.py)."""
        call = self._raw.get(method)
        if call is None:
            call = self._raw[method] = self.channel.unary_unary(
                f"/{self.service}/{method}",
                request_serializer=_serialize,
                response_deserializer=view.FromString,
            )
        return call

    def mark_down(self, reason: str) -> None:
        if self.state != DOWN:
            log.warning("worker %s %s marked down: %s", self.service, self.address, reason)
            self.state = DOWN
            if self.on_change is not None:
                self.on_change()
        self.last_error = reason

    def to_pb(self) -> coordinator_pb2.Worker:
        return coordinator_pb2.Worker(
            service=self.service,
            address=self.address,
            state=self.state,
            version=self.version,
            in_flight=self.in_flight,
            calls=self.calls,
            failures=self.failures,
            last_error=self.last_error,
            last_check_unix_ms=self.last_check_ms,
            source=self.source,
            draining=self.removed,
        )


class Pool:
    """The workers of one operation, their health loop and their dispatcher."""

    def __init__(self, operation: str, service: str, stub_cls, addresses, config):
        self.operation = operation
        self.service = service
        self.config = config
        self.stub_cls = stub_cls
        self._derived: tuple[tuple[str, ...], int, int] | None = None  # see _view
        # Mutated in place: the dispatcher holds this very list.
        self.workers = [
            Worker(service, a, stub_cls, config.max_message_bytes, on_change=self._changed) for a in addresses
        ]
        self.dispatcher = Dispatcher(operation, self.workers, config.per_worker_concurrency, config.max_queue)
        self.draining: list[Worker] = []
        self._watchers: dict[Worker, asyncio.Task] = {}
        self._tasks: list[asyncio.Task] = []
        self._drains: set[asyncio.Task] = set()
        self._started = False
        self._last_serving = time.monotonic()

    # -- views -------------------------------------------------------------
    # Every call asks for these; they change only when a worker's health, version or membership does
    # (check, mark_down and update call _changed), so they are derived once per change: every call
    # scanning every worker cost a large pool measurably (docs/scaling.md).
    def _changed(self) -> None:
        self._derived = None

    def _view(self) -> tuple[tuple[str, ...], int, int]:
        derived = self._derived
        if derived is None:
            counts: dict[str, int] = {}
            limits = []
            for w in self.workers:
                if w.state == SERVING:
                    limits.append(w.max_file_bytes)
                    if w.version:
                        counts[w.version] = counts.get(w.version, 0) + 1
            derived = self._derived = (
                tuple(sorted(counts, key=lambda v: -counts[v])),
                min(limits) if limits else DEFAULT_MAX_FILE_BYTES,
                sum(1 for w in self.workers if w.available),
            )
        return derived

    def versions(self) -> tuple[str, ...]:
        """Versions reported by serving workers, most common first."""
        return self._view()[0]

    @property
    def max_file_bytes(self) -> int:
        return self._view()[1]

    @property
    def serving(self) -> int:
        return self._view()[2]

    # -- health ------------------------------------------------------------
    def start(self) -> None:
        self._started = True
        for w in self.workers:
            self._watch_worker(w)
        self._tasks.append(asyncio.create_task(self._starvation_guard(), name=f"guard {self.operation}"))

    def _watch_worker(self, w: Worker, check_first: bool = False) -> None:
        self._watchers[w] = asyncio.create_task(self._watch(w, check_first), name=f"health {w.address}")

    async def stop(self) -> None:
        tasks = self._tasks + list(self._watchers.values()) + list(self._drains)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(w.channel.close() for w in self.workers + self.draining), return_exceptions=True)

    # -- membership ----------------------------------------------------------
    def update(self, members: dict[str, str]) -> None:
        """Make the pool `members` (address -> source): add the new, drain the departed."""
        current = {w.address: w for w in self.workers}
        for address, source in members.items():
            w = current.get(address)
            if w is not None:
                w.source = source
                continue
            back = next((d for d in self.draining if d.address == address), None)
            if back is not None:  # came back before its drain ended: keep its channel and state
                self.draining.remove(back)
                back.removed, back.source = False, source
                self.workers.append(back)
                log.info("worker %s %s is back (source %s)", self.operation, address, source)
                self.dispatcher.wake()
                continue
            w = Worker(self.service, address, self.stub_cls, self.config.max_message_bytes, source, self._changed)
            self.workers.append(w)  # state UNKNOWN: not available until a health check passes
            log.info("worker %s %s added (source %s)", self.operation, address, source)
            if self._started:
                self._watch_worker(w, check_first=True)
        for w in [w for w in self.workers if w.address not in members]:
            self.workers.remove(w)
            w.removed = True
            self.draining.append(w)
            log.info("worker %s %s removed: draining %d call(s) in flight", self.operation, w.address, w.in_flight)
            task = asyncio.create_task(self._drain(w), name=f"drain {w.address}")
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        self._changed()

    async def _drain(self, w: Worker) -> None:
        # Calls in flight finish on the worker's own channel; one that fails UNAVAILABLE is retried by
        # the caller on a worker still in the pool.
        while w.in_flight > 0:
            await asyncio.sleep(0.05)
        if not w.removed or w not in self.draining:
            return  # re-added meanwhile
        self.draining.remove(w)
        watcher = self._watchers.pop(w, None)
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        await w.channel.close()
        log.info("worker %s %s drained and disconnected", self.operation, w.address)

    async def check(self, w: Worker) -> None:
        seen = (w.state, w.version, w.max_file_bytes)
        try:
            resp = await w.health.Check(health_pb2.HealthCheckRequest(service=self.service), timeout=1.0)
            if resp.status == health_pb2.HealthCheckResponse.SERVING:
                # Asked on every check: a worker replaced between two checks (an upgrade on the
                # same address) must not keep its predecessor's version, which keys the cache.
                info = await w.info.GetServiceInfo(common_pb2.GetServiceInfoRequest(), timeout=1.0)
                for s in info.services:
                    if s.service == self.service:
                        if w.version and s.version != w.version:
                            log.info(
                                "worker %s %s changed version %s -> %s", self.operation, w.address, w.version, s.version
                            )
                        w.version, w.max_file_bytes = s.version, s.max_file_bytes or DEFAULT_MAX_FILE_BYTES
                if w.state != SERVING:
                    log.info("worker %s %s serving (version %s)", self.operation, w.address, w.version)
                    w.state = SERVING
                    w.last_error = ""
                    self.dispatcher.wake()
            else:
                if w.state == SERVING:
                    log.info("worker %s %s is not serving (draining?)", self.operation, w.address)
                w.state = NOT_SERVING
        except grpc.aio.AioRpcError as e:
            w.mark_down(f"health check: {e.code().name}: {e.details()}")
        w.last_check_ms = int(time.time() * 1000)
        if (w.state, w.version, w.max_file_bytes) != seen:
            self._changed()

    async def _watch(self, w: Worker, check_first: bool = False) -> None:
        if check_first:
            await self.check(w)
        while True:
            # Workers that are down are probed more often so a restarted one rejoins fast.
            await asyncio.sleep(
                self.config.health_interval if w.state == SERVING else min(0.25, self.config.health_interval)
            )
            await self.check(w)

    async def _starvation_guard(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            if self.serving:
                self._last_serving = time.monotonic()
            elif time.monotonic() - self._last_serving > self.config.unavailable_after and self.dispatcher.depth:
                self.dispatcher.fail_all(
                    f"no healthy {self.operation} worker for {self.config.unavailable_after:.0f}s; retry later"
                )

    def unavailable_now(self) -> bool:
        """True when no worker has served for longer than the grace period."""
        return not self.serving and time.monotonic() - self._last_serving > self.config.unavailable_after
