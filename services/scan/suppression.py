"""Suppressed findings: inline comments and the caller's baseline.

`# nosec` / `// nosec` on the finding's first line, or on a comment-only line just above it, suppresses
every rule; `codeintel-ignore` does the same and `codeintel-ignore: rule-id[, rule-id]` (or, without
the colon, words shaped like rule ids) suppresses only the named rules. A finding whose fingerprint is
in the scan's baseline (findings accepted earlier) is suppressed too.

Holds: SUPPRESSIONS (the values of FindingInfo.suppression), MAX_BASELINE; marks_at (the rule ids
suppressed on a line, {"*"}: every rule) and suppression_of (why a finding is suppressed, if it is).
"""

from __future__ import annotations

import re

__all__ = ["MAX_BASELINE", "SUPPRESSIONS", "marks_at", "suppression_of"]

MAX_BASELINE = 10_000  # fingerprints one scan accepts
SUPPRESSIONS = ("", "inline", "baseline")

# `codeintel-ignore: a.b, c-d` or `codeintel-ignore a.b c-d` (without the colon only words shaped like rule
# ids count, so `codeintel-ignore because ...` still means every rule).
_MARK = re.compile(
    r"\b(nosec|codeintel-ignore)\b(?:[ \t]*:[ \t]*([A-Za-z0-9_.\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_.\-]+)*)"
    r"|[ \t]+((?:[a-z0-9]+(?:[.-][a-z0-9]+)+)(?:[ \t]*,?[ \t]*[a-z0-9]+(?:[.-][a-z0-9]+)+)*))?"
)
_ALL = frozenset({"*"})


def _line_suppressions(line: str, *, comment_only: bool) -> frozenset[str]:
    """Rule ids suppressed by comments on `line` ({"*"}: every rule)."""
    if comment_only and not line.lstrip().startswith(("#", "//", "/*", "*", "{/*")):
        return frozenset()
    found: set[str] = set()
    for m in _MARK.finditer(line):
        prefix = line[: m.start()]
        if "#" not in prefix and "//" not in prefix and "/*" not in prefix:
            continue
        ids = m.group(2) or m.group(3)
        if m.group(1) == "nosec" or not ids:
            return _ALL
        found.update(x for x in re.split(r"[\s,]+", ids) if x)
    return frozenset(found)


def marks_at(content: bytes, line_start: int) -> frozenset[str]:
    """Rule ids suppressed for findings that start on the line beginning at byte `line_start`: by a
    comment on that line, or on a comment-only line just above it ({"*"}: every rule)."""
    eol = content.find(b"\n", line_start)
    first = content[line_start : eol if eol >= 0 else len(content)]
    own = _line_suppressions(first.decode("utf-8", "replace"), comment_only=False)
    above: frozenset[str] = frozenset()
    if line_start > 0:
        prev_start = content.rfind(b"\n", 0, line_start - 1) + 1
        above = _line_suppressions(content[prev_start : line_start - 1].decode("utf-8", "replace"), comment_only=True)
    return own | above


def suppression_of(marks: frozenset[str], rule_id: str, fingerprint: str, baseline: frozenset[str]) -> str:
    """One of SUPPRESSIONS: "inline" when the line's `marks` name the rule (or every rule), "baseline"
    when the finding was accepted earlier, "" when it is reported."""
    if "*" in marks or rule_id in marks:
        return "inline"
    return "baseline" if fingerprint in baseline else ""
