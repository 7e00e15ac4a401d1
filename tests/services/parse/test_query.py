"""ParseOptions.query: tree-sitter queries and ast-grep patterns run by the parse domain (captures,
ranges, text, predicates, metavariables, caps, broken and deeply nested files, invalid queries with
their position) and by a real ParseService worker process over gRPC (BadRequest naming the field,
a bad query failing a whole batch)."""

from __future__ import annotations

import sys

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.kernel import procs, structural
from codeintel.kernel.budget import Budget
from codeintel.kernel.errors import DeadlineExceeded, TooComplex, UnsupportedLanguage
from codeintel.kernel.source import prepare
from codeintel.v1 import common_pb2, parse_pb2, parse_pb2_grpc
from services.parse import domain
from services.parse import query as q

SRC = b"import os\nf = open('a')\n\ndef g(p):\n    return os.open(p, 0) + open(p)\n\neval(x + 1)\n"
OPEN = '(call function: [(identifier) @fn (attribute attribute: (identifier) @fn)] (#eq? @fn "open")) @call'


def run(content: bytes, path: str = "a.py", **kw):
    return domain.parse_source(prepare(path, "", content), query=parse_pb2.StructuralQuery(**kw))


def text_at(content: bytes, cap) -> str:
    return content[cap.range.start_byte : cap.range.end_byte].decode()


def test_query_captures_have_ranges_and_text_in_document_order():
    out = run(SRC, query=OPEN)
    assert out.symbols == [] and not out.symbols_supported  # a query result carries no symbols
    assert [[(c.name, c.text) for c in m.captures] for m in out.matches] == [
        [("call", "open('a')"), ("fn", "open")],
        [("call", "os.open(p, 0)"), ("fn", "open")],
        [("call", "open(p)"), ("fn", "open")],
    ]
    for m in out.matches:
        for c in m.captures:
            assert text_at(SRC, c) == c.text and not c.text_truncated
            line = SRC.split(b"\n")[c.range.start_line]
            assert line[c.range.start_col :].startswith(c.text.encode())
    assert out.matches[0].captures[0].range.start_line == 1


def test_predicates_the_binding_evaluates():
    names = {
        '((identifier) @i (#match? @i "^o"))': {"os", "open"},
        '((identifier) @i (#any-of? @i "p" "x"))': {"p", "x"},
        '((identifier) @i (#not-eq? @i "p") (#not-match? @i "^o"))': {"f", "g", "eval", "x"},
    }
    for query, want in names.items():
        got = {c.text for m in run(SRC, query=query).matches for c in m.captures}
        assert got == want, query


def test_several_patterns_report_their_index():
    out = run(SRC, query="(function_definition name: (identifier) @def) (integer) @int")
    assert sorted((m.pattern_index, m.captures[0].text) for m in out.matches) == [(0, "g"), (1, "0"), (1, "1")]


def test_pattern_metavariables_become_captures():
    out = run(SRC, pattern="$M.open($$$ARGS)")
    (m,) = out.matches
    assert [(c.name, c.text) for c in m.captures] == [
        ("match", "os.open(p, 0)"),
        ("M", "os"),
        ("ARGS", "p"),
        ("ARGS", "0"),
    ]
    assert all(text_at(SRC, c) == c.text for c in m.captures)
    assert [c.text for c in run(SRC, pattern="eval($X)").matches[0].captures] == ["eval(x + 1)", "x + 1"]
    assert run(SRC, pattern="eval($_)").matches[0].captures[0].name == "match"  # $_ captures nothing
    assert len(run(SRC, pattern="eval($_)").matches[0].captures) == 1


def test_pattern_positions_count_bytes_after_non_ascii_text():
    content = "s = 'é😀'; eval(y)\n".encode()
    for kw in ({"pattern": "eval($X)"}, {"query": "(call) @c"}):
        (m,) = run(content, **kw).matches
        c = m.captures[0]
        assert c.text == "eval(y)" and text_at(content, c) == "eval(y)"
        assert c.range.start_col == content.index(b"eval")


