"""`python -m bench.graph.correctness`: the repository graph's definitions and references against
reference implementations, per language and per kind (function / class / method).

- Python: Jedi (bench.graph.jedi_ref) on the installed sources of flask and requests;
- JavaScript / TypeScript: the TypeScript language service (bench.graph.tsls.cjs) on commander and
  ws (JavaScript) and rxjs's TypeScript sources (bench.graph.projects).

Each project is copied to a temp root; the reference tool's answers come from its cache
(bench/results/graph-ref/) or are computed first (never inside our timings); our side indexes the
same root in this process (codeintel.graph Indexer with an in-process parse `send`, a temp SQLite
store) and answers GetDefinition at every usage and FindReferences at every declaration. How items
are counted: bench.graph.compare. Targets (issue 15): precision >= 95 %, recall >= 90 %.

    python -m bench.graph.correctness [--projects flask,requests,commander,ws,rxjs] [--misses 8]
                                      [--json bench/results/graph.json] [--no-cache]

Nothing here asserts: the tables say which targets are met. Every miss goes to
bench/results/graph-misses.json (path, line, name, what the tool says, what ours says).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict

from bench.graph import compare, jedi_ref, projects, ts_ref
from bench.graph.ours import Ours, graph_api
from bench.graph.reference import KINDS, Reference

TARGET_PRECISION = 0.95
TARGET_RECALL = 0.90
RESULTS = os.path.join(projects.REPO, "bench", "results")


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def reference_of(p: projects.Project, root: str, *, use_cache: bool, cache_dir: str | None = None) -> Reference:
    if p.language == "python":
        if not use_cache:
            return jedi_ref.build(root, p.name, p.version)
        return jedi_ref.reference_for(root, p.name, p.version, cache_dir=cache_dir)
    if not use_cache:
        return ts_ref.build(root, p.name, p.version)
    return ts_ref.reference_for(root, p.name, p.version, cache_dir=cache_dir)


def run_project(
    p: projects.Project, *, use_cache: bool = True, cache_dir: str | None = None, root: str | None = None
) -> tuple[compare.Score, dict]:
    """Score one project; `root` (already materialised) overrides the copy of `p`."""
    with tempfile.TemporaryDirectory(prefix=f"graph-{p.name}-") as tmp:
        if root is None:
            root = p.materialize(os.path.join(tmp, "root"))
        t0 = time.perf_counter()
        ref = reference_of(p, root, use_cache=use_cache, cache_dir=cache_dir)
        ref_wall = time.perf_counter() - t0
        ours = Ours(root, os.path.join(tmp, "store"))
        t0 = time.perf_counter()
        summary = ours.index()
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = compare.score(ref, root, ours.definition_at, ours.references_of, ours.explain)
        query_s = time.perf_counter() - t0
        n_queries = len(ref.usages) + len(ref.declarations)
    info = {
        "project": p.name,
        "version": p.version,
        "tool": ref.tool,
        "files": len(ref.files),
        "languages": sorted(set(ref.files.values())),
        "declarations": len(ref.declarations),
        "usages": len(ref.usages),
        "usages_with_target": sum(1 for u in ref.usages if u[4]),
        "tool_references": sum(len(v) for v in ref.references.values()),
        "tool_seconds": ref.seconds,
        "tool_cached": ref_wall < ref.seconds / 2 if ref.seconds else ref_wall < 1.0,
        "ours_index_seconds": index_s,
        "ours_files_written": summary.files_written,
        "ours_totals": {
            "files": summary.totals.files,
            "definitions": summary.totals.definitions,
            "references": summary.totals.references,
            "imports": summary.totals.imports,
        },
        "ours_query_seconds": query_s,
        "ours_queries": n_queries,
        "definition": s.tally("definition").as_dict(),
        "references": s.tally("references").as_dict(),
    }
    return s, info


def _tallies(s: compare.Score, query: str) -> dict:
    out: dict = {}
    for lang in s.languages():
        out[lang] = {k: s.tally(query, lang, k).as_dict() for k in KINDS}
        out[lang]["all"] = s.tally(query, lang).as_dict()
    out["overall"] = s.tally(query).as_dict()
    return out


def met(t: compare.Tally) -> bool:
    return (t.precision or 0.0) >= TARGET_PRECISION and (t.recall or 0.0) >= TARGET_RECALL


def report(total: compare.Score, infos: list[dict], *, misses: int = 8, out=sys.stdout) -> None:
    def p(*a):
        print(*a, file=out)

    tools = sorted({i["tool"] for i in infos})
    p(f"Repository graph correctness: codeintel vs {' and '.join(tools)}")
    p("")
    p(
        f"{'project':<18} {'language':<22} {'files':>5} {'decls':>6} {'usages':>7} {'->decl':>7} "
        f"{'tool s':>8} {'our index s':>11} {'our queries':>11} {'ms/query':>8}"
    )
    p("-" * 112)
    for i in infos:
        cached = " (cached)" if i["tool_cached"] else ""
        p(
            f"{i['project'] + ' ' + i['version']:<18} {','.join(i['languages']):<22} {i['files']:>5} "
            f"{i['declarations']:>6} {i['usages']:>7} {i['usages_with_target']:>7} "
            f"{i['tool_seconds']:>8.1f} {i['ours_index_seconds']:>11.2f} {i['ours_queries']:>11} "
            f"{1000 * i['ours_query_seconds'] / max(1, i['ours_queries']):>8.2f}{cached}"
        )
    p("  ->decl: usages the tool resolves to a function/class/method of the project; tool s: the reference")
    p("  tool's own time (cached answers are reused: it is not part of our figures)")
    p("")
    for query, title in (
        ("definition", "GetDefinition at every usage (items: usages landing on a function/class/method)"),
        ("references", "FindReferences of every function/class/method (items: uses)"),
    ):
        for line in compare.table(title, total, query, TARGET_PRECISION, TARGET_RECALL):
            p(line)
        p("")
    p("per project (precision / recall)")
    for i in infos:
        d, r = i["definition"], i["references"]
        p(
            f"  {i['project']:<10} definition {compare.pct(d['precision'])} / {compare.pct(d['recall'])}   "
            f"references {compare.pct(r['precision'])} / {compare.pct(r['recall'])}"
        )
    p("")
    p("counts")
    for k, v in sorted(total.info.items()):
        p(f"  {v:7d}  {k}")
    if misses:
        p("")
        p(f"misses by category (top {misses}, with examples)")
        for line in compare.miss_summary(total, top=misses):
            p(line)


def update_json(path: str, section: str, data: dict) -> None:
    """bench/results/graph.json holds one section per command (correctness, speed)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        doc = {}
    doc[section] = data
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(doc, fh, indent=1)
    os.replace(tmp, path)


