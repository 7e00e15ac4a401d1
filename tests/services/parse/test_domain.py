"""Tests of services.parse.domain against real tree-sitter grammars (no mocks)."""

from __future__ import annotations

import pytest

from codeintel.kernel.source import prepare
from services.parse import domain
from services.parse.domain import parse_source


def run(lang: str, code: str, **kw) -> domain.ParseOutcome:
    return parse_source(prepare("", lang, code.encode()), **kw)


def table(outcome) -> list[tuple[str, str, str, int]]:
    """(kind, name, qualified_name, parent_index) per symbol."""
    return [(s.kind, s.name, s.qualified_name, s.parent_index) for s in outcome.symbols]


def check_spans(code: str, outcome) -> None:
    """Every selection is the name as it appears in the source, inside the range."""
    data = code.encode()
    lines = data.split(b"\n")
    for s in outcome.symbols:
        r, sel = s.range, s.selection
        assert r.start_byte <= sel.start_byte <= sel.end_byte <= r.end_byte, s
        # Line/column agree with byte offsets.
        for line, col, byte in (
            (r.start_line, r.start_col, r.start_byte),
            (sel.start_line, sel.start_col, sel.start_byte),
        ):
            assert sum(len(x) + 1 for x in lines[:line]) + col == byte, s
        if s.kind != "import":
            assert data[sel.start_byte : sel.end_byte].decode().strip("\"'") == s.name, s
        else:
            assert s.name.strip("<>") in data[sel.start_byte : sel.end_byte].decode().replace(" ", ""), s
        if s.parent_index >= 0:
            parent = outcome.symbols[s.parent_index]
            assert s.parent_index < outcome.symbols.index(s)
            assert s.depth == parent.depth + 1
            assert parent.range.start_byte <= r.start_byte and r.end_byte <= parent.range.end_byte
        else:
            assert s.depth == 0
    starts = [(s.range.start_byte, -s.range.end_byte) for s in outcome.symbols]
    assert starts == sorted(starts)


# ----------------------------------------------------------------------- symbols

PYTHON = '''\
import os.path as p, sys
from . import a
from ..pkg.mod import b
type Alias = int
handler = lambda e: e

@decorator
class Store(Base):
    """Doc."""

    @property
    def save(self):
        def helper():
            pass
        class Local:
            pass

    if DEBUG:
        async def debug(self):
            pass

try:
    import json
except ImportError:
    json = None

def main():
    return Store()
'''


def test_python_symbols():
    out = run("python", PYTHON)
    assert out.symbols_supported and not out.has_errors
    assert table(out) == [
        ("import", "os.path", "os.path", -1),
        ("import", "sys", "sys", -1),
        ("import", ".", ".", -1),
        ("import", "..pkg.mod", "..pkg.mod", -1),
        ("type", "Alias", "Alias", -1),
        ("function", "handler", "handler", -1),
        ("class", "Store", "Store", -1),
        ("method", "save", "Store.save", 6),
        ("function", "helper", "Store.save.helper", 7),
        ("class", "Local", "Store.save.Local", 7),
        ("method", "debug", "Store.debug", 6),
        ("import", "json", "json", -1),
        ("function", "main", "main", -1),
    ]
    check_spans(PYTHON, out)
    store = out.symbols[6]
    # The decorated class's range starts at the decorator and ends at the class end.
    assert (store.range.start_line, store.range.start_col) == (6, 0)
    assert (store.range.end_line) == 19
    assert (store.selection.start_line, store.selection.start_col) == (7, 6)
    assert [s.depth for s in out.symbols[6:11]] == [0, 1, 2, 2, 1]


JS = """\
import x, { y } from './util';
const fs = require('fs');
export function top(a) { return a; }
export const arrow = async () => {}, fexpr = function () {};
class Widget extends Base {
  constructor() { super(); }
  render() { function inner() {} }
  handler = () => {};
}
function* gen() {}
"""


