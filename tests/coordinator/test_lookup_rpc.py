"""LookupBatch (files named by the SHA-256 of their content) through real processes: a parse worker,
coordinator processes (with and without tenants, with a Redis L2 of the tests' own) and the
codeintel.client two-step batch, over gRPC."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import grpc
import pytest
import redis
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.client.aio import CoordinatorClient
from codeintel.client.requests import lookup_request
from codeintel.kernel import procs
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, parse_pb2, scan_pb2
from codeintel.v1 import coordinator_pb2 as c
from coordinator.tenants import hash_key

KEYS = {
    "acme": "ci_acme-key-0123456789",
    "globex": "ci_globex-key-0123456789",
    "private": "ci_private-key-0123456789",
    "bytes": "ci_bytes-key-0123456789",
}
BYTE_BURST = 20_000  # the bulk tier's byte burst; it refills at 1 byte/s

TENANTS = f"""
[tiers.standard]
rate = 1000
burst = 1000
bytes_per_second = 1e12
bytes_burst = 1000000000000
max_concurrent = 64
max_priority = "normal"

[tiers.bulk]
rate = 1000
burst = 1000
bytes_per_second = 1
bytes_burst = {BYTE_BURST}
max_concurrent = 64
max_priority = "normal"

[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(KEYS["acme"])}"]

[[tenants]]
id = "globex"
tier = "standard"
keys = ["{hash_key(KEYS["globex"])}"]

[[tenants]]
id = "private"
tier = "standard"
keys = ["{hash_key(KEYS["private"])}"]
namespace = "private"

