import asyncio

import pytest

from codeintel.kernel.errors import DeadlineExceeded, Overloaded, Unavailable
from coordinator.dispatch import Dispatcher


class W:
    def __init__(self, name, available=True):
        self.name, self.available, self.in_flight = name, available, 0


def run(coro):
    return asyncio.run(coro)


def test_least_loaded_worker_first():
    async def main():
        a, b = W("a"), W("b")
        d = Dispatcher("parse", [a, b], per_worker_concurrency=2, max_queue=10)
        w1, _ = await d.acquire(2, 1)
        w2, _ = await d.acquire(2, 1)
        assert {w1.name, w2.name} == {"a", "b"}  # spread, not piled on one
        w3, _ = await d.acquire(2, 1)
        w4, _ = await d.acquire(2, 1)
        assert w3 is not w4 and a.in_flight == b.in_flight == 2
        d.release(w3)
        w5, _ = await d.acquire(2, 1)
        assert w5 is w3  # the only one with a free slot

    run(main())


def test_unavailable_workers_are_skipped():
    async def main():
        a, b = W("a", available=False), W("b")
        d = Dispatcher("parse", [a, b], 4, 10)
        for _ in range(3):
            w, _ = await d.acquire(2, 1)
            assert w is b

    run(main())


def test_priority_order_then_fifo():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], per_worker_concurrency=1, max_queue=10)
        held, _ = await d.acquire(2, 1)
        order = []

        async def job(tag, prio):
            w, _ = await d.acquire(prio, 5)
            order.append(tag)
            await asyncio.sleep(0)
            d.release(w)

        tasks = [
            asyncio.create_task(job(t, p))
            for t, p in [("low1", 1), ("norm1", 2), ("high1", 3), ("norm2", 2), ("high2", 3), ("low2", 1)]
        ]
        await asyncio.sleep(0.01)
        assert d.depth == 6
        d.release(held)
        await asyncio.gather(*tasks)
        assert order == ["high1", "high2", "norm1", "norm2", "low1", "low2"]
        assert d.depth == 0

    run(main())


def test_full_queue_is_overloaded_with_retry_hint():
    async def main():
        a = W("a")
        d = Dispatcher("scan", [a], per_worker_concurrency=1, max_queue=2)
        await d.acquire(2, 1)
        waiters = [asyncio.create_task(d.acquire(2, 5)) for _ in range(2)]
        await asyncio.sleep(0.01)
        with pytest.raises(Overloaded) as ei:
            await d.acquire(2, 5)
        assert ei.value.retry_after > 0 and "queue is full" in str(ei.value)
        for t in waiters:
            t.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        assert d.depth == 0

    run(main())


def test_deadline_while_queued_frees_the_queue_entry():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], 1, 10)
        held, _ = await d.acquire(2, 1)
        with pytest.raises(DeadlineExceeded):
            await d.acquire(2, 0.05)
        assert d.depth == 0
        d.release(held)
        w, _ = await d.acquire(2, 1)  # the slot was not leaked to the timed-out waiter
        assert w is a and a.in_flight == 1

    run(main())


def test_fail_all_rejects_waiters():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], 1, 10)
        await d.acquire(2, 1)
        t = asyncio.create_task(d.acquire(2, 5))
        await asyncio.sleep(0.01)
        d.fail_all("no healthy parse worker")
        with pytest.raises(Unavailable):
            await t
        assert d.depth == 0

    run(main())


def test_a_flooding_tenant_does_not_starve_another_at_the_same_priority():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], per_worker_concurrency=1, max_queue=100)
        held, _ = await d.acquire(2, 1, tenant="flood")
        order = []

        async def job(tag, tenant):
            w, _ = await d.acquire(2, 5, tenant=tenant)
            order.append(tag)
            await asyncio.sleep(0)
            d.release(w, tenant)

        tasks = [asyncio.create_task(job(f"f{i}", "flood")) for i in range(20)]
        await asyncio.sleep(0.01)
        tasks += [asyncio.create_task(job(f"q{i}", "quiet")) for i in range(2)]
        await asyncio.sleep(0.01)
        assert d.queued_by_tenant == {"flood": 20, "quiet": 2}
        d.release(held, "flood")
        await asyncio.gather(*tasks)
        # the quiet tenant's items alternate with the flood's instead of waiting behind all 20
        assert order.index("q0") <= 1 and order.index("q1") <= 3, order
        assert order[-1].startswith("f") and d.depth == 0
        assert d.executing_by_tenant == {} and d.queued_by_tenant == {}

    run(main())


