"""Tests of services.analyze.domain against real tree-sitter grammars (no mocks).

Expected numbers are computed by hand from the definitions in
proto/codeintel/v1/analyze.proto and the module docstring of services.analyze.domain.
"""

from __future__ import annotations

import sys

import pytest

from codeintel.kernel.errors import UnsupportedLanguage
from codeintel.kernel.source import prepare
from services.analyze import domain
from services.analyze.domain import analyze_source


def run(lang: str, code: str, **kw) -> domain.AnalyzeOutcome:
    return analyze_source(prepare("", lang, code.encode()), **kw)


def fn(outcome, qualified: str) -> domain.FunctionStats:
    found = [f for f in outcome.functions if f.qualified_name == qualified]
    assert len(found) == 1, [f.qualified_name for f in outcome.functions]
    return found[0]


def metrics(f: domain.FunctionStats) -> tuple[int, int, int, int, int]:
    """(cyclomatic complexity, nesting depth, parameters, length lines, code lines)."""
    return f.cyclomatic_complexity, f.max_nesting_depth, f.parameter_count, f.length_lines, f.code_lines


# ---------------------------------------------------------------- python

PY = '''\
class Store:
    """A store."""

    @cached
    def save(self, a, b=1, *args, c, **kw):
        # decide
        if a and b or c:
            return 1
        elif b:
            for x in args:
                while x:
                    x -= 1
        try:
            pass
        except ValueError:
            pass
        y = [i for i in args if i]
        return 1 if y else 2

    def helper(cls, x, /, y):
        def inner(z):
            return z or x
        return inner


def free(a, *, b):
    match a:
        case 1 | 2:
            return b
        case _:
            return None
'''


def test_python_functions():
    out = run("python", PY)
    assert [f.qualified_name for f in out.functions] == [
        "Store.save",
        "Store.helper",
        "Store.helper.inner",
        "free",
    ]
    save = fn(out, "Store.save")
    # 1 + if + and + or + elif + for + while + except + comprehension for + comprehension if + ternary
    assert save.cyclomatic_complexity == 11
    # elif stays at the if's level; for > while inside it
    assert save.max_nesting_depth == 3
    # self excluded; a, b, *args, c, **kw
    assert save.parameter_count == 5
    # `def` line (decorator excluded) through `return 1 if y else 2`
    assert (save.range.start_line, save.range.end_line) == (4, 17)
    assert save.length_lines == 14
    assert save.code_lines == 13  # the `# decide` line is a comment
    assert save.name == "save"
    # cls is excluded only as the first parameter of a method
    assert metrics(fn(out, "Store.helper")) == (1, 0, 2, 4, 4)
    # nested function counts separately: its `or` is not helper's
    assert metrics(fn(out, "Store.helper.inner")) == (2, 0, 1, 2, 2)
    # match: 1 + case 1|2 (case _ is the default and does not count)
    assert metrics(fn(out, "free")) == (2, 1, 2, 6, 6)
    assert out.function_count == 4
    assert out.class_count == 1
    assert out.max_cyclomatic_complexity == 11
    assert out.average_cyclomatic_complexity == pytest.approx((11 + 1 + 2 + 2) / 4)
    assert not out.has_syntax_errors


def test_python_lines_with_docstrings_and_comments():
    code = (
        '"""Module docstring\n'
        "spanning lines.\n"
        '"""\n'
        "\n"
        "# a comment\n"
        "x = 1  # trailing comment is still code\n"
        "   \n"
        's = """a value,\n'
        'not a docstring"""\n'
        "y = 2"  # last line without newline
    )
    out = run("python", code)
    assert out.lines == domain.LineStats(total=10, code=4, comment=4, blank=2)


def test_python_self_only_excluded_in_methods():
    out = run("python", "def f(self, cls):\n    pass\n")
    assert out.functions[0].parameter_count == 2


# ---------------------------------------------------------------- javascript / typescript

