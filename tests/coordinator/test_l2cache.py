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

from coordinator import l2cache
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
    # L2Cache lookups time out after 50 ms by default; here a generous timeout unless a test is about
    # timeouts, so that a busy machine's slow answer is not taken for a dead Redis (a miss).
    c = L2Cache(url, **{"timeout": 2.0, **kw})
    c.start()
    return c


class BreakerClock:
    """Stands in for the `time` module inside coordinator.l2cache: the circuit breaker's clock,
    moved by the test. Redis timeouts stay real (asyncio's clock); only when the breaker lets Redis
    be tried again is decided here, so which lookups reach Redis does not depend on the machine's
    speed."""

    def __init__(self, t: float = 1000.0):
        self.t = t

    def monotonic(self) -> float:
        return self.t


async def flushed(c: L2Cache) -> None:
    """Wait until the write queue is empty (L2Cache.flush reads the breaker's clock: this one stands still)."""
    assert await asyncio.wait_for(c.flush(), 30)  # 30 s: a hang guard only


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
    assert all(isinstance(v, bytes) for v in stored.values()), stored
    big_stored = stored["big"]
    assert isinstance(big_stored, bytes)
    assert big_stored[:1] == ZLIB and len(big_stored) < len(big) // 3
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
    keys = {k.decode() for k in sync_client(redis_url).keys("codeintel:l2:*") if isinstance(k, bytes)}
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


def test_put_is_not_on_the_requests_path(redis_url, monkeypatch):
    """put returns at once, before anything reaches Redis and before any compression; the writer
    compresses and lands it afterwards."""
    value = compressible(500_000)
    encoded = []
    real_encode = l2cache.encode

    def counting_encode(v, compress_min_bytes):
        encoded.append(len(v))
        return real_encode(v, compress_min_bytes)

    monkeypatch.setattr(l2cache, "encode", counting_encode)

    async def main():
        c = await started(redis_url)
        await c.get(key("warm"))  # connected, so only the write itself is left
        r = sync_client(redis_url)
        for n in range(100):
            c.put(key(n), value)
        # put never awaits: nothing has yielded to the writer yet, so nothing was compressed or sent
        during = (len(encoded), r.dbsize(), c.pending)
        assert await c.flush(10)
        after = r.dbsize()
        await c.stop()
        return c, during, after

    c, during, after = run(main())
    assert during == (0, 0, 100)
    assert encoded == [len(value)] * 100  # the writer compressed each value once
    assert after == 100
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


def test_unreachable_redis_is_a_quick_miss(monkeypatch):
    monkeypatch.setattr(l2cache, "time", BreakerClock())  # the breaker's backoff does not run out here

    async def main():
        c = await started("redis://127.0.0.1:1/0")  # nothing listens on port 1
        out = [await c.get(key(n)) for n in range(50)]
        c.put(key(1), b"v")
        await c.stop()
        return c, out

    c, out = run(main())
    assert out == [None] * 50
    # One lookup found Redis unreachable; the breaker answered the other 49 without trying it, and
    # the write was dropped at once rather than queued for a dead Redis.
    assert (c.errors, c.breaker_open, c.skipped, c.misses) == (1, 1, 49, 50)
    assert c.dropped_writes == 1 and c.writes == 0


