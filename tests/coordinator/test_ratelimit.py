import asyncio
import math
import os
import signal
import time

import pytest
import redis

from codeintel.kernel.errors import Overloaded, Unavailable
from coordinator import ratelimit as rl
from coordinator.ratelimit import Budget, ConcurrencyGate, MemoryLimiter, RedisLimiter, gcra
from coordinator.tenants import DEFAULT_TENANT, Tenant, Tier


def run(coro):
    return asyncio.run(coro)


def tier(rate=4.0, burst=3, bps=1000.0, bytes_burst=2000, max_concurrent=0):
    return Tier("t", rate, burst, bps, bytes_burst, max_concurrent, "normal")


class Clock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


# --- the arithmetic, on a fake clock -------------------------------------------------------


@pytest.mark.parametrize("rate, burst", [(3.0, 7), (50.0, 10), (0.1, 1), (1000.0, 2000), (7.0, 3)])
def test_exactly_burst_fits_then_one_per_interval(rate, burst):
    clock = Clock()
    lim = MemoryLimiter(clock)
    tr = tier(rate, burst, bps=0)
    for _ in range(burst):
        assert lim.check("a", tr, 0).allowed
    d = lim.check("a", tr, 0)
    assert not d.allowed and d.limit == "requests"
    assert d.retry_after == pytest.approx(1 / rate, rel=1e-6)
    assert lim.rejections_requests == 1 and lim.rejections_bytes == 0
    clock.t += d.retry_after * 0.999
    assert not lim.check("a", tr, 0).allowed
    clock.t += d.retry_after * 0.001
    assert lim.check("a", tr, 0).allowed
    assert not lim.check("a", tr, 0).allowed


def test_offered_four_times_the_rate_admits_burst_plus_rate_times_t():
    clock = Clock()
    lim = MemoryLimiter(clock)
    tr = tier(50.0, 10, bps=0)
    admitted = 0
    for i in range(600):  # 200/s for 3 s
        clock.t = 1000.0 + i / 200
        admitted += lim.check("a", tr, 0).allowed
    # GCRA admits n calls by time t while n <= burst + rate * t; the last offer is at t = 2.995 s.
    assert admitted == math.floor(10 + 50 * 2.995) == 159


def test_bytes_budget_big_files_cost_more():
    clock = Clock()
    lim = MemoryLimiter(clock)
    tr = tier(rate=1000.0, burst=1000, bps=1000.0, bytes_burst=4000)
    assert [lim.check("big", tr, 2000).allowed for _ in range(3)] == [True, True, False]
    d = lim.check("big", tr, 2000)
    assert d.limit == "bytes" and d.retry_after == pytest.approx(2.0)
    assert sum(lim.check("small", tr, 100).allowed for _ in range(50)) == 40
    assert lim.rejections_bytes == 12 and lim.rejections_requests == 0


def test_rejection_charges_nothing():
    clock = Clock()
    lim = MemoryLimiter(clock)
    tr = tier(rate=1.0, burst=2, bps=1000.0, bytes_burst=1000)
    assert lim.check("a", tr, 100).allowed and lim.check("a", tr, 100).allowed
    for _ in range(5):  # out of requests: the byte budget must stay untouched
        d = lim.check("a", tr, 100)
        assert not d.allowed and d.limit == "requests"
    assert d.remaining_bytes == pytest.approx(800)
    clock.t += 10
    assert lim.check("a", tr, 1000).allowed  # a full byte burst is still there


def test_both_budgets_short_reports_the_longer_wait():
    out = gcra(10.0, 10.5, 13.0, Budget.of(tier(rate=1.0, burst=1, bps=1.0, bytes_burst=2)), 1)
    assert not out.allowed and out.wait_requests == pytest.approx(0.5) and out.wait_bytes == pytest.approx(2.0)
    d = rl._decision(10.0, Budget.of(tier(rate=1.0, burst=1, bps=1.0, bytes_burst=2)), out)
    assert d.limit == "bytes" and d.retry_after == pytest.approx(2.0)


