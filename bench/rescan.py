"""Incremental rescan: scan a corpus through the coordinator (ScanBatch, cache on), change 5 %
of the files, scan again. Reports the share of files the second scan answered from a cache
(target >= 95 %) and its time against the first, cold scan (target <= 10 %).

The changed files get a unique trailing comment, so their content (and cache key) is new
while they stay valid source. Files are the CPython stdlib without tests (bench.run.corpus).

    python -m bench.rescan [--limit N] [--workers 2] [--changed 0.05]

Results go to bench/results/rescan.json. Nothing here asserts: benchmarks report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from collections import Counter

import grpc

from bench.run import corpus
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c

HIT_TARGET = 0.95
TIME_TARGET = 0.10
REUSED = (c.CACHE_STATUS_HIT_L1, c.CACHE_STATUS_HIT_L2, c.CACHE_STATUS_MERGED)


async def scan_all(address: str, files: list[tuple[str, bytes]], batch: int = 64, in_flight: int = 4) -> dict:
    """One ScanBatch pass over `files`: seconds, files per cache status, per-file and call errors."""
    opts = [("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]
    statuses: Counter = Counter()
    file_errors = call_errors = 0
    sem = asyncio.Semaphore(in_flight)
    async with grpc.aio.insecure_channel(address, options=opts) as ch:
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)

        async def one(chunk):
            nonlocal file_errors, call_errors
            async with sem:
                try:
                    resp = await api.ScanBatch(
                        c.CodeIntelServiceScanBatchRequest(
                            files=[common_pb2.SourceFile(path=p, content=d) for p, d in chunk]
                        ),
                        timeout=300,
                    )
                except grpc.aio.AioRpcError:
                    call_errors += len(chunk)
                    return
            statuses.update(resp.info.cache)
            file_errors += sum(1 for r in resp.results if r.WhichOneof("outcome") == "error")

        t0 = time.perf_counter()
        await asyncio.gather(*(one(files[i : i + batch]) for i in range(0, len(files), batch)))
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "files": len(files),
        "statuses": {c.CacheStatus.Name(k): v for k, v in statuses.items()},
        "reused": sum(statuses[s] for s in REUSED),
        "file_errors": file_errors,
        "call_errors": call_errors,
    }


def changed_copy(files: list[tuple[str, bytes]], share: float) -> tuple[list[tuple[str, bytes]], int]:
    """The corpus with int(share * n) files, evenly spread, given a unique trailing comment."""
    n_changed = int(share * len(files))
    step = len(files) / n_changed if n_changed else 0
    picked = {int(i * step) for i in range(n_changed)}
    tag = secrets.token_hex(6)
    out = [(p, d + f"\n# rescan {tag} {i}\n".encode() if i in picked else d) for i, (p, d) in enumerate(files)]
    return out, len(picked)


def run(address: str, files: list[tuple[str, bytes]], share: float = 0.05) -> dict:
    cold = asyncio.run(scan_all(address, files))
    edited, n_changed = changed_copy(files, share)
    warm = asyncio.run(scan_all(address, edited))
    n = len(files)
    return {
        "files": n,
        "changed": n_changed,
        "cold": cold,
        "rescan": warm,
        "hit_share": warm["reused"] / n if n else 0.0,
        "ideal_hit_share": (n - n_changed) / n if n else 0.0,
        "time_ratio": warm["seconds"] / cold["seconds"] if cold["seconds"] else 0.0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N corpus files")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="scan worker processes")
    ap.add_argument("--changed", type=float, default=0.05, help="share of files changed before the rescan")
    ap.add_argument("--json", default="bench/results/rescan.json")
    a = ap.parse_args(argv)
    files = corpus(a.limit)
    with LocalStack(workers=a.workers, extra_args=["--parse-workers", "0", "--analyze-workers", "0"]) as stack:
        r = run(stack.address, files, a.changed)
    cold, warm = r["cold"], r["rescan"]
    print(f"corpus: {r['files']} files; changed before the rescan: {r['changed']}")
    print(
        f"cold scan   {cold['seconds']:8.2f} s  {r['files'] / cold['seconds']:7.0f} files/s  "
        f"errors {cold['file_errors'] + cold['call_errors']}"
    )
    print(
        f"rescan      {warm['seconds']:8.2f} s  reused {warm['reused']} / {r['files']} = {r['hit_share']:.1%}  "
        f"errors {warm['file_errors'] + warm['call_errors']}"
    )
    print(
        f"cache hits {r['hit_share']:.1%} (target >= {HIT_TARGET:.0%}: "
        f"{'met' if r['hit_share'] >= HIT_TARGET else 'NOT met'}); "
        f"time {r['time_ratio']:.1%} of cold (target <= {TIME_TARGET:.0%}: "
        f"{'met' if r['time_ratio'] <= TIME_TARGET else 'NOT met'})"
    )
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(r, fh, indent=1)
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
