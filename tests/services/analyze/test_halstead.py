"""Halstead measures and maintainability index, counted by hand on real parses."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from codeintel.kernel.source import prepare
from services.analyze.domain import analyze_source
from services.analyze.halstead import halstead, maintainability_index


def run(lang: str, code: str):
    return analyze_source(prepare("", lang, code.encode()))


def test_python_function_by_hand():
    out = run("python", "def add(a, b):\n    return a + b\n")
    h = out.functions[0].halstead
    # operators: def ( , ) : return +   -> 7 distinct, 7 in all
    # operands:  add a b a b            -> 3 distinct, 5 in all
    assert (h.distinct_operators, h.distinct_operands, h.total_operators, h.total_operands) == (7, 3, 7, 5)
    volume = 12 * math.log2(10)
    difficulty = 7 / 2 * 5 / 3
    assert h.volume == pytest.approx(volume)
    assert h.difficulty == pytest.approx(difficulty)
    assert h.effort == pytest.approx(volume * difficulty)
    assert out.halstead == h  # no tokens outside the function
    # MI with V = volume, CC = 1, LOC = 2 code lines
    expected = (171 - 5.2 * math.log(volume) - 0.23 * 1 - 16.2 * math.log(2)) * 100 / 171
    assert out.functions[0].maintainability_index == pytest.approx(expected)
    assert out.maintainability_index == pytest.approx(expected)


def test_javascript_function_by_hand():
    out = run("javascript", "function f(x) { return x * 2; }\n")
    h = out.functions[0].halstead
    # operators: function ( ) { return * ; }  -> 8, 8;  operands: f x x 2 -> 3, 4
    assert (h.distinct_operators, h.distinct_operands, h.total_operators, h.total_operands) == (8, 3, 8, 4)


def test_strings_are_one_operand_and_comments_no_tokens():
    out = run("python", 'x = "a" + f"b{y}"  # note\n"""A bare string is a comment."""\n')
    h = out.halstead
    # operators: = +;  operands: x "a" f"b{y}" (the f-string is one operand)
    assert (h.distinct_operators, h.distinct_operands, h.total_operators, h.total_operands) == (2, 3, 2, 3)
    # adjacent literals with no token between them are still two operands
    h = run("python", 'x = ("a" "b")\n').halstead
    # operators: = ( );  operands: x "a" "b"
    assert (h.distinct_operators, h.distinct_operands, h.total_operators, h.total_operands) == (3, 3, 3, 3)


def test_nested_function_tokens_are_its_own():
    out = run("python", "def f():\n    def g():\n        return 1\n    return g\n")
    f, g = out.functions
    # g: def g ( ) : return 1 -> operators def ( ) : return (5), operands g 1 (2)
    assert (g.halstead.total_operators, g.halstead.total_operands) == (5, 2)
    # f: def f ( ) : return g -> operators 5, operands f g (the nested def is g's)
    assert (f.halstead.total_operators, f.halstead.total_operands) == (5, 2)
    assert out.halstead.total_operators == 10 and out.halstead.distinct_operands == 3


def test_empty_and_degenerate():
    assert run("python", "").halstead.volume == 0.0
    h = halstead(Counter({"x": 1}), Counter())
    assert (h.volume, h.difficulty, h.effort) == (0.0, 0.0, 0.0)
    assert maintainability_index(0.0, 1, 0) == pytest.approx((171 - 0.23) * 100 / 171)
    assert maintainability_index(1e30, 500, 100000) == 0.0  # clamped at 0


def test_maintainability_falls_with_size_and_complexity():
    small = run("python", "def f(a):\n    return a\n").functions[0]
    body = "".join(f"    if a == {i}:\n        a += {i} * b\n" for i in range(40))
    big = run("python", f"def f(a, b):\n{body}    return a\n").functions[0]
    assert 0 < big.maintainability_index < small.maintainability_index <= 100


def test_tokens_between_nested_functions_stay_with_the_outer_one():
    code = (
        "def f(a):\n    x = a\n    def g():\n        return 1\n    y = x\n"
        "    def h():\n        return 2\n    return y\n"
    )
    out = run("python", code)
    f, g, h = out.functions
    # f: def f ( a ) : x = a y = x return y -> operators def ( ) : = = return (6 distinct, 7),
    # operands f a x a y x y (4 distinct, 7); the tokens after g and after h are f's
    assert (
        f.halstead.distinct_operators,
        f.halstead.distinct_operands,
        f.halstead.total_operators,
        f.halstead.total_operands,
    ) == (6, 4, 7, 7)
    for inner in (g, h):  # def g ( ) : return 1
        assert (
            inner.halstead.distinct_operators,
            inner.halstead.distinct_operands,
            inner.halstead.total_operators,
            inner.halstead.total_operands,
        ) == (5, 2, 5, 2)
    # file: all tokens; operands f a x y g 1 h 2
    assert (
        out.halstead.distinct_operators,
        out.halstead.distinct_operands,
        out.halstead.total_operators,
        out.halstead.total_operands,
    ) == (6, 8, 17, 11)


def test_literals_with_and_without_interpolation():
    out = run("python", 'def f(a, b):\n    return f"{a if b else 0}" + "plain" + "esc\\n"\n')
    fn = out.functions[0]
    # the conditional inside the f-string is a decision; the literals are one operand each
    assert fn.cyclomatic_complexity == 2
    # operators def ( , ) : return + + -> 7 distinct, 8; operands f a b f"..." "plain" "esc\n"
    assert (
        fn.halstead.distinct_operators,
        fn.halstead.distinct_operands,
        fn.halstead.total_operators,
        fn.halstead.total_operands,
    ) == (7, 6, 8, 6)
    js = run("javascript", "function f(a, b) { return `x${a ? b : 0}` + 'y'; }\n").functions[0]
    assert js.cyclomatic_complexity == 2
