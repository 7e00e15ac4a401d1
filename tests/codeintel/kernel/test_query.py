"""codeintel.query: big ERROR nodes are queried piecewise, with the same matches as one plain query."""

from __future__ import annotations

import pytest
from tree_sitter import QueryCursor

from codeintel.kernel import errors, query
from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.source import parse, prepare
from services.parse import symbols
from services.scan import engine

GARBAGE = "[" * (query.BIG_ERROR_CHILDREN * 3)

CASES = [
    (
        "javascript",
        "x.js",
        f"function a() {{}}\nclass B {{ m() {{ eval(x) }} }}\n{GARBAGE}\nfunction c(q) {{ eval(q) }}\n",
    ),
    ("javascript", "y.js", f"class A {{ m() {{}} n() {{ let x = {GARBAGE} }} }}\nfunction b() {{}}\n"),
    ("typescript", "z.ts", f"{GARBAGE}\ninterface I {{ f(): void }}\n{GARBAGE}\nclass K {{ g() {{}} }}\n"),
    ("go", "w.go", f"package p\nfunc A() {{}}\n{GARBAGE}\nfunc B() {{}}\n"),
]


def keyed(matches):
    return sorted(
        {(p, tuple(sorted((k, n.start_byte, n.end_byte) for k, ns in caps.items() for n in ns))) for p, caps in matches}
    )


@pytest.mark.parametrize("lang,path,code", CASES, ids=[c[1] for c in CASES])
def test_piecewise_matches_equal_one_plain_query(lang, path, code):
    tree = parse(prepare(path, lang, code.encode()))
    assert query._big_errors(tree.root_node), "the case must exercise the piecewise path"
    q, _ = symbols._compiled_query(lang)
    plain = QueryCursor(q).matches(tree.root_node)
    assert plain, "the case must have matches"
    assert keyed(query.matches(q, tree.root_node, unlimited(), "test")) == keyed(plain)


def test_scan_findings_are_the_same_around_garbage():
    rules = engine.RuleSet.load()
    code = f"function f(q) {{ eval(q) }}\n{GARBAGE}\nfunction g(q) {{ eval(q) }}\n"
    with_garbage = rules.scan(prepare("x.js", "javascript", code.encode()))
    assert [(f.rule_id, f.range.start_line) for f in with_garbage.findings] == [
        ("js.eval-non-constant", 0),
        ("js.eval-non-constant", 2),
    ]


def test_trees_without_big_errors_take_one_query():
    tree = parse(prepare("a.js", "javascript", b"function f( {}\n" * 3))
    assert tree.root_node.has_error and not query._big_errors(tree.root_node)


@pytest.mark.parametrize("caller,expected", [(None, errors.TooComplex), (0.0, errors.DeadlineExceeded)])
def test_spent_budget_fails_the_file(caller, expected):
    tree = parse(prepare("a.js", "javascript", GARBAGE.encode()))
    q, _ = symbols._compiled_query("javascript")
    budget = Budget(0.0 if caller is None else 10.0, caller)
    with pytest.raises(expected) as ei:
        query.matches(q, tree.root_node, budget, "symbol extraction")
    assert "symbol extraction" in str(ei.value)


def test_budget_prefers_the_tighter_limit():
    assert Budget(10.0, 1.0).by_caller and not Budget(1.0, 10.0).by_caller and not Budget(1.0).by_caller
    assert not unlimited()()
