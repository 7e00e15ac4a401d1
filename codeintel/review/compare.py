"""Comparing two versions of one file: changed lines, functions before <-> after with their
complexity, syntax errors, findings (by fingerprint) and duplicated blocks (by normalised content);
which paths are tests; where a function's name sits (for graph lookups).

Input and output are the contracts' messages (ParseResult, AnalyzeResult, ScanResult ->
codeintel.v1.review messages); no I/O, no grpc.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from codeintel.v1 import analyze_pb2, parse_pb2, review_pb2, scan_pb2

_WS = re.compile(r"\s+")


@dataclass
class LineChanges:
    """Lines that differ: `removed` are 0-based lines of the before version, `added` of the after one."""

    removed: set[int]
    added: set[int]


def line_changes(before: Sequence[str], after: Sequence[str]) -> LineChanges:
    removed: set[int] = set()
    added: set[int] = set()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed.update(range(i1, i2))
        added.update(range(j1, j2))
    return LineChanges(removed, added)


def _complexity(f: analyze_pb2.FunctionMetrics) -> review_pb2.Complexity:
    return review_pb2.Complexity(cyclomatic=f.cyclomatic_complexity, cognitive=f.cognitive_complexity)


def _key(f: analyze_pb2.FunctionMetrics) -> str:
    return f.qualified_name or f.name


def _body(content: bytes, f: analyze_pb2.FunctionMetrics) -> bytes:
    return content[f.range.start_byte : f.range.end_byte]


def compare_functions(
    before: analyze_pb2.AnalyzeResult | None,
    after: analyze_pb2.AnalyzeResult | None,
    before_content: bytes,
    after_content: bytes,
) -> list[review_pb2.ReviewFunction]:
    """Added, removed and changed functions, in the after version's order (removed ones last).

    Functions pair by qualified name (the n-th of a name before with the n-th after: overloads,
    redefinitions); a pair is changed when its text differs (a function that only moved is not).
    A renamed function is one removed and one added."""
    old: dict[str, list[analyze_pb2.FunctionMetrics]] = defaultdict(list)
    for f in before.functions if before is not None else ():
        old[_key(f)].append(f)
    taken: Counter[str] = Counter()
    out: list[review_pb2.ReviewFunction] = []
    for f in after.functions if after is not None else ():
        k = _key(f)
        n = taken[k]
        taken[k] += 1
        if n >= len(old.get(k, ())):
            out.append(
                review_pb2.ReviewFunction(
                    name=f.name,
                    qualified_name=f.qualified_name,
                    change=review_pb2.FUNCTION_CHANGE_KIND_ADDED,
                    range=f.range,
                    after=_complexity(f),
                )
            )
            continue
        b = old[k][n]
        if _body(before_content, b) != _body(after_content, f):
            out.append(
                review_pb2.ReviewFunction(
                    name=f.name,
                    qualified_name=f.qualified_name,
                    change=review_pb2.FUNCTION_CHANGE_KIND_MODIFIED,
                    range=f.range,
                    before=_complexity(b),
                    after=_complexity(f),
                )
            )
    for k, fs in old.items():
        for b in fs[taken[k] :]:
            out.append(
                review_pb2.ReviewFunction(
                    name=b.name,
                    qualified_name=b.qualified_name,
                    change=review_pb2.FUNCTION_CHANGE_KIND_REMOVED,
                    range=b.range,
                    before=_complexity(b),
                )
            )
    return out


def complexity_delta(f: review_pb2.ReviewFunction) -> int:
    """>0 when a changed function got more complex (either measure), <0 when less, 0 otherwise."""
    if f.change != review_pb2.FUNCTION_CHANGE_KIND_MODIFIED:
        return 0
    d_cyc = f.after.cyclomatic - f.before.cyclomatic
    d_cog = f.after.cognitive - f.before.cognitive
    if d_cyc > 0 or d_cog > 0:
        return 1
    if d_cyc < 0 or d_cog < 0:
        return -1
    return 0


def _line(lines: Sequence[str], n: int) -> str:
    return _WS.sub(" ", lines[n]).strip() if 0 <= n < len(lines) else ""


def _multiset_diff(
    before: Iterable, after: Iterable, key_before, key_after
) -> tuple[list, list]:  # (in after only, in before only), each in its own order
    b_items, a_items = list(before), list(after)
    new = _unmatched(a_items, key_after, (key_before(x) for x in b_items))
    fixed = _unmatched(b_items, key_before, (key_after(x) for x in a_items))
    return new, fixed


def _unmatched(items: list, key, other_keys: Iterable) -> list:
    """The `items` left when each key of the other side cancels one item with that key (a multiset
    difference: two equal findings before and three after leave one new)."""
    left = Counter(other_keys)
    out = []
    for x in items:
        k = key(x)
        if left[k] > 0:
            left[k] -= 1
        else:
            out.append(x)
    return out


def compare_syntax(
    before: parse_pb2.ParseResult | None,
    after: parse_pb2.ParseResult | None,
    before_lines: Sequence[str],
    after_lines: Sequence[str],
) -> tuple[list[parse_pb2.SyntaxError], list[parse_pb2.SyntaxError]]:
    """(new, fixed) syntax errors. An error is the same one on both sides when its kind, message and
    the text of its line (whitespace aside) are: moving it up or down is no change."""
    return _multiset_diff(
        before.errors if before is not None else (),
        after.errors if after is not None else (),
        lambda e: (e.kind, e.message, _line(before_lines, e.range.start.line)),
        lambda e: (e.kind, e.message, _line(after_lines, e.range.start.line)),
    )


def _finding(f: scan_pb2.Finding) -> review_pb2.ReviewFinding:
    return review_pb2.ReviewFinding(
        rule_id=f.rule_id, severity=f.severity, range=f.range, message=f.message, fingerprint=f.fingerprint, cwe=f.cwe
    )


def compare_findings(
    before: scan_pb2.ScanResult | None, after: scan_pb2.ScanResult | None
) -> tuple[list[review_pb2.ReviewFinding], list[review_pb2.ReviewFinding]]:
    """(new, fixed) findings by fingerprint (rule, path and the normalised matched text: unrelated
    edits above a finding leave it alone). Both versions must be scanned under one path."""

    def fp(f: scan_pb2.Finding) -> str:
        return f.fingerprint or f"{f.rule_id}:{f.snippet}"

    new, fixed = _multiset_diff(
        before.findings if before is not None else (), after.findings if after is not None else (), fp, fp
    )
    return [_finding(f) for f in new], [_finding(f) for f in fixed]


def _block_text(lines: Sequence[str], rng) -> str:
    return " ".join(_line(lines, n) for n in range(rng.start.line, rng.end.line + 1))


def introduced_duplicates(
    before: analyze_pb2.AnalyzeResult | None,
    after: analyze_pb2.AnalyzeResult | None,
    before_lines: Sequence[str],
    after_lines: Sequence[str],
) -> list[analyze_pb2.DuplicateBlock]:
    """Duplicated blocks of the after version whose normalised text was not a duplicated block before."""
    seen = Counter(
        _block_text(before_lines, d.occurrences[0])
        for d in (before.duplicates if before is not None else ())
        if d.occurrences
    )
    out = []
    for d in after.duplicates if after is not None else ():
        if not d.occurrences:
            continue
        k = _block_text(after_lines, d.occurrences[0])
        if seen[k] > 0:
            seen[k] -= 1
        else:
            out.append(d)
    return out


_TEST_DIRS = frozenset({"tests", "test", "__tests__", "testing", "spec"})
_TEST_SUFFIXES = (
    "_test.py",
    "_test.go",
    "Test.java",
    "Tests.java",
    "IT.java",
    ".test.ts",
    ".test.tsx",
    ".test.js",
    ".test.jsx",
    ".test.mjs",
    ".spec.ts",
    ".spec.tsx",
    ".spec.js",
    ".spec.jsx",
    ".spec.mjs",
)


def is_test_path(path: str) -> bool:
    """Whether `path` is a test file by the conventions of its language: test_*.py, *_test.py,
    *_test.go, *Test.java, *.test.ts/js, *.spec.ts/js, or anything under tests/, test/, __tests__/."""
    p = path.replace("\\", "/")
    name = posixpath.basename(p)
    if name.startswith("test_") and name.endswith(".py"):
        return True
    if name.endswith(_TEST_SUFFIXES) or name == "conftest.py":
        return True
    parts = p.split("/")[:-1]
    if any(part in _TEST_DIRS for part in parts):
        return True
    # Java and Kotlin test sources: src/test/java/...
    return "/src/test/" in f"/{p}"


def name_position(lines: Sequence[str], rng, name: str) -> tuple[int, int] | None:
    """(line, byte column) of `name` as a word in the first lines of a function's range (decorators
    and annotations may come first); None when it is not there."""
    if not name:
        return None
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    first, last = rng.start.line, min(rng.end.line, rng.start.line + 20)
    for n in range(first, last + 1):
        if n >= len(lines):
            break
        text = lines[n]
        start = rng.start.column if n == first else 0
        # columns are bytes of the line: find on the encoded text
        m = word.search(text, len(text.encode()[:start].decode("utf-8", "ignore")))
        if m is not None:
            return n, len(text[: m.start()].encode())
    return None
