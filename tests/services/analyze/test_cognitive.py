"""Cognitive complexity (SonarSource white paper, G. Ann Campbell) on real grammars.

The first examples per language are the white paper's worked examples (sumOfPrimes = 7,
getWords = 1, the try/catch nesting example = 9, the lambda example = 2), rewritten in
each language; the rest exercise boolean-operator runs, else-if / else, goto and
labelled jumps, recursion, and lambdas that raise the nesting level. Each expected
number is summed by hand in the comments.
"""

from __future__ import annotations

import sys
import time

import pytest

from codeintel.kernel import errors
from codeintel.kernel.budget import Budget
from codeintel.kernel.source import prepare
from services.analyze.domain import analyze_source


def cognitive(lang: str, code: str) -> dict[str, int]:
    out = analyze_source(prepare("", lang, code.encode()))
    return {f.qualified_name: f.cognitive_complexity for f in out.functions}


PYTHON = """\
def sum_of_primes(maximum):
    total = 0
    for i in range(1, maximum + 1):   # +1
        for j in range(2, i):         # +2 (nesting 1)
            if i % j == 0:            # +3 (nesting 2)
                break
        else:                         # a loop's else: no increment
            total += i
    return total


def get_words(number):
    match number:                     # +1 once, not per case
        case 1:
            return "one"
        case 2:
            return "a couple"
        case _:
            return "lots"


def my_method():
    try:                              # try: no increment, no nesting
        if condition1:                # +1
            for i in range(10):       # +2
                while condition2:     # +3
                    pass
    except (ExcType1, ExcType2):      # +1
        if condition2:                # +2
            pass


def my_method2():
    r = lambda: 1 if condition1 else 2   # the lambda raises nesting: ternary +2


def bools(a, b, c, d, e, g):
    if a and b and c or d or e and g:    # if +1; runs `and`, `or`, `and`: +3
        return 1
    elif a:                               # +1
        return 2
    else:                                 # +1
        return bools(b, a, c, d, e, g)    # recursion +1


def outer(x):
    def inner(y):
        if y:                             # inner's own: +1
            return 1
    if x:                                 # +1
        y = 1 if x else 2                 # +2 (nesting 1)
        return inner(y)
"""


def test_python_white_paper_examples():
    assert cognitive("python", PYTHON) == {
        "sum_of_primes": 6,
        "get_words": 1,
        "my_method": 9,
        "my_method2": 2,
        "bools": 7,
        "outer": 3,
        "outer.inner": 1,
    }


JAVA = """\
class A {
  int sumOfPrimes(int max) {
    int total = 0;
    OUT: for (int i = 1; i <= max; ++i) {   // +1
      for (int j = 2; j < i; ++j) {         // +2
        if (i % j == 0) {                   // +3
          continue OUT;                     // +1
        }
      }
      total += i;
    }
    return total;
  }
  String getWords(int number) {
    switch (number) {                       // +1
      case 1: return "one";
      case 2: return "a couple";
      default: return "lots";
    }
  }
  void myMethod() {
    try {
      if (condition1) {                     // +1
        for (int i = 0; i < 10; i++) {      // +2
          while (condition2) { }            // +3
        }
      }
    } catch (ExcepType1 | ExcepType2 e) {   // +1
      if (condition2) { }                   // +2
    }
  }
  void myMethod2() {
    Runnable r = () -> {                    // +0, nesting 1
      if (condition1) { }                   // +2
    };
  }
  int bools(boolean a) {
    if (a && b && c || d || e && f) {       // +1, +3
      return 1;
    } else if (y) {                         // +1
      return 2;
    } else {                                // +1
      return bools(!a);                     // +1
    }
  }
}
"""


def test_java_white_paper_examples():
    assert cognitive("java", JAVA) == {
        "A.sumOfPrimes": 7,
        "A.getWords": 1,
        "A.myMethod": 9,
        "A.myMethod2": 2,
        "A.bools": 7,
    }


