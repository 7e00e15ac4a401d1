"""100 concurrent clients mixing Parse, Analyze and Scan for 30 s against a LocalStack, with
the peak memory (VmHWM) of every process of the stack and of the load client.

Uses the `codeintel load` engine (closed loop, built-in snippets, cache "mixed": half the
calls repeat warmed files, half carry unique content). Targets: p99 < 100 ms, zero errors.

    python -m bench.mixed [--workers 1] [--concurrency 100] [--duration 30]

Results go to bench/results/mixed.json. Nothing here asserts: benchmarks report.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time

from bench.dispatch import cpu_seconds
from codeintel.ops.load import LoadConfig, format_report, run_load
from codeintel.ops.stack import LocalStack

P99_TARGET_MS = 100.0
LOAD_CLIENT = "load client"


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in kB, from /proc (0 when it is gone)."""
    out = {"VmRSS": 0, "VmHWM": 0}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in out:
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def stack_pids(stack: LocalStack) -> dict[str, int]:
    info = stack.info
    return {
        "supervisor": info.get("pid", 0),
        "coordinator": info.get("coordinator_pid", 0),
        **dict(sorted(info.get("pids", {}).items())),
    }


def _load_child(cfg: LoadConfig, baseline_duration: float, out) -> None:
    """The load client, in its own process so that its peak RSS is its own: first one client
    alone (the unloaded baseline), then the full load."""
    base = None
    if baseline_duration > 0:
        base = run_load(LoadConfig(**{**vars(cfg), "concurrency": 1, "duration": baseline_duration}))
    out.put({"ready": True})
    c0, t0 = time.process_time(), time.perf_counter()
    report = run_load(cfg)
    cpu = 100 * (time.process_time() - c0) / (time.perf_counter() - t0)
    out.put({"baseline": base, "report": report, "memory": memory_kb(os.getpid()), "cpu_percent": cpu})


def run(
    stack: LocalStack,
    concurrency: int = 100,
    duration: float = 30.0,
    cache: str = "mixed",
    baseline_duration: float = 0.0,
) -> dict:
    """The mixed load against a running stack: load report, optional one-client baseline
    report, and CPU and memory of every process of the stack and of the load client."""
    pids = stack_pids(stack)
    before = {name: memory_kb(pid) for name, pid in pids.items()}
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    child = ctx.Process(
        target=_load_child,
        args=(
            LoadConfig(address=stack.address, concurrency=concurrency, duration=duration, cache=cache, seed=1),
            baseline_duration,
            q,
        ),
    )
    child.start()
    try:
        q.get(timeout=baseline_duration + 300)  # the baseline is done; the load starts now
        assert child.pid is not None  # started above
        pids[LOAD_CLIENT] = child.pid
        before[LOAD_CLIENT] = memory_kb(child.pid)
        cpu0, t0 = {name: cpu_seconds(pid) for name, pid in pids.items()}, time.perf_counter()
        got = q.get(timeout=duration + 300)
        window = time.perf_counter() - t0
        cpu = {
            name: 100 * (cpu_seconds(pid) - cpu0[name]) / window for name, pid in pids.items() if name != LOAD_CLIENT
        }
        after = {name: memory_kb(pid) for name, pid in pids.items() if name != LOAD_CLIENT}
    finally:
        child.join(30)
        if child.is_alive():
            child.kill()
    # The client has exited: it reported its own CPU share and memory.
    cpu[LOAD_CLIENT] = got["cpu_percent"]
    after[LOAD_CLIENT] = got["memory"]
    memory = {
        name: {
            "pid": pid,
            "cpu_percent": cpu[name],
            "rss_idle_mb": before[name]["VmRSS"] / 1024,
            "rss_end_mb": after[name]["VmRSS"] / 1024,
            "peak_rss_mb": after[name]["VmHWM"] / 1024,
        }
        for name, pid in pids.items()
    }
    return {
        "report": got["report"],
        "baseline": got["baseline"],
        "memory": memory,
        "stack_peak_rss_total_mb": sum(m["peak_rss_mb"] for n, m in memory.items() if n != LOAD_CLIENT),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2, help="worker processes per service")
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--cache", choices=("hit", "miss", "mixed"), default="mixed")
    ap.add_argument("--json", default="bench/results/mixed.json")
    a = ap.parse_args(argv)

    with LocalStack(workers=a.workers) as stack:
        r = run(stack, a.concurrency, a.duration, a.cache)
    report, memory, total = r["report"], r["memory"], r["stack_peak_rss_total_mb"]

    print(format_report(report))
    p99 = report["latency"]["p99_ms"]
    print()
    print(
        f"p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms: {'met' if p99 < P99_TARGET_MS else 'NOT met'}); "
        f"errors {report['errors']} (target 0: {'met' if report['errors'] == 0 else 'NOT met'})"
    )
    print()
    print(f"{'process':<28} {'pid':>8} {'CPU %':>6} {'RSS idle MB':>12} {'RSS end MB':>11} {'peak RSS MB':>12}")
    print("-" * 82)
    for name, m in memory.items():
        print(
            f"{name:<28} {m['pid']:>8} {m['cpu_percent']:>6.0f} {m['rss_idle_mb']:>12.1f} {m['rss_end_mb']:>11.1f} "
            f"{m['peak_rss_mb']:>12.1f}"
        )
    print(f"{'stack total (sum of peaks)':<28} {'':>8} {'':>6} {'':>12} {'':>11} {total:>12.1f}")
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(
            {
                "workers_per_service": a.workers,
                "p99_target_ms": P99_TARGET_MS,
                "load": report,
                "memory": memory,
                "stack_peak_rss_total_mb": total,
            },
            fh,
            indent=1,
        )
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
