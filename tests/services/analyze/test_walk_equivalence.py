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

The walk runs in C when services/analyze/_fastwalk is built (`make install`); the pure-Python walk
(analyze_source(..., native=False)) is its reference: both must give the same AnalyzeResult message,
on real files of every language we have (the standard library, the C headers of this Python, the
bench corpus, npm packages' TypeScript) and on every snippet here fed to every grammar (broken parses
included).
"""

from __future__ import annotations

import glob
import os
import shutil
import sysconfig

import pytest

from codeintel.kernel.source import parse, prepare
from services.analyze.domain import LANGUAGES, analyze_source, native_walk_languages
from services.analyze.duplicates import find_duplicates
from services.analyze.languages import SPECS
from services.analyze.probes import PROBES
from services.analyze.servicer import result_pb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


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


# ---------------------------------------------------------------- the C walk against the Python walk


def assert_native_matches_reference(lang: str, path: str, content: bytes) -> None:
    src = prepare(path, lang, content)
    native, reference = result_pb(analyze_source(src)), result_pb(analyze_source(src, native=False))
    assert native == reference, f"{lang} {path}"


def test_native_walk_is_built_and_used():
    """`make install` builds the extension wherever there is a C compiler; it then passes its
    self-check on every language (else analyze silently falls back to the slower Python walk)."""
    if shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.skip("no C compiler: the C walk is optional and the Python walk is used")
    assert native_walk_languages() == LANGUAGES, "run `make install` (scripts/build_fastwalk.py builds the C walk)"


def _sample(paths: list[str], n: int) -> list[str]:
    paths = sorted(paths)
    return paths[:: max(1, len(paths) // n)][:n]


def _real_files() -> list[tuple[str, str]]:
    """(language, path) of real source files: a spread sample of each kind we can find."""
    stdlib = sysconfig.get_paths()["stdlib"]
    include = sysconfig.get_paths()["include"]
    corpus = os.path.join(ROOT, "bench", "quality", "corpus")
    npm = os.path.join(ROOT, "node_modules", "rxjs", "src")
    ts_files = glob.glob(os.path.join(corpus, "typescript", "**", "*.ts"), recursive=True)
    ts_files += _sample(glob.glob(os.path.join(npm, "**", "*.ts"), recursive=True), 12)
    headers = _sample(glob.glob(os.path.join(include, "**", "*.h"), recursive=True), 12)
    return (
        [("python", p) for p in _sample(glob.glob(os.path.join(stdlib, "**", "*.py"), recursive=True), 60)]
        + [("c", p) for p in headers]
        + [("cpp", p) for p in headers]
        + [("go", p) for p in glob.glob(os.path.join(corpus, "go", "**", "*.go"), recursive=True)]
        + [("java", p) for p in glob.glob(os.path.join(corpus, "java", "**", "*.java"), recursive=True)]
        + [("javascript", p) for p in glob.glob(os.path.join(corpus, "javascript", "**", "*.js"), recursive=True)]
        + [("typescript", p) for p in ts_files]
        + [("tsx", p) for p in ts_files]
    )


REAL_FILES = _real_files()


def test_real_files_cover_languages():
    assert {lang for lang, _ in REAL_FILES} >= {"python", "c", "cpp", "go", "java", "javascript", "typescript", "tsx"}


@pytest.mark.parametrize(("lang", "path"), REAL_FILES, ids=[f"{lang}-{os.path.basename(p)}" for lang, p in REAL_FILES])
def test_native_matches_reference_on_real_files(lang, path):
    with open(path, "rb") as fh:
        content = fh.read()
    try:
        prepare(path, lang, content)
    except Exception:  # noqa: BLE001 - e.g. a header that is not UTF-8: not a valid input
        pytest.skip("not a valid source file")
    assert_native_matches_reference(lang, path, content)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_native_matches_reference_on_every_snippet(lang):
    """Every snippet and probe through every grammar: the language's own, and the others' (error trees)."""
    for name, code in [*SNIPPETS.items(), *(("probe-" + k, v) for k, v in PROBES.items())]:
        assert_native_matches_reference(lang, name, code.encode())
        repeated = code + "\n" + code.split("\n", 1)[1] * 3  # with duplicate blocks
        assert_native_matches_reference(lang, name + "-repeated", repeated.encode())


def test_native_matches_reference_on_deep_input():
    """Deep nesting (exits unwound thousands deep) and long else-if chains."""
    n = 3000
    cases = {
        "javascript": "function f(x){" + "if(x){" * n + "x++;" + "}" * n + "}",
        "java": "class A { void f(int x) { if (x > 0) {} " + "else if (x > 1) {} " * n + "else {} } }",
        "python": "def f(x):\n    return " + " and ".join(["x"] * n) + "\n",
        "go": "package p\n"
        + "".join(f"func f{i}() {{ g := func() {{ if a && b {{ }} }}; _ = g }}\n" for i in range(n // 10)),
    }
    for lang, code in cases.items():
        assert_native_matches_reference(lang, "deep", code.encode())
