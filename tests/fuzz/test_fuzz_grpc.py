"""Property-based hardening of every gRPC method, on the workers directly and on the coordinator.

For random well-typed requests, random raw bodies, extreme sizes and deep nesting, every call (with a
deadline far beyond what its input needs: a hang guard) must end with OK or a documented status (never
UNKNOWN, and never DEADLINE_EXCEEDED, which would mean it hung), never carry a stack trace, and the
server must still answer a health check and a tiny valid request afterwards. Runs against the shared
`stack` fixture (tests/conftest.py: coordinator + 2 workers per service); examples are derandomized
so CI is reproducible.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tomllib
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codeintel.kernel import languages
from codeintel.v1 import analyze_pb2, common_pb2, coordinator_pb2, graph_pb2, parse_pb2, query_pb2, review_pb2, scan_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

if HERE not in sys.path:  # import-mode=importlib: make the helpers next to this file importable
    sys.path.insert(0, HERE)

from fuzzhelpers import (  # noqa: E402
    ANSWERED,
    COORD_METHODS,
    HEALTH,
    HEALTH_ALLOWED,
    WORKER_METHODS,
    check_outcome,
    varint,
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

FILE_ERROR_BAD = {common_pb2.FILE_ERROR_CODE_UNSPECIFIED, common_pb2.FILE_ERROR_CODE_INTERNAL}


def _rule_ids() -> list[str]:
    ids: list[str] = []
    rules_dir = os.path.join(REPO, "services", "scan", "rules")
    for name in sorted(os.listdir(rules_dir)):
        if name.endswith(".toml"):
            with open(os.path.join(rules_dir, name), "rb") as fh:
                ids.extend(r["id"] for r in tomllib.load(fh).get("rules", []))
    return ids


RULE_IDS = _rule_ids()
LANGS = sorted(languages.SUPPORTED)
EXTS = [
    ".py",
    ".js",
    ".ts",
    ".tsx",
    ".go",
    ".java",
    ".rs",
    ".c",
    ".cpp",
    ".h",
    ".cs",
    ".rb",
    ".php",
    ".kt",
    ".swift",
    ".scala",
    ".lua",
    ".sh",
    ".json",
    ".PY",
    ".tar.gz",
    "",
    ".",
    ".unknownext",
]

SNIPPETS = [
    "def f(x):\n    if x and y or z:\n        return [i for i in x if i]\n    return None\n",
    "class A:\n    def m(self, a, b=1, *c, **d):\n        try:\n            pass\n        except E:\n            pass\n",
    "import os, subprocess, pickle, hashlib\nos.system(cmd)\nsubprocess.call(x, shell=True)\n"
    "pickle.loads(data)\nhashlib.md5(b)\neval(user)  # nosec\n",
    "function f(a, b) { if (a && b || c) { return a ?? b; } }\nel.innerHTML = x; eval(s);\n",
    "const x = (a) => { for (let i = 0; i < a; i++) { switch (i) { case 1: break; default: } } };\n",
    "interface I { m(): void }\nclass C implements I { m(): void {} }\ntype T = string | number;\n",
    'package main\nimport "fmt"\nfunc main() { if true { fmt.Println("x") } }\n',
    "public class A { public A() {} void m(int a) { while (a > 0) { a--; } } }\n",
    "fn main() { let x = match y { Some(v) => v, None => 0 }; }\nimpl T for S {}\ntrait T {}\n",
    "#include <stdio.h>\nint main(int argc, char **argv) { return argc ? 0 : 1; }\n",
    "#!/usr/bin/env python3\nprint('shebang')\n",
    "#!/bin/bash\nfor i in 1 2; do echo $i; done\n",
    "<?php function f($a) { return $a; } ?>\n",
    '{"a": [1, 2, {"b": null}]}\n',
    "def broken(:\n    return )\n",
    "\ufeffdef bom():\n    pass\n",
    "",
]


def _splice(t: tuple[str, str, int]) -> bytes:
    snippet, noise, at = t
    at = at % (len(snippet) + 1)
    return (snippet[:at] + noise + snippet[at:]).encode("utf-8")


def _with_nul(t: tuple[str, int]) -> bytes:
    s, at = t
    b = s.encode()
    at = at % (len(b) + 1)
    return b[:at] + b"\x00" + b[at:]


def _cut_utf8(t: tuple[str, int]) -> bytes:
    s, at = t
    b = ("é€𝔣" + s + "日本").encode()
    return b[: max(1, at % len(b))] + b"\xe2\x82"  # ends in a truncated multi-byte sequence


code_text = st.sampled_from(SNIPPETS)
contents = st.one_of(
    code_text.map(str.encode),
    st.tuples(code_text, st.text(max_size=40), st.integers(0, 500)).map(_splice),
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.tuples(code_text, st.integers(0, 500)).map(_with_nul),
    st.tuples(code_text, st.integers(0, 500)).map(_cut_utf8),
    st.sampled_from(
        [
            b"\xef\xbb\xbf",
            b"\xef\xbb\xbf\xef\xbb\xbf",
            b"\r\n" * 50,
            b"\\" * 100,
            b"\t\x0b\x0c",
            b"\xed\xa0\x80",
            b"\xc0\x80",
            b"\xf4\x90\x80\x80",
            "\u2028\u2029".encode(),
        ]
    ),
)
paths = st.one_of(
    st.text(max_size=60),
    st.tuples(st.text(max_size=20), st.sampled_from(EXTS)).map("".join),
    st.sampled_from(
        [
            "",
            "a.py",
            "../../etc/passwd.py",
            "/abs/x.js",
            "C:\\dir\\x.ts",
            "\u202eyp.exe.py",
            "𝔣𝔬𝔬.rs",
            "Makefile",
            "Dockerfile",
            ".py",
            "x.py\x00.js",
            "a" * 5000 + ".go",
            "dir/" * 300 + "x.py",
            "\n\r\t.py",
            "x.tsx",
            "ünï/cødé.java",
        ]
    ),
)
langs = st.one_of(
    st.sampled_from(LANGS),
    st.sampled_from(
        [
            "",
            "Python",
            "PYTHON",
            " python",
            "python ",
            "c++",
            "js",
            "ts",
            "klingon",
            "python\x00",
            "../python",
            "x" * 1000,
            "🐍",
        ]
    ),
    st.text(max_size=20),
)
source_files = st.builds(common_pb2.SourceFile, path=paths, language=langs, content=contents)
u32 = st.one_of(
    st.sampled_from([0, 1, 2, 63, 64, 65, 255, 256, 257, 10000, 199999, 200000, 200001, 2**31 - 1, 2**31, 2**32 - 1]),
    st.integers(0, 2**32 - 1),
)
enum_ints = st.one_of(
    st.integers(-3, 8), st.sampled_from([-(2**31), 2**31 - 1, 1000, -1]), st.integers(-(2**31), 2**31 - 1)
)
parse_options = st.builds(
    parse_pb2.ParseOptions,
    include_ast=st.booleans(),
    ast_max_depth=u32,
    ast_max_nodes=u32,
    ast_named_only=st.booleans(),
)
analyze_options = st.builds(analyze_pb2.AnalyzeOptions, file_only=st.booleans())
rule_id_lists: st.SearchStrategy[list[str]] = st.one_of(
    st.just([]),
    st.lists(st.sampled_from(RULE_IDS), max_size=5),
    st.lists(st.one_of(st.sampled_from(RULE_IDS), st.text(max_size=30)), max_size=5),
)
scan_options = st.builds(
    scan_pb2.ScanOptions,
    min_severity=enum_ints,
    min_confidence=enum_ints,
    rule_ids=rule_id_lists,
    exclude_rule_ids=rule_id_lists,
    include_sarif=st.booleans(),
    include_suppressed=st.booleans(),
)
OPTIONS = {"parse": parse_options, "analyze": analyze_options, "scan": scan_options}
request_options = st.builds(coordinator_pb2.RequestOptions, priority=enum_ints, bypass_cache=st.booleans())


def _unknown_field(t: tuple[int, int, bytes]) -> bytes:
    """A valid wire-format field with a number no message here defines."""
    number, kind, payload = t
    if kind == 0:
        return varint(number << 3 | 0) + varint(len(payload))
    return varint(number << 3 | 2) + varint(len(payload)) + payload


unknown_fields = st.lists(
    st.tuples(st.integers(100, 2**29 - 1), st.sampled_from([0, 2]), st.binary(max_size=40)).map(_unknown_field),
    max_size=3,
).map(b"".join)


def build_request(draw, kind: str, batch: bool, coordinator: bool):
    methods = COORD_METHODS if coordinator else WORKER_METHODS
    unary, batch_method, req_cls, batch_cls, resp_cls, batch_resp_cls = methods[kind]
    kw = {}
    if draw(st.booleans()):
        kw["options"] = draw(OPTIONS[kind])
    if coordinator and draw(st.booleans()):
        kw["request_options"] = draw(request_options)
    if batch:
        req = batch_cls(files=draw(st.lists(source_files, max_size=6)), **kw)
        return batch_method, req, batch_resp_cls
    if draw(st.integers(0, 9)):
        kw["file"] = draw(source_files)
    return unary, req_cls(**kw), resp_cls


def check_response(kind: str, batch: bool, request, body: bytes, resp_cls) -> None:
    """Invariants of an OK answer: one outcome per file, echoed paths, no internal per-file faults."""
    resp = resp_cls.FromString(body)
    if batch:
        assert len(resp.results) == len(request.files)
        for f, r in zip(request.files, resp.results, strict=True):
            if r.HasField("error"):
                assert r.error.code not in FILE_ERROR_BAD, (f, r.error)
                assert r.error.message and "Traceback" not in r.error.message, r.error
            else:
                assert r.HasField("result"), r
                assert r.result.path == f.path
        if hasattr(resp, "info"):
            assert len(resp.info.cache) == len(request.files)
    else:
        assert resp.result.path == request.file.path
        assert resp.result.language
    if kind == "scan" and request.options.include_sarif and resp.sarif_json:
        json.loads(resp.sarif_json)


WORKER_RPCS = [(kind, batch) for kind in WORKER_METHODS for batch in (False, True)]


# --------------------------------------------------------------------------- well-typed, workers


@pytest.mark.parametrize("kind,batch", WORKER_RPCS, ids=[f"{k}-{'batch' if b else 'unary'}" for k, b in WORKER_RPCS])
@FUZZ
@given(data=st.data())
def test_worker_well_typed(targets, kind, batch, data):
    target = targets[f"{kind}-{data.draw(st.integers(0, 1))}"]
    method, req, resp_cls = build_request(data.draw, kind, batch, coordinator=False)
    body = req.SerializeToString() + data.draw(unknown_fields)
    out = target.raw(method, body)
    check_outcome(out, ANSWERED, f"{target.name} {method}")
    event(out.code.name)  # --hypothesis-show-statistics shows the mix of outcomes
    if out.code == grpc.StatusCode.OK:
        check_response(kind, batch, req, out.body, resp_cls)
    target.assert_alive()


@pytest.mark.parametrize("kind", list(WORKER_METHODS))
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_worker_info_and_health(targets, kind, data):
    target = targets[f"{kind}-0"]
    extra = data.draw(unknown_fields)
    out = target.raw(
        "/codeintel.v1.InfoService/GetServiceInfo", common_pb2.GetServiceInfoRequest().SerializeToString() + extra
    )
    check_outcome(out, ANSWERED, f"{target.name} GetServiceInfo")
    assert out.code == grpc.StatusCode.OK, out  # unknown fields are legal protobuf
    (info,) = common_pb2.GetServiceInfoResponse.FromString(out.body).services
    assert info.max_file_bytes > 0 and info.max_batch_files > 0 and info.languages
    service = data.draw(st.one_of(st.sampled_from(["", info.service, "codeintel.v1.Nope"]), st.text(max_size=40)))
    out = target.raw(HEALTH, health_pb2.HealthCheckRequest(service=service).SerializeToString() + extra)
    check_outcome(out, HEALTH_ALLOWED, f"{target.name} Health.Check({service!r})")
    if service in ("", info.service):
        assert out.code == grpc.StatusCode.OK
    target.assert_alive()


# --------------------------------------------------------------------------- well-typed, coordinator

COORD_RPCS = WORKER_RPCS


@pytest.mark.parametrize("kind,batch", COORD_RPCS, ids=[f"{k}-{'batch' if b else 'unary'}" for k, b in COORD_RPCS])
@FUZZ
@given(data=st.data())
def test_coordinator_well_typed(targets, kind, batch, data):
    target = targets["coordinator"]
    method, req, resp_cls = build_request(data.draw, kind, batch, coordinator=True)
    body = req.SerializeToString() + data.draw(unknown_fields)
    out = target.raw(method, body)
    check_outcome(out, ANSWERED, f"coordinator {method}")
    event(out.code.name)
    if out.code == grpc.StatusCode.OK:
        check_response(kind, batch, req, out.body, resp_cls)
    target.assert_alive()


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_coordinator_admin_and_health(targets, data):
    target = targets["coordinator"]
    extra = data.draw(unknown_fields)
    out = target.raw(
        "/codeintel.v1.AdminService/GetStats", coordinator_pb2.GetStatsRequest().SerializeToString() + extra
    )
    check_outcome(out, ANSWERED, "coordinator GetStats")
    assert out.code == grpc.StatusCode.OK, out
    stats = coordinator_pb2.GetStatsResponse.FromString(out.body)
    assert stats.workers_total >= 6
    service = data.draw(
        st.one_of(
            st.sampled_from(
                [
                    "",
                    "codeintel.v1.ParseService",
                    "codeintel.v1.ScanService",
                    "codeintel.v1.AnalyzeService",
                    "codeintel.v1.CodeIntelService",
                    "x",
                ]
            ),
            st.text(max_size=40),
        )
    )
    out = target.raw(
        "/codeintel.v1.AdminService/ListWorkers",
        coordinator_pb2.ListWorkersRequest(service=service).SerializeToString() + extra,
    )
    check_outcome(out, ANSWERED, f"coordinator ListWorkers({service!r})")
    if out.code == grpc.StatusCode.OK:
        for w in coordinator_pb2.ListWorkersResponse.FromString(out.body).workers:
            assert not service or w.service == service
    out = target.raw(HEALTH, health_pb2.HealthCheckRequest(service=service).SerializeToString() + extra)
    check_outcome(out, HEALTH_ALLOWED, f"coordinator Health.Check({service!r})")
    target.assert_alive()


@settings(FUZZ, max_examples=40)
@given(
    language=st.one_of(
        st.sampled_from(["", "python", "javascript", "go", "java", "tsx", "cobol", "PYTHON"]), st.text(max_size=60)
    ),
    data=st.data(),
)
def test_list_rules(targets, language, data):
    extra = data.draw(unknown_fields)
    for name, method, req in (
        ("scan-0", "/codeintel.v1.ScanService/ListRules", scan_pb2.ListRulesRequest(language=language)),
        (
            "coordinator",
            "/codeintel.v1.CodeIntelService/ListRules",
            coordinator_pb2.CodeIntelServiceListRulesRequest(language=language),
        ),
    ):
        target = targets[name]
        out = target.raw(method, req.SerializeToString() + extra)
        check_outcome(out, ANSWERED, f"{name} ListRules({language!r})")
        if out.code == grpc.StatusCode.OK:
            rules = scan_pb2.ListRulesResponse.FromString(out.body).rules
            assert rules and all(not language or language in r.languages for r in rules)
        else:
            assert out.code == grpc.StatusCode.INVALID_ARGUMENT and language, out
        target.assert_alive()


# --------------------------------------------------------------------------- raw bodies

ALL_WORKER = (
    [(f"{kind}-0", m) for kind, ms in WORKER_METHODS.items() for m in ms[:2]]
    + [(f"{kind}-0", m) for kind in WORKER_METHODS for m in ("/codeintel.v1.InfoService/GetServiceInfo", HEALTH)]
    + [("scan-0", "/codeintel.v1.ScanService/ListRules")]
)
ALL_COORD = [("coordinator", m) for ms in COORD_METHODS.values() for m in ms[:2]] + [
    ("coordinator", "/codeintel.v1.CodeIntelService/ListRules"),
    ("coordinator", "/codeintel.v1.CodeIntelService/LookupBatch"),
    ("coordinator", "/codeintel.v1.AdminService/GetStats"),
    ("coordinator", "/codeintel.v1.AdminService/ListWorkers"),
    ("coordinator", HEALTH),
]
SEED_BODIES = [
    parse_pb2.ParseRequest(
        file=common_pb2.SourceFile(path="a.py", content=SNIPPETS[0].encode()),
        options=parse_pb2.ParseOptions(include_ast=True),
    ).SerializeToString(),
    scan_pb2.ScanBatchRequest(
        files=[common_pb2.SourceFile(path="a.py", content=SNIPPETS[2].encode())] * 2,
        options=scan_pb2.ScanOptions(rule_ids=RULE_IDS[:2], include_sarif=True),
    ).SerializeToString(),
    coordinator_pb2.CodeIntelServiceParseRequest(
        file=common_pb2.SourceFile(path="b.js", content=SNIPPETS[3].encode()),
        request_options=coordinator_pb2.RequestOptions(priority=coordinator_pb2.PRIORITY_HIGH),
    ).SerializeToString(),
    coordinator_pb2.CodeIntelServiceLookupBatchRequest(
        operation=coordinator_pb2.REPOSITORY_OPERATION_SCAN,
        files=[
            coordinator_pb2.FileDigest(path="a.py", sha256=hashlib.sha256(SNIPPETS[2].encode()).digest()),
            coordinator_pb2.FileDigest(path="b.js", language="javascript", sha256=b"\x01" * 32),
        ],
        scan_options=scan_pb2.ScanOptions(rule_ids=RULE_IDS[:2]),
    ).SerializeToString(),
]


def _mutate(t: tuple[bytes, list[tuple[int, int, int]]]) -> bytes:
    body, edits = t
    b = bytearray(body)
    for op, pos, val in edits:
        if not b:
            b.append(val)
            continue
        pos %= len(b)
        if op == 0:
            b[pos] = val
        elif op == 1:
            b.insert(pos, val)
        elif op == 2:
            del b[pos]
        else:
            del b[pos:]
    return bytes(b)


raw_bodies = st.one_of(
    st.binary(max_size=400),
    st.tuples(
        st.sampled_from(SEED_BODIES),
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    ).map(_mutate),
    st.sampled_from(
        [
            b"\x0b" * 10000,  # 10000 nested start-group tags
            b"\x0a" + b"\xff" * 10 + b"\x01",  # over-long varint length
            b"\x0a\x80\x80\x80\x80\x10",  # length far past the end
            b"\x0a\x02\x0a\x00" * 1000,  # many repeated/overwritten submessages
            b"\x12\x06\x08\xff\xff\xff\xff\x0f",  # truncated options
            (b"\x0a\x7f" + b"\x0a\x7d" * 1)[:4],
            b"\x1a\x03\xff\xfe\xfd",
        ]
    ),
)


@pytest.mark.parametrize("name,method", ALL_WORKER + ALL_COORD, ids=[f"{n}:{m}" for n, m in ALL_WORKER + ALL_COORD])
@settings(FUZZ, max_examples=25)
@given(body=raw_bodies)
def test_raw_bodies(targets, name, method, body):
    target = targets[name]
    out = target.raw(method, body)
    check_outcome(out, HEALTH_ALLOWED if method == HEALTH else ANSWERED, f"{name} {method} body={body[:40]!r}")
    event(out.code.name)
    target.assert_alive()


RUN_REPOSITORY = "/codeintel.v1.CodeIntelService/RunRepository"
# RunRepository's documented refusals beyond the common ones (proto: roots outside --repo-roots, missing).
REPOSITORY_ALLOWED = ANSWERED | {grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND}


def _repository_seeds(root: str) -> list[bytes]:
    R = coordinator_pb2
    return [
        R.CodeIntelServiceRunRepositoryRequest(operation=R.REPOSITORY_OPERATION_SCAN, root=root).SerializeToString(),
        R.CodeIntelServiceRunRepositoryRequest(
            operation=R.REPOSITORY_OPERATION_PARSE,
            root=root,
            include=["**/*.py"],
            exclude=["build/"],
            parse_options=parse_pb2.ParseOptions(include_ast=True),
        ).SerializeToString(),
        R.CodeIntelServiceRunRepositoryRequest(
            operation=R.REPOSITORY_OPERATION_ANALYZE,
            root=root + "/app",
            request_options=R.RequestOptions(priority=R.PRIORITY_HIGH),
        ).SerializeToString(),
    ]


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_run_repository_raw_bodies(targets, repo_root, data):
    """RunRepository (server-streaming) with mutated and random bodies: a documented status, and a stream
    that ends OK always ends with exactly one summary, last."""
    target = targets["coordinator"]
    seeds = _repository_seeds(repo_root)
    body = data.draw(
        st.one_of(
            st.sampled_from(seeds),
            st.tuples(
                st.sampled_from(seeds),
                st.lists(
                    st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6
                ),
            ).map(_mutate),
            raw_bodies,
        )
    )
    out = target.raw_stream(RUN_REPOSITORY, body)
    check_outcome(out, REPOSITORY_ALLOWED, f"coordinator RunRepository body={body[:40]!r}")
    if out.code == grpc.StatusCode.OK:
        events = [coordinator_pb2.CodeIntelServiceRunRepositoryResponse.FromString(m) for m in out.body]
        kinds = [e.WhichOneof("event") for e in events]
        assert kinds and kinds[-1] == "summary" and kinds.count("summary") == 1, kinds
        # The repository has three small files: a run the deadline (a hang guard) stopped hung.
        assert events[-1].summary.stopped != "deadline", events[-1].summary
    event(out.code.name)
    target.assert_alive()


def test_run_repository_seeds_run(targets, repo_root):
    """The seeds themselves are valid runs over the stack's repository (so the fuzzing starts from real work)."""
    for body in _repository_seeds(repo_root):
        out = targets["coordinator"].raw_stream(RUN_REPOSITORY, body, timeout=60)
        assert out.code == grpc.StatusCode.OK, out
        last = coordinator_pb2.CodeIntelServiceRunRepositoryResponse.FromString(out.body[-1])
        assert last.WhichOneof("event") == "summary" and last.summary.processed >= 1, last