JS = """\
// header
/* block
   comment */
function f(a, b = 1, ...rest) {
  if ((a && b || rest) ?? a) {
  } else if (b) {
    for (;;) { while (a) {} }
  } else {
  }
  for (const x of rest) {}
  do {} while (a);
  switch (a) { case 1: break; case 2: break; default: }
  try {} catch (e) {}
  return a ? b : 0;
}
const g = (x) => x > 1 ? x : 0;
class A {
  m(x, y) { return [1].map(v => v && x); }
}
export default function () {}
"""


def test_javascript_functions_and_lines():
    out = run("javascript", JS)
    assert [(f.name, f.qualified_name) for f in out.functions] == [
        ("f", "f"),
        ("g", "g"),
        ("m", "A.m"),
        ("<anonymous>", "A.m.<anonymous>"),
        ("<anonymous>", "<anonymous>"),
    ]
    # 1 + if + && + || + ?? + else-if + for + while + for-of + do + 2 cases + catch + ternary
    assert metrics(fn(out, "f")) == (14, 3, 3, 12, 12)
    assert metrics(fn(out, "g")) == (2, 0, 1, 1, 1)
    # the arrow's && belongs to the arrow, not to m
    assert metrics(fn(out, "A.m")) == (1, 0, 2, 1, 1)
    assert metrics(fn(out, "A.m.<anonymous>")) == (2, 0, 1, 1, 1)
    assert out.class_count == 1
    assert out.lines == domain.LineStats(total=20, code=17, comment=3, blank=0)


TS = """\
interface Shape { area(): number; }
enum Color { Red }
abstract class Base implements Shape {
  constructor(private x: number, public y = 2) { super(); }
  abstract area(): number;
  scale(this: Base, k?: number, ...more: number[]): number {
    if (k !== undefined && k > 0) {
      return k;
    }
    return 1;
  }
}
function declared(a: string): void;
"""


def test_typescript():
    out = run("typescript", TS)
    # abstract methods and overload signatures have no body: not functions
    assert [f.qualified_name for f in out.functions] == ["Base.constructor", "Base.scale"]
    assert fn(out, "Base.constructor").parameter_count == 2
    # `this:` is not a parameter
    assert metrics(fn(out, "Base.scale")) == (3, 1, 2, 6, 6)
    assert out.class_count == 3  # interface, enum, class


def test_tsx():
    code = "const C = (p: Props) => <div>{p.x ? <b/> : null}</div>;\n"
    out = run("tsx", code)
    assert [(f.name, f.cyclomatic_complexity, f.parameter_count) for f in out.functions] == [("C", 2, 1)]


# ---------------------------------------------------------------- go

GO = """\
package p

// S is a thing.
type S struct{ n int }

type I interface{ M() }

type N int

func (s *S) Save(a, b int, rest ...string) (int, error) {
	if a > 0 && b < 0 || rest == nil {
	} else if b > 0 {
		for i := 0; i < 3; i++ {
		}
	}
	switch a {
	case 1, 2:
	case 3:
	default:
	}
	select {
	case <-ch:
	default:
	}
	f := func(x int) bool { return x > 0 && x < 9 }
	_ = f
	return 0, nil
}

func g(int, string) {}
"""


def test_go():
    out = run("go", GO)
    assert [(f.name, f.qualified_name) for f in out.functions] == [
        ("Save", "S.Save"),
        ("f", "S.Save.f"),
        ("g", "g"),
    ]
    # 1 + if + && + || + else-if + for + case 1,2 + case 3 + select case
    assert metrics(fn(out, "S.Save")) == (9, 2, 3, 19, 19)
    assert metrics(fn(out, "S.Save.f")) == (2, 0, 1, 1, 1)
    assert fn(out, "g").parameter_count == 2  # unnamed parameters
    assert out.class_count == 2  # struct and interface; `type N int` is not a class
    assert out.lines.comment == 1
    assert out.lines.blank == 5


# ---------------------------------------------------------------- java

