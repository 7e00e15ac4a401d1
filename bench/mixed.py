"""100 concurrent clients mixing Parse, Analyze and Scan for 30 s against a LocalStack, on
application-style files, with the CPU and peak memory (VmHWM) of every process of the stack and
of every load client process, and the coordinator's own CPU per call.

Clients: the `codeintel load` engine (codeintel.ops.load, closed loop) in PROCESSES client
processes (default 4 x 25 calls in flight), so that one Python client process's CPU is not the
limit being measured. Each process warms up (its probe pass), then all of them open their timed
phase together (LoadConfig.on_ready waits on one event); every latency of every process is kept
and the percentiles are taken over all of them (codeintel.ops.load.merge_reports), errors summed.

Files (`app_files`): code we did not write that looks like applications: the *.py files of the
web frameworks and servers installed in the virtualenv (APP_PACKAGES: flask, starlette, uvicorn,
mcp; those not installed are left out) and the Flask/Django/FastAPI handlers of the scanner-quality
corpus (bench/quality/corpus/python). Rule: every such file of MIN_FILE_BYTES..MAX_FILE_BYTES
(1 KB to 40 KB: leaves out empty __init__ files and the rare generated giant), sorted by path,
then a seeded sample of `files` of them (default APP_FILES). The size distribution (count, median,
p90, max bytes) is printed: 120 files, median 5.1 KB, p90 23 KB, max 39 KB with the packages pinned
on 2026-12, the size of ordinary source modules, where
the engine's built-in snippets are ~600 bytes.

Cache mix: kept from `codeintel load --cache mixed`: half the calls repeat a warmed file (the
cache answers, as it does for the unchanged files of a re-review), half carry unique content (a
trailing comment: a worker computes it). A server that sees only misses or only hits is not the
one this figure is about.

Coordinator CPU per call: the coordinator's CPU seconds (from /proc) over the timed window
divided by the calls completed in it; "per uncached call" divides the same CPU by the calls a
worker computed (cache status miss): an upper bound, since the hits cost the coordinator some
CPU too.

    python -m bench.mixed [--workers 2] [--concurrency 100] [--processes 4] [--duration 30] [--files 120]

Results go to bench/results/mixed.json. Nothing here asserts: benchmarks report.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import random
import sys
import sysconfig
import time
from dataclasses import replace
from typing import Any

from bench.dispatch import cpu_seconds
from bench.scan_speed import APP_CORPUS
from codeintel.ops.load import LoadConfig, LoadError, format_report, load_files, merge_reports, percentile, run_load
from codeintel.ops.stack import LocalStack

P99_TARGET_MS = 100.0
LOAD_CLIENT = "load client"
PROCESSES = 4
APP_PACKAGES = ("flask", "starlette", "uvicorn", "mcp")
MIN_FILE_BYTES = 1024
MAX_FILE_BYTES = 40 * 1024
APP_FILES = 120
READY_TIMEOUT = 300.0  # seconds for a client process to start, connect and probe every file


def app_sources() -> list[str]:
    """Directories the files come from: the quality corpus's handlers and the installed APP_PACKAGES."""
    root = sysconfig.get_paths()["purelib"]
    return [APP_CORPUS] + [p for p in (os.path.join(root, pkg) for pkg in APP_PACKAGES) if os.path.isdir(p)]


def app_files(count: int = APP_FILES, seed: int = 1) -> list[tuple[str, bytes]]:
    """A seeded sample of `count` *.py files of MIN_FILE_BYTES..MAX_FILE_BYTES from app_sources()
    (all of them when there are fewer), named by their path under the source's parent
    (e.g. starlette/routing.py), sorted by name."""
    candidates: list[tuple[str, bytes]] = []
    for src in app_sources():
        parent = os.path.dirname(src.rstrip("/"))
        candidates += [
            (os.path.relpath(path, parent), data)
            for path, data in load_files(src)
            if path.endswith(".py") and MIN_FILE_BYTES <= len(data) <= MAX_FILE_BYTES
        ]
    candidates.sort()
    picked = random.Random(seed).sample(candidates, min(count, len(candidates)))
    return sorted(picked)


