"""`python -m bench.review`: review_changes on a 20-file change of a real repository with a warm index,
end to end through the real stack (the client's ReviewChanges call; no CLI), against a target of 1 s.

Corpus: Flask's released sources from PyPI (sdists of two versions, downloaded once into the cache
directory, never into this repository), made into a git repository of two commits: the older
release, then the same tree with the first 20 (sorted) of the Python files the newer release
changed, added or removed. The range between the two commits is reviewed.

The stack: `codeintel up` (LocalStack, one worker per service, --repo-roots on the cache
directory, an SQLite graph store of its own); the repository is indexed first (the warm index).

Rows:
- review, cold worker caches: the first review (every version parsed, analyzed and scanned by the
  workers; callers and tests from the index);
- review, caches bypassed: RequestOptions.bypass_cache on every later call (worker work each time),
  median of --runs;
- review, warm caches: median of --runs plain calls (results from the coordinator's cache; the
  git, compare and graph work stays);
- baseline: parse + analyze + scan of the same 40 file versions in this process (the workers'
  domain code, no RPC, no git, no graph), median of --runs.

    python -m bench.review [--runs 5] [--cache-dir DIR] [--json FILE]

Nothing here asserts: the table says whether the target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from typing import Any

from codeintel.client import SyncCoordinatorClient
from codeintel.ops.stack import LocalStack
from codeintel.v1 import coordinator_pb2, graph_pb2
from codeintel.v1 import review_pb2 as r

PROJECT, OLD, NEW = "flask", "3.0.3", "3.1.0"
FILES = 20
TARGET_S = 1.0
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "codeintel-bench", "review")


def _git(root: str, *args: str) -> str:
    return subprocess.run(["git", "-C", root, *args], check=True, capture_output=True, text=True).stdout


def _sdist(cache: str, version: str) -> str:
    """The sdist's unpacked directory (downloaded with pip once)."""
    out = os.path.join(cache, f"{PROJECT}-{version}")
    if os.path.isdir(out):
        return out
    archive = os.path.join(cache, f"{PROJECT}-{version}.tar.gz")
    if not os.path.exists(archive):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{PROJECT}=={version}",
                "-d",
                cache,
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return out


def _py_files(top: str) -> dict[str, bytes]:
    out = {}
    for dirpath, _, names in os.walk(top):
        for n in names:
            if n.endswith(".py"):
                full = os.path.join(dirpath, n)
                with open(full, "rb") as fh:
                    out[os.path.relpath(full, top)] = fh.read()
    return out


def make_repository(cache: str) -> tuple[str, str, str, list[str]]:
    """(root, base commit, head commit, the changed files): the older release, then 20 files of the newer."""
    old, new = _sdist(cache, OLD), _sdist(cache, NEW)
    root = os.path.join(cache, f"repo-{OLD}-{NEW}")
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(old, root)
    _git(root, "init", "-q", "-b", "main")
    for k, v in (("user.email", "bench@example.invalid"), ("user.name", "bench"), ("commit.gpgsign", "false")):
        _git(root, "config", k, v)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"{PROJECT} {OLD}")
    before, after = _py_files(old), _py_files(new)
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))[:FILES]
    for rel in changed:
        path = os.path.join(root, rel)
        if rel in after:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(after[rel])
        else:
            os.unlink(path)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"{FILES} files of {PROJECT} {NEW}")
    base = _git(root, "rev-parse", "HEAD~1").strip()
    head = _git(root, "rev-parse", "HEAD").strip()
    return root, base, head, changed


def _timed(fn) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def baseline(root: str, base: str, head: str, changed: list[str]) -> float:
    """Parse + analyze + scan of both versions of the changed files in this process (no RPC)."""
    from codeintel.kernel.source import prepare
    from services.analyze.domain import analyze_source
    from services.parse.domain import parse_source
    from services.scan.engine import RuleSet

    rules = RuleSet.load()

    versions = []
    for rev in (base, head):
        for rel in changed:
            got = subprocess.run(["git", "-C", root, "show", f"{rev}:{rel}"], capture_output=True)
            if got.returncode == 0:
                versions.append((rel, got.stdout))
    t0 = time.perf_counter()
    for rel, content in versions:
        src = prepare(rel, "", content)
        parse_source(src)
        analyze_source(src)
        rules.scan(src)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cache-dir", default=DEFAULT_CACHE)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    os.makedirs(args.cache_dir, exist_ok=True)
    root, base, head, changed = make_repository(args.cache_dir)
    store = tempfile.mkdtemp(prefix="review-bench-store-")
    stack = LocalStack(
        workers=1,
        extra_args=[
            f"--coordinator-arg=--repo-roots={os.path.realpath(args.cache_dir)}",
            f"--coordinator-arg=--graph-store=sqlite:///{store}",
        ],
    )
    stack.start(timeout=120)
    rows: list[tuple[str, float, str]] = []
    try:
        client = SyncCoordinatorClient(stack.address, timeout_s=120)
        t_index, _ = _timed(
            lambda: list(client.index_repository(graph_pb2.IndexRepositoryRequest(root=root), timeout_s=300))
        )
        request = r.ReviewChangesRequest(root=root, revisions=r.RevisionRange(base=base, head=head))
        t_cold, resp = _timed(lambda: client.review_changes(request, timeout_s=60))
        bypass = r.ReviewChangesRequest()
        bypass.CopyFrom(request)
        bypass.request_options.CopyFrom(coordinator_pb2.RequestOptions(bypass_cache=True))
        uncached = [_timed(lambda: client.review_changes(bypass, timeout_s=60))[0] for _ in range(args.runs)]
        warm = [_timed(lambda: client.review_changes(request, timeout_s=60))[0] for _ in range(args.runs)]
        no_graph = r.ReviewChangesRequest()
        no_graph.CopyFrom(request)
        no_graph.options.include_callers = False
        graphless = [_timed(lambda: client.review_changes(no_graph, timeout_s=60))[0] for _ in range(args.runs)]
        client.close()
    finally:
        stack.stop()
        shutil.rmtree(store, ignore_errors=True)
    base_s = statistics.median(baseline(root, base, head, changed) for _ in range(args.runs))
    s = resp.summary
    rows = [
        ("review, cold worker caches (first call)", t_cold, "met" if t_cold <= TARGET_S else "MISSED"),
        ("review, caches bypassed (median)", statistics.median(uncached), ""),
        ("review, warm caches (median)", statistics.median(warm), ""),
        ("review, warm caches, no callers (median)", statistics.median(graphless), ""),
        ("baseline: parse+analyze+scan in-process (median)", base_s, ""),
    ]
    print(
        f"review_changes: {PROJECT} {OLD} -> {NEW}, {len(changed)} changed .py files "
        f"({s.files_reviewed} reviewed, {s.functions_changed} functions changed, {s.functions_added} added, "
        f"{s.functions_removed} removed, {s.callers} callers, {s.tests} tests); index {t_index:.2f} s"
    )
    print(f"{'what':<52} {'seconds':>8}  target {TARGET_S:g} s")
    for name, secs, verdict in rows:
        print(f"{name:<52} {secs:>8.3f}  {verdict}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "corpus": f"{PROJECT} {OLD}->{NEW}",
                    "files": changed,
                    "index_s": t_index,
                    "rows": [{"what": n, "seconds": v} for n, v, _ in rows],
                },
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
