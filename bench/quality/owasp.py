"""The OWASP Benchmark editions at ../shared/corpora, scored the way OWASP scores tools.

    python -m bench.quality.owasp [--corpora DIR] [--edition java|python] [--sarif-dir DIR] [--list CATEGORY]

Code nobody here wrote: each edition is a few thousand small test cases, half of each category real
vulnerabilities, half look-alikes made safe by dead branches, overwritten values, sanitisers or
constants (README beside the corpora). Every test case file is scanned by the scan engine in-process
(a process per core), the findings go out as the SARIF log the service itself produces, and that
log is scored twice: here (per category TP, FN, FP, TN, TPR, FPR, score = TPR - FPR; the headline
is the mean of the category scores) and by the corpora's own reference scorer `score_owasp.py`,
whose headline must agree.

Only the test case files are scanned, one at a time, as a per-file scanner sees them: no rule or
model may key on the corpus's names (test, class, helper or variable names) -- the scanner is
scored on another corpus we do not have, where such fitting would show.

The corpora are test data outside the repository (GPL, see their LICENSE files): when they are
missing, this prints why and skips.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
TARGET_SCORE = 0.50

# OWASP's accepted equivalents (expected CWE -> CWEs that count for its category), as score_owasp.py.
EQUIV: dict[int, set[int]] = {
    22: {22, 23, 36, 73},
    78: {77, 78},
    79: {79, 80},
    89: {89, 564},
    90: {90},
    94: {94, 95},
    327: {327, 326, 328},
    328: {328, 327, 916},
    330: {330, 338},
    501: {501},
    502: {502},
    601: {601},
    611: {611, 827},
    614: {614},
    643: {643},
}


@dataclass(frozen=True)
class Edition:
    name: str
    folder: str
    expected: str
    cases: str  # folder of the test case files, relative to the edition
    suffix: str
    helpers: str  # glob of the helper sources the cases call, relative to the edition


EDITIONS = (
    Edition(
        "java",
        "owasp-benchmark-java",
        "expectedresults-1.2.csv",
        "src/main/java/org/owasp/benchmark/testcode",
        ".java",
        "src/main/java/org/owasp/benchmark/helpers/**/*.java",
    ),
    Edition("python", "owasp-benchmark-python", "expectedresults-0.1.csv", "testcode", ".py", "helpers/*.py"),
)

# Figures measured with score_owasp.py on these files, printed beside ours (corpora README, 2026-12-06).
ANCHORS = {
    "java": [("Semgrep OSS (community rules)", 0.440, 0.882, 0.417), ("codeintel at 82daefa", 0.093, 0.037, 0.008)],
    "python": [
        ("Semgrep OSS (community rules)", 0.123, 0.287, 0.176),
        ("Bandit", 0.148, 0.416, 0.060),
        ("codeintel at 82daefa", 0.238, 0.341, 0.153),
    ],
}


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    real: bool
    cwe: int


@dataclass
class Category:
    name: str
    counts: Counter = field(default_factory=Counter)

    @property
    def tpr(self) -> float:
        return self.counts["TP"] / max(1, self.counts["TP"] + self.counts["FN"])

    @property
    def fpr(self) -> float:
        return self.counts["FP"] / max(1, self.counts["FP"] + self.counts["TN"])

    @property
    def score(self) -> float:
        return self.tpr - self.fpr


@dataclass
class Score:
    categories: dict[str, Category]
    misses: dict[str, list[str]]  # "FN"/"FP" -> test names

    @property
    def mean(self) -> float:
        return sum(c.score for c in self.categories.values()) / max(1, len(self.categories))

    @property
    def total(self) -> Counter:
        t: Counter = Counter()
        for c in self.categories.values():
            t.update(c.counts)
        return t


def load_expected(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, cat, real, cwe = (x.strip() for x in line.split(",")[:4])
        cases.append(Case(name, cat, real == "true", int(cwe)))
    return cases


_CWE = re.compile(r"CWE[-_: ]?(\d+)", re.I)


def flagged_cwes(sarif: dict) -> dict[str, set[int]]:
    """File stem -> the CWEs of the findings in it (the result's own `cwe` property)."""
    out: dict[str, set[int]] = {}
    for run in sarif.get("runs", []):
        for res in run.get("results", []):
            cwes = {int(m) for m in _CWE.findall(res.get("properties", {}).get("cwe", ""))}
            for loc in res.get("locations", []):
                uri = loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "")
                out.setdefault(Path(uri).stem, set()).update(cwes)
    return out


