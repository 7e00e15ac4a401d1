"""Scoring findings against labels: TP, FP and FN per file, class and language."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bench.quality.labels import CWE_CLASS, CorpusFile


def class_of_cwe(cwe: str) -> str:
    m = re.search(r"(\d+)", cwe or "")
    return CWE_CLASS.get(int(m.group(1)), "other") if m else "other"


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based first line
    cls: str  # a class name or "other"
    rule: str  # rule id / Bandit test id
    cwe: str
    severity: str  # lower case
    confidence: str  # lower case


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "recall": self.recall, "precision": self.precision}


@dataclass
class FileScore:
    per_class: dict[str, Counts]
    misses: list[tuple[str, int, str, str]]  # (kind FN|FP, line, class, detail)
    other: list[Finding]
    fp_on_safe_twin: int = 0


def score(cf: CorpusFile, findings: list[Finding]) -> FileScore:
    """Match `findings` against the file's labels (see the module docstring)."""
    per_class: dict[str, Counts] = defaultdict(Counts)
    misses: list[tuple[str, int, str, str]] = []
    other = [f for f in findings if f.cls == "other"]
    hit: set[tuple[int, int]] = set()  # (label index, group index)
    fps: dict[tuple[int, str], Finding] = {}
    for f in findings:
        if f.cls == "other":
            continue
        matched = False
        for li, lab in enumerate(cf.expects):
            if lab.line <= f.line <= lab.end:
                for gi, group in enumerate(lab.groups):
                    if f.cls in group:
                        hit.add((li, gi))
                        matched = True
        for flow in cf.flows:
            if flow.line <= f.line <= flow.end:
                for li, gi in flow.targets:
                    if f.cls in cf.expects[li].groups[gi]:
                        hit.add((li, gi))
                        matched = True
        if not matched:
            fps.setdefault((f.line, f.cls), f)
    for li, lab in enumerate(cf.expects):
        for gi, group in enumerate(lab.groups):
            if (li, gi) in hit:
                per_class[group[0]].tp += 1
            else:
                per_class[group[0]].fn += 1
                misses.append(("FN", lab.line, group[0], "not reported"))
    on_twin = 0
    for (line, cls), f in sorted(fps.items()):
        per_class[cls].fp += 1
        twin = any(s.line <= line <= s.end for s in cf.safes)
        on_twin += twin
        misses.append(
            ("FP", line, cls, f"{f.rule} ({f.cwe}, {f.severity}/{f.confidence})" + (" on a safe twin" if twin else ""))
        )
    misses.sort(key=lambda m: (m[1], m[0], m[2]))
    return FileScore(dict(per_class), misses, other, on_twin)
