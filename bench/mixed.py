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
import os
import sys
import time

from bench.dispatch import cpu_seconds
from codeintel.load import LoadConfig, format_report, run_load
from codeintel.stack import LocalStack

P99_TARGET_MS = 100.0


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
    return {"supervisor": info.get("pid", 0), "coordinator": info.get("coordinator_pid", 0),
            **dict(sorted(info.get("pids", {}).items())), "load client (this process)": os.getpid()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2, help="worker processes per service")
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--cache", choices=("hit", "miss", "mixed"), default="mixed")
    ap.add_argument("--json", default="bench/results/mixed.json")
    a = ap.parse_args(argv)

    with LocalStack(workers=a.workers) as stack:
        pids = stack_pids(stack)
        before = {name: memory_kb(pid) for name, pid in pids.items()}
        cpu0, t0 = {name: cpu_seconds(pid) for name, pid in pids.items()}, time.perf_counter()
        report = run_load(LoadConfig(address=stack.address, concurrency=a.concurrency, duration=a.duration,
                                     cache=a.cache, seed=1))
        window = time.perf_counter() - t0
        cpu = {name: 100 * (cpu_seconds(pid) - cpu0[name]) / window for name, pid in pids.items()}
        after = {name: memory_kb(pid) for name, pid in pids.items()}

    print(format_report(report))
    p99 = report["latency"]["p99_ms"]
    print()
    print(f"p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms: {'met' if p99 < P99_TARGET_MS else 'NOT met'}); "
          f"errors {report['errors']} (target 0: {'met' if report['errors'] == 0 else 'NOT met'})")
    print()
    print(f"{'process':<28} {'pid':>8} {'CPU %':>6} {'RSS idle MB':>12} {'RSS end MB':>11} {'peak RSS MB':>12}")
    print("-" * 82)
    memory = {}
    for name, pid in pids.items():
        memory[name] = {"pid": pid, "cpu_percent": cpu[name], "rss_idle_mb": before[name]["VmRSS"] / 1024,
                        "rss_end_mb": after[name]["VmRSS"] / 1024, "peak_rss_mb": after[name]["VmHWM"] / 1024}
        m = memory[name]
        print(f"{name:<28} {pid:>8} {m['cpu_percent']:>6.0f} {m['rss_idle_mb']:>12.1f} {m['rss_end_mb']:>11.1f} {m['peak_rss_mb']:>12.1f}")
    total = sum(m["peak_rss_mb"] for n, m in memory.items() if not n.startswith("load client"))
    print(f"{'stack total (sum of peaks)':<28} {'':>8} {'':>6} {'':>12} {'':>11} {total:>12.1f}")
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump({"workers_per_service": a.workers, "p99_target_ms": P99_TARGET_MS, "load": report,
                   "memory": memory, "stack_peak_rss_total_mb": total}, fh, indent=1)
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