def test_oversize_call_waits_for_a_full_budget_then_goes_into_debt():
    clock = Clock()
    lim = MemoryLimiter(clock)
    tr = tier(rate=100.0, burst=100, bps=1000.0, bytes_burst=4000)
    assert lim.check("a", tr, 1000).allowed
    d = lim.check("a", tr, 10_000)  # never fits the burst: waits until the budget is full
    assert not d.allowed and d.limit == "bytes" and d.retry_after == pytest.approx(1.0)
    clock.t += 1.0
    assert lim.check("a", tr, 10_000).allowed
    d = lim.check("a", tr, 0)  # 10 s of debt minus the 4 s burst
    assert not d.allowed and d.retry_after == pytest.approx(6.0)
    clock.t += 6.0
    assert lim.check("a", tr, 0).allowed and not lim.check("a", tr, 1).allowed


def test_unlimited_tiers_and_dimensions():
    lim = MemoryLimiter(Clock())
    for _ in range(1000):
        assert lim.check("x", DEFAULT_TENANT.tier, 10**9) is rl.ALLOW
    only_bytes = tier(rate=0.0, bps=100.0, bytes_burst=100)
    assert sum(lim.check("y", only_bytes, 10).allowed for _ in range(100)) == 10
    only_requests = tier(rate=1.0, burst=5, bps=0.0)
    d = lim.check("z", only_requests, 10**12)
    assert d.allowed and d.remaining_bytes == math.inf and d.remaining_requests == pytest.approx(4)


def test_rejection_message_names_the_limit():
    tr = tier(rate=5.0, burst=10, bps=1e6, bytes_burst=4_000_000)
    assert (
        rl.rejection_message(rl.Decision(False, 0.25, "requests"), tr)
        == "rate limit of tier 't' exceeded: 5 requests/s (burst 10); retry in 0.25 s"
    )
    assert "1e+06 source bytes/s (burst 4000000)" in rl.rejection_message(rl.Decision(False, 2, "bytes"), tr)


# --- Redis ---------------------------------------------------------------------------------


def test_redis_lua_mirrors_python_bit_for_bit(redis_url):
    """Replays each script call in Python with the script's own clock reading: same doubles."""
    tr = tier(rate=7.0, burst=3, bps=333.0, bytes_burst=1000)
    budget = Budget.of(tr)

    async def main():
        r = redis.asyncio.Redis.from_url(redis_url)
        script = r.register_script(rl._LUA)
        tat_r = tat_b = 0.0
        agreed = 0
        for i, cost in enumerate([0, 50, 999, 1, 10_000, 7, 300, 0] * 6):
            reply = await script(keys=["m:r", "m:b"], args=rl._script_args(budget, cost))
            allowed, now, new_r, new_b, wait_r, wait_b = reply
            now = float(now)
            out = gcra(now, tat_r, tat_b, budget, cost)

            def past(x):  # an expired key reads as 0: the same as any TAT not after now
                return 0.0 if x <= now else x

            assert (out.allowed, past(out.tat_requests), past(out.tat_bytes), out.wait_requests, out.wait_bytes) == (
                allowed == 1,
                past(float(new_r)),
                past(float(new_b)),
                float(wait_r),
                float(wait_b),
            ), i
            tat_r, tat_b = out.tat_requests, out.tat_bytes
            agreed += out.allowed
            if i % 8 == 7:
                await asyncio.sleep(0.15)
        await r.aclose()
        return agreed

    admitted = run(main())
    assert 5 < admitted < 40  # the sequence exercised both outcomes


def test_redis_exactness_at_four_times_the_rate(redis_url):
    tr = tier(rate=50.0, burst=10, bps=0)

    async def main():
        lim = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        admitted, start = 0, time.monotonic()
        first = last = None
        for i in range(600):  # offered 200/s for 3 s
            delay = start + i / 200 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            t0 = time.monotonic()
            d = await lim.admit("exact", tr, 0)
            first = first or t0
            last = time.monotonic()
            admitted += d.allowed
        await lim.aclose()
        return admitted, last - first, lim

    admitted, elapsed, lim = run(main())
    expected = 10 + 50 * elapsed
    assert abs(admitted - expected) <= 0.02 * expected, (admitted, expected)
    assert lim.rejections_requests == 600 - admitted and lim.redis_errors == 0


