"""`python -m bench.query`: CodeQuery's speed over the CPython standard library on this 2-core machine.

Corpus: the standard library's *.py files (site-packages excluded, tests included: about 1,900
files), copied to a temp directory that the coordinator is allowed to walk (--repo-roots).

Through the real stack (`codeintel up` with 2 parse workers, no analyze/scan workers), over gRPC:

- a tree-sitter query: every call of a function or method named `open`;
- an ast-grep pattern: every `isinstance($X, $T)` call;

each cold (RequestOptions.bypass_cache: every file parsed and queried by the workers; best of
--reps) and warm (the same request again: every file a cache hit in the coordinator; best of
--reps). Baseline from the same run: the tree-sitter parse alone of the same files, in-process on
2 processes (no RPC, no query, no walk). Target: a query over the stdlib in <= 3 s.

    python -m bench.query [--limit N] [--reps 2] [--json bench/results/query.json]

Nothing here asserts: the table says whether the target is met.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import sysconfig
import tempfile
import time

from bench.suite import _num, _ratio, figure, target_text

TARGET_S = 3.0
QUERY = '(call function: [(identifier) @fn (attribute attribute: (identifier) @fn)] (#eq? @fn "open")) @call'
PATTERN = "isinstance($X, $T)"
# Needs no particular text, so no file can be ruled out before its parse: the worst case.
EVERY_DEF = "(function_definition name: (identifier) @name) @def"


def stdlib_files(limit: int | None) -> list[str]:
    root = sysconfig.get_paths()["stdlib"]
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        out.extend(os.path.relpath(os.path.join(dirpath, f), root) for f in sorted(filenames) if f.endswith(".py"))
    return out[:limit] if limit else out


def copy_corpus(rels: list[str], dest: str) -> None:
    root = sysconfig.get_paths()["stdlib"]
    for rel in rels:
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(root, rel), target)


def _parse_chunk(paths: list[str]) -> int:
    from codeintel.kernel import languages

    parser = languages.get_parser("python")
    for p in paths:
        with open(p, "rb") as fh:
            parser.parse(fh.read())
    return len(paths)


def parse_alone(paths: list[str], procs: int = 2, repeats: int = 2) -> float:
    """Seconds for `procs` spawned processes to read and tree-sitter-parse the files (best of `repeats`)."""
    chunks = [paths[i::procs] for i in range(procs)]
    best = float("inf")
    with mp.get_context("spawn").Pool(procs) as pool:
        pool.map(_parse_chunk, [c[:10] for c in chunks])  # imports and grammar loading
        for _ in range(repeats):
            t0 = time.perf_counter()
            pool.map(_parse_chunk, chunks)
            best = min(best, time.perf_counter() - t0)
    return best


def table(figures: list[dict]) -> str:
    lines = [f"{'figure':<52} {'measured':>10} {'baseline':>10} {'ratio':>7}  {'target':<8} met?", "-" * 96]
    for f in figures:
        met = {True: "yes", False: "NO", None: "-"}[f["met"]]
        lines.append(
            f"{f['figure'][:52]:<52} {_num(f['measured'], f['unit']):>10} {_num(f['baseline'], f['unit']):>10} "
            f"{_ratio(f['ratio']):>7}  {target_text(f['target']):<8} {met}"
        )
    if figures:
        lines.append(f"baseline: {figures[0]['baseline_name']}")
    return "\n".join(lines)


def timed(client, request, reps: int):
    best, last = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        last = client.code_query(request, timeout_s=120)
        best = min(best, time.perf_counter() - t0)
    return best, last


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.query", description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N files only")
    ap.add_argument("--reps", type=int, default=2, help="timed passes per figure (best counts)")
    ap.add_argument("--json", default=None, help="write the figures here too")
    args = ap.parse_args(argv)

    from codeintel.client.sync import SyncCoordinatorClient
    from codeintel.ops.stack import LocalStack
    from codeintel.v1 import graph_pb2, query_pb2

    rels = stdlib_files(args.limit)
    tmp = tempfile.mkdtemp(prefix="bench-query-")
    figures = []
    try:
        copy_corpus(rels, tmp)
        paths = [os.path.join(tmp, r) for r in rels]
        print(f"corpus: {len(rels)} files of the CPython stdlib copied to {tmp}", file=sys.stderr)
        baseline = parse_alone(paths)
        log = open(os.path.join(tmp, "..", os.path.basename(tmp) + ".log"), "w")  # noqa: SIM115
        stack = LocalStack(
            workers=2,
            extra_args=["--analyze-workers", "0", "--scan-workers", "0", f"--coordinator-arg=--repo-roots={tmp}"],
            stderr=log,
        )
        stack.start(timeout=120)
        try:
            client = SyncCoordinatorClient(stack.address, timeout_s=120)
            page = graph_pb2.Page(page_size=50)
            for name, key, text in (
                ("tree-sitter query (calls of open)", "query", QUERY),
                ("ast-grep pattern", "pattern", PATTERN),
                ("tree-sitter query (every def, no prefilter)", "query", EVERY_DEF),
            ):
                warm_req = query_pb2.CodeQueryRequest(language="python", root=tmp, page=page)
                setattr(warm_req, key, text)
                cold_req = query_pb2.CodeQueryRequest()
                cold_req.CopyFrom(warm_req)
                cold_req.request_options.bypass_cache = True
                cold, resp = timed(client, cold_req, args.reps)
                client.code_query(warm_req, timeout_s=120)  # fills the cache
                warm, wresp = timed(client, warm_req, args.reps)
                s = resp.summary
                print(
                    f"{name}: {s.files_searched} files searched, {s.matches} matches in {s.files_with_matches} "
                    f"files ({s.files_ruled_out} ruled out by text without a parse); warm: "
                    f"{wresp.summary.files_reused} of {wresp.summary.files_searched} from the cache",
                    file=sys.stderr,
                )
                target = {"on": "measured", "op": "<=", "value": TARGET_S}
                baseline_name = "tree-sitter parse alone, in-process, 2 processes"
                tag = "every-def" if text == EVERY_DEF else key
                figures.append(figure(f"{tag}.cold", f"{name}, cold (s)", cold, baseline, "s", baseline_name, target))
                figures.append(
                    figure(f"{tag}.warm", f"{name}, warm/cached (s)", warm, baseline, "s", baseline_name, target)
                )
            client.close()
        finally:
            stack.stop()
            log.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {"files": len(rels), "figures": figures}
    print(f"CodeQuery over {len(rels)} CPython stdlib files, coordinator + 2 parse workers (best of {args.reps})")
    print(table(figures))
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