# The coordinator's own services over a root: the graph, structural queries, reviews. Their documented
# refusals beyond the common ones (proto comments): a root outside --repo-roots or missing, a graph not
# indexed yet (FAILED_PRECONDITION), a symbol that is not there (NOT_FOUND).
ROOT_ALLOWED = ANSWERED | {
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
}
INDEX_REPOSITORY = "/codeintel.v1.GraphService/IndexRepository"


def _root_seeds(root: str) -> dict[str, list[bytes]]:
    g, q, r = graph_pb2, query_pb2, review_pb2
    run = g.SymbolTarget(name="run")
    at = g.SymbolTarget(position=g.FilePosition(path="app/main.py", position=common_pb2.Position(line=2, column=4)))
    seeds: dict[str, list[Any]] = {
        "/codeintel.v1.GraphService/SearchSymbols": [
            g.SearchSymbolsRequest(root=root, query="ru", match=g.SYMBOL_MATCH_PREFIX)
        ],
        "/codeintel.v1.GraphService/GetDefinition": [g.GetDefinitionRequest(root=root, target=at)],
        "/codeintel.v1.GraphService/FindReferences": [
            g.FindReferencesRequest(root=root, target=run, page=g.Page(page_size=2))
        ],
        "/codeintel.v1.GraphService/CallHierarchy": [g.CallHierarchyRequest(root=root, target=run, depth=3)],
        "/codeintel.v1.GraphService/ImportGraph": [g.ImportGraphRequest(root=root, path="app/main.py", depth=2)],
        "/codeintel.v1.GraphService/Outline": [g.OutlineRequest(root=root, depth=2)],
        "/codeintel.v1.QueryService/CodeQuery": [
            q.CodeQueryRequest(query="(call function: (_) @f) @c", language="python", root=root),
            q.CodeQueryRequest(
                pattern="eval($X)",
                files=q.CodeQueryFiles(files=[common_pb2.SourceFile(path="a.js", content=b"eval(x)")]),
            ),
        ],
        "/codeintel.v1.ReviewService/ReviewChanges": [
            r.ReviewChangesRequest(
                files=r.ChangedFiles(
                    files=[r.ChangedFile(path="a.py", before=b"def f():\n    return 1\n", after=b"def f(:\n")]
                )
            ),
            r.ReviewChangesRequest(root=root, revisions=r.RevisionRange(base="HEAD")),
            r.ReviewChangesRequest(
                root=root, diff="--- a/app/main.py\n+++ b/app/main.py\n@@ -1 +1 @@\n-import os\n+import sys\n"
            ),
        ],
    }
    return {m: [x.SerializeToString() for x in xs] for m, xs in seeds.items()}


