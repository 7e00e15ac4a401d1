"""Tenants, rate limits and the L2 cache through real processes: parse workers, several
coordinator replicas and a redis-server of the tests' own (pytest-redis), over gRPC."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

import grpc
import pytest
import redis
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.kernel import procs
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from coordinator.tenants import hash_key

KEYS = {
    "acme": "ci_acme-key-0123456789",
    "globex": "ci_globex-key-0123456789",
    "old": "ci_old-revoked-key-0001",
    "bytes": "ci_bytes-key-0123456789",
    "private": "ci_private-key-0123456789",
}


def tenants_toml(rate: float = 1000, burst: int = 1000, bulk_bps: int = 200_000, bulk_burst: int = 100_000) -> str:
    return f"""
[tiers.standard]
rate = {rate}
burst = {burst}
bytes_per_second = 1e12
bytes_burst = 1000000000000
max_concurrent = 64
max_priority = "normal"

[tiers.bulk]
rate = 1000
burst = 1000
bytes_per_second = {bulk_bps}
bytes_burst = {bulk_burst}
max_concurrent = 64
max_priority = "high"

[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(KEYS["acme"])}"]
revoked_keys = ["{hash_key(KEYS["old"])}"]

[[tenants]]
id = "globex"
tier = "standard"
keys = ["{hash_key(KEYS["globex"])}"]

[[tenants]]
id = "bytes"
tier = "bulk"
keys = ["{hash_key(KEYS["bytes"])}"]

