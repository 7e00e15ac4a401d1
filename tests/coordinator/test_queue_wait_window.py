"""GetStats' queue_wait_p50_ms/p95_ms: percentiles over a time window, so a drained queue reads 0."""

from __future__ import annotations

import time

from coordinator.stats import RECENT_WAIT_SECONDS, OperationCounters


def test_recent_wait_percentiles_in_milliseconds():
    c = OperationCounters()
    for ms in range(1, 101):  # 1 .. 100 ms
        c.observe_wait(2, ms / 1000)
    assert c.recent_wait_ms(0.5) == 51.0
    assert c.recent_wait_ms(0.95) == 96.0


def test_waits_older_than_the_window_are_ignored():
    c = OperationCounters()
    old = time.monotonic() - RECENT_WAIT_SECONDS - 1
    c.recent_waits.extend((old, 5.0) for _ in range(50))  # a burst that has passed
    assert c.recent_wait_ms(0.95) == 0.0
    c.observe_wait(2, 0.002)
    assert c.recent_wait_ms(0.95) == 2.0


def test_every_wait_also_lands_in_the_histogram():
    c = OperationCounters()
    c.observe_wait(2, 0.0)
    c.observe_wait(2, 0.3)
    assert c.queue_wait[2].count == 2 and len(c.recent_waits) == 2
