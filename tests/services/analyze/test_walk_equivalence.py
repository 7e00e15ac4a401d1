"""The metrics walk's token stream against a plain reference walk, on real parses.

services.analyze.domain gathers the Halstead operators and operands and the token
kinds for duplicate detection in one hand-tuned cursor walk. Here a deliberately
simple walk over node.children, written from the definitions in
services.analyze.halstead (anonymous leaves are operators keyed by spelling, named
leaves operands keyed by text, a string-like node one operand, comments and
docstrings no tokens), rebuilds that stream; the file's Halstead counts and its
duplicate blocks must come out the same. Sources: snippets that exercise string
literals (with interpolation, nested, back to back), docstrings and comments in
several languages, and a sample of the Python standard library.
"""

from __future__ import annotations

import glob
import os
import sysconfig

import pytest

from codeintel.kernel.source import parse, prepare
from services.analyze.domain import analyze_source
from services.analyze.duplicates import find_duplicates
from services.analyze.languages import SPECS


def reference_tokens(src) -> tuple[list[tuple[str, object]], list[int], list[int]]:
    """(Halstead key of each token, its kind id, its start byte), in document order."""
    spec = SPECS[src.language]
    content = src.content
    keys: list[tuple[str, object]] = []
    kinds: list[int] = []
    starts: list[int] = []
    literal_end = -1  # tokens starting before this lie inside a literal already counted
    stack = [parse(src).root_node]
    while stack:
        node = stack.pop()
        if node.is_named and node.type in spec.comments:
            continue
        parent = node.parent
        if (
            node.is_named
            and node.type in spec.docstring_types
            and parent is not None
            and parent.type in spec.docstring_parents
            and (parent.type != "expression_statement" or parent.named_child_count == 1)
        ):
            continue
        if node.is_named and node.type in spec.literals:
            if node.start_byte >= literal_end:
                keys.append(("operand", content[node.start_byte : node.end_byte]))
                kinds.append(node.kind_id)
                starts.append(node.start_byte)
                literal_end = node.end_byte
        elif not node.children:
            if node.start_byte >= literal_end:
                text = content[node.start_byte : node.end_byte]
                # ERROR leaves are operands (named by their text), like identifiers.
                keys.append(("operator", node.type) if not node.is_named else ("operand", text))
                kinds.append(node.kind_id)
                starts.append(node.start_byte)
        stack.extend(reversed(node.children))
    return keys, kinds, starts


def assert_same_stream(lang: str, path: str, content: bytes) -> None:
    src = prepare(path, lang, content)
    out = analyze_source(src)
    keys, kinds, starts = reference_tokens(src)
    operators = [k for k in keys if k[0] == "operator"]
    operands = [k for k in keys if k[0] == "operand"]
    h = out.halstead
    assert (h.distinct_operators, h.distinct_operands, h.total_operators, h.total_operands) == (
        len(set(operators)),
        len(set(operands)),
        len(operators),
        len(operands),
    ), path
    assert out.duplicates == find_duplicates(content, kinds, starts), path