[[tenants]]
id = "private"
tier = "standard"
keys = ["{hash_key(KEYS["private"])}"]
namespace = "private"
"""


@pytest.fixture(scope="module")
def workers():
    """One parse worker process shared by every coordinator replica of this module."""
    stack = LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    stack.start(timeout=120)
    yield [a for name, a in stack.info["workers"].items() if name.startswith("parse")]
    stack.stop()


class Replicas:
    """Coordinator processes started by a test, all stopped at its end."""

    def __init__(self, workers, tmp_path):
        self.workers, self.tmp_path, self.procs = workers, tmp_path, []

    def start(self, *args: str, tenants: str | None = None) -> str:
        argv = [
            sys.executable,
            "-m",
            "coordinator",
            "--port",
            "0",
            "--parse-workers",
            ",".join(self.workers),
            "--drain-delay",
            "0",
            "--grace",
            "5",
            *args,
        ]
        if tenants is not None:
            path = self.tmp_path / f"tenants-{len(self.procs)}.toml"
            path.write_text(tenants)
            argv += ["--tenants-file", str(path)]
        proc = procs.spawn(argv)
        self.procs.append(proc)
        return procs.wait_ready(proc, 60)["address"]

    def stop(self) -> None:
        procs.terminate(self.procs, 10)


@pytest.fixture
def replicas(workers, tmp_path):
    r = Replicas(workers, tmp_path)
    yield r
    r.stop()


def _parse_request(content: bytes = b"def f(x):\n    return x\n", path: str = "a.py", priority=0, bypass=False):
    return c.CodeIntelServiceParseRequest(
        file=common_pb2.SourceFile(path=path, content=content),
        request_options=c.RequestOptions(priority=priority, bypass_cache=bypass),
    )


def _md(tenant: str | None):
    return (("authorization", f"Bearer {KEYS[tenant]}"),) if tenant else ()


def _stub(address: str):
    ch = grpc.insecure_channel(address)
    return ch, coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)


# --------------------------------------------------------------------------- authentication


def test_authentication_and_priority_clamping(replicas):
    address = replicas.start(tenants=tenants_toml())
    ch, api, admin = _stub(address)
    with ch:
        for md, words in [
            ((), "missing authorization"),
            ((("authorization", "Bearer nope"),), "unknown API key"),
            (_md("old"), "revoked"),
            ((("authorization", "Basic abc"),), "malformed"),
        ]:
            with pytest.raises(grpc.RpcError) as e:
                api.Parse(_parse_request(), metadata=md, timeout=10)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED, md
            assert words in (e.value.details() or "")
        with pytest.raises(grpc.RpcError) as e:
            admin.GetStats(c.GetStatsRequest(), timeout=10)
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED

        # A key identifies its own tenant, whoever sends it.
        resp = api.Parse(_parse_request(), metadata=_md("globex"), timeout=10)
        assert resp.info.tenant == "globex" and [s.name for s in resp.result.symbols] == ["f"]

        # Above the tier's highest priority: lowered and said so; at or below: untouched.
        high = api.Parse(_parse_request(priority=c.PRIORITY_HIGH), metadata=_md("acme"), timeout=10)
        assert (high.info.priority, high.info.priority_clamped) == (c.PRIORITY_NORMAL, True)
        low = api.Parse(_parse_request(priority=c.PRIORITY_LOW), metadata=_md("acme"), timeout=10)
        assert (low.info.priority, low.info.priority_clamped) == (c.PRIORITY_LOW, False)
        batch = api.ParseBatch(
            c.CodeIntelServiceParseBatchRequest(
                files=[common_pb2.SourceFile(path="b.py", content=b"x = 1\n")],
                request_options=c.RequestOptions(priority=c.PRIORITY_HIGH),
            ),
            metadata=_md("bytes"),
            timeout=10,
        )
        assert (batch.info.priority, batch.info.priority_clamped, batch.info.tenant) == (
            c.PRIORITY_HIGH,
            False,
            "bytes",
        )

        stats = admin.GetStats(c.GetStatsRequest(), metadata=_md("acme"), timeout=10)
        assert stats.admission.authentication and stats.admission.limiter == "memory"
        assert stats.admission.unauthenticated == 4 and stats.admission.priority_clamped == 1


def test_without_tenants_authentication_is_off(replicas):
    address = replicas.start()
    ch, api, admin = _stub(address)
    with ch:
        resp = api.Parse(_parse_request(priority=c.PRIORITY_HIGH), timeout=10)
        assert resp.info.tenant == "" and resp.info.priority == c.PRIORITY_HIGH and not resp.info.priority_clamped
        assert not admin.GetStats(c.GetStatsRequest(), timeout=10).admission.authentication


def test_a_bad_tenants_file_stops_the_coordinator_with_a_clear_message(workers, tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[[tenants]]\nid = "x"\ntier = "missing"\nkeys = []\n')
    out = procs.spawn(
        [
            sys.executable,
            "-m",
            "coordinator",
            "--port",
            "0",
            "--parse-workers",
            workers[0],
            "--tenants-file",
            str(path),
        ],
        stderr=subprocess.PIPE,
    )
    _, err = out.communicate(timeout=60)
    assert out.returncode != 0
    assert str(path) in err.decode() and "Traceback" not in err.decode()


# --------------------------------------------------------------------------- rate limits


def _rejection_details(err: grpc.RpcError):
    status = rpc_status.from_call(err)
    retry, quota = error_details_pb2.RetryInfo(), error_details_pb2.QuotaFailure()
    kinds = set()
    for d in status.details:
        if d.Is(retry.DESCRIPTOR):
            d.Unpack(retry)
            kinds.add("retry")
        elif d.Is(quota.DESCRIPTOR):
            d.Unpack(quota)
            kinds.add("quota")
    return kinds, retry, quota


async def _offer(addresses: list[str], tenant: str, rate: float, seconds: float, request) -> dict:
    """Send `rate` calls/s for `seconds`, round robin over the replicas, on a fixed schedule."""
    chans = [grpc.aio.insecure_channel(a) for a in addresses]
    stubs = [coordinator_pb2_grpc.CodeIntelServiceStub(ch) for ch in chans]
    out: dict[str, Any] = {"ok": 0, "limited": 0, "other": [], "first": None, "last": None, "details": None}

    async def one(i: int):
        try:
            await stubs[i % len(stubs)].Parse(request, metadata=_md(tenant), timeout=10)
            out["ok"] += 1
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                out["limited"] += 1
                out["details"] = e
            else:
                out["other"].append((e.code(), e.details()))

    tasks = []
    t0 = time.monotonic()
    n = int(rate * seconds)
    for i in range(n):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if i == 0:
            out["first"] = time.monotonic()
        tasks.append(asyncio.create_task(one(i)))
    out["last"] = time.monotonic()
    await asyncio.gather(*tasks)
    for ch in chans:
        await ch.close()
    return out


def _redis_now(r: redis.Redis) -> float:
    sec, usec = r.time()
    return sec + usec / 1e6


async def _until_refused(addresses: list[str], tenant: str, request, r: redis.Redis, most: int = 10_000):
    """Calls one after another (round robin over the replicas) until one is refused for the rate limit.
    (calls admitted, (Redis time before the refused call, after it), its error)."""
    chans = [grpc.aio.insecure_channel(a) for a in addresses]
    stubs = [coordinator_pb2_grpc.CodeIntelServiceStub(ch) for ch in chans]
    try:
        for i in range(most):
            before = _redis_now(r)
            try:
                await stubs[i % len(stubs)].Parse(request, metadata=_md(tenant), timeout=10)
            except grpc.aio.AioRpcError as e:
                assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "rate limit" in (e.details() or ""), e
                return i, (before, _redis_now(r)), e
        raise AssertionError(f"no call refused in {most}")
    finally:
        for ch in chans:
            await ch.close()


async def _exact_window(addresses, tenant, request, redis_url, offered_per_s: float, seconds: float) -> dict:
    """Spend the tenant's budget (until a call is refused: A), offer `offered_per_s` calls/s for
    `seconds` on a fixed schedule, then call until one is refused again (C). Redis-clock brackets
    of A and C, and the calls admitted in between."""
    with redis.Redis.from_url(redis_url) as r:
        start = _redis_now(r)
        spent, a, _ = await _until_refused(addresses, tenant, request, r)
        offered = await _offer(addresses, tenant, offered_per_s, seconds, request)
        probed, c_, _ = await _until_refused(addresses, tenant, request, r)
    return {"start": start, "spent": spent, "a": a, "offered": offered, "between": offered["ok"] + probed, "c": c_}


# Redis calls of the replicas in the exactness tests: a busy machine's slow answer must not count as
# Redis being down (an unchecked, uncharged admission would void the count). A hang guard only.
SLOW_REDIS_OK = ("--redis-timeout", "5")


def _assert_checked_by_redis(addresses: list[str], tenant: str) -> None:
    """Every decision of every replica was Redis's: none admitted unchecked, no Redis call failed."""
    for address in addresses:
        admission = _stats(address, tenant).admission
        assert (admission.store_errors, admission.fail_open_admits) == (0, 0), (address, admission)


