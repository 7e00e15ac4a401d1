"""Counters and recent-latency windows behind AdminService.GetStats."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


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
    latencies: deque = field(default_factory=lambda: deque(maxlen=2048))

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000.0
