"""/metrics of real processes: workers and a coordinator started with --metrics-port (Redis L2 and
tenants on), the MCP bridge over HTTP. Real calls (a miss, an L1 hit, errors, rate-limit refusals, a
retry after a worker is SIGKILLed), then scrapes over HTTP: the numbers moved exactly as they should,
GetStats and admin_get_metrics report the same counters, the dashboard and alert rules name only
metrics that a real scrape has, and /readyz turns 503 when the coordinator is gone."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_redis import factories

from codeintel.kernel import procs
from codeintel.observability.metrics import LABEL_VALUES
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from coordinator.tenants import hash_key, new_key

REPO = Path(__file__).resolve().parents[2]
redis_metrics = factories.redis_proc(port=None)  # type: ignore[arg-type]  # None (a free port) is documented, not in PortType

KEYS = {"main": new_key(), "tiny": new_key()}
TENANTS = f"""
[tiers.open]
rate = 0
bytes_per_second = 0
max_concurrent = 0
max_priority = "high"

[tiers.tiny]
rate = 0.001
burst = 1
bytes_per_second = 0
max_concurrent = 0

[[tenants]]
id = "main-tenant-id"
tier = "open"
keys = ["{hash_key(KEYS["main"])}"]

[[tenants]]
id = "tiny-tenant-id"
tier = "tiny"
keys = ["{hash_key(KEYS["tiny"])}"]
"""
PARSE_SERVICE = "codeintel.v1.ParseService"
API = "codeintel.v1.CodeIntelService"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def md(tenant: str | None):
    return (("authorization", f"Bearer {KEYS[tenant]}"),) if tenant else ()


def get(port: int, path: str = "/metrics") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Scrape:
    def __init__(self, port: int):
        status, text = get(port)
        assert status == 200, text
        self.text = text
        self.samples = [s for f in text_string_to_metric_families(text) for s in f.samples]

    def names(self) -> set[str]:
        return {s.name for s in self.samples}

    def value(self, name: str, **labels) -> float:
        """Sum of the samples of `name` whose labels include `labels` (0 when none)."""
        return sum(
            s.value for s in self.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )


class Stack:
    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.metrics: dict[str, int] = {}
        self.address = ""

    def start(self, name: str, argv: list[str]) -> str:
        port = free_port()
        proc = procs.spawn([sys.executable, *argv, "--metrics-port", str(port)])
        self.procs[name] = proc
        self.metrics[name] = port
        return procs.wait_ready(proc, 120)["address"]

    def stop(self) -> None:
        procs.terminate(list(self.procs.values()), 15)


@pytest.fixture(scope="module")
def stack(redis_metrics, tmp_path_factory):
    tenants = tmp_path_factory.mktemp("metrics") / "tenants.toml"
    tenants.write_text(TENANTS)
    s = Stack()
    try:
        fast = ["--port", "0", "--drain-delay", "0", "--grace", "5"]
        workers = {
            name: s.start(name, ["-m", f"services.{name.split('-')[0]}", *fast])
            for name in ("parse-1", "parse-2", "analyze-1", "scan-1")
        }
        # Health checks of serving workers 30 s apart: a SIGKILLed worker still looks serving to the
        # coordinator for the next call, which then fails UNAVAILABLE and is retried.
        s.address = s.start(
            "coordinator",
            [
                "-m",
                "coordinator",
                *fast,
                "--health-interval",
                "30",
                "--parse-workers",
                f"{workers['parse-1']},{workers['parse-2']}",
                "--analyze-workers",
                workers["analyze-1"],
                "--scan-workers",
                workers["scan-1"],
                "--redis-url",
                f"redis://{redis_metrics.host}:{redis_metrics.port}/0",
                "--tenants-file",
                str(tenants),
            ],
        )
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def api(stack):
    ch = grpc.insecure_channel(stack.address)
    yield coordinator_pb2_grpc.CodeIntelServiceStub(ch), coordinator_pb2_grpc.AdminServiceStub(ch)
    ch.close()


def parse(stub, content: bytes, tenant: str | None = "main", path: str = "m.py"):
    req = c.CodeIntelServiceParseRequest(file=common_pb2.SourceFile(path=path, content=content))
    return stub.Parse(req, metadata=md(tenant), timeout=30)


def code_of(fn) -> grpc.StatusCode:
    try:
        fn()
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def test_calls_move_the_numbers_on_workers_and_coordinator(stack, api):
    stub, _ = api
    assert Scrape(stack.metrics["coordinator"]).value("codeintel_grpc_server_requests_total", method="Parse") == 0

    assert parse(stub, b"def a():\n    return 1\n").info.cache == c.CACHE_STATUS_MISS
    assert parse(stub, b"def a():\n    return 1\n").info.cache == c.CACHE_STATUS_HIT_L1
    assert code_of(lambda: parse(stub, b"\x00\x01binary")) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(lambda: parse(stub, b"x = 1\n", tenant=None)) == grpc.StatusCode.UNAUTHENTICATED
    assert parse(stub, b"c = 3\n", tenant="tiny").info.cache == c.CACHE_STATUS_MISS
    assert code_of(lambda: parse(stub, b"c = 4\n", tenant="tiny")) == grpc.StatusCode.RESOURCE_EXHAUSTED

    # Each worker counts what reached it: the two computed files and the binary one; not the cache hit.
    w1, w2 = Scrape(stack.metrics["parse-1"]), Scrape(stack.metrics["parse-2"])
    for code, n in (("OK", 2), ("INVALID_ARGUMENT", 1)):
        labels = dict(service=PARSE_SERVICE, method="Parse", code=code)
        assert (
            w1.value("codeintel_grpc_server_requests_total", **labels)
            + w2.value("codeintel_grpc_server_requests_total", **labels)
            == n
        ), code
        assert (
            w1.value("codeintel_grpc_server_request_seconds_count", **labels)
            + w2.value("codeintel_grpc_server_request_seconds_count", **labels)
            == n
        ), code
    assert w1.value("codeintel_grpc_server_requests_total", service="grpc.health.v1.Health", code="OK") >= 1
    assert w1.value("codeintel_grpc_server_in_flight") == 0
    assert w1.value("process_resident_memory_bytes") > 0 and "process_cpu_seconds_total" in w1.names()
    before_w1 = w1.value("codeintel_grpc_server_requests_total", method="Parse", code="OK")

    # A worker dies; the coordinator learns it from the next call it sends there, and retries elsewhere.
    stack.procs["parse-2"].send_signal(signal.SIGKILL)
    stack.procs["parse-2"].wait(10)
    assert parse(stub, b"d = 5\n").info.cache == c.CACHE_STATUS_MISS
    assert parse(stub, b"e = 6\n").info.cache == c.CACHE_STATUS_MISS
    assert (
        Scrape(stack.metrics["parse-1"]).value("codeintel_grpc_server_requests_total", method="Parse", code="OK")
        == before_w1 + 2
    )

    m = Scrape(stack.metrics["coordinator"])
    v = m.value
    calls = {"OK": 5, "INVALID_ARGUMENT": 1, "UNAUTHENTICATED": 1, "RESOURCE_EXHAUSTED": 1}
    for code, n in calls.items():
        assert v("codeintel_grpc_server_requests_total", service=API, method="Parse", code=code) == n, code
        assert v("codeintel_grpc_server_request_seconds_count", service=API, method="Parse", code=code) == n, code
    assert v("codeintel_grpc_server_requests_total", service=API) == sum(calls.values())
    op = {"operation": "parse"}
    assert v("codeintel_coordinator_requests_total", **op) == 6  # admitted: all but the two refused
    assert v("codeintel_coordinator_errors_total", **op) == 1
    assert v("codeintel_coordinator_retries_total", **op) == 1
    assert v("codeintel_coordinator_cache_lookups_total", result="hit_l1", **op) == 1
    assert v("codeintel_coordinator_cache_lookups_total", result="miss", **op) == 5
    assert v("codeintel_coordinator_cache_lookups_total", result="hit_l2", **op) == 0
    # Worker slots taken: 4 first tries that got a worker, + the failed try on the dead one and its retry.
    assert v("codeintel_coordinator_queue_wait_seconds_count", priority="normal", **op) == 6
    assert v("codeintel_coordinator_queue_wait_seconds_count", **op) == 6
    assert v("codeintel_coordinator_queue_depth", **op) == 0
    assert v("codeintel_coordinator_worker_calls_total", service=PARSE_SERVICE) == 6
    assert v("codeintel_coordinator_worker_failures_total", service=PARSE_SERVICE) == 1
    assert v("codeintel_coordinator_workers", service=PARSE_SERVICE, state="serving") == 1
    assert v("codeintel_coordinator_workers", service=PARSE_SERVICE, state="down") == 1
    assert v("codeintel_coordinator_workers", service="codeintel.v1.ScanService", state="serving") == 1
    assert v("codeintel_cache_hits_total", tier="l1") == 1
    assert v("codeintel_cache_misses_total", tier="l2") == 5  # every miss asked Redis once
    assert v("codeintel_cache_hits_total", tier="l2") == 0
    assert v("codeintel_cache_errors_total", tier="l2") == 0
    assert v("codeintel_ratelimit_rejected_total", reason="requests") == 1
    assert v("codeintel_ratelimit_rejected_total", reason="unauthenticated") == 1
    assert v("codeintel_ratelimit_rejected_total", reason="bytes") == 0
    # Tenant ids and worker addresses are never label values.
    for secret in ("main-tenant-id", "tiny-tenant-id", "m.py", *(a for a in [stack.address])):
        assert secret not in m.text


def test_getstats_reports_the_same_counters(stack, api):
    _, admin = api
    stats = admin.GetStats(c.GetStatsRequest(), metadata=md("main"), timeout=10)
    m = Scrape(stack.metrics["coordinator"])
    for o in stats.operations:
        op = {"operation": o.operation}
        assert (o.requests, o.files, o.errors, o.retries, o.rejected) == (
            m.value("codeintel_coordinator_requests_total", **op),
            m.value("codeintel_coordinator_files_total", **op),
            m.value("codeintel_coordinator_errors_total", **op),
            m.value("codeintel_coordinator_retries_total", **op),
            m.value("codeintel_coordinator_queue_rejected_total", **op),
        ), o.operation
        for field, result in (
            ("cache_hits_l1", "hit_l1"),
            ("cache_hits_l2", "hit_l2"),
            ("cache_misses", "miss"),
            ("merged", "merged"),
        ):
            assert getattr(o, field) == m.value("codeintel_coordinator_cache_lookups_total", result=result, **op)
        assert o.queue_depth == m.value("codeintel_coordinator_queue_depth", **op)
    assert stats.operations and any(o.requests for o in stats.operations)
    for cs in stats.caches:
        t = {"tier": cs.tier}
        assert (cs.hits, cs.misses) == (
            m.value("codeintel_cache_hits_total", **t),
            m.value("codeintel_cache_misses_total", **t),
        ), cs.tier
        if cs.tier == "l1":
            assert (cs.evictions, cs.bytes, cs.entries) == (
                m.value("codeintel_cache_evictions_total", **t),
                m.value("codeintel_cache_size_bytes", **t),
                m.value("codeintel_cache_entries", **t),
            )
        else:
            assert (cs.errors, cs.dropped_writes) == (
                m.value("codeintel_cache_errors_total", **t),
                m.value("codeintel_cache_dropped_writes_total", **t),
            )
    assert {cs.tier for cs in stats.caches} == {"l1", "l2"}
    a = stats.admission
    assert (a.rejected_requests, a.rejected_bytes, a.rejected_concurrency, a.unauthenticated, a.store_errors) == (
        *(
            m.value("codeintel_ratelimit_rejected_total", reason=r)
            for r in ("requests", "bytes", "concurrency", "unauthenticated")
        ),
        m.value("codeintel_ratelimit_redis_errors_total"),
    )
    assert stats.workers_serving == m.value("codeintel_coordinator_workers", state="serving")
    assert stats.workers_total == m.value("codeintel_coordinator_workers")


# -- the MCP bridge over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def bridge(stack):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcp_bridge",
            "--coordinator",
            stack.address,
            "--transport",
            "http",
            "--port",
            str(port),
            "--api-key",
            KEYS["main"],
        ],
        cwd=str(REPO),
        env=env,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"mcp_bridge exited with {proc.returncode}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "mcp_bridge did not listen within 30 s"
                time.sleep(0.1)
        yield port
    finally:
        procs.terminate([proc], 10)


@pytest.mark.anyio
async def test_bridge_metrics_probes_and_admin_get_metrics(stack, bridge):
    from mcp import Client
    from mcp.types import TextContent

    assert get(bridge, "/healthz") == (200, "ok\n")
    assert get(bridge, "/readyz") == (200, "ready\n")
    async with Client(f"http://127.0.0.1:{bridge}/mcp") as client:
        ok = await client.call_tool("code_parse", {"code": "def f():\n    return 7\n", "language": "python"})
        assert not ok.is_error, ok.content
        bad = await client.call_tool("code_parse", {"code": "\x00\x00 not text", "language": "python"})
        assert bad.is_error
        empty = await client.call_tool("code_parse", {})
        assert empty.is_error and isinstance(empty.content[0], TextContent), empty.content
        assert "missing input" in empty.content[0].text
        summary = await client.call_tool("admin_get_metrics", {})
        assert not summary.is_error, summary.content
    m = Scrape(stack.metrics["coordinator"])
    b = Scrape(bridge)
    for outcome in ("ok", "invalid_argument", "invalid_input"):
        assert b.value("codeintel_mcp_tool_calls_total", tool="code_parse", outcome=outcome) == 1, outcome
        assert b.value("codeintel_mcp_tool_call_seconds_count", tool="code_parse", outcome=outcome) == 1, outcome
    assert b.value("codeintel_mcp_tool_calls_total", tool="admin_get_metrics", outcome="ok") == 1
    assert b.value("process_resident_memory_bytes") > 0

    # admin_get_metrics reads GetStats: the coordinator's /metrics shows the same counters.
    out = summary.structured_content
    for o in out["operations"]:
        op = {"operation": o["operation"]}
        assert (o["requests"], o["errors"], o["retries"], o["cache_hits_l1"], o["cache_misses"]) == (
            m.value("codeintel_coordinator_requests_total", **op),
            m.value("codeintel_coordinator_errors_total", **op),
            m.value("codeintel_coordinator_retries_total", **op),
            m.value("codeintel_coordinator_cache_lookups_total", result="hit_l1", **op),
            m.value("codeintel_coordinator_cache_lookups_total", result="miss", **op),
        ), o["operation"]
    assert next(o for o in out["operations"] if o["operation"] == "parse")["requests"] == 8  # 6 + the bridge's 2
    for cache in out["caches"]:
        assert (cache["hits"], cache["misses"]) == (
            m.value("codeintel_cache_hits_total", tier=cache["tier"]),
            m.value("codeintel_cache_misses_total", tier=cache["tier"]),
        )
    assert out["workers_serving"] == m.value("codeintel_coordinator_workers", state="serving") == 3


METRIC = re.compile(r"\b((?:codeintel|process)_[a-z0-9_]+)")


def _exprs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield v
            else:
                yield from _exprs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _exprs(v)


def test_dashboard_and_alerts_use_only_metrics_a_real_scrape_has(stack, bridge):
    import yaml

    dashboard = json.loads((REPO / "deploy/grafana/codeintel.json").read_text())
    rules = yaml.safe_load((REPO / "deploy/prometheus/alerts.yaml").read_text())
    exprs = list(_exprs(dashboard)) + list(_exprs(rules))
    assert len(list(_exprs(rules))) >= 3 and len(list(_exprs(dashboard))) >= 10
    used = {name for e in exprs for name in METRIC.findall(e)}
    scrapes = [Scrape(stack.metrics[name]) for name in ("parse-1", "coordinator")] + [Scrape(bridge)]
    have = set().union(*(sc.names() for sc in scrapes))
    # Every label value in a real scrape is from its declared bounded set (a new RPC or tool must be declared).
    for sc in scrapes:
        for sample in sc.samples:
            if sample.name.startswith("codeintel_"):
                for label, value in sample.labels.items():
                    assert label == "le" or value in LABEL_VALUES[label], (sample.name, label, value)
    assert used, "no metric found in the dashboard"
    assert used <= have, f"named in deploy/ but absent from every scrape: {sorted(used - have)}"
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] and rule["expr"] and rule["labels"]["severity"] and rule["annotations"]["summary"]


@pytest.mark.anyio
async def test_readyz_is_503_once_the_coordinator_is_gone(stack, bridge):
    assert get(bridge, "/readyz")[0] == 200
    coordinator = stack.procs["coordinator"]
    procs.terminate([coordinator], 15)
    assert coordinator.returncode == 0
    status, body = get(bridge, "/readyz")
    assert status == 503 and body.startswith("not ready: coordinator") and "UNAVAILABLE" in body, body
    assert get(bridge, "/healthz") == (200, "ok\n")  # alive: restarting it would not bring the coordinator back
