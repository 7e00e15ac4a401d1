"""Metric names follow codeintel_<subsystem>_<thing>_{total,seconds,bytes}, every label takes values
from a bounded set, and the gRPC interceptor counts what real servers (sync and grpc.aio) answer."""

from __future__ import annotations

import asyncio
import re
import socket
from concurrent import futures

import grpc
import pytest
from prometheus_client import CollectorRegistry, Histogram

from codeintel.observability.metrics import LABEL_VALUES, GrpcServerMetrics, McpMetrics
from codeintel.rpc.interceptors import AsyncServerGuard, InFlight, ServerGuard
from codeintel.v1 import coordinator_pb2, graph_pb2, parse_pb2
from coordinator.admission import Gatekeeper
from coordinator.config import CoordinatorConfig
from coordinator.core import Coordinator
from coordinator.graph import GraphStats
from coordinator.l2cache import L2Cache
from coordinator.prom import CoordinatorCollector
from coordinator.query import QueryStats
from coordinator.review import ReviewStats
from coordinator.stats import Buckets

NAME = re.compile(
    r"^codeintel_(grpc_server|coordinator|cache|ratelimit|mcp|graph|query|review)_[a-z][a-z0-9_]*[a-z0-9]$"
)
PARSE = "/codeintel.v1.ParseService/Parse"


def check_family(family) -> None:
    """The naming and labelling rules, for one collected family."""
    assert NAME.match(family.name), family.name
    names = {s.name for s in family.samples}
    if family.type == "counter":
        assert names <= {family.name + "_total", family.name + "_created"}, (family.name, names)
    elif family.type == "histogram":
        assert family.name.endswith(("_seconds", "_bytes")), family.name
    elif family.type == "gauge":
        # _total is the counters' suffix (OpenMetrics); a gauge with a unit says it.
        assert not family.name.endswith("_total"), family.name
    else:
        pytest.fail(f"{family.name}: unexpected type {family.type}")
    for s in family.samples:
        for label, value in s.labels.items():
            if label == "le" and family.type == "histogram":
                continue
            assert label in LABEL_VALUES, f"{family.name}: label {label!r} has no bounded value set"
            assert value in LABEL_VALUES[label], f"{family.name}: {label}={value!r} is outside its set"


# -- a real gRPC server per flavour: OK, an abort, an exception, garbage bytes, an unknown method ------------


def _answer(request: parse_pb2.ParseRequest, context):
    content = request.file.content
    if content == b"bad":
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad input")
    if content == b"boom":
        raise RuntimeError("handler bug")
    return parse_pb2.ParseResponse(service_version="t")


async def _answer_async(request, context):
    content = request.file.content
    if content == b"bad":
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad input")
    if content == b"boom":
        raise RuntimeError("handler bug")
    return parse_pb2.ParseResponse(service_version="t")


def _handler(fn):
    return grpc.method_handlers_generic_handler(
        "codeintel.v1.ParseService",
        {
            "Parse": grpc.unary_unary_rpc_method_handler(
                fn,
                request_deserializer=parse_pb2.ParseRequest.FromString,
                response_serializer=parse_pb2.ParseResponse.SerializeToString,
            )
        },
    )


def _req(content: bytes) -> bytes:
    return parse_pb2.ParseRequest(file={"path": "a.py", "content": content}).SerializeToString()


EXPECTED = {"OK": 2, "INVALID_ARGUMENT": 2, "UNKNOWN": 1}  # two OKs, an abort + an undecodable body, one raise


async def _exercise(address: str) -> dict[str, grpc.StatusCode]:
    got: dict[str, grpc.StatusCode] = {}
    async with grpc.aio.insecure_channel(address) as ch:
        parse: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = ch.unary_unary(PARSE)  # raw bytes both ways
        for label, body in (
            ("ok1", _req(b"x")),
            ("ok2", _req(b"y")),
            ("bad", _req(b"bad")),
            ("boom", _req(b"boom")),
            ("garbage", b"\xff\xff\xff"),
        ):
            try:
                await parse(body, timeout=10)
                got[label] = grpc.StatusCode.OK
            except grpc.aio.AioRpcError as e:
                got[label] = e.code()
        evil: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = ch.unary_unary("/evil.Service/ctf_" + "x" * 50)
        try:
            await evil(b"", timeout=10)
        except grpc.aio.AioRpcError as e:
            got["unknown"] = e.code()
    return got


