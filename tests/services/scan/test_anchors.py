"""Anchor words of rule patterns (services/scan/anchors.py): what the scan prefilter relies on."""

from __future__ import annotations

import re

import pytest

from services.scan import anchors, engine, matching
from services.scan.anchors import FOLDED, SUBSTRING, TOKEN, Anchor

RULES = engine.RuleSet.load()


def _needles(regex):
    found = anchors.regex_needles(regex)
    return None if found is None else sorted((a.kind, a.text.decode()) for a in found)


@pytest.mark.parametrize(
    "regex,expected",
    [
        (r"^(app|application)$", [(TOKEN, "app"), (TOKEN, "application")]),
        (r"\brequest\.(args|form)\b", [(TOKEN, "request")]),
        (r"^request\.", [(TOKEN, "request")]),
        (r"(^|\.)config$", [(TOKEN, "config")]),
        (r"^['\"]SECRET_KEY['\"]$", [(TOKEN, "SECRET_KEY")]),
        (r"^(csrf_exempt|csrf\.exempt)$", [(TOKEN, "csrf_exempt"), (TOKEN, "exempt")]),
        (r"(^|[^.\w])(rand|mrand)\.Intn\(", [(TOKEN, "mrand"), (TOKEN, "rand")]),
        (r"^(SESSION|CSRF)_COOKIE_SECURE$", [(TOKEN, "CSRF_COOKIE_SECURE"), (TOKEN, "SESSION_COOKIE_SECURE")]),
        (r"Math\.random\s*\(", [(SUBSTRING, "Math.random")]),  # `XMath.random(` matches too: no token
        (r"^[bBuU]?['\"]0\.0\.0\.0['\"]$", [(SUBSTRING, "0.0.0.0")]),
        (r"[A-Za-z]+://[^/]+@", [(SUBSTRING, "://")]),
        (r"(?i)secret", [(FOLDED, "secret")]),  # case-insensitive: looked for in the lower-cased file
        (r"(?i)(Pass|API_?key|^.token['\"])$", [(FOLDED, "api"), (FOLDED, "pass"), (FOLDED, "token")]),
        (r"(?i)(secret|\u017fig)", None),  # `ſig` holds no ASCII run of 3: nothing pins that alternative
        (r"(?i)\w+ey", None),
        (r"(?i:secret)|token", None),  # only part of it case-insensitive: that part is any text
        (r"x?request\.", [(SUBSTRING, "request.")]),  # `xrequest.` matches: "request" is no token there
        (r"\w+\.get", [(SUBSTRING, ".get")]),
        (r"\w+\.g", None),  # literals shorter than 3 bytes are no use
        (r"a|b", None),
        (r"(", None),  # not a regex
    ],
)
def test_regex_needles(regex, expected):
    assert _needles(regex) == expected


def test_needles_occur_in_every_match_of_every_rule_regex():
    """Each #match? regex of the shipped rules: wherever it matches in an example, the match holds one of its anchors."""
    regexes = set()
    for r in RULES.rules:
        for m in re.finditer(r'\(#match\?\s+@[\w.-]+\s+"((?:[^"\\]|\\.)*)"\s*\)', r.query):
            regexes.add(anchors._unquote(m.group(1)))
    codes = [c for e in RULES.examples for c in e.vulnerable + e.safe]
    checked = 0
    for rx in regexes:
        needles = anchors.regex_needles(rx)
        if not needles:
            continue
        compiled = re.compile(rx)
        for code in codes:
            for line in code.splitlines():
                for m in compiled.finditer(line):
                    text = m.group(0)
                    assert any(a.text.decode() in (text.lower() if a.kind == FOLDED else text) for a in needles), (
                        rx,
                        line,
                    )
                    checked += 1
    assert checked > 50


def test_predicates_on_optional_captures_anchor_nothing():
    pattern = '((call function: (identifier) @f arguments: (argument_list (identifier)? @x)) (#eq? @x "eval"))'
    assert anchors.pattern_anchors(pattern, frozenset({"x"})) is None
    assert anchors.pattern_anchors(pattern) == [Anchor(TOKEN, b"eval")]
    q = matching.compile_query("python", pattern)
    assert matching.query_anchors(q, pattern) is None


def test_tokens_in_and_occurrence_ranges():
    content = b"import subprocess\nx = my_subprocess.run()  # subprocess\n"
    assert anchors.tokens_in(content, frozenset({b"subprocess", b"run", b"sub", b"os"})) == {b"subprocess", b"run"}
    ranges = anchors.occurrence_ranges(content, [Anchor(TOKEN, b"subprocess")], 1)
    assert [content[s:e] for s, e in ranges] == [b"subprocess", b"subprocess"]  # not inside my_subprocess
    assert ranges[0][0] == 7
    merged = anchors.occurrence_ranges(content, [Anchor(TOKEN, b"subprocess"), Anchor(SUBSTRING, b"un(")], 100)
    assert merged == [(7, content.rindex(b"subprocess") + len(b"subprocess"))]


def test_most_rules_are_anchored():
    """The prefilter only pays off while few rules must run over every file."""
    for lang in ("python", "javascript", "go", "java"):
        rules = RULES._pattern_rules_for(lang)
        free = [r.id for r in rules if RULES._pattern_counts[(r.id, lang)][1] is None]
        assert len(free) <= len(rules) // 5, (lang, free)
