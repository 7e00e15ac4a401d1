"""Property-based hardening of every gRPC method, on the workers directly and on the coordinator.

For random well-typed requests, random raw bodies, extreme sizes and deep nesting, every call (with a
deadline far beyond what its input needs: a hang guard) must end with OK or a documented status (never
UNKNOWN, and never DEADLINE_EXCEEDED, which would mean it hung), never carry a stack trace, and the
server must still answer a health check and a tiny valid request afterwards. Runs against the shared
`stack` fixture (tests/conftest.py: coordinator + 2 workers per service); examples are derandomized
so CI is reproducible.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import sys
import time
import tomllib

import grpc
import pytest
from grpc_health.v1 import health_pb2
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codeintel.kernel import languages
from codeintel.v1 import analyze_pb2, common_pb2, coordinator_pb2, parse_pb2, scan_pb2

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
    ids = []
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
rule_id_lists = st.one_of(
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
        request_options=coordinator_pb2.RequestOptions(priority=3),
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
            operation=R.REPOSITORY_OPERATION_ANALYZE, root=root + "/app", request_options=R.RequestOptions(priority=3)
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
    ):
        for svc in pool.FindFileByName(file).services_by_name.values():
            declared |= {f"/{svc.full_name}/{m.name}" for m in svc.methods}
    fuzzed = {m for _, m in ALL_WORKER + ALL_COORD} | {RUN_REPOSITORY}
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


# --------------------------------------------------------------------------- extreme sizes


def _exact(n: int) -> bytes:
    line = b"# " + b"a" * 76 + b"\n"
    return (line * (n // len(line) + 1))[:n]


SIZE_CASES = [(t, kind) for t in ("worker", "coordinator") for kind in WORKER_METHODS]


@pytest.mark.parametrize("where,kind", SIZE_CASES, ids=[f"{w}-{k}" for w, k in SIZE_CASES])
def test_file_size_limits(targets, service_info, where, kind):
    limit = service_info[kind].max_file_bytes
    target = targets["coordinator" if where == "coordinator" else f"{kind}-0"]
    methods = COORD_METHODS if where == "coordinator" else WORKER_METHODS
    unary, batch, req_cls, batch_cls, resp_cls, batch_resp_cls = methods[kind]
    for content, want in [
        (b"", grpc.StatusCode.OK),
        (_exact(limit), grpc.StatusCode.OK),
        (_exact(limit + 1), grpc.StatusCode.INVALID_ARGUMENT),
    ]:
        req = req_cls(file=common_pb2.SourceFile(path="big.py", content=content))
        out = target.call(unary, req)
        assert out.code == want, (len(content), out)
        if want == grpc.StatusCode.INVALID_ARGUMENT:
            assert "limit" in out.details
    # in a batch, the oversized file is a per-file TOO_LARGE error and the small one still succeeds
    req = batch_cls(files=[common_pb2.SourceFile(path="big.py", content=_exact(limit + 1)), TINY_FILE])
    out = target.call(batch, req)
    assert out.code == grpc.StatusCode.OK, out
    results = batch_resp_cls.FromString(out.body).results
    assert results[0].error.code == common_pb2.FILE_ERROR_CODE_TOO_LARGE
    assert results[1].HasField("result")
    target.assert_alive()


TINY_FILE = common_pb2.SourceFile(path="t.py", content=b"x = 1\n")


@pytest.mark.parametrize("where,kind", SIZE_CASES, ids=[f"{w}-{k}" for w, k in SIZE_CASES])
def test_batch_count_limits(targets, service_info, where, kind):
    limit = service_info[kind].max_batch_files if where == "worker" else 1000  # coordinator.proto: at most 1000
    target = targets["coordinator" if where == "coordinator" else f"{kind}-0"]
    methods = COORD_METHODS if where == "coordinator" else WORKER_METHODS
    _u, batch, _r, batch_cls, _rc, batch_resp_cls = methods[kind]
    files = [common_pb2.SourceFile(path=f"f{i}.py", content=f"x{i} = {i}\n".encode()) for i in range(limit + 1)]
    out = target.call(batch, batch_cls(files=files[:limit]))
    assert out.code == grpc.StatusCode.OK, out
    assert len(batch_resp_cls.FromString(out.body).results) == limit
    out = target.call(batch, batch_cls(files=files))
    assert out.code == grpc.StatusCode.INVALID_ARGUMENT, out
    assert str(limit) in out.details
    target.assert_alive()


@pytest.mark.parametrize(
    "name,method",
    [
        ("coordinator", "/codeintel.v1.CodeIntelService/Parse"),
        ("parse-0", "/codeintel.v1.ParseService/Parse"),
        ("scan-1", "/codeintel.v1.ScanService/ScanBatch"),
    ],
)
def test_message_over_transport_limit(targets, name, method):
    body = common_pb2.SourceFile(path="huge.py", content=b"x" * (65 * 1024 * 1024)).SerializeToString()
    out = targets[name].raw(method, b"\x0a" + varint(len(body)) + body)
    check_outcome(out, ANSWERED, f"{name} {method} 65 MiB")
    assert out.code == grpc.StatusCode.RESOURCE_EXHAUSTED, out
    targets[name].assert_alive()


# --------------------------------------------------------------------------- deep nesting

NESTED_IFS = "".join("    " * i + f"if x{i}:\n" for i in range(600)) + "    " * 600 + "pass\n"
DEEP = [
    ("python", "(" * 50000, ("parse", "analyze", "scan")),
    ("javascript", "(" * 50000, ("parse", "analyze")),
    ("c", "(" * 50000, ("analyze",)),
    ("rust", "{" * 50000, ("analyze",)),
    ("json", "[" * 100000, ("parse",)),
    ("javascript", "[" * 100000, ("analyze",)),
    ("python", NESTED_IFS, ("parse", "analyze", "scan")),
    ("python", "x = " + "[" * 20000 + "]" * 20000 + "\n", ("parse", "analyze", "scan")),
    ("typescript", "let a = " + "f(" * 2000 + ")" * 2000 + ";\n", ("scan",)),
]
DEEP_CASES = [(lang, code, op, where) for lang, code, ops in DEEP for op in ops for where in ("worker", "coordinator")]


@pytest.mark.parametrize(
    "lang,code,op,where",
    DEEP_CASES,
    ids=[f"{lang}-{code[:6].strip()!r}x{len(code)}-{op}-{where}" for lang, code, op, where in DEEP_CASES],
)
def test_deep_nesting(targets, lang, code, op, where):
    target = targets["coordinator" if where == "coordinator" else f"{op}-1"]
    methods = COORD_METHODS if where == "coordinator" else WORKER_METHODS
    unary, _b, req_cls, _br, resp_cls, _bresp = methods[op]
    req = req_cls(file=common_pb2.SourceFile(path="deep", language=lang, content=code.encode()))
    if op == "parse":
        req.options.include_ast = True
        req.options.ast_max_depth = 2**32 - 1
        req.options.ast_max_nodes = 2**32 - 1
    if op == "scan":
        req.options.include_sarif = True
    if where == "coordinator":
        req.request_options.bypass_cache = True
    out = target.call(unary, req)
    assert out.code == grpc.StatusCode.OK, out
    resp = resp_cls.FromString(out.body)
    if op == "parse":
        assert len(resp.result.ast) <= 200000
        assert all(n.depth <= 256 for n in resp.result.ast)
    target.assert_alive()


# --------------------------------------------------------------------------- hostile nesting stays cheap

DEEP_CASES = [
    # tree-sitter's query cursor costs the square of the chain of invisible nodes that error recovery
    # builds under an ERROR node; codeintel.query queries such nodes piecewise. 90,000 open brackets
    # once took ~7 s of GIL-holding work in ParseService (symbols) and ScanService (rules).
    ("parse-1", "/codeintel.v1.ParseService/Parse", parse_pb2.ParseRequest, "deep.js", b"["),
    ("scan-1", "/codeintel.v1.ScanService/Scan", scan_pb2.ScanRequest, "deep.py", b"("),
    ("analyze-1", "/codeintel.v1.AnalyzeService/Analyze", analyze_pb2.AnalyzeRequest, "deep.js", b"a(b,"),
]


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _worker_cpu(target, pid: int, method: str, body: bytes) -> float:
    """CPU seconds the worker spends answering `body` (measured in its own CPU time, so the same
    on a busy machine as on an idle one)."""
    before = cpu_seconds(pid)
    out = target.raw(method, body)
    assert out.code == grpc.StatusCode.OK, out
    return cpu_seconds(pid) - before


def _wait_idle(pid: int, timeout: float = 120.0) -> float:
    """The worker's CPU time once it stops growing (it is idle again; a working process gets CPU
    every 0.2 s however busy the machine). `timeout` is a hang guard."""
    end, last = time.monotonic() + timeout, cpu_seconds(pid)
    while True:
        time.sleep(0.2)
        now = cpu_seconds(pid)
        if now == last:
            return now
        assert time.monotonic() < end, "the worker never went idle"
        last = now


def _hostile(req_cls, path: str, unit: bytes, n_bytes: int) -> bytes:
    return req_cls(file=common_pb2.SourceFile(path=path, content=unit * (n_bytes // len(unit)))).SerializeToString()


@pytest.mark.parametrize("name,method,req_cls,path,unit", DEEP_CASES, ids=[c[0] for c in DEEP_CASES])
def test_hostile_nesting_is_answered_and_health_keeps_answering(
    stack, targets, service_info, name, method, req_cls, path, unit
):
    target = targets[name]
    pid = stack.info["pids"][name]
    _wait_idle(pid)  # earlier tests' work on this worker is over
    # Sized from what it costs here: about a second of the worker's CPU (at most the file size limit),
    # so that the health check below comes while most of the work is still ahead.
    cost = _worker_cpu(target, pid, method, _hostile(req_cls, path, unit, 400_000))
    limit = service_info[name.rsplit("-", 1)[0]].max_file_bytes
    n_bytes = min(limit, int(400_000 * max(1.0, 1.0 / max(cost, 0.01))))
    expected = cost * n_bytes / 400_000
    with cf.ThreadPoolExecutor(1) as pool:
        before = cpu_seconds(pid)
        fut = pool.submit(target.raw, method, _hostile(req_cls, path, unit, n_bytes))
        # The worker is into the file (a tenth of its cost spent)...
        end = time.monotonic() + 60
        while cpu_seconds(pid) - before < expected / 10 and not fut.done():
            assert time.monotonic() < end, "the worker did not start on the file"
            time.sleep(0.005)
        assert not fut.done(), f"{name} answered the file before the health check could be made"
        # ...and still answers health checks (else the coordinator would mark it down): the answer
        # comes while the file is still being worked on, not after (10 s is a hang guard only).
        h = target.raw(HEALTH, health_pb2.HealthCheckRequest().SerializeToString(), timeout=10.0)
        assert h.code == grpc.StatusCode.OK, f"{name} does not answer a health check during a deep request: {h}"
        assert not fut.done(), f"{name} answered the health check only once the deep request was done"
        out = fut.result()
    assert out.code == grpc.StatusCode.OK, out
    target.assert_alive()


@pytest.mark.parametrize("name,method,req_cls,path,unit", DEEP_CASES[:2], ids=[c[0] for c in DEEP_CASES[:2]])
def test_work_stops_at_the_callers_deadline(stack, targets, name, method, req_cls, path, unit):
    """A 2 MiB hostile file with a deadline of a tenth of the time it needs: DEADLINE_EXCEEDED, and the
    worker stops working on it soon after instead of finishing abandoned work: it spends far less CPU
    on it than on the same file answered in full."""
    target = targets[name]
    pid = stack.info["pids"][name]
    content = unit * (2_000_000 // len(unit))
    body = req_cls(file=common_pb2.SourceFile(path=path, content=content)).SerializeToString()
    # The tree-sitter parse itself cannot be interrupted: its CPU cost (here, in this process's CPU
    # time) is spent whatever the deadline.
    t0 = time.process_time()
    languages.get_parser(languages.detect(path, "", content)).parse(content)
    parse_cpu = time.process_time() - t0
    _wait_idle(pid)
    t0 = time.monotonic()
    full = _worker_cpu(target, pid, method, body)
    full_wall = time.monotonic() - t0
    assert full > 2 * parse_cpu, (full, parse_cpu)  # most of the work can be stopped
    before = _wait_idle(pid)
    out = target.raw(method, body, timeout=full_wall / 10)
    assert out.code == grpc.StatusCode.DEADLINE_EXCEEDED, out
    cut = _wait_idle(pid) - before
    # At most the parse and a little more: not even half of the work after the parse.
    assert cut < parse_cpu + (full - parse_cpu) / 2, f"{name} kept working after the caller's deadline: {cut=}"
    print(f"{name}: {full:.2f} s of CPU in full, {cut:.2f} s cut at the deadline (parse alone {parse_cpu:.2f} s)")
    target.assert_alive()
