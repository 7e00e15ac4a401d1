"""Scan throughput: codeintel's rule engine vs Bandit, one process, on the same files in the same run.

Two corpora, both tools on the same files of each:

- stdlib: the CPython standard library's *.py files without tests (bench.run.corpus). Library code
  rarely names the words the web rules are anchored on (request, response, framework names), so the
  anchor prefilter (services/scan/anchors.py) skips most rules on most files: a figure that flatters
  codeintel when taken alone.
- app: the Python files of bench/quality/corpus/python/, Flask/Django/FastAPI handlers and services
  written for the scanner-quality benchmark (bench.quality): dense in request data, sinks and
  findings. Chosen over the web packages installed in the virtualenv (starlette, mcp, uvicorn,
  httpx2; Django and Flask are not installed), which are framework and library code rather than
  handlers: on the app corpus the prefilter lets the largest share of anchored rules through per file,
  so it is the least flattering of the three (`python -m bench.scan_speed --corpus all`, column `live
  rules`, 2026-12-06: app 21 %, starlette+mcp+uvicorn 10 %, stdlib 7 %; `--corpus site` times those
  packages too). The app files are small (a few KB each), so a timed pass takes them several
  times over (copies, to at least MIN_PASS_FILES files per pass).

Timing, the same for both tools (`time_pair`):

- included in a timed pass: opening and reading every file from disk (the OS page cache is warm
  after the warm-up pass, for both), parsing, running every rule / plugin, collecting the findings;
- excluded: imports; codeintel's rule loading (RuleSet.load: TOML, validation, query compilation)
  and Bandit's configuration and plugin test set (BanditConfig, and a fresh BanditManager per pass,
  built before the clock starts, since a manager accumulates results);
- warm-up: WARMUP untimed pass(es) over the distinct files before any timed pass, for both tools
  (grammar loading, queries compiled on first use, plugins' first calls);
- content caches: codeintel's functools caches in services.scan.* (keyed on text taken from the
  files, e.g. redos_prone on regex literals) are emptied before every pass and whenever a file comes
  round again within a pass, so no pass reuses work done on the same content. Bandit keeps no state
  between passes (a new manager each time);
- passes alternate (codeintel, Bandit, codeintel, ...), so drifting load falls on both alike;
- statistic: the median over `reps` timed passes of the CPU time of this process
  (time.process_time; other load on the machine skews it less than wall time); files/s = files in a
  pass / that median.

Both run their default rule sets: codeintel every rule (pattern + taint), Bandit its default
profile. Prints one table per corpus; nothing here asserts.

    python -m bench.scan_speed [--corpus stdlib,app|site|all] [--limit N] [--reps 3] [--no-bandit]
"""

from __future__ import annotations

import argparse
import glob
import logging
import math
import os
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.run import corpus
from codeintel.kernel.source import prepare
from services.scan.engine import RuleSet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_CORPUS = os.path.join(ROOT, "bench", "quality", "corpus", "python")
SITE_PACKAGES = ("starlette", "mcp", "uvicorn")
WARMUP = 1  # untimed passes over the distinct files, per tool, before timing
MIN_PASS_FILES = 200  # small corpora are taken several times over per pass (see the docstring)

Run = Callable[[], int]  # one pass over the files; returns the findings


def paths_of(files: list[tuple[str, bytes]]) -> list[str]:
    """Absolute paths of bench.run.corpus entries (their paths are relative to the stdlib)."""
    root = sysconfig.get_paths()["stdlib"]
    return [os.path.join(root, rel) for rel, _ in files]


def stdlib_paths(limit: int | None = None) -> list[str]:
    return paths_of(corpus(limit))


def app_paths() -> list[str]:
    """The Python files of the labelled quality corpus (application-style handlers), sorted."""
    return sorted(glob.glob(os.path.join(APP_CORPUS, "**", "*.py"), recursive=True))


def site_paths(packages: tuple[str, ...] = SITE_PACKAGES) -> list[str]:
    """The *.py files of installed packages (those not installed are left out), sorted."""
    root = sysconfig.get_paths()["purelib"]
    return sorted(p for pkg in packages for p in glob.glob(os.path.join(root, pkg, "**", "*.py"), recursive=True))


def copies_for(n_files: int, min_files: int = MIN_PASS_FILES) -> int:
    """How many times a pass takes a corpus of `n_files` to reach `min_files` files."""
    return max(1, math.ceil(min_files / n_files)) if n_files else 1