def test_javascript_symbols():
    out = run("javascript", JS)
    assert table(out) == [
        ("import", "./util", "./util", -1),
        ("import", "fs", "fs", -1),
        ("function", "top", "top", -1),
        ("function", "arrow", "arrow", -1),
        ("function", "fexpr", "fexpr", -1),
        ("class", "Widget", "Widget", -1),
        ("constructor", "constructor", "Widget.constructor", 5),
        ("method", "render", "Widget.render", 5),
        ("function", "inner", "Widget.render.inner", 7),
        ("method", "handler", "Widget.handler", 5),
        ("function", "gen", "gen", -1),
    ]
    check_spans(JS, out)


TS = """\
import * as z from "zz";
export interface Shape { area(): number; name: string }
export type Id = string | number;
enum Color { Red }
namespace Geo { export function dist(): number { return 0 } }
abstract class Base<T> implements Shape {
  abstract area(): number;
  name = "";
  private helper(x: T): void {}
}
declare module "ext" { function ext(): void; }
"""


@pytest.mark.parametrize("lang", ["typescript", "tsx"])
def test_typescript_symbols(lang):
    out = run(lang, TS)
    assert not out.has_errors
    assert table(out) == [
        ("import", "zz", "zz", -1),
        ("interface", "Shape", "Shape", -1),
        ("method", "area", "Shape.area", 1),
        ("type", "Id", "Id", -1),
        ("enum", "Color", "Color", -1),
        ("module", "Geo", "Geo", -1),
        ("function", "dist", "Geo.dist", 5),
        ("class", "Base", "Base", -1),
        ("method", "area", "Base.area", 7),
        ("method", "helper", "Base.helper", 7),
        ("module", "ext", "ext", -1),
        ("function", "ext", "ext.ext", 10),
    ]
    check_spans(TS, out)


GO = """\
package main

import (
\t"fmt"
\tm "math"
)

type Store struct{ n int }
type Saver interface { Save() error }
type ID = int
type List[T any] struct{}

func (s *Store) Save() error { return nil }
func (l List[T]) Len() int { return 0 }
func main() { fmt.Println(m.Pi) }
"""


def test_go_symbols():
    out = run("go", GO)
    assert table(out) == [
        ("import", "fmt", "fmt", -1),
        ("import", "math", "math", -1),
        ("struct", "Store", "Store", -1),
        ("interface", "Saver", "Saver", -1),
        ("method", "Save", "Saver.Save", 3),
        ("type", "ID", "ID", -1),
        ("struct", "List", "List", -1),
        ("method", "Save", "Store.Save", -1),
        ("method", "Len", "List.Len", -1),
        ("function", "main", "main", -1),
    ]
    check_spans(GO, out)


JAVA = """\
package com.example;
import java.util.List;
import static java.lang.Math.*;
public class Outer {
    public Outer() {}
    void run() {}
    static class Inner { int get() { return 1; } }
    interface Cb { void call(); }
    enum Mode { A, B; void m() {} }
    record Point(int x, int y) {}
}
"""


def test_java_symbols():
    out = run("java", JAVA)
    assert table(out) == [
        ("import", "java.util.List", "java.util.List", -1),
        ("import", "java.lang.Math.*", "java.lang.Math.*", -1),
        ("class", "Outer", "Outer", -1),
        ("constructor", "Outer", "Outer.Outer", 2),
        ("method", "run", "Outer.run", 2),
        ("class", "Inner", "Outer.Inner", 2),
        ("method", "get", "Outer.Inner.get", 5),
        ("interface", "Cb", "Outer.Cb", 2),
        ("method", "call", "Outer.Cb.call", 7),
        ("enum", "Mode", "Outer.Mode", 2),
        ("method", "m", "Outer.Mode.m", 9),
        ("struct", "Point", "Outer.Point", 2),
    ]
    check_spans(JAVA, out)


