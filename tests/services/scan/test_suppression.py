"""Suppression (suppression.py): `nosec` / `codeintel-ignore` comments on the finding's line or the
comment-only line above it, for every rule or the named ones."""

from __future__ import annotations

import pytest

from codeintel.kernel.source import prepare
from services.scan import engine

RULES = engine.RuleSet.load()


def scan(code: bytes, path="app.py", language="", **kw) -> engine.ScanOutcome:
    return RULES.scan(prepare(path, language, code), **kw)


def ids(outcome) -> list[str]:
    return [f.rule_id for f in outcome.findings]


@pytest.mark.parametrize(
    "comment",
    [
        b"# nosec",
        b"# codeintel-ignore",
        b"# codeintel-ignore: py.eval-non-constant",
        b"# codeintel-ignore: py.weak-hash, py.eval-non-constant",
        b"#nosec B307",
    ],
)
def test_suppression_on_same_line(comment):
    code = b"x = eval(data)  " + comment + b"\n"
    out = scan(code)
    assert out.findings == [] and out.suppressed_count == 1
    out = scan(code, include_suppressed=True)
    assert [f.suppressed for f in out.findings] == [True] and out.suppressed_count == 1


def test_suppression_on_line_above_and_for_other_rules():
    assert scan(b"# nosec\nx = eval(data)\n").suppressed_count == 1
    assert scan(b"# codeintel-ignore: py.eval-non-constant\nx = eval(data)\n").findings == []
    # Naming another rule does not suppress this one.
    out = scan(b"x = eval(data)  # codeintel-ignore: py.weak-hash\n")
    assert ids(out) == ["py.eval-non-constant"] and out.suppressed_count == 0
    # A trailing comment on the code line above belongs to that line.
    out = scan(b"y = 1  # nosec\nx = eval(data)\n")
    assert ids(out) == ["py.eval-non-constant"]
    # The marker inside a string is not a comment.
    assert ids(scan(b'x = eval(data + "nosec")\n')) == ["py.eval-non-constant"]


def test_js_suppression_comments():
    assert scan(b"eval(code); // nosec\n", path="a.js").suppressed_count == 1
    assert scan(b"// codeintel-ignore: js.eval-non-constant\neval(code);\n", path="a.js").findings == []
    assert scan(b"eval(code); // codeintel-ignore: js.new-function\n", path="a.js").suppressed_count == 0


@pytest.mark.parametrize(
    "comment,suppressed",
    [
        (b"# codeintel-ignore py.eval-non-constant", True),
        (b"# codeintel-ignore py.weak-hash py.eval-non-constant", True),
        (b"# codeintel-ignore py.weak-hash", False),
        (b"# codeintel-ignore because the input is trusted", True),  # no rule ids: every rule
    ],
)
def test_ignore_without_colon(comment, suppressed):
    out = scan(b"x = eval(data)  " + comment + b"\n")
    assert (out.suppressed_count == 1) is suppressed and (out.findings == []) is suppressed