def content_caches() -> list[Callable[[], None]]:
    """cache_clear of every functools cache defined in a loaded services.scan.* module (those
    imported from elsewhere, such as grammar loading, are one-off costs and are left alone)."""
    found: dict[int, Callable[[], None]] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "services.scan" or name.startswith("services.scan.")):
            continue
        for obj in list(vars(module).values()):
            clear = getattr(obj, "cache_clear", None)
            if callable(clear) and getattr(obj, "__module__", None) == name:
                found.setdefault(id(obj), clear)
    return list(found.values())


def clear_content_caches() -> int:
    """Empty every cache of content_caches(); the number emptied."""
    clears = content_caches()
    for clear in clears:
        clear()
    return len(clears)


def live_rule_share(rules: RuleSet, paths: list[str], language: str = "python") -> float | None:
    """Mean share, per file, of the anchored pattern rules whose anchors occur in the file: the rules
    the prefilter lets run. None when the engine no longer exposes its prefilter plan."""
    from services.scan.matching import present_anchors

    plan_for = getattr(rules, "_plan_for", None)
    if plan_for is None or not paths:
        return None
    try:
        plan = plan_for(language)
        anchored = [rule_anchors for rule_anchors, _ in plan.anchored.values()]
    except (AttributeError, TypeError, ValueError):
        return None
    if not anchored:
        return None
    total = 0
    for p in dict.fromkeys(paths):
        with open(p, "rb") as fh:
            data = fh.read()
        present, _ = present_anchors(plan, data)
        total += sum(1 for a in anchored if a & present)
    return total / len(dict.fromkeys(paths)) / len(anchored)


class CodeintelScan:
    """codeintel's scan engine in-process: read each file, prepare it, RuleSet.scan it."""

    def __init__(self, rules: RuleSet | None = None, *, pattern_only: bool = False, prefilter: bool = True):
        self.rules = rules if rules is not None else RuleSet.load()
        self.exclude = [r.id for r in self.rules.rules if r.dataflow] if pattern_only else []
        self.prefilter = prefilter
        self.name = "codeintel" + (" pattern rules" if pattern_only else "") + ("" if prefilter else ", no prefilter")

    def prepare(self, paths: list[str]) -> Run:
        """Untimed set-up of one pass (find and empty the content caches); returns the pass itself."""
        clears = content_caches()
        for clear in clears:
            clear()
        rules, exclude, prefilter = self.rules, self.exclude, self.prefilter

        def run() -> int:
            saved, rules.prefilter = rules.prefilter, prefilter
            findings = 0
            seen: set[str] = set()
            try:
                for p in paths:
                    if p in seen:  # a file come round again starts from empty content caches
                        for clear in clears:
                            clear()
                        seen.clear()
                    seen.add(p)
                    with open(p, "rb") as fh:
                        data = fh.read()
                    findings += len(rules.scan(prepare(p, "", data), exclude_rule_ids=exclude).findings)
            finally:
                rules.prefilter = saved
            return findings

        return run


class BanditScan:
    """Bandit in-process through its manager: the CLI's code path minus argument parsing and
    output. Its default profile; it reads each file from disk itself."""

    name = "bandit"

    def __init__(self) -> None:
        import bandit
        from bandit.core import config, manager

        logging.getLogger("bandit").setLevel(logging.ERROR)
        self.version: str = getattr(bandit, "__version__", "?")
        self._config = config.BanditConfig()
        self._manager = manager
        self.skipped: list = []

    def prepare(self, paths: list[str]) -> Run:
        """Untimed set-up of one pass: a fresh manager (it builds the plugin test set and would
        otherwise accumulate results), given the file list as is (discover_files would dedupe it)."""
        m = self._manager.BanditManager(self._config, "file", quiet=True)
        m.files_list = list(paths)

        def run() -> int:
            m.run_tests()
            self.skipped = list(m.skipped)
            return len(m.get_issue_list())

        return run


@dataclass
class Timing:
    tool: str
    files: int  # per pass, copies included
    passes: list[float] = field(default_factory=list)  # seconds (of `clock`) per timed pass
    findings: int = 0  # per pass

    @property
    def seconds(self) -> float:
        return statistics.median(self.passes)

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds > 0 else math.inf


def time_pair(
    tools: list, paths: list[str], reps: int = 3, warmup: int = WARMUP, clock: Callable[[], float] = time.process_time
) -> list[Timing]:
    """Time each tool (an object with .name and .prepare(paths) -> Run) over `paths` in the same
    way: `warmup` untimed passes over the distinct files, then `reps` timed passes, the tools
    alternating; each Timing's statistic is the median pass."""
    distinct = list(dict.fromkeys(paths))
    for _ in range(warmup):
        for tool in tools:
            tool.prepare(distinct)()
    out = [Timing(tool.name, len(paths)) for tool in tools]
    for _ in range(max(1, reps)):
        for tool, timing in zip(tools, out, strict=True):
            run = tool.prepare(paths)
            t0 = clock()
            timing.findings = run()
            timing.passes.append(clock() - t0)
    return out


