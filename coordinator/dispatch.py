"""Priority queue in front of a worker pool (asyncio, no gRPC).

Work waits here, highest priority first and FIFO within a priority, until some healthy
worker has a free slot; the least-loaded such worker is chosen. The queue is bounded:
a full queue raises Overloaded (RESOURCE_EXHAUSTED with RetryInfo to the caller).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol

from codeintel.errors import DeadlineExceeded, Overloaded, Unavailable


class Slot(Protocol):
    in_flight: int

    @property
    def available(self) -> bool: ...


class Dispatcher:
    def __init__(self, name: str, workers: list, per_worker_concurrency: int, max_queue: int):
        self.name = name
        self.workers = workers
        self.limit = per_worker_concurrency
        self.max_queue = max_queue
        self._heap: list[tuple[int, int, asyncio.Future]] = []
        self._seq = itertools.count()
        self._rr = 0
        self.depth_by_priority: dict[int, int] = {}

    @property
    def depth(self) -> int:
        return sum(self.depth_by_priority.values())

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
        return best

    async def acquire(self, priority: int, timeout: float):
        """Wait for a worker slot; the caller must `release()` it."""
        if not self._heap:
            w = self._pick()
            if w is not None:
                return w, 0.0
        if self.depth >= self.max_queue:
            raise Overloaded(
                f"the {self.name} queue is full ({self.max_queue} items waiting); retry shortly",
                retry_after=1.0,
            )
        if timeout <= 0:
            raise DeadlineExceeded("the deadline expired before the request could be queued")
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        heapq.heappush(self._heap, (-priority, next(self._seq), fut))
        self.depth_by_priority[priority] = self.depth_by_priority.get(priority, 0) + 1
        fut.priority = priority  # type: ignore[attr-defined]
        start = time.monotonic()
        try:
            w = await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.TimeoutError:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self.release(fut.result())  # granted at the last moment: hand the slot back
            else:
                fut.cancel()
                self._forget(fut)
            raise DeadlineExceeded(
                f"the deadline expired after {time.monotonic() - start:.2f}s waiting for a {self.name} worker"
            ) from None
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self.release(fut.result())
            else:
                fut.cancel()
                self._forget(fut)
            raise
        return w, time.monotonic() - start

    def _forget(self, fut) -> None:
        p = getattr(fut, "priority", None)
        if p is not None and not getattr(fut, "counted_out", False):
            fut.counted_out = True
            self.depth_by_priority[p] -= 1

    def release(self, worker) -> None:
        worker.in_flight -= 1
        self.wake()

    def wake(self) -> None:
        """Hand free slots to waiting work, highest priority first."""
        while self._heap:
            _, _, fut = self._heap[0]
            if fut.done():
                heapq.heappop(self._heap)
                self._forget(fut)
                continue
            w = self._pick()
            if w is None:
                return
            heapq.heappop(self._heap)
            self._forget(fut)
            fut.set_result(w)

    def fail_all(self, message: str) -> None:
        """Reject everything waiting (no worker has been healthy for too long)."""
        while self._heap:
            _, _, fut = heapq.heappop(self._heap)
            self._forget(fut)
            if not fut.done():
                fut.set_exception(Unavailable(message))