SNIPPETS = {
    "python": '''"""Module docstring."""
import os  # a comment


def f(a, b=1, *args, **kw):
    """Docstring: no tokens."""
    "another bare string: a comment too"
    x = f"{a!r:>{b}} {f'{a}' + 'in'} {kw.get('k', 'd')}" "joined" 'parts'
    y = b"bytes" + rb"raw"
    if a and b or not a:
        return [s for s in args if s]
    elif a:
        return lambda q: q if q else "no"
    else:  # else then comment
        # comment between else and if
        if b:
            return f(a, b)
    return x, y, "tail"
''',
    "javascript": """// comment
const s = `a ${x + `inner ${y}`} b` + 'q' + "r";
function g(a, ...rest) {
  /* block */ if (a && rest.length) { return g(rest[0]); }
  else /* c */ if (a ?? b) { return /re+gex/.test(s) ? `t${a}` : "f"; }
  else { return a => a * 2; }
}
""",
    "typescript": """function h<T>(x: T, y?: string): string {
  // comment
  return `${x}${y ?? "none"}` + 'lit';
}
""",
    "go": """package p

// Sum adds.
func Sum(xs []int) (total int) {
	for _, x := range xs { if x > 0 && x < 10 { total += x } }
	s := "str" + `raw` + string('r')
	_ = s
	return
}
""",
    "ruby": """# comment
def f(a, b)
  s = "x #{a + "in #{b}"} y" + 'q' + :sym.to_s
  if a && b then f(b, a) elsif a then "e" else %w[a b] end
end
""",
    "php": """<?php
// comment
function f($a) { $s = "v $a {$a['k']}" . 'q' . <<<EOT
heredoc $a
EOT;
  return $a ? f($a - 1) : $s; }
""",
    "rust": """// comment
fn f(a: &str) -> String { let s = format!("{} {}", a, "b"); if a.is_empty() || s.len() > 2 { f("x") } else { s + r#"raw"# } }
""",
    "java": """class A { /** doc */ int f(int a) { String s = "x" + 'c' + a; return a > 0 ? f(a - 1) : s.length(); } }
""",
    "kotlin": """fun f(a: Int): String { val s = "v $a ${a + 1}" + 'c'; return if (a > 0) f(a - 1) else s ?: "n" }
""",
    "c": """/* c */ static int f(int a) { const char *s = "x" "y"; return a ? f(a - 1) + s[0] : 'c'; }
""",
    "cpp": """// c
int A::f(int a) { auto s = std::string("x") + R"(raw)"; return a && s.size() ? f(a - 1) : 0; }
""",
    "csharp": """class A { int F(int a) { var s = $"v {a} {"in"}" + @"verb"; return a > 0 ? F(a - 1) : s.Length ?? 0; } }
""",
}


@pytest.mark.parametrize("lang", sorted(SNIPPETS))
def test_snippet_stream_matches_reference(lang):
    code = SNIPPETS[lang]
    assert_same_stream(lang, f"snippet.{lang}", code.encode())
    # Repeated, the snippet holds duplicate blocks: the token kinds and starts are checked too.
    assert_same_stream(lang, f"snippet2.{lang}", (code + "\n" + code.split("\n", 1)[1] * 3).encode())


def test_duplicates_exercised():
    """The repeated snippets above do produce duplicate blocks (so their comparison means something)."""
    code = SNIPPETS["python"]
    out = analyze_source(prepare("x.py", "python", (code + code.split("\n", 1)[1] * 3).encode()))
    assert out.duplicates


def _stdlib_sample(n: int = 24) -> list[str]:
    root = sysconfig.get_paths()["stdlib"]
    paths = sorted(glob.glob(os.path.join(root, "*.py")))
    step = max(1, len(paths) // n)
    return paths[::step][:n]


@pytest.mark.parametrize("path", _stdlib_sample(), ids=os.path.basename)
def test_stdlib_stream_matches_reference(path):
    with open(path, "rb") as fh:
        content = fh.read()
    assert_same_stream("python", path, content)


def test_comment_after_else_changes_nothing():
    """A comment between an `else` and its block leaves it a plain else (+1), not a new structure."""
    plain_else = "function f(a) { if (a) { g(); } else { h(); } }\n"
    commented_else = "function f(a) { if (a) { g(); } else /* why */ { h(); } }\n"
    cog = [
        analyze_source(prepare("", "javascript", c.encode())).functions[0].cognitive_complexity
        for c in (plain_else, commented_else)
    ]
    assert cog == [2, 2]
    python = "def f(a):\n    if a:\n        g()\n    else:  # why\n        # and why\n        h()\n"
    assert analyze_source(prepare("", "python", python.encode())).functions[0].cognitive_complexity == 2


def test_literal_counted_once_then_later_tokens_counted():
    """A string literal is one operand; the tokens after it (and a second literal) count again."""
    out = analyze_source(prepare("", "python", b'x = f"{a}b" + "c"\ny = 1\n'))
    h = out.halstead
    # operators: = + = ; operands: x, f"{a}b", "c", y, 1
    assert (h.total_operators, h.total_operands, h.distinct_operators, h.distinct_operands) == (3, 5, 2, 5)


def test_broken_c_declarator_is_measured_not_raised():
    """C++ parsed as C leaves an ERROR node inside the declarator (seen in libstdc++'s
    stl_iterator.h): the function is measured under the anonymous name instead of failing."""
    code = b"constexpr decltype(auto)\noperator*()\nnoexcept(noexcept(*_M_current))\n{\n  return *_M_current;\n}\n"
    out = analyze_source(prepare("x.h", "c", code))
    assert out.has_syntax_errors
    assert [f.name for f in out.functions] == ["<anonymous>"]
    assert out.functions[0].cyclomatic_complexity == 1