def _assert_counted(registry: CollectorRegistry, got: dict) -> None:
    assert got == {
        "ok1": grpc.StatusCode.OK,
        "ok2": grpc.StatusCode.OK,
        "bad": grpc.StatusCode.INVALID_ARGUMENT,
        "boom": grpc.StatusCode.UNKNOWN,
        "garbage": grpc.StatusCode.INVALID_ARGUMENT,
        "unknown": grpc.StatusCode.UNIMPLEMENTED,
    }
    for code, n in EXPECTED.items():
        labels = {"service": "codeintel.v1.ParseService", "method": "Parse", "code": code}
        assert registry.get_sample_value("codeintel_grpc_server_requests_total", labels) == n, code
        assert registry.get_sample_value("codeintel_grpc_server_request_seconds_count", labels) == n, code
    families = list(registry.collect())
    for f in families:
        check_family(f)
    # An unimplemented method never reaches the interceptor's handler: its made-up name is no label.
    text = repr([s for f in families for s in f.samples])
    assert "evil" not in text and "UNIMPLEMENTED" not in text
    assert registry.get_sample_value("codeintel_grpc_server_in_flight") == 0


def test_sync_server_counts_each_final_status():
    registry = CollectorRegistry()
    inflight = InFlight()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=2), interceptors=[ServerGuard(inflight, GrpcServerMetrics(registry))]
    )
    server.add_generic_rpc_handlers((_handler(_answer),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        got = asyncio.run(_exercise(f"127.0.0.1:{port}"))
    finally:
        server.stop(None).wait()
    _assert_counted(registry, got)


def test_aio_server_counts_each_final_status():
    registry = CollectorRegistry()

    async def run():
        server = grpc.aio.server(interceptors=[AsyncServerGuard(InFlight(), GrpcServerMetrics(registry))])
        server.add_generic_rpc_handlers((_handler(_answer_async),))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            return await _exercise(f"127.0.0.1:{port}")
        finally:
            await server.stop(None)

    _assert_counted(registry, asyncio.run(run()))


def test_no_metrics_no_observations():
    """--metrics-port 0: the guard is built without metrics and wraps nothing extra."""
    guard = ServerGuard(InFlight())
    assert guard.metrics is None


# -- the coordinator's collector -----------------------------------------------------------------------------


def _coordinator_registry(tmp_path):
    async def build():
        config = CoordinatorConfig(
            workers={"parse": ("127.0.0.1:1",), "scan": ("127.0.0.1:2",)},
            redis_url="redis://127.0.0.1:1/0",
            max_queue=7,
        )
        core = Coordinator(config)  # not started: nothing is contacted
        core.l2 = L2Cache(config.redis_url)  # not started either: stats only
        gk = Gatekeeper(config)
        c = core.counters["parse"]
        c.requests, c.hits_l1, c.misses, c.retries = 5, 2, 3, 1
        c.observe_wait(coordinator_pb2.PRIORITY_NORMAL, 0.0)
        c.observe_wait(coordinator_pb2.PRIORITY_HIGH, 0.2)
        c.observe_wait(57, 3.0)  # without tenants a caller may send any priority value
        core.pools["parse"].dispatcher.depth_by_priority.update({-4: 1, 2: 3, 99: 2})
        core.cache.put(b"k" * 32, b"v" * 1000)
        core.cache.get(b"k" * 32)
        core.cache.get(b"nope")
        graph = GraphStats()
        graph.indexed(
            graph_pb2.IndexSummary(
                run=coordinator_pb2.RepositorySummary(complete=True, skipped=2), files_written=7, files_unchanged=3
            ),
            1.5,
        )
        graph.queried("references", "ok", 0.004)
        graph.queried("definition", "not_found", 0.001)
        query = QueryStats()
        query.done("query", "ok", 0.2)
        query.done("pattern", "invalid_argument", 0.001)
        query.files, query.matches = 12, 40
        review = ReviewStats()
        review.ran("diff", "complete", 0.2)
        review.ran("files", "failed", 3.0)
        review.files["reviewed"] += 4
        registry = CollectorRegistry()
        registry.register(CoordinatorCollector(core, gk, graph, query, review))
        mcp = McpMetrics(registry)
        mcp.observe("code_parse", "ok", 0.01)
        mcp.observe("code_parse", "invalid_argument", 0.01)
        families = list(registry.collect())
        for pool in core.pools.values():
            await pool.stop()
        return registry, families, core

    return asyncio.run(build())


def test_coordinator_names_and_labels_are_bounded(tmp_path):
    registry, families, core = _coordinator_registry(tmp_path)
    names = {f.name for f in families}
    for f in families:
        check_family(f)
    for needed in (
        "codeintel_coordinator_queue_depth",
        "codeintel_coordinator_queue_wait_seconds",
        "codeintel_coordinator_workers",
        "codeintel_coordinator_worker_in_flight",
        "codeintel_coordinator_retries",
        "codeintel_cache_hits",
        "codeintel_cache_evictions",
        "codeintel_cache_errors",
        "codeintel_cache_dropped_writes",
        "codeintel_ratelimit_rejected",
        "codeintel_ratelimit_redis_errors",
        "codeintel_mcp_tool_calls",
        "codeintel_mcp_tool_call_seconds",
        "codeintel_graph_index_runs",
        "codeintel_graph_index_files",
        "codeintel_graph_index_seconds",
        "codeintel_graph_queries",
        "codeintel_graph_query_seconds",
        "codeintel_graph_watch_reindexes",
        "codeintel_query_requests",
        "codeintel_query_seconds",
        "codeintel_query_files",
        "codeintel_query_matches",
        "codeintel_review_runs",
        "codeintel_review_files",
        "codeintel_review_seconds",
    ):
        assert needed in names, needed
    v = registry.get_sample_value
    assert v("codeintel_graph_index_runs_total", {"outcome": "complete"}) == 1
    assert v("codeintel_graph_index_files_total", {"outcome": "written"}) == 7
    assert v("codeintel_graph_index_files_total", {"outcome": "skipped"}) == 2
    assert v("codeintel_graph_queries_total", {"query": "definition", "outcome": "not_found"}) == 1
    assert v("codeintel_graph_query_seconds_count", {"query": "references"}) == 1
    assert v("codeintel_query_requests_total", {"kind": "pattern", "outcome": "invalid_argument"}) == 1
    assert v("codeintel_query_seconds_count", {"kind": "query"}) == 1
    assert v("codeintel_query_files_total") == 12 and v("codeintel_query_matches_total") == 40
    assert v("codeintel_review_runs_total", {"mode": "diff", "outcome": "complete"}) == 1
    assert v("codeintel_review_runs_total", {"mode": "files", "outcome": "failed"}) == 1
    assert v("codeintel_review_files_total", {"outcome": "reviewed"}) == 4
    assert v("codeintel_review_seconds_count") == 2
    assert v("codeintel_coordinator_requests_total", {"operation": "parse"}) == 5
    assert v("codeintel_coordinator_retries_total", {"operation": "parse"}) == 1
    assert v("codeintel_coordinator_cache_lookups_total", {"operation": "parse", "result": "hit_l1"}) == 2
    # Odd priority values are reported with the nearest named one, never as new label values.
    assert v("codeintel_coordinator_queue_depth", {"operation": "parse", "priority": "low"}) == 1
    assert v("codeintel_coordinator_queue_depth", {"operation": "parse", "priority": "normal"}) == 3
    assert v("codeintel_coordinator_queue_depth", {"operation": "parse", "priority": "high"}) == 2
    assert v("codeintel_coordinator_queue_capacity", {"operation": "parse"}) == 7
    assert v("codeintel_coordinator_queue_wait_seconds_count", {"operation": "parse", "priority": "high"}) == 2
    assert v(
        "codeintel_coordinator_queue_wait_seconds_sum", {"operation": "parse", "priority": "high"}
    ) == pytest.approx(3.2)
    # Every state is reported, zeros included, so "serving == 0" is a query that can answer.
    for state in ("serving", "not_serving", "down", "unknown"):
        assert v("codeintel_coordinator_workers", {"service": "codeintel.v1.ParseService", "state": state}) == (
            1 if state == "unknown" else 0
        )
    assert v("codeintel_cache_hits_total", {"tier": "l1"}) == 1
    assert v("codeintel_cache_misses_total", {"tier": "l1"}) == 1
    assert v("codeintel_cache_size_bytes", {"tier": "l1"}) == core.cache.bytes > 1000
    assert v("codeintel_cache_errors_total", {"tier": "l2"}) == 0


def test_bucket_counts_match_a_prometheus_histogram():
    """coordinator.stats.Buckets exports exactly what prometheus_client's Histogram would."""
    from prometheus_client.core import HistogramMetricFamily

    from coordinator.prom import _histogram

    values = [0.0, 0.001, 0.0011, 0.005, 0.3, 1.0, 59.9, 60.0, 61.0, 1e9]
    b = Buckets()
    registry = CollectorRegistry()
    ref = Histogram("ref_seconds", "reference", buckets=b.bounds, registry=registry)
    for x in values:
        b.observe(x)
        ref.observe(x)
    fam = HistogramMetricFamily("mine_seconds", "mine", labels=[])
    _histogram(fam, [], b)
    mine = {s.labels["le"]: s.value for s in fam.samples if s.name.endswith("_bucket")}
    theirs = {s.labels["le"]: s.value for s in next(iter(registry.collect())).samples if s.name.endswith("_bucket")}
    assert {float(k): v for k, v in mine.items()} == {float(k): v for k, v in theirs.items()}
    assert b.count == len(values) and b.sum == pytest.approx(sum(values))


def test_every_bridge_tool_has_a_declared_label_value():
    """The `tool` label is bounded by the bridge's own tools; a new tool must be declared."""
    from mcp_bridge.config import BridgeConfig
    from mcp_bridge.server import build_server

    server = build_server(BridgeConfig())
    tools = asyncio.run(server.list_tools())
    names = {t.name for t in tools}
    assert names and names <= LABEL_VALUES["tool"], names - LABEL_VALUES["tool"]


# -- flags ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("parse", ["worker", "coordinator"])
def test_metrics_flags(parse, capsys, monkeypatch):
    from codeintel.rpc.worker import WorkerConfig

    def build(*argv):
        if parse == "worker":
            return WorkerConfig.from_args("parse", list(argv))
        return CoordinatorConfig.from_args(["--parse-workers", "127.0.0.1:1", *argv])

    assert build().metrics_port == 0  # off unless asked for
    cfg = build("--host", "0.0.0.0", "--metrics-port", "9464")
    assert (cfg.metrics_port, cfg.metrics_host or cfg.host) == (9464, "0.0.0.0")
    assert build("--metrics-port", "9464", "--metrics-host", "127.0.0.2").metrics_host == "127.0.0.2"
    monkeypatch.setenv("CODEINTEL_METRICS_PORT", "9100")
    assert build().metrics_port == 9100
    for argv, message in (
        (["--metrics-port", "70000"], "--metrics-port must be between 0 and 65535, got 70000"),
        (["--port", "9200", "--metrics-port", "9200"], "--metrics-port must differ from --port"),
    ):
        with pytest.raises(SystemExit):
            build(*argv)
        assert message in capsys.readouterr().err
    monkeypatch.setenv("CODEINTEL_METRICS_PORT", "lots")
    with pytest.raises(SystemExit):
        build()
    assert "--metrics-port: invalid int value: 'lots'" in capsys.readouterr().err


def test_unbindable_metrics_port_is_a_clear_exit():
    from codeintel.observability.metrics import serve_http

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match=rf"cannot serve metrics on 127.0.0.1:{port}: "):
            serve_http("127.0.0.1", port, CollectorRegistry())


def test_aio_server_streams_are_in_flight_refused_while_draining_and_measured():
    """A server-streaming call (RunRepository) counts as in flight until its last message, so a drain
    waits for it; once the server refuses new work it gets UNAVAILABLE; it is measured like unary calls."""
    registry = CollectorRegistry()
    inflight = InFlight()
    seen: list[int] = []

    async def stream(request, context):
        for i in range(3):
            seen.append(inflight.count)  # the stream itself is in flight while it yields
            yield parse_pb2.ParseResponse(service_version=str(i))

    handler = grpc.method_handlers_generic_handler(
        "codeintel.v1.CodeIntelService",
        {
            "RunRepository": grpc.unary_stream_rpc_method_handler(
                stream,
                request_deserializer=parse_pb2.ParseRequest.FromString,
                response_serializer=parse_pb2.ParseResponse.SerializeToString,
            )
        },
    )

    async def run():
        server = grpc.aio.server(interceptors=[AsyncServerGuard(inflight, GrpcServerMetrics(registry))])
        server.add_generic_rpc_handlers((handler,))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
                call: grpc.aio.UnaryStreamMultiCallable[bytes, parse_pb2.ParseResponse] = ch.unary_stream(
                    "/codeintel.v1.CodeIntelService/RunRepository",
                    response_deserializer=parse_pb2.ParseResponse.FromString,
                )
                got = [m.service_version async for m in call(_req(b"x"), timeout=10)]
                inflight.refusing = True
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    async for _ in call(_req(b"x"), timeout=10):
                        pass
                return got, refused.value.code()
        finally:
            await server.stop(None)

    got, code = asyncio.run(run())
    assert got == ["0", "1", "2"] and seen == [1, 1, 1] and inflight.count == 0
    assert code == grpc.StatusCode.UNAVAILABLE
    labels = {"service": "codeintel.v1.CodeIntelService", "method": "RunRepository"}
    assert registry.get_sample_value("codeintel_grpc_server_requests_total", {**labels, "code": "OK"}) == 1
    assert registry.get_sample_value("codeintel_grpc_server_requests_total", {**labels, "code": "UNAVAILABLE"}) == 1
    for f in registry.collect():
        check_family(f)