def _bodies(seeds: list[bytes]):
    return st.one_of(
        st.sampled_from(seeds),
        st.tuples(
            st.sampled_from(seeds),
            st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
        ).map(_mutate),
        raw_bodies,
    )


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_index_repository_raw_bodies(targets, repo_root, data):
    """IndexRepository (server-streaming) with mutated and random bodies: a documented status, and a
    stream that ends OK ends with exactly one summary, last."""
    seeds = [
        graph_pb2.IndexRepositoryRequest(root=repo_root).SerializeToString(),
        graph_pb2.IndexRepositoryRequest(
            root=repo_root, paths=["app/main.py"], include=["**/*.py"]
        ).SerializeToString(),
    ]
    body = data.draw(_bodies(seeds))
    out = targets["coordinator"].raw_stream(INDEX_REPOSITORY, body)
    check_outcome(out, ROOT_ALLOWED, f"coordinator IndexRepository body={body[:40]!r}")
    if out.code == grpc.StatusCode.OK:
        kinds = [graph_pb2.IndexRepositoryResponse.FromString(m).WhichOneof("event") for m in out.body]
        assert kinds and kinds[-1] == "summary" and kinds.count("summary") == 1, kinds
    event(out.code.name)
    targets["coordinator"].assert_alive()


@pytest.mark.parametrize(
    "method", sorted(_root_seeds("/r")), ids=lambda m: m.rsplit("/", 2)[-2].split(".")[-1] + ":" + m.rsplit("/", 1)[-1]
)
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_root_services_raw_bodies(targets, repo_root, method, data):
    """GraphService queries, CodeQuery and ReviewChanges with valid, mutated and random bodies (after the
    index runs above, so graph queries reach an index): a documented status, never a hang or a trace."""
    body = data.draw(_bodies(_root_seeds(repo_root)[method]))
    out = targets["coordinator"].raw(method, body)
    check_outcome(out, ROOT_ALLOWED, f"coordinator {method} body={body[:40]!r}")
    event(out.code.name)
    targets["coordinator"].assert_alive()