def size_summary(files: list[tuple[str, bytes]]) -> dict:
    sizes = sorted(len(d) for _, d in files)
    return {
        "count": len(sizes),
        "min_bytes": sizes[0] if sizes else 0,
        "median_bytes": percentile(sizes, 0.5),
        "p90_bytes": percentile(sizes, 0.9),
        "max_bytes": sizes[-1] if sizes else 0,
        "total_bytes": sum(sizes),
    }


def size_text(s: dict) -> str:
    return (
        f"{s['count']} files, median {s['median_bytes'] / 1024:.1f} KB, p90 {s['p90_bytes'] / 1024:.1f} KB, "
        f"max {s['max_bytes'] / 1024:.1f} KB"
    )


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


def split(total: int, parts: int) -> list[int]:
    """`total` calls in flight over `parts` processes, as even as integers allow (none empty)."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _load_child(index: int, cfg: LoadConfig, go, out) -> None:
    """One load client process: probe, say ready, wait for `go`, run the timed phase; then its
    report (with every latency), its own CPU over the timed phase and its memory."""
    mark: dict[str, float] = {}

    def on_ready() -> None:
        out.put(("ready", index, None))
        go.wait()
        mark["cpu"], mark["wall"] = time.process_time(), time.perf_counter()

    try:
        report = run_load(replace(cfg, on_ready=on_ready, keep_samples=True))
    except Exception as e:  # reported to the parent, which stops the run with the message
        out.put(("failed", index, f"{type(e).__name__}: {e}"))
        return
    cpu, wall = time.process_time() - mark["cpu"], time.perf_counter() - mark["wall"]
    out.put(
        (
            "done",
            index,
            {
                "report": report,
                "cpu_seconds": cpu,
                "cpu_percent": 100 * cpu / wall,
                "memory": memory_kb(os.getpid()),
            },
        )
    )


def _wait(q, kind: str, n: int, timeout: float) -> dict[int, Any]:
    """n messages of `kind` from the client processes; a failed client stops the run."""
    got: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    while len(got) < n:
        try:
            what, index, payload = q.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise LoadError(
                f"{n - len(got)} load client process(es) did not report {kind} in {timeout:.0f} s"
            ) from None
        if what == "failed":
            raise LoadError(f"load client {index} failed: {payload}")
        if what == kind:
            got[index] = payload
    return got


def run(
    stack: LocalStack,
    concurrency: int = 100,
    duration: float = 30.0,
    cache: str = "mixed",
    baseline_duration: float = 0.0,
    processes: int = PROCESSES,
    files: list[tuple[str, bytes]] | None = None,
) -> dict:
    """The mixed load against a running stack: the merged load report, optional one-client
    baseline report (in this process, before the load), and CPU and memory of every process of
    the stack and of every load client process; the coordinator's CPU per call."""
    files = app_files() if files is None else files
    cfg = LoadConfig(address=stack.address, concurrency=concurrency, duration=duration, cache=cache, files=files)
    base = None
    if baseline_duration > 0:
        base = run_load(replace(cfg, concurrency=1, duration=baseline_duration, seed=0))
    pids = stack_pids(stack)
    before = {name: memory_kb(pid) for name, pid in pids.items()}
    ctx = mp.get_context("spawn")
    q, go = ctx.Queue(), ctx.Event()
    shares = split(concurrency, processes)
    children = [
        ctx.Process(target=_load_child, args=(i, replace(cfg, concurrency=n, seed=1 + i), go, q))
        for i, n in enumerate(shares)
    ]
    for child in children:
        child.start()
    try:
        _wait(q, "ready", len(children), READY_TIMEOUT)
        clients = {f"{LOAD_CLIENT} {i}": child.pid or 0 for i, child in enumerate(children)}
        before.update({name: memory_kb(pid) for name, pid in clients.items()})
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t0 = time.perf_counter()
        go.set()
        done = _wait(q, "done", len(children), duration + 300)
        window = time.perf_counter() - t0
        cpu_s = {name: cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
        after = {name: memory_kb(pid) for name, pid in pids.items()}
    finally:
        go.set()  # a client still waiting (another one failed) goes on, finishes and exits
        for child in children:
            child.join(duration + 30)
            if child.is_alive():
                child.kill()
    results = [done[i] for i in range(len(children))]
    report = merge_reports(cfg, [r["report"] for r in results])
    # The clients have exited: each reported its own CPU and memory.
    for i, r in enumerate(results):
        cpu_s[f"{LOAD_CLIENT} {i}"] = r["cpu_seconds"]
        after[f"{LOAD_CLIENT} {i}"] = r["memory"]
    pids.update(clients)
    memory = {
        name: {
            "pid": pid,
            "cpu_seconds": cpu_s[name],
            "cpu_percent": 100 * cpu_s[name] / window,
            "rss_idle_mb": before[name]["VmRSS"] / 1024,
            "rss_end_mb": after[name]["VmRSS"] / 1024,
            "peak_rss_mb": after[name]["VmHWM"] / 1024,
        }
        for name, pid in pids.items()
    }
    coord_s = cpu_s["coordinator"]
    uncached = report["cache"].get("miss", 0)
    return {
        "report": report,
        "baseline": base,
        "memory": memory,
        "stack_peak_rss_total_mb": sum(m["peak_rss_mb"] for n, m in memory.items() if not n.startswith(LOAD_CLIENT)),
        "processes": len(children),
        "in_flight_per_process": shares,
        "per_process": [
            {k: r["report"][k] for k in ("concurrency", "requests", "ok", "errors")} | {"cpu_seconds": r["cpu_seconds"]}
            for r in results
        ],
        "files": size_summary(files),
        "window_s": window,
        "coordinator_cpu_s": coord_s,
        "uncached_calls": uncached,
        "coordinator_cpu_ms_per_call": 1e3 * coord_s / report["ok"] if report["ok"] else 0.0,
        "coordinator_cpu_ms_per_uncached_call": 1e3 * coord_s / uncached if uncached else 0.0,
    }


def format_result(r: dict) -> str:
    report, memory = r["report"], r["memory"]
    p99 = report["latency"]["p99_ms"]
    shares = r["in_flight_per_process"]
    lines = [
        format_report(report),
        "",
        f"client processes: {r['processes']} ({' + '.join(map(str, shares))} in flight); "
        f"files: {size_text(r['files'])}",
        f"p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms: {'met' if p99 < P99_TARGET_MS else 'NOT met'}); "
        f"errors {report['errors']} (target 0: {'met' if report['errors'] == 0 else 'NOT met'})",
        f"coordinator CPU per call (ms): {r['coordinator_cpu_ms_per_call']:.3f} over {report['ok']} calls; "
        f"per uncached call (upper bound): {r['coordinator_cpu_ms_per_uncached_call']:.3f} "
        f"over {r['uncached_calls']} uncached",
        "",
        f"{'process':<28} {'pid':>8} {'CPU %':>6} {'RSS idle MB':>12} {'RSS end MB':>11} {'peak RSS MB':>12}",
        "-" * 82,
    ]
    for name, m in memory.items():
        lines.append(
            f"{name:<28} {m['pid']:>8} {m['cpu_percent']:>6.0f} {m['rss_idle_mb']:>12.1f} {m['rss_end_mb']:>11.1f} "
            f"{m['peak_rss_mb']:>12.1f}"
        )
    lines.append(
        f"{'stack total (sum of peaks)':<28} {'':>8} {'':>6} {'':>12} {'':>11} {r['stack_peak_rss_total_mb']:>12.1f}"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2, help="worker processes per service")
    ap.add_argument("--concurrency", type=int, default=100, help="calls in flight over all client processes")
    ap.add_argument("--processes", type=int, default=PROCESSES, help="load client processes")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--files", type=int, default=APP_FILES, help="application-style files sampled")
    ap.add_argument("--cache", choices=("hit", "miss", "mixed"), default="mixed")
    ap.add_argument("--json", default="bench/results/mixed.json")
    a = ap.parse_args(argv)
    if min(a.workers, a.concurrency, a.processes, a.files) < 1 or a.duration <= 0:
        ap.error("workers, concurrency, processes, files and duration must be positive")

    try:
        files = app_files(a.files)
        with LocalStack(workers=a.workers) as stack:
            r = run(stack, a.concurrency, a.duration, a.cache, processes=a.processes, files=files)
    except LoadError as e:
        print(f"bench.mixed: {e}", file=sys.stderr)
        return 2
    print(format_result(r))
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as fh:
        json.dump(
            {
                "workers_per_service": a.workers,
                "p99_target_ms": P99_TARGET_MS,
                "load": r["report"],
                **{k: v for k, v in r.items() if k not in ("report", "baseline")},
            },
            fh,
            indent=1,
        )
    print(f"results written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
