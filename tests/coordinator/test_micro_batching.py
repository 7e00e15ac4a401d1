"""Micro-batching (coordinator/coalesce.py) through real processes: one parse worker, coordinator
processes with one call in flight per worker, unary Parse calls over gRPC.

The worker is paused (SIGSTOP) while calls arrive, so which calls wait together is decided by the
test, not by the machine's speed: the first call is in flight on the paused worker, the others
queue behind it; the test waits until the coordinator reports them queued, then lets the worker
go on (SIGCONT)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
import urllib.request
from contextlib import contextmanager

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.kernel import procs
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, parse_pb2, parse_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from coordinator.tenants import hash_key
from tests.coordinator.test_discovery import start_coordinator, start_worker, write_atomically
from tests.coordinator.test_lookup_rpc import Coordinators

KEYS = {"flood": "ci_flood-key-0123456789", "quiet": "ci_quiet-key-0123456789"}
TENANTS = f"""
[tiers.standard]
rate = 1000
burst = 1000
bytes_per_second = 1e12
bytes_burst = 1000000000000
max_concurrent = 64
max_priority = "high"

[[tenants]]
id = "flood"
tier = "standard"
keys = ["{hash_key(KEYS["flood"])}"]

[[tenants]]
id = "quiet"
tier = "standard"
keys = ["{hash_key(KEYS["quiet"])}"]
"""
WAIT = 60.0  # seconds any single wait below may take before the test gives up (never reached when it passes)


@pytest.fixture(scope="module")
def parse_worker():
    """(address, pid) of one parse worker process."""
    stack = LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    stack.start(timeout=120)
    ((name, address),) = [(n, a) for n, a in stack.info["workers"].items() if n.startswith("parse")]
    yield address, stack.info["pids"][name]
    stack.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def coordinator(parse_worker, tmp_path):
    """start(*args, tenants=None) -> (address, metrics URL): a coordinator with one call in flight per
    worker and health checks far apart (a paused worker must not be marked down meanwhile)."""
    co = Coordinators(parse_worker[0], tmp_path)

    def start(*args: str, tenants: str | None = None) -> tuple[str, str]:
        port = _free_port()
        address = co.start(
            "--per-worker-concurrency", "1", "--health-interval", "600", "--metrics-port", str(port), *args,
            tenants=tenants,
        )  # fmt: skip
        return address, f"http://127.0.0.1:{port}/metrics"

    yield start
    co.stop()


@contextmanager
def paused(pid: int):
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _files(tag: str, n: int) -> list[common_pb2.SourceFile]:
    return [
        common_pb2.SourceFile(path=f"m{i}.py", content=f"def f{i}(x):\n    return x + {i}  # {tag}\n".encode())
        for i in range(n)
    ]


def _md(tenant: str | None):
    return (("authorization", f"Bearer {KEYS[tenant]}"),) if tenant else ()


async def _queued(admin, n: int, tenant: str | None = None) -> None:
    """Until the coordinator reports one parse call in flight (on the paused worker) and exactly `n`
    waiting for its slot."""
    end = time.monotonic() + WAIT
    while True:
        stats = await admin.GetStats(c.GetStatsRequest(), timeout=10, metadata=_md(tenant))
        parse = {o.operation: o for o in stats.operations}["parse"]
        if (parse.in_flight, parse.queue_depth) == (1, n):
            return
        assert time.monotonic() < end, f"{parse.in_flight} parse calls in flight and {parse.queue_depth} waiting"
        await asyncio.sleep(0.005)


def _worker_calls(address: str, tenant: str | None = None) -> int:
    with grpc.insecure_channel(address) as ch:
        admin = coordinator_pb2_grpc.AdminServiceStub(ch)
        workers = admin.ListWorkers(c.ListWorkersRequest(), timeout=10, metadata=_md(tenant)).workers
    return sum(w.calls for w in workers if w.service == "codeintel.v1.ParseService")


def _metric(url: str, name: str) -> float:
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(f'{name}{{operation="parse"}} '):
            return float(line.split()[-1])
    raise AssertionError(f"{name} is not exported")


def _direct(worker: str, f: common_pb2.SourceFile) -> parse_pb2.ParseResult:
    with grpc.insecure_channel(worker) as ch:
        return parse_pb2_grpc.ParseServiceStub(ch).Parse(parse_pb2.ParseRequest(file=f), timeout=30).result


def _parse(api, f, timeout: float = WAIT, priority: int = 0, tenant: str | None = None):
    request = c.CodeIntelServiceParseRequest(file=f)
    request.request_options.priority = priority  # type: ignore[assignment]  # plain ints travel without tenants
    return api.Parse(request, timeout=timeout, metadata=_md(tenant))


async def _one_then_the_rest(address: str, pid: int, files) -> list:
    """Parse responses of `files`: the first in flight on the paused worker, then all the others
    waiting for its slot, then the worker going on."""
    async with grpc.aio.insecure_channel(address) as ch:
        api, admin = coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)
        with paused(pid):
            first = asyncio.ensure_future(_parse(api, files[0]))
            await _queued(admin, 0)
            rest = [asyncio.ensure_future(_parse(api, f)) for f in files[1:]]
            await _queued(admin, len(rest))
        return [await first, *await asyncio.gather(*rest)]


def test_concurrent_misses_go_to_the_worker_together_and_each_caller_gets_its_own_result(parse_worker, coordinator):
    worker, pid = parse_worker
    address, metrics = coordinator()
    files = _files("together", 20)

    responses = asyncio.run(_one_then_the_rest(address, pid, files))
    for f, r in zip(files, responses, strict=True):
        assert r.result == _direct(worker, f)  # this caller's own file, as the worker parses it alone
        assert r.info.cache == c.CACHE_STATUS_MISS and r.info.worker == worker and r.info.attempts == 1
    # The first call alone, then the 19 waiting ones in two worker calls: 16 (the limit) and 3.
    assert _worker_calls(address) == 3
    assert _metric(metrics, "codeintel_coordinator_micro_batches_total") == 2
    assert _metric(metrics, "codeintel_coordinator_micro_batched_files_total") == 19


def test_a_caller_whose_deadline_passes_is_answered_alone_and_its_file_is_not_sent(parse_worker, coordinator):
    worker, pid = parse_worker
    address, metrics = coordinator()
    first, patient, hasty = _files("deadline", 4)[0], _files("deadline", 4)[1:3], _files("deadline", 4)[3]

    async def run():
        async with grpc.aio.insecure_channel(address) as ch:
            api, admin = coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)
            with paused(pid):
                busy = asyncio.ensure_future(_parse(api, first))
                await _queued(admin, 0)
                waiting = [asyncio.ensure_future(_parse(api, f)) for f in patient]
                await _queued(admin, 2)
                with pytest.raises(grpc.aio.AioRpcError) as hurried:
                    await _parse(api, hasty, timeout=1.0)  # cannot be served: the worker is paused
            return hurried.value, [await busy, *await asyncio.gather(*waiting)]

    hurried, responses = asyncio.run(run())
    assert hurried.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    for f, r in zip([first, *patient], responses, strict=True):
        assert r.result == _direct(worker, f)
    assert _worker_calls(address) == 2  # the busy call, then the two patient ones together
    assert _metric(metrics, "codeintel_coordinator_micro_batched_files_total") == 2  # never the hasty one


def test_a_file_that_fails_inside_a_micro_batch_gets_the_answer_of_its_own_call(parse_worker, coordinator):
    worker, pid = parse_worker
    address, _ = coordinator()
    good = _files("errors", 3)
    bad = common_pb2.SourceFile(path="x.cob", content=b"IDENTIFICATION DIVISION.\n", language="cobol")
    with grpc.insecure_channel(worker) as ch:
        with pytest.raises(grpc.RpcError) as alone:
            parse_pb2_grpc.ParseServiceStub(ch).Parse(parse_pb2.ParseRequest(file=bad), timeout=30)

    async def run():
        async with grpc.aio.insecure_channel(address) as ch:
            api, admin = coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)
            with paused(pid):
                busy = asyncio.ensure_future(_parse(api, good[0]))
                await _queued(admin, 0)
                calls = [asyncio.ensure_future(_parse(api, f)) for f in (good[1], bad, good[2])]
                await _queued(admin, 3)
            return [await busy, *await asyncio.gather(*calls, return_exceptions=True)]

    first, ok1, failed, ok2 = asyncio.run(run())
    assert [ok1.result, ok2.result] == [_direct(worker, good[1]), _direct(worker, good[2])]
    assert first.result == _direct(worker, good[0])
    assert isinstance(failed, grpc.aio.AioRpcError)
    assert failed.code() == alone.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert failed.details() == alone.value.details()

    def violations(err) -> list[str]:
        status = rpc_status.from_call(err)
        assert status is not None
        out = []
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request):
                out += [v.field for v in bad_request.field_violations]
        return out

    assert violations(failed) == violations(alone.value) != []
    # The busy call, the three together, then the failed file alone for its own answer.
    assert _worker_calls(address) == 3


def test_a_higher_priority_call_overtakes_a_waiting_micro_batch(parse_worker, coordinator):
    worker, pid = parse_worker
    address, _ = coordinator()
    files = _files("priority", 6)
    done: list[str] = []

    async def run():
        async with grpc.aio.insecure_channel(address) as ch:
            api, admin = coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)

            async def call(f, priority, name):
                r = await _parse(api, f, priority=priority)
                done.append(name)
                return r

            with paused(pid):
                busy = asyncio.ensure_future(call(files[0], c.PRIORITY_NORMAL, "busy"))
                await _queued(admin, 0)
                low = [asyncio.ensure_future(call(f, c.PRIORITY_LOW, "low")) for f in files[1:5]]
                await _queued(admin, 4)
                high = asyncio.ensure_future(call(files[5], c.PRIORITY_HIGH, "high"))
                await _queued(admin, 5)
            return [await busy, *await asyncio.gather(*low), await high]

    responses = asyncio.run(run())
    assert [r.result for r in responses] == [_direct(worker, f) for f in files]
    assert done == ["busy", "high", "low", "low", "low", "low"]
    assert _worker_calls(address) == 3  # busy, high, the four low ones together


def test_another_tenant_is_not_queued_behind_a_flooding_tenants_micro_batch(parse_worker, coordinator):
    worker, pid = parse_worker
    address, _ = coordinator(tenants=TENANTS)
    files = _files("tenants", 8)
    done: list[str] = []

    async def run():
        async with grpc.aio.insecure_channel(address) as ch:
            api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
            admin = coordinator_pb2_grpc.AdminServiceStub(ch)

            async def call(f, tenant):
                r = await _parse(api, f, tenant=tenant)
                done.append(tenant)
                return r

            with paused(pid):
                busy = asyncio.ensure_future(call(files[0], "flood"))
                await _queued(admin, 0, "quiet")
                flood = [asyncio.ensure_future(call(f, "flood")) for f in files[1:7]]
                await _queued(admin, 6, "quiet")
                quiet = asyncio.ensure_future(call(files[7], "quiet"))
                await _queued(admin, 7, "quiet")
            return [await busy, *await asyncio.gather(*flood), await quiet]

    responses = asyncio.run(run())
    assert [r.result for r in responses] == [_direct(worker, f) for f in files]
    assert [r.info.tenant for r in responses] == ["flood"] * 7 + ["quiet"]
    # The quiet tenant's one call goes before the flood's waiting ones (which then go together).
    assert done == ["flood", "quiet"] + ["flood"] * 6
    assert _worker_calls(address, "quiet") == 3


def test_micro_batching_off_sends_every_call_alone(parse_worker, coordinator):
    worker, pid = parse_worker
    address, metrics = coordinator("--micro-batch-files", "1")
    files = _files("off", 5)

    responses = asyncio.run(_one_then_the_rest(address, pid, files))
    assert [r.result for r in responses] == [_direct(worker, f) for f in files]
    assert _worker_calls(address) == 5
    assert _metric(metrics, "codeintel_coordinator_micro_batches_total") == 0


def test_a_micro_batch_on_a_worker_that_dies_is_retried_on_another_for_the_callers_still_waiting(tmp_path):
    """The group is in flight on a paused worker (the call ahead of it was cancelled, which frees its
    slot), the worker is killed, and the group goes again to a worker added afterwards."""
    (w1, a1), (w2, a2) = start_worker(), start_worker()
    wfile = tmp_path / "workers.json"
    write_atomically(wfile, {"parse": [a1]})
    coord, address = start_coordinator(
        tmp_path,
        "--workers-file", str(wfile), "--workers-file-interval", "0.1", "--per-worker-concurrency", "1",
        "--health-interval", "600", "--unavailable-after", "600",
    )  # fmt: skip
    files = _files("retry", 4)
    try:

        async def run():
            async with grpc.aio.insecure_channel(address) as ch:
                api, admin = coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)
                os.kill(w1.pid, signal.SIGSTOP)
                first = _parse(api, files[0])
                await _queued(admin, 0)
                group = [asyncio.ensure_future(_parse(api, f)) for f in files[1:]]
                await _queued(admin, 3)
                first.cancel()  # its caller leaves: its worker call is cancelled, the slot goes to the group
                await _queued(admin, 0)  # the group is in flight on the paused worker
                w1.kill()
                w1.wait()
                write_atomically(wfile, {"parse": [a1, a2]})
                return await asyncio.gather(*group), await admin.GetStats(c.GetStatsRequest(), timeout=10)

        responses, stats = asyncio.run(run())
        expected = [_direct(a2, f) for f in files[1:]]
    finally:
        procs.terminate([coord, w1, w2], 10)
    for want, r in zip(expected, responses, strict=True):
        assert r.result == want
        assert (r.info.worker, r.info.attempts) == (a2, 2)  # the second attempt, on the new worker
    parse = {o.operation: o for o in stats.operations}["parse"]
    assert parse.retries == 1 and parse.errors == 1  # the one error: the cancelled call