def run(
    names: list[str],
    *,
    json_path: str = "",
    misses_path: str = "",
    misses: int = 8,
    use_cache: bool = True,
    out=sys.stdout,
) -> dict:
    if graph_api() is None:
        raise SystemExit("codeintel.graph (open_store, Indexer, Queries) is not there yet: nothing to compare")
    total = compare.Score()
    infos = []
    skipped = []
    for p in projects.by_name(names):
        if not p.available():
            skipped.append(f"{p.name}: {p.source} is missing (pip install -r requirements/dev.txt / npm ci)")
            continue
        _log(f"{p.name} {p.version}: reference ({p.language}), index, queries")
        try:
            s, info = run_project(p, use_cache=use_cache)
        except ts_ref.Unavailable as exc:
            skipped.append(f"{p.name}: {exc}")
            continue
        total.merge(s)
        infos.append(info)
    report(total, infos, misses=misses, out=out)
    for line in skipped:
        print(f"skipped {line}", file=out)
    result = {
        "targets": {"precision": TARGET_PRECISION, "recall": TARGET_RECALL},
        "projects": infos,
        "definition": _tallies(total, "definition"),
        "references": _tallies(total, "references"),
        "met": {
            q: {lang: met(total.tally(q, lang)) for lang in total.languages()} | {"overall": met(total.tally(q))}
            for q in ("definition", "references")
        },
        "counts": dict(total.info),
        "skipped": skipped,
        "python": sys.version.split()[0],
    }
    if json_path:
        update_json(json_path, "correctness", result)
    if misses_path:
        os.makedirs(os.path.dirname(os.path.abspath(misses_path)), exist_ok=True)
        with open(misses_path, "w") as fh:
            json.dump([asdict(m) for m in total.misses], fh, indent=0)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", default=",".join(p.name for p in projects.ALL), help="comma-separated")
    ap.add_argument("--json", default=os.path.join(RESULTS, "graph.json"))
    ap.add_argument("--misses-json", default=os.path.join(RESULTS, "graph-misses.json"))
    ap.add_argument("--misses", type=int, default=8, help="miss categories printed per query and side (0: none)")
    ap.add_argument("--no-cache", action="store_true", help="recompute the reference tools' answers")
    a = ap.parse_args(argv)
    run(
        [n for n in a.projects.split(",") if n],
        json_path=a.json,
        misses_path=a.misses_json,
        misses=a.misses,
        use_cache=not a.no_cache,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
