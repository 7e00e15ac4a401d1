"""QueryService.CodeQuery against a REAL stack (`codeintel up`: coordinator + parse workers as
subprocesses on loopback) with --repo-roots and tenants: a root under the roots (language filter,
skips, syntax errors), inline files, a paging round trip whose second run is all cache hits, a
cursor of another query refused, roots outside or missing, the match limit, the deadline giving a
partial answer, an invalid query refused before any file is sent, and tenant admission."""

from __future__ import annotations

import math
import uuid
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, graph_pb2, query_pb2, query_pb2_grpc
from codeintel.v1 import coordinator_pb2 as pb
from coordinator.query import IN_FLIGHT
from coordinator.tenants import hash_key

KEY = "ci_query-key-0123456789abcdef"
MD = (("authorization", f"Bearer {KEY}"),)
TINY = "ci_query-tiny-0123456789abcdef"  # a tenant whose byte budget one search overdraws
R = pb.RepositorySkipReason
OPEN = '(call function: (identifier) @fn (#eq? @fn "open")) @call'

PROJECT: dict[str, str | bytes] = {
    "a.py": "import os\nf = open('a')\n\n\ndef g(p):\n    return open(p)\n",
    "pkg/b.py": "def h():\n    with open('x') as fh:\n        return fh.read()\n",
    "pkg/broken.py": "open(1)\ndef broken(:\n    pass\n",
    "pkg/none.py": "print('no match here')\n",
    "web/app.js": "const x = open('js');\n",
    "vendored.py": b"\x00\x01binary",
    "build/gen.py": "open('ignored')\n",
    ".gitignore": "build/\n",
}


def _write(root, files) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    allowed, outside = tmp_path_factory.mktemp("allowed"), tmp_path_factory.mktemp("outside")
    _write(allowed / "proj", PROJECT)
    _write(outside, {"x.py": "open(1)\n"})
    return allowed, outside


@pytest.fixture(scope="module")
def query_stack(roots, tmp_path_factory):
    tenants = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    tenants.write_text(f"""
[tiers.standard]
rate = 10000
burst = 10000
[tiers.tiny]
rate = 10000
burst = 10000
bytes_per_second = 10
bytes_burst = 100
[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(KEY)}"]
[[tenants]]
id = "tiny"
tier = "tiny"
keys = ["{hash_key(TINY)}"]
""")
    stack = LocalStack(
        workers=1,
        extra_args=[
            "--analyze-workers",
            "0",
            "--scan-workers",
            "0",
            f"--coordinator-arg=--repo-roots={roots[0]}",
            f"--coordinator-arg=--tenants-file={tenants}",
        ],
    )
    stack.start(timeout=120)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def chan(query_stack):
    ch = grpc.insecure_channel(query_stack.address)
    yield ch
    ch.close()


@pytest.fixture(scope="module")
def stub(chan):
    return query_pb2_grpc.QueryServiceStub(chan)


def _query(stub, timeout: float = 60, **kw) -> query_pb2.CodeQueryResponse:
    return stub.CodeQuery(query_pb2.CodeQueryRequest(**kw), timeout=timeout, metadata=MD)


def _details(err: grpc.RpcError) -> str:
    return err.details() or ""


def _error(stub, **kw) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as ei:
        _query(stub, **kw)
    return ei.value


def _files_received(chan) -> int:
    stats = coordinator_pb2_grpc.AdminServiceStub(chan).GetStats(pb.GetStatsRequest(), timeout=10, metadata=MD)
    return next(o.files for o in stats.operations if o.operation == "parse")


def _skipped(resp) -> dict[int, int]:
    return {s.reason: s.count for s in resp.completeness.files_skipped}