RUST = """\
use std::collections::HashMap;
mod inner { pub struct Hidden; }
pub trait Shape { fn area(&self) -> f64; fn name(&self) -> &str { "s" } }
struct Foo<T> { v: T }
impl<T> Foo<T> { fn bar(&self) {} }
impl Shape for crate::Foo { fn area(&self) -> f64 { 0.0 } }
enum E { A } type Alias = u8;
fn main() { fn nested() {} }
"""


def test_rust_symbols():
    out = run("rust", RUST)
    assert table(out) == [
        ("import", "std::collections::HashMap", "std::collections::HashMap", -1),
        ("module", "inner", "inner", -1),
        ("struct", "Hidden", "inner.Hidden", 1),
        ("trait", "Shape", "Shape", -1),
        ("method", "area", "Shape.area", 3),
        ("method", "name", "Shape.name", 3),
        ("struct", "Foo", "Foo", -1),
        ("impl", "Foo", "Foo", -1),
        ("method", "bar", "Foo.bar", 7),
        ("impl", "Foo", "Foo", -1),
        ("method", "area", "Foo.area", 9),
        ("enum", "E", "E", -1),
        ("type", "Alias", "Alias", -1),
        ("function", "main", "main", -1),
        ("function", "nested", "main.nested", 13),
    ]
    check_spans(RUST, out)


C = """\
#include <stdio.h>
#include "util.h"
struct point { int x; };
typedef struct { int a; } pair_t;
enum color { RED };
static char *dup(const char *s) { return 0; }
int (*pick(int n))(void) { return 0; }
struct point *origin; /* not a definition of a function */
int main(void) { return 0; }
"""


def test_c_symbols():
    out = run("c", C)
    assert table(out) == [
        ("import", "<stdio.h>", "<stdio.h>", -1),
        ("import", "util.h", "util.h", -1),
        ("struct", "point", "point", -1),
        ("type", "pair_t", "pair_t", -1),
        ("enum", "color", "color", -1),
        ("function", "dup", "dup", -1),
        ("function", "pick", "pick", -1),
        ("function", "main", "main", -1),
    ]
    check_spans(C, out)


CPP = """\
#include <vector>
namespace ns {
class Cls : public Base {
public:
    Cls();
    ~Cls();
    void m() const;
    int inl() { return 1; }
    int field;
    int (*fp)(int);
};
template <typename T> struct Box { T v; };
}
void ns::Cls::m() const {}
ns::Cls::Cls() {}
int &ref() { static int z; return z; }
using Alias = int;
"""


def test_cpp_symbols():
    out = run("cpp", CPP)
    assert table(out) == [
        ("import", "<vector>", "<vector>", -1),
        ("module", "ns", "ns", -1),
        ("class", "Cls", "ns.Cls", 1),
        ("constructor", "Cls", "ns.Cls.Cls", 2),
        ("method", "~Cls", "ns.Cls.~Cls", 2),
        ("method", "m", "ns.Cls.m", 2),
        ("method", "inl", "ns.Cls.inl", 2),
        ("struct", "Box", "ns.Box", 1),
        ("method", "m", "ns.Cls.m", -1),
        ("constructor", "Cls", "ns.Cls.Cls", -1),
        ("function", "ref", "ref", -1),
        ("type", "Alias", "Alias", -1),
    ]
    check_spans(CPP, out)
    qualified = out.symbols[8]
    # The selection of `ns::Cls::m` is just `m`.
    assert CPP.encode()[qualified.selection.start_byte : qualified.selection.end_byte] == b"m"
    assert qualified.selection.start_col == len("void ns::Cls::")