def _assert_exact(w: dict, per_s: float, burst: int) -> None:
    """GCRA, for a budget of `per_s` calls/s and `burst` calls (every call costs the same):

    - from a full budget, the first refusal comes after `burst` admitted calls at least, and never
      more than the budget allows over the time taken;
    - once the budget is spent, admitted calls move the TAT by one interval each, and refusals (A
      and C) happen only when TAT - now lies within one interval of the tolerance; as long as that
      slack has not run out (C within tolerance - interval of A) no budget goes to waste, so the
      calls admitted between A and C are rate * (t_C - t_A), give or take one, however the offered
      calls were spaced. The Redis-clock brackets around A and C bound t_C - t_A.
    """
    a0, a1 = w["a"]
    c0, c1 = w["c"]
    tolerance, interval = burst / per_s, 1 / per_s
    assert burst <= w["spent"] <= burst + per_s * (a1 - w["start"]) + 1, w
    assert c1 - a0 < tolerance - interval, f"the test stalled for {c1 - a0:.1f} s: the window is void"
    assert per_s * (c0 - a1) - 1 < w["between"] < per_s * (c1 - a0) + 1, w
    print(
        f"budget spent after {w['spent']} calls (burst {burst}); then {w['between']} admitted in "
        f"{c0 - a1:.3f}-{c1 - a0:.3f} s at {per_s:g}/s: {per_s * (c0 - a1):.2f}-{per_s * (c1 - a0):.2f} expected"
    )


def test_four_replicas_share_one_exact_limit(replicas, redis_url):
    # 5 calls/s, 100 of burst (a tolerance of 20 s, so that no stall of the test wastes budget).
    rate, burst = 5.0, 100
    toml = tenants_toml(rate=rate, burst=burst)
    addresses = [replicas.start("--redis-url", redis_url, *SLOW_REDIS_OK, tenants=toml) for _ in range(4)]
    # Twice the limit offered for 4 s, round robin; the calls are cheap (the same small file: cache hits).
    w = asyncio.run(_exact_window(addresses, "acme", _parse_request(), redis_url, 2 * rate, 4.0))
    out = w["offered"]
    assert out["other"] == []
    assert out["ok"] + out["limited"] == int(2 * rate * 4)
    # One budget for the four replicas: four separate ones (or none) would admit several times more.
    _assert_checked_by_redis(addresses, "acme")
    _assert_exact(w, rate, burst)
    # Each rejection says when to retry and which quota was spent.
    kinds, retry, quota = _rejection_details(out["details"])
    assert kinds == {"retry", "quota"}
    assert 0 < retry.retry_delay.ToTimedelta().total_seconds() <= 1 / rate + 0.01
    assert quota.violations[0].subject == "tenant:acme" and quota.violations[0].quota_metric == "codeintel/requests"
    # Another tenant at the same time is not affected by acme's spent budget.
    ch, api, _ = _stub(addresses[0])
    with ch:
        assert api.Parse(_parse_request(), metadata=_md("globex"), timeout=10).info.tenant == "globex"