def test_priority_still_beats_fairness():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], per_worker_concurrency=1, max_queue=100)
        held, _ = await d.acquire(2, 1, tenant="x")
        order = []

        async def job(tag, tenant, prio):
            w, _ = await d.acquire(prio, 5, tenant=tenant)
            order.append(tag)
            d.release(w, tenant)

        tasks = [asyncio.create_task(job("low-idle", "idle", 1)), asyncio.create_task(job("high-busy", "x", 3))]
        await asyncio.sleep(0.01)
        d.release(held, "x")
        await asyncio.gather(*tasks)
        assert order == ["high-busy", "low-idle"]

    run(main())


def test_per_tenant_queue_cap():
    async def main():
        a = W("a")
        d = Dispatcher("scan", [a], per_worker_concurrency=1, max_queue=100, max_queued_per_tenant=2)
        held, _ = await d.acquire(2, 1, tenant="t")
        waiting = [asyncio.create_task(d.acquire(2, 5, tenant="t")) for _ in range(2)]
        await asyncio.sleep(0.01)
        with pytest.raises(Overloaded) as ei:
            await d.acquire(2, 5, tenant="t")
        assert "this tenant already has 2 scan items waiting" in str(ei.value)
        other = asyncio.create_task(d.acquire(2, 5, tenant="u"))  # another tenant is not capped by t's items
        await asyncio.sleep(0.01)
        assert d.queued_by_tenant == {"t": 2, "u": 1}
        d.release(held, "t")
        w, _ = await other
        assert w is a  # u had nothing executing: it goes first
        d.release(w, "u")
        for t in waiting:
            w, _ = await t
            d.release(w, "t")
        assert d.depth == 0 and d.executing_by_tenant == {}

    run(main())


def test_cancelled_waiter_leaves_no_trace():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], 1, 10)
        held, _ = await d.acquire(2, 1, tenant="t")
        task = asyncio.create_task(d.acquire(2, 5, tenant="t"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert d.depth == 0 and d.queued_by_tenant == {}
        d.release(held, "t")
        assert a.in_flight == 0 and d.executing_by_tenant == {}

    run(main())


def test_riders_count_against_the_caps_and_in_the_depth_but_take_no_place_in_the_order():
    async def main():
        a = W("a")
        d = Dispatcher("parse", [a], per_worker_concurrency=1, max_queue=4, max_queued_per_tenant=3)
        held, _ = await d.acquire(2, 1, tenant="t")
        group = asyncio.create_task(d.acquire(2, 5, tenant="t"))  # a micro-batch waiting for the slot
        await asyncio.sleep(0)
        d.board(2, "t")
        d.board(2, "t")  # two misses riding in it
        assert d.depth == 3 and d.depth_by_priority == {2: 3}
        with pytest.raises(Overloaded) as ei:
            d.board(2, "t")  # a third would be this tenant's fourth waiting item
        assert "this tenant already has 3 parse items waiting" in str(ei.value)
        with pytest.raises(Overloaded):
            await d.acquire(2, 5, tenant="t")
        other = asyncio.create_task(d.acquire(2, 5, tenant="u"))
        await asyncio.sleep(0)
        assert d.depth == 4
        with pytest.raises(Overloaded) as ei:
            d.board(2, "u")  # the whole queue is full, riders included
        assert "the parse queue is full" in str(ei.value)
        d.release(held, "t")
        w, _ = await other  # u had nothing executing: riders do not make t's group go first
        d.release(w, "u")
        w, _ = await group
        d.alight(2, "t")
        d.alight(2, "t")
        d.release(w, "t")
        assert d.depth == 0 and d.riding_by_tenant == {} and d.executing_by_tenant == {}

    run(main())
