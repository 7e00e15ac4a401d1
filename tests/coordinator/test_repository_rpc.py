"""CodeIntelService.RunRepository against a REAL stack (`codeintel up`: coordinator + one worker per
service, as subprocesses on loopback) whose coordinator has --repo-roots and tenants: the stream's
events, skip reasons, cache reuse on a re-run, the deadline and cancellation stopping the workers'
calls, the root checks, tenant admission and billing, and grpcurl through reflection."""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import uuid

import grpc
import pytest

from codeintel.ops.stack import LocalStack
from codeintel.repo import RunLimits
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import coordinator_pb2_grpc, parse_pb2, scan_pb2
from coordinator.config import CoordinatorConfig
from coordinator.tenants import hash_key
from tests.e2e.test_grpcurl import grpcurl

ACME, TINY = "ci_acme-repo-key-0123456789", "ci_tiny-repo-key-0123456789"
SOLO = "ci_solo-repo-key-0123456789"  # one call at a time: a call admitted again means the last one ended
R = pb.RepositorySkipReason
OP = {
    "parse": pb.REPOSITORY_OPERATION_PARSE,
    "analyze": pb.REPOSITORY_OPERATION_ANALYZE,
    "scan": pb.REPOSITORY_OPERATION_SCAN,
}


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    return tmp_path_factory.mktemp("allowed"), tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="module")
def repo_stack(roots, tmp_path_factory):
    tenants = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    tenants.write_text(f"""
[tiers.standard]
rate = 1000
burst = 1000
[tiers.tiny]
rate = 1000
burst = 1000
bytes_per_second = 100
bytes_burst = 2000
[tiers.solo]
rate = 1000
burst = 1000
max_concurrent = 1
[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(ACME)}"]
[[tenants]]
id = "tiny"
tier = "tiny"
keys = ["{hash_key(TINY)}"]
[[tenants]]
id = "solo"
tier = "solo"
keys = ["{hash_key(SOLO)}"]
""")
    stack = LocalStack(
        workers=1,
        extra_args=[f"--coordinator-arg=--repo-roots={roots[0]}", f"--coordinator-arg=--tenants-file={tenants}"],
    )
    stack.start(timeout=120)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def chan(repo_stack):
    ch = grpc.insecure_channel(repo_stack.address)
    yield ch
    ch.close()


def _key(key: str = ACME):
    return (("authorization", f"Bearer {key}"),)


def _stream(chan, root, op: str = "scan", *, key: str = ACME, timeout: float = 60, **kw):
    req = pb.CodeIntelServiceRunRepositoryRequest(operation=OP[op], root=str(root), **kw)
    return coordinator_pb2_grpc.CodeIntelServiceStub(chan).RunRepository(req, timeout=timeout, metadata=_key(key))


def _events(chan, root, op: str = "scan", **kw) -> list[pb.CodeIntelServiceRunRepositoryResponse]:
    return list(_stream(chan, root, op, **kw))


def _code(chan, root, op: str = "scan", **kw) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as e:
        _events(chan, root, op, **kw)
    return e.value.code(), e.value.details() or ""