# (seconds to sleep before, cost in bytes); decisions stay the same under 50 ms of stalls.
SEQUENCE = [
    (0, 100),
    (0, 100),
    (0, 1500),
    (0, 100),
    (0.1, 100),
    (0.2, 100),
    (0, 300),
    (0.5, 2500),
    (0, 10),
    (0.7, 10),
    (1.2, 10),
    (0.3, 800),
    (0, 800),
    (0, 10),
    (2.3, 2500),
    (0, 10),
    (0.3, 0),
]
EXPECTED = [
    (True, ""),
    (True, ""),
    (True, ""),
    (False, "requests"),
    (False, "requests"),
    (True, ""),
    (False, "requests"),
    (False, "bytes"),
    (True, ""),
    (True, ""),
    (True, ""),
    (True, ""),
    (True, ""),
    (True, ""),
    (True, ""),
    (False, "bytes"),
    (False, "bytes"),
]


def test_memory_and_redis_limiters_agree(redis_url):
    tr = tier()

    async def main():
        mem, red = MemoryLimiter(), RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        await red.admit("warm-up", tr, 0)  # connect and load the script before timing matters
        pairs, start, at = [], time.monotonic(), 0.0
        for pause, cost in SEQUENCE:
            at += pause
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            pairs.append((await mem.admit("s", tr, cost), await red.admit("s", tr, cost)))
        await red.aclose()
        return pairs, mem, red

    pairs, mem, red = run(main())
    assert [(m.allowed, m.limit) for m, _ in pairs] == EXPECTED
    assert [(r.allowed, r.limit) for _, r in pairs] == EXPECTED
    for m, r in pairs:
        # The two calls run back to back; allow for a scheduling stall between them.
        assert m.retry_after == pytest.approx(r.retry_after, abs=0.05)
        assert m.remaining_requests == pytest.approx(r.remaining_requests, abs=0.25)
    assert (mem.rejections_requests, mem.rejections_bytes) == (red.rejections_requests, red.rejections_bytes) == (3, 3)


def test_replicas_share_state_on_the_redis_clock(redis_url):
    tr = tier(rate=1.0, burst=5, bps=100.0, bytes_burst=1000)

    async def main():
        a = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        b = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        got = [(await (a if i % 2 else b).admit("shared", tr, 100)).allowed for i in range(7)]
        d = await b.admit("shared", tr, 0)
        await a.aclose(), await b.aclose()
        return got, d

    got, d = run(main())
    assert got == [True] * 5 + [False] * 2
    assert not d.allowed and d.limit == "requests" and 0 < d.retry_after <= 1.0
    r = redis.Redis.from_url(redis_url)
    sec, usec = r.time()
    server_now = sec + usec / 1e6
    # The stored TATs are Redis-clock times (server now + charged time), not client clocks.
    assert float(r.get("codeintel:rl:{shared}:r")) == pytest.approx(server_now + 5.0, abs=0.5)
    assert float(r.get("codeintel:rl:{shared}:b")) == pytest.approx(server_now + 5.0, abs=0.5)
    # Keys expire once the budget would be full again, so idle tenants vanish.
    assert 4000 < r.pttl("codeintel:rl:{shared}:r") <= 5001
    r.close()


def test_flushed_script_cache_is_reloaded(redis_url):
    tr = tier(rate=1.0, burst=2, bps=0)

    async def main():
        lim = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        first = await lim.admit("f", tr, 0)
        with redis.Redis.from_url(redis_url) as r:
            r.script_flush()  # what a restarted or failed-over Redis looks like to EVALSHA
        second, third = await lim.admit("f", tr, 0), await lim.admit("f", tr, 0)
        await lim.aclose()
        return [first.allowed, second.allowed, third.allowed], lim.redis_errors

    assert run(main()) == ([True, True, False], 0)


def test_unlimited_tier_never_touches_redis():
    async def main():
        lim = RedisLimiter("redis://127.0.0.1:1/0", fail_open=False, timeout=0.05)
        d = await lim.admit("", DEFAULT_TENANT.tier, 10**9)
        await lim.aclose()
        return d, lim

    d, lim = run(main())
    assert d.allowed and not d.degraded and lim.redis_errors == 0