def _wait_redis_ready(proc, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout  # a hang guard only
    while True:
        try:
            with redis.Redis(host=proc.host, port=proc.port, socket_timeout=1) as r:
                r.ping()
                return
        except redis.ConnectionError:
            assert time.monotonic() < end, "redis-server did not come back"
            time.sleep(0.05)


async def _recovered(c: L2Cache, clock: BreakerClock, k: bytes, want: bytes, *, write: bool, rounds: int = 20) -> int:
    """Move the breaker's clock to the end of its backoff, (write `want` under `k`,) look `k` up;
    again until the lookup finds `want`. The number of rounds it took."""
    for n in range(1, rounds + 1):
        clock.t = max(clock.t, c.breaker.open_until)
        if write:
            c.put(k, want)
            await flushed(c)
        if await c.get(k) == want:
            return n
    raise AssertionError(f"the L2 cache did not recover in {rounds} rounds")


def test_redis_sigkilled_and_restarted_recovers_on_its_own(redis_restartable, monkeypatch):
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    value = compressible(30_000)
    clock = BreakerClock()
    monkeypatch.setattr(l2cache, "time", clock)

    async def main():
        # A killed Redis refuses connections at once: the timeout does not end those lookups, so a
        # generous one keeps a slow machine's answers (while Redis is up) from counting as failures.
        c = await started(url, timeout=1.0)
        for n in range(200):
            c.put(key(n), value)
        await flushed(c)
        assert c.writes == 200 and await c.get(key(0)) == value

        proc.kill(sig=signal.SIGKILL)
        latencies, errors_before, start = [], c.errors, clock.t
        for n in range(300):  # requests keep coming while Redis is gone: one per 3 ms of the breaker's clock
            clock.t = start + n * 0.003
            t0 = time.perf_counter()
            got = await c.get_many([key(n % 200), key(n % 200 + 1)])
            latencies.append(time.perf_counter() - t0)
            assert got == [None, None]
            c.put(key(1000 + n), value)
            await asyncio.sleep(0)
        dead_stats = c.stats()
        errors_dead = c.errors - errors_before
        backoff = c.breaker.delay

        await asyncio.to_thread(proc.start)  # same port, empty (no persistence)
        await asyncio.to_thread(_wait_redis_ready, proc)
        # Up again, but the breaker's backoff has not run out: Redis is not tried yet.
        clock.t = c.breaker.open_until - 0.01
        c.put(key("after"), b"back")
        early = await c.get(key("after"))
        early_stats = c.stats()
        # Back as soon as the backoff lets a probe through, on its own.
        probes = await _recovered(c, clock, key("after"), b"back", write=True)
        c.put(key("later"), b"again")
        await flushed(c)
        later = await c.get(key("later"))
        await c.stop()
        return c, latencies, dead_stats, errors_dead, backoff, early, early_stats, probes, later

    c, latencies, dead, errors_dead, backoff, early, early_stats, probes, later = run(main())
    # The first lookup after the kill found Redis gone (breaker open for 0.5 s); the one probe it let
    # through 0.5 s later failed too (backoff doubled to 1 s); the breaker answered every other lookup
    # without trying Redis, and every write was dropped at once instead of queueing for a dead Redis.
    assert errors_dead == 2 and dead["breaker_open"] == 1 and backoff == 1.0
    assert dead["skipped"] == 2 * (300 - 2)
    assert dead["dropped_writes"] == 300 and dead["pending"] == 0
    assert early is None and early_stats["errors"] == dead["errors"]
    assert early_stats["skipped"] == dead["skipped"] + 1 and early_stats["dropped_writes"] == 301
    # The first probe may be the write, on the writer's pooled connection from before the kill: that
    # one fails once (and doubles the backoff); the next probe gets through.
    assert probes <= 2, probes
    print(
        f"lookups with Redis down: p50 {statistics.median(latencies) * 1e6:.0f} us, "
        f"max {max(latencies) * 1e3:.1f} ms; back after {probes} probe(s) once the {backoff} s backoff ran out"
    )
    assert later == b"again" and c.stats()["breaker_closed"]


def test_hung_redis_costs_one_timeout_then_nothing(redis_restartable, monkeypatch):
    """A stopped (SIGSTOP) Redis still accepts connections but never answers: the timeout bounds
    the first lookups, the breaker the rest; SIGCONT and it is used again."""
    proc = redis_restartable
    url = f"redis://{proc.host}:{proc.port}/0"
    timeout = 0.05
    clock = BreakerClock()
    monkeypatch.setattr(l2cache, "time", clock)

    async def main():
        c = await started(url, timeout=timeout)
        c.put(key(1), b"one")
        await flushed(c)
        os.kill(proc.process.pid, signal.SIGSTOP)
        try:
            lookups, start = [], clock.t
            for n in range(100):  # one lookup per 12 ms of the breaker's clock
                clock.t = start + n * 0.012
                errors = c.errors
                t0 = time.perf_counter()
                # Redis never answers while stopped: only the cache's own timeout can end a lookup
                # that tries it (30 s is a hang guard, far past it).
                got = await asyncio.wait_for(c.get(key(1)), 30)
                lookups.append((got, time.perf_counter() - t0, c.errors > errors))
            stopped_stats = c.stats()
        finally:
            os.kill(proc.process.pid, signal.SIGCONT)
        probes = await _recovered(c, clock, key(1), b"one", write=False)
        await c.stop()
        return c, lookups, stopped_stats, probes

    c, lookups, stopped, probes = run(main())
    assert all(got is None for got, _, _ in lookups)
    # Tried at 0 ms (then the breaker is open for 0.5 s) and at 504 ms (the probe; then 1 s): those two
    # waited out the timeout, no less, and ended while Redis was still stopped; the other 98 lookups
    # never reached Redis.
    tried = [n for n, (_, _, failed) in enumerate(lookups) if failed]
    assert tried == [0, 42], tried
    assert all(lookups[n][1] >= timeout * 0.99 for n in tried), [lookups[n] for n in tried]
    assert stopped["errors"] == 2 and stopped["skipped"] == 98 and stopped["breaker_open"] == 1
    assert probes >= 1 and c.stats()["breaker_closed"]
    print(
        f"hung Redis: lookups that tried it {[round(lookups[n][1] * 1e3, 1) for n in tried]} ms, the others "
        f"p50 {statistics.median(t for n, (_, t, _) in enumerate(lookups) if n not in tried) * 1e6:.0f} us; "
        f"used again after {probes} probe(s) once SIGCONT"
    )


def test_lookup_latency_with_redis_up(redis_url):
    value = compressible(20_000)

    async def main():
        # A generous timeout: a lookup slowed by a busy machine must not turn into a miss here.
        c = await started(redis_url, timeout=5.0)
        c.put(key(1), value)
        await c.flush()
        assert await c.get(key(1)) == value  # the reader is connected: only lookups are counted below
        r = sync_client(redis_url)
        r.config_resetstat()
        single, batch = [], []
        for _ in range(300):
            t0 = time.perf_counter()
            assert await c.get(key(1)) == value
            single.append(time.perf_counter() - t0)
        keys = [key(1)] + [key(n) for n in range(100, 131)]
        for _ in range(100):
            t0 = time.perf_counter()
            assert await c.get_many(keys) == [value] + [None] * 31
            batch.append(time.perf_counter() - t0)
        stats = r.info("commandstats")
        await c.stop()
        commands = {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()}
        return single, batch, {k: n for k, n in commands.items() if k not in ("config|resetstat", "info")}

    single, batch, commands = run(main())
    p50, p50_batch = statistics.median(single), statistics.median(batch)
    print(
        f"get p50 {p50 * 1e6:.0f} us, p99 {sorted(single)[296] * 1e6:.0f} us; get_many(32) p50 {p50_batch * 1e6:.0f} us"
    )
    # What keeps a lookup cheap at any speed: one round trip (one MGET) per lookup, however many keys,
    # and nothing else sent to Redis on the read path.
    assert commands == {"mget": 300 + 100}, commands
