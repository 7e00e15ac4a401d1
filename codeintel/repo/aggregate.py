"""Folding per-file results into a run's summary counts and ordered detail records.

One aggregator per operation: scan (counts by severity, CWE and rule, the worst files, findings
most severe first), analyze (totals, the most complex and longest functions, the least
maintainable files, per-file metrics by path), index (symbols by kind, symbols by path in
document order). Details come out in a stable order, so pages of them stay consistent.
"""

from __future__ import annotations

import heapq
from collections import Counter

from codeintel.kernel import vocab
from codeintel.v1 import parse_pb2

_HOT = 10


class Aggregator:
    """Folds per-file results into summary counts and detail records (one kind per operation)."""

    operation = ""

    def __init__(self) -> None:
        self.records: list[tuple[tuple, dict]] = []
        self.languages: Counter[str] = Counter()

    def add(self, path: str, result) -> None:
        self.languages[result.language] += 1
        self._add(path, result)

    def _add(self, path: str, result) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def details(self) -> list[dict]:
        return [rec for _, rec in sorted(self.records, key=lambda kr: kr[0])]

    def summary(self) -> dict:
        return {}


class ScanAggregator(Aggregator):
    operation = "scan"

    def __init__(self) -> None:
        super().__init__()
        self.by_severity: Counter[str] = Counter()
        self.by_cwe: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.per_file: dict[str, Counter[str]] = {}
        self.suppressed = 0

    def _add(self, path, result) -> None:
        self.suppressed += result.suppressed_count
        for f in result.findings:
            sev = vocab.severity_name(f.severity)
            self.by_severity[sev] += 1
            self.by_cwe[f.cwe or "none"] += 1
            self.by_rule[f.rule_id] += 1
            self.per_file.setdefault(path, Counter())[sev] += 1
            line, col = f.range.start.line + 1, f.range.start.column + 1
            self.records.append(
                (
                    (-vocab.severity_rank(sev), path, line, col, f.rule_id),
                    {
                        "path": path,
                        "line": line,
                        "column": col,
                        "end_line": f.range.end.line + 1,
                        "severity": sev,
                        "confidence": vocab.confidence_name(f.confidence),
                        "rule_id": f.rule_id,
                        "cwe": f.cwe,
                        "owasp": f.owasp,
                        "message": f.message,
                        "snippet": f.snippet[:200],
                        "fingerprint": f.fingerprint,
                    },
                )
            )

    def summary(self) -> dict:
        worst = sorted(
            self.per_file.items(), key=lambda kv: (-(kv[1]["critical"] + kv[1]["high"]), -sum(kv[1].values()), kv[0])
        )[:_HOT]
        return {
            "total_findings": sum(self.by_severity.values()),
            "counts_by_severity": {s: self.by_severity[s] for s in reversed(vocab.SEVERITIES) if self.by_severity[s]},
            "counts_by_cwe": dict(sorted(self.by_cwe.items(), key=lambda kv: (-kv[1], kv[0]))),
            "counts_by_rule": dict(sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "suppressed_count": self.suppressed,
            "worst_files": [
                {"path": p, "critical": c["critical"], "high": c["high"], "total": sum(c.values())} for p, c in worst
            ],
        }


class AnalyzeAggregator(Aggregator):
    operation = "analyze"

    def __init__(self) -> None:
        super().__init__()
        self.lines: Counter[str] = Counter()
        self.functions = 0
        self.classes = 0
        self.duplicates = 0
        self._complex: list[tuple] = []  # min-heaps of the top _HOT
        self._long: list[tuple] = []
        self._low_mi: list[tuple] = []
        self._seq = 0

    def _push(self, heap: list, key: tuple, item: dict) -> None:
        self._seq += 1
        entry = (key, -self._seq, item)  # -seq: on ties the earlier file wins (stable across runs by path order)
        if len(heap) < _HOT:
            heapq.heappush(heap, entry)
        elif entry[:2] > heap[0][:2]:
            heapq.heapreplace(heap, entry)

    def _add(self, path, r) -> None:
        for k in ("total", "code", "comment", "blank"):
            self.lines[k] += getattr(r.lines, k)
        self.functions += r.function_count
        self.classes += r.class_count
        self.duplicates += len(r.duplicates)
        for f in r.functions:
            item = {
                "path": path,
                "function": f.qualified_name or f.name,
                "start_line": f.range.start.line + 1,
                "end_line": f.range.end.line + 1,
                "cyclomatic_complexity": f.cyclomatic_complexity,
                "cognitive_complexity": f.cognitive_complexity,
                "length_lines": f.length_lines,
                "maintainability_index": round(f.maintainability_index, 2),
            }
            self._push(self._complex, (f.cyclomatic_complexity, f.cognitive_complexity), item)
            self._push(self._long, (f.length_lines,), item)
        if r.lines.code > 0:
            self._push(
                self._low_mi,
                (-round(r.maintainability_index, 2),),
                {
                    "path": path,
                    "maintainability_index": round(r.maintainability_index, 2),
                    "code_lines": r.lines.code,
                    "functions": r.function_count,
                },
            )
        self.records.append(
            (
                (path,),
                {
                    "path": path,
                    "language": r.language,
                    "lines": r.lines.total,
                    "code_lines": r.lines.code,
                    "functions": r.function_count,
                    "classes": r.class_count,
                    "max_cyclomatic_complexity": r.max_cyclomatic_complexity,
                    "average_cyclomatic_complexity": round(r.average_cyclomatic_complexity, 3),
                    "max_cognitive_complexity": r.max_cognitive_complexity,
                    "maintainability_index": round(r.maintainability_index, 2),
                    "duplicates": len(r.duplicates),
                    "has_syntax_errors": r.has_syntax_errors,
                },
            )
        )

    @staticmethod
    def _top(heap: list) -> list[dict]:
        ordered = sorted(heap, key=lambda e: (e[0], e[1]), reverse=True)
        return [item for _, _, item in ordered]

    def summary(self) -> dict:
        return {
            "lines": {k: self.lines[k] for k in ("total", "code", "comment", "blank")},
            "functions": self.functions,
            "classes": self.classes,
            "duplicated_blocks": self.duplicates,
            "most_complex_functions": self._top(self._complex),
            "longest_functions": self._top(self._long),
            "lowest_maintainability_files": self._top(self._low_mi),
        }


class IndexAggregator(Aggregator):
    operation = "index"

    def __init__(self) -> None:
        super().__init__()
        self.by_kind: Counter[str] = Counter()
        self.with_errors = 0
        self.without_symbols = 0

    def _add(self, path, r) -> None:
        self.with_errors += bool(r.has_errors)
        self.without_symbols += not r.symbols_supported
        qnames = [s.qualified_name or s.name for s in r.symbols]
        for i, s in enumerate(r.symbols):
            kind = vocab.enum_name(parse_pb2.SymbolKind, s.kind, "SYMBOL_KIND_")
            self.by_kind[kind] += 1
            self.records.append(
                (
                    (path, i),
                    {
                        "path": path,
                        "kind": kind,
                        "name": s.name,
                        "qualified_name": qnames[i],
                        "start_line": s.range.start.line + 1,
                        "end_line": s.range.end.line + 1,
                        "depth": s.depth,
                        "parent": qnames[s.parent_index] if 0 <= s.parent_index < len(qnames) else None,
                    },
                )
            )

    def summary(self) -> dict:
        return {
            "total_symbols": sum(self.by_kind.values()),
            "symbols_by_kind": dict(sorted(self.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
            "files_with_syntax_errors": self.with_errors,
            "files_without_symbol_support": self.without_symbols,
        }


AGGREGATORS = {"scan": ScanAggregator, "analyze": AnalyzeAggregator, "index": IndexAggregator}
