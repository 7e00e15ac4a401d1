import asyncio
import itertools
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


def _stored(r: redis.Redis, key: str) -> bytes:
    """A key's value (the client does not decode responses), which must exist."""
    value = r.get(key)
    assert isinstance(value, bytes), (key, value)
    return value


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
        outcomes = []
        for i, cost in enumerate([0, 50, 999, 1, 10_000, 7, 300, 0] * 6):
            reply = await script(keys=["m:r", "m:b"], args=rl._script_args(budget, cost))
            allowed, now, new_r, new_b, wait_r, wait_b = reply
            now = float(now)
            out = gcra(now, tat_r, tat_b, budget, cost)

            def past(x, now=now):  # an expired key reads as 0: the same as any TAT not after now
                return 0.0 if x <= now else x

            assert (out.allowed, past(out.tat_requests), past(out.tat_bytes), out.wait_requests, out.wait_bytes) == (
                allowed == 1,
                past(float(new_r)),
                past(float(new_b)),
                float(wait_r),
                float(wait_b),
            ), i
            tat_r, tat_b = out.tat_requests, out.tat_bytes
            outcomes.append((out.allowed, out.wait_bytes > 0))
            if i % 8 == 7:
                await asyncio.sleep(0.15)
        await r.aclose()
        return outcomes

    outcomes = run(main())
    # The sequence exercised both outcomes, at any speed: the first call finds a full budget; the
    # 10,000-byte call (5th) is refused, or admitted into 30 s of byte debt that refuses the next.
    assert outcomes[0] == (True, False)
    assert any(not allowed and short_of_bytes for allowed, short_of_bytes in outcomes[4:6])


def test_redis_exactness_at_four_times_the_rate(redis_url):
    rate, burst = 50.0, 10
    tr = tier(rate=rate, burst=burst, bps=0)
    budget = Budget.of(tr)

    async def main():
        lim = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        await lim.admit("warm-up", tr, 0)  # connect and load the script first
        calls, start = [], time.monotonic()  # (sent, answered, decision)
        for i in range(600):  # offered 200/s for 3 s
            delay = start + i / 200 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.monotonic()
            d = await lim.admit("exact", tr, 0)
            calls.append((sent, time.monotonic(), d))
        await lim.aclose()
        return calls, lim

    calls, lim = run(main())
    admitted = sum(d.allowed for _, _, d in calls)
    assert lim.rejections_requests == 600 - admitted and lim.redis_errors == 0
    # Each decision is taken at some instant t_i (Redis clock) between the call's send and answer.
    # GCRA: admitted calls move the TAT by one interval each from max(TAT, t_i), so from the first
    # call (full budget) to the last refused one R (its TAT within one interval of t_R + tolerance),
    #   admitted by R > burst + rate * (t_R - t_1 - idle) - 1,
    # where `idle` is time the budget spent full with nothing to take it (a stall of the offered
    # load longer than the slack TAT - t the previous decision left). Each decision tells that slack,
    # so a slow machine's stalls are bounded from what was measured, not assumed away.
    interval, tolerance = budget.request_interval, budget.request_tolerance

    def slack(d) -> float:  # TAT - t right after the decision
        return tolerance - d.remaining_requests * interval if d.allowed else d.retry_after + tolerance - interval

    idle = sum(
        max(0.0, answered - prev_sent - slack(prev))
        for (prev_sent, _, prev), (_, answered, d) in itertools.pairwise(calls)
        if d.allowed
    )
    last_refused = max(i for i, (_, _, d) in enumerate(calls) if not d.allowed)
    by_refused = sum(d.allowed for _, _, d in calls[: last_refused + 1])
    first_answered, refused_sent = calls[0][1], calls[last_refused][0]
    assert by_refused >= burst + rate * (refused_sent - first_answered - idle) - 1, (by_refused, idle)
    # Never more than the budget allows over the whole span, however the calls were spaced.
    span = calls[-1][1] - calls[0][0]
    assert admitted <= burst + rate * span + 1, (admitted, span)


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


def test_the_sequence_on_a_fake_clock():
    """SEQUENCE's decisions, on a clock that advances exactly by its pauses."""
    clock = Clock()
    mem = MemoryLimiter(clock)
    got = []
    for pause, cost in SEQUENCE:
        clock.t += pause
        d = mem.check("s", tier(), cost)
        got.append((d.allowed, d.limit))
    assert got == EXPECTED
    assert (mem.rejections_requests, mem.rejections_bytes) == (3, 3)