JAVA = """\
/**
 * Docs.
 */
public class Store<T> {
  Store(int x) { }

  int save(final int a, String... b) {
    if (a > 0 && b != null) {
      for (String s : b) {
        try { use(s); } catch (IOException | RuntimeException e) { } finally { }
      }
    } else if (a < 0) {
    } else {
    }
    switch (a) { case 1: case 2: break; default: }
    int k = switch (a) { case 1, 2 -> 3; default -> 4; };
    Runnable r = () -> { if (a == 1) { } };
    while (a > 1) { a--; }
    return a > 0 ? 1 : 2;
  }

  interface Listener { void on(); }
  enum Kind { A; int code() { return 1; } }
  abstract void later();
}
"""


def test_java():
    out = run("java", JAVA)
    assert [f.qualified_name for f in out.functions] == ["Store.Store", "Store.save", "Store.Kind.code"]
    # 1 + if + && + for-each + catch + else-if + case 1 + case 2 + case 1,2 + lambda's if + while + ternary
    assert metrics(fn(out, "Store.save")) == (12, 3, 2, 14, 14)
    assert fn(out, "Store.Store").parameter_count == 1
    assert out.class_count == 3
    assert out.lines == domain.LineStats(total=25, code=20, comment=3, blank=2)


# ---------------------------------------------------------------- other languages


def test_c_and_cpp():
    c = (
        "int f(int a, char *b, ...) {\n"
        "  if (a && b) {} else if (a) {}\n"
        "  switch (a) { case 1: break; default: break; }\n"
        "  return a ? 1 : 2;\n"
        "}\n"
        "void g(void) {}\n"
        "struct S { int x; };\n"
        "struct S s;\n"
    )
    out = run("c", c)
    assert [(f.name, f.cyclomatic_complexity, f.parameter_count) for f in out.functions] == [("f", 6, 3), ("g", 1, 0)]
    assert out.class_count == 1
    cpp = (
        "class A { void m(int a) { for (auto x : v) { if (x and a) {} } } };\n"
        "void A::B::z(int&& y) { try {} catch (...) {} }\n"
    )
    out = run("cpp", cpp)
    # `int&&` is a reference type, not a boolean operator
    assert [
        (f.qualified_name, f.cyclomatic_complexity, f.max_nesting_depth, f.parameter_count) for f in out.functions
    ] == [
        ("A.m", 4, 2, 1),
        ("A.B.z", 2, 1, 1),
    ]


def test_rust():
    code = (
        "impl S {\n"
        "    fn m(&self, a: i32) -> i32 {\n"
        "        match a { 1 | 2 => 1, _ => 0 };\n"
        "        if a > 0 && a < 5 { 1 } else if a > 9 { 2 } else { 3 }\n"
        "    }\n"
        "}\n"
        "trait T { fn t(&self); }\n"
    )
    out = run("rust", code)
    assert [
        (f.qualified_name, f.cyclomatic_complexity, f.max_nesting_depth, f.parameter_count) for f in out.functions
    ] == [
        ("S.m", 5, 1, 1),
    ]
    assert out.class_count == 1  # the trait; an impl block is a scope, not a class


def test_csharp_ruby_php_kotlin():
    cs = "class A { int M(int a, params int[] b) { var q = a ?? 0; return a > 0 && q > 0 ? 1 : 2; } }\n"
    out = run("csharp", cs)
    assert [(f.qualified_name, f.cyclomatic_complexity, f.parameter_count) for f in out.functions] == [("A.M", 4, 2)]

    rb = (
        "module M\n"
        "  class K\n"
        "    def m(a, b = 1, *c, d:, **e, &f)\n"
        "      x = 1 unless a\n"
        "      case a when 1, 2 then 3 when 4 then 5 else 6 end\n"
        "    end\n"
        "  end\n"
        "end\n"
    )
    out = run("ruby", rb)
    assert [(f.qualified_name, f.cyclomatic_complexity, f.parameter_count) for f in out.functions] == [("M.K.m", 4, 6)]
    assert out.class_count == 1

    php = "<?php\nfunction g($a, ...$r) { $f = fn($x) => $x ?? $a; if ($a and $r) {} elseif ($a) {} }\n"
    out = run("php", php)
    assert [(f.qualified_name, f.cyclomatic_complexity, f.parameter_count) for f in out.functions] == [
        ("g", 4, 2),
        ("g.f", 2, 1),
    ]

    kt = "fun f(a: Int): Int { when (a) { 1, 2 -> return 1; else -> {} }; return if (a > 0) 1 else if (a < 0) 2 else 3 }\n"
    out = run("kotlin", kt)
    assert [(f.name, f.cyclomatic_complexity, f.max_nesting_depth, f.parameter_count) for f in out.functions] == [
        ("f", 4, 1, 1),
    ]