def test_every_rpc_of_the_contract_is_fuzzed():
    """A new RPC in proto/ must be added to the raw-body fuzzing above."""
    from google.protobuf import descriptor_pool

    from codeintel.v1 import analyze_pb2  # noqa: F401 - registers the descriptors

    pool = descriptor_pool.Default()
    declared = set()
    for file in (
        "codeintel/v1/common.proto",
        "codeintel/v1/parse.proto",
        "codeintel/v1/analyze.proto",
        "codeintel/v1/scan.proto",
        "codeintel/v1/coordinator.proto",
        "codeintel/v1/graph.proto",
        "codeintel/v1/query.proto",
        "codeintel/v1/review.proto",
    ):
        for svc in pool.FindFileByName(file).services_by_name.values():
            declared |= {f"/{svc.full_name}/{m.name}" for m in svc.methods}
    fuzzed = {m for _, m in ALL_WORKER + ALL_COORD} | {RUN_REPOSITORY, INDEX_REPOSITORY} | set(_root_seeds("/r"))
    assert declared <= fuzzed, declared - fuzzed


def test_undecodable_body_status(targets):
    """Records the status for a body that is not a decodable protobuf message: INVALID_ARGUMENT with the
    decoder's reason (codeintel's ServerGuard; plain gRPC Python would answer INTERNAL)."""
    for name, method in [
        ("parse-0", "/codeintel.v1.ParseService/Parse"),
        ("coordinator", "/codeintel.v1.CodeIntelService/Parse"),
        ("coordinator", "/codeintel.v1.AdminService/GetStats"),
        ("scan-0", "/codeintel.v1.InfoService/GetServiceInfo"),
        ("analyze-0", HEALTH),
    ]:
        out = targets[name].raw(method, b"\xff\xff\xff")
        assert out.code == grpc.StatusCode.INVALID_ARGUMENT, (name, method, out)
        assert "not a valid protobuf message" in out.details
        assert "Traceback" not in out.details
