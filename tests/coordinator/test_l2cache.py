"""The L2 cache against a real redis-server of the tests' own (pytest-redis): round trips, TTL,
compression, namespaces, background writes, and a Redis SIGKILLed and restarted under use."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import statistics
import time
import zlib

import pytest
import redis

from coordinator.l2cache import RAW, ZLIB, CircuitBreaker, L2Cache, decode, encode


def run(coro):
    return asyncio.run(coro)


def key(n) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


def compressible(n: int) -> bytes:
    """Bytes shaped like a serialized result: repetitive field names, varying numbers."""
    return b"".join(b"\x0a\x08function\x12\x04name\x18%d\x20%d" % (i, i * 7) for i in range(n))[:n]


def sync_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


async def started(url: str, **kw) -> L2Cache:
    c = L2Cache(url, **kw)
    c.start()
    return c


# --- pure pieces ------------------------------------------------------------------------------


def test_encode_keeps_small_and_incompressible_values_raw():
    assert encode(b"tiny", 1024) == RAW + b"tiny"
    noise = os.urandom(4096)
    assert encode(noise, 1024) == RAW + noise
    big = compressible(50_000)
    stored = encode(big, 1024)
    assert stored[:1] == ZLIB and len(stored) < len(big) // 3
    assert decode(stored, 1 << 20) == big


@pytest.mark.parametrize(
    "stored",
    [
        b"",
        b"\x07abc",
        ZLIB + b"not zlib at all",
        ZLIB + zlib.compress(b"x" * 5000)[:-3],
        ZLIB + zlib.compress(b"x" * 5000) + b"trailing",
    ],
)
def test_decode_rejects_what_encode_did_not_make(stored):
    with pytest.raises(ValueError):
        decode(stored, 1 << 20)


def test_decode_bounds_inflation():
    bomb = ZLIB + zlib.compress(b"\0" * 10_000_000, 9)  # ~10 KB inflating to 10 MB
    with pytest.raises(ValueError):
        decode(bomb, 1 << 20)


def test_breaker_backs_off_growing_then_capped_and_probes_once(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("coordinator.l2cache.time.monotonic", lambda: now[0])
    b = CircuitBreaker(initial=0.5, maximum=2.0)
    assert b.allow() and b.closed
    b.failure()
    assert not b.closed and not b.allow()
    delays = []
    for _ in range(4):
        now[0] = b.open_until
        assert b.allow()  # the half-open probe...
        assert not b.allow()  # ...and only one at a time
        b.failure()
        delays.append(b.delay)
    assert delays == [1.0, 2.0, 2.0, 2.0]
    now[0] = b.open_until
    assert b.allow()
    b.success()
    assert b.closed and b.allow() and b.allow()


# --- against Redis ----------------------------------------------------------------------------


def test_round_trip_with_ttl(redis_url):
    async def main():
        c = await started(redis_url, ttl_seconds=120)
        assert await c.get(key(1)) is None
        c.put(key(1), b"result-one")
        assert await c.flush()
        got = await c.get(key(1))
        await c.stop()
        return c, got

    c, got = run(main())
    assert got == b"result-one"
    r = sync_client(redis_url)
    pttl = r.pttl(c.redis_key(key(1)))
    assert 110_000 < pttl <= 120_000
    assert (c.hits, c.misses, c.writes, c.errors) == (1, 1, 1, 0)


def test_oversized_values_are_skipped_and_counted(redis_url):
    async def main():
        c = await started(redis_url, max_value_bytes=10_000)
        c.put(key("big"), b"x" * 10_001)
        c.put(key("fits"), b"x" * 10_000)
        assert await c.flush()
        out = await c.get_many([key("big"), key("fits")])
        await c.stop()
        return c, out

    c, out = run(main())
    assert out == [None, b"x" * 10_000]
    assert c.oversized == 1 and c.writes == 1
    assert not sync_client(redis_url).exists(c.redis_key(key("big")))


def test_compression_shrinks_what_compresses_and_raw_values_round_trip(redis_url):
    big, small, noise = compressible(200_000), b"\x0a\x03abc", os.urandom(50_000)

    async def main():
        c = await started(redis_url)
        for name, v in (("big", big), ("small", small), ("noise", noise)):
            c.put(key(name), v)
        assert await c.flush()
        out = await c.get_many([key("big"), key("small"), key("noise")])
        await c.stop()
        return c, out

    c, out = run(main())
    assert out == [big, small, noise]
    r = sync_client(redis_url)
    stored = {n: r.get(c.redis_key(key(n))) for n in ("big", "small", "noise")}
    assert stored["big"][:1] == ZLIB and len(stored["big"]) < len(big) // 3
    assert stored["small"] == RAW + small
    assert stored["noise"] == RAW + noise


def test_corrupt_values_read_as_misses(redis_url):
    async def main():
        c = await started(redis_url)
        r = sync_client(redis_url)
        r.set(c.redis_key(key("unknown")), b"\x09whatever")
        r.set(c.redis_key(key("broken")), ZLIB + b"\x78\x01garbage")
        r.set(c.redis_key(key("empty")), b"")
        c.put(key("good"), b"fine")
        await c.flush()
        out = await c.get_many([key("unknown"), key("broken"), key("empty"), key("good")])
        await c.stop()
        return c, out

    c, out = run(main())
    assert out == [None, None, None, b"fine"]
    assert c.corrupt == 3 and c.misses == 3 and c.hits == 1 and c.errors == 0


def test_namespaces_isolate_the_same_key(redis_url):
    async def main():
        c = await started(redis_url)
        c.put(key(7), b"shared")
        c.put(key(7), b"for-acme", "acme")
        c.put(key(7), b"for-globex", "globex")
        await c.flush()
        out = [
            await c.get(key(7)),
            await c.get(key(7), "acme"),
            await c.get(key(7), "globex"),
            await c.get(key(7), "initech"),
        ]
        await c.stop()
        return c, out

    c, out = run(main())
    assert out == [b"shared", b"for-acme", b"for-globex", None]
    keys = {k.decode() for k in sync_client(redis_url).keys("codeintel:l2:*")}
    h = key(7).hex()
    assert keys == {f"codeintel:l2:{h}", f"codeintel:l2:acme:{h}", f"codeintel:l2:globex:{h}"}


def test_get_many_keeps_order_with_mixed_hits_in_one_round_trip(redis_url):
    async def main():
        c = await started(redis_url)
        for n in (1, 3, 4):
            c.put(key(n), b"v%d" % n, "t")
        await c.flush()
        r = sync_client(redis_url)
        r.config_resetstat()
        out = await c.get_many([key(4), key(2), key(1), key(5), key(3), key(1)], "t")
        mgets = r.info("commandstats").get("cmdstat_mget", {}).get("calls")
        await c.stop()
        return c, out, mgets

    c, out, mgets = run(main())
    assert out == [b"v4", None, b"v1", None, b"v3", b"v1"]
    assert mgets == 1
    assert (c.hits, c.misses) == (4, 2)
    assert run(L2Cache("redis://127.0.0.1:1").get_many([])) == []


def test_put_is_not_on_the_requests_path(redis_url):
    """put returns at once, before anything reaches Redis; the writer lands it afterwards."""
    value = compressible(500_000)

    async def main():
        c = await started(redis_url)
        await c.get(key("warm"))  # connected, so only the write itself is left
        r = sync_client(redis_url)
        t0 = time.perf_counter()
        for n in range(100):
            c.put(key(n), value)
        elapsed = time.perf_counter() - t0
        before = r.dbsize()  # nothing has yielded to the writer yet
        assert await c.flush(10)
        after = r.dbsize()
        await c.stop()
        return c, elapsed, before, after

    c, elapsed, before, after = run(main())
    assert elapsed < 0.01, elapsed  # 100 puts of 500 KB; compressing them alone takes far longer
    assert (before, after) == (0, 100)
    assert c.writes == 100 and c.dropped_writes == 0


def test_full_queue_drops_and_counts(redis_url):
    async def main():
        c = await started(redis_url, max_pending_writes=5)
        for n in range(20):
            c.put(key(n), b"v")
        assert c.pending == 5
        await c.flush()
        found = await c.get_many([key(n) for n in range(20)])
        await c.stop()
        return c, found

    c, found = run(main())
    assert c.dropped_writes == 15 and c.writes == 5
    assert found == [b"v"] * 5 + [None] * 15


def test_pending_bytes_are_bounded_too(redis_url):
    async def main():
        c = await started(redis_url, max_pending_bytes=1000)
        for n in range(5):
            c.put(key(n), b"x" * 300)
        await c.stop()
        return c

    c = run(main())
    assert c.writes == 3 and c.dropped_writes == 2


def test_stop_flushes_pending_writes(redis_url):
    async def main():
        c = await started(redis_url)
        for n in range(50):
            c.put(key(n), b"late-%d" % n)
        await c.stop(flush_timeout=5)
        return c

    c = run(main())
    assert c.writes == 50
    assert sync_client(redis_url).dbsize() == 50


def test_two_replicas_share_entries(redis_url):
    async def main():
        a, b = await started(redis_url), await started(redis_url)
        a.put(key("x"), compressible(20_000), "acme")
        await a.flush()
        got = await b.get(key("x"), "acme"), await b.get(key("x"))
        await a.stop()
        await b.stop()
        return got

    assert run(main()) == (compressible(20_000), None)


def test_unreachable_redis_is_a_quick_miss():
    async def main():
        c = await started("redis://127.0.0.1:1/0")  # nothing listens on port 1
        t0 = time.perf_counter()
        out = [await c.get(key(n)) for n in range(50)]
        elapsed = time.perf_counter() - t0
        c.put(key(1), b"v")
        await c.stop()
        return c, out, elapsed

    c, out, elapsed = run(main())
    assert out == [None] * 50 and elapsed < 0.5
    assert c.errors >= 1 and c.breaker_open == 1 and c.skipped >= 45 and c.dropped_writes == 1


def test_redis_sigkilled_and_restarted_recovers_on_its_own(redis_restartable):
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    value = compressible(30_000)

    async def main():
        c = await started(url, timeout=0.05)
        for n in range(200):
            c.put(key(n), value)
        assert await c.flush(10)
        assert await c.get(key(0)) == value

        proc.kill(sig=signal.SIGKILL)
        latencies, errors_before = [], c.errors
        for n in range(300):  # requests keep coming while Redis is gone
            t0 = time.perf_counter()
            got = await c.get_many([key(n % 200), key(n % 200 + 1)])
            latencies.append(time.perf_counter() - t0)
            assert got == [None, None]
            c.put(key(1000 + n), value)
            await asyncio.sleep(0.002)
        dead_stats = c.stats()
        backoff = c.breaker.delay

        proc.start()  # same port, empty (no persistence)
        t_back = time.monotonic()
        recovered_after = None
        while time.monotonic() - t_back < 8:
            c.put(key("after"), b"back")
            await asyncio.sleep(0.05)
            if await c.get(key("after")) == b"back":
                recovered_after = time.monotonic() - t_back
                break
        c.put(key("later"), b"again")
        await c.flush()
        later = await c.get(key("later"))
        await c.stop()
        return c, latencies, errors_before, dead_stats, backoff, recovered_after, later

    c, latencies, errors_before, dead, backoff, recovered_after, later = run(main())
    assert dead["errors"] > errors_before and dead["breaker_open"] == 1
    assert dead["dropped_writes"] >= 290  # the first few may have been queued before the breaker opened
    assert dead["skipped"] > 400  # the breaker, not timeouts, answered most lookups
    assert max(latencies[5:]) < 0.1, max(latencies)
    assert statistics.median(latencies) < 0.005
    # Back as soon as the current backoff lets a probe through (plus a write and a read).
    assert 0 < backoff <= 5.0
    assert recovered_after is not None and recovered_after < backoff + 1.0, (recovered_after, backoff)
    print(
        f"recovered {recovered_after:.2f} s after restart (backoff {backoff} s); lookups with Redis down: "
        f"p50 {statistics.median(latencies) * 1e6:.0f} us, max {max(latencies) * 1e3:.1f} ms"
    )
    assert later == b"again" and c.stats()["breaker_closed"]


def test_hung_redis_costs_one_timeout_then_nothing(redis_restartable):
    """A stopped (SIGSTOP) Redis still accepts connections but never answers: the timeout bounds
    the first lookups, the breaker the rest; SIGCONT and it is used again."""
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"

    async def main():
        c = await started(url, timeout=0.05)
        c.put(key(1), b"one")
        await c.flush()
        os.kill(proc.process.pid, signal.SIGSTOP)
        try:
            latencies = []
            for _ in range(100):
                t0 = time.perf_counter()
                assert await c.get(key(1)) is None
                latencies.append(time.perf_counter() - t0)
                await asyncio.sleep(0.005)
        finally:
            os.kill(proc.process.pid, signal.SIGCONT)
        t_back = time.monotonic()
        while time.monotonic() - t_back < 8 and await c.get(key(1)) != b"one":
            await asyncio.sleep(0.05)
        recovered_after = time.monotonic() - t_back
        await c.stop()
        return c, latencies, recovered_after

    c, latencies, recovered_after = run(main())
    assert max(latencies) < 0.1, max(latencies)  # the 50 ms timeout, plus scheduling
    assert sum(t > 0.02 for t in latencies) <= 3  # only probes wait; the first plus ~1 per backoff
    assert c.errors >= 1 and c.skipped >= 90
    assert recovered_after < 5.0 + 1.0
    print(
        f"hung Redis: first lookup {latencies[0] * 1e3:.1f} ms, p50 {statistics.median(latencies) * 1e6:.0f} us; "
        f"recovered {recovered_after:.2f} s after SIGCONT"
    )


def test_lookup_latency_with_redis_up(redis_url):
    value = compressible(20_000)

    async def main():
        c = await started(redis_url)
        c.put(key(1), value)
        await c.flush()
        single, batch = [], []
        for _ in range(300):
            t0 = time.perf_counter()
            assert await c.get(key(1)) == value
            single.append(time.perf_counter() - t0)
        keys = [key(1)] + [key(n) for n in range(100, 131)]
        for _ in range(100):
            t0 = time.perf_counter()
            await c.get_many(keys)
            batch.append(time.perf_counter() - t0)
        await c.stop()
        return single, batch

    single, batch = run(main())
    p50, p50_batch = statistics.median(single), statistics.median(batch)
    print(
        f"get p50 {p50 * 1e6:.0f} us, p99 {sorted(single)[296] * 1e6:.0f} us; get_many(32) p50 {p50_batch * 1e6:.0f} us"
    )
    assert p50 < 0.005 and p50_batch < 0.01
