"""The report: recall, precision and speed per language and class, for both tools; `main`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from bench.quality.labels import (
    BANDIT_OVERRIDES,
    CLASSES,
    CORPUS,
    LANGUAGES,
    NOT_APPLICABLE,
    ROOT,
    CorpusError,
    CorpusFile,
    label_counts,
    load_corpus,
)
from bench.quality.scoring import Counts, FileScore, Finding, score
from bench.quality.tools import Bandit, Codeintel, stdlib_paths

# The targets.
TARGET_PRECISION = 0.90
TARGET_SPEEDUP = 10.0


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def _cells(c: Counts | None) -> str:
    if c is None:
        return " " * len(_HEAD)
    return f"{c.tp:4d} {c.fp:4d} {c.fn:4d} {_pct(c.recall)} {_pct(c.precision)} "


_HEAD = "  TP   FP   FN recall  prec. "


def _total(scores: dict[str, FileScore], files: list[CorpusFile], *, language: str = "", cls: str = "") -> Counts:
    total = Counts()
    for cf in files:
        if language and cf.language != language:
            continue
        s = scores.get(cf.path)
        if s is None:
            continue
        for k, c in s.per_class.items():
            if not cls or k == cls:
                total.add(c)
    return total


_ORDER = ("info", "low", "medium", "high", "critical")


def _at_least(findings: list[Finding], minimum: str) -> list[Finding]:
    lo = _ORDER.index(minimum)
    return [f for f in findings if f.severity in _ORDER and _ORDER.index(f.severity) >= lo]


def run(
    reps: int = 3,
    json_path: str = "",
    list_misses: bool = False,
    *,
    corpus: str = CORPUS,
    repeat: int = 0,
    stdlib: int = 200,
    use_bandit: bool = True,
    corpora: str = "",
    out=sys.stdout,
) -> dict:
    """Score both tools, time them, print the report; returns every figure as a dict."""

    def p(*a):
        print(*a, file=out)

    files = load_corpus(corpus)
    py_files = [cf for cf in files if cf.language == "python"]
    ci = Codeintel()
    bandit = None
    if use_bandit:
        try:
            bandit = Bandit()
        except ImportError:
            p("bandit is not installed: its columns stay empty")

    ci_found = {cf.path: ci.scan(cf) for cf in files}
    bd_found = bandit.scan_many(py_files) if bandit and py_files else {}
    ci_scores = {cf.path: score(cf, ci_found[cf.path]) for cf in files}
    bd_scores = {cf.path: score(cf, bd_found[cf.path]) for cf in py_files} if bandit else {}

    langs = [lang for lang in LANGUAGES if any(cf.language == lang for cf in files)]
    classes = list(CLASSES)
    result: dict = {
        "corpus": {},
        "codeintel": {"version": ci.version},
        "bandit": {"version": bandit.version if bandit else None},
        "targets": {},
        "speed": {},
    }

    # --- corpus
    p(f"Scanner quality benchmark: codeintel vs Bandit on {os.path.relpath(corpus, ROOT)}")
    p(
        f"codeintel {ci.version}: {len(ci.rules.rules)} rules for {', '.join(sorted(ci.languages))}; "
        f"bandit {bandit.version if bandit else 'absent'}"
    )
    p("")
    p(f"{'corpus':12s} {'files':>5s} {'vulnerable':>10s} {'safe twins':>10s}")
    counts = label_counts(files)
    for lang in langs:
        nv, ns = sum(counts[lang]["expect"].values()), sum(counts[lang]["safe"].values())
        result["corpus"][lang] = {"files": sum(cf.language == lang for cf in files), "vulnerable": nv, "safe": ns}
        p(f"{lang:12s} {result['corpus'][lang]['files']:5d} {nv:10d} {ns:10d}")
    tv = sum(v["vulnerable"] for v in result["corpus"].values())
    ts = sum(v["safe"] for v in result["corpus"].values())
    p(f"{'total':12s} {len(files):5d} {tv:10d} {ts:10d}")
    p("")

    # --- per language
    p(f"{'Per language':18s}| codeintel{' ' * 20}| bandit (python only)")
    p(f"{'language':18s}|{_HEAD}|{_HEAD}")
    for lang in langs:
        c = _total(ci_scores, files, language=lang)
        note = "" if ci.supports(lang) else "  (codeintel: no rules for this language)"
        b = _total(bd_scores, py_files) if lang == "python" and bandit else None
        p(f"{lang:18s}|{_cells(c)}|{_cells(b)}{note}")
        result["codeintel"].setdefault("per_language", {})[lang] = c.as_dict() | {"supported": ci.supports(lang)}
        if b:
            result["bandit"].setdefault("per_language", {})[lang] = b.as_dict()
    p("")

    # --- per class: codeintel over all languages and on python, bandit on python
    p(f"{'Per class':18s}| codeintel, all languages    | codeintel, python           | bandit, python")
    p(f"{'class':18s}|{_HEAD}|{_HEAD}|{_HEAD}")
    for cls in classes:
        c = _total(ci_scores, files, cls=cls)
        cp = _total(ci_scores, py_files, cls=cls)
        b = _total(bd_scores, py_files, cls=cls) if bandit else None
        p(f"{cls:18s}|{_cells(c)}|{_cells(cp)}|{_cells(b)}")
        result["codeintel"].setdefault("per_class", {})[cls] = c.as_dict()
        result["codeintel"].setdefault("per_class_python", {})[cls] = cp.as_dict()
        if b:
            result["bandit"].setdefault("per_class", {})[cls] = b.as_dict()
    p("")

    # --- class x language matrix (codeintel: found/labelled, +FP)
    p("codeintel by class and language: found/labelled (+false positives)")
    p(f"{'class':18s}" + "".join(f"{lang:>12s}" for lang in langs))
    matrix: dict = {}
    for cls in classes:
        row = []
        for lang in langs:
            c = _total(ci_scores, files, language=lang, cls=cls)
            matrix.setdefault(cls, {})[lang] = c.as_dict()
            if c.tp + c.fn == 0 and c.fp == 0:
                row.append(f"{'n/a' if cls in NOT_APPLICABLE.get(lang, ()) else '-':>12s}")
            else:
                row.append(f"{f'{c.tp}/{c.tp + c.fn}' + (f' +{c.fp}' if c.fp else ''):>12s}")
        p(f"{cls:18s}" + "".join(row))
    result["codeintel"]["per_class_language"] = matrix
    p("")

    # --- overall
    ci_all = _total(ci_scores, files)
    ci_py = _total(ci_scores, py_files)
    bd_py = _total(bd_scores, py_files) if bandit else Counts()
    ci_sup = Counts()
    for lang in langs:
        if ci.supports(lang):
            ci_sup.add(_total(ci_scores, files, language=lang))
    ci_med = {cf.path: score(cf, _at_least(ci_found[cf.path], "medium")) for cf in py_files}
    bd_med = {cf.path: score(cf, _at_least(bd_found[cf.path], "medium")) for cf in py_files} if bandit else {}
    ci_py_med = _total(ci_med, py_files)
    bd_py_med = _total(bd_med, py_files)
    p(f"{'Overall':42s}|{_HEAD}")
    p(f"{'codeintel, all languages':42s}|{_cells(ci_all)}")
    p(f"{'codeintel, languages it has rules for':42s}|{_cells(ci_sup)}")
    p(f"{'codeintel, python':42s}|{_cells(ci_py)}")
    p(f"{'codeintel, python, severity >= medium':42s}|{_cells(ci_py_med)}")
    if bandit:
        p(f"{'bandit, python':42s}|{_cells(bd_py)}")
        p(f"{'bandit, python, severity >= medium':42s}|{_cells(bd_py_med)}")
    ci_twin = sum(s.fp_on_safe_twin for s in ci_scores.values())
    bd_twin = sum(s.fp_on_safe_twin for s in bd_scores.values())
    p(
        f"false positives on safe twins: codeintel {ci_twin} of {ci_all.fp}"
        + (f", bandit {bd_twin} of {bd_py.fp}" if bandit else "")
    )
    result["codeintel"].update(
        {
            "overall": ci_all.as_dict(),
            "overall_supported_languages": ci_sup.as_dict(),
            "python": ci_py.as_dict(),
            "python_min_medium": ci_py_med.as_dict(),
            "fp_on_safe_twins": ci_twin,
        }
    )
    if bandit:
        result["bandit"].update(
            {"python": bd_py.as_dict(), "python_min_medium": bd_py_med.as_dict(), "fp_on_safe_twins": bd_twin}
        )

    tools = [("codeintel", ci_found, ci_scores)] + ([("bandit", bd_found, bd_scores)] if bandit else [])
    for tool, found, scores_ in tools:
        conf = Counter((f.severity, f.confidence) for fs in found.values() for f in fs if f.cls != "other")
        result[tool]["findings_by_severity_confidence"] = {f"{s}/{c}": n for (s, c), n in sorted(conf.items())}
        others = Counter(f"{f.rule} ({f.cwe})" for s in scores_.values() for f in s.other)
        result[tool]["other"] = dict(others)
        p(
            f"{tool}: {sum(others.values())} finding(s) with a CWE outside the class table (not scored)"
            + (": " + ", ".join(f"{k} x{v}" for k, v in others.most_common()) if others else "")
        )
    if bandit:
        p(
            f"bandit findings re-classed by test id (BANDIT_OVERRIDES): "
            f"{sum(1 for fs in bd_found.values() for f in fs if f.rule in BANDIT_OVERRIDES)}"
        )
    p("")

    # --- speed
    from bench import scan_speed

    py_paths = [cf.abspath for cf in py_files]
    n_repeat = repeat or scan_speed.copies_for(len(py_paths))
    py_timed = py_paths * n_repeat
    std = stdlib_paths(stdlib)
    ci_timer = scan_speed.CodeintelScan(ci.rules)
    timers: list = [ci_timer] + ([scan_speed.BanditScan()] if bandit else [])
    speed: dict = {
        "method": "bench.scan_speed.time_pair: both in-process (rules / plugins loaded once, not timed); "
        f"{scan_speed.WARMUP} untimed warm-up pass, then reps timed passes, the tools alternating; each pass "
        "reads every file from disk; median pass, CPU time of this process",
        "reps": reps,
        "warmup_passes": scan_speed.WARMUP,
        "python_corpus_repeat": n_repeat,
    }
    p(
        f"Speed: both in-process, {scan_speed.WARMUP} warm-up pass, median of {reps} timed pass(es), "
        "CPU time; files read from disk each pass (bench.scan_speed)"
    )
    rows = [
        ("python corpus", f"{len(py_paths)} files x{n_repeat}", py_timed),
        ("CPython stdlib", f"{len(std)} files", std),
    ]
    for label, desc, paths in rows:
        if not paths:
            continue
        timings = scan_speed.time_pair(timers, paths, reps)
        ci_fps, ci_secs = timings[0].files_per_s, timings[0].seconds
        bd_fps, bd_secs = (timings[1].files_per_s, timings[1].seconds) if bandit else (0.0, 0.0)
        ratio = ci_fps / bd_fps if bd_fps else None
        key = "python_corpus" if label == "python corpus" else "stdlib"
        speed[key] = {
            "files": len(paths),
            "codeintel_files_per_s": ci_fps,
            "bandit_files_per_s": bd_fps or None,
            "speedup": ratio,
        }
        p(
            f"  {label:15s} ({desc:>16s}): codeintel {ci_fps:8.1f} files/s ({1000 * ci_secs:7.1f} ms/pass)"
            + (f", bandit {bd_fps:7.1f} files/s ({1000 * bd_secs:7.1f} ms/pass), ratio {ratio:.1f}x" if bandit else "")
        )
    supported = [cf.abspath for cf in files if ci.supports(cf.language)]
    ci_all_fps = scan_speed.time_pair([ci_timer], supported, reps)[0].files_per_s if supported else 0.0
    speed["codeintel_whole_corpus_files_per_s"] = ci_all_fps
    p(f"  codeintel over every corpus file it has rules for: {ci_all_fps:.1f} files/s")
    result["speed"] = speed
    p("")

    # --- targets
    speedup = min((v["speedup"] for k, v in speed.items() if isinstance(v, dict) and v.get("speedup")), default=None)
    t_recall = bool(bandit) and (ci_py.recall or 0) >= (bd_py.recall or 0)
    t_prec = (ci_all.precision or 0) >= TARGET_PRECISION
    t_speed = speedup is not None and speedup >= TARGET_SPEEDUP
    p("Targets (reported, not enforced)")
    p(
        f"  [{'PASS' if t_recall else 'MISS'}] python recall >= bandit's: "
        f"codeintel {_pct(ci_py.recall).strip()} vs bandit {_pct(bd_py.recall).strip() if bandit else 'n/a'}"
    )
    p(
        f"  [{'PASS' if t_prec else 'MISS'}] precision >= {TARGET_PRECISION:.0%}: codeintel {_pct(ci_all.precision).strip()}"
        f" (python {_pct(ci_py.precision).strip()}"
        + (f"; bandit python {_pct(bd_py.precision).strip()})" if bandit else ")")
    )
    p(
        f"  [{'PASS' if t_speed else 'MISS'}] files/s >= {TARGET_SPEEDUP:.0f}x bandit's (lower of the two figures): "
        + (f"{speedup:.1f}x" if speedup else "n/a")
    )
    result["targets"] = {
        "python_recall_at_least_bandit": {
            "pass": t_recall,
            "codeintel": ci_py.recall,
            "bandit": bd_py.recall if bandit else None,
        },
        "precision_at_least_90": {"pass": t_prec, "codeintel": ci_all.precision},
        "speed_10x_bandit": {"pass": t_speed, "speedup": speedup},
    }

    # --- misses
    result["misses"] = {tool: _miss_list(scores_, corpus) for tool, _, scores_ in tools}
    if list_misses:
        for tool, _, _ in tools:
            p("")
            p(f"{tool}: false negatives and false positives (file:line class detail)")
            for m in result["misses"][tool]:
                p(f"  {m['kind']} {m['file']}:{m['line']} {m['class']} {m['detail']}")

    # --- code nobody here wrote: the OWASP Benchmark editions beside the repository, when present
    if corpora:
        from bench.quality import owasp  # here: `python -m bench.quality.owasp` imports this package first

        p("")
        p("=" * 100)
        p("OWASP Benchmark (bench.quality.owasp; scored here and by the corpora's own score_owasp.py),")
        p("one file at a time, then as a cross-file repository run (the helpers the cases call summarised first)")
        names = [e.name for e in owasp.EDITIONS]
        workers = os.cpu_count() or 1
        result["owasp"] = owasp.run(Path(corpora), names, workers=workers, sarif_dir=None, p=p)
        result["owasp"] |= owasp.run(Path(corpora), names, workers=workers, sarif_dir=None, p=p, cross_file=True)

    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, "w") as fh:
            json.dump(result, fh, indent=2, sort_keys=True)
        p(f"\nwrote {json_path}")
    return result


def _miss_list(scores: dict[str, FileScore], corpus: str) -> list[dict]:
    base = os.path.relpath(corpus, ROOT)
    return [
        {"kind": k, "file": os.path.join(base, path), "line": line, "class": cls, "detail": d}
        for path, s in sorted(scores.items())
        for k, line, cls, d in s.misses
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.quality",
        description="Scanner quality: codeintel's scan rules vs Bandit on a labelled corpus (see bench.quality).",
    )
    ap.add_argument("--reps", type=int, default=3, help="timed passes per tool and file set (the median is kept)")
    ap.add_argument(
        "--repeat", type=int, default=0, help="python corpus copies per timed pass (default: enough for >= 200 files)"
    )
    ap.add_argument(
        "--stdlib",
        type=int,
        default=200,
        metavar="N",
        help="also time both tools on N CPython stdlib modules (0: skip)",
    )
    ap.add_argument("--corpus", default=CORPUS, help="corpus root (default: bench/quality/corpus)")
    ap.add_argument("--json", default="", metavar="PATH", help="also write every number to PATH")
    ap.add_argument("--list-misses", action="store_true", help="print each FN/FP as file:line")
    ap.add_argument(
        "--corpora",
        default=str(Path(ROOT).parent / "shared" / "corpora"),
        metavar="DIR",
        help="OWASP Benchmark copies and score_owasp.py (default: ../shared/corpora; missing: skipped; '': skip)",
    )
    args = ap.parse_args(argv)
    try:
        run(
            reps=max(1, args.reps),
            json_path=args.json,
            list_misses=args.list_misses,
            corpus=args.corpus,
            repeat=max(0, args.repeat),
            stdlib=max(0, args.stdlib),
            corpora=args.corpora,
        )
    except CorpusError as exc:
        print(f"corpus error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
