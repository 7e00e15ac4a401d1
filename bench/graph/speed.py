"""`python -m bench.graph.speed`: the repository graph's speed on this 2-core machine (issue 15).

Corpus: the CPython standard library's *.py files (site-packages excluded, tests included: about
1,790 files), copied to a temp directory (edits never touch the real one).

(a) cold index of the corpus into an empty store. Through the real stack when the coordinator
    serves GraphService (`codeintel up` with 2 parse workers, IndexRepository over gRPC, facts
    from the workers), else in-process: codeintel.graph's Indexer with a `send` over 2 worker
    processes running the parse domain (bench.graph.ours.ProcessSend). The first line says which.
    Baseline: parse+symbols of the same files on 2 processes, no RPC (bench.run.direct_processes).
(b) one edited file queryable again: append a function to one file, re-index with paths=[file],
    query its name until GetDefinition returns it; p50 over 20 edits of different files. With
    codeintel/graph/watch.py: the same through the watch (the time from the write to the answer).
    Baseline: parsing that file with facts in this process.
(c) query latency p50 / p99 over a few hundred sampled names: search (prefix), definition (at a
    sampled reference), references (of a sampled definition), callers to depth 3. Baseline: one
    indexed SQL lookup (definitions by name) on the same store, in this process.
(d) --scale: a synthetic repository of >= 50,000 files (the corpus hard-linked under many package
    names), indexed cold by the same backend as (a) in a fresh store (a fresh stack; bypass_cache
    there, since the copies share their content and the coordinator's cache would answer them):
    files/s at 10k, 25k and 50k files (cumulative and per interval; the index builds at the end
    are in the total only), and the peak RSS (VmHWM) of every process (supervisor, coordinator and
    parse workers; or this process and its parse processes). Takes minutes (--only-scale: alone).

    python -m bench.graph.speed [--scale | --only-scale] [--in-process] [--edits 20] [--samples 300]
                                [--limit N] [--json bench/results/graph.json] [--stack-log FILE]

Nothing here asserts: the table says which targets are met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import shutil
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.graph.correctness import RESULTS, update_json
from bench.graph.ours import ProcessSend, graph_api, parse_file
from bench.suite import _num, _ratio, figure, target_text
from codeintel.v1 import common_pb2, coordinator_pb2, graph_pb2, parse_pb2

TARGET_COLD_S = 6.0
TARGET_EDIT_MS = 200.0
TARGET_P50_MS = 5.0
TARGET_P99_MS = 50.0
TARGET_RSS_MB = 1024.0
SCALE_MARKS = (10_000, 25_000, 50_000)
FN_KINDS = (parse_pb2.SYMBOL_KIND_FUNCTION, parse_pb2.SYMBOL_KIND_METHOD, parse_pb2.SYMBOL_KIND_CLASS)


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process in kB from /proc (0 when gone)."""
    out = {"VmRSS": 0, "VmHWM": 0}
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v.split()[0])
    return out


def children_of(pid: int) -> list[int]:
    out = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    return out


# ---------------------------------------------------------------- corpus


def stdlib_dir() -> str:
    return sysconfig.get_paths()["stdlib"]


def stdlib_files(limit: int = 0) -> list[str]:
    """*.py paths relative to the stdlib, site-packages and __pycache__ left out, sorted."""
    root = stdlib_dir()
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "site-packages"))
        for fn in filenames:
            if fn.endswith(".py"):
                out.append(os.path.normpath(os.path.join(rel_dir, fn)).replace(os.sep, "/"))
    out.sort()
    return out[:limit] if limit else out


def copy_corpus(dst: str, files: Sequence[str], src: str | None = None) -> str:
    src = src or stdlib_dir()
    for rel in files:
        target = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(src, rel), target)
    return dst


