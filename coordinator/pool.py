"""Worker pools: one per operation, each worker health-checked over grpc.health.v1."""

from __future__ import annotations

import asyncio
import logging
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeintel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.v1 import common_pb2, common_pb2_grpc, coordinator_pb2
from coordinator.dispatch import Dispatcher

log = logging.getLogger("codeintel.coordinator.pool")

SERVING = coordinator_pb2.WORKER_STATE_SERVING
NOT_SERVING = coordinator_pb2.WORKER_STATE_NOT_SERVING
DOWN = coordinator_pb2.WORKER_STATE_DOWN
UNKNOWN = coordinator_pb2.WORKER_STATE_UNSPECIFIED


class Worker:
    def __init__(self, service: str, address: str, stub_cls, max_message_bytes: int):
        self.service = service
        self.address = address
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
        return self.state == SERVING

    def mark_down(self, reason: str) -> None:
        if self.state != DOWN:
            log.warning("worker %s %s marked down: %s", self.service, self.address, reason)
        self.state = DOWN
        self.last_error = reason

    def to_pb(self) -> coordinator_pb2.Worker:
        return coordinator_pb2.Worker(
            service=self.service, address=self.address, state=self.state, version=self.version,
            in_flight=self.in_flight, calls=self.calls, failures=self.failures, last_error=self.last_error,
            last_check_unix_ms=self.last_check_ms,
        )


class Pool:
    """The workers of one operation, their health loop and their dispatcher."""

    def __init__(self, operation: str, service: str, stub_cls, addresses, config):
        self.operation = operation
        self.service = service
        self.config = config
        self.workers = [Worker(service, a, stub_cls, config.max_message_bytes) for a in addresses]
        self.dispatcher = Dispatcher(operation, self.workers, config.per_worker_concurrency, config.max_queue)
        self._tasks: list[asyncio.Task] = []
        self._last_serving = time.monotonic()

    # -- views -------------------------------------------------------------
    def versions(self) -> list[str]:
        """Versions reported by serving workers, most common first."""
        counts: dict[str, int] = {}
        for w in self.workers:
            if w.state == SERVING and w.version:
                counts[w.version] = counts.get(w.version, 0) + 1
        return sorted(counts, key=lambda v: -counts[v])

    @property
    def max_file_bytes(self) -> int:
        limits = [w.max_file_bytes for w in self.workers if w.state == SERVING]
        return min(limits) if limits else DEFAULT_MAX_FILE_BYTES

    @property
    def serving(self) -> int:
        return sum(1 for w in self.workers if w.state == SERVING)

    # -- health ------------------------------------------------------------
    def start(self) -> None:
        for w in self.workers:
            self._tasks.append(asyncio.create_task(self._watch(w), name=f"health {w.address}"))
        self._tasks.append(asyncio.create_task(self._starvation_guard(), name=f"guard {self.operation}"))

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(w.channel.close() for w in self.workers), return_exceptions=True)

    async def check(self, w: Worker) -> None:
        try:
            resp = await w.health.Check(health_pb2.HealthCheckRequest(service=self.service), timeout=1.0)
            if resp.status == health_pb2.HealthCheckResponse.SERVING:
                # Asked on every check: a worker replaced between two checks (an upgrade on the
                # same address) must not keep its predecessor's version, which keys the cache.
                info = await w.info.GetServiceInfo(common_pb2.GetServiceInfoRequest(), timeout=1.0)
                for s in info.services:
                    if s.service == self.service:
                        if w.version and s.version != w.version:
                            log.info("worker %s %s changed version %s -> %s", self.operation, w.address,
                                     w.version, s.version)
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

    async def _watch(self, w: Worker) -> None:
        while True:
            # Workers that are down are probed more often so a restarted one rejoins fast.
            await asyncio.sleep(self.config.health_interval if w.state == SERVING else min(0.25, self.config.health_interval))
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
