"""Scan throughput: codeintel's rule engine vs Bandit, one process, same corpus, same run.

Corpus: the CPython standard library's *.py files without tests (bench.run.corpus). Every tool
reads each file from disk inside the timed loop. codeintel runs `RuleSet.scan(prepare(...))` with
pattern rules only and with every rule (pattern + taint); Bandit runs in-process with its default
profile. Prints one table; nothing here asserts.

usage: python -m bench.scan_speed [--limit N] [--no-bandit]
"""

from __future__ import annotations

import argparse
import logging
import os
import sysconfig
import time

from bench.run import corpus
from codeintel.kernel.source import prepare
from services.scan.engine import RuleSet


def paths_of(files: list[tuple[str, bytes]]) -> list[str]:
    """Absolute paths of bench.run.corpus entries (their paths are relative to the stdlib)."""
    root = sysconfig.get_paths()["stdlib"]
    return [os.path.join(root, rel) for rel, _ in files]


def _paths(limit: int | None) -> list[str]:
    return paths_of(corpus(limit))


def _codeintel(paths: list[str], rules: RuleSet, pattern_only: bool, clock=time.perf_counter) -> tuple[float, int]:
    exclude = [r.id for r in rules.rules if r.dataflow] if pattern_only else []
    t0 = clock()
    findings = 0
    for p in paths:
        with open(p, "rb") as fh:
            data = fh.read()
        findings += len(rules.scan(prepare(p, "", data), exclude_rule_ids=exclude).findings)
    return clock() - t0, findings


def _bandit(paths: list[str], clock=time.perf_counter) -> tuple[float, int]:
    from bandit.core import config, manager

    logging.getLogger("bandit").setLevel(logging.ERROR)
    # Plugin loading is a one-off cost, as our rule loading is (warmed up outside the timing).
    mgr = manager.BanditManager(config.BanditConfig(), "file", quiet=True)
    mgr.discover_files(paths)
    t0 = clock()
    mgr.run_tests()
    return clock() - t0, len(mgr.get_issue_list())


def warmed_rules(paths: list[str]) -> RuleSet:
    rules = RuleSet.load()
    for p in paths[:20]:  # warm up: grammar loading and query compilation are one-off costs
        with open(p, "rb") as fh:
            rules.scan(prepare(p, "", fh.read()))
    return rules


def versus_bandit(paths: list[str], clock=time.process_time) -> dict:
    """Every rule (pattern + taint) vs Bandit's default profile on the same files, one process
    each; by default CPU time of this process, so other load on the machine does not skew it."""
    ours, ours_findings = _codeintel(paths, warmed_rules(paths), False, clock)
    theirs, theirs_findings = _bandit(paths, clock)
    return {
        "files": len(paths),
        "codeintel_s": ours,
        "bandit_s": theirs,
        "codeintel_files_per_s": len(paths) / ours,
        "bandit_files_per_s": len(paths) / theirs,
        "codeintel_findings": ours_findings,
        "bandit_findings": theirs_findings,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N files only")
    ap.add_argument("--no-bandit", action="store_true")
    args = ap.parse_args(argv)
    paths = _paths(args.limit)
    rules = warmed_rules(paths)
    rows = [
        ("codeintel pattern rules", *_codeintel(paths, rules, True)),
        ("codeintel pattern + taint", *_codeintel(paths, rules, False)),
    ]
    if not args.no_bandit:
        rows.append(("bandit 1.9 (default profile)", *_bandit(paths)))
    bandit_rate = len(paths) / rows[2][1] if len(rows) > 2 else None
    print(f"{len(paths)} files, {sum(os.path.getsize(p) for p in paths) / 1e6:.1f} MB (CPython stdlib, no tests)")
    print(f"{'tool':<30} {'seconds':>8} {'files/s':>8} {'findings':>9} {'x bandit':>9}")
    for name, secs, found in rows:
        rate = len(paths) / secs
        ratio = f"{rate / bandit_rate:.1f}" if bandit_rate else "-"
        print(f"{name:<30} {secs:>8.2f} {rate:>8.0f} {found:>9} {ratio:>9}")


if __name__ == "__main__":
    main()
