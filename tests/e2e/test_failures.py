"""Failure handling through real processes: a worker SIGKILLed mid-load, a full queue."""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import os
import signal
import threading
import time

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c


def _parse_req(i: int, size: int = 400):
    body = b"".join(b"def f%d_%d(a, b):\n    return a + b\n" % (i, j) for j in range(size))
    return c.CodeIntelServiceParseRequest(file=common_pb2.SourceFile(path=f"k{i}_{time.time_ns()}.py", content=body))


def _wait_for(cond, what: str, timeout: float = 60.0):
    end = time.monotonic() + timeout  # a hang guard only
    while not cond():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_worker_killed_mid_load_every_request_succeeds():
    stack = LocalStack(workers=2, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    stack.start(timeout=120)
    try:
        ch = grpc.insecure_channel(stack.address)
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        admin = coordinator_pb2_grpc.AdminServiceStub(ch)
        victim_pid = stack.info["pids"]["parse-0"]
        victim = stack.info["workers"]["parse-0"]
        for w in admin.ListWorkers(c.ListWorkersRequest(), timeout=10).workers:
            assert w.state == c.WORKER_STATE_SERVING
        assert victim_pid, "victim worker process not found"

        def victim_in_flight() -> int:
            ws = admin.ListWorkers(c.ListWorkersRequest(), timeout=10).workers
            return next(w.in_flight for w in ws if w.address == victim)

        # 16 clients keep sending until told to stop: more calls than the two workers take at once,
        # so the coordinator always has some queued and the victim always has some in flight.
        stop, lock = threading.Event(), threading.Lock()
        results, failures = [], []

        def client(k: int) -> None:
            for i in itertools.count():
                if stop.is_set():
                    return
                try:
                    r = api.Parse(_parse_req(k * 1_000_000 + i, 2000), timeout=60)
                except grpc.RpcError as e:  # every failure is recorded
                    with lock:
                        failures.append((e.code(), e.details()))
                else:
                    with lock:
                        results.append(r)

        with cf.ThreadPoolExecutor(16) as pool:
            clients = [pool.submit(client, k) for k in range(16)]
            try:
                _wait_for(lambda: victim_in_flight() >= 1, "calls in flight on the victim")
                os.kill(victim_pid, signal.SIGKILL)
                killed_after = len(results)
                # the load goes on after the kill: the survivor (and the restarted victim) serve it
                _wait_for(lambda: len(results) >= killed_after + 40, "calls served after the kill")
            finally:
                stop.set()
                for f in clients:
                    f.result()
        assert failures == [], failures[:5]  # every request succeeded, retried where it had to be
        assert all(r.result.symbols for r in results)
        stats = admin.GetStats(c.GetStatsRequest(), timeout=10)
        parse = next(o for o in stats.operations if o.operation == "parse")
        assert parse.errors == 0
        assert parse.retries >= 1, "the kill should have forced at least one retry"
        # the supervisor restarts the worker and the coordinator takes it back
        _wait_for(
            lambda: all(
                w.state == c.WORKER_STATE_SERVING for w in admin.ListWorkers(c.ListWorkersRequest(), timeout=10).workers
            ),
            "the restarted worker to serve again",
        )
        ch.close()
    finally:
        stack.stop()


def test_full_queue_is_resource_exhausted_with_retry_info():
    stack = LocalStack(
        workers=1,
        extra_args=[
            "--analyze-workers",
            "0",
            "--scan-workers",
            "0",
            "--coordinator-arg=--max-queue=2",
            "--coordinator-arg=--per-worker-concurrency=1",
        ],
    )
    stack.start(timeout=120)
    try:
        ch = grpc.insecure_channel(stack.address)
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        with cf.ThreadPoolExecutor(24) as pool:
            futures = [pool.submit(api.Parse, _parse_req(i, 1500), timeout=60) for i in range(24)]
            outcomes = []
            for f in futures:
                try:
                    outcomes.append(f.result())
                except grpc.RpcError as e:
                    outcomes.append(e)
        rejected = [o for o in outcomes if isinstance(o, grpc.RpcError)]
        assert rejected, "a queue of 2 must overflow under 24 concurrent requests"
        for err in rejected:
            assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err.details()
            st = rpc_status.from_call(err)
            infos = [d for d in st.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
            assert infos, "RESOURCE_EXHAUSTED must carry RetryInfo"
            ri = error_details_pb2.RetryInfo()
            infos[0].Unpack(ri)
            assert ri.retry_delay.seconds + ri.retry_delay.nanos > 0
        assert len(rejected) < len(outcomes)  # the admitted ones were served
        stats = coordinator_pb2_grpc.AdminServiceStub(ch).GetStats(c.GetStatsRequest(), timeout=10)
        assert next(o for o in stats.operations if o.operation == "parse").rejected == len(rejected)
        # and it serves again once the flood is over
        assert api.Parse(_parse_req(999, 5), timeout=30).result.symbols
        ch.close()
    finally:
        stack.stop()


def test_operation_without_workers_is_unavailable():
    stack = LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    stack.start(timeout=120)
    try:
        api = coordinator_pb2_grpc.CodeIntelServiceStub(grpc.insecure_channel(stack.address))
        with pytest.raises(grpc.RpcError) as ei:
            api.Analyze(
                c.CodeIntelServiceAnalyzeRequest(file=common_pb2.SourceFile(path="a.py", content=b"x=1")), timeout=10
            )
        assert ei.value.code() == grpc.StatusCode.UNAVAILABLE and "analyze" in (ei.value.details() or "")
    finally:
        stack.stop()


def test_supervisor_killed_leaves_no_orphans():
    stack = LocalStack(workers=1)
    stack.start(timeout=120)
    pids = list(stack.info["pids"].values()) + [stack.info["coordinator_pid"]]
    assert stack.proc is not None
    try:
        os.kill(stack.proc.pid, signal.SIGKILL)
        stack.proc.wait(timeout=10)
        deadline = time.time() + 20
        alive = pids
        while time.time() < deadline:
            alive = [p for p in pids if _alive(p)]
            if not alive:
                break
            time.sleep(0.1)
        assert not alive, f"processes outlived their supervisor: {alive}"
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        stack.proc = None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False