def test_byte_budget_counts_file_sizes(replicas, redis_url):
    # 20 KB/s, 400 KB of burst (tolerance 20 s); requests are not limited (1000/s).
    bps, bytes_burst, size = 20_000, 400_000, 10_000
    toml = tenants_toml(bulk_bps=bps, bulk_burst=bytes_burst)
    addresses = [replicas.start("--redis-url", redis_url, *SLOW_REDIS_OK, tenants=toml) for _ in range(2)]
    # Small files at 4 calls/s fit easily...
    small = asyncio.run(_offer(addresses, "bytes", 4.0, 2.0, _parse_request(b"x = 1\n", "s.py")))
    assert small["limited"] == 0 and small["ok"] == 8
    # ...10 KB files at the same call rate (40 KB/s, twice the byte rate) do not: the budget counts
    # bytes, 2 such calls/s.
    big = (b"x = 1\n" * size)[:size]
    w = asyncio.run(_exact_window(addresses, "bytes", _parse_request(big, "big.py"), redis_url, 4.0, 4.0))
    assert w["offered"]["other"] == [] and w["offered"]["limited"] > 0
    _assert_checked_by_redis(addresses, "bytes")
    _assert_exact(w, bps / size, bytes_burst // size)
    kinds, _, quota = _rejection_details(w["offered"]["details"])
    assert kinds == {"retry", "quota"} and quota.violations[0].quota_metric == "codeintel/bytes"


# --------------------------------------------------------------------------- L2 cache


def _stats(address: str, tenant: str | None = None):
    ch, _, admin = _stub(address)
    with ch:
        return admin.GetStats(c.GetStatsRequest(), metadata=_md(tenant), timeout=10)


def _wait_for_l2_writes(url: str, keys: int) -> None:
    """L2 writes leave the request path; wait until Redis holds them."""
    deadline = time.monotonic() + 10
    with redis.Redis.from_url(url) as r:
        while len(r.keys("codeintel:l2:*")) < keys:
            assert time.monotonic() < deadline, "L2 writes did not reach Redis"
            time.sleep(0.02)


def test_replica_b_answers_from_redis_what_replica_a_computed(replicas, redis_url):
    a = replicas.start("--redis-url", redis_url)
    b = replicas.start("--redis-url", redis_url)
    req = _parse_request(b"class Shared:\n    def m(self):\n        pass\n", "shared.py")
    ch_a, api_a, _ = _stub(a)
    ch_b, api_b, admin_b = _stub(b)
    with ch_a, ch_b:
        first = api_a.Parse(req, timeout=10)
        assert first.info.cache == c.CACHE_STATUS_MISS and first.info.worker
        _wait_for_l2_writes(redis_url, 1)
        second = api_b.Parse(req, timeout=10)
        assert second.info.cache == c.CACHE_STATUS_HIT_L2 and second.info.worker == ""
        assert second.result == first.result
        # B's workers were never called for it, and a repeat is now an L1 hit (backfilled).
        assert sum(w.calls for w in admin_b.ListWorkers(c.ListWorkersRequest(), timeout=10).workers) == 0
        assert api_b.Parse(req, timeout=10).info.cache == c.CACHE_STATUS_HIT_L1
        l2 = {x.tier: x for x in admin_b.GetStats(c.GetStatsRequest(), timeout=10).caches}["l2"]
        assert l2.hits >= 1


def test_a_private_namespace_is_not_shared(replicas, redis_url):
    toml = tenants_toml()
    a = replicas.start("--redis-url", redis_url, tenants=toml)
    b = replicas.start("--redis-url", redis_url, tenants=toml)
    req = _parse_request(b"def private():\n    pass\n", "p.py")
    ch_a, api_a, _ = _stub(a)
    ch_b, api_b, _ = _stub(b)
    with ch_a, ch_b:
        assert api_a.Parse(req, metadata=_md("private"), timeout=10).info.cache == c.CACHE_STATUS_MISS
        _wait_for_l2_writes(redis_url, 1)
        # Another tenant on replica B must compute it again; "private" itself finds it in L2.
        assert api_b.Parse(req, metadata=_md("acme"), timeout=10).info.cache == c.CACHE_STATUS_MISS
        assert api_b.Parse(req, metadata=_md("private"), timeout=10).info.cache == c.CACHE_STATUS_HIT_L2


# --------------------------------------------------------------------------- Redis failure


async def _steady_load(address: str, tenant: str | None, seconds: float, rate: float, results: list):
    ch = grpc.aio.insecure_channel(address)
    api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    t0 = time.monotonic()
    i = 0

    async def one(n: int):
        req = _parse_request(f"def f{n % 50}():\n    pass\n".encode(), f"load{n % 50}.py")
        try:
            resp = await api.Parse(req, metadata=_md(tenant), timeout=10)
            results.append(("ok", resp.info.cache))
        except grpc.aio.AioRpcError as e:
            results.append((e.code().name, e.details()))

    tasks = []
    while time.monotonic() - t0 < seconds:
        tasks.append(asyncio.create_task(one(i)))
        i += 1
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)
    await ch.close()