def test_a_root_is_walked_for_files_of_the_language(roots, stub):
    resp = _query(stub, query=OPEN, language="python", root=str(roots[0] / "proj"))
    s, c = resp.summary, resp.completeness
    # a.py, pkg/b.py, pkg/broken.py, pkg/none.py (vendored.py is binary, build/ ignored, app.js another language)
    assert s.files_searched == 4 and s.files_other_language == 1 and list(s.languages) == ["python"]
    assert s.files_with_matches == 3 and s.matches == 4 and s.matches_exact and s.matches_listed == 4
    assert [(m.path, m.captures[0].range.start.line) for m in resp.matches] == [
        ("a.py", 1),
        ("a.py", 5),
        ("pkg/b.py", 1),
        ("pkg/broken.py", 0),
    ]
    first = resp.matches[0]
    assert [(x.name, x.text) for x in first.captures] == [("call", "open('a')"), ("fn", "open")]
    assert first.captures[0].range.start.column == 4 and first.captures[0].range.end.column == 13
    assert _skipped(resp)[R.REPOSITORY_SKIP_REASON_BINARY] == 1
    assert R.REPOSITORY_SKIP_REASON_IGNORED not in _skipped(resp)  # build/ is a directory: not a file count
    assert [f.path for f in c.skipped] == ["vendored.py"]
    assert c.files_with_errors == 1 and not c.partial and not resp.next_cursor
    # pkg/none.py lacks "open", which every match needs: answered without a parse. The same query
    # written with #match? (no text the prefilter can use) parses every file and finds the same.
    assert s.files_ruled_out == 1
    unfiltered = _query(
        stub,
        query=OPEN.replace('#eq? @fn "open"', '#match? @fn "^open$"'),
        language="python",
        root=str(roots[0] / "proj"),
    )
    assert unfiltered.summary.files_ruled_out == 0 and unfiltered.summary.files_searched == 4
    assert [(m.path, [c.text for c in m.captures]) for m in unfiltered.matches] == [
        (m.path, [c.text for c in m.captures]) for m in resp.matches
    ]
    # The same query over one file of the root.
    one = _query(stub, query=OPEN, language="python", root=str(roots[0] / "proj" / "pkg" / "b.py"))
    assert one.summary.files_searched == 1 and [m.path for m in one.matches] == ["b.py"]


def test_inline_files_and_a_pattern(stub):
    files = query_pb2.CodeQueryFiles(
        files=[
            common_pb2.SourceFile(path="x.js", content=b"eval(a);\nfoo(eval(b + 1));\n"),
            common_pb2.SourceFile(path="y.py", content=b"eval(c)\n"),
            common_pb2.SourceFile(path="notes.unknown", content=b"eval(d)\n"),
        ]
    )
    resp = _query(stub, pattern="eval($X)", files=files)  # no language: each file's own, the pattern valid for each
    assert [(m.path, m.captures[1].text) for m in resp.matches] == [("x.js", "a"), ("x.js", "b + 1"), ("y.py", "c")]
    assert sorted(resp.summary.languages) == ["javascript", "python"]
    assert _skipped(resp) == {R.REPOSITORY_SKIP_REASON_NO_GRAMMAR: 1}
    # A language without patterns among others: its files are skipped, the rest searched.
    mixed = query_pb2.CodeQueryFiles(
        files=[*files.files[:2], common_pb2.SourceFile(path="q.sql", content=b"SELECT 1;\n")]
    )
    resp = _query(stub, pattern="eval($X)", files=mixed)
    assert resp.summary.matches == 3 and _skipped(resp) == {R.REPOSITORY_SKIP_REASON_UNSUPPORTED: 1}
    assert any("sql" in n for n in resp.summary.notes)
    # With a language, files without one of their own are taken as that language.
    js = _query(stub, pattern="eval($X)", language="javascript", files=query_pb2.CodeQueryFiles(files=files.files[:1]))
    assert js.summary.matches == 2