JS = """\
function sumOfPrimes(max) {
  let total = 0;
  OUT: for (let i = 1; i <= max; ++i) {   // +1
    for (let j = 2; j < i; ++j) {         // +2
      if (i % j === 0) {                  // +3
        continue OUT;                     // +1
      }
    }
    total += i;
  }
  return total;
}
function getWords(n) {
  switch (n) { case 1: return "one"; case 2: return "a couple"; default: return "lots"; }   // +1
}
function bools(a, b, c, d, e, f) {
  if (a && b && c || d || e && f) {       // +1, +3
    return 1;
  } else if (a) {                         // +1
    return 2;
  } else {                                // +1
    return bools(b, a);                   // +1
  }
}
function plain(a, b) {
  while (a) { break; }                    // +1 (an unlabelled break adds nothing)
  return a ?? b;                          // +1: a run of ??
}
const pick = (x) => x ? 1 : 2;            // +1 (an arrow function is measured on its own)
"""


@pytest.mark.parametrize("lang", ["javascript", "typescript", "tsx"])
def test_javascript_family(lang):
    assert cognitive(lang, JS) == {"sumOfPrimes": 7, "getWords": 1, "bools": 7, "plain": 2, "pick": 1}


GO = """\
package p

func sumOfPrimes(max int) int {
	total := 0
OUT:
	for i := 1; i <= max; i++ { // +1
		for j := 2; j < i; j++ { // +2
			if i%j == 0 { // +3
				continue OUT // +1
			}
		}
		total += i
	}
	return total
}

func getWords(n int) string {
	switch n { // +1
	case 1:
		return "one"
	default:
		return "lots"
	}
}

func f(a, b bool) int {
	if a && b || a { // +1, +2
		return 1
	} else if b { // +1
		return 2
	} else { // +1
		goto END // +1
	}
END:
	return f(b, a) // +1
}
"""


def test_go():
    assert cognitive("go", GO) == {"sumOfPrimes": 7, "getWords": 1, "f": 7}


C = """\
int sum_of_primes(int max) {
    int total = 0;
    for (int i = 1; i <= max; ++i) {      /* +1 */
        for (int j = 2; j < i; ++j) {     /* +2 */
            if (i % j == 0) {             /* +3 */
                goto next;                /* +1 */
            }
        }
        total += i;
    next:;
    }
    return total;
}
const char *get_words(int n) {
    switch (n) { case 1: return "one"; default: return "lots"; }   /* +1 */
}
int f(int a, int b) {
    if (a && b) {                 /* +1, +1 */
        return 1;
    } else if (b || a) {          /* +1, +1 */
        return a ? 1 : 2;         /* +2: nesting 1 inside the if */
    } else {                      /* +1 */
        return f(b, a);           /* +1 */
    }
}
"""


def test_c():
    assert cognitive("c", C) == {"sum_of_primes": 7, "get_words": 1, "f": 8}


def test_cpp_lambda_raises_nesting():
    code = "int g(int y) {\n  auto h = [](int x) { return x ? 1 : 2; };  // +2\n  return h(y);\n}\n"
    assert cognitive("cpp", code) == {"g": 2}


def test_rust():
    code = """\
fn sum(max: u32) -> u32 {
    let mut total = 0;
    'outer: for i in 1..=max {      // +1
        for j in 2..i {             // +2
            if i % j == 0 {         // +3
                continue 'outer;    // +1
            }
        }
        total += i;
    }
    total
}
fn words(n: u32) -> &'static str { match n { 1 => "one", _ => "lots" } }
fn f(a: bool, b: bool) -> u32 { if a && b { 1 } else if b { 2 } else { f(b, a) } }
fn g(v: Vec<bool>) -> usize { v.iter().filter(|x| if **x { true } else { false }).count() }
"""
    # f: if +1, && +1, else if +1, else +1, recursion +1; g: the closure raises nesting: if +2, else +1
    assert cognitive("rust", code) == {"sum": 7, "words": 1, "f": 5, "g": 3}


def test_kotlin():
    code = """\
fun sum(max: Int): Int {
    var total = 0
    outer@ for (i in 1..max) {
        for (j in 2 until i) {
            if (i % j == 0) {
                continue@outer
            }
        }
        total += i
    }
    return total
}
fun words(n: Int): String = when (n) { 1 -> "one"; else -> "lots" }
fun f(a: Boolean, b: Boolean): Int { return if (a && b) 1 else if (b) 2 else f(b, a) }
"""
    assert cognitive("kotlin", code) == {"sum": 7, "words": 1, "f": 5}


