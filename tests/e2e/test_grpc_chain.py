"""End to end over gRPC: client -> coordinator -> worker processes, all real."""

from __future__ import annotations

import json
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from codeintel.v1 import common_pb2, coordinator_pb2_grpc, parse_pb2, scan_pb2
from codeintel.v1 import coordinator_pb2 as c

PY = b"""import os
import subprocess


class Store:
    def save(self, item, force=False):
        if item and not force:
            return 1
        for x in item:
            if x:
                os.system("echo " + x)
        return 0


def handler(request):
    cmd = request.args["cmd"]
    subprocess.call(cmd, shell=True)
"""

JS = b"""import fs from "fs";
function render(el, html) {
  if (html) { el.innerHTML = html; }
  return el;
}
class View { draw(x) { return x ? 1 : 2; } }
"""


@pytest.fixture(scope="module")
def api(channel):
    return coordinator_pb2_grpc.CodeIntelServiceStub(channel)


@pytest.fixture(scope="module")
def admin(channel):
    return coordinator_pb2_grpc.AdminServiceStub(channel)


def src(path, content, language=""):
    return common_pb2.SourceFile(path=path, content=content, language=language)


def test_parse_python_symbols(api):
    r = api.Parse(c.CodeIntelServiceParseRequest(file=src("store.py", PY)), timeout=30)
    res = r.result
    assert res.language == "python" and not res.has_errors
    names = {(s.qualified_name, parse_pb2.SymbolKind.Name(s.kind)) for s in res.symbols}
    assert ("Store", "SYMBOL_KIND_CLASS") in names
    assert ("Store.save", "SYMBOL_KIND_METHOD") in names
    assert ("handler", "SYMBOL_KIND_FUNCTION") in names
    assert any(s.kind == parse_pb2.SYMBOL_KIND_IMPORT and s.name == "subprocess" for s in res.symbols)
    save = next(s for s in res.symbols if s.qualified_name == "Store.save")
    assert PY[save.selection_range.start_byte : save.selection_range.end_byte] == b"save"
    assert res.symbols[save.parent_index].name == "Store"
    assert r.info.worker and r.info.service_version and r.info.attempts == 1


def test_parse_ast_bounded_and_errors(api):
    r = api.Parse(
        c.CodeIntelServiceParseRequest(
            file=src("broken.js", b"function f( { return 1 }\n"),
            options=parse_pb2.ParseOptions(include_ast=True, ast_max_nodes=5),
        ),
        timeout=30,
    )
    assert r.result.has_errors and r.result.errors
    assert len(r.result.ast) == 5 and r.result.ast_truncated
    assert r.result.ast[0].parent_index == -1


def test_analyze_metrics(api):
    r = api.Analyze(c.CodeIntelServiceAnalyzeRequest(file=src("store.py", PY)), timeout=30)
    res = r.result
    assert res.lines.total == PY.count(b"\n")
    assert res.lines.blank == 4
    save = next(f for f in res.functions if f.qualified_name == "Store.save")
    # 1 + if + and + for + if
    assert save.cyclomatic_complexity == 5
    assert save.parameter_count == 2
    assert save.max_nesting_depth == 2
    assert res.max_cyclomatic_complexity == 5


def test_scan_findings_and_sarif(api):
    r = api.Scan(
        c.CodeIntelServiceScanRequest(file=src("store.py", PY), options=scan_pb2.ScanOptions(include_sarif=True)),
        timeout=30,
    )
    cwes = {f.cwe for f in r.result.findings}
    assert "CWE-78" in cwes
    shell = [f for f in r.result.findings if f.range.start.line == 16]
    assert shell and shell[0].severity >= scan_pb2.SEVERITY_HIGH and len(shell[0].fingerprint) == 64
    sarif = json.loads(r.sarif_json)
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) == len(r.result.findings)


def test_baseline_suppresses_accepted_findings_only(api):
    first = api.Scan(c.CodeIntelServiceScanRequest(file=src("base.py", PY)), timeout=30).result
    assert len(first.findings) >= 2
    accepted = first.findings[0]
    opts = scan_pb2.ScanOptions(baseline_fingerprints=[accepted.fingerprint], include_suppressed=True)
    again = api.Scan(c.CodeIntelServiceScanRequest(file=src("base.py", PY), options=opts), timeout=30).result
    marks = {f.fingerprint: f.suppression for f in again.findings}
    assert marks[accepted.fingerprint] == scan_pb2.SUPPRESSION_BASELINE
    assert all(v == scan_pb2.SUPPRESSION_UNSPECIFIED for k, v in marks.items() if k != accepted.fingerprint)
    quiet = api.Scan(
        c.CodeIntelServiceScanRequest(
            file=src("base.py", PY), options=scan_pb2.ScanOptions(baseline_fingerprints=[accepted.fingerprint])
        ),
        timeout=30,
    ).result
    assert len(quiet.findings) == len(first.findings) - 1 and quiet.suppressed_count == first.suppressed_count + 1
    assert all(f.owasp.startswith("A0") or f.owasp.startswith("A10") for f in first.findings)