def score(cases: list[Case], flagged: dict[str, set[int]]) -> Score:
    cats: dict[str, Category] = {}
    misses: dict[str, list[str]] = {"FN": [], "FP": []}
    for c in cases:
        hit = bool(flagged.get(c.name, set()) & EQUIV.get(c.cwe, {c.cwe}))
        verdict = ("TP" if hit else "FN") if c.real else ("FP" if hit else "TN")
        cats.setdefault(c.category, Category(c.category)).counts[verdict] += 1
        if verdict in misses:
            misses[verdict].append(c.name)
    return Score(dict(sorted(cats.items())), misses)


_RULES = None


def _rules():
    global _RULES
    from services.scan import engine

    if _RULES is None:
        _RULES = engine.RuleSet.load()
    return _RULES


def _scan_one(job: tuple[str, bytes]):
    """Worker: one file through the engine (with other files' summaries, in serialised ScanOptions),
    as the scan service's result message -- what the service's servicer does."""
    from codeintel.kernel.source import prepare
    from codeintel.v1 import scan_pb2
    from services.scan.servicer import result_pb, summaries_of

    path, options = job
    p = Path(path)
    summaries = summaries_of(scan_pb2.ScanOptions.FromString(options)) if options else ()
    return result_pb(_rules().scan(prepare(p.name, "", p.read_bytes()), summaries=summaries)).SerializeToString()


def _summarise_one(path: str):
    """Worker: one file's function summaries, as a ScanResult (ScanOptions.summarize)."""
    from codeintel.kernel.source import prepare
    from codeintel.v1 import scan_pb2
    from services.scan.servicer import summary_pb

    p = Path(path)
    src = prepare(p.name, "", p.read_bytes())
    found = _rules().summarise(src)
    result = scan_pb2.ScanResult(path=p.name, language=src.language, summaries=[summary_pb(x) for x in found])
    return result.SerializeToString()


def cross_file_options(files: list[Path], helpers: list[Path], pool) -> list[bytes]:
    """A repository run's pass 1 over the cases and their helpers, then each case's pass-2 options
    (serialised ScanOptions with the summaries it could use; b"" for none), chosen as the runner does."""
    from codeintel.repo import crossfile
    from codeintel.v1 import scan_pb2

    every = files + helpers
    gathered = crossfile.Gathered()
    for f, raw in zip(every, pool.map(_summarise_one, [str(f) for f in every], chunksize=32), strict=True):
        gathered.add(str(f), scan_pb2.ScanResult.FromString(raw))
    base = scan_pb2.ScanOptions()
    out = []
    for f in files:
        opts = gathered.options_for(base, gathered.for_file(str(f), "", f.read_bytes()))
        out.append(b"" if opts is base else opts.SerializeToString())
    return out


def scan_edition(files: list[Path], workers: int, helpers: list[Path] | None = None) -> dict:
    """Scan `files` (a process each core) and return the SARIF log the service would produce. With
    `helpers`, as a cross-file repository run: summaries of the cases and helpers first."""
    from codeintel.kernel.sarif import build_sarif
    from codeintel.v1 import scan_pb2
    from services.scan import engine

    with ProcessPoolExecutor(max_workers=workers) as pool:
        options = cross_file_options(files, helpers, pool) if helpers is not None else [b""] * len(files)
        jobs = [(str(f), o) for f, o in zip(files, options, strict=True)]
        raw = list(pool.map(_scan_one, jobs, chunksize=32))
    results = []
    for f, data in zip(files, raw, strict=True):
        r = scan_pb2.ScanResult.FromString(data)
        r.path = f.name
        results.append(r)
    return build_sarif(results, tool_version=engine.VERSION)


def reference_mean(scorer: Path, expected: Path, sarif_path: Path) -> float | None:
    """The headline of the corpora's own scorer on the same SARIF log (None when it cannot run)."""
    if not scorer.is_file():
        return None
    out = subprocess.run(
        [sys.executable, str(scorer), str(expected), str(sarif_path)], capture_output=True, text=True, check=False
    )
    m = re.search(r"mean category score ([+-]?\d+(?:\.\d+)?)%", out.stdout)
    return float(m.group(1)) / 100 if m else None


def _pct(x: float) -> str:
    return f"{100 * x:6.1f}%"


