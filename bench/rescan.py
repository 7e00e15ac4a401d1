"""Incremental rescan: scan a corpus through the coordinator (ScanBatch, cache on), change 5 %
of the files, scan again. Reports the share of files the second scan answered from a cache
(target >= 95 %) and its time against the first, cold scan (target <= 10 %).

The rescan is measured both ways in the same run, each after its own 5 % change: the old way
(every batch sends all its content in one ScanBatch) and by digest (each batch first sends
only the files' SHA-256 in a LookupBatch, then ScanBatch with the content of the files no cache
knew: codeintel.client CoordinatorClient.batch_by_digest).

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
from codeintel.client.aio import CoordinatorClient
from codeintel.client.errors import ClientError
from codeintel.client.requests import lookup_request
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, scan_pb2
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


async def scan_all_by_digest(address: str, files: list[tuple[str, bytes]], batch: int = 64, in_flight: int = 4) -> dict:
    """As scan_all, each batch in two steps (LookupBatch by digest, then ScanBatch for the rest)."""
    statuses: Counter = Counter()
    file_errors = call_errors = sent = sent_bytes = 0
    sem = asyncio.Semaphore(in_flight)
    async with CoordinatorClient(address, timeout_s=300) as client:

        async def one(chunk):
            nonlocal file_errors, call_errors, sent, sent_bytes
            async with sem:
                try:
                    resp = await client.batch_by_digest(
                        "scan", [common_pb2.SourceFile(path=p, content=d) for p, d in chunk], scan_pb2.ScanOptions()
                    )
                except ClientError:
                    call_errors += len(chunk)
                    return
            statuses.update(resp.info.cache)
            fresh = [len(d) for (_, d), s in zip(chunk, resp.info.cache, strict=True) if s not in REUSED]
            sent, sent_bytes = sent + len(fresh), sent_bytes + sum(fresh)
            file_errors += sum(1 for r in resp.results if r.WhichOneof("outcome") == "error")

        t0 = time.perf_counter()
        await asyncio.gather(*(one(files[i : i + batch]) for i in range(0, len(files), batch)))
        seconds = time.perf_counter() - t0
    digests = sum(
        lookup_request(
            "scan", [common_pb2.SourceFile(path=p, content=d) for p, d in files[i : i + batch]], None
        ).ByteSize()
        for i in range(0, len(files), batch)
    )
    return {
        "seconds": seconds,
        "files": len(files),
        "statuses": {c.CacheStatus.Name(k): v for k, v in statuses.items()},
        "reused": sum(statuses[s] for s in REUSED),
        "content_sent": sent,
        "lookup_bytes": digests,
        "content_bytes": sent_bytes,
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
    edited2, _ = changed_copy(files, share)  # a fresh change: the first one's files are cached now
    by_digest = asyncio.run(scan_all_by_digest(address, edited2))
    # The floor: a fresh change's files alone, scanned cold (what any rescan must still compute).
    edited3, _ = changed_copy(files, share)
    floor = asyncio.run(scan_all(address, [f for f, o in zip(edited3, files, strict=True) if f != o]))
    n = len(files)
    total_bytes = sum(len(d) for _, d in files)
    changed_bytes = sum(len(d) for (_, d), (_, o) in zip(edited, files, strict=True) if d != o)
    return {
        "files": n,
        "changed": n_changed,
        "cold": cold,
        "rescan": warm,
        "rescan_by_digest": by_digest,
        "changed_only": floor,
        "bytes": total_bytes,
        "changed_bytes": changed_bytes,
        "floor_ratio": floor["seconds"] / cold["seconds"] if cold["seconds"] else 0.0,
        "hit_share": warm["reused"] / n if n else 0.0,
        "hit_share_by_digest": by_digest["reused"] / n if n else 0.0,
        "ideal_hit_share": (n - n_changed) / n if n else 0.0,
        "time_ratio": warm["seconds"] / cold["seconds"] if cold["seconds"] else 0.0,
        "time_ratio_by_digest": by_digest["seconds"] / cold["seconds"] if cold["seconds"] else 0.0,
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
    cold, warm, dig = r["cold"], r["rescan"], r["rescan_by_digest"]
    print(
        f"corpus: {r['files']} files, {r['bytes'] / 1e6:.1f} MB; changed before each rescan: {r['changed']} files, "
        f"{r['changed_bytes'] / 1e6:.2f} MB ({r['changed_bytes'] / max(r['bytes'], 1):.1%} of the bytes)"
    )
    print(
        f"cold scan   {cold['seconds']:8.2f} s  {r['files'] / cold['seconds']:7.0f} files/s  "
        f"errors {cold['file_errors'] + cold['call_errors']}"
    )
    print(
        f"rescan      {warm['seconds']:8.2f} s  reused {warm['reused']} / {r['files']} = {r['hit_share']:.1%}  "
        f"sent {r['bytes'] / 1e6:.2f} MB of content  errors {warm['file_errors'] + warm['call_errors']}"
    )
    print(
        f"by digest   {dig['seconds']:8.2f} s  reused {dig['reused']} / {r['files']} = "
        f"{r['hit_share_by_digest']:.1%}  sent {dig['lookup_bytes'] / 1e6:.2f} MB of digests + "
        f"{dig['content_bytes'] / 1e6:.2f} MB of content ({dig['content_sent']} files)  "
        f"errors {dig['file_errors'] + dig['call_errors']}"
    )
    floor = r["changed_only"]
    print(
        f"changed only{floor['seconds']:8.2f} s  (the changed files alone, cold: the floor of any rescan; "
        f"{r['floor_ratio']:.1%} of cold)"
    )
    for name, hits, ratio in (
        ("rescan   ", r["hit_share"], r["time_ratio"]),
        ("by digest", r["hit_share_by_digest"], r["time_ratio_by_digest"]),
    ):
        print(
            f"{name}: cache hits {hits:.1%} (target >= {HIT_TARGET:.0%}: {'met' if hits >= HIT_TARGET else 'NOT met'}); "
            f"time {ratio:.1%} of cold (target <= {TIME_TARGET:.0%}: {'met' if ratio <= TIME_TARGET else 'NOT met'})"
        )
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(r, fh, indent=1)
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