def test_list_rules_through_the_coordinator(api):
    every = api.ListRules(c.CodeIntelServiceListRulesRequest(), timeout=30)
    ids = [r.id for r in every.rules]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) and every.service_version.startswith("scan")
    py = api.ListRules(c.CodeIntelServiceListRulesRequest(language="python"), timeout=30).rules
    assert py and all("python" in r.languages for r in py) and len(py) < len(ids)
    assert all(r.cwe.startswith("CWE-") and r.owasp and r.description for r in every.rules)
    with pytest.raises(grpc.RpcError) as ei:
        api.ListRules(c.CodeIntelServiceListRulesRequest(language="cobol"), timeout=30)
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "scanning supports" in (ei.value.details() or "")


def test_scan_javascript_xss(api):
    r = api.Scan(c.CodeIntelServiceScanRequest(file=src("view.js", JS)), timeout=30)
    assert any(f.cwe == "CWE-79" for f in r.result.findings)


def test_second_call_is_a_cache_hit(api):
    req = c.CodeIntelServiceAnalyzeRequest(file=src(f"fresh_{time.time_ns()}.js", JS))
    first = api.Analyze(req, timeout=30)
    second = api.Analyze(req, timeout=30)
    assert first.info.cache == c.CACHE_STATUS_MISS
    assert second.info.cache == c.CACHE_STATUS_HIT_L1
    assert second.result == first.result
    bypass = api.Analyze(
        c.CodeIntelServiceAnalyzeRequest(file=req.file, request_options=c.RequestOptions(bypass_cache=True)), timeout=30
    )
    assert bypass.info.cache == c.CACHE_STATUS_MISS


def test_batches_keep_order_and_report_per_file_errors(api):
    tag = str(time.time_ns()).encode()
    files = [src(f"f{i}.py", b"def f%d():\n    return %s\n" % (i, tag)) for i in range(40)]
    files.insert(7, src("bin.py", b"\x00\x01\x02"))
    files.insert(9, src("latin1.py", "x = 'é'\n".encode("latin-1")))
    files.insert(11, src("what.unknownext", b"hello"))
    r = api.ParseBatch(c.CodeIntelServiceParseBatchRequest(files=files), timeout=60)
    assert len(r.results) == len(files)
    for f, res in zip(files, r.results, strict=True):
        if f.path == "bin.py":
            assert res.error.code == common_pb2.FILE_ERROR_CODE_BINARY
        elif f.path == "latin1.py":
            assert res.error.code == common_pb2.FILE_ERROR_CODE_INVALID_ENCODING
        elif f.path == "what.unknownext":
            assert res.error.code == common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE
        else:
            assert res.result.path == f.path
            assert res.result.symbols[0].name == f.path[:-3]
    assert r.info.computed == 40
    again = api.ParseBatch(c.CodeIntelServiceParseBatchRequest(files=files), timeout=60)
    assert again.info.cache_hits == 40


def test_scan_and_analyze_batches(api):
    files = [src("a.py", PY), src("b.js", JS)]
    s = api.ScanBatch(
        c.CodeIntelServiceScanBatchRequest(files=files, options=scan_pb2.ScanOptions(include_sarif=True)), timeout=60
    )
    assert [r.result.path for r in s.results] == ["a.py", "b.js"]
    sarif = json.loads(s.sarif_json)
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]}
    assert uris == {"a.py", "b.js"}
    a = api.AnalyzeBatch(c.CodeIntelServiceAnalyzeBatchRequest(files=files), timeout=60)
    assert [r.result.language for r in a.results] == ["python", "javascript"]


# --- bad input: a clear status, and the stack keeps serving ------------------------------


def _status(err: grpc.RpcError):
    st = rpc_status.from_call(err)
    return err.code(), err.details(), st


