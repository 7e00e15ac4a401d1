"""Corpus lines copied from the rules' own examples (a corpus fitted to the rules).

    python -m bench.quality.fitting [--corpus DIR] [--rules DIR ...]

A labelled corpus line (`expect`, `safe` or `flow`) stands for its statement (see
bench.quality.labels). Its text -- the statement's lines without the label comment, each
line stripped, a trailing `;` dropped, all whitespace collapsed to one space -- is compared
with the rules' `[[rules.examples]]` snippets (services/scan/rules/*.toml and
services/scan/taint/specs/*.toml) normalised the same way: it overlaps when it equals one
example line, or a run of consecutive example lines (a statement spread over several lines).
Comparing whole statements, not substrings, keeps a short call such as `eval(x)` from
matching every example that contains it. The language is not compared: a statement copied
into another language's file is still a copy.

`overlaps()` returns the overlapping lines; the entry point prints them, one a line, and
exits 1 when there are any (so it can guard the corpus), 0 otherwise.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import sys
import tomllib
from dataclasses import dataclass

from bench.quality.labels import _LABEL, CORPUS, ROOT, CorpusFile, load_corpus

RULE_DIRS: tuple[str, ...] = (
    os.path.join(ROOT, "services", "scan", "rules"),
    os.path.join(ROOT, "services", "scan", "taint", "specs"),
)
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    source: str  # "<file>: <rule id>", relative to the repository root
    kind: str  # "vulnerable" | "safe"
    lines: tuple[str, ...]  # normalised, empty lines dropped


@dataclass(frozen=True)
class Overlap:
    path: str  # corpus file, relative to the corpus root
    line: int  # 1-based, the labelled line
    label: str  # "expect" | "safe" | "flow"
    text: str  # the normalised statement
    example: str  # "<rules file>: <rule id> (<kind>)" of the first example it occurs in


def normalise(line: str) -> str:
    """One source line: label comment removed, stripped, trailing `;` dropped, spaces collapsed."""
    line = _LABEL.sub("", line)
    line = _WS.sub(" ", line).strip()
    return line[:-1].rstrip() if line.endswith(";") else line


def load_examples(dirs: tuple[str, ...] = RULE_DIRS) -> list[Example]:
    """Every vulnerable and safe snippet of every `[[rules.examples]]` table under `dirs`."""
    out: list[Example] = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.toml"))):
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
            rel = os.path.relpath(path, ROOT)
            for rule in doc.get("rules", []):
                source = f"{rel}: {rule.get('id') or rule.get('kind', '?')}"
                for ex in rule.get("examples", []):
                    for kind in ("vulnerable", "safe"):
                        snippets = ex.get(kind, [])
                        for snippet in [snippets] if isinstance(snippets, str) else snippets:
                            lines = tuple(n for n in map(normalise, snippet.splitlines()) if n)
                            out.append(Example(source, kind, lines))
    return out


def _statement_index(examples: list[Example], max_lines: int) -> dict[str, str]:
    """normalised run of 1..max_lines consecutive example lines -> where it first occurs."""
    index: dict[str, str] = {}
    for ex in examples:
        for i in range(len(ex.lines)):
            for k in range(1, max_lines + 1):
                if i + k > len(ex.lines):
                    break
                index.setdefault(" ".join(ex.lines[i : i + k]), f"{ex.source} ({ex.kind})")
    return index


def _statements(cf: CorpusFile) -> list[tuple[int, str, str]]:
    """(line, label kind, normalised statement) of every labelled line of one corpus file."""
    lines = cf.data.decode("utf-8").splitlines()
    out = []
    for kind, labels in (("expect", cf.expects), ("safe", cf.safes), ("flow", cf.flows)):
        for lab in labels:
            text = " ".join(n for n in map(normalise, lines[lab.line - 1 : lab.end]) if n)
            out.append((lab.line, kind, text))
    return sorted(out)


def overlaps(corpus: str = CORPUS, rule_dirs: tuple[str, ...] = RULE_DIRS) -> list[Overlap]:
    """Labelled corpus lines whose statement text also occurs as a statement in a rule example."""
    files = load_corpus(corpus)
    stmts = [(cf, *s) for cf in files for s in _statements(cf)]
    max_lines = max((lab.end - lab.line + 1 for cf in files for lab in cf.expects + cf.safes + cf.flows), default=1)
    index = _statement_index(load_examples(rule_dirs), max_lines)
    return [Overlap(cf.path, line, kind, text, index[text]) for cf, line, kind, text in stmts if text and text in index]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.quality.fitting", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=CORPUS, help="corpus root (default: bench/quality/corpus)")
    ap.add_argument("--rules", nargs="*", default=list(RULE_DIRS), help="directories of rule / taint-spec TOML")
    args = ap.parse_args(argv)
    found = overlaps(args.corpus, tuple(args.rules))
    total = sum(len(cf.expects) + len(cf.safes) + len(cf.flows) for cf in load_corpus(args.corpus))
    for o in found:
        print(f"{o.path}:{o.line}: {o.label}: {o.text}    <- {o.example}")
    print(f"{len(found)} of {total} labelled corpus lines also occur in a rule example")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
