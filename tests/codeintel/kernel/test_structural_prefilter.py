"""The search prefilter (codeintel.kernel.structural.prefilter): which text it asks of a file, where it
asks none (a predicate on a capture a match may lack), and that it never rules out a file a query or
pattern matches in — checked by running each search on real code (the CPython standard library)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ast_grep_py import SgRoot
from tree_sitter import QueryCursor

from codeintel.kernel import languages, structural

OPEN = '(call function: (identifier) @fn (#eq? @fn "open")) @call'


@pytest.mark.parametrize(
    ("query", "clauses"),
    [
        (OPEN, ((b"open",),)),
        ('(call function: (identifier) @fn (#any-of? @fn "open" "close")) @c', ((b"close", b"open"),)),
        ('((identifier) @x (#any-eq? @x "self"))', ((b"self",),)),
        # every pattern needs text: a file needs one of them
        (OPEN + '\n(attribute attribute: (identifier) @a (#eq? @a "read"))', ((b"open", b"read"),)),
        # of two predicates of one pattern, the one whose shortest string is longest
        (
            '(call function: (attribute object: (identifier) @o attribute: (identifier) @m) (#eq? @o "os") (#eq? @m "system"))',
            ((b"system",),),
        ),
    ],
)
def test_text_every_match_needs(query, clauses):
    pf = structural.prefilter("python", query, "")
    assert pf is not None and pf.clauses == clauses


@pytest.mark.parametrize(
    "query",
    [
        '(call function: (identifier)? @fn (#eq? @fn "open")) @call',  # absent optional capture: holds
        '(call function: [(identifier) @fn (attribute)] (#eq? @fn "open")) @call',  # the other branch
        '(call (argument_list (identifier)* @a (#eq? @a "open"))) @c',
        '(call function: (identifier) @fn (#not-eq? @fn "open")) @call',
        '(call function: (identifier) @fn (#match? @fn "^open$")) @call',
        '(call function: (identifier) @fn (#eq? @fn "op\\"en")) @call',  # escapes: left alone
        OPEN + "\n(string) @s",  # one pattern needs no text, so any file may match
        "(identifier) @x",
    ],
)
def test_no_prefilter_where_a_match_may_lack_the_text(query):
    assert structural.prefilter("python", query, "") is None


def _clauses(language: str, pattern: str):
    pf = structural.prefilter(language, "", pattern)
    return None if pf is None else pf.clauses


def test_patterns_need_the_identifiers_they_spell_out():
    assert _clauses("python", "os.system($CMD)") == ((b"os",), (b"system",))
    assert _clauses("python", "isinstance($X, $$$T)") == ((b"isinstance",),)
    assert _clauses("go", "fmt.Println($$$A)") == ((b"Println",), (b"fmt",))
    assert _clauses("python", "$F($X)") is None
    assert _clauses("javascript", 'eval("1")') == ((b"eval",),)


def _stdlib(n: int) -> list[bytes]:
    lib = Path(os.path.dirname(os.__file__))
    paths = sorted(p for p in lib.rglob("*.py") if "site-packages" not in p.parts)[:n]
    return [p.read_bytes() for p in paths]


QUERIES = [
    OPEN,
    '(call function: (attribute attribute: (identifier) @m) (#any-of? @m "join" "split")) @c',
    '(class_definition name: (identifier) @n (#eq? @n "Error")) @c',
    '((identifier) @x (#eq? @x "self"))',
    '(import_from_statement module_name: (dotted_name) @m (#eq? @m "os.path")) @i',
]
PATTERNS = ["os.path.join($$$A)", "isinstance($X, str)", "raise ValueError($$$M)", "print($X)"]


def test_never_rules_out_a_file_a_query_matches_in():
    parser = languages.get_parser("python")
    files = _stdlib(400)
    for text in QUERIES:
        pf = structural.prefilter("python", text, "")
        assert pf is not None, text
        q = structural.compile_query("python", text).query
        ruled_out = [c for c in files if not pf.could_match(c)]
        assert ruled_out, f"nothing ruled out for {text}: the check below would prove nothing"
        for content in ruled_out:
            assert not QueryCursor(q).matches(parser.parse(content).root_node), text


def test_never_rules_out_a_file_a_pattern_matches_in():
    files = _stdlib(250)
    for pattern in PATTERNS:
        pf = structural.prefilter("python", "", pattern)
        assert pf is not None, pattern
        ruled_out = [c for c in files if not pf.could_match(c)]
        assert ruled_out, pattern
        for content in ruled_out:
            root = SgRoot(content.decode("utf-8", "replace"), "python").root()
            assert not root.find_all(pattern=pattern), pattern
