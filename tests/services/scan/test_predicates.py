"""Rule predicates (predicates.py) on real Go and Java trees: with `numbers_are_constant`, non_constant
counts a concatenation whose only run-time parts are numbers as constant (it cannot inject text), and nothing else."""

from __future__ import annotations

import pytest
from tree_sitter import Query, QueryCursor

from codeintel.kernel.languages import get_language, get_parser
from services.scan.predicates import PREDICATES

_JAVA_ARG = '(method_invocation name: (identifier) @fn arguments: (argument_list . (_) @arg) (#eq? @fn "run"))'
_GO_ARG = '(call_expression function: (identifier) @fn arguments: (argument_list . (_) @arg) (#eq? @fn "run"))'


def _arg(language: str, code: str):
    tree = get_parser(language).parse(code.encode())
    assert not tree.root_node.has_error
    query = Query(get_language(language), _JAVA_ARG if language == "java" else _GO_ARG)
    caps = QueryCursor(query).captures(tree.root_node)
    return {"arg": caps["arg"]}


def _java(body: str, params: str = "", fields: str = "") -> str:
    return f"class A {{\n{fields}\n  void f({params}) {{\n{body}\n  }}\n}}\n"


@pytest.mark.parametrize(
    "code",
    [
        _java('run("id = " + n);', "long n"),
        _java('int n = Integer.parseInt(s);\nrun("id = " + n + " limit " + (k));', "String s, Integer k"),
        _java('run("id = " + id);', "", "private final UUID id = UUID.randomUUID();"),
        _java('run("n = " + Long.toString(v));', "String v"),
    ],
)
def test_java_numeric_concatenation_is_constant(code):
    caps = _arg("java", code)
    assert PREDICATES["non_constant"].func(caps, capture="arg")  # the default still reports it
    assert not PREDICATES["non_constant"].func(caps, capture="arg", numbers_are_constant=True)


@pytest.mark.parametrize(
    "code",
    [
        _java('run("name = " + n);', "String n"),
        _java('run("id = " + n + name);', "long n, String name"),
        _java('run("id = " + n);', "", "String n;"),
        _java('run("id = " + n.trim());', "long x, String n"),
        _java('run("id = " + undeclared);'),
    ],
)
def test_java_text_concatenation_stays_non_constant(code):
    caps = _arg("java", code)
    assert PREDICATES["non_constant"].func(caps, capture="arg", numbers_are_constant=True)


def test_java_local_declaration_shadows_field():
    code = _java('String n = read();\nrun("id = " + n);', "", "long n;")
    assert PREDICATES["non_constant"].func(_arg("java", code), capture="arg", numbers_are_constant=True)


def test_go_strconv_is_constant_but_variables_are_not():
    safe = 'package a\n\nimport "strconv"\n\nfunc f(n int) { run("LIMIT " + strconv.Itoa(n)) }\n'
    unsafe = 'package a\n\nfunc f(s string) { run("WHERE name = " + s) }\n'
    pred = PREDICATES["non_constant"].func
    assert not pred(_arg("go", safe), capture="arg", numbers_are_constant=True)
    assert pred(_arg("go", unsafe), capture="arg", numbers_are_constant=True)