[[tenants]]
id = "bytes"
tier = "bulk"
keys = ["{hash_key(KEYS["bytes"])}"]
"""

FILES = [
    common_pb2.SourceFile(path="a.py", content=b"def f(x):\n    return x\n"),
    common_pb2.SourceFile(path="b.py", content=b"class C:\n    def m(self):\n        pass\n"),
    common_pb2.SourceFile(path="c.js", content=b"function g(y) { return y + 1; }\n"),
]
NEW = common_pb2.SourceFile(path="d.py", content=b"def h():\n    return 42\n")
FOUND, NEED = c.LOOKUP_STATUS_FOUND, c.LOOKUP_STATUS_NEED_CONTENT


@pytest.fixture(scope="module")
def parse_workers():
    stack = LocalStack(workers=1, extra_args=["--analyze-workers", "0", "--scan-workers", "0"])
    stack.start(timeout=120)
    yield ",".join(a for name, a in stack.info["workers"].items() if name.startswith("parse"))
    stack.stop()


class Coordinators:
    """Coordinator processes of one test (or module), all stopped at its end."""

    def __init__(self, workers: str, tmp_path):
        self.workers, self.tmp_path = workers, tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, tenants: str | None = None) -> str:
        argv = ["-m", "coordinator", "--port", "0", "--parse-workers", self.workers, "--drain-delay", "0", *args]
        if tenants is not None:
            path = self.tmp_path / f"tenants-{len(self.procs)}.toml"
            path.write_text(tenants)
            argv += ["--tenants-file", str(path)]
        proc = procs.spawn([sys.executable, *argv])
        self.procs.append(proc)
        return procs.wait_ready(proc, 60)["address"]

    def stop(self) -> None:
        procs.terminate(self.procs, 10)


@pytest.fixture(scope="module")
def open_coordinator(parse_workers, tmp_path_factory):
    """One coordinator without tenants (results shared), for the module."""
    co = Coordinators(parse_workers, tmp_path_factory.mktemp("open"))
    yield co.start()
    co.stop()


@pytest.fixture(scope="module")
def tenant_coordinator(parse_workers, tmp_path_factory):
    co = Coordinators(parse_workers, tmp_path_factory.mktemp("tenants"))
    yield co.start(tenants=TENANTS)
    co.stop()


def _md(tenant: str | None):
    return (("authorization", f"Bearer {KEYS[tenant]}"),) if tenant else ()


def _lookup(api, files, options=None, tenant=None, **ro) -> c.CodeIntelServiceLookupBatchResponse:
    req = lookup_request("parse", files, options)
    req.request_options.bypass_cache = ro.get("bypass_cache", False)
    return api.LookupBatch(req, metadata=_md(tenant), timeout=10)


def _parse_batch(api, files, options=None, tenant=None) -> c.CodeIntelServiceParseBatchResponse:
    req = c.CodeIntelServiceParseBatchRequest(files=files)
    if options is not None:
        req.options.CopyFrom(options)
    return api.ParseBatch(req, metadata=_md(tenant), timeout=20)


def _unique(tag: str) -> list[common_pb2.SourceFile]:
    """FILES with content no other test sent (the module's coordinators keep their caches)."""
    return [common_pb2.SourceFile(path=f.path, content=f.content + f"# {tag}\n".encode()) for f in FILES]


def test_cached_files_are_answered_by_digest_and_unknown_ones_are_asked_for(open_coordinator):
    files = _unique("cached")
    with grpc.insecure_channel(open_coordinator) as ch:
        api, admin = coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)
        before = _lookup(api, files)
        assert [r.status for r in before.results] == [NEED] * 3 and (before.found, before.need_content) == (0, 3)
        assert not any(r.HasField("parse") for r in before.results)
        batch = _parse_batch(api, files)
        stats0 = {o.operation: o for o in admin.GetStats(c.GetStatsRequest(), timeout=10).operations}["parse"]

        unknown = common_pb2.SourceFile(path="a.py", content=files[0].content + b"# edited\n")
        looked = _lookup(api, [*files, unknown])
        assert [r.status for r in looked.results] == [FOUND, FOUND, FOUND, NEED]
        assert [r.cache for r in looked.results] == [c.CACHE_STATUS_HIT_L1] * 3 + [c.CACHE_STATUS_UNSPECIFIED]
        assert (looked.found, looked.need_content, looked.partial) == (3, 1, False)
        # The very results the batch call returned, without the content being sent again.
        assert [r.parse for r in looked.results[:3]] == [r.result for r in batch.results]
        assert [s.name for s in looked.results[0].parse.symbols] == ["f"]
        assert not looked.results[3].HasField("parse")

        stats1 = {o.operation: o for o in admin.GetStats(c.GetStatsRequest(), timeout=10).operations}["parse"]
        assert stats1.cache_hits_l1 - stats0.cache_hits_l1 == 3
        assert stats1.files - stats0.files == 3  # only the found ones; the batch call counts the rest
        assert stats1.cache_misses == stats0.cache_misses  # nothing computed

        bypass = _lookup(api, files, bypass_cache=True)
        assert [r.status for r in bypass.results] == [NEED] * 3


def test_the_two_step_batch_fills_the_rest_as_one_batch_call_would(open_coordinator):
    files = [*_unique("two-step"), common_pb2.SourceFile(path="e.py", content=b"def broken(:\n")]
    with grpc.insecure_channel(open_coordinator) as ch:
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        _parse_batch(api, files[:2])  # two of four known

    async def run():
        async with CoordinatorClient(open_coordinator, timeout_s=20) as client:
            first = await client.batch_by_digest("parse", files, parse_pb2.ParseOptions())
            again = await client.batch_by_digest("parse", files, parse_pb2.ParseOptions())
            plain = await client.batch("parse", files, parse_pb2.ParseOptions())
            looked = await client.lookup_batch("parse", files, parse_pb2.ParseOptions())
            return first, again, plain, looked

    first, again, plain, looked = asyncio.run(run())
    assert len(first.results) == len(files) == len(first.info.cache)
    assert list(first.info.cache) == [c.CACHE_STATUS_HIT_L1] * 2 + [c.CACHE_STATUS_MISS] * 2
    assert (first.info.cache_hits, first.info.computed) == (2, 2)
    # Results in the request's order, equal to a plain batch call's.
    assert list(first.results) == list(plain.results) == list(again.results)
    assert [r.result.path for r in first.results] == [f.path for f in files]
    assert list(again.info.cache) == [c.CACHE_STATUS_HIT_L1] * 4 and again.info.computed == 0
    # The second step filled the caches: every file is now found by its digest.
    assert [r.status for r in looked.results] == [FOUND] * 4