# ---------------------------------------------------------------- files


def test_empty_file():
    out = run("python", "")
    assert out.lines == domain.LineStats(0, 0, 0, 0)
    assert out.functions == [] and out.function_count == 0 and out.class_count == 0
    assert out.max_cyclomatic_complexity == 0
    assert out.average_cyclomatic_complexity == 0.0
    assert not out.has_syntax_errors


def test_blank_only_and_crlf():
    assert run("go", "\n  \n\t\n").lines == domain.LineStats(3, 0, 0, 3)
    out = run("javascript", "// c\r\nlet x = 1;\r\n\r\n/* a\r\n b */\r\n")
    assert out.lines == domain.LineStats(total=5, code=1, comment=3, blank=1)


def test_code_and_comment_on_one_line_is_code():
    out = run("java", "class A { /* c */ int x; } // tail\n/* only */\n")
    assert out.lines == domain.LineStats(total=2, code=1, comment=1, blank=0)


def test_file_only_keeps_totals():
    out = run("python", PY, file_only=True)
    assert out.functions == []
    assert out.function_count == 4
    assert out.max_cyclomatic_complexity == 11


def test_syntax_errors_flagged():
    out = run("python", "def f(:\n    if x\n        return\n")
    assert out.has_syntax_errors
    out = run("javascript", "function f( { if (a) }")
    assert out.has_syntax_errors


def test_unsupported_language():
    with pytest.raises(UnsupportedLanguage):
        run("yaml", "a: 1\n")
    assert {"python", "javascript", "typescript", "tsx", "go", "java"} <= domain.LANGUAGES
    assert len(domain.LANGUAGES) >= 10
    assert domain.VERSION.startswith("analyze-")


# ---------------------------------------------------------------- deep input


@pytest.fixture
def low_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_deeply_nested_blocks_do_not_recurse(low_recursion_limit):
    n = 10_000
    out = run("javascript", "function f(x){" + "if(x){" * n + "}" * n + "}")
    f = out.functions[0]
    assert f.cyclomatic_complexity == n + 1
    assert f.max_nesting_depth == n


def test_deep_else_if_chain_stays_flat(low_recursion_limit):
    n = 10_000
    out = run("java", "class A { void f(int x) { if (x > 0) {} " + "else if (x > 1) {} " * n + "} }")
    assert (out.functions[0].cyclomatic_complexity, out.functions[0].max_nesting_depth) == (n + 2, 1)
    out = run("kotlin", "fun f(x: Int) { if (x > 0) {} " + "else if (x > 1) {} " * n + "}")
    assert (out.functions[0].cyclomatic_complexity, out.functions[0].max_nesting_depth) == (n + 2, 1)


def test_deeply_nested_functions(low_recursion_limit):
    n = 10_000
    out = run("go", "package p\nfunc f() {\n" + "g := func() {\n" * n + "}\n" * n + "}\n")
    assert out.function_count == n + 1
    assert out.functions[1].qualified_name == "f.g"
    deepest = out.functions[-1].qualified_name
    assert deepest.startswith("f.g.g") and "..." in deepest and len(deepest) < 400


def test_deep_python_expressions(low_recursion_limit):
    n = 10_000
    out = run("python", "def f(x):\n    return " + "(1 if x else " * n + "2" + ")" * n + "\n")
    assert out.functions[0].cyclomatic_complexity == n + 1
    out = run("python", "x = " + "[" * n + "]" * n + "\n")
    assert out.lines.code == 1