EXTRA = {
    "csharp": (
        "using System.Text;\nnamespace App.Core {\n  class A { A() {} void M() {} }\n  interface I { void Q(); }\n}\n",
        [
            ("import", "System.Text", "System.Text", -1),
            ("module", "App.Core", "App.Core", -1),
            ("class", "A", "App.Core.A", 1),
            ("constructor", "A", "App.Core.A.A", 2),
            ("method", "M", "App.Core.A.M", 2),
            ("interface", "I", "App.Core.I", 1),
            ("method", "Q", "App.Core.I.Q", 5),
        ],
    ),
    "ruby": (
        "require 'json'\nmodule M\n  class K\n    def initialize; end\n    def run; end\n  end\nend\ndef top; end\n",
        [
            ("import", "json", "json", -1),
            ("module", "M", "M", -1),
            ("class", "K", "M.K", 1),
            ("constructor", "initialize", "M.K.initialize", 2),
            ("method", "run", "M.K.run", 2),
            ("function", "top", "top", -1),
        ],
    ),
    "php": (
        "<?php\nuse Foo\\Bar;\nclass A { function __construct() {} function m() {} }\ntrait T {}\nfunction f() {}\n",
        [
            ("import", "Foo\\Bar", "Foo\\Bar", -1),
            ("class", "A", "A", -1),
            ("constructor", "__construct", "A.__construct", 1),
            ("method", "m", "A.m", 1),
            ("trait", "T", "T", -1),
            ("function", "f", "f", -1),
        ],
    ),
    "kotlin": (
        "import kotlinx.coroutines.*\nclass A {\n  fun m() {}\n}\ninterface I\nenum class E { X }\nfun top() {}\n",
        [
            ("import", "kotlinx.coroutines.*", "kotlinx.coroutines.*", -1),
            ("class", "A", "A", -1),
            ("method", "m", "A.m", 1),
            ("interface", "I", "I", -1),
            ("enum", "E", "E", -1),
            ("function", "top", "top", -1),
        ],
    ),
    "swift": (
        "import Foundation\nstruct S {\n  func f() {}\n}\nprotocol P {\n  func p()\n}\nfunc top() {}\n",
        [
            ("import", "Foundation", "Foundation", -1),
            ("struct", "S", "S", -1),
            ("method", "f", "S.f", 1),
            ("interface", "P", "P", -1),
            ("method", "p", "P.p", 3),
            ("function", "top", "top", -1),
        ],
    ),
    "scala": (
        "import scala.util.Try\nobject O {\n  def f(): Int = 1\n}\ntrait T\n",
        [
            ("import", "scala.util.Try", "scala.util.Try", -1),
            ("class", "O", "O", -1),
            ("method", "f", "O.f", 1),
            ("trait", "T", "T", -1),
        ],
    ),
    "lua": (
        'local json = require("json")\nlocal function f() end\nfunction M.g() end\nfunction M:h() end\n',
        [
            ("import", "json", "json", -1),
            ("function", "f", "f", -1),
            ("function", "g", "M.g", -1),
            ("method", "h", "M.h", -1),
        ],
    ),
    "bash": (
        "f() { echo; }\nfunction g { :; }\n",
        [("function", "f", "f", -1), ("function", "g", "g", -1)],
    ),
}


@pytest.mark.parametrize("lang", sorted(EXTRA))
def test_more_languages_symbols(lang):
    code, expected = EXTRA[lang]
    out = run(lang, code)
    assert not out.has_errors, out.errors
    assert out.symbols_supported
    assert table(out) == expected
    check_spans(code, out)


def test_at_least_15_languages_have_symbols():
    assert len(domain.SYMBOL_LANGUAGES) >= 15
    for lang in ("python", "javascript", "typescript", "tsx", "go", "java", "rust", "c", "cpp"):
        assert lang in domain.SYMBOL_LANGUAGES


def test_unsupported_language_still_parses():
    out = run("json", '{"a": [1, 2}')
    assert not out.symbols_supported and out.symbols == []
    assert out.has_errors and out.errors