def test_digests_never_cross_tenants_options_languages_or_paths(tenant_coordinator):
    files = _unique("tenants")
    with grpc.insecure_channel(tenant_coordinator) as ch:
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        _parse_batch(api, files, tenant="acme")
        mine = _lookup(api, files, tenant="acme")
        assert [r.status for r in mine.results] == [FOUND] * 3 and mine.tenant == "acme"
        # A tenant with its own namespace never gets acme's results by digest, nor acme its.
        assert [r.status for r in _lookup(api, files, tenant="private").results] == [NEED] * 3
        private_files = _unique("private-only")
        _parse_batch(api, private_files, tenant="private")
        assert [r.status for r in _lookup(api, private_files, tenant="private").results] == [FOUND] * 3
        assert [r.status for r in _lookup(api, private_files, tenant="acme").results] == [NEED] * 3
        assert [r.status for r in _lookup(api, private_files, tenant="globex").results] == [NEED] * 3
        # Tenants without a namespace share results (as with content): documented, and so by digest too.
        assert [r.status for r in _lookup(api, files, tenant="globex").results] == [FOUND] * 3

        # Other options, another language, another path: other keys, so nothing found.
        other_options = parse_pb2.ParseOptions(include_ast=True)
        assert [r.status for r in _lookup(api, files, other_options, tenant="acme").results] == [NEED] * 3
        as_js = [common_pb2.SourceFile(path=f.path, language="javascript", content=f.content) for f in files]
        assert [r.status for r in _lookup(api, as_js, tenant="acme").results] == [NEED] * 3
        moved = [common_pb2.SourceFile(path="x/" + f.path, content=f.content) for f in files]
        assert [r.status for r in _lookup(api, moved, tenant="acme").results] == [NEED] * 3
        # Found again with the options the batch was sent with (defaults, stated explicitly).
        assert [r.status for r in _lookup(api, files, parse_pb2.ParseOptions(), "acme").results] == [FOUND] * 3


def test_a_digest_costs_its_bytes_not_the_contents(tenant_coordinator):
    big = common_pb2.SourceFile(path="big.py", content=b"x = 1\n" * 2500)  # 15 000 bytes; the burst is 20 000
    with grpc.insecure_channel(tenant_coordinator) as ch:
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        # Naming 50 x 15 000 bytes by digest: admitted every time, a few hundred bytes billed per call.
        for _ in range(5):
            looked = _lookup(api, [big] * 10, tenant="bytes")
            assert [r.status for r in looked.results] == [NEED] * 10 and looked.tenant == "bytes"
        # The content itself is billed in full: the budget still holds one such file, not two.
        _parse_batch(api, [big], tenant="bytes")
        with pytest.raises(grpc.RpcError) as e:
            _parse_batch(api, [big], tenant="bytes")
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        with pytest.raises(grpc.RpcError) as e:
            api.LookupBatch(lookup_request("parse", [big], None), timeout=10)  # still authenticated
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


def _violations(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)
    assert status is not None, err
    out = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out += [v.field for v in bad.field_violations]
    return out