def _wait_redis_ready(proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with redis.Redis(host=proc.host, port=proc.port, socket_timeout=1) as r:
                r.ping()
                return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.parametrize("fail_open", [True, False])
def test_redis_killed_and_restarted(redis_restartable, fail_open):
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    tr = tier(rate=1.0, burst=2, bps=0)
    timeout, breaker = 0.1, 0.3

    async def admit_timed(lim):
        t0 = time.monotonic()
        try:
            d = await lim.admit("k", tr, 0)
        except Unavailable as e:
            d = e
        return d, time.monotonic() - t0

    async def main():
        lim = RedisLimiter(url, fail_open=fail_open, timeout=timeout, breaker_seconds=breaker)
        before = [(await lim.admit("k", tr, 0)).allowed for _ in range(3)]
        assert before == [True, True, False]

        proc.kill(sig=signal.SIGKILL)
        down = []
        for _ in range(10):
            down.append(await admit_timed(lim))
            await asyncio.sleep(0.05)
        errors_down = lim.redis_errors

        await asyncio.to_thread(proc.start)
        await asyncio.to_thread(_wait_redis_ready, proc)
        await asyncio.sleep(breaker)  # let the breaker close
        after = [(await lim.admit("k", tr, 0)) for _ in range(3)]
        await lim.aclose()
        return down, errors_down, after, lim

    down, errors_down, after, lim = run(main())
    for d, took in down:
        assert took < timeout + 0.15, took  # a dead Redis costs at most about the timeout
        if fail_open:
            assert d.allowed and d.degraded
        else:
            assert isinstance(d, Unavailable) and "rate limiter unavailable" in str(d)
    # The breaker skips Redis after an error: far fewer attempts than calls.
    assert 1 <= errors_down <= 4
    assert lim.fail_open_admits == (10 if fail_open else 0)
    # Restarted Redis (state lost, script cache empty): checked again, limits enforced.
    assert [(d.allowed, d.degraded) for d in after] == [(True, False), (True, False), (False, False)]
    assert lim.redis_errors == errors_down


def test_hung_redis_costs_only_the_timeout(redis_restartable):
    """A stopped (not dead) Redis accepts connections but never answers."""
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    tr = tier(rate=100.0, burst=100, bps=0)

    async def main():
        lim = RedisLimiter(url, fail_open=True, timeout=0.1, breaker_seconds=0.2)
        assert not (await lim.admit("h", tr, 0)).degraded
        os.kill(proc.process.pid, signal.SIGSTOP)
        try:
            took = []
            for _ in range(6):
                t0 = time.monotonic()
                d = await lim.admit("h", tr, 0)
                took.append(time.monotonic() - t0)
                assert d.allowed and d.degraded
                await asyncio.sleep(0.1)
        finally:
            os.kill(proc.process.pid, signal.SIGCONT)
        await asyncio.sleep(0.25)
        d = await lim.admit("h", tr, 0)
        await lim.aclose()
        return took, d, lim

    took, d, lim = run(main())
    assert max(took) < 0.25, took
    assert lim.redis_errors >= 1 and lim.fail_open_admits == 6
    assert d.allowed and not d.degraded


# --- concurrency -------------------------------------------------------------------------


def test_concurrency_gate():
    gate = ConcurrencyGate(retry_after=0.5)
    a = Tenant("a", tier(max_concurrent=2))
    b = Tenant("b", tier(max_concurrent=1))
    assert gate.try_enter(a) and gate.try_enter(a) and not gate.try_enter(a)
    assert gate.try_enter(b) and not gate.try_enter(b)  # tenants are counted apart
    gate.leave(a)
    assert gate.in_flight("a") == 1 and gate.try_enter(a)
    gate.leave(a), gate.leave(a), gate.leave(b)
    assert gate.in_flight("a") == gate.in_flight("b") == 0

    with gate.hold(b):
        with pytest.raises(Overloaded) as e:
            with gate.hold(b):
                pass
        assert e.value.retry_after == 0.5 and "at most 1 at once per server" in str(e.value)
    assert gate.in_flight("b") == 0

    unlimited = Tenant("u", tier(max_concurrent=0))
    assert all(gate.try_enter(unlimited) for _ in range(1000))


def test_concurrency_gate_async_releases_on_error():
    gate = ConcurrencyGate()
    t = Tenant("a", tier(max_concurrent=2))

    async def work(started, release):
        async with gate.hold(t):
            started.set()
            await release.wait()
            raise RuntimeError("boom")

    async def main():
        release = asyncio.Event()
        started = [asyncio.Event(), asyncio.Event()]
        tasks = [asyncio.create_task(work(s, release)) for s in started]
        await asyncio.gather(*(s.wait() for s in started))
        with pytest.raises(Overloaded):
            async with gate.hold(t):
                pass
        assert gate.in_flight("a") == 2
        release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results)
        return gate.in_flight("a")

    assert run(main()) == 0