def test_memory_and_redis_limiters_agree(redis_url, monkeypatch):
    """The same calls at the same instants get the same decisions from both limiters. The instant is
    the one the Lua script read from Redis TIME (seen where RedisLimiter turns the reply into a
    Decision); the memory limiter is then asked on a clock set to it, so stalls change nothing."""
    tr = tier()
    seen: list[float] = []  # the `now` of each Decision made
    decision = rl._decision

    def spy(now, budget, out):
        seen.append(now)
        return decision(now, budget, out)

    monkeypatch.setattr(rl, "_decision", spy)

    async def main():
        clock = Clock(0.0)
        mem, red = MemoryLimiter(clock), RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        pairs, start, at = [], time.monotonic(), 0.0
        for pause, cost in SEQUENCE:
            at += pause
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            seen.clear()
            r = await red.admit("s", tr, cost)
            (clock.t,) = seen  # one script call, one Redis TIME reading
            pairs.append((mem.check("s", tr, cost), r))
        await red.aclose()
        return pairs, mem, red

    pairs, mem, red = run(main())
    assert len(pairs) == len(SEQUENCE)
    for i, (m, r) in enumerate(pairs):
        assert (m.allowed, m.limit) == (r.allowed, r.limit), i
        assert m.retry_after == pytest.approx(r.retry_after, rel=1e-9, abs=1e-9), i
        assert m.remaining_requests == pytest.approx(r.remaining_requests, rel=1e-9, abs=1e-9), i
        assert m.remaining_bytes == pytest.approx(r.remaining_bytes, rel=1e-9, abs=1e-9), i
    assert (mem.rejections_requests, mem.rejections_bytes) == (red.rejections_requests, red.rejections_bytes)


def _redis_time(r) -> float:
    sec, usec = r.time()
    return sec + usec / 1e6


def test_replicas_share_state_on_the_redis_clock(redis_url):
    # One request per 10 s, 5 of burst; 100 bytes per call at 10 bytes/s: each admitted call moves
    # both TATs by 10 s. Nothing refills while the test runs (unless it stalls for 10 s).
    tr = tier(rate=0.1, burst=5, bps=10.0, bytes_burst=1000)
    r = redis.Redis.from_url(redis_url)
    before = _redis_time(r)

    async def main():
        a = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        b = RedisLimiter(redis_url, fail_open=False, timeout=1.0)
        got = [(await (a if i % 2 else b).admit("shared", tr, 100)).allowed for i in range(7)]
        d = await b.admit("shared", tr, 0)
        await a.aclose()
        await b.aclose()
        return got, d

    got, d = run(main())
    after = _redis_time(r)
    assert got == [True] * 5 + [False] * 2  # five in all, whichever replica asked
    assert not d.allowed and d.limit == "requests" and 0 < d.retry_after <= 10.0
    # The stored TATs are Redis-clock times: the first call's Redis time (between `before` and
    # `after`) plus the 5 x 10 s charged, not client clocks.
    for suffix in ("r", "b"):
        assert before + 50.0 <= float(_stored(r, f"codeintel:rl:{{shared}}:{suffix}")) <= after + 50.0
    # Keys expire once the budget would be full again (TAT - now), so idle tenants vanish. Redis keeps
    # expiries in whole milliseconds of its own clock: the script's ceil(...) + 1, the truncation of the
    # write's and the read's millisecond clock make up to 3 ms either way.
    tat = float(_stored(r, "codeintel:rl:{shared}:r"))
    t0 = _redis_time(r)
    pttl = r.pttl("codeintel:rl:{shared}:r")
    t1 = _redis_time(r)
    assert (tat - t1) * 1000 - 3 <= pttl <= (tat - t0) * 1000 + 3, (pttl, tat, t0, t1)
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


class BreakerClock:
    """Stands in for the `time` module inside coordinator.ratelimit: the breaker's clock, moved by
    the test. Redis timeouts stay real (asyncio's clock); only when the breaker lets Redis be tried
    again is decided here, so which calls reach Redis does not depend on the machine's speed."""

    def __init__(self, t: float = 1000.0):
        self.t = t

    def monotonic(self) -> float:
        return self.t


async def _checked_again(lim, clock: BreakerClock, tr, tries: int = 50):
    """Let the breaker through until a call is checked against Redis again (not degraded); a slow
    first answer from a Redis just back only opens the breaker once more."""
    for _ in range(tries):
        clock.t += lim.breaker_seconds
        try:
            d = await asyncio.wait_for(lim.admit("probe", tr, 0), 30)
        except Unavailable:
            continue
        if not d.degraded:
            return
    raise AssertionError(f"Redis not used again after {tries} breaker intervals")


