"""`codeintel load`: drive a coordinator with concurrent Parse/Analyze/Scan calls and report.

Closed loop by default (each client sends its next call when the last one answered); with
a rate, open loop: calls start on a fixed schedule and latency counts from the scheduled
start, so a slow server cannot hide its queueing (no coordinated omission). Every file is
first sent once per operation: that warms the cache for `--cache hit` and drops the files
an operation refuses (e.g. a language scan has no rules for) from that operation's set.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from codeintel import repo
from codeintel.client import ClientError, CoordinatorClient
from codeintel.client.requests import single_request
from codeintel.kernel import languages, vocab
from codeintel.ops.load_snippets import COMMENT_MARKERS, SNIPPETS
from codeintel.v1 import common_pb2

OPERATIONS = ("parse", "analyze", "scan")
_RPC = {"parse": "Parse", "analyze": "Analyze", "scan": "Scan"}
MAX_FILES = 500
MAX_FILE_BYTES = 1 << 20


class LoadError(Exception):
    """The load run cannot start (bad input, unreachable coordinator); the message says why."""


@dataclass
class LoadConfig:
    address: str
    api_key: str | None = None
    concurrency: int = 100
    duration: float = 30.0
    mix: dict[str, float] = field(default_factory=lambda: {op: 1.0 for op in OPERATIONS})
    files: list[tuple[str, bytes]] = field(default_factory=list)  # empty: the built-in snippets
    cache: str = "mixed"  # hit | miss | mixed
    rate: float | None = None  # calls/s: open loop; None: closed loop
    priority: str = "normal"
    clients_per_channel: int = 25
    deadline: float = 10.0
    connect_timeout: float = 5.0
    seed: int | None = None
    # Called (blocking) after the warm-up pass, just before the timed phase: lets several load
    # processes open their timed phases together (bench.mixed).
    on_ready: Callable[[], None] | None = None
    keep_samples: bool = False  # the report carries every latency, so reports can be merged


@dataclass
class OpStats:
    latencies: list[float] = field(default_factory=list)  # seconds, successful calls only
    errors: Counter = field(default_factory=Counter)  # status code name -> count
    cache: Counter = field(default_factory=Counter)  # cache status name -> count
    files: int = 0  # files answered successfully


def parse_mix(text: str) -> dict[str, float]:
    """ "parse=1,analyze=2" -> weights; unnamed operations get 0."""
    mix = dict.fromkeys(OPERATIONS, 0.0)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, weight = part.partition("=")
        name = name.strip()
        if name not in mix:
            raise ValueError(f"unknown operation {name!r} in mix (use {', '.join(OPERATIONS)})")
        try:
            w = float(weight) if sep else 1.0
        except ValueError:
            raise ValueError(f"weight of {name} is not a number: {weight!r}") from None
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"weight of {name} must be a non-negative number")
        mix[name] = w
    if not any(mix.values()):
        raise ValueError("the mix gives no operation a positive weight")
    return mix


def load_files(spec: str, limit: int = MAX_FILES) -> list[tuple[str, bytes]]:
    """Source files of a known language under a directory, matching a glob, or one file (at most
    `limit`), found by the repository walk (.gitignore, default excludes, no symlinked directories)."""
    base, pattern = repo.split_glob(spec)
    if not os.path.exists(base):
        raise LoadError(f"no such file or directory: {spec!r}")
    real = os.path.realpath(base)
    walked = repo.walk(
        base,
        root=real if os.path.isdir(real) else os.path.dirname(real),
        display_base=base.rstrip("/") or "/",
        pattern=pattern,
        max_file_bytes=MAX_FILE_BYTES,
        max_files=limit,
    )
    out = []
    for entry in walked.entries[:limit]:
        try:
            with open(entry.real_path, "rb") as fh:
                out.append((entry.display, fh.read()))
        except OSError:
            continue
    if not out:
        raise LoadError(f"no source files of a known language under {spec!r}")
    return out


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for none)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


class LoadRun:
    """One load run: channels, the probe/warm-up pass, the clients, and the counters."""

    def __init__(self, cfg: LoadConfig):
        if cfg.concurrency < 1 or cfg.duration <= 0 or cfg.clients_per_channel < 1 or cfg.deadline <= 0:
            raise LoadError("concurrency, duration, clients per channel and deadline must be positive")
        if cfg.rate is not None and not cfg.rate > 0:
            raise LoadError("--rate must be positive")
        if cfg.cache not in ("hit", "miss", "mixed"):
            raise LoadError(f"--cache must be hit, miss or mixed, not {cfg.cache!r}")
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.files = [
            common_pb2.SourceFile(path=p, content=d)
            for p, d in (cfg.files or [(p, s.encode()) for p, s in SNIPPETS.items()])
        ]
        self.usable: dict[str, list[common_pb2.SourceFile]] = {}
        self.skipped: dict[str, int] = {}
        self.stats = {op: OpStats() for op in OPERATIONS}
        self.dropped = 0  # open loop: scheduled calls not sent because `concurrency` were in flight
        # Calls sent with a warmed file ("repeat": the cache answers) or unique content ("unique": a miss).
        self.chosen: Counter[str] = Counter()
        self.elapsed = 0.0
        self._unique = itertools.count()
        self._run_id = secrets.token_hex(4)

    # -- requests ----------------------------------------------------------------
    def _request(self, op: str, f: common_pb2.SourceFile, bypass_cache: bool = False) -> Any:
        return single_request(op, f, None, self.cfg.priority, bypass_cache=bypass_cache)

    def _miss_version(self, f: common_pb2.SourceFile) -> tuple[common_pb2.SourceFile, bool]:
        """The file with a unique trailing comment, so neither cache nor merging can answer it;
        languages without line comments fall back to bypass_cache (stored, not looked up)."""
        marker = COMMENT_MARKERS.get(languages.from_path(f.path) or "")
        if marker is None:
            return f, True
        tail = f"\n{marker} load {self._run_id}-{next(self._unique)}\n".encode()
        return common_pb2.SourceFile(path=f.path, language=f.language, content=f.content + tail), False

    def _pick(self) -> tuple[str, Any]:
        ops = [op for op in OPERATIONS if self.cfg.mix.get(op, 0) > 0 and self.usable.get(op)]
        op = self.rng.choices(ops, weights=[self.cfg.mix[o] for o in ops])[0]
        f = self.rng.choice(self.usable[op])
        miss = self.cfg.cache == "miss" or (self.cfg.cache == "mixed" and self.rng.random() < 0.5)
        f, bypass = self._miss_version(f) if miss else (f, False)
        self.chosen["unique" if miss else "repeat"] += 1
        return op, self._request(op, f, bypass)

    async def _call(self, client: CoordinatorClient, op: str, request: Any, started: float) -> None:
        st = self.stats[op]
        try:
            resp = await client.unary(_RPC[op], request, timeout_s=self.cfg.deadline)
        except ClientError as e:
            st.errors[e.code] += 1
            return
        st.latencies.append(time.perf_counter() - started)
        st.files += 1
        st.cache[vocab.cache_status_name(resp.info.cache)] += 1

    # -- phases ------------------------------------------------------------------
    async def _connect(self, clients: list[CoordinatorClient]) -> None:
        try:
            await clients[0].wait_ready(self.cfg.connect_timeout)
        except ClientError as e:
            raise LoadError(str(e)) from None

    async def _probe(self, client: CoordinatorClient) -> None:
        """Send every file once per operation in the mix: warms the cache, and drops the files
        an operation refuses with INVALID_ARGUMENT (other errors are left to the run to count)."""
        sem = asyncio.Semaphore(min(16, self.cfg.concurrency))

        async def one(op, f):
            async with sem:
                try:
                    await client.unary(_RPC[op], self._request(op, f), timeout_s=self.cfg.deadline)
                except ClientError as e:
                    return e.code != "INVALID_ARGUMENT"
                return True

        for op in OPERATIONS:
            if self.cfg.mix.get(op, 0) <= 0:
                continue
            keep = await asyncio.gather(*(one(op, f) for f in self.files))
            self.usable[op] = [f for f, k in zip(self.files, keep, strict=True) if k]
            self.skipped[op] = len(self.files) - len(self.usable[op])
        if not any(self.usable.values()):
            raise LoadError("every file was refused (INVALID_ARGUMENT) by every operation in the mix")

    async def _closed_loop(self, clients: list[CoordinatorClient], end: float) -> None:
        async def one_client(i: int) -> None:
            client = clients[i % len(clients)]
            while time.perf_counter() < end:
                op, req = self._pick()
                await self._call(client, op, req, time.perf_counter())

        await asyncio.gather(*(one_client(i) for i in range(self.cfg.concurrency)))

    async def _open_loop(self, clients: list[CoordinatorClient], rate: float, start: float, end: float) -> None:
        interval = 1.0 / rate
        tasks: set[asyncio.Task] = set()
        for n in itertools.count():
            due = start + n * interval
            if due >= end:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= self.cfg.concurrency:
                self.dropped += 1
                continue
            op, req = self._pick()
            t = asyncio.create_task(self._call(clients[n % len(clients)], op, req, due))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)

    async def run(self) -> dict:
        n_channels = max(1, math.ceil(self.cfg.concurrency / self.cfg.clients_per_channel))
        # Distinct channel args keep gRPC from sharing one TCP connection among the channels.
        clients = [
            CoordinatorClient(
                self.cfg.address,
                timeout_s=self.cfg.deadline,
                api_key=self.cfg.api_key,
                extra_options=[("codeintel.load.channel", i)],
            )
            for i in range(n_channels)
        ]
        try:
            await self._connect(clients)
            await self._probe(clients[0])
            if self.cfg.on_ready is not None:
                self.cfg.on_ready()
            start = time.perf_counter()
            end = start + self.cfg.duration
            if self.cfg.rate:
                await self._open_loop(clients, self.cfg.rate, start, end)
            else:
                await self._closed_loop(clients, end)
            self.elapsed = time.perf_counter() - start
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        return self.report(n_channels)

    # -- report ------------------------------------------------------------------
    def report(self, n_channels: int = 0) -> dict:
        def lat(values):
            s = sorted(values)
            return {
                "count": len(s),
                "p50_ms": percentile(s, 0.50) * 1e3,
                "p90_ms": percentile(s, 0.90) * 1e3,
                "p99_ms": percentile(s, 0.99) * 1e3,
                "max_ms": (s[-1] * 1e3 if s else 0.0),
                "mean_ms": (sum(s) / len(s) * 1e3 if s else 0.0),
            }

        elapsed = self.elapsed or 1e-9
        ops: dict[str, dict[str, Any]] = {}
        all_lat: list[float] = []
        all_err: Counter[str] = Counter()
        all_cache: Counter[str] = Counter()
        for op, st in self.stats.items():
            if self.cfg.mix.get(op, 0) <= 0:
                continue
            n_err = sum(st.errors.values())
            ops[op] = {
                "requests": len(st.latencies) + n_err,
                "ok": len(st.latencies),
                "errors": n_err,
                "errors_by_code": dict(st.errors),
                "throughput_rps": (len(st.latencies) + n_err) / elapsed,
                "latency": lat(st.latencies),
                "cache": dict(st.cache),
                "files_skipped": self.skipped.get(op, 0),
            }
            all_lat += st.latencies
            all_err.update(st.errors)
            all_cache.update(st.cache)
        ok = len(all_lat)
        answered = sum(all_cache.values())
        hits = all_cache["hit_l1"] + all_cache["hit_l2"]
        samples = {}
        if self.cfg.keep_samples:
            samples = {
                "samples": {
                    "operations": {
                        op: {
                            "latencies": list(st.latencies),
                            "errors": dict(st.errors),
                            "cache": dict(st.cache),
                            "files": st.files,
                        }
                        for op, st in self.stats.items()
                    },
                    "chosen": dict(self.chosen),
                    "dropped": self.dropped,
                    "skipped": dict(self.skipped),
                }
            }
        return {
            "address": self.cfg.address,
            "concurrency": self.cfg.concurrency,
            "channels": n_channels,
            "mode": f"open loop {self.cfg.rate:g}/s" if self.cfg.rate else "closed loop",
            "duration_s": self.cfg.duration,
            "elapsed_s": self.elapsed,
            "mix": self.cfg.mix,
            "cache_mode": self.cfg.cache,
            "files": len(self.files),
            "requests": ok + sum(all_err.values()),
            "ok": ok,
            "errors": sum(all_err.values()),
            "errors_by_code": dict(all_err),
            "dropped": self.dropped,
            "chosen": {"repeat": self.chosen["repeat"], "unique": self.chosen["unique"]},
            "throughput_rps": (ok + sum(all_err.values())) / elapsed,
            "files_per_s": ok / elapsed,
            "latency": lat(all_lat),
            "operations": ops,
            "cache": {
                "hit_share": hits / answered if answered else 0.0,
                "merged_share": all_cache["merged"] / answered if answered else 0.0,
                **dict(all_cache),
            },
            **samples,
        }


def merge_reports(cfg: LoadConfig, reports: list[dict]) -> dict:
    """One report over the calls of several runs made with keep_samples (e.g. one per process,
    timed phases opened together): percentiles over every call of every run, counts summed,
    elapsed = the longest run. `cfg` is the configuration they shared (its concurrency is
    replaced by the runs' total)."""
    if not reports or any("samples" not in r for r in reports):
        raise LoadError("merging needs at least one report, each made with keep_samples")
    merged = LoadRun(replace(cfg, concurrency=sum(r["concurrency"] for r in reports), keep_samples=False))
    for r in reports:
        s = r["samples"]
        for op, raw in s["operations"].items():
            st = merged.stats[op]
            st.latencies += raw["latencies"]
            st.errors.update(raw["errors"])
            st.cache.update(raw["cache"])
            st.files += raw["files"]
        merged.chosen.update(s["chosen"])
        merged.dropped += s["dropped"]
        for op, n in s["skipped"].items():  # every run probed the same files
            merged.skipped[op] = max(merged.skipped.get(op, 0), n)
    merged.elapsed = max(r["elapsed_s"] for r in reports)
    return {**merged.report(sum(r["channels"] for r in reports)), "runs": len(reports)}


def format_report(r: dict) -> str:
    mix = " ".join(f"{k}={v:g}" for k, v in r["mix"].items() if v > 0)
    lines = [
        f"codeintel load: {r['address']}, {r['concurrency']} clients on {r['channels']} channel(s), {r['mode']}, "
        f"{r['elapsed_s']:.1f} s, mix {mix}, cache {r['cache_mode']}, {r['files']} files",
        f"{'operation':<9} {'requests':>9} {'ok':>9} {'errors':>7} {'req/s':>9} "
        f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}",
    ]
    rows = [(op, o) for op, o in r["operations"].items()] + [("overall", r)]
    for name, o in rows:
        la = o["latency"]
        lines.append(
            f"{name:<9} {o['requests']:>9} {o['ok']:>9} {o['errors']:>7} {o['throughput_rps']:>9.1f} "
            f"{la['p50_ms']:>8.2f} {la['p90_ms']:>8.2f} {la['p99_ms']:>8.2f} {la['max_ms']:>8.2f}"
        )
    ca = r["cache"]
    lines.append(
        f"throughput: {r['throughput_rps']:.1f} req/s, {r['files_per_s']:.1f} files/s; "
        f"cache hits {100 * ca['hit_share']:.1f}% (l1 {ca.get('hit_l1', 0)}, l2 {ca.get('hit_l2', 0)}), "
        f"merged {100 * ca['merged_share']:.1f}%"
    )
    errs = ", ".join(f"{k}={v}" for k, v in sorted(r["errors_by_code"].items())) or "none"
    lines.append(f"errors by code: {errs}")
    if r["dropped"]:
        lines.append(f"dropped: {r['dropped']} scheduled calls not sent ({r['concurrency']} already in flight)")
    skipped = {op: o["files_skipped"] for op, o in r["operations"].items() if o["files_skipped"]}
    if skipped:
        lines.append("files refused and left out: " + ", ".join(f"{op} {n}" for op, n in skipped.items()))
    return "\n".join(lines)


def run_load(cfg: LoadConfig) -> dict:
    """Run one load test (blocking) and return the report dict."""
    return asyncio.run(LoadRun(cfg).run())


def run_cli(args, address: str) -> int:
    """`codeintel load`: 0 when every call succeeded, 1 when some failed, 2 when the run could not start."""
    try:
        mix = parse_mix(args.mix)
        files = load_files(args.files) if args.files else []
        cfg = LoadConfig(
            address=address,
            api_key=args.api_key,
            concurrency=args.concurrency,
            duration=args.duration,
            mix=mix,
            files=files,
            cache=args.cache,
            rate=args.rate,
            priority=args.priority,
            clients_per_channel=args.clients_per_channel,
            deadline=args.deadline,
            seed=args.seed,
        )
        report = run_load(cfg)
    except (LoadError, ValueError) as e:
        print(f"codeintel load: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("codeintel load: interrupted", file=sys.stderr)
        return 130
    print(format_report(report))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
            fh.write("\n")
    return 1 if report["errors"] else 0