def test_unicode_identifiers_use_byte_columns():
    code = "déf = 1\nclass Ünï:\n    def ñame(self): pass\n"
    out = run("python", code)
    assert table(out) == [("class", "Ünï", "Ünï", -1), ("method", "ñame", "Ünï.ñame", 0)]
    m = out.symbols[1]
    assert m.selection.start_col == len(b"    def ")
    assert m.selection.end_col == len("    def ñame".encode())  # 9 chars, 10 bytes
    assert m.selection.end_col - m.selection.start_col == 5
    check_spans(code, out)


# ------------------------------------------------------------------------ errors


def test_clean_file_has_no_errors():
    out = run("python", "x = 1\n")
    assert not out.has_errors and out.errors == []
    assert out.line_count == 1 and out.byte_count == 6


def test_missing_node_reported_zero_width():
    code = "int main() { return 0 }\n"
    out = run("c", code)
    assert out.has_errors
    missing = [e for e in out.errors if e.kind == "missing"]
    assert len(missing) == 1
    e = missing[0]
    assert e.message == 'missing ";"'
    assert e.range.start_byte == e.range.end_byte == code.index("0") + 1
    assert (e.range.start_line, e.range.start_col) == (e.range.end_line, e.range.end_col) == (0, 21)


def test_error_node_reported_with_text_and_position():
    code = "x = 1\nclass ) A:\n    pass\n"
    out = run("python", code)
    assert [(e.kind, e.message) for e in out.errors] == [("error", 'unexpected ")"')]
    e = out.errors[0]
    assert (e.range.start_line, e.range.start_col, e.range.end_line, e.range.end_col) == (1, 6, 1, 7)
    assert (e.range.start_byte, e.range.end_byte) == (12, 13)
    code = "x = 1\nfoo bar baz\n"
    out = run("python", code)
    e = out.errors[0]
    snippet = code.encode()[e.range.start_byte : e.range.end_byte].decode()
    assert e.kind == "error" and e.message == f'unexpected "{snippet[:40]}"'
    assert e.range.start_line == 1
    # Document order.
    keys = [(x.range.start_byte, x.range.end_byte) for x in out.errors]
    assert keys == sorted(keys, key=lambda k: k[0])


def test_error_message_is_cut_to_40_characters():
    code = "let x = ;" + " ]" * 200 + "\n"
    out = run("javascript", code)
    assert out.has_errors
    for e in out.errors:
        body = e.message[len('unexpected "') : -1] if e.kind == "error" else ""
        assert len(body) <= 40


def test_hidden_missing_token_is_reported():
    # tree-sitter-c marks the missing end of `#incl` with an invisible MISSING token.
    code = "#include <stdio.h>\n#incl"
    out = run("c", code)
    assert out.has_errors
    assert [(e.kind, e.range.start_byte, e.range.end_byte) for e in out.errors] == [("missing", 24, 24)]
    assert out.errors[0].message.startswith("missing")


def test_errors_are_capped():
    code = "\n".join("def (" for _ in range(3000))
    out = run("python", code)
    assert out.has_errors
    assert 0 < len(out.errors) <= domain.MAX_ERRORS


# --------------------------------------------------------------------------- AST


def check_ast(ast) -> None:
    assert ast[0].parent_index == -1 and ast[0].depth == 0
    for i, n in enumerate(ast[1:], 1):
        p = ast[n.parent_index]
        assert 0 <= n.parent_index < i  # pre-order: the parent comes first
        assert n.depth == p.depth + 1
        assert p.range.start_byte <= n.range.start_byte <= n.range.end_byte <= p.range.end_byte


def test_ast_full_pre_order():
    code = "def f(a):\n    return a\n"
    out = run("python", code, include_ast=True)
    ast = out.ast
    assert not out.ast_truncated
    check_ast(ast)
    assert [n.type for n in ast[:6]] == ["module", "function_definition", "def", "identifier", "parameters", "("]
    assert ast[2].named is False and ast[2].text == "def"
    name = ast[3]
    assert name.field == "name" and name.text == "f" and name.parent_index == 1
    assert ast[1].text == ""  # inner nodes carry no text
    for n in ast:
        if n.text:
            assert code.encode()[n.range.start_byte : n.range.end_byte].decode() == n.text