@pytest.mark.parametrize(
    "request_,field",
    [
        (
            c.CodeIntelServiceLookupBatchRequest(
                operation=c.REPOSITORY_OPERATION_PARSE,
                files=[c.FileDigest(path="a.py", sha256=b"\0" * 32), c.FileDigest(path="b.py", sha256=b"\0" * 31)],
            ),
            "files[1].sha256",
        ),
        (
            c.CodeIntelServiceLookupBatchRequest(
                operation=c.REPOSITORY_OPERATION_PARSE, files=[c.FileDigest(path="a.py", sha256=b"")]
            ),
            "files[0].sha256",
        ),
        (c.CodeIntelServiceLookupBatchRequest(files=[c.FileDigest(path="a.py", sha256=b"\0" * 32)]), "operation"),
        (
            c.CodeIntelServiceLookupBatchRequest(
                operation=c.REPOSITORY_OPERATION_PARSE,
                scan_options=scan_pb2.ScanOptions(),
                files=[c.FileDigest(sha256=b"\0" * 32)],
            ),
            "scan_options",
        ),
        (
            c.CodeIntelServiceLookupBatchRequest(
                operation=c.REPOSITORY_OPERATION_PARSE, files=[c.FileDigest(sha256=b"\0" * 32)] * 1001
            ),
            "files",
        ),
    ],
    ids=["short-digest", "empty-digest", "no-operation", "wrong-options", "too-many"],
)
def test_malformed_lookups_are_invalid_argument_with_bad_request(open_coordinator, request_, field):
    with grpc.insecure_channel(open_coordinator) as ch:
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            api.LookupBatch(request_, timeout=10)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violations(e.value) == [field]
    assert "Traceback" not in (e.value.details() or "")


def test_digests_are_answered_from_the_shared_l2_by_another_replica(parse_workers, tmp_path, redis_url):
    co = Coordinators(parse_workers, tmp_path)
    try:
        a, b = co.start("--redis-url", redis_url), co.start("--redis-url", redis_url)
        files = _unique("l2")
        with grpc.insecure_channel(a) as ch_a, grpc.insecure_channel(b) as ch_b:
            api_a, api_b = (
                coordinator_pb2_grpc.CodeIntelServiceStub(ch_a),
                coordinator_pb2_grpc.CodeIntelServiceStub(ch_b),
            )
            batch = _parse_batch(api_a, files)
            r = redis.Redis.from_url(redis_url)
            until = time.monotonic() + 10
            while len(r.keys("codeintel:l2:*")) < len(files):  # L2 writes are queued off the request path
                assert time.monotonic() < until, "replica a never wrote its results to Redis"
                time.sleep(0.02)
            looked = _lookup(api_b, files)
            assert [x.cache for x in looked.results] == [c.CACHE_STATUS_HIT_L2] * 3
            assert [x.parse for x in looked.results] == [x.result for x in batch.results]
            # Backfilled into b's L1: the next lookup there does not ask Redis.
            assert [x.cache for x in _lookup(api_b, files).results] == [c.CACHE_STATUS_HIT_L1] * 3
    finally:
        co.stop()


def test_a_silent_l2_gives_a_partial_answer_within_the_callers_deadline(parse_workers, tmp_path, redis_restartable):
    """A stopped (SIGSTOP) Redis never answers; with its own timeout far beyond the call's deadline, the
    lookup still answers in time: L1 hits found, the rest NEED_CONTENT, `partial` set."""
    proc = redis_restartable
    co = Coordinators(parse_workers, tmp_path)
    try:
        address = co.start("--redis-url", f"redis://{proc.host}:{proc.port}/0", "--redis-timeout", "60")
        known, unknown = _unique("partial"), _unique("partial-unknown")
        with grpc.insecure_channel(address) as ch:
            api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
            _parse_batch(api, known)
            os.kill(proc.process.pid, signal.SIGSTOP)
            try:
                req = lookup_request("parse", [*known, *unknown], None)
                # 10 s: the server stops at 9 s, a margin no scheduling hiccup eats
                looked = api.LookupBatch(req, timeout=10)
            finally:
                os.kill(proc.process.pid, signal.SIGCONT)
        assert looked.partial
        assert [r.status for r in looked.results] == [FOUND] * 3 + [NEED] * 3
        assert [r.cache for r in looked.results[:3]] == [c.CACHE_STATUS_HIT_L1] * 3
    finally:
        co.stop()