def test_paging_round_trip_and_the_second_run_comes_from_the_cache(roots, stub, tmp_path_factory):
    base = roots[0] / "paging"
    tag = uuid.uuid4().hex
    _write(base, {f"m{i:02d}.py": f"# {tag}\n" + "".join(f"open({i}, {j})\n" for j in range(3)) for i in range(12)})
    request: dict[str, Any] = {"query": OPEN, "language": "python", "root": str(base)}
    whole = _query(stub, page=graph_pb2.Page(page_size=1000), **request)
    assert whole.summary.matches == 36 and whole.summary.files_reused == 0 and not whole.next_cursor
    pages, cursor = [], ""
    while True:
        resp = _query(stub, page=graph_pb2.Page(page_size=5, cursor=cursor), **request)
        assert resp.summary.matches == 36  # the summary is over all files, on every page
        assert resp.summary.files_reused == resp.summary.files_searched == 12  # every file a cache hit
        pages.append(resp)
        cursor = resp.next_cursor
        assert bool(cursor) == resp.completeness.truncated
        if not cursor:
            break
    assert len(pages) == math.ceil(36 / 5) and all(len(p.matches) == 5 for p in pages[:-1])
    assert [m for p in pages for m in p.matches] == list(whole.matches)
    # A cursor is for the query that made it.
    err = _error(stub, page=graph_pb2.Page(cursor=pages[0].next_cursor), **{**request, "query": "(call) @c"})
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "another query" in _details(err)
    err = _error(stub, page=graph_pb2.Page(cursor="garbage!"), **request)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "cursor" in _details(err)


def test_the_match_limit_lists_the_first_matches_and_counts_the_rest(roots, stub):
    resp = _query(stub, query=OPEN, language="python", root=str(roots[0] / "proj"), max_matches=2)
    assert resp.summary.matches == 4 and resp.summary.matches_listed == 2
    assert [m.path for m in resp.matches] == ["a.py", "a.py"]  # the first by path and position
    assert resp.completeness.partial and list(resp.completeness.stopped) == ["match limit"]
    per_file = _query(stub, query=OPEN, language="python", root=str(roots[0] / "proj"), max_matches_per_file=1)
    assert per_file.summary.matches == 3 and not per_file.summary.matches_exact
    assert per_file.completeness.files_truncated == 1 and "per-file match limit" in per_file.completeness.stopped


