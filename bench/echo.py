"""Per-call overhead against baselines measured in the same run.

1. Cache hit: one ~8 KB Python file (the stdlib module closest to 8 KB, the same file as in 2),
   Parse through a LocalStack's coordinator after a first call stored its result, called
   sequentially -> p50; the last call's cache status is recorded (it must be HIT_L1). Baseline: a
   bare gRPC echo in its own process (a grpc.aio generic handler, raw bytes, no protobuf) that
   receives as many bytes as the hit's request and returns as many as its response -> p50 and the
   ratio (target: at most 1.5x the echo). The two alternate in rounds, so load from other processes
   falls on both alike; an empty health Check on the same server is kept beside them (details).
2. The same file, uncached (bypass_cache), sequential Parse through the LocalStack -> p50, vs
   parsing it in this process -> p50, and the difference (target: at most 0.6 ms).

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
ECHO_METHOD = "/bench.Echo/Echo"  # request: 4-byte big-endian response length, then padding
ROUNDS = 10  # hit and echo alternate in this many rounds


async def _echo_bytes(request: bytes, context) -> bytes:
    return bytes(int.from_bytes(request[:4], "big"))


def echo_request(request_bytes: int, response_bytes: int) -> bytes:
    """A raw echo request of `request_bytes` bytes asking for `response_bytes` bytes back."""
    return response_bytes.to_bytes(4, "big") + bytes(max(0, request_bytes - 4))


async def _serve_echo() -> None:
    from grpc_health.v1 import health

    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(_echo_bytes)}
            ),
        )
    )
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


async def alternating(
    calls: dict[str, tuple], n: int, rounds: int = ROUNDS, warmup: int = 200
) -> dict[str, list[float]]:
    """Sequential calls of each (call, request) in `calls`, n in all per entry, the entries taking
    turns in `rounds` rounds after `warmup` untimed calls each."""
    for call, req in calls.values():
        for _ in range(warmup):
            await call(req, timeout=10)
    lat: dict[str, list[float]] = {name: [] for name in calls}
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        for name, (call, req) in calls.items():
            for _ in range(per_round):
                t = time.perf_counter()
                await call(req, timeout=10)
                lat[name].append(time.perf_counter() - t)
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
    out: dict = {}
    source = common_pb2.SourceFile(path=path, content=data)
    async with grpc.aio.insecure_channel(echo) as ech, grpc.aio.insecure_channel(coordinator) as ch:
        parse = coordinator_pb2_grpc.CodeIntelServiceStub(ch).Parse
        hit = c.CodeIntelServiceParseRequest(file=source)
        await parse(hit, timeout=30)  # stores the result: every later call is a hit
        second = await parse(hit, timeout=10)
        request_bytes, response_bytes = len(hit.SerializeToString()), len(second.SerializeToString())
        lat = await alternating(
            {
                "hit": (parse, hit),
                "echo": (ech.unary_unary(ECHO_METHOD), echo_request(request_bytes, response_bytes)),
                "echo_empty": (health_pb2_grpc.HealthStub(ech).Check, health_pb2.HealthCheckRequest()),
            },
            calls,
        )
        last = await parse(hit, timeout=10)
        out.update(lat)
        out["hit_status"] = c.CacheStatus.Name(last.info.cache)
        out["hit_request_bytes"], out["hit_response_bytes"] = request_bytes, response_bytes
        miss = c.CodeIntelServiceParseRequest(file=source, request_options=c.RequestOptions(bypass_cache=True))
        out["uncached"] = await sequential(parse, miss, max(200, calls // 4), warmup=50)
    # The same file straight to the parse worker: splits the overhead between the worker's
    # own hop and the coordinator's.
    async with grpc.aio.insecure_channel(worker) as ch:
        req = parse_pb2.ParseRequest(file=source)
        out["worker"] = await sequential(
            parse_pb2_grpc.ParseServiceStub(ch).Parse, req, max(200, calls // 4), warmup=50
        )
    return out


def run(calls: int, stack: LocalStack | None = None) -> dict:
    """All the latency lists of this module: hit, echo (same bytes), echo_empty, uncached, worker
    (via the coordinator and parse worker of `stack`, or of a one-worker parse stack started here)
    and direct (in-process), plus the file used, the hit's cache status and its bytes each way."""
    path, data = file_near(8192)
    direct = in_process(path, data, max(200, calls // 4))
    echo_proc = procs.spawn([sys.executable, "-m", "bench.echo", "--serve-echo"])
    own: LocalStack | None = None
    if stack is None:
        stack = own = LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    try:
        echo = procs.wait_ready(echo_proc, 30)["address"]
        if own is not None:
            own.start(timeout=120)
        worker = next(addr for name, addr in stack.info["workers"].items() if name.startswith("parse"))
        lat = asyncio.run(measure(echo, stack.address, worker, calls, path, data))
    finally:
        if own is not None:
            own.stop()
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

    echo_name = f"bare gRPC echo, {lat['hit_request_bytes']} B in / {lat['hit_response_bytes']} B out"
    hit_name = f"Parse cache hit via coordinator, {size} B ({lat['hit_status'].removeprefix('CACHE_STATUS_')})"
    rows = {
        echo_name: pcts(lat["echo"]),
        hit_name: pcts(lat["hit"]),
        "bare gRPC echo, empty (health Check)": pcts(lat["echo_empty"]),
        f"in-process parse of {path} ({size} B)": pcts(direct),
        f"Parse direct to the worker, {size} B (diagnostic)": pcts(lat["worker"]),
        f"Parse uncached via coordinator, {size} B": pcts(lat["uncached"]),
    }
    echo_p50, hit_p50 = rows[echo_name]["p50_ms"], rows[hit_name]["p50_ms"]
    direct_p50, unc_p50 = pcts(direct)["p50_ms"], pcts(lat["uncached"])["p50_ms"]
    ratio, diff = hit_p50 / echo_p50, unc_p50 - direct_p50

    print(f"{'measurement':<56} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    print("-" * 90)
    for name, r in rows.items():
        print(f"{name:<56} {r['n']:>6} {r['p50_ms']:>8.3f} {r['p90_ms']:>8.3f} {r['p99_ms']:>8.3f}")
    print()
    print(
        f"cache hit p50 / same-bytes echo p50 = {ratio:.2f}x   (target <= {HIT_TARGET_RATIO}x: "
        f"{'met' if ratio <= HIT_TARGET_RATIO else 'NOT met'})"
    )
    print(
        f"uncached p50 - in-process p50       = {diff:+.3f} ms (target <= {UNCACHED_TARGET_MS} ms: "
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
                "hit_status": lat["hit_status"],
                "hit_request_bytes": lat["hit_request_bytes"],
                "hit_response_bytes": lat["hit_response_bytes"],
            },
            fh,
            indent=1,
        )
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
