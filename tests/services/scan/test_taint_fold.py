"""services.scan.taint.fold: constant values of expressions, or NOT_CONSTANT when anything is unsure."""

from __future__ import annotations

import pytest

from codeintel.kernel.source import parse, prepare
from services.scan.taint.fold import NOT_CONSTANT, fold


def _expr(code: str, path: str):
    """The right-hand side of the last assignment in `code`."""
    root = parse(prepare(path, "", code.encode())).root_node
    stack, last = [root], None
    while stack:
        n = stack.pop()
        if n.type in ("assignment", "variable_declarator"):
            if last is None or n.start_byte > last.start_byte:
                last = n
        stack.extend(n.named_children)
    assert last is not None
    return last.child_by_field_name("right") or last.child_by_field_name("value")


@pytest.mark.parametrize(
    ("code", "path", "consts", "value"),
    [
        ("x = (7 * 18) + num > 200", "a.py", {"num": 106}, True),
        ("x = 7 * 42 - num > 200", "a.py", {"num": 106}, False),
        ("x = 500 / 42", "a.py", {}, 500 / 42),  # Python divides exactly
        ("class A { void f() { int x = 500 / 42; } }", "A.java", {}, 11),  # Java truncates
        ("class A { void f() { int x = -7 % 3; } }", "A.java", {}, -1),
        ("x = 'should' in bar", "a.py", {"bar": "This should never happen"}, True),
        ("x = 'should' not in bar", "a.py", {"bar": "This should never happen"}, False),
        ("x = possible[1]", "a.py", {"possible": "ABC"}, "B"),
        ("x = 'BenchmarkTest00026'[13:]", "a.py", {}, "00026"),
        ("class A { void f() { char x = g.charAt(2); } }", "A.java", {"g": "ABC"}, "C"),
        ('class A { void f() { boolean x = "a".equals(s); } }', "A.java", {"s": "a"}, True),
        ("x = '\\''", "a.py", {}, "'"),
        ("x = a and b", "a.py", {"a": 0}, 0),  # short-circuit: b is never needed
    ],
)
def test_folds(code, path, consts, value):
    lang = {"py": "python", "java": "java"}[path.rsplit(".", 1)[1]]
    assert fold(_expr(code, path), consts, lang) == value


@pytest.mark.parametrize(
    "code",
    [
        "x = unknown + 1",  # a name without a constant
        "x = f(1)",  # a call
        "x = 1 / 0",  # it would raise
        "x = '\\x41'",  # an escape not decoded: not guessed
        "x = f'{a}'",  # an f-string
        "x = " + " + ".join(["1"] * 200),  # too large to be worth it
    ],
)
def test_unsure_is_not_constant(code):
    assert fold(_expr(code, "a.py"), {}, "python") is NOT_CONSTANT
