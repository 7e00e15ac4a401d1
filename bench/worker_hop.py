"""What the worker hop would cost on grpc.aio: the real parse worker (a sync gRPC server with a
thread pool) against a grpc.aio server that runs the very same parse inline on its event loop,
both called directly, sequentially, with the same ~8 KB file; and the coordinator in front of
a sync worker (bypass_cache), which gives the coordinator hop. A what-if for docs/scaling.md
("Where the time goes"): it changes no service code.

The three paths are called in alternating rounds, so load from other processes on the machine
falls on both alike. Beside them: in-process parse, a bare grpc.aio echo, and two in-process
parts of a hop's own work for this file: result_pb (domain objects -> protobuf, what the worker
does after parsing) and protobuf encode+decode of the request and of the response (what each
side of one hop does with the bytes).

    python -m bench.worker_hop [--rounds 10] [--calls 100]

Nothing here asserts: benchmarks report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import grpc

from bench import echo
from bench.run import parse_stack
from codeintel.kernel import procs
from codeintel.kernel.source import prepare
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, parse_pb2, parse_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from services.parse import domain
from services.parse.servicer import result_pb

SYNC = "sync worker (services.parse)"
INLINE = "grpc.aio worker, parse inline"
VIA = "coordinator -> sync worker, uncached"
ECHO = "bare grpc.aio echo"
RESULT_PB = "in-process result_pb"
PROTOBUF = "in-process protobuf encode+decode"


class InlineParse(parse_pb2_grpc.ParseServiceServicer):
    """Parse on the event loop itself: one thread, no hand-offs (the worker parses one file at
    a time under the GIL anyway)."""

    async def Parse(self, request, context):
        f = request.file
        result = result_pb(domain.parse_source(prepare(f.path, f.language, f.content)))
        return parse_pb2.ParseResponse(result=result, service_version=domain.VERSION)


async def _serve_inline() -> None:
    server = grpc.aio.server()
    parse_pb2_grpc.add_ParseServiceServicer_to_server(InlineParse(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(json.dumps({"event": "ready", "address": f"127.0.0.1:{port}"}), flush=True)
    await server.wait_for_termination()


async def _rounds(
    targets: dict[str, str], coordinator: str, path: str, data: bytes, rounds: int, calls: int
) -> dict[str, list[float]]:
    f = common_pb2.SourceFile(path=path, content=data)
    channels = {name: grpc.aio.insecure_channel(addr) for name, addr in [*targets.items(), (VIA, coordinator)]}
    stubs: dict[str, tuple] = {
        name: (parse_pb2_grpc.ParseServiceStub(ch).Parse, parse_pb2.ParseRequest(file=f))
        for name, ch in channels.items()
        if name != VIA
    }
    stubs[VIA] = (
        coordinator_pb2_grpc.CodeIntelServiceStub(channels[VIA]).Parse,
        c.CodeIntelServiceParseRequest(file=f, request_options=c.RequestOptions(bypass_cache=True)),
    )
    lat: dict[str, list[float]] = {name: [] for name in stubs}
    try:
        for call, req in stubs.values():  # warm up: connections, grammar loading
            for _ in range(50):
                await call(req, timeout=10)
        for _ in range(rounds):
            for name, (call, req) in stubs.items():
                for _ in range(calls):
                    t = time.perf_counter()
                    await call(req, timeout=10)
                    lat[name].append(time.perf_counter() - t)
    finally:
        for ch in channels.values():
            await ch.close()
    return lat


def hop_steps(path: str, data: bytes, n: int, warmup: int = 50) -> dict[str, list[float]]:
    """Seconds per call of result_pb, and of encoding and decoding the ParseRequest and the
    ParseResponse for this file once each, in this process."""
    parsed = domain.parse_source(prepare(path, "", data))
    request = parse_pb2.ParseRequest(file=common_pb2.SourceFile(path=path, content=data))
    response = parse_pb2.ParseResponse(result=result_pb(parsed), service_version=domain.VERSION)

    def protobuf() -> None:
        parse_pb2.ParseRequest.FromString(request.SerializeToString())
        parse_pb2.ParseResponse.FromString(response.SerializeToString())

    out: dict[str, list[float]] = {}
    for name, step in ((RESULT_PB, lambda: result_pb(parsed)), (PROTOBUF, protobuf)):
        for _ in range(warmup):
            step()
        lat = out[name] = []
        for _ in range(n):
            t = time.perf_counter()
            step()
            lat.append(time.perf_counter() - t)
    return out


def run(rounds: int = 10, calls: int = 100) -> dict:
    path, data = echo.file_near(8192)
    direct = echo.in_process(path, data, rounds * calls)
    steps = hop_steps(path, data, rounds * calls)
    sync = procs.spawn([sys.executable, "-m", "services.parse", "--port", "0", "--log-level", "warning"])
    inline = procs.spawn([sys.executable, "-m", "bench.worker_hop", "--serve-inline"])
    echo_proc = procs.spawn([sys.executable, "-m", "bench.echo", "--serve-echo"])
    stack = None
    try:
        targets = {SYNC: procs.wait_ready(sync, 60)["address"], INLINE: procs.wait_ready(inline, 60)["address"]}
        echo_addr = procs.wait_ready(echo_proc, 30)["address"]
        stack = parse_stack(1)
        lat = asyncio.run(_rounds(targets, stack.address, path, data, rounds, calls))
        lat[ECHO] = asyncio.run(_echo(echo_addr, rounds * calls))
    finally:
        if stack is not None:
            stack.stop()
        procs.terminate([sync, inline, echo_proc], 10)
    return {
        "file": path,
        "file_bytes": len(data),
        "in_process": echo.pcts(direct),
        **{name: echo.pcts(v) for name, v in lat.items()},
        **{name: echo.pcts(v) for name, v in steps.items()},
    }


async def _echo(address: str, n: int) -> list[float]:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    async with grpc.aio.insecure_channel(address) as ch:
        return await echo.sequential(health_pb2_grpc.HealthStub(ch).Check, health_pb2.HealthCheckRequest(), n)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--calls", type=int, default=100, help="sequential calls per server per round")
    ap.add_argument("--json", default="bench/results/worker_hop.json")
    ap.add_argument("--serve-inline", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.serve_inline:
        procs.die_with_parent()
        asyncio.run(_serve_inline())
        return 0
    r = run(a.rounds, a.calls)
    base = r["in_process"]["p50_ms"]
    print(f"{r['file']} ({r['file_bytes']} B), sequential, {a.rounds} alternating rounds of {a.calls} calls")
    print(f"{'path':<36} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p50 - in-process':>17}")
    for name in ("in_process", SYNC, INLINE, VIA, ECHO, RESULT_PB, PROTOBUF):
        x = r[name]
        print(
            f"{name:<36} {x['n']:>6} {x['p50_ms']:>8.3f} {x['p90_ms']:>8.3f} {x['p99_ms']:>8.3f} "
            + (f"{'-':>17}" if name in (RESULT_PB, PROTOBUF) else f"{x['p50_ms'] - base:>+17.3f}")
        )
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(r, fh, indent=1)
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