def test_roots_outside_missing_or_without_language_are_refused(roots, stub):
    assert _error(stub, query=OPEN, language="python", root=str(roots[1])).code() == grpc.StatusCode.PERMISSION_DENIED
    missing = _error(stub, query=OPEN, language="python", root=str(roots[0] / "nope"))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    err = _error(stub, query=OPEN, root=str(roots[0] / "proj"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "language is required" in _details(err)
    err = _error(stub, query=OPEN, language="python")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "files" in _details(err)
    err = _error(stub, query=OPEN, pattern="open($X)", language="python", root=str(roots[0]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "exactly one" in _details(err)


def _bad_request(err: grpc.RpcError) -> error_details_pb2.BadRequest:
    st = rpc_status.from_call(err)
    assert st is not None
    (detail,) = [d for d in st.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
    bad = error_details_pb2.BadRequest()
    detail.Unpack(bad)
    return bad


def test_an_invalid_query_is_refused_before_any_file_is_sent(roots, stub, chan):
    before = _files_received(chan)
    err = _error(stub, query="(call function: (identifer) @fn)", language="python", root=str(roots[0] / "proj"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at 1:18" in _details(err) and "'identifier'" in _details(err)
    (v,) = _bad_request(err).field_violations
    assert v.field == "query" and "1:18" in v.description
    err = _error(stub, pattern="eval($X", language="python", root=str(roots[0] / "proj"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and _bad_request(err).field_violations[0].field == "pattern"
    err = _error(stub, query=OPEN, language="klingon", root=str(roots[0] / "proj"))
    assert _bad_request(err).field_violations[0].field == "language"
    assert _files_received(chan) == before  # nothing reached the parse path


def test_the_deadline_gives_a_partial_answer_that_says_so(roots, stub):
    # The pace of fresh files first, then work for several times the deadline at that pace.
    def files(base, n, lines=400):
        tag = uuid.uuid4().hex
        body = "".join(f"def f{j}(x):\n    return g(x, {j})\n" for j in range(lines))
        _write(base, {f"d{i:04d}.py": f"# {tag} {i}\nopen(1)\n{body}" for i in range(n)})

    sample = 64 * IN_FLIGHT // 4
    files(roots[0] / "pace", sample)
    measured = _query(stub, query=OPEN, language="python", root=str(roots[0] / "pace"), timeout=300)
    assert measured.summary.files_searched == sample and not measured.completeness.partial
    rate = sample / max(measured.summary.elapsed_seconds, 1e-3)
    timeout = 1.5
    n = max(64 * (IN_FLIGHT + 2), math.ceil(rate * 4 * timeout))
    files(roots[0] / "late", n)
    resp = _query(stub, query=OPEN, language="python", root=str(roots[0] / "late"), timeout=timeout)
    c = resp.completeness
    assert c.partial and "deadline" in c.stopped and not resp.summary.matches_exact
    not_processed = _skipped(resp).get(R.REPOSITORY_SKIP_REASON_NOT_PROCESSED, 0)
    assert not_processed > 0 and resp.summary.files_searched + not_processed == n
    assert resp.summary.matches == resp.summary.files_searched  # one each: what was searched is complete


def test_tenants_are_admitted_like_any_call(roots, stub):
    with pytest.raises(grpc.RpcError) as ei:
        stub.CodeQuery(query_pb2.CodeQueryRequest(query=OPEN, language="python", root=str(roots[0])), timeout=30)
    assert ei.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_typescript_query_covers_tsx_files_when_it_compiles_for_them(roots, stub):
    base = roots[0] / "ts"
    _write(base, {"a.ts": "const n = <number>x;\nf(1);\n", "v.tsx": "const e = <div>{f(2)}</div>;\n"})
    both = _query(stub, query="(call_expression) @c", language="typescript", root=str(base))
    assert sorted(both.summary.languages) == ["tsx", "typescript"] and both.summary.files_searched == 2
    assert [(m.path, m.captures[0].text) for m in both.matches] == [("a.ts", "f(1)"), ("v.tsx", "f(2)")]
    # <T>x type assertions exist in the typescript grammar only: the tsx file is left out, and the answer says so.
    ts_only = _query(stub, query="(type_assertion) @t", language="typescript", root=str(base))
    assert ts_only.summary.files_searched == 1 and ts_only.summary.files_other_language == 1
    assert [m.captures[0].text for m in ts_only.matches] == ["<number>x"]
    assert any("tsx files were not searched" in n for n in ts_only.summary.notes)


def test_a_search_is_billed_to_the_tenant_like_batch_calls(stub, roots):
    """The files searched are billed to the tenant's byte budget: the first search (from an idle
    budget) goes through and overdraws it; the tenant's next call is refused until it refills, with
    RetryInfo, while other tenants are unaffected."""
    tiny = (("authorization", f"Bearer {TINY}"),)
    req = query_pb2.CodeQueryRequest(query=OPEN, language="python", root=str(roots[0] / "proj"))
    first = stub.CodeQuery(req, timeout=60, metadata=tiny)
    assert first.summary.files_searched > 0
    with pytest.raises(grpc.RpcError) as ei:
        stub.CodeQuery(req, timeout=60, metadata=tiny)
    assert ei.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "bytes" in _details(ei.value)
    status = rpc_status.from_call(ei.value)
    assert status is not None and any(d.Is(error_details_pb2.RetryInfo.DESCRIPTOR) for d in status.details)
    assert _query(stub, query=OPEN, language="python", root=str(roots[0] / "proj")).summary.files_searched > 0
