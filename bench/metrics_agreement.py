"""Cyclomatic complexity of codeintel's analyze vs lizard over the CPython standard library.

Both run in-process on the same files (the stdlib's *.py without its tests, as in
bench.run). Functions are matched by (start line, name); the table gives the share
whose cyclomatic complexity agrees exactly, each kind of disagreement with a count
and an example, and files/s for both (CPU time of this process, so other load on
the machine does not skew the ratio). Nothing here asserts: it reports.

    python -m bench.metrics_agreement [--limit N]

Kinds of disagreement, and why codeintel keeps its count (this command on 2026-11-24:
CPython 3.11, 16,488 functions matched, 97.8 % exact agreement):

- lizard counts `finally` (356 functions that day, about 2 %). A finally block runs on every
  path, so it adds no decision to the control-flow graph; McCabe, radon and Sonar
  do not count it. Ours is 1 lower per finally clause.
- lizard counts the wildcard `case _:` of a match statement. Like `default:` or an
  `else`, it is the fall-through arm, not a decision; ours is 1 lower.
- lizard ends a function early when its signature spans lines and closes on a
  line indented less than the body (`def f(\\n    a,\\n):` with a multi-line
  return annotation, or `):` on its own line): it then misses the decisions after
  that point. Ours follows the syntax tree's function node.
- lizard attaches the lines after a one-line nested def (`def g(x): return x`) to
  that nested function, so the enclosing function loses their decisions and the
  one-liner gains them. Lizard also skips runs of one-line defs altogether; those
  functions are listed as unmatched, not as disagreements.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict

import lizard

from bench.run import corpus
from codeintel.kernel.languages import get_parser
from codeintel.kernel.source import prepare
from services.analyze.domain import analyze_source

FINALLY = "lizard counts `finally` (not a decision)"
WILDCARD = "lizard counts the wildcard `case _` (default arm)"
BOTH = "lizard counts `finally` and `case _`"
EARLY = "lizard ends the function early (multi-line signature)"
ONE_LINER = "lizard moves lines after a one-line nested def into it"
OTHER = "other"


def _own_counts(func) -> tuple[int, int, bool]:
    """(finally clauses, wildcard case arms) in a function's own body, nested defs excluded,
    and whether it holds a one-line nested def."""
    finals = wild = 0
    one_liner = False
    stack = list(func.named_children)
    while stack:  # explicit stack: bodies can nest deeply
        node = stack.pop()
        if node.type == "function_definition":
            one_liner = one_liner or node.start_point[0] == node.end_point[0]
            continue
        if node.type == "lambda":
            continue
        if node.type == "finally_clause":
            finals += 1
        elif node.type == "case_clause":
            pattern = node.named_child(0)
            if pattern is not None and pattern.text.strip() == b"_":
                wild += 1
        stack.extend(node.named_children)
    return finals, wild, one_liner


def _classify(data: bytes, ours, theirs) -> str:
    tree = get_parser("python").parse(data)
    node = tree.root_node.named_descendant_for_point_range(
        (ours.range.start_line, ours.range.start_col), (ours.range.end_line, ours.range.end_col)
    )
    while node is not None and node.type != "function_definition":
        node = node.parent
    if node is not None:
        finals, wild, one_liner = _own_counts(node)
        if (finals or wild) and theirs.cyclomatic_complexity == ours.cyclomatic_complexity + finals + wild:
            return BOTH if finals and wild else FINALLY if finals else WILDCARD
        if one_liner or node.start_point[0] == node.end_point[0]:
            return ONE_LINER
    if theirs.end_line < ours.range.end_line + 1:
        return EARLY
    return OTHER


def compare(files: list[tuple[str, bytes]]) -> dict:
    """Lizard vs codeintel's analyze on the same files: CPU seconds of each (and of parsing
    alone), function matching and cyclomatic agreement with the kinds of disagreement."""
    t_lizard = t_ours = t_parse = 0.0
    matched = agree = ours_only = theirs_only = 0
    kinds: Counter = Counter()
    examples: dict[str, str] = {}
    diffs: dict[str, Counter] = defaultdict(Counter)
    for path, data in files:
        text = data.decode("utf-8")
        t0 = time.process_time()
        theirs = lizard.analyze_file.analyze_source_code(path, text)
        t1 = time.process_time()
        ours = analyze_source(prepare(path, "python", data))
        t2 = time.process_time()
        get_parser("python").parse(data)
        t_parse += time.process_time() - t2
        t_lizard += t1 - t0
        t_ours += t2 - t1
        by_key = {(f.start_line, f.name.split(".")[-1]): f for f in theirs.function_list}
        seen = set()
        for f in ours.functions:
            key = (f.range.start_line + 1, f.name)
            g = by_key.get(key)
            if g is None:
                ours_only += 1
                continue
            seen.add(key)
            matched += 1
            if g.cyclomatic_complexity == f.cyclomatic_complexity:
                agree += 1
                continue
            kind = _classify(data, f, g)
            kinds[kind] += 1
            diffs[kind][f.cyclomatic_complexity - g.cyclomatic_complexity] += 1
            examples.setdefault(
                kind,
                f"{path}:{key[0]} {f.qualified_name} (ours {f.cyclomatic_complexity}, "
                f"lizard {g.cyclomatic_complexity})",
            )
        theirs_only += len(set(by_key) - seen)
    return {
        "files": len(files),
        "lizard_s": t_lizard,
        "codeintel_s": t_ours,
        "parse_s": t_parse,
        "lizard_files_per_s": len(files) / t_lizard if t_lizard else 0.0,
        "codeintel_files_per_s": len(files) / t_ours if t_ours else 0.0,
        "matched": matched,
        "agree": agree,
        "ours_only": ours_only,
        "theirs_only": theirs_only,
        "kinds": kinds,
        "diffs": diffs,
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = ap.parse_args(argv)

    files = corpus(args.limit)
    r = compare(files)
    t_lizard, t_ours, t_parse, matched, agree = r["lizard_s"], r["codeintel_s"], r["parse_s"], r["matched"], r["agree"]
    ours_only, theirs_only, kinds, diffs, examples = (
        r["ours_only"],
        r["theirs_only"],
        r["kinds"],
        r["diffs"],
        r["examples"],
    )
    n = len(files)
    print(f"corpus: {n} files (CPython {sys.version.split()[0]} stdlib, tests excluded)")
    print(f"functions matched by (start line, name): {matched:,}  (only ours: {ours_only}, only lizard: {theirs_only})")
    share = agree / matched if matched else 0.0
    print(f"exact cyclomatic agreement: {agree:,} / {matched:,} = {share:.1%}")
    print()
    print(f"{'disagreement':<62} {'count':>6}  ours-lizard  example")
    for kind, count in kinds.most_common():
        spread = ", ".join(f"{d:+d}x{c}" for d, c in sorted(diffs[kind].items()))
        print(f"{kind:<62} {count:>6}  {spread:<11}  {examples[kind]}")
    print()
    fl = n / t_lizard if t_lizard else 0.0
    fo = n / t_ours if t_ours else 0.0
    print(f"lizard:    {fl:7.1f} files/s  ({t_lizard:.2f} s CPU; CC, NLOC, tokens, parameters)")
    print(
        f"codeintel: {fo:7.1f} files/s  ({t_ours:.2f} s CPU; parse + lines, CC, cognitive, nesting, "
        f"parameters, Halstead, MI, duplicates)"
    )
    print(f"ratio codeintel/lizard: {fo / fl if fl else 0.0:.2f}x")
    print(
        f"of codeintel's time, tree-sitter parsing alone: {t_parse:.2f} s "
        f"({t_parse / t_ours if t_ours else 0.0:.0%}; {t_parse / t_lizard if t_lizard else 0.0:.0%} of lizard's)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
