"""Where the time goes: py-spy profiles of the two largest misses of `make bench`.

uncached  one ~8 KB Python file, Parse with bypass_cache, sequential, through a one-worker
          parse stack; profiles the client, the coordinator and the parse worker at once.
dispatch  bench.dispatch's coordinator with instantly answering fake workers; profiles the
          coordinator, the fakes and one client process.

For each process the summary gives its CPU per call (CPU seconds from /proc over the
recording, divided by the calls made; py-spy's own sample count overstates CPU, since it
counts threads blocked inside C calls as running) and where its samples fell: by thread,
and by innermost frame, grouped by source file (which layer: gRPC, asyncio, our modules) and by
function. Time in C extensions (gRPC core, tree-sitter) counts towards the Python frame that
called them; --native shows the C frames, --idle samples waiting threads too (wall time).

    python -m bench.profile uncached|dispatch [--duration 10] [--rate 250] [--idle] [--native]
                            [--out bench/results/profile]

Needs py-spy (a dev dependency) and permission to ptrace the children (root, or
kernel.yama.ptrace_scope=0). Raw collapsed stacks go to OUT/<what>.<process>.txt (feed them
to flamegraph.pl or speedscope).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import grpc

from bench import dispatch, echo
from bench.run import parse_stack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c


def _spy() -> str:
    exe = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    if not os.path.exists(exe):
        raise SystemExit("py-spy not found: pip install the dev dependencies (pip install -e '.[dev]')")
    return exe


class Recorder:
    """One `py-spy record` per process, plus the CPU each process used over the recording (from
    /proc, read as the recordings end and before anything is stopped)."""

    def __init__(self, rate: int, out_dir: str, what: str, native: bool = False, idle: bool = False):
        self.rate, self.out_dir, self.what, self.native, self.idle = rate, out_dir, what, native, idle
        self.spies: dict[str, subprocess.Popen] = {}
        self.cpu: dict[str, float] = {}

    def path(self, name: str) -> str:
        return os.path.join(self.out_dir, f"{self.what}.{name}.txt")

    def start(self, pids: dict[str, int], duration: float) -> None:
        os.makedirs(self.out_dir, exist_ok=True)
        for name in pids:  # never summarize a previous run's stacks
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path(name))
        cpu0 = {name: dispatch.cpu_seconds(pid) for name, pid in pids.items()}

        def read_cpu():
            for name, pid in pids.items():
                with contextlib.suppress(OSError):
                    self.cpu[name] = dispatch.cpu_seconds(pid) - cpu0[name]

        threading.Timer(duration, read_cpu).start()
        flags = ["--native"] if self.native else ["--nonblocking"]  # native unwinding must stop the process
        if self.idle:
            flags.append("--idle")
        for name, pid in pids.items():
            self.spies[name] = subprocess.Popen(
                [
                    _spy(),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(int(duration)),
                    "--rate",
                    str(self.rate),
                    "--format",
                    "raw",
                    "--threads",
                    *flags,
                    "--output",
                    self.path(name),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

    def wait(self, timeout: float) -> None:
        for p in self.spies.values():
            p.wait(timeout)


def _source(frame: str) -> str:
    """'fn (grpc/aio/_call.py:595)' -> 'grpc/aio/_call.py'; thread labels and C frames as they are."""
    if " (" not in frame:
        return frame
    return frame.rsplit(" (", 1)[1].rstrip(")").rsplit(":", 1)[0]


def summarize(path: str, top: int = 12) -> dict:
    """Samples, and where they fell: self samples by source file (which layer: gRPC, asyncio,
    our modules) and by function, from collapsed stacks (first frame: the thread, --threads)."""
    by_file: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    with open(path) as fh:
        for line in fh:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            total += n
            frames = stack.split(";")
            threads[frames[0].split(": ", 1)[-1]] += n
            by_file[_source(frames[-1])] += n
            own[frames[-1]] += n
    return {
        "samples": total,
        "threads": threads.most_common(top),
        "self_by_file": by_file.most_common(top),
        "self": own.most_common(top),
    }


def _sequential_uncached(address: str, path: str, data: bytes, duration: float, out) -> None:
    async def go():
        async with grpc.aio.insecure_channel(address) as ch:
            parse = coordinator_pb2_grpc.CodeIntelServiceStub(ch).Parse
            req = c.CodeIntelServiceParseRequest(
                file=common_pb2.SourceFile(path=path, content=data), request_options=c.RequestOptions(bypass_cache=True)
            )
            for _ in range(100):
                await parse(req, timeout=10)
            out.put(("ready", os.getpid()))
            n, end = 0, time.perf_counter() + duration
            while time.perf_counter() < end:
                await parse(req, timeout=10)
                n += 1
            out.put(("done", n))

    asyncio.run(go())


def profile_uncached(rec: Recorder, duration: float) -> tuple[int, float]:
    path, data = echo.file_near(8192)
    stack = parse_stack(1)
    try:
        worker_pid = next(pid for name, pid in stack.info["pids"].items() if name.startswith("parse"))
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        client = ctx.Process(target=_sequential_uncached, args=(stack.address, path, data, duration + 2, q))
        client.start()
        _, client_pid = q.get(timeout=120)
        rec.start(
            {"client": client_pid, "coordinator": stack.info["coordinator_pid"], "parse-worker": worker_pid}, duration
        )
        rec.wait(duration + 60)
        _, calls = q.get(timeout=120)
        client.join(30)
    finally:
        stack.stop()
    return calls, duration + 2


def profile_dispatch(rec: Recorder, duration: float) -> tuple[int, float]:
    def attach(pids):
        rec.start({k: v for k, v in pids.items() if k in ("coordinator", "fakes", "client-0")}, duration)

    r = dispatch.run(duration=duration, warmup=5.0, baseline=False, on_window=attach)
    rec.wait(60)
    return r["ok"], duration


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("uncached", "dispatch"))
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--rate", type=int, default=250, help="samples per second")
    ap.add_argument("--out", default="bench/results/profile")
    ap.add_argument("--native", action="store_true", help="also sample C frames (py-spy --native)")
    ap.add_argument("--idle", action="store_true", help="also sample waiting threads (wall time per thread)")
    a = ap.parse_args(argv)
    rec = Recorder(a.rate, a.out, a.what, native=a.native, idle=a.idle)
    fn = profile_uncached if a.what == "uncached" else profile_dispatch
    calls, window = fn(rec, a.duration)
    report = {
        "what": a.what,
        "calls": calls,
        "call_window_s": window,
        "rate": a.rate,
        "duration_s": a.duration,
        "processes": {},
    }
    per_s = calls / window
    print(f"{a.what}: {calls} calls in {window:.0f} s ({per_s:,.0f}/s); py-spy at {a.rate}/s for {a.duration:g} s")
    for name, p in rec.spies.items():
        err = p.stderr.read().decode(errors="replace").strip() if p.stderr else ""
        path = rec.path(name)
        if not os.path.exists(path):
            print(f"\n{name}: no profile ({err[-300:]})")
            continue
        s = summarize(path)
        cpu = rec.cpu.get(name, 0.0) / a.duration  # from /proc: py-spy also samples threads blocked in C
        s["cpu_share"] = cpu
        s["cpu_ms_per_call"] = 1000 * cpu / per_s if per_s else 0.0
        report["processes"][name] = s
        print(
            f"\n{name}: {100 * cpu:.0f} % of a core (/proc) = {s['cpu_ms_per_call']:.3f} ms CPU per call; "
            f"{s['samples']} samples"
        )
        for title in ("threads", "self_by_file", "self"):
            print(f"  top {title}:")
            for frame, n in s[title]:
                print(f"    {100 * n / max(1, s['samples']):5.1f} %  {frame}")
    with open(os.path.join(a.out, f"{a.what}.json"), "w") as fh:
        json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