def test_capture_text_is_capped_at_a_character_boundary():
    content = ("x = '" + "é" * 300 + "'\n").encode()
    (m,) = run(content, query="(string) @s").matches
    c = m.captures[0]
    assert c.text_truncated and len(c.text.encode()) <= q.MAX_CAPTURE_TEXT_BYTES
    assert c.range.end_byte - c.range.start_byte == len(content) - 5  # the range still spans all of it


def test_per_file_match_cap():
    content = b"".join(b"f(%d)\n" % i for i in range(50))
    out = run(content, query="(call) @c", max_matches=10)
    assert len(out.matches) == 10 and out.matches_truncated
    assert [m.captures[0].text for m in out.matches] == [f"f({i})" for i in range(10)]
    out = run(content, pattern="f($X)", max_matches=7)
    assert len(out.matches) == 7 and out.matches_truncated
    assert not run(content, query="(call) @c").matches_truncated  # default cap 1000
    assert q.bound(0) == q.DEFAULT_MAX_MATCHES and q.bound(10**9) == q.MAX_MATCHES


def test_broken_files_still_match_in_the_parts_that_parse():
    content = b"open(a)\ndef broken(:\n    pass\nopen(b)\n"
    out = run(content, query=OPEN)
    assert out.has_errors and out.errors
    assert {m.captures[0].text for m in out.matches} >= {"open(a)", "open(b)"}
    # A pattern alone runs on ast-grep's parse: ERROR nodes count, MISSING tokens are not seen.
    broken = b"open(a)\nx = = 1 $$ 2\nopen(b)\n"
    out = run(broken, pattern="open($X)")
    assert out.has_errors and out.errors == [] and [m.captures[1].text for m in out.matches] == ["a", "b"]
    assert not run(b"open(a)\n", pattern="open($X)").has_errors


def test_deeply_nested_input_is_answered_and_honours_the_budget():
    deep = b"x = " + b"[" * 50_000 + b"\n"
    out = run(deep, query="(identifier) @i")
    assert out.has_errors and [c.text for m in out.matches for c in m.captures] == ["x"]
    src = prepare("deep.py", "", deep)
    spent = Budget(0.0)  # already used up: the query must stop, not run
    with pytest.raises(TooComplex):
        domain.parse_source(src, query=parse_pb2.StructuralQuery(query="(identifier) @i"), budget=spent)
    with pytest.raises(DeadlineExceeded):
        domain.parse_source(src, query=parse_pb2.StructuralQuery(pattern="x"), budget=Budget(10.0, 0.0))


@pytest.mark.parametrize(
    ("kw", "field", "position", "words"),
    [
        ({"query": "(call function: (identifer) @f)"}, "query", "1:18", ["node type", "'identifier'"]),
        ({"query": "(call\n  funtion: (identifier))"}, "query", "2:3", ["field name", "'function'"]),
        ({"query": "(call (identifier) @f"}, "query", "1:22", ["eof"]),
        ({"query": '((identifier) @i (#eqq? @i "x"))'}, "query", "1:19", ["unknown predicate #eqq?"]),
        ({"query": '((identifier) @i (#eq? @j "x"))'}, "query", "1:", ["capture"]),
        ({"pattern": "eval($X"}, "pattern", "1:", ["does not parse as python"]),
        ({"pattern": "foo bar baz"}, "pattern", "1:", ["does not parse"]),
        ({"pattern": "x = (\n  1 +\n)"}, "pattern", "2:5", ["does not parse", "unexpected"]),
        ({"pattern": "f($A, $B"}, "pattern", "1:", ["does not parse"]),
    ],
)
def test_invalid_queries_and_patterns_name_the_position(kw, field, position, words):
    with pytest.raises(structural.InvalidQuery) as ei:
        run(SRC, **kw)
    msg = str(ei.value)
    assert ei.value.field == f"options.query.{field}"
    assert f" at {position}" in msg, msg
    for w in words:
        assert w in msg, msg


def test_exactly_one_of_query_and_pattern_and_pattern_languages():
    with pytest.raises(structural.InvalidQuery):
        run(SRC, query="(call) @c", pattern="eval($X)")
    with pytest.raises(structural.InvalidQuery):
        run(SRC)  # an empty StructuralQuery
    with pytest.raises(UnsupportedLanguage):
        run(b"SELECT 1;\n", path="a.sql", pattern="SELECT $X")


