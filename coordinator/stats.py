"""Counters and recent-latency windows behind AdminService.GetStats."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field

RECENT_WAIT_SECONDS = 10.0  # window of GetStats' queue_wait_p50_ms/p95_ms
# Queue waits: most are 0 (a free slot at once); the rest span milliseconds to the deadline.
QUEUE_WAIT_BOUNDS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Buckets:
    """A histogram as plain counts (one bisect and two additions per observation, no lock: the
    event loop is its only writer). /metrics exports it as a Prometheus histogram at scrape time."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...] = QUEUE_WAIT_BOUNDS):
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1  # Prometheus buckets are `<= le`
        self.sum += value

    @property
    def count(self) -> int:
        return sum(self.counts)


@dataclass
class OperationCounters:
    requests: int = 0
    files: int = 0
    errors: int = 0
    hits_l1: int = 0
    hits_l2: int = 0
    misses: int = 0
    merged: int = 0
    retries: int = 0
    rejected: int = 0
    coalesced_calls: int = 0  # worker batch calls that carried several callers' one-file misses
    coalesced_files: int = 0  # the misses they carried
    latencies: deque = field(default_factory=lambda: deque(maxlen=2048))
    queue_wait: dict = field(default_factory=dict)  # priority 1..3 -> Buckets of seconds waited for a worker
    recent_waits: deque = field(default_factory=lambda: deque(maxlen=4096))  # (monotonic time, seconds)

    def observe_wait(self, priority: int, seconds: float) -> None:
        # Without tenants any int reaches here: fold it into low..high so the keys stay three.
        priority = 1 if priority <= 1 else 3 if priority >= 3 else 2
        b = self.queue_wait.get(priority)
        if b is None:
            b = self.queue_wait[priority] = Buckets()
        b.observe(seconds)
        self.recent_waits.append((time.monotonic(), seconds))

    def recent_wait_ms(self, q: float, window: float = RECENT_WAIT_SECONDS) -> float:
        """Queue wait percentile over the last `window` seconds (time-bounded, unlike `latencies`:
        the autoscaler must see a queue that has emptied, not the waits of an old burst)."""
        since = time.monotonic() - window
        data = sorted(w for t, w in self.recent_waits if t >= since)
        if not data:
            return 0.0
        return data[min(len(data) - 1, int(q * len(data)))] * 1000.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000.0