def test_ast_not_included_by_default():
    out = run("python", "x = 1\n")
    assert out.ast == [] and not out.ast_truncated


def test_ast_depth_truncation():
    code = "def f(a):\n    return a\n"
    full = run("python", code, include_ast=True).ast
    out = run("python", code, include_ast=True, ast_max_depth=2)
    assert out.ast_truncated
    assert max(n.depth for n in out.ast) == 2
    assert [(n.type, n.depth) for n in out.ast] == [(n.type, n.depth) for n in full if n.depth <= 2]
    check_ast(out.ast)


def test_ast_node_truncation():
    code = "x = [" + ", ".join(str(i) for i in range(100)) + "]\n"
    out = run("python", code, include_ast=True, ast_max_nodes=10)
    assert len(out.ast) == 10 and out.ast_truncated
    check_ast(out.ast)
    exact = run("python", "x", include_ast=True)
    n = len(exact.ast)
    again = run("python", "x", include_ast=True, ast_max_nodes=n)
    assert len(again.ast) == n and not again.ast_truncated


def test_ast_named_only():
    code = "def f(a):\n    return a\n"
    out = run("python", code, include_ast=True, ast_named_only=True)
    assert all(n.named for n in out.ast)
    assert "(" not in {n.type for n in out.ast}
    check_ast(out.ast)
    assert not out.ast_truncated


def test_ast_bounds_default_and_clamped():
    code = "x = (" * 300 + "1" + ")" * 300 + "\n"
    out = run("python", code, include_ast=True)
    assert out.ast_truncated
    assert max(n.depth for n in out.ast) == domain.DEFAULT_AST_MAX_DEPTH
    out = run("python", code, include_ast=True, ast_max_depth=10**6, ast_max_nodes=10**9)
    assert max(n.depth for n in out.ast) == domain.MAX_AST_DEPTH
    assert out.ast_truncated


def test_ast_error_and_missing_flags():
    out = run("c", "int main() { return 0 }", include_ast=True)
    missing = [n for n in out.ast if n.is_missing]
    assert len(missing) == 1 and missing[0].type == ";" and missing[0].text == ""
    out = run("python", "class ) A:\n    pass\n", include_ast=True)
    assert any(n.is_error and n.type == "ERROR" for n in out.ast)


def test_ast_leaf_text_capped_on_char_boundary():
    code = 's = "' + "é" * 300 + '"\n'
    out = run("python", code, include_ast=True)
    texts = [n.text for n in out.ast if n.text]
    longest = max(texts, key=len)
    assert 0 < len(longest.encode()) <= domain.MAX_LEAF_TEXT_BYTES
    assert "\ufffd" not in longest and set(longest) == {"é"}


# ---------------------------------------------------------------- edge cases


@pytest.mark.parametrize(
    "lang,code",
    [
        ("javascript", "[" * 10000),
        ("python", "(" * 10000 + ")" * 10000),
        ("python", "x = " + "[" * 10000 + "]" * 10000 + "\n"),
        ("c", "int f() { " + "{" * 10000 + "}" * 10000 + " }"),
        ("json", "[" * 10000 + "]" * 10000),
    ],
)
def test_deep_nesting_does_not_recurse(lang, code):
    out = run(lang, code, include_ast=True, ast_max_depth=domain.MAX_AST_DEPTH, ast_max_nodes=domain.MAX_AST_NODES)
    check_ast(out.ast)
    assert out.byte_count == len(code)


def test_deep_nested_definitions():
    # 120 nested functions/classes: well past what a recursive walk would like, all found.
    code = "".join("    " * i + f"def f{i}():\n" for i in range(120)) + "    " * 120 + "pass\n"
    out = run("python", code)
    assert len(out.symbols) == 120
    assert out.symbols[-1].qualified_name == ".".join(f"f{i}" for i in range(120))
    assert out.symbols[-1].depth == 119