def _write(root, rel: str, data: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def _split(events):
    kinds = [e.WhichOneof("event") for e in events]
    results = [r for e in events if e.HasField("results") for r in e.results.results]
    skipped = [s for e in events if e.HasField("skipped") for s in e.skipped.files]
    progress = [e.progress for e in events if e.HasField("progress")]
    return kinds, results, skipped, progress, events[-1].summary


def _worker_calls(chan, service: str) -> int:
    resp = coordinator_pb2_grpc.AdminServiceStub(chan).ListWorkers(pb.ListWorkersRequest(), timeout=10, metadata=_key())
    return sum(w.calls for w in resp.workers if w.service == service)


def _files_received(chan, op: str) -> int:
    stats = coordinator_pb2_grpc.AdminServiceStub(chan).GetStats(pb.GetStatsRequest(), timeout=10, metadata=_key())
    return next(o.files for o in stats.operations if o.operation == op)


def _ended(chan, roots, key: str = SOLO, timeout: float = 60.0) -> None:
    """Wait until the last run of `key` (a tenant with one call at a time) has ended on the server:
    a new call is admitted again (and refused for its root, so it does no work). A hang guard only."""
    end = time.monotonic() + timeout
    while True:
        code, details = _code(chan, roots[1], key=key)
        if code == grpc.StatusCode.PERMISSION_DENIED:
            return
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "too many calls in flight" in details, details
        assert time.monotonic() < end, f"the last run still holds its slot after {timeout} s"
        time.sleep(0.02)


def _idle(chan, op: str, timeout: float = 60.0) -> None:
    """Wait until the coordinator has no `op` work queued or in flight to a worker (a hang guard)."""
    end = time.monotonic() + timeout
    while True:
        stats = coordinator_pb2_grpc.AdminServiceStub(chan).GetStats(pb.GetStatsRequest(), timeout=10, metadata=_key())
        o = next(o for o in stats.operations if o.operation == op)
        if o.in_flight == 0 and o.queue_depth == 0:
            return
        assert time.monotonic() < end, f"{op} work still in flight after {timeout} s"
        time.sleep(0.05)


# How RunRepository batches (coordinator/repository.py: codeintel.repo.RunLimits with batches of at
# most 64 files, the --max-batch-files default being larger): files per batch, batches in flight.
BATCH_FILES, IN_FLIGHT = 64, RunLimits().in_flight


@pytest.fixture(scope="module")
def files_per_second(chan, roots):
    """op -> files of `vulnerable(..., body_lines=600)` a run gets through per second on this machine
    now, with its batches in flight as in any run (measured on IN_FLIGHT batches of fresh files)."""
    rates = {}
    for op in ("scan", "analyze"):
        base = roots[0] / f"rate-{op}"
        n = BATCH_FILES * IN_FLIGHT
        vulnerable(base, n, body_lines=600)
        summary = _events(chan, base, op, timeout=300)[-1].summary
        assert summary.complete and summary.computed == n, summary
        rates[op] = n / summary.elapsed_seconds  # the run's own time: sending and answering batches
    return rates


def _files_for(rate: float, seconds: float) -> int:
    """Whole batches of files that take at least `seconds` at `rate` files/s, and more batches than
    can be in flight at once."""
    return BATCH_FILES * max(IN_FLIGHT + 2, math.ceil(rate * seconds / BATCH_FILES))


def vulnerable(root, n: int, *, body_lines: int = 0, subdir: str = "svc") -> None:
    """n python files, each with a shell-injection finding; content unique to this call."""
    tag = uuid.uuid4().hex
    filler = "".join(
        f"\ndef helper_{j}(x):\n    if x > {j}:\n        return x - {j}\n    return x\n" for j in range(body_lines // 5)
    )
    for i in range(n):
        _write(
            root, f"{subdir}/m{i:03d}.py", f"import os\n# {tag}\n\n\ndef run_{i}(cmd):\n    os.system(cmd)\n{filler}"
        )


def test_full_run_streams_progress_results_skips_and_summary(chan, roots, tmp_path_factory):
    base = roots[0] / "full"
    vulnerable(base, 5, subdir="src")
    _write(base, "src/lib.js", "function f(x) { return eval(x); }\n")
    _write(base, ".gitignore", "generated/\n*.log.py\n")
    _write(base, "generated/out.py", "x = 1\n")
    _write(base, "src/debug.log.py", "y = 2\n")
    _write(base, "src/blob.py", b"\x00\x01\x02 binary")
    _write(base, "src/huge.py", "# " + "x" * (2 * 1024 * 1024 + 10) + "\n")
    _write(base, "README.unknownext", "no grammar for this\n")
    _write(base, "node_modules/dep/index.js", "module.exports = 1;\n")
    outside = roots[1] / "secret.py"
    outside.write_text("password = 'hunter2'\n")
    os.symlink(outside, base / "src" / "escape.py")

    events = _events(chan, base, "scan")
    kinds, results, skipped, progress, summary = _split(events)
    assert kinds[0] == "progress" and progress[0].files_done == 0 and progress[0].files_total == 7
    assert kinds[-1] == "summary" and kinds.count("summary") == 1
    assert progress[-1].files_done == progress[-1].files_total == 7
    assert sorted(r.path for r in results) == sorted([f"src/m{i:03d}.py" for i in range(5)] + ["src/lib.js"])
    assert all(r.cache == pb.CACHE_STATUS_MISS and r.WhichOneof("result") == "scan" for r in results)
    assert all(any(f.rule_id for f in r.scan.findings) for r in results if r.path.endswith(".py"))
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {
        "generated/": R.REPOSITORY_SKIP_REASON_IGNORED,
        "src/debug.log.py": R.REPOSITORY_SKIP_REASON_IGNORED,
        "node_modules/": R.REPOSITORY_SKIP_REASON_EXCLUDED,
        "src/escape.py": R.REPOSITORY_SKIP_REASON_SYMLINK,
        "src/blob.py": R.REPOSITORY_SKIP_REASON_BINARY,
        "src/huge.py": R.REPOSITORY_SKIP_REASON_TOO_LARGE,
        "README.unknownext": R.REPOSITORY_SKIP_REASON_NO_GRAMMAR,
        ".gitignore": R.REPOSITORY_SKIP_REASON_NO_GRAMMAR,
    }
    assert "hunter2" not in str(events)
    assert summary.complete and not summary.stopped
    assert summary.processed == len(results) == 6 and summary.computed == 6 and summary.reused == 0
    assert summary.skipped == 6 and summary.directories_skipped == 2 and summary.not_processed == 0
    assert summary.files_found == summary.processed + summary.skipped + summary.not_processed == 12
    assert {c.reason: c.count for c in summary.skipped_by_reason} == {
        R.REPOSITORY_SKIP_REASON_IGNORED: 2,
        R.REPOSITORY_SKIP_REASON_NO_GRAMMAR: 2,
        R.REPOSITORY_SKIP_REASON_EXCLUDED: 1,
        R.REPOSITORY_SKIP_REASON_SYMLINK: 1,
        R.REPOSITORY_SKIP_REASON_BINARY: 1,
        R.REPOSITORY_SKIP_REASON_TOO_LARGE: 1,
    }
    aggregate = json.loads(summary.summary_json)
    assert aggregate["total_findings"] == sum(len(r.scan.findings) for r in results) >= 5
    assert "6 files processed (6 computed, 0 reused from cache)" in summary.summary_text

    # include/exclude globs and the operation's options
    events = _events(
        chan,
        base,
        "parse",
        include=["src/**"],
        exclude=["*.js"],
        parse_options=parse_pb2.ParseOptions(include_ast=False),
    )
    _, results, skipped, _, summary = _split(events)
    assert sorted(r.path for r in results) == [f"src/m{i:03d}.py" for i in range(5)]
    assert all(r.parse.symbols for r in results) and "src/lib.js" in {s.path for s in skipped}
    assert summary.out_of_scope > 0


def test_rerun_after_editing_two_files_recomputes_exactly_those(chan, roots):
    base = roots[0] / "rerun"
    vulnerable(base, 12)
    for op in ("parse", "analyze", "scan"):
        first = _events(chan, base, op)[-1].summary
        assert first.processed == 12 and first.computed == 12 and first.reused == 0, op
    for i in (3, 7):
        with open(base / "svc" / f"m{i:03d}.py", "a") as fh:
            fh.write(f"\n# edited {uuid.uuid4().hex}\n")
    for op in ("parse", "analyze", "scan"):
        _, results, _, progress, summary = _split(_events(chan, base, op))
        assert summary.processed == 12 and summary.computed == 2 and summary.reused == 10, op
        assert progress[-1].computed == 2 and progress[-1].reused == 10
        assert {r.path for r in results if r.cache == pb.CACHE_STATUS_MISS} == {"svc/m003.py", "svc/m007.py"}


def test_off_without_repo_roots_is_failed_precondition(tmp_path):
    with LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"]) as stack:
        with grpc.insecure_channel(stack.address) as ch:
            req = pb.CodeIntelServiceRunRepositoryRequest(operation=pb.REPOSITORY_OPERATION_PARSE, root=str(tmp_path))
            with pytest.raises(grpc.RpcError) as e:
                list(coordinator_pb2_grpc.CodeIntelServiceStub(ch).RunRepository(req, timeout=30))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "--repo-roots" in (e.value.details() or "") and "CODEINTEL_REPO_ROOTS" in (e.value.details() or "")


def test_roots_outside_escaping_missing_or_not_directories_are_refused(chan, roots):
    allowed, outside = roots
    (outside / "x.py").write_text("x = 1\n")
    os.symlink(outside, allowed / "link-out")
    (allowed / "plain.py").write_text("x = 1\n")
    for root in (outside, "/", f"{allowed}/../{outside.name}", allowed / "link-out", "relative/dir"):
        code, details = _code(chan, root)
        assert code == grpc.StatusCode.PERMISSION_DENIED, root
        assert "outside the allowed roots" in details and str(allowed) in details
    assert _code(chan, allowed / "nope")[0] == grpc.StatusCode.NOT_FOUND
    code, details = _code(chan, allowed / "plain.py")
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "not a directory" in details
    code, details = _code(chan, allowed, "parse", scan_options=scan_pb2.ScanOptions())
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "scan_options" in details
    req = pb.CodeIntelServiceRunRepositoryRequest(root=str(allowed))
    with pytest.raises(grpc.RpcError) as e:
        list(coordinator_pb2_grpc.CodeIntelServiceStub(chan).RunRepository(req, timeout=30, metadata=_key()))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "operation" in (e.value.details() or "")


def test_tenants_are_admitted_and_billed_like_batch_calls(chan, roots):
    base = roots[0] / "tenants"
    vulnerable(base, 6, body_lines=40)
    code, details = _code(chan, base, key="")
    assert code == grpc.StatusCode.UNAUTHENTICATED
    code, _ = _code(chan, base, key="ci_not-a-known-key-000000000")
    assert code == grpc.StatusCode.UNAUTHENTICATED
    # The run's batches are billed to the tenant's byte budget as batch calls are: the first run
    # (from an idle budget) goes through and overdraws it by far; the next call is then refused.
    first = _events(chan, base, key=TINY)[-1].summary
    assert first.processed == 6 and first.complete
    code, details = _code(chan, base, key=TINY)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "bytes" in details
    summary = _events(chan, base, key=ACME)[-1].summary
    assert summary.processed == 6 and summary.complete


def test_deadline_stops_the_work_and_ends_with_a_partial_summary(chan, roots, files_per_second, request):
    timeout = 2.0  # the run's own deadline is a little earlier, so that the summary goes out in time
    # Work for 4 times the deadline at the pace just measured: batches are left unsent at the deadline
    # even if the machine got several times faster meanwhile.
    n = _files_for(files_per_second["scan"], 4 * timeout)
    base = roots[0] / "deadline"
    vulnerable(base, n, body_lines=600)  # unique content: every file is real work
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    before = _files_received(chan, "scan")
    events = _events(chan, base, "scan", key=SOLO, timeout=timeout)  # it ends normally, with a summary
    calls = _worker_calls(chan, "codeintel.v1.ScanService")
    received = _files_received(chan, "scan") - before
    _, results, skipped, _, summary = _split(events)
    assert not summary.complete and summary.stopped == "deadline"
    assert summary.not_processed > 0 and summary.processed == len(results)
    assert summary.skipped == 0  # every file is one the workers take
    assert summary.files_found == summary.processed + summary.not_processed == n
    assert sum(1 for s in skipped if s.reason == R.REPOSITORY_SKIP_REASON_NOT_PROCESSED) == summary.not_processed
    assert f"{summary.not_processed} files were not processed" in summary.summary_text
    # The files the run never sent are those it says so of; the coordinator's batch path received
    # every other one, and no more.
    never_sent = sum(1 for s in skipped if s.message == "the deadline passed before it was sent")
    assert never_sent > 0  # batches after the deadline were never sent
    assert received == n - never_sent
    # Sent but not processed: only the batches in flight when the deadline came.
    assert 0 <= received - summary.processed <= IN_FLIGHT * BATCH_FILES
    print(
        f"deadline run: {n} files (at {files_per_second['scan']:.0f} files/s measured), {received} sent, "
        f"{summary.processed} processed, {never_sent} never sent"
    )
    # The summary came after the run's last batch had ended: nothing more reaches the workers, once
    # the call has ended (its slot is free again) and the coordinator is idle.
    _ended(chan, roots)
    _idle(chan, "scan")
    assert _worker_calls(chan, "codeintel.v1.ScanService") == calls
    assert _files_received(chan, "scan") - before == received


def test_cross_file_run_keeps_its_deadline_and_ends_with_a_partial_summary(chan, roots, files_per_second, request):
    timeout = 2.0
    n = _files_for(files_per_second["scan"], 4 * timeout)
    base = roots[0] / "deadline-cross"
    vulnerable(base, n, body_lines=600)
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    events = _events(chan, base, "scan", key=SOLO, timeout=timeout, scan_options=scan_pb2.ScanOptions(cross_file=True))
    _, results, skipped, _, summary = _split(events)  # it ends normally, with a summary
    assert not summary.complete and summary.stopped == "deadline"
    assert summary.files_found == summary.processed + summary.not_processed == n
    cross = json.loads(summary.summary_json)["cross_file"]
    assert 0 < cross["sent"] <= n  # pass 1 summarised what it could in its share of the time
    _ended(chan, roots)
    _idle(chan, "scan")


def test_cancel_stops_the_workers_calls(chan, roots, files_per_second, request):
    # Work for far longer than a cancel takes to arrive (4 s at the pace just measured).
    n = _files_for(files_per_second["analyze"], 4)
    base = roots[0] / "cancel"
    vulnerable(base, n, body_lines=600)
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    before = _files_received(chan, "analyze")
    call = _stream(chan, base, "analyze", key=SOLO, timeout=120)
    for event in call:
        if event.HasField("results"):
            break  # some work is done, most is not
    call.cancel()
    _ended(chan, roots)  # the server has ended the call: the run and its batches are cancelled
    calls = _worker_calls(chan, "codeintel.v1.AnalyzeService")
    received = _files_received(chan, "analyze") - before
    assert 0 < received < n
    # Cancelled, the run sends nothing more: once the coordinator is idle, nothing has been added.
    _idle(chan, "analyze")
    assert _worker_calls(chan, "codeintel.v1.AnalyzeService") == calls
    assert _files_received(chan, "analyze") - before == received
    # the coordinator is fine afterwards
    assert _events(chan, base, "parse", include=["svc/m000.py"])[-1].summary.processed == 1


def test_grpcurl_calls_it_through_reflection(repo_stack, roots):
    base = roots[0] / "grpcurl"
    vulnerable(base, 3)
    req = json.dumps({"operation": "REPOSITORY_OPERATION_PARSE", "root": str(base)})
    out = grpcurl(
        "-H",
        f"authorization: Bearer {ACME}",
        "-d",
        req,
        repo_stack.address,
        "codeintel.v1.CodeIntelService/RunRepository",
    )
    assert out.returncode == 0, out.stderr
    decoder, text, messages = json.JSONDecoder(), out.stdout.strip(), []
    while text:  # one JSON object per streamed message
        msg, end = decoder.raw_decode(text)
        messages.append(msg)
        text = text[end:].strip()
    assert "progress" in messages[0] and "summary" in messages[-1]
    assert messages[-1]["summary"]["processed"] == 3 and messages[-1]["summary"]["complete"] is True
    paths = sorted(r["path"] for m in messages if "results" in m for r in m["results"]["results"])
    assert paths == ["svc/m000.py", "svc/m001.py", "svc/m002.py"]


def test_bad_repo_roots_flag_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        CoordinatorConfig.from_args(["--parse-workers", "127.0.0.1:1", "--repo-roots", str(tmp_path / "missing")])
    assert "--repo-roots" in capsys.readouterr().err
    cfg = CoordinatorConfig.from_args(["--parse-workers", "127.0.0.1:1", "--repo-roots", f" {tmp_path} ,"])
    assert cfg.repo_roots == (os.path.realpath(tmp_path),)
    assert CoordinatorConfig.from_args(["--parse-workers", "127.0.0.1:1"]).repo_roots == ()


def test_cli_server_side_runs_the_rpc(repo_stack, roots):
    import subprocess
    import sys

    base = roots[0] / "cli"
    vulnerable(base, 4)
    _write(base, "svc/blob.py", b"\x00binary")
    argv = [
        sys.executable,
        "-m",
        "codeintel",
        "scan",
        str(base),
        "--server-side",
        "--coordinator",
        repo_stack.address,
        "--api-key",
        ACME,
        "--format",
        "json",
    ]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr  # the binary file is a failure of the run, as without --server-side
    assert sorted(x["path"] for x in json.loads(r.stdout)) == [f"svc/m{i:03d}.py" for i in range(4)]
    assert "4 files processed" in r.stderr and "svc/blob.py: binary: contains NUL bytes" in r.stderr
    r = subprocess.run(
        argv[:5] + ["--server-side", "--coordinator", repo_stack.address], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 1 and "UNAUTHENTICATED" in r.stderr


WRAPPER_JAVA = """package app.helpers;
public class RequestWrapper {
    private HttpServletRequest request;
    public RequestWrapper(HttpServletRequest request) { this.request = request; }
    public String getTheParameter(String p) { return request.getParameter(p); }
}
"""
NUMBER_JAVA = """package app.helpers;
public class Numbers {
    public String clean(String s) { return String.valueOf(Integer.parseInt(s)); }
}
"""
SERVLET_JAVA = """package app;
public class Servlet {
    void doGet(HttpServletRequest request, Statement st) throws Exception {
        RequestWrapper w = new RequestWrapper(request);
        st.executeQuery("SELECT * FROM t WHERE id = " + w.getTheParameter("id"));
        Numbers n = new Numbers();
        st.executeUpdate("DELETE FROM t WHERE id = " + n.clean(request.getParameter("id")));
    }
}
"""


def test_a_scan_run_finds_flows_through_helpers_in_other_files(chan, roots):
    base = roots[0] / f"crossfile-{uuid.uuid4().hex[:8]}"
    _write(base, "src/helpers/RequestWrapper.java", WRAPPER_JAVA)
    _write(base, "src/helpers/Numbers.java", NUMBER_JAVA)
    _write(base, "src/Servlet.java", SERVLET_JAVA)
    # without asking, one pass: the wrapper is a call the servlet's file cannot see into
    _, results, _, _, summary = _split(_events(chan, base, key=ACME))
    servlet = next(r.scan for r in results if r.path == "src/Servlet.java")
    assert "cross_file" not in json.loads(summary.summary_json)
    assert not any("RequestWrapper.getTheParameter" in s.message for f in servlet.findings for s in f.flow)
    _, results, _, _, summary = _split(
        _events(chan, base, key=ACME, scan_options=scan_pb2.ScanOptions(cross_file=True))
    )
    assert summary.complete and summary.processed == 3
    servlet = next(r.scan for r in results if r.path == "src/Servlet.java")
    sql = [f for f in servlet.findings if f.rule_id == "java.taint.sql-injection"]
    # the wrapper's request data reaches executeQuery (line 5); Numbers.clean's parseInt makes line 7 safe
    assert [f.range.start.line + 1 for f in sql] == [5]
    assert "RequestWrapper.getTheParameter() (src/helpers/RequestWrapper.java:5)" in sql[0].flow[0].message
    assert not any(r.scan.summaries for r in results)  # pass 1 is not streamed as results
    cross = json.loads(summary.summary_json)["cross_file"]
    assert cross == {"functions": 3, "files": 3, "sent": 3, "files_using": 1}  # doGet is summarised too
    assert "cross-file summaries used: 3 function summaries" in summary.summary_text
