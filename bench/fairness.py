"""Fairness between tenants at the same priority: does one tenant's flood hurt another's latency?

A local stack (parse workers only, tenants on, no rate limit in the way) serves a "quiet" tenant
that sends one request at a time. Its latency is measured three ways, in one run:

  quiet        nobody else is working (the baseline);
  flood        another tenant keeps `--flood` requests in flight at the same priority;
  same tenant  the flood and the quiet caller share one key (what a plain FIFO queue does to
               the quiet caller: it waits behind the whole flood; shown for contrast).

The issue's aim: the quiet tenant's p99 during the flood stays within 2x its quiet p99.
Nothing here asserts: it prints the figures and the ratios.

    python -m bench.fairness [--workers 2] [--flood 48] [--requests 300] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time

import grpc

from bench.run import corpus, pct
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from coordinator.tenants import hash_key, new_key


def _tenants_file(directory: str, keys: dict[str, str]) -> str:
    lines = [
        "[tiers.bench]",
        "rate = 100000",
        "burst = 100000",
        "bytes_per_second = 1e12",
        "bytes_burst = 1000000000000",
        "max_concurrent = 10000",
        'max_priority = "high"',
        "",
    ]
    for tenant, key in keys.items():
        lines += ["[[tenants]]", f'id = "{tenant}"', 'tier = "bench"', f'keys = ["{hash_key(key)}"]', ""]
    path = os.path.join(directory, "tenants.toml")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    return path


async def _measure(address: str, quiet_key: str, flood_key: str | None, files, requests: int, flood: int):
    ch = grpc.aio.insecure_channel(address, options=[("grpc.max_send_message_length", 64 << 20)])
    api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    ro = c.RequestOptions(bypass_cache=True, priority=c.PRIORITY_NORMAL)
    reqs = [
        c.CodeIntelServiceParseRequest(file=common_pb2.SourceFile(path=p, content=d), request_options=ro)
        for p, d in files
    ]
    stop = asyncio.Event()
    errors = 0

    async def flooder(n: int):
        nonlocal errors
        md = (("authorization", f"Bearer {flood_key}"),)
        i = n
        while not stop.is_set():
            try:
                await api.Parse(reqs[i % len(reqs)], metadata=md, timeout=120)
            except grpc.aio.AioRpcError:
                errors += 1
            i += flood

    flooders = [asyncio.create_task(flooder(n)) for n in range(flood if flood_key else 0)]
    if flooders:
        await asyncio.sleep(1.0)  # let the queue fill
    md = (("authorization", f"Bearer {quiet_key}"),)
    lat = []
    for i in range(requests):
        s = time.perf_counter()
        try:
            await api.Parse(reqs[(i * 7) % len(reqs)], metadata=md, timeout=120)
        except grpc.aio.AioRpcError:
            errors += 1
        lat.append(time.perf_counter() - s)
        await asyncio.sleep(0.002)
    stop.set()
    await asyncio.gather(*flooders)
    await ch.close()
    return lat, errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2, help="parse worker processes")
    ap.add_argument("--flood", type=int, default=48, help="requests the flooding tenant keeps in flight")
    ap.add_argument("--requests", type=int, default=300, help="requests the quiet tenant sends per scenario")
    ap.add_argument("--json", default="bench/results/fairness.json")
    a = ap.parse_args(argv)

    # Mid-sized files (4-32 KB): a few milliseconds of work each, so queueing shows.
    files = [(p, d) for p, d in corpus(None) if 4096 <= len(d) <= 32768][:200]
    keys = {"quiet": new_key(), "flood": new_key()}
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack(
            workers=a.workers,
            extra_args=[
                "--analyze-workers",
                "0",
                "--scan-workers",
                "0",
                f"--coordinator-arg=--tenants-file={_tenants_file(tmp, keys)}",
                "--coordinator-arg=--per-worker-concurrency=1",
            ],
        )
        stack.start(timeout=120)
        try:
            run = lambda flood_key: asyncio.run(  # noqa: E731
                _measure(stack.address, keys["quiet"], flood_key, files, a.requests, a.flood)
            )
            run(None)  # warm-up
            rows = {"quiet": run(None), "flood": run(keys["flood"]), "same tenant": None}
            # The quiet caller using the flood's own key: both are one tenant, so plain FIFO.
            rows["same tenant"] = asyncio.run(
                _measure(stack.address, keys["flood"], keys["flood"], files, a.requests, a.flood)
            )
        finally:
            stack.stop()

    base = pct(rows["quiet"][0], 0.99)
    print(
        f"\nfairness: quiet tenant's latency, {a.requests} sequential parse calls of 4-32 KB files, "
        f"{a.workers} parse worker(s), flood of {a.flood} in flight"
    )
    print(f"{'scenario':<14}{'p50 ms':>10}{'p99 ms':>10}{'p99 / quiet p99':>18}{'errors':>8}")
    out = {}
    for name, (lat, errors) in rows.items():
        p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
        print(f"{name:<14}{p50:>10.2f}{p99:>10.2f}{p99 / base:>17.2f}x{errors:>8}")
        out[name] = {"p50_ms": p50, "p99_ms": p99, "ratio_p99": p99 / base, "errors": errors}
    print("aim: 'flood' p99 within 2.0x the 'quiet' p99")
    os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(
            {"fairness": out, "workers": a.workers, "flood": a.flood, "python": sys.version.split()[0]}, fh, indent=2
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
