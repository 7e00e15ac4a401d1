"""Parse+symbols throughput and latency through the coordinator vs in-process tree-sitter.

Corpus: the CPython standard library's *.py files on this machine, without its tests (the first
line printed gives their number and size). Every figure is printed beside a baseline measured in
the same run, with the ratio; results also go to bench/results/latest.json. Nothing here asserts:
benchmarks report.

    python -m bench.run [--workers 2] [--batch 64] [--concurrency 8] [--limit N]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import multiprocessing as mp
import os
import sys
import sysconfig
import time

import grpc

from codeintel.kernel.source import prepare
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from services.parse.domain import parse_source


def corpus(limit: int | None) -> list[tuple[str, bytes]]:
    root = sysconfig.get_paths()["stdlib"]
    skip = ("site-packages", "test", "tests", "idle_test")
    paths = sorted(
        p
        for p in glob.glob(os.path.join(root, "**", "*.py"), recursive=True)
        if not set(os.path.relpath(p, root).split(os.sep)[:-1]) & set(skip)
    )
    files = []
    for p in paths:
        with open(p, "rb") as fh:
            data = fh.read()
        try:
            prepare(p, "", data)
        except Exception:  # noqa: BLE001 - e.g. a latin-1 test file; the corpus is valid source only
            continue
        files.append((os.path.relpath(p, root), data))
    return files[:limit] if limit else files


def _direct_chunk(files) -> int:
    n = 0
    for path, data in files:
        parse_source(prepare(path, "", data))
        n += 1
    return n


def direct_one_process(files) -> tuple[float, list[float]]:
    _direct_chunk(files[:20])  # warm up grammar loading
    lat = []
    t0 = time.perf_counter()
    for path, data in files:
        s = time.perf_counter()
        parse_source(prepare(path, "", data))
        lat.append(time.perf_counter() - s)
    return len(files) / (time.perf_counter() - t0), lat


def direct_processes(files, procs: int, repeats: int = 1) -> float:
    """files/s of `procs` processes parsing the corpus with no RPC at all: the ceiling.
    Best of `repeats` passes. Spawned, not forked: forking a process that has run gRPC
    threads can abort the child."""
    chunks = [files[i::procs] for i in range(procs)]
    best = 0.0
    with mp.get_context("spawn").Pool(procs) as pool:
        pool.map(_direct_chunk, [f[:20] for f in chunks])  # warm up: imports, grammar loading
        for _ in range(repeats):
            t0 = time.perf_counter()
            done = sum(pool.map(_direct_chunk, chunks))
            best = max(best, done / (time.perf_counter() - t0))
    return best


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000 if s else 0.0


async def through_coordinator(address: str, files, *, batch: int, concurrency: int, cached: bool):
    """files/s and per-request latencies; cached=False bypasses the cache lookup."""
    ch = grpc.aio.insecure_channel(
        address, options=[("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]
    )
    api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    ro = c.RequestOptions(bypass_cache=not cached)
    srcs = [common_pb2.SourceFile(path=p, content=d) for p, d in files]
    reqs: list
    if batch > 1:
        reqs = [
            c.CodeIntelServiceParseBatchRequest(files=srcs[i : i + batch], request_options=ro)
            for i in range(0, len(srcs), batch)
        ]
        call = api.ParseBatch
    else:
        reqs = [c.CodeIntelServiceParseRequest(file=s, request_options=ro) for s in srcs]
        call = api.Parse
    queue = list(reversed(reqs))
    lat: list[float] = []
    errors = 0

    async def client():
        nonlocal errors
        while queue:
            req = queue.pop()
            s = time.perf_counter()
            try:
                await call(req, timeout=120)
            except grpc.aio.AioRpcError:
                errors += 1
            lat.append(time.perf_counter() - s)

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await ch.close()
    return len(files) / elapsed, lat, errors


def parse_stack(workers: int, stderr=None) -> LocalStack:
    """A started LocalStack with `workers` parse workers and no analyze/scan workers."""
    stack = LocalStack(workers=workers, extra_args=["--analyze-workers", "0", "--scan-workers", "0"], stderr=stderr)
    stack.start(timeout=120)
    return stack


def best_of(repeats: int, fn):
    """The run with the highest files/s among `repeats` runs of fn() -> (rate, lat, errors);
    errors are summed over all runs so none is hidden."""
    runs = [fn() for _ in range(max(1, repeats))]
    rate, lat, _ = max(runs, key=lambda r: r[0])
    return rate, lat, sum(r[2] for r in runs)


def through_stack(address: str, files, *, batch: int, concurrency: int, repeats: int = 1) -> dict:
    """Every coordinator measurement of this module against a running parse stack:
    {name: (files/s, latencies, errors)}."""
    run = lambda **kw: asyncio.run(through_coordinator(address, files, **kw))  # noqa: E731
    run(batch=batch, concurrency=concurrency, cached=False)  # warm-up: connections, grammars
    out = {
        "batched": best_of(repeats, lambda: run(batch=batch, concurrency=concurrency, cached=False)),
        "unary": best_of(repeats, lambda: run(batch=1, concurrency=concurrency, cached=False)),
        "sequential": run(batch=1, concurrency=1, cached=False),
    }
    run(batch=batch, concurrency=concurrency, cached=True)  # fill the cache
    out["hit"] = run(batch=1, concurrency=1, cached=True)
    out["hit_concurrent"] = run(batch=1, concurrency=concurrency, cached=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="parse worker processes")
    ap.add_argument("--batch", type=int, default=64, help="files per batched request")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N corpus files")
    ap.add_argument("--json", default="bench/results/latest.json")
    a = ap.parse_args(argv)

    files = corpus(a.limit)
    total_mb = sum(len(d) for _, d in files) / 1e6
    print(f"corpus: {len(files)} files, {total_mb:.1f} MB (CPython {sys.version.split()[0]} stdlib)", flush=True)

    one_rate, one_lat = direct_one_process(files)
    ceiling = direct_processes(files, a.workers)

    stack = parse_stack(a.workers)
    try:
        m = through_stack(stack.address, files, batch=a.batch, concurrency=a.concurrency)
    finally:
        stack.stop()
    (b_rate, b_lat, b_err), (u_rate, u_lat, u_err), (s_rate, s_lat, s_err) = m["batched"], m["unary"], m["sequential"]
    (h_rate, h_lat, h_err), (hc_rate, _, hc_err) = m["hit"], m["hit_concurrent"]

    rows = [
        ("in-process, 1 process (baseline)", one_rate, None, pct(one_lat, 0.5), pct(one_lat, 0.99), 0),
        (f"in-process, {a.workers} processes (ceiling)", ceiling, 1.0, None, None, 0),
        (
            f"coordinator, batched x{a.batch}, {a.concurrency} in flight",
            b_rate,
            b_rate / ceiling,
            pct(b_lat, 0.5),
            pct(b_lat, 0.99),
            b_err,
        ),
        (
            f"coordinator, 1 file/request, {a.concurrency} in flight",
            u_rate,
            u_rate / ceiling,
            pct(u_lat, 0.5),
            pct(u_lat, 0.99),
            u_err,
        ),
        ("coordinator, 1 file/request, sequential", s_rate, s_rate / ceiling, pct(s_lat, 0.5), pct(s_lat, 0.99), s_err),
        ("coordinator, cache hit, sequential", h_rate, h_rate / ceiling, pct(h_lat, 0.5), pct(h_lat, 0.99), h_err),
        (f"coordinator, cache hit, {a.concurrency} in flight", hc_rate, hc_rate / ceiling, None, None, hc_err),
    ]
    print()
    print(f"{'path':<46} {'files/s':>9} {'vs ceiling':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    print("-" * 92)
    for name, rate, ratio, p50, p99, err in rows:
        fmt = lambda v, f: (f % v) if v is not None else "-"  # noqa: E731
        print(f"{name:<46} {rate:>9.0f} {fmt(ratio, '%.2f'):>10} {fmt(p50, '%.2f'):>8} {fmt(p99, '%.2f'):>8} {err:>6}")
    print()
    print(
        f"per-request overhead, sequential uncached p50 vs in-process p50: "
        f"{pct(s_lat, 0.5) - pct(one_lat, 0.5):+.2f} ms; cache-hit p50 = {pct(h_lat, 0.5):.2f} ms"
    )
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(
            {
                "corpus_files": len(files),
                "corpus_mb": total_mb,
                "workers": a.workers,
                "rows": [
                    dict(zip(("path", "files_per_s", "vs_ceiling", "p50_ms", "p99_ms", "errors"), r, strict=True))
                    for r in rows
                ],
            },
            fh,
            indent=1,
        )
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