def synthetic(dst: str, corpus_root: str, files: Sequence[str], at_least: int) -> int:
    """`corpus_root`'s files hard-linked (copied where links fail) under pkg000/, pkg001/, ... until
    at least `at_least` files; returns the count."""
    copies = -(-at_least // max(1, len(files)))
    n = 0
    for i in range(copies):
        base = os.path.join(dst, f"pkg{i:03d}")
        for rel in files:
            target = os.path.join(base, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.link(os.path.join(corpus_root, rel), target)
            except OSError:
                shutil.copyfile(os.path.join(corpus_root, rel), target)
            n += 1
    return n


def parse_symbols_chunk(items: list[tuple[str, bytes]]) -> int:
    """The baseline's work in one process: parse + symbols, no facts (what bench.run measures)."""
    from codeintel.kernel.source import prepare
    from services.parse.domain import parse_source

    n = 0
    for path, data in items:
        with contextlib.suppress(Exception):
            parse_source(prepare(path, "", data))
        n += 1
    return n


def parse_facts_chunk(items: list[tuple[str, bytes]]) -> int:
    """Parse + symbols + facts, serialised as a worker would answer (no store, no resolution)."""
    for path, data in items:
        parse_file(path, "", data).SerializeToString()
    return len(items)


def parse_symbols_seconds(root: str, files: Sequence[str], procs: int = 2, *, facts: bool = False) -> float:
    """Wall seconds for `procs` spawned processes to parse+symbols (+facts) the files (after a warm-up)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    data = []
    for rel in files:
        with open(os.path.join(root, rel), "rb") as fh:
            data.append((rel, fh.read()))
    chunks = [data[i::procs] for i in range(procs)]
    work = parse_facts_chunk if facts else parse_symbols_chunk
    with ProcessPoolExecutor(procs, mp_context=get_context("spawn")) as pool:
        list(pool.map(work, [c[:10] for c in chunks]))
        t0 = time.perf_counter()
        list(pool.map(work, chunks))
        return time.perf_counter() - t0


# ---------------------------------------------------------------- backends


class Backend:
    """Where the index runs: `mode` says it. `index` returns (summary, seconds, progress marks)."""

    mode = ""
    store_url = ""

    async def start(self, root: str) -> None:
        raise NotImplementedError

    async def index(
        self, paths: Sequence[str] = (), *, marks: Sequence[int] = (), bypass_cache: bool = False
    ) -> tuple[graph_pb2.IndexSummary, float, dict[int, float]]:
        raise NotImplementedError

    async def query(self, what: str, request: Any) -> Any:
        raise NotImplementedError

    async def watch(self) -> bool:
        """Start keeping the index fresh; False when there is no watch."""
        return False

    def pids(self) -> dict[str, int]:
        return {}

    async def close(self) -> None:
        return None


_RPC = {
    "search": "SearchSymbols",
    "definition": "GetDefinition",
    "references": "FindReferences",
    "calls": "CallHierarchy",
}


class InProcess(Backend):
    """codeintel.graph's Indexer in this process, facts from `workers` spawned parse processes."""

    def __init__(self, store_dir: str, workers: int = 2):
        self.g = graph_api()
        if self.g is None:
            raise RuntimeError("codeintel.graph is not there yet")
        self.workers = workers
        self.store_url = f"sqlite:///{os.path.realpath(store_dir)}"
        self.mode = f"in-process indexer, facts from {workers} parse processes (no RPC)"
        self.send: ProcessSend | None = None
        self.root = ""
        self._queries: Any = None
        self._watch: tuple[asyncio.Task, asyncio.Event] | None = None

    async def start(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.store = self.g.open_store(self.store_url)
        self.send = await asyncio.to_thread(ProcessSend, self.workers)

    async def index(self, paths=(), *, marks=(), bypass_cache=False):
        at: dict[int, float] = {}
        todo = sorted(marks)
        t0 = time.perf_counter()

        async def progress(done: int, total: int) -> None:
            while todo and done >= todo[0]:
                at[todo.pop(0)] = time.perf_counter() - t0

        ix = self.g.Indexer(self.store, self.send, progress=progress)
        summary = await ix.run(self.root, paths=list(paths))
        seconds = time.perf_counter() - t0
        self._queries = None
        return summary, seconds, at

    @property
    def queries(self) -> Any:
        if self._queries is None:
            self._queries = self.g.Queries(self.store, self.root)
        return self._queries

    async def query(self, what: str, request: Any) -> Any:
        return getattr(self.queries, what)(request)

    async def watch(self) -> bool:
        try:
            from codeintel.graph.watch import watch
        except ImportError:
            return False
        stop, ready = asyncio.Event(), asyncio.Event()

        async def on_change(paths: list[str]) -> None:
            ix = self.g.Indexer(self.store, self.send)
            await ix.run(self.root, paths=paths)
            self._queries = None

        task = asyncio.ensure_future(watch(self.root, on_change, stop_event=stop, ready=ready))
        self._watch = (task, stop)
        await asyncio.wait_for(ready.wait(), 30)
        return True

    def pids(self) -> dict[str, int]:
        out = {"indexing process (this one)": os.getpid()}
        if self.send is not None:
            for i, pid in enumerate(sorted(self.send.pids())):
                out[f"parse process {i}"] = pid
        return out

    async def close(self) -> None:
        if self._watch is not None:
            task, stop = self._watch
            stop.set()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 5)
        if self.send is not None:
            await asyncio.to_thread(self.send.close)


class Stack(Backend):
    """The real stack: `codeintel up` (coordinator + `workers` parse workers), GraphService RPCs."""

    def __init__(self, store_dir: str, workers: int = 2, watch: bool = False, log: Any = None):
        self.workers = workers
        self.store_url = f"sqlite:///{os.path.realpath(store_dir)}"
        self.watching = watch
        self.log = log
        self.mode = f"real stack: coordinator + {workers} parse workers, IndexRepository over gRPC"
        self.stack: Any = None
        self.client: Any = None
        self.root = ""

    async def start(self, root: str) -> None:
        from codeintel.client.aio import CoordinatorClient
        from codeintel.ops.stack import LocalStack

        self.root = os.path.realpath(root)
        args = [
            "--analyze-workers",
            "0",
            "--scan-workers",
            "0",
            f"--coordinator-arg=--repo-roots={self.root}",
            f"--coordinator-arg=--graph-store={self.store_url}",
        ]
        if self.watching:
            args.append("--coordinator-arg=--graph-watch")
        self.stack = LocalStack(workers=self.workers, extra_args=args, stderr=self.log)
        await asyncio.to_thread(self.stack.start, 120)
        self.client = CoordinatorClient(self.stack.address, timeout_s=600)
        await self.client.wait_ready(30)

    async def index(self, paths=(), *, marks=(), bypass_cache=False):
        at: dict[int, float] = {}
        todo = sorted(marks)
        req = graph_pb2.IndexRepositoryRequest(
            root=self.root,
            paths=list(paths),
            request_options=coordinator_pb2.RequestOptions(bypass_cache=bypass_cache),
        )
        summary = None
        t0 = time.perf_counter()
        async for ev in self.client.index_repository(req, timeout_s=3600):
            which = ev.WhichOneof("event")
            if which == "progress":
                while todo and ev.progress.files_done >= todo[0]:
                    at[todo.pop(0)] = time.perf_counter() - t0
            elif which == "summary":
                summary = ev.summary
        seconds = time.perf_counter() - t0
        if summary is None:
            raise RuntimeError("IndexRepository ended without a summary")
        return summary, seconds, at

    async def query(self, what: str, request: Any) -> Any:
        return await self.client.graph(_RPC[what], request)

    async def watch(self) -> bool:
        return self.watching

    def pids(self) -> dict[str, int]:
        info = self.stack.info if self.stack is not None else {}
        out = {"supervisor": info.get("pid", 0), "coordinator": info.get("coordinator_pid", 0)}
        out.update(sorted(info.get("pids", {}).items()))
        return {k: v for k, v in out.items() if v}

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.stack is not None:
            await asyncio.to_thread(self.stack.stop)


async def stack_available(log: Any = None) -> bool:
    """Whether `codeintel up` serves GraphService here: the client has index_repository and the
    coordinator accepts --repo-roots / --graph-store (a 1-file probe through the stack)."""
    try:
        from codeintel.client.aio import CoordinatorClient
    except ImportError:
        return False
    if not hasattr(CoordinatorClient, "index_repository") or not hasattr(CoordinatorClient, "graph"):
        return False
    with tempfile.TemporaryDirectory(prefix="graph-probe-") as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        with open(os.path.join(root, "m.py"), "w") as fh:
            fh.write("def f():\n    return 1\n")
        b = Stack(os.path.join(tmp, "store"), workers=1, log=log)
        try:
            await b.start(root)
            summary, _, _ = await b.index()
            if summary.totals.files != 1 or summary.totals.definitions < 1:
                _log("the stack's GraphService indexed no definitions (its workers send no facts yet); in-process")
                return False
            resp = await b.query("definition", _def_request(b.root, "f"))
            if not resp.definitions:
                _log("the stack's GetDefinition did not find a definition it indexed; in-process")
                return False
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means: not usable here
            _log(f"the stack does not serve GraphService here ({type(exc).__name__}: {str(exc)[:200]}); in-process")
            return False
        finally:
            with contextlib.suppress(Exception):
                await b.close()


# ---------------------------------------------------------------- the phases


async def cold_index(b: Backend, root: str, files: Sequence[str]) -> dict:
    summary, seconds, _ = await b.index()
    base = await asyncio.to_thread(parse_symbols_seconds, root, files, 2)
    with_facts = await asyncio.to_thread(lambda: parse_symbols_seconds(root, files, 2, facts=True))
    return {
        "seconds": seconds,
        "baseline_seconds": base,
        "parse_facts_seconds": with_facts,
        "files_found": summary.run.files_found,
        "skipped_by_reason": {vocab_reason(s.reason): s.count for s in summary.run.skipped_by_reason},
        "files": len(files),
        "files_written": summary.files_written,
        "totals": {
            "files": summary.totals.files,
            "definitions": summary.totals.definitions,
            "references": summary.totals.references,
            "imports": summary.totals.imports,
        },
        "skipped": summary.run.skipped,
        "complete": summary.run.complete,
        "stopped": summary.run.stopped,
        "files_per_s": len(files) / seconds if seconds else 0.0,
        "store": summary.store,
    }


def vocab_reason(reason: int) -> str:
    try:
        return coordinator_pb2.RepositorySkipReason.Name(reason)
    except ValueError:
        return str(reason)


def _def_request(root: str, name: str) -> graph_pb2.GetDefinitionRequest:
    return graph_pb2.GetDefinitionRequest(root=root, target=graph_pb2.SymbolTarget(name=name))


async def _answer_has(b: Backend, root: str, name: str) -> bool:
    logging.getLogger("codeintel.client").setLevel(logging.ERROR)  # NotFound until the edit is in
    try:
        resp = await b.query("definition", _def_request(root, name))
    except Exception:  # noqa: BLE001 - NotFound (or its RPC status) until the edit is in
        return False
    return any(d.name == name for d in resp.definitions)


def _pick_edit_files(files: Sequence[str], n: int, rnd: random.Random, root: str) -> list[str]:
    """Files of ordinary size (between the 25th and 75th percentile) from different directories."""
    sized = sorted(files, key=lambda f: os.path.getsize(os.path.join(root, f)))
    mid = sized[len(sized) // 4 : 3 * len(sized) // 4] or list(sized)
    return rnd.sample(mid, min(n, len(mid)))


async def edits(b: Backend, root: str, files: Sequence[str], n: int, *, watch: bool) -> dict:
    """Append a function to each of `n` files; the time until GetDefinition by its name answers."""
    rnd = random.Random(15 + int(watch))
    picked = _pick_edit_files(files, n, rnd, root)
    total: list[float] = []
    index_part: list[float] = []
    floor: list[float] = []
    misses = 0
    for i, rel in enumerate(picked):
        if misses >= 2 and not total:
            break  # nothing comes back: the watch (or the query) does not work here
        name = f"_graph_bench_{'watch' if watch else 'edit'}_{i}"
        path = os.path.join(root, rel)
        with open(path, "rb") as fh:
            old = fh.read()
        new = old + f"\n\ndef {name}():\n    return {i}\n".encode()
        s = time.perf_counter()
        parse_file(rel, "python", new)
        floor.append(time.perf_counter() - s)
        await asyncio.sleep(0.05 if watch else 0)  # let a watcher settle between edits
        t0 = time.perf_counter()
        with open(path, "wb") as fh:
            fh.write(new)
        if watch:
            deadline = t0 + 10.0
            while not await _answer_has(b, root, name):
                if time.perf_counter() > deadline:
                    misses += 1
                    break
                await asyncio.sleep(0.002)
            else:
                total.append(time.perf_counter() - t0)
        else:
            await b.index(paths=[rel])
            index_part.append(time.perf_counter() - t0)
            if await _answer_has(b, root, name):
                total.append(time.perf_counter() - t0)
            else:
                misses += 1
    ms = [1000 * x for x in total]
    return {
        "edits": len(picked),
        "answered": len(total),
        "not_answered": misses,
        "p50_ms": pct(ms, 0.5),
        "p90_ms": pct(ms, 0.9),
        "max_ms": max(ms) if ms else 0.0,
        "reindex_p50_ms": pct([1000 * x for x in index_part], 0.5) if index_part else None,
        "parse_floor_p50_ms": pct([1000 * x for x in floor], 0.5),
    }


def _sample_rows(store: Any, root: str, samples: int, rnd: random.Random) -> dict[str, list[tuple]]:
    repo_row = store.repo(root)
    if repo_row is None:
        raise RuntimeError(f"{root} is not in the store")
    kinds = ",".join(str(int(k)) for k in FN_KINDS)
    defs = repo_row.fetch(
        "SELECT f.path, d.name, d.kind, d.nsl, d.nsc FROM defs d JOIN files f ON f.id = d.file_id "
        f"WHERE d.repo_id = ? AND d.kind IN ({kinds}) ORDER BY f.path, d.idx",
        (repo_row.id,),
    )
    refs = repo_row.fetch(
        "SELECT f.path, r.name, r.sl, r.sc FROM refs r JOIN files f ON f.id = r.file_id "
        "WHERE r.repo_id = ? AND r.tmod IS NOT NULL "
        f"AND r.name IN (SELECT name FROM defs WHERE repo_id = ? AND kind IN ({kinds})) ORDER BY f.path, r.sb",
        (repo_row.id, repo_row.id),
    )
    fns = [d for d in defs if d[2] in (parse_pb2.SYMBOL_KIND_FUNCTION, parse_pb2.SYMBOL_KIND_METHOD)]
    return {
        "defs": rnd.sample(defs, min(samples, len(defs))),
        "refs": rnd.sample(refs, min(samples, len(refs))),
        "fns": rnd.sample(fns, min(samples, len(fns))),
        "repo": [(repo_row.id,)],
    }


def _pos(path: str, line: int, col: int) -> graph_pb2.SymbolTarget:
    return graph_pb2.SymbolTarget(
        position=graph_pb2.FilePosition(path=path, position=common_pb2.Position(line=line, column=col))
    )


def query_requests(root: str, rows: dict[str, list[tuple]]) -> dict[str, list[tuple[str, Any]]]:
    page = graph_pb2.Page(page_size=50)
    out: dict[str, list[tuple[str, Any]]] = {"search": [], "definition": [], "references": [], "callers": []}
    for path, name, _kind, line, col in rows["defs"]:
        prefix = name[: max(2, min(len(name), (len(name) + 1) // 2))]
        out["search"].append(
            (
                "search",
                graph_pb2.SearchSymbolsRequest(root=root, query=prefix, match=graph_pb2.SYMBOL_MATCH_PREFIX, page=page),
            )
        )
        out["references"].append(
            ("references", graph_pb2.FindReferencesRequest(root=root, target=_pos(path, line, col), page=page))
        )
    for path, _name, line, col in rows["refs"]:
        out["definition"].append(
            ("definition", graph_pb2.GetDefinitionRequest(root=root, target=_pos(path, line, col), page=page))
        )
    for path, _name, _kind, line, col in rows["fns"]:
        out["callers"].append(
            (
                "calls",
                graph_pb2.CallHierarchyRequest(
                    root=root, target=_pos(path, line, col), direction=graph_pb2.CALL_DIRECTION_CALLERS, depth=3
                ),
            )
        )
    return out


async def _time_all(call: Callable[[str, Any], Any], reqs: list[tuple[str, Any]]) -> tuple[list[float], int]:
    """Latencies in ms, and how many answers were an error (NotFound: no definition there)."""
    lat: list[float] = []
    errors = 0
    for what, req in reqs:
        t0 = time.perf_counter()
        try:
            r = call(what, req)
            if asyncio.iscoroutine(r):
                await r
        except Exception:  # noqa: BLE001 - NotFound for a name the index cannot link counts as an answer
            errors += 1
        lat.append(1000 * (time.perf_counter() - t0))
    return lat, errors


async def query_latency(b: Backend, root: str, samples: int) -> dict:
    g = graph_api()
    assert g is not None
    store = g.open_store(b.store_url)
    rnd = random.Random(1915)
    rows = await asyncio.to_thread(_sample_rows, store, root, samples, rnd)
    reqs = query_requests(root, rows)
    local = g.Queries(store, root)
    out: dict = {}
    for name, items in reqs.items():
        await _time_all(b.query, items[:20])  # warm-up: page cache, connections
        lat, errs = await _time_all(b.query, items)
        d = {"n": len(lat), "not_found": errs, "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99)}
        if isinstance(b, Stack):
            ll, _ = await _time_all(lambda w, r: getattr(local, w)(r), items)
            d["in_process_p50_ms"] = pct(ll, 0.5)
            d["in_process_p99_ms"] = pct(ll, 0.99)
        out[name] = d
    repo_id = rows["repo"][0][0]
    repo_row = store.repo(root)
    names = [r[1] for r in rows["defs"]]
    floor: list[float] = []
    for n in names:
        t0 = time.perf_counter()
        repo_row.fetch("SELECT file_id, idx FROM defs WHERE repo_id = ? AND name = ?", (repo_id, n))
        floor.append(1000 * (time.perf_counter() - t0))
    out["sql_floor"] = {"n": len(floor), "p50_ms": pct(floor, 0.5), "p99_ms": pct(floor, 0.99)}
    with contextlib.suppress(Exception):
        store.close()
    return out


def peak_rss(b: Backend) -> dict[str, dict]:
    out = {}
    for name, pid in b.pids().items():
        m = memory_kb(pid)
        out[name] = {"pid": pid, "peak_rss_mb": m["VmHWM"] / 1024, "rss_mb": m["VmRSS"] / 1024}
    return out


def _reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux: write 5 to clear_refs) so a later phase reads its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


async def scale(make_backend: Callable[[str], Backend], corpus_root: str, files: Sequence[str], at_least: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="graph-scale-") as tmp:
        root = os.path.join(tmp, "repo")
        _log(f"scale: building a synthetic repository of >= {at_least:,} files (hard links)")
        t0 = time.perf_counter()
        n = await asyncio.to_thread(synthetic, root, corpus_root, files, at_least)
        _log(f"scale: {n:,} files in {time.perf_counter() - t0:.1f} s; indexing cold")
        b = make_backend(os.path.join(tmp, "store"))
        reset = _reset_peak_rss()
        try:
            await b.start(root)
            marks = [m for m in SCALE_MARKS if m <= n] + [n]
            summary, seconds, at = await b.index(marks=marks, bypass_cache=True)
            rss = peak_rss(b)
        finally:
            await b.close()
    rates = {}
    prev_n, prev_t = 0, 0.0
    for m in sorted(at):
        t = at[m]
        rates[m] = {
            "seconds": t,
            "files_per_s": m / t if t else 0.0,
            "interval_files_per_s": (m - prev_n) / (t - prev_t) if t > prev_t else 0.0,
        }
        prev_n, prev_t = m, t
    return {
        "files": n,
        "seconds": seconds,
        "files_written": summary.files_written,
        "complete": summary.run.complete,
        "stopped": summary.run.stopped,
        "totals": {
            "files": summary.totals.files,
            "definitions": summary.totals.definitions,
            "references": summary.totals.references,
        },
        "marks": rates,
        "peak_rss": rss,
        "peak_rss_reset": reset,
    }


# ---------------------------------------------------------------- report


def format_table(figs: list[dict]) -> str:
    """The table of bench.suite (figure, measured, baseline, ratio, target, met) for these figures."""
    lines = [f"{'figure':<62} {'measured':>12} {'baseline':>12} {'ratio':>7}  {'target':<14} met?", "-" * 116]
    for f in figs:
        met = {True: "yes", False: "NO", None: "-"}[f["met"]]
        req = f["details"].get("require", {})
        note = f"  ({'; '.join(n for n, ok in req.items() if not ok)} failed)" if not all(req.values()) else ""
        lines.append(
            f"{f['figure'][:62]:<62} {_num(f['measured'], f['unit']):>12} "
            f"{_num(f['baseline'], f['unit']):>12} {_ratio(f['ratio']):>7}  {target_text(f['target']):<14} "
            f"{met}{note}"
        )
    lines.append("")
    seen: dict[str, None] = {}
    for f in figs:
        seen.setdefault(f["baseline_name"], None)
    lines.append("baselines (same run): " + "; ".join(seen))
    return "\n".join(lines)


def figures(res: dict) -> list[dict]:
    out = []
    if "cold" in res:
        out += default_figures(res)
    out += scale_figures(res)
    return out


def default_figures(res: dict) -> list[dict]:
    out = []
    c = res["cold"]
    out.append(
        figure(
            "graph_cold_index",
            f"cold index, CPython stdlib ({c['files']} files)",
            c["seconds"],
            c["baseline_seconds"],
            "s",
            "parse+symbols of the same files, 2 processes, no RPC, no store",
            {"on": "measured", "op": "<=", "value": TARGET_COLD_S},
            files_per_s=c["files_per_s"],
            totals=c["totals"],
            parse_facts_seconds=c["parse_facts_seconds"],
            require={"run complete": c["complete"]},
        )
    )
    for key, label in (
        ("edit", "edited file queryable again (re-index paths=[file])"),
        ("watch", "edited file queryable again via the watch"),
    ):
        e = res.get(key)
        if not e or not e.get("answered"):
            continue
        out.append(
            figure(
                f"graph_{key}_p50",
                f"{label}, p50 of {e['edits']}",
                e["p50_ms"],
                e["parse_floor_p50_ms"],
                "ms",
                "parse with facts of the same file, in-process",
                {"on": "measured", "op": "<=", "value": TARGET_EDIT_MS},
                p90_ms=e["p90_ms"],
                max_ms=e["max_ms"],
                reindex_p50_ms=e["reindex_p50_ms"],
                require={"every edit answered": e["not_answered"] == 0},
            )
        )
    q = res["queries"]
    floor = q["sql_floor"]
    for name, label in (
        ("search", "search (prefix)"),
        ("definition", "definition at a reference"),
        ("references", "references of a definition"),
        ("callers", "callers to depth 3"),
    ):
        d = q[name]
        for which, target in (("p50", TARGET_P50_MS), ("p99", TARGET_P99_MS)):
            out.append(
                figure(
                    f"graph_query_{name}_{which}",
                    f"{label}, {which} of {d['n']}",
                    d[f"{which}_ms"],
                    floor[f"{which}_ms"],
                    "ms",
                    "one indexed SQL lookup (defs by name), same store, in-process",
                    {"on": "measured", "op": "<=", "value": target},
                    not_found=d["not_found"],
                    **({"in_process_ms": d[f"in_process_{which}_ms"]} if f"in_process_{which}_ms" in d else {}),
                )
            )
    return out


def scale_figures(res: dict) -> list[dict]:
    out: list[dict] = []
    s = res.get("scale")
    if s:
        first = s["marks"].get(min(s["marks"])) if s["marks"] else None
        for m, r in sorted(s["marks"].items()):
            out.append(
                figure(
                    f"graph_scale_{m}",
                    f"scale: files/s after {m:,} files (interval {r['interval_files_per_s']:,.0f}/s)",
                    r["files_per_s"],
                    first["files_per_s"] if first else r["files_per_s"],
                    "files/s",
                    f"files/s after the first {min(s['marks']):,} files (linear growth: ratio ~1)",
                    {"on": "ratio", "op": ">=", "value": 0.8},
                    seconds=r["seconds"],
                )
            )
        for name, m in s["peak_rss"].items():
            out.append(
                figure(
                    f"peak_rss.{name}",
                    f"scale: peak RSS, {name}",
                    m["peak_rss_mb"],
                    m["rss_mb"],
                    "MB",
                    "RSS at the end",
                    {"on": "measured", "op": "<=", "value": TARGET_RSS_MB},
                    pid=m["pid"],
                )
            )
    return out


async def run_async(args: argparse.Namespace, log: Any) -> dict:
    if graph_api() is None:
        raise SystemExit("codeintel.graph (open_store, Indexer, Queries) is not there yet")
    use_stack = not args.in_process and await stack_available(log)
    files = stdlib_files(args.limit)
    res: dict = {"python": sys.version.split()[0], "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="graph-speed-") as tmp:
        root = os.path.join(tmp, "stdlib")
        copy_corpus(root, files)
        store_dir = os.path.join(tmp, "store")

        def make(store: str, watch: bool = False) -> Backend:
            return Stack(store, workers=2, watch=watch, log=log) if use_stack else InProcess(store, workers=2)

        b = make(store_dir, watch=True)
        res["mode"] = b.mode
        _log(f"{b.mode}; corpus: {len(files)} stdlib files")
        if args.only_scale:
            res["scale"] = await scale(make, root, files, args.scale_files)
            return res
        await b.start(root)
        try:
            _log("(a) cold index")
            res["cold"] = await cold_index(b, root, files)
            _log(f"(b) {args.edits} edits, re-index paths=[file]")
            res["edit"] = await edits(b, root, files, args.edits, watch=False)
            _log(f"(c) query latency, {args.samples} samples per query")
            res["queries"] = await query_latency(b, root, args.samples)
            if await b.watch():
                _log(f"(b) {args.edits} edits through the watch")
                res["watch"] = await edits(b, root, files, args.edits, watch=True)
            else:
                res["watch"] = None
        finally:
            await b.close()
        if args.scale:
            res["scale"] = await scale(make, root, files, args.scale_files)
    return res


def print_report(res: dict, out=sys.stdout) -> None:
    def p(*a):
        print(*a, file=out)

    p(f"Repository graph speed: {res['mode']}")
    c = res.get("cold")
    if c is None:
        p("")
        p(format_table(res["figures"]))
        print_scale(res, out)
        return
    p(
        f"corpus: {c['files']} CPython {res['python']} stdlib files; index: {c['totals']['definitions']:,} definitions, "
        f"{c['totals']['references']:,} references, {c['totals']['imports']:,} imports; {res['cores']} cores"
    )
    p(
        f"cold index: {c['files_found']} files found, {c['totals']['files']} indexed, skipped "
        f"{c['skipped_by_reason'] or 'none'}; parse+symbols+facts of the same files on 2 processes (no store, "
        f"no resolution): {c['parse_facts_seconds']:.2f} s"
    )
    p("")
    p(format_table(res["figures"]))
    for key in ("edit", "watch"):
        e = res.get(key)
        if e:
            p(
                f"{key}: {e['answered']}/{e['edits']} answered, p50 {e['p50_ms']:.1f} ms, p90 {e['p90_ms']:.1f} ms, "
                f"max {e['max_ms']:.1f} ms"
                + (f", re-index call p50 {e['reindex_p50_ms']:.1f} ms" if e.get("reindex_p50_ms") is not None else "")
            )
    if res.get("watch") is None:
        p("watch: codeintel.graph.watch is not there (or the stack does not watch): not measured")
    q = res["queries"]
    if any("in_process_p50_ms" in v for v in q.values() if isinstance(v, dict)):
        p(
            "queries without RPC (same store, in-process): "
            + ", ".join(
                f"{k} p50 {v['in_process_p50_ms']:.2f} / p99 {v['in_process_p99_ms']:.2f} ms"
                for k, v in q.items()
                if "in_process_p50_ms" in v
            )
        )
    print_scale(res, out)


def print_scale(res: dict, out=sys.stdout) -> None:
    def p(*a):
        print(*a, file=out)

    s = res.get("scale")
    if s:
        p("")
        p(
            f"scale: {s['files']:,} files in {s['seconds']:.1f} s ({s['files'] / s['seconds']:,.0f} files/s overall), "
            f"complete={s['complete']}{', stopped: ' + s['stopped'] if s['stopped'] else ''}; peak RSS "
            + ("since the scale phase" if s["peak_rss_reset"] else "of the whole run (VmHWM could not be reset)")
        )
        for m, r in sorted(s["marks"].items()):
            p(
                f"  {m:>7,} files  {r['seconds']:7.1f} s  {r['files_per_s']:7,.0f} files/s cumulative  "
                f"{r['interval_files_per_s']:7,.0f} files/s in the interval"
            )
        for name, m in s["peak_rss"].items():
            p(f"  {name:<28} pid {m['pid']:>7}  peak RSS {m['peak_rss_mb']:7.1f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", action="store_true", help="add (d): a synthetic repository of >= 50,000 files")
    ap.add_argument("--scale-files", type=int, default=50_000)
    ap.add_argument("--only-scale", action="store_true", help="run (d) alone (implies --scale)")
    ap.add_argument("--in-process", action="store_true", help="do not try the real stack")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--limit", type=int, default=0, help="only the first N stdlib files (smoke runs)")
    ap.add_argument("--json", default=os.path.join(RESULTS, "graph.json"))
    ap.add_argument("--stack-log", default="", help="file for the stack's own logs (default: discarded)")
    a = ap.parse_args(argv)
    log_fh = open(a.stack_log, "a") if a.stack_log else open(os.devnull, "w")  # noqa: SIM115
    try:
        res = asyncio.run(run_async(a, log_fh))
    finally:
        log_fh.close()
    res["figures"] = figures(res)
    print_report(res)
    if a.json:
        update_json(a.json, "speed", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