def test_other_languages():
    js = b"const a = eval(b);\nfoo.bar(1, 2);\n"
    assert [c.text for c in run(js, "a.js", pattern="$O.bar($$$A)").matches[0].captures] == [
        "foo.bar(1, 2)",
        "foo",
        "1",
        "2",
    ]
    go = b'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n'
    assert [c.text for c in run(go, "m.go", pattern="fmt.Println($X)").matches[0].captures] == [
        'fmt.Println("hi")',
        '"hi"',
    ]
    assert run(go, "m.go", query="(call_expression) @c").matches[0].captures[0].text == 'fmt.Println("hi")'
    c = b'int main(void) {\n  printf("%s", s);\n  return 0;\n}\n'
    assert [x.text for x in run(c, "m.c", pattern="printf($F, $$$A)").matches[0].captures] == [
        'printf("%s", s)',
        '"%s"',
        "s",
    ]


# --------------------------------------------------------------------------- the real worker


@pytest.fixture(scope="module")
def parse_stub():
    proc = procs.spawn([sys.executable, "-m", "services.parse", "--port", "0"])
    try:
        address = procs.wait_ready(proc, 60)["address"]
        ch = grpc.insecure_channel(address)
        yield parse_pb2_grpc.ParseServiceStub(ch)
        ch.close()
    finally:
        procs.terminate([proc], 10)


def _options(**kw) -> parse_pb2.ParseOptions:
    return parse_pb2.ParseOptions(query=parse_pb2.StructuralQuery(**kw))


def test_the_worker_answers_matches(parse_stub):
    resp = parse_stub.Parse(
        parse_pb2.ParseRequest(file=common_pb2.SourceFile(path="a.py", content=SRC), options=_options(query=OPEN)),
        timeout=30,
    )
    assert [m.captures[1].text for m in resp.result.matches] == ["open"] * 3
    assert resp.result.matches[1].captures[0].range.start.line == 4
    assert not resp.result.symbols and not resp.result.matches_truncated
    plain = parse_stub.Parse(parse_pb2.ParseRequest(file=common_pb2.SourceFile(path="a.py", content=SRC)), timeout=30)
    assert plain.result.symbols and not plain.result.matches  # no query: symbols as before


def _bad_request(err: grpc.RpcError) -> error_details_pb2.BadRequest:
    st = rpc_status.from_call(err)
    assert st is not None
    for d in st.details:
        if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            d.Unpack(bad)
            return bad
    raise AssertionError("no BadRequest detail")


def test_an_invalid_query_is_invalid_argument_with_the_field_and_fails_a_whole_batch(parse_stub):
    f = common_pb2.SourceFile(path="a.py", content=SRC)
    with pytest.raises(grpc.RpcError) as ei:
        parse_stub.Parse(parse_pb2.ParseRequest(file=f, options=_options(query="(call (identifer))")), timeout=30)
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = ei.value.details() or ""
    assert "1:8" in details and "identifer" in details
    (v,) = _bad_request(ei.value).field_violations
    assert v.field == "options.query.query" and "1:8" in v.description
    with pytest.raises(grpc.RpcError) as ei:
        parse_stub.ParseBatch(
            parse_pb2.ParseBatchRequest(files=[f, f], options=_options(pattern="eval($X")), timeout=30
        )
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _bad_request(ei.value).field_violations[0].field == "options.query.pattern"
    ok = parse_stub.ParseBatch(
        parse_pb2.ParseBatchRequest(files=[f, f], options=_options(pattern="eval($X)")), timeout=30
    )
    assert [len(r.result.matches) for r in ok.results] == [1, 1]


def test_a_pattern_in_a_batch_with_a_language_it_has_no_grammar_for(parse_stub):
    files = [
        common_pb2.SourceFile(path="a.py", content=SRC),
        common_pb2.SourceFile(path="q.sql", content=b"SELECT 1;\n"),
    ]
    resp = parse_stub.ParseBatch(
        parse_pb2.ParseBatchRequest(files=files, options=_options(pattern="eval($X)")), timeout=30
    )
    assert len(resp.results[0].result.matches) == 1
    assert resp.results[1].error.code == common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE
