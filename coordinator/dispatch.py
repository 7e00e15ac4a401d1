"""Priority queue in front of a worker pool (asyncio, no gRPC), fair between tenants.

Work waits here until some healthy worker has a free slot; the least-loaded such worker is
chosen. Order: highest priority first; within a priority, the tenant with the smallest share of
the pool goes first — the fewest calls executing for it right now (Buildbarn's "executing + 1"
score) — and among equals the tenant served longest ago (round robin), then the oldest item. So
one tenant's flood cannot starve another at the same priority: the other waits for at most one
item per busy tenant, not for the whole flood. Each tenant's queued items are capped as well as the whole queue; a full queue raises
Overloaded (RESOURCE_EXHAUSTED with RetryInfo to the caller).

Riders (coordinator/coalesce.py) are items that wait inside another item of the same tenant and
priority, to go to the worker in the same call: they hold no place in the order, but they count
against both caps and in the depth, like the items they would have been.

Tenant ids are only dictionary keys here; they never become metric labels.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from typing import Protocol

from codeintel.kernel.errors import DeadlineExceeded, Overloaded, Unavailable


class Slot(Protocol):
    in_flight: int

    @property
    def available(self) -> bool: ...


class _Waiter:
    __slots__ = ("fut", "seq", "priority", "tenant", "queued")

    def __init__(self, fut: asyncio.Future, seq: int, priority: int, tenant: str):
        self.fut, self.seq, self.priority, self.tenant = fut, seq, priority, tenant
        self.queued = True


class Dispatcher:
    def __init__(
        self, name: str, workers: list, per_worker_concurrency: int, max_queue: int, max_queued_per_tenant: int = 0
    ):
        self.name = name
        self.workers = workers
        self.limit = per_worker_concurrency
        self.max_queue = max_queue
        self.max_queued_per_tenant = max_queued_per_tenant  # 0: only the whole queue is capped
        self._waiting: dict[int, dict[str, deque[_Waiter]]] = {}  # priority -> tenant -> FIFO
        self._seq = itertools.count()
        self._rr = 0
        self.depth_by_priority: dict[int, int] = {}
        self.queued_by_tenant: dict[str, int] = {}
        self.executing_by_tenant: dict[str, int] = {}
        self._last_grant: dict[str, int] = {}  # tenant -> tick of its latest grant (busy tenants only)
        self._tick = itertools.count(1)
        self.riding_by_tenant: dict[str, int] = {}
        self.in_flight = 0  # slots held, all workers

    @property
    def depth(self) -> int:
        return sum(self.depth_by_priority.values())

    def _admit(self, tenant: str, max_queued: int | None) -> None:
        """Overloaded when the queue, or this tenant's share of it, is full."""
        if self.depth >= self.max_queue:
            raise Overloaded(
                f"the {self.name} queue is full ({self.max_queue} items waiting); retry shortly",
                retry_after=1.0,
            )
        cap = self.max_queued_per_tenant if max_queued is None else max_queued
        if cap and self.queued_by_tenant.get(tenant, 0) + self.riding_by_tenant.get(tenant, 0) >= cap:
            raise Overloaded(
                f"this tenant already has {cap} {self.name} items waiting, its limit; retry shortly",
                retry_after=1.0,
            )

    def board(self, priority: int, tenant: str, max_queued: int | None = None) -> None:
        """Count an item that waits inside another one (see the module docstring); Overloaded when
        it would not have been queued on its own. Each board is matched by one `alight`."""
        self._admit(tenant, max_queued)
        self.depth_by_priority[priority] = self.depth_by_priority.get(priority, 0) + 1
        self.riding_by_tenant[tenant] = self.riding_by_tenant.get(tenant, 0) + 1

    def alight(self, priority: int, tenant: str) -> None:
        self.depth_by_priority[priority] -= 1
        left = self.riding_by_tenant[tenant] - 1
        if left:
            self.riding_by_tenant[tenant] = left
        else:
            del self.riding_by_tenant[tenant]

    def _pick(self):
        """Least-loaded available worker with a free slot; ties rotate."""
        best = None
        n = len(self.workers)
        for i in range(n):
            w = self.workers[(self._rr + i) % n]
            if w.available and w.in_flight < self.limit and (best is None or w.in_flight < best.in_flight):
                best = w
        if best is not None:
            self._rr = (self.workers.index(best) + 1) % n
            best.in_flight += 1
            self.in_flight += 1
        return best

    def _grant(self, tenant: str) -> None:
        self.executing_by_tenant[tenant] = self.executing_by_tenant.get(tenant, 0) + 1
        self._last_grant[tenant] = next(self._tick)

    async def acquire(self, priority: int, timeout: float, tenant: str = "", max_queued: int | None = None):
        """Wait for a worker slot; the caller must `release(worker, tenant)` it. `max_queued` caps this
        tenant's waiting items (default: the dispatcher's per-tenant cap)."""
        if not self._waiting:
            w = self._pick()
            if w is not None:
                self._grant(tenant)
                return w, 0.0
        self._admit(tenant, max_queued)
        if timeout <= 0:
            raise DeadlineExceeded("the deadline expired before the request could be queued")
        waiter = _Waiter(asyncio.get_running_loop().create_future(), next(self._seq), priority, tenant)
        self._waiting.setdefault(priority, {}).setdefault(tenant, deque()).append(waiter)
        self.depth_by_priority[priority] = self.depth_by_priority.get(priority, 0) + 1
        self.queued_by_tenant[tenant] = self.queued_by_tenant.get(tenant, 0) + 1
        start = time.monotonic()
        try:
            w = await asyncio.wait_for(asyncio.shield(waiter.fut), timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            fut = waiter.fut
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self.release(fut.result(), tenant)  # granted at the last moment: hand the slot back
            else:
                fut.cancel()
                self._unqueue(waiter)
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise DeadlineExceeded(
                f"the deadline expired after {time.monotonic() - start:.2f}s waiting for a {self.name} worker"
            ) from None
        return w, time.monotonic() - start

    def _unqueue(self, waiter: _Waiter) -> None:
        """Drop a waiter from the counters and its tenant's FIFO (idempotent)."""
        if not waiter.queued:
            return
        waiter.queued = False
        self.depth_by_priority[waiter.priority] -= 1
        left = self.queued_by_tenant[waiter.tenant] - 1
        if left:
            self.queued_by_tenant[waiter.tenant] = left
        else:
            del self.queued_by_tenant[waiter.tenant]
        by_tenant = self._waiting.get(waiter.priority, {})
        fifo = by_tenant.get(waiter.tenant)
        if fifo is not None:
            try:
                fifo.remove(waiter)
            except ValueError:
                pass
            if not fifo:
                del by_tenant[waiter.tenant]
        if not by_tenant:
            self._waiting.pop(waiter.priority, None)

    def release(self, worker, tenant: str = "") -> None:
        worker.in_flight -= 1
        self.in_flight -= 1
        left = self.executing_by_tenant.get(tenant, 0) - 1
        if left > 0:
            self.executing_by_tenant[tenant] = left
        else:
            self.executing_by_tenant.pop(tenant, None)
            if tenant not in self.queued_by_tenant:  # idle again: forget it (bounded state)
                self._last_grant.pop(tenant, None)
        self.wake()

    def _next(self) -> _Waiter | None:
        """Highest priority; within it the fewest executing calls, then the tenant served longest ago,
        then the oldest item."""
        while self._waiting:
            priority = max(self._waiting)
            by_tenant = self._waiting[priority]
            best: tuple[tuple[int, int, int], _Waiter] | None = None
            for tenant, fifo in by_tenant.items():
                head = fifo[0]
                key = (self.executing_by_tenant.get(tenant, 0) + 1, self._last_grant.get(tenant, 0), head.seq)
                if best is None or key < best[0]:
                    best = (key, head)
            if best is None:  # a priority level is deleted with its last tenant queue, so never empty
                raise AssertionError("empty priority level in the dispatcher")
            waiter = best[1]
            if waiter.fut.done():  # cancelled while queued
                self._unqueue(waiter)
                continue
            return waiter
        return None

    def wake(self) -> None:
        """Hand free slots to waiting work in fair order."""
        while True:
            waiter = self._next()
            if waiter is None:
                return
            w = self._pick()
            if w is None:
                return
            self._unqueue(waiter)
            self._grant(waiter.tenant)
            waiter.fut.set_result(w)

    def fail_all(self, message: str) -> None:
        """Reject everything waiting (no worker has been healthy for too long)."""
        for by_tenant in list(self._waiting.values()):
            for fifo in list(by_tenant.values()):
                for waiter in list(fifo):
                    self._unqueue(waiter)
                    if not waiter.fut.done():
                        waiter.fut.set_exception(Unavailable(message))