@pytest.mark.parametrize("fail_open", [True, False])
def test_redis_killed_and_restarted(redis_restartable, fail_open, monkeypatch):
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    tr = tier(rate=0.1, burst=2, bps=0)  # one call per 10 s: nothing refills while the test runs
    breaker = 0.5
    clock = BreakerClock()
    monkeypatch.setattr(rl, "time", clock)

    async def admit(lim):
        try:
            return await asyncio.wait_for(lim.admit("k", tr, 0), 30)  # 30 s: a hang guard only
        except Unavailable as e:
            return e

    async def main():
        # A killed Redis refuses connections at once: the timeout is not what ends these calls, so a
        # generous one keeps a slow machine's answers (after the restart) from counting as failures.
        lim = RedisLimiter(url, fail_open=fail_open, timeout=5.0, breaker_seconds=breaker)
        before = [(await lim.admit("k", tr, 0)).allowed for _ in range(3)]
        assert before == [True, True, False]

        proc.kill(sig=signal.SIGKILL)
        down, errors = [], []
        start = clock.t
        for i in range(10):  # one call per 0.2 s of the breaker's clock
            clock.t = start + i * 0.2
            down.append(await admit(lim))
            errors.append(lim.redis_errors)
        errors_down = lim.redis_errors

        await asyncio.to_thread(proc.start)
        await asyncio.to_thread(_wait_redis_ready, proc)
        clock.t = start + 9 * 0.2 + breaker  # the breaker lets Redis be tried again
        after = [await admit(lim) for _ in range(3)]
        await lim.aclose()
        return down, errors, errors_down, after, lim

    down, errors, errors_down, after, lim = run(main())
    for d in down:
        if fail_open:
            assert d.allowed and d.degraded
        else:
            assert isinstance(d, Unavailable) and "rate limiter unavailable" in str(d)
    # Redis is tried at 0, 0.6, 1.2 and 1.8 s (each error opens the breaker for 0.5 s); the calls in
    # between are answered without it.
    assert errors == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4] and errors_down == 4
    assert lim.fail_open_admits == (10 if fail_open else 0)
    # Restarted Redis (state lost, script cache empty): checked again, limits enforced.
    assert [(d.allowed, d.degraded) for d in after] == [(True, False), (True, False), (False, False)], after
    assert lim.redis_errors == errors_down


def test_hung_redis_costs_only_the_timeout(redis_restartable, monkeypatch):
    """A stopped (not dead) Redis accepts connections but never answers: a call that tries it ends at
    the timeout, while Redis is still stopped, and the breaker keeps the next calls off it."""
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    tr = tier(rate=100.0, burst=100, bps=0)
    timeout, breaker = 0.1, 0.5
    clock = BreakerClock()
    monkeypatch.setattr(rl, "time", clock)

    async def main():
        lim = RedisLimiter(url, fail_open=True, timeout=timeout, breaker_seconds=breaker)
        await _checked_again(lim, clock, tr)  # connected, script loaded
        errors_up = lim.redis_errors
        os.kill(proc.process.pid, signal.SIGSTOP)
        try:
            calls = []
            start = clock.t
            for i in range(6):  # one call per 0.2 s of the breaker's clock
                clock.t = start + i * 0.2
                t0 = time.monotonic()
                # Redis never answers while stopped: only the limiter's own timeout can end the call
                # (30 s is a hang guard, far past it).
                d = await asyncio.wait_for(lim.admit("h", tr, 0), 30)
                calls.append((d, time.monotonic() - t0, lim.redis_errors - errors_up))
            clock.t = start + 5 * 0.2 + 0.05  # still inside the last breaker interval (0.6 to 1.1 s)
            d = await lim.admit("h", tr, 0)
            assert d.degraded and lim.redis_errors - errors_up == 2  # not tried: Redis is still stopped
        finally:
            os.kill(proc.process.pid, signal.SIGCONT)
        await _checked_again(lim, clock, tr)
        d = await lim.admit("h", tr, 0)
        await lim.aclose()
        return calls, d, lim, errors_up

    calls, d, lim, errors_up = run(main())
    assert all(c.allowed and c.degraded for c, _, _ in calls)
    # Tried at 0 and 0.6 s (each timeout opens the breaker for 0.5 s): those two waited out the
    # timeout, no less; the others never reached Redis.
    assert [n for _, _, n in calls] == [1, 1, 1, 2, 2, 2]
    assert calls[0][1] >= timeout * 0.99 and calls[3][1] >= timeout * 0.99, calls
    assert lim.fail_open_admits >= 7
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
    gate.leave(a)
    gate.leave(a)
    gate.leave(b)
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