def _kill_and_restart(redis_proc, down_after: float, up_after: float):
    async def run():
        await asyncio.sleep(down_after)
        await asyncio.to_thread(redis_proc.kill, sig=signal.SIGKILL)
        await asyncio.sleep(up_after - down_after)
        await asyncio.to_thread(redis_proc.start)

    return run()


@pytest.mark.parametrize("mode", ["open", "closed"])
def test_redis_killed_mid_load_and_restarted(replicas, redis_restartable, mode):
    url = f"redis://{redis_restartable.host}:{redis_restartable.port}/0"
    toml = tenants_toml(rate=1000, burst=1000)
    address = replicas.start(
        # A killed Redis refuses connections at once: no timeout is needed to notice it, and a generous
        # one keeps a busy machine's slow answers (once it is back) from counting as Redis errors.
        "--redis-url",
        url,
        "--rate-limit-on-redis-error",
        mode,
        "--redis-timeout",
        "1",
        tenants=toml,
    )
    results: list = []

    async def scenario():
        await asyncio.gather(
            _steady_load(address, "acme", 6.0, 40, results), _kill_and_restart(redis_restartable, 1.5, 3.5)
        )

    asyncio.run(scenario())
    codes = {r[0] for r in results}
    if mode == "open":
        assert codes == {"ok"}, [r for r in results if r[0] != "ok"][:3]
    else:
        assert codes <= {"ok", "UNAVAILABLE", "RESOURCE_EXHAUSTED"}
        assert "UNAVAILABLE" in codes
        assert not any("Traceback" in str(r[1]) for r in results)
    # Both recover on their own: limits are checked against Redis again, and L2 serves again.
    ch, api, _ = _stub(address)
    with ch, redis.Redis.from_url(url) as r:
        sent: list[Any] = []
        deadline = time.monotonic() + 20  # breakers back off up to a few seconds
        while not r.keys("codeintel:l2:*"):
            assert time.monotonic() < deadline, "the L2 cache did not recover after Redis came back"
            sent.append(_parse_request(f"def after_restart_{len(sent)}():\n    pass\n".encode(), "after.py"))
            api.Parse(sent[-1], metadata=_md("acme"), timeout=10)
            time.sleep(0.2)
        before = _stats(address, "acme")
        time.sleep(1.5)  # past the rate limiter's breaker interval
        for req in sent[-3:]:
            api.Parse(req, metadata=_md("acme"), timeout=10)
    after = _stats(address, "acme")
    assert before.admission.store_errors > 0
    assert after.admission.store_errors == before.admission.store_errors  # its Redis answers again
    if mode == "open":
        assert before.admission.fail_open_admits > 0
    b = replicas.start("--redis-url", url, "--redis-timeout", "1", tenants=toml)
    ch_b, api_b, _ = _stub(b)
    with ch_b:
        caches = [api_b.Parse(req, metadata=_md("acme"), timeout=10).info.cache for req in sent]
    assert c.CACHE_STATUS_HIT_L2 in caches


def test_cli_sends_the_api_key(replicas, tmp_path):
    address = replicas.start(tenants=tenants_toml())
    src = tmp_path / "m.py"
    src.write_text("def f():\n    pass\n")
    cli = [sys.executable, "-m", "codeintel"]
    env = {k: v for k, v in os.environ.items() if k != "CODEINTEL_API_KEY"}
    out = subprocess.run(
        [*cli, "parse", str(src), "--coordinator", address], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 1 and "UNAUTHENTICATED" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run(
        [*cli, "parse", str(src), "--coordinator", address, "--api-key", KEYS["acme"], "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert '"f"' in out.stdout
    out = subprocess.run(
        [*cli, "stats", "--coordinator", address, "--format", "json"],
        capture_output=True,
        text=True,
        env={**env, "CODEINTEL_API_KEY": KEYS["globex"]},
        timeout=60,
    )
    assert out.returncode == 0 and '"authentication": true' in out.stdout, out.stderr
