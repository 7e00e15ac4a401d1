"""A worker as its own process: health per service and overall, reflection, InfoService,
message size limit, and a SIGTERM drain that finishes in-flight work."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import sys
import time
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeintel.kernel import procs
from codeintel.v1 import common_pb2, common_pb2_grpc, parse_pb2, parse_pb2_grpc

SERVICES = {
    "parse": "codeintel.v1.ParseService",
    "analyze": "codeintel.v1.AnalyzeService",
    "scan": "codeintel.v1.ScanService",
}


def start(svc: str, *args: str):
    proc = procs.spawn([sys.executable, "-m", f"services.{svc}", "--port", "0", *args])
    ready = procs.wait_ready(proc, 60)
    return proc, ready["address"]


@pytest.mark.parametrize("svc", sorted(SERVICES))
def test_health_reflection_and_info(svc):
    proc, address = start(svc)
    try:
        ch = grpc.insecure_channel(address)
        h = health_pb2_grpc.HealthStub(ch)
        for name in ("", SERVICES[svc]):
            assert (
                h.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status
                == health_pb2.HealthCheckResponse.SERVING
            )
        with pytest.raises(grpc.RpcError) as ei:
            h.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert ei.value.code() == grpc.StatusCode.NOT_FOUND
        info = common_pb2_grpc.InfoServiceStub(ch).GetServiceInfo(common_pb2.GetServiceInfoRequest(), timeout=5)
        (si,) = info.services
        assert si.service == SERVICES[svc] and si.version.startswith(svc)
        assert si.max_file_bytes == 2 * 1024 * 1024 and si.max_batch_files == 256
        assert "python" in si.languages
        ch.close()
    finally:
        procs.terminate([proc], 10)
    assert proc.returncode == 0


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_for(cond, what: str, timeout: float = 60.0):
    end = time.monotonic() + timeout  # a hang guard only
    while not cond():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_sigterm_drains_in_flight_work_then_exits():
    proc, address = start("parse", "--drain-delay", "1.0")
    ch = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 256 * 1024 * 1024)])
    stub = parse_pb2_grpc.ParseServiceStub(ch)
    health = health_pb2_grpc.HealthStub(ch)
    body = b"def f(a):\n    return a\n" * 2000

    def files(tag: str, n: int):
        return [common_pb2.SourceFile(path=f"{tag}{i}.py", content=body + f"# {tag}\n".encode()) for i in range(n)]

    # What one file costs the worker, in its own CPU time (so the same at any machine speed or load).
    cpu0 = _cpu_seconds(proc.pid)
    assert len(stub.ParseBatch(parse_pb2.ParseBatchRequest(files=files("probe", 8)), timeout=60).results) == 8
    per_file = max(_cpu_seconds(proc.pid) - cpu0, 0.01) / 8
    n = 120
    with cf.ThreadPoolExecutor(1) as pool:
        cpu0 = _cpu_seconds(proc.pid)
        fut = pool.submit(stub.ParseBatch, parse_pb2.ParseBatchRequest(files=files("drain", n)), timeout=120)
        # The worker is into the batch (two files' worth of CPU spent on it) and has most of it left.
        _wait_for(lambda: _cpu_seconds(proc.pid) - cpu0 >= 2 * per_file or fut.done(), "the worker to start")
        assert not fut.done(), "the batch finished before SIGTERM: nothing was in flight"
        proc.send_signal(signal.SIGTERM)
        # While draining, health says NOT_SERVING and the process still answers: the batch keeps it up.
        statuses = []

        def not_serving() -> bool:
            req = health_pb2.HealthCheckRequest(service="codeintel.v1.ParseService")
            statuses.append(health.Check(req, timeout=10).status)
            return statuses[-1] != health_pb2.HealthCheckResponse.SERVING

        _wait_for(not_serving, "health to leave SERVING")
        assert statuses[-1] == health_pb2.HealthCheckResponse.NOT_SERVING
        assert not fut.done(), "NOT_SERVING must come while the in-flight batch still runs"
        resp = fut.result()
    assert len(resp.results) == n and all(r.HasField("result") for r in resp.results)
    assert all(len(r.result.symbols) == 2000 for r in resp.results)
    assert proc.wait(timeout=30) == 0
    ch.close()


def test_batch_limit_and_message_size():
    proc, address = start("parse", "--max-batch-files", "3", "--max-message-bytes", "1048576")
    try:
        stub = parse_pb2_grpc.ParseServiceStub(grpc.insecure_channel(address))
        files = [common_pb2.SourceFile(path=f"{i}.py", content=b"x=1") for i in range(4)]
        with pytest.raises(grpc.RpcError) as ei:
            stub.ParseBatch(parse_pb2.ParseBatchRequest(files=files), timeout=10)
        assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "limit is 3" in (ei.value.details() or "")
        with pytest.raises(grpc.RpcError) as ei:
            stub.Parse(
                parse_pb2.ParseRequest(file=common_pb2.SourceFile(path="a.py", content=b"#" * 2_000_000)), timeout=10
            )
        assert ei.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # over the transport's message limit
        assert (
            stub.Parse(
                parse_pb2.ParseRequest(file=common_pb2.SourceFile(path="a.py", content=b"x=1")), timeout=10
            ).result.language
            == "python"
        )
    finally:
        procs.terminate([proc], 10)


def test_bad_flags_exit_with_a_clear_message():
    import subprocess

    r = subprocess.run(
        [sys.executable, "-m", "services.parse", "--port", "70000"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and "--port must be between 0 and 65535" in r.stderr


def test_undecodable_request_is_invalid_argument():
    proc, address = start("analyze")
    try:
        ch = grpc.insecure_channel(address)
        raw = ch.unary_unary(
            "/codeintel.v1.AnalyzeService/Analyze", request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        with pytest.raises(grpc.RpcError) as ei:
            raw(b"\xff\xff\xff\xff", timeout=10)
        assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "not a valid protobuf message" in (ei.value.details() or "") and "Traceback" not in (
            ei.value.details() or ""
        )
        # and a valid call on the same connection still works
        from codeintel.v1 import analyze_pb2

        body = analyze_pb2.AnalyzeRequest(file=common_pb2.SourceFile(path="a.py", content=b"x = 1\n"))
        ok = analyze_pb2.AnalyzeResponse.FromString(raw(body.SerializeToString(), timeout=10))
        assert ok.result.lines.total == 1
    finally:
        procs.terminate([proc], 10)


@pytest.mark.parametrize("svc", ["parse", "scan"])
def test_per_file_work_limit(svc):
    """A file that needs more than --max-file-seconds fails as TOO_COMPLEX (INVALID_ARGUMENT unary), the
    limit is announced in ServiceInfo, and the other files of a batch are unaffected."""
    from codeintel.v1 import scan_pb2, scan_pb2_grpc

    proc, address = start(svc, "--max-file-seconds", "0.3")
    try:
        ch = grpc.insecure_channel(address)
        (si,) = (
            common_pb2_grpc.InfoServiceStub(ch).GetServiceInfo(common_pb2.GetServiceInfoRequest(), timeout=5).services
        )
        assert si.max_file_work.ToMilliseconds() == 300
        req: Any
        batch: Any
        one: Any
        many: Any
        if svc == "parse":
            parse_stub = parse_pb2_grpc.ParseServiceStub(ch)
            req, batch, one, many = (
                parse_pb2.ParseRequest,
                parse_pb2.ParseBatchRequest,
                parse_stub.Parse,
                parse_stub.ParseBatch,
            )
        else:
            scan_stub = scan_pb2_grpc.ScanServiceStub(ch)
            req, batch, one, many = scan_pb2.ScanRequest, scan_pb2.ScanBatchRequest, scan_stub.Scan, scan_stub.ScanBatch
        deep = common_pb2.SourceFile(path="deep.js", content=b"[" * 2_000_000)  # ~1 s of work here
        with pytest.raises(grpc.RpcError) as ei:
            one(req(file=deep), timeout=30)  # the per-file limit, not this deadline, ends it (the message says so)
        assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "per-file work limit of 0.3 s" in (ei.value.details() or "")
        ok = common_pb2.SourceFile(path="ok.py", content=b"import os\ndef f(x):\n    os.system(x)\n")
        resp = many(batch(files=[ok, deep, ok]), timeout=30)
        codes = [r.error.code if r.HasField("error") else "ok" for r in resp.results]
        assert codes == ["ok", common_pb2.FILE_ERROR_CODE_TOO_COMPLEX, "ok"]
        if svc == "parse":
            assert [s.name for s in resp.results[0].result.symbols] == ["os", "f"]
        else:
            assert [f.rule_id for f in resp.results[2].result.findings]
        ch.close()
    finally:
        procs.terminate([proc], 10)