@pytest.mark.parametrize(
    "file,fragment",
    [
        (src("big.py", b"x = 1\n" * (10 * 1024 * 1024 // 6)), "limit"),
        (src("blob.py", bytes(range(256)) * 10), "binary"),
        (src("bad.py", b"x = '\xff\xfe'\n"), "UTF-8"),
        (src("a.cobol", b"IDENTIFICATION DIVISION."), "language"),
        (src("a.py", b"x", language="klingon"), "unknown language"),
    ],
)
def test_bad_input_is_invalid_argument(api, file, fragment):
    for call, req in (
        (api.Parse, c.CodeIntelServiceParseRequest(file=file)),
        (api.Analyze, c.CodeIntelServiceAnalyzeRequest(file=file)),
        (api.Scan, c.CodeIntelServiceScanRequest(file=file)),
    ):
        with pytest.raises(grpc.RpcError) as ei:
            call(req, timeout=30)
        code, details, _ = _status(ei.value)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, details
        assert fragment.lower() in details.lower()
        assert "Traceback" not in details
    ok = api.Parse(c.CodeIntelServiceParseRequest(file=src("ok.py", b"x = 1\n")), timeout=30)
    assert ok.result.language == "python"


def test_unsupported_language_for_metrics(api):
    with pytest.raises(grpc.RpcError) as ei:
        api.Analyze(c.CodeIntelServiceAnalyzeRequest(file=src("style.css", b"a { color: red; }")), timeout=30)
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_expired_deadline(api):
    with pytest.raises(grpc.RpcError) as ei:
        api.Parse(c.CodeIntelServiceParseRequest(file=src("x.py", b"x = 1\n" * 20000)), timeout=0.0001)
    assert ei.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # A deadline that passes while workers are busy with a large batch.
    files = [src(f"slow{i}_{time.time_ns()}.py", b"def f(a):\n    return a\n" * 3000) for i in range(300)]
    with pytest.raises(grpc.RpcError) as ei:
        api.ParseBatch(c.CodeIntelServiceParseBatchRequest(files=files), timeout=0.2)
    assert ei.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert api.Parse(c.CodeIntelServiceParseRequest(file=src("y.py", b"y = 2\n")), timeout=30).result.language


def test_batch_over_limit(api):
    files = [src(f"{i}.py", b"") for i in range(1001)]
    with pytest.raises(grpc.RpcError) as ei:
        api.ParseBatch(c.CodeIntelServiceParseBatchRequest(files=files), timeout=30)
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "1000" in (ei.value.details() or "")


def test_deep_nesting_is_handled(api):
    deep = b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    r = api.Parse(
        c.CodeIntelServiceParseRequest(file=src("deep.py", deep), options=parse_pb2.ParseOptions(include_ast=True)),
        timeout=60,
    )
    assert r.result.ast_truncated
    a = api.Analyze(c.CodeIntelServiceAnalyzeRequest(file=src("deep.py", deep)), timeout=60)
    assert a.result.lines.total == 1
    s = api.Scan(c.CodeIntelServiceScanRequest(file=src("deep.py", deep)), timeout=60)
    assert s.result.path == "deep.py"


# --- admin, health -----------------------------------------------------------------------


def test_admin_stats_and_workers(api, admin):
    api.Parse(c.CodeIntelServiceParseRequest(file=src("s.py", b"def s(): pass\n")), timeout=30)
    stats = admin.GetStats(c.GetStatsRequest(), timeout=10)
    assert stats.workers_total == 6 and stats.workers_serving == 6
    parse = next(o for o in stats.operations if o.operation == "parse")
    assert parse.requests >= 1 and parse.files >= 1
    assert stats.caches[0].tier == "l1" and stats.caches[0].entries >= 1
    workers = admin.ListWorkers(c.ListWorkersRequest(service="codeintel.v1.ParseService"), timeout=10).workers
    assert len(workers) == 2 and all(w.state == c.WORKER_STATE_SERVING and w.version for w in workers)


def test_health_of_coordinator(channel):
    h = health_pb2_grpc.HealthStub(channel)
    for name in ("", "codeintel.v1.CodeIntelService", "codeintel.v1.AdminService"):
        assert (
            h.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status
            == health_pb2.HealthCheckResponse.SERVING
        )


def test_identical_concurrent_requests_reach_a_worker_once(api, admin):
    import concurrent.futures as cf

    body = b"".join(b"def g%d(a):\n    return a\n" % i for i in range(6000)) + str(time.time_ns()).encode()
    req = c.CodeIntelServiceParseRequest(file=src("same.py", body))

    def calls():
        return sum(w.calls for w in admin.ListWorkers(c.ListWorkersRequest(service="parse"), timeout=10).workers)

    before = calls()
    with cf.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: api.Parse(req, timeout=60), range(8)))
    statuses = [r.info.cache for r in results]
    assert statuses.count(c.CACHE_STATUS_MISS) == 1
    assert set(statuses) <= {c.CACHE_STATUS_MISS, c.CACHE_STATUS_MERGED, c.CACHE_STATUS_HIT_L1}
    assert calls() - before == 1
    assert all(r.result == results[0].result for r in results)


def test_undecodable_request_to_the_coordinator(channel):
    raw = channel.unary_unary(
        "/codeintel.v1.CodeIntelService/ParseBatch", request_serializer=lambda b: b, response_deserializer=lambda b: b
    )
    with pytest.raises(grpc.RpcError) as ei:
        raw(b"\x0a\xff\xff\xff\xff\x0f", timeout=10)
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "CodeIntelServiceParseBatchRequest" in (ei.value.details() or "")
