"""Hardening at the limits, on the workers directly and on the coordinator: files at and past the size
and batch limits, messages past the transport's limit, deep nesting, and hostile nesting that must stay
cheap (the worker keeps answering health checks, and the work stops at the caller's deadline).

Every call carries a deadline far beyond what its input needs (a hang guard) and must end with OK or a
documented status, never a stack trace; the server must answer a health check and a tiny valid request
afterwards. Runs against the shared `stack` fixture (tests/conftest.py).
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2

from codeintel.kernel import languages
from codeintel.v1 import analyze_pb2, common_pb2, parse_pb2, scan_pb2

HERE = os.path.dirname(os.path.abspath(__file__))

if HERE not in sys.path:  # import-mode=importlib: make the helpers next to this file importable
    sys.path.insert(0, HERE)

from fuzzhelpers import (  # noqa: E402
    ANSWERED,
    COORD_METHODS,
    HEALTH,
    WORKER_METHODS,
    check_outcome,
    varint,
)

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

HOSTILE_CASES = [
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


@pytest.mark.parametrize("name,method,req_cls,path,unit", HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES])
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


@pytest.mark.parametrize("name,method,req_cls,path,unit", HOSTILE_CASES[:2], ids=[c[0] for c in HOSTILE_CASES[:2]])
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
