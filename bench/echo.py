"""Per-call overhead against baselines measured in the same run.

1. A bare gRPC echo: grpc.health.v1 Check on a minimal grpc.aio server in its own process,
   called sequentially -> p50. Beside it, a cache-hit Parse through a LocalStack, called the
   same way -> p50 and the ratio (target: at most 1.5x the echo).
2. One ~8 KB Python file, uncached (bypass_cache), sequential Parse through the LocalStack
   -> p50, vs parsing it in this process -> p50, and the difference (target: at most 0.6 ms).

    python -m bench.echo [--calls 2000] [--json bench/results/echo.json]

Results go to bench/results/echo.json. Nothing here asserts: benchmarks report.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import sys
import sysconfig
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeintel.kernel import procs
from codeintel.kernel.source import prepare
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, parse_pb2, parse_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from services.parse.domain import parse_source

HIT_TARGET_RATIO = 1.5
UNCACHED_TARGET_MS = 0.6


async def _serve_echo() -> None:
    from grpc_health.v1 import health

    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    print(json.dumps({"event": "ready", "address": f"127.0.0.1:{port}"}), flush=True)
    await server.wait_for_termination()


def pcts(lat: list[float]) -> dict:
    s = sorted(lat)
    at = lambda q: s[min(len(s) - 1, int(q * len(s)))] * 1e3  # noqa: E731
    return {"n": len(s), "p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99)}


async def sequential(call, request, n: int, warmup: int = 200, **kw) -> list[float]:
    for _ in range(warmup):
        await call(request, timeout=10, **kw)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        await call(request, timeout=10, **kw)
        lat.append(time.perf_counter() - t)
    return lat


def file_near(size: int) -> tuple[str, bytes]:
    """The stdlib .py file whose size is closest to `size` (valid, real-world source)."""
    root = sysconfig.get_paths()["stdlib"]
    best = min((p for p in glob.glob(os.path.join(root, "*.py"))), key=lambda p: abs(os.path.getsize(p) - size))
    with open(best, "rb") as fh:
        return os.path.basename(best), fh.read()


def in_process(path: str, data: bytes, n: int) -> list[float]:
    for _ in range(50):
        parse_source(prepare(path, "", data))
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        parse_source(prepare(path, "", data))
        lat.append(time.perf_counter() - t)
    return lat


async def measure(echo: str, coordinator: str, worker: str, calls: int, path: str, data: bytes) -> dict:
    out = {}
    async with grpc.aio.insecure_channel(echo) as ch:
        out["echo"] = await sequential(health_pb2_grpc.HealthStub(ch).Check, health_pb2.HealthCheckRequest(), calls)
    async with grpc.aio.insecure_channel(coordinator) as ch:
        parse = coordinator_pb2_grpc.CodeIntelServiceStub(ch).Parse
        hit = c.CodeIntelServiceParseRequest(file=common_pb2.SourceFile(path="hit.py", content=b"x = 1\n"))
        out["hit"] = await sequential(parse, hit, calls)
        miss = c.CodeIntelServiceParseRequest(
            file=common_pb2.SourceFile(path=path, content=data), request_options=c.RequestOptions(bypass_cache=True)
        )
        out["uncached"] = await sequential(parse, miss, max(200, calls // 4), warmup=50)
    # The same file straight to the parse worker: splits the overhead between the worker's
    # own hop and the coordinator's.
    async with grpc.aio.insecure_channel(worker) as ch:
        req = parse_pb2.ParseRequest(file=common_pb2.SourceFile(path=path, content=data))
        out["worker"] = await sequential(
            parse_pb2_grpc.ParseServiceStub(ch).Parse, req, max(200, calls // 4), warmup=50
        )
    return out


def run(calls: int, stack: LocalStack | None = None) -> dict:
    """All the latency lists of this module: echo, hit, uncached, worker (via the coordinator
    and parse worker of `stack`, or of a one-worker parse stack started here) and direct
    (in-process), plus the file used."""
    path, data = file_near(8192)
    direct = in_process(path, data, max(200, calls // 4))
    echo_proc = procs.spawn([sys.executable, "-m", "bench.echo", "--serve-echo"])
    own = stack is None
    if own:
        stack = LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    try:
        echo = procs.wait_ready(echo_proc, 30)["address"]
        if own:
            stack.start(timeout=120)
        worker = next(addr for name, addr in stack.info["workers"].items() if name.startswith("parse"))
        lat = asyncio.run(measure(echo, stack.address, worker, calls, path, data))
    finally:
        if own:
            stack.stop()
        procs.terminate([echo_proc], 5)
    return {**lat, "direct": direct, "file": path, "file_bytes": len(data)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000, help="sequential calls per measurement")
    ap.add_argument("--json", default="bench/results/echo.json")
    ap.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.serve_echo:
        procs.die_with_parent()
        asyncio.run(_serve_echo())
        return 0

    lat = run(a.calls)
    direct, path, size = lat["direct"], lat["file"], lat["file_bytes"]

    rows = {
        "bare gRPC echo (health Check), sequential": pcts(lat["echo"]),
        "Parse cache hit via coordinator, sequential": pcts(lat["hit"]),
        f"in-process parse of {path} ({size} B)": pcts(direct),
        f"Parse direct to the worker, {size} B (diagnostic)": pcts(lat["worker"]),
        f"Parse uncached via coordinator, {size} B": pcts(lat["uncached"]),
    }
    echo_p50, hit_p50 = (
        rows["bare gRPC echo (health Check), sequential"]["p50_ms"],
        rows["Parse cache hit via coordinator, sequential"]["p50_ms"],
    )
    direct_p50, unc_p50 = pcts(direct)["p50_ms"], pcts(lat["uncached"])["p50_ms"]
    ratio, diff = hit_p50 / echo_p50, unc_p50 - direct_p50

    print(f"{'measurement':<52} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    print("-" * 86)
    for name, r in rows.items():
        print(f"{name:<52} {r['n']:>6} {r['p50_ms']:>8.3f} {r['p90_ms']:>8.3f} {r['p99_ms']:>8.3f}")
    print()
    print(
        f"cache hit p50 / echo p50        = {ratio:.2f}x   (target <= {HIT_TARGET_RATIO}x: "
        f"{'met' if ratio <= HIT_TARGET_RATIO else 'NOT met'})"
    )
    print(
        f"uncached p50 - in-process p50   = {diff:+.3f} ms (target <= {UNCACHED_TARGET_MS} ms: "
        f"{'met' if diff <= UNCACHED_TARGET_MS else 'NOT met'})"
    )
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(
            {
                "rows": rows,
                "hit_vs_echo_ratio": ratio,
                "hit_target_ratio": HIT_TARGET_RATIO,
                "uncached_minus_in_process_ms": diff,
                "uncached_target_ms": UNCACHED_TARGET_MS,
                "file": path,
                "file_bytes": size,
            },
            fh,
            indent=1,
        )
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