def test_empty_file():
    out = run("python", "")
    assert out.symbols == [] and out.errors == [] and not out.has_errors
    assert out.line_count == 0 and out.byte_count == 0
    out = run("python", "", include_ast=True)
    assert len(out.ast) == 1 and out.ast[0].type == "module"


PARSE_SNIPPETS = {
    "python": "def f():\n    return 1\n",
    "javascript": "function f() { return 1; }\n",
    "typescript": "function f(): number { return 1; }\n",
    "tsx": "const App = () => <div>hi</div>;\n",
    "go": "package main\nfunc f() int { return 1 }\n",
    "java": "class A { int f() { return 1; } }\n",
    "rust": "fn f() -> i32 { 1 }\n",
    "c": "int f(void) { return 1; }\n",
    "cpp": "namespace n { int f() { return 1; } }\n",
    "csharp": "class A { int F() { return 1; } }\n",
    "ruby": "def f\n  1\nend\n",
    "php": "<?php function f() { return 1; }\n",
    "kotlin": "fun f(): Int = 1\n",
    "swift": "func f() -> Int { return 1 }\n",
    "scala": "object A { def f(): Int = 1 }\n",
    "lua": "function f() return 1 end\n",
    "bash": "f() { echo 1; }\n",
    "json": '{"a": [1, 2]}\n',
    "yaml": "a:\n  - 1\n",
    "html": "<p>hi</p>\n",
    "css": "a { color: red; }\n",
    "haskell": "f :: Int\nf = 1\n",
}


@pytest.mark.parametrize("lang", sorted(PARSE_SNIPPETS))
def test_languages_parse_cleanly(lang):
    code = PARSE_SNIPPETS[lang]
    out = run(lang, code, include_ast=True)
    assert out.language == lang
    assert not out.has_errors, out.errors
    assert len(out.ast) > 3
    check_ast(out.ast)
    if lang in domain.SYMBOL_LANGUAGES:
        names = [s.name.lower() for s in out.symbols if s.kind in ("function", "method")]
        assert names[:1] in (["f"], ["app"]), table(out)


def test_version_and_limits():
    assert domain.VERSION.startswith("parse-")
    assert (domain.DEFAULT_AST_MAX_DEPTH, domain.MAX_AST_DEPTH) == (64, 256)
    assert (domain.DEFAULT_AST_MAX_NODES, domain.MAX_AST_NODES, domain.MAX_ERRORS) == (10000, 200000, 1000)


def test_path_is_echoed():
    out = parse_source(prepare("pkg/mod.py", "", b"import os\n"))
    assert out.path == "pkg/mod.py" and out.language == "python"
    assert table(out) == [("import", "os", "os", -1)]


SYMBOL_SOURCES = {
    "python": PYTHON,
    "javascript": JS,
    "typescript": TS,
    "tsx": TS,
    "go": GO,
    "java": JAVA,
    "rust": RUST,
    "c": C,
    "cpp": CPP,
    **{k: v[0] for k, v in EXTRA.items()},
}


def test_symbol_sources_cover_every_symbol_language():
    assert set(SYMBOL_SOURCES) == set(domain.SYMBOL_LANGUAGES)


@pytest.mark.parametrize("lang", sorted(SYMBOL_SOURCES))
def test_broken_prefixes_never_raise(lang):
    """Every prefix of a snippet (mostly syntax errors) still yields consistent results."""
    code = SYMBOL_SOURCES[lang]
    step = max(1, len(code) // 60)
    for cut in range(0, len(code), step):
        part = code[:cut]
        out = run(lang, part, include_ast=True)
        assert out.has_errors == bool(out.errors)
        check_spans(part, out)
        check_ast(out.ast)