def test_ruby():
    code = """\
def f(a, b)
  if a && b          # +1, +1
    1
  elsif b            # +1
    2
  else               # +1
    [a].each { |x| return 3 if x }   # nesting 2 (the if, the block): modifier if +3
  end
end
"""
    assert cognitive("ruby", code) == {"f": 7}


def test_php():
    code = """<?php
function f($a, $b) {
    if ($a && $b) { return 1; }            // +1, +1
    elseif ($b) { return 2; }              // +1
    else if ($a) { return 3; }             // +1
    else { return f($b, $a); }             // +1, recursion +1
    foreach ($a as $x) {                   // +1
        while ($x) { break 2; }            // +2, break 2: +1
    }
}
"""
    assert cognitive("php", code) == {"f": 10}


def test_csharp():
    code = """\
class A {
  int F(bool a, bool b) {
    if (a && b) return 1;                  // +1, +1
    else if (b) return 2;                  // +1
    else {                                 // +1
      foreach (var x in xs) {              // +2
        try { } catch (E e) { goto end; }  // catch +3, goto +1
      }
    }
    end: return F(b, a);                   // +1
  }
}
"""
    assert cognitive("csharp", code) == {"A.F": 11}


def test_recursion_counts_once_and_only_for_own_name():
    code = "def f(n):\n    return f(n - 1) + f(n - 2) + g(n) + other.f(n)\n"
    assert cognitive("python", code) == {"f": 1}
    code = "class A:\n    def f(self, n):\n        return self.f(n) if n else super().f(n)\n"
    assert cognitive("python", code) == {"A.f": 2}  # ternary +1, self.f recursion +1


def test_max_cognitive_complexity_and_file_only():
    out = analyze_source(prepare("", "python", PYTHON.encode()), file_only=True)
    assert out.functions == []
    assert out.max_cognitive_complexity == 9


# ---------------------------------------------------------------- deep input (no recursion, within budget)


@pytest.fixture
def low_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_ten_thousand_nested_ifs_within_budget(low_recursion_limit):
    n = 10_000
    code = "function f(x){" + "if(x){" * n + "}" * n + "}"
    started = time.monotonic()
    out = analyze_source(prepare("", "javascript", code.encode()), budget=Budget(30.0))
    f = out.functions[0]
    assert f.cognitive_complexity == n * (n + 1) // 2  # the k-th if adds 1 + (k - 1)
    assert f.max_nesting_depth == n
    assert time.monotonic() - started < 30


def test_deep_else_if_chain_and_boolean_run(low_recursion_limit):
    n = 10_000
    code = "class A { void f(int x) { if (x > 0) {} " + "else if (x > 1) {} " * n + "else {} } }"
    assert cognitive("java", code) == {"A.f": n + 2}  # if, n else-ifs, else
    code = "def f(x):\n    return " + " and ".join(["x"] * n) + "\n"
    assert cognitive("python", code) == {"f": 1}  # one run of `and`


def test_budget_is_checked():
    code = "function f(x){" + "if(x){x = x + 1;}" * 20_000 + "}"
    # The server's own per-file limit ran out: the file is too complex (INVALID_ARGUMENT, not retried).
    with pytest.raises(errors.TooComplex) as too_complex:
        analyze_source(prepare("", "javascript", code.encode()), budget=Budget(0.0))
    assert not isinstance(too_complex.value, errors.DeadlineExceeded)
    message = str(too_complex.value)
    assert "per-file work limit of 0 s" in message and "metrics walk did not finish" in message
    # The caller's deadline ran out first: that is the caller's deadline, not a property of the file.
    with pytest.raises(errors.DeadlineExceeded) as deadline:
        analyze_source(prepare("", "javascript", code.encode()), budget=Budget(30.0, caller_remaining=0.0))
    assert "the caller's deadline passed during the metrics walk" in str(deadline.value)