def report(
    edition: Edition, s: Score, reference: float | None, seconds: float, nfiles: int, p=print, how: str = ""
) -> None:
    p(f"\nOWASP Benchmark, {edition.name} edition: {nfiles} test case files {how} in {seconds:.1f} s")
    p(f"{'category':12} {'TP':>5} {'FN':>5} {'FP':>5} {'TN':>5} {'TPR':>7} {'FPR':>7} {'score':>7}")
    for c in s.categories.values():
        k = c.counts
        p(
            f"{c.name:12} {k['TP']:5d} {k['FN']:5d} {k['FP']:5d} {k['TN']:5d} "
            f"{_pct(c.tpr)} {_pct(c.fpr)} {100 * c.score:+6.1f}%"
        )
    t = s.total
    tpr = t["TP"] / max(1, t["TP"] + t["FN"])
    fpr = t["FP"] / max(1, t["FP"] + t["TN"])
    p(
        f"{'all':12} {t['TP']:5d} {t['FN']:5d} {t['FP']:5d} {t['TN']:5d} {_pct(tpr)} {_pct(fpr)}"
        f"  mean category score {100 * s.mean:+.1f}% (target {100 * TARGET_SCORE:+.0f}%)"
    )
    if reference is None:
        p("reference scorer: not run (score_owasp.py missing or its output not understood)")
    else:
        agree = "agrees" if abs(reference - s.mean) < 0.0005 else "DISAGREES"
        p(f"reference scorer score_owasp.py: mean category score {100 * reference:+.1f}% ({agree})")
    for name, score_, tpr_, fpr_ in ANCHORS.get(edition.name, []):
        p(f"  anchor {name:32} {100 * score_:+6.1f}%  TPR {_pct(tpr_)} FPR {_pct(fpr_)}")


def run(
    corpora: Path,
    editions: list[str],
    *,
    workers: int,
    sarif_dir: Path | None,
    list_category: str = "",
    cross_file: bool = False,
    p=print,
) -> dict:
    """Score each edition present under `corpora`; returns {edition: figures} (empty when none is there)."""
    out: dict = {}
    if not corpora.is_dir():
        p(f"OWASP Benchmark: skipped, no corpora at {corpora} (test data kept outside the repository)")
        return out
    scorer = corpora / "score_owasp.py"
    for ed in EDITIONS:
        if ed.name not in editions:
            continue
        base = corpora / ed.folder
        expected = base / ed.expected
        if not expected.is_file():
            p(f"OWASP Benchmark {ed.name}: skipped, {expected} not found (the corpora live outside the repository)")
            continue
        cases = load_expected(expected)
        files = sorted((base / ed.cases).glob(f"*{ed.suffix}"))
        helpers = sorted(base.glob(ed.helpers)) if cross_file else None
        t0 = time.perf_counter()
        sarif = scan_edition(files, workers, helpers)
        seconds = time.perf_counter() - t0
        target = sarif_dir or Path(os.environ.get("TMPDIR", "/tmp"))
        target.mkdir(parents=True, exist_ok=True)
        sarif_path = target / f"owasp-{ed.name}{'-cross-file' if cross_file else ''}.sarif"
        sarif_path.write_text(json.dumps(sarif))
        s = score(cases, flagged_cwes(sarif))
        reference = reference_mean(scorer, expected, sarif_path)
        how = (
            f"as a cross-file repository run (with {len(helpers)} helper sources)"
            if helpers is not None
            else "one file at a time"
        )
        report(ed, s, reference, seconds, len(files), p, how)
        if list_category:
            by_name = {c.name: c for c in cases}
            for verdict, names in s.misses.items():
                picked = [n for n in names if by_name[n].category == list_category]
                p(f"  {verdict} {list_category}: {' '.join(picked)}")
        out[ed.name + ("-cross-file" if cross_file else "")] = {
            "score": s.mean,
            "reference_score": reference,
            "seconds": seconds,
            "files": len(files),
            "categories": [
                {
                    "category": c.name,
                    **{k: c.counts[k] for k in ("TP", "FN", "FP", "TN")},
                    "tpr": c.tpr,
                    "fpr": c.fpr,
                    "score": c.score,
                }
                for c in s.categories.values()
            ],
        }
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.quality.owasp", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA, help="folder holding the editions and score_owasp.py"
    )
    ap.add_argument("--edition", action="append", choices=[e.name for e in EDITIONS], help="default: both")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sarif-dir", type=Path, default=None, help="keep the SARIF logs here (default: $TMPDIR)")
    ap.add_argument("--list", default="", metavar="CATEGORY", help="print the FN and FP test names of CATEGORY")
    ap.add_argument("--json", default="", metavar="PATH", help="also write every figure to PATH")
    ap.add_argument(
        "--cross-file",
        action="store_true",
        help="also score each edition as a cross-file repository run (its helper sources summarised first)",
    )
    a = ap.parse_args(argv)
    names = a.edition or [e.name for e in EDITIONS]
    out = run(a.corpora, names, workers=a.workers, sarif_dir=a.sarif_dir, list_category=a.list)
    if a.cross_file:
        out |= run(a.corpora, names, workers=a.workers, sarif_dir=a.sarif_dir, list_category=a.list, cross_file=True)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