def versus_bandit(
    paths: list[str], reps: int = 3, warmup: int = WARMUP, rules: RuleSet | None = None, copies: int = 1
) -> dict:
    """Every rule (pattern + taint) vs Bandit's default profile on the same files (`copies` times
    each per pass), timed by time_pair: median CPU seconds of this process per pass."""
    ours, bandit = CodeintelScan(rules), BanditScan()
    timed = paths * max(1, copies)
    ci, bd = time_pair([ours, bandit], timed, reps, warmup)
    return {
        "files": len(paths),
        "copies": max(1, copies),
        "files_per_pass": len(timed),
        "bytes": sum(os.path.getsize(p) for p in paths),
        "reps": max(1, reps),
        "warmup_passes": warmup,
        "statistic": "median pass, CPU time of this process",
        "codeintel_s": ci.seconds,
        "bandit_s": bd.seconds,
        "codeintel_passes_s": ci.passes,
        "bandit_passes_s": bd.passes,
        "codeintel_files_per_s": ci.files_per_s,
        "bandit_files_per_s": bd.files_per_s,
        "codeintel_findings": ci.findings,
        "bandit_findings": bd.findings,
        "bandit_version": bandit.version,
        "bandit_skipped": len(bandit.skipped),
        "anchored_rules_live_share": live_rule_share(ours.rules, paths),
    }


def _corpora(which: str, limit: int | None, packages: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    names = ["stdlib", "app", "site"] if which == "all" else [w.strip() for w in which.split(",") if w.strip()]
    makers = {
        "stdlib": lambda: stdlib_paths(limit),
        "app": app_paths,
        "site": lambda: site_paths(packages),
    }
    unknown = [n for n in names if n not in makers]
    if unknown:
        raise SystemExit(f"unknown corpus {', '.join(unknown)}: choose from stdlib, app, site, all")
    return [(n, makers[n]()) for n in names]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="stdlib,app", help="stdlib, app, site (comma-separated) or all")
    ap.add_argument("--limit", type=int, default=None, help="first N stdlib files only")
    ap.add_argument("--packages", default=",".join(SITE_PACKAGES), help="installed packages for --corpus site")
    ap.add_argument("--reps", type=int, default=3, help="timed passes per tool (the median is kept)")
    ap.add_argument("--warmup", type=int, default=WARMUP, help="untimed passes per tool first")
    ap.add_argument("--no-bandit", action="store_true")
    args = ap.parse_args(argv)
    rules = RuleSet.load()
    tools: list = [
        CodeintelScan(rules, pattern_only=True),
        CodeintelScan(rules),
        CodeintelScan(rules, prefilter=False),
    ]
    if not args.no_bandit:
        tools.append(BanditScan())
    packages = tuple(p for p in args.packages.split(",") if p)
    print(
        f"{'corpus':<8} {'files':>6} {'KB':>7} {'copies':>6} {'live rules':>10}  {'tool':<30} "
        f"{'s/pass':>7} {'files/s':>8} {'findings':>9} {'x bandit':>9}"
    )
    print("-" * 110)
    for name, paths in _corpora(args.corpus, args.limit, packages):
        if not paths:
            print(f"{name:<8} no files")
            continue
        copies = copies_for(len(paths)) if name == "app" else 1
        timings = time_pair(tools, paths * copies, args.reps, args.warmup)
        live = live_rule_share(rules, paths)
        kb = sum(os.path.getsize(p) for p in paths) / 1e3
        bandit = timings[-1] if not args.no_bandit else None
        head = f"{name:<8} {len(paths):>6} {kb:>7.0f} {copies:>6} {'-' if live is None else f'{live:.1%}':>10}"
        for i, t in enumerate(timings):
            ratio = f"{t.files_per_s / bandit.files_per_s:.2f}" if bandit else "-"
            print(
                f"{head if i == 0 else '':<42}  {t.tool:<30} {t.seconds:>7.3f} {t.files_per_s:>8.1f} "
                f"{t.findings:>9} {ratio:>9}"
            )
    print(
        f"\nmedian of {max(1, args.reps)} timed pass(es) after {args.warmup} warm-up pass(es), CPU time of this "
        "process; live rules: mean share per file of the anchored pattern rules the prefilter runs"
    )
    if not args.no_bandit:
        print(f"bandit {tools[-1].version}, default profile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
