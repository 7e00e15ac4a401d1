"""Running pattern rules' tree-sitter queries over a file, with the anchor prefilter.

Most patterns carry a text predicate that pins an identifier or a literal (anchors.py). A file costs
one QueryCursor pass over the whole tree for the few rules without anchors (one combined query)
and, per rule whose anchors occur in the file, a pass over byte ranges around those occurrences
with the rule's own query (compiled at load). Matching pays per candidate node and pattern with text
predicates, so running each rule only near its anchors is several times cheaper than one combined
query over everything: `python -m bench.scan_speed` prints the scan with and without the prefilter.

Holds: compile_query and query_anchors (what the loader keeps per rule and language); Compiled (a
query and its pattern index -> rule map) and Plan (a language's rules split for the prefilter);
ranged_runs (which query runs over which byte ranges, for the anchors present in a file); matches
(the runs' matches as hits, predicates applied, each finding once).
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Query, QueryCursor

from codeintel.kernel.budget import Budget
from codeintel.kernel.languages import get_language
from codeintel.kernel.query import matches as query_matches
from services.scan import anchors
from services.scan.predicates import PREDICATES
from services.scan.rules import Rule

__all__ = ["Compiled", "Plan", "compile_query", "matches", "query_anchors", "ranged_runs"]

# Occurrences of a rule's anchors closer than this many bytes share one ranged query run; a rule whose
# ranges (plus this much per run, for a run's fixed cost) cover more than _FULL_WALK_SHARE of the file
# gets one walk over the whole file instead.
_RANGE_GAP = 256
_FULL_WALK_SHARE = 1.0


@dataclass(slots=True)
class Compiled:
    """One query over one or more rules; pattern index -> rule."""

    query: Query
    pattern_rule: list[Rule]


@dataclass(slots=True)
class Plan:
    """A language's pattern rules split for the anchor prefilter: `free` rules (a pattern without
    anchor) run as one query over the whole file, each `anchored` rule as its own query around
    occurrences of its anchors."""

    free: Compiled | None
    anchored: dict[str, tuple[frozenset[anchors.Anchor], Compiled]]  # rule id -> (its anchors, its query)
    tokens: frozenset[bytes]  # the TOKEN anchors' texts
    substrings: tuple[bytes, ...]  # the SUBSTRING anchors' texts
    folded: tuple[bytes, ...] = ()  # the FOLDED anchors' texts (lower case)


def compile_query(language: str, text: str) -> Query:
    return Query(get_language(language), text)


def _quantifier(query: Query, pattern: int, capture: int) -> str:
    """ "", "?", "*" or "+"; "0" when the capture is not in the pattern (py-tree-sitter 0.26 raises
    SystemError for that quantifier instead of returning it)."""
    try:
        return query.capture_quantifier(pattern, capture)
    except SystemError:
        return "0"


def query_anchors(query: Query, text: str) -> frozenset[anchors.Anchor] | None:
    """Anchors (identifier tokens, literal substrings) of which at least one must occur in a file for
    some pattern of the query to match, or None when a pattern has none (it must always run); see anchors.py."""
    raw = text.encode("utf-8")
    found: set[anchors.Anchor] = set()
    names = [query.capture_name(k) for k in range(query.capture_count)]
    for i in range(query.pattern_count):
        if not query.is_pattern_rooted(i):  # sibling sequences may start before a range around the anchor
            return None
        pattern = raw[query.start_byte_for_pattern(i) : query.end_byte_for_pattern(i)].decode("utf-8")
        optional = frozenset(n for k, n in enumerate(names) if _quantifier(query, i, k) in ("?", "*"))
        words = anchors.pattern_anchors(pattern, optional)
        if words is None:
            return None
        found.update(words)
    return frozenset(found)


def present_anchors(plan: Plan, content: bytes) -> tuple[set[anchors.Anchor], bytes | None]:
    """The plan's anchors that occur in `content`, and the lower-cased content (None unless FOLDED
    anchors were looked for in it)."""
    present = {anchors.Anchor(anchors.TOKEN, t) for t in anchors.tokens_in(content, plan.tokens)}
    present.update(anchors.Anchor(anchors.SUBSTRING, t) for t in plan.substrings if t in content)
    # FOLDED anchors are looked for in the lower-cased file, which only ASCII text makes exact
    # (anchors.py): in other files every one counts as present, and its rules walk the whole file.
    lowered = content.lower() if plan.folded and content.isascii() else None
    if plan.folded:
        present.update(anchors.Anchor(anchors.FOLDED, t) for t in plan.folded if lowered is None or t in lowered)
    return present, lowered


def ranged_runs(
    plan: Plan, content: bytes, patterns: list[Rule]
) -> tuple[list[tuple[Compiled, tuple[int, int] | None]], set[str]]:
    """(query runs, ids of the rules that can match) for the `patterns` rules over a file: a rule whose
    every pattern is anchored cannot match a file without one of its anchors, and each of its matches
    contains an occurrence of one. So the free rules run as one query over the whole file (range None),
    and each anchored rule whose anchors occur runs its own query over byte ranges around those
    occurrences: a ranged query still returns every match that intersects the range, and walks little
    more than the range. A rule whose ranges cover much of the file takes one walk over all of it."""
    present, lowered = present_anchors(plan, content)
    wanted: set[str] = set()
    spots: dict[anchors.Anchor, list[tuple[int, int]]] = {}
    runs: list[tuple[Compiled, tuple[int, int] | None]] = []
    free = False
    for r in patterns:
        entry = plan.anchored.get(r.id)
        if entry is None:
            free = True
            wanted.add(r.id)
            continue
        live = entry[0] & present
        if not live:
            continue
        wanted.add(r.id)
        ranges: list
        if lowered is None and any(a.kind == anchors.FOLDED for a in live):
            ranges = [None]
        else:
            for a in live:
                if a not in spots:
                    text = content if lowered is None or a.kind != anchors.FOLDED else lowered
                    spots[a] = anchors.occurrences(text, a)
            ranges = anchors.merge([spot for a in live for spot in spots[a]], _RANGE_GAP)
            if sum(e - s for s, e in ranges) + _RANGE_GAP * len(ranges) > _FULL_WALK_SHARE * len(content):
                ranges = [None]
        runs.extend((entry[1], span) for span in ranges)
    if free:
        if plan.free is None:  # cannot happen: a rule the plan does not anchor is one of its free rules
            raise RuntimeError("a pattern rule without anchors, and no query for such rules")
        runs.append((plan.free, None))
    return runs, wanted


def matches(runs: list[tuple[Compiled, tuple[int, int] | None]], root, wanted: set[str], budget: Budget) -> list[tuple]:
    """(start byte, end byte, rule id, node, rule, ()) per distinct finding of the `wanted` rules, document
    order, from query runs over the whole tree (range None) or a byte range of it; a match found by two
    runs counts once. Whole-tree runs take codeintel.query's walk, which checks the budget as it goes
    and keeps big ERROR nodes from costing quadratic time."""
    seen: set[tuple] = set()
    hits: list[tuple] = []
    for compiled, span in runs:
        if span is None:
            found = query_matches(compiled.query, root, budget, "rule matching")
        else:
            if budget():
                raise budget.error("rule matching")
            cursor = QueryCursor(compiled.query)
            cursor.set_byte_range(*span)
            found = cursor.matches(root)
        _collect(compiled, found, wanted, seen, hits)
    hits.sort(key=lambda h: h[:3])
    return hits


def _collect(compiled: Compiled, found, wanted: set[str], seen: set[tuple], hits: list[tuple]) -> None:
    for index, captures in found:
        rule = compiled.pattern_rule[index]
        if rule.id not in wanted:
            continue
        nodes = captures.get("match")
        if nodes:
            node = nodes[0]
        else:  # a pattern without @match: report its outermost capture
            node = min((n for ns in captures.values() for n in ns), key=lambda n: (n.start_byte, -n.end_byte))
        key = (rule.id, node.start_byte, node.end_byte)
        if key in seen:
            continue
        if rule.predicate is not None and not PREDICATES[rule.predicate].func(captures, **rule.args):
            continue
        seen.add(key)
        hits.append((node.start_byte, node.end_byte, rule.id, node, rule, ()))
