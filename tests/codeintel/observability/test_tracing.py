"""Tracing in one process: settings from the OTel environment variables, W3C propagation in gRPC
metadata, the span tree of real calls (a real parse worker on a sync gRPC server, the real
coordinator on a grpc.aio server, the real MCP bridge through the SDK's in-memory client), logs
that carry the trace id, and nothing at all when tracing is off."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import textwrap
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from codeintel.observability import logs, tracing
from codeintel.observability.tracing import TracingConfig, TracingConfigError
from codeintel.rpc.interceptors import AsyncServerGuard, InFlight, ServerGuard
from codeintel.rpc.worker import InfoServicer, WorkerConfig
from codeintel.v1 import common_pb2, common_pb2_grpc, coordinator_pb2, coordinator_pb2_grpc, parse_pb2_grpc

pytestmark = pytest.mark.anyio

ENDPOINT = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}
REPO = str(Path(__file__).resolve().parents[3])


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def spans():
    """Tracing on in this process, into an in-memory exporter; off again afterwards."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    yield exporter
    tracing.shutdown()
    assert not tracing.ENABLED


# --------------------------------------------------------------------------- settings


def test_off_without_an_endpoint():
    assert not TracingConfig.from_env({}).enabled
    assert not TracingConfig.from_env({"OTEL_SERVICE_NAME": "x", "OTEL_TRACES_SAMPLER": "always_on"}).enabled


def test_endpoint_variables_and_the_ways_to_disable():
    assert TracingConfig.from_env(ENDPOINT).endpoint == "http://127.0.0.1:4317"
    # The traces-specific variable wins over the generic one.
    both = {**ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317"}
    assert TracingConfig.from_env(both).endpoint == "http://collector:4317"
    assert not TracingConfig.from_env({**ENDPOINT, "OTEL_SDK_DISABLED": "true"}).enabled
    assert not TracingConfig.from_env({**ENDPOINT, "OTEL_TRACES_EXPORTER": "none"}).enabled
    assert TracingConfig.from_env({**ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}).enabled


def test_sampler_settings():
    cfg = TracingConfig.from_env(
        {**ENDPOINT, "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}
    )
    assert (cfg.sampler, cfg.sampler_arg) == ("parentbased_traceidratio", 0.25)
    assert TracingConfig.from_env(ENDPOINT).sampler == "parentbased_always_on"


@pytest.mark.parametrize(
    "env, words",
    [
        ({"OTEL_TRACES_SAMPLER": "sometimes"}, ["OTEL_TRACES_SAMPLER", "sometimes", "parentbased_traceidratio"]),
        (
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"},
            ["OTEL_TRACES_SAMPLER_ARG", "0 to 1"],
        ),
        (
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"},
            ["OTEL_TRACES_SAMPLER_ARG", "half"],
        ),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, ["OTEL_EXPORTER_OTLP_PROTOCOL", "gRPC only"]),
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, ["OTEL_TRACES_EXPORTER", "zipkin", "'otlp' or 'none'"]),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://collector:4317"}, ["ftp://collector:4317", "http://HOST:PORT"]),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector"}, ["'collector'", "http://HOST:PORT"]),
    ],
)
def test_bad_values_are_named(env, words):
    with pytest.raises(TracingConfigError) as ei:
        TracingConfig.from_env({**ENDPOINT, **env})
    for word in words:
        assert word in str(ei.value)


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, env=env, cwd=REPO
    )


def test_off_installs_no_provider_and_never_loads_the_sdk():
    out = _python(
        """
        import sys
        from codeintel.observability import tracing
        import codeintel.rpc.worker, coordinator.core, mcp_bridge.server  # everything that traces
        from opentelemetry import trace
        print(tracing.setup("test"), tracing.ENABLED, type(trace.get_tracer_provider()).__name__,
              "opentelemetry.exporter" in " ".join(sys.modules), "opentelemetry.sdk.trace" in sys.modules,
              tracing.server_interceptors())
    """,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "ProxyTracerProvider", "False", "False", "[]"]


def test_on_installs_the_sdk_provider_with_the_service_name():
    code = """
        from codeintel.observability import tracing
        from opentelemetry import trace
        print(tracing.setup("codeintel-coordinator"), tracing.ENABLED,
              trace.get_tracer_provider().resource.attributes["service.name"])
        tracing.shutdown(timeout=0.1)
    """
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ".", **ENDPOINT}
    assert _python(code, base).stdout.split() == ["True", "True", "codeintel-coordinator"]
    # The operator's OTEL_SERVICE_NAME wins over the component's default name.
    assert _python(code, {**base, "OTEL_SERVICE_NAME": "ci-prod"}).stdout.split() == ["True", "True", "ci-prod"]


def test_a_bad_value_stops_the_process_with_the_message():
    out = _python(
        "from codeintel.observability import tracing; tracing.setup('codeintel-parse')",
        {"PATH": "/usr/bin:/bin", "PYTHONPATH": ".", **ENDPOINT, "OTEL_TRACES_SAMPLER": "bogus"},
    )
    assert out.returncode == 1
    assert "codeintel-parse: OTEL_TRACES_SAMPLER='bogus' is not one of" in out.stderr
    assert "Traceback" not in out.stderr


# --------------------------------------------------------------------------- propagation


def test_off_helpers_do_nothing_and_copy_nothing():
    assert not tracing.ENABLED
    md = (("authorization", "Bearer k"),)
    assert tracing.inject(md) is md and tracing.inject(None) is None
    assert tracing.start("x") is None and tracing.current_ids() is None
    with tracing.span("x") as sp:
        assert sp is None
    tracing.end(None, "hit")
    tracing.end_lookup(None, 1, 1)


def test_inject_then_extract_round_trip(spans):
    with tracing.span("client") as sp:
        md = tracing.inject((("authorization", "Bearer k"),))
        sent = sp.get_span_context()
    assert md[0] == ("authorization", "Bearer k")
    ((key, value),) = [kv for kv in md if kv[0] == "traceparent"]
    version, trace_id, span_id, flags = value.split("-")
    assert (version, trace_id, span_id) == ("00", f"{sent.trace_id:032x}", f"{sent.span_id:016x}")
    assert int(flags, 16) & 1  # sampled
    got = trace.get_current_span(tracing.extract(md)).get_span_context()
    assert (got.trace_id, got.span_id, got.is_remote) == (sent.trace_id, sent.span_id, True)
    # A span passed explicitly is the parent, whatever is current.
    other = tracing.start("other")
    md2 = tracing.inject((), span=other)
    assert dict(md2)["traceparent"].split("-")[2] == f"{other.get_span_context().span_id:016x}"
    tracing.end(other)


def test_extract_without_or_with_a_broken_traceparent_starts_a_new_trace(spans):
    for md in [(), (("traceparent", "garbage"),), (("authorization", "x"),)]:
        assert not trace.get_current_span(tracing.extract(md)).get_span_context().is_valid


# --------------------------------------------------------------------------- logs


def _log_line(json_format: bool) -> str:
    buf = io.StringIO()
    logs.setup("info", json_format=json_format)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler), handler  # logs.setup logs to a stream
    handler.stream = buf
    try:
        logging.getLogger("codeintel.test").info("hello")
    finally:
        logs.setup("warning", json_format=False)
    return buf.getvalue().strip()


def test_logs_carry_the_trace_and_span_id_inside_a_span(spans):
    with tracing.span("work") as sp:
        ctx = sp.get_span_context()
        line = json.loads(_log_line(json_format=True))
        text = _log_line(json_format=False)
    assert line["msg"] == "hello"
    assert (line["trace_id"], line["span_id"]) == (f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}")
    assert text.endswith(f"hello trace_id={ctx.trace_id:032x} span_id={ctx.span_id:016x}")
    outside = json.loads(_log_line(json_format=True))
    assert "trace_id" not in outside and "span_id" not in outside


def test_logs_have_no_trace_fields_when_off():
    assert not tracing.ENABLED
    line = json.loads(_log_line(json_format=True))
    assert "trace_id" not in line and line["msg"] == "hello"
    assert _log_line(json_format=False).endswith("hello")


# --------------------------------------------------------------------------- in-process chain


class FlakyParse(parse_pb2_grpc.ParseServiceServicer):
    """A worker that reports healthy but whose every call fails UNAVAILABLE (a dying pod)."""

    def Parse(self, request, context):
        context.abort(grpc.StatusCode.UNAVAILABLE, "going away")


def _worker(servicer, version: str):
    """A sync gRPC worker server with the interceptors and probes a worker process has."""
    from services.parse import domain

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4), interceptors=[ServerGuard(InFlight()), tracing.ServerTracing()]
    )
    parse_pb2_grpc.add_ParseServiceServicer_to_server(servicer, server)
    hs = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(hs, server)
    info = common_pb2.ServiceInfo(
        service="codeintel.v1.ParseService",
        version=version or domain.VERSION,
        languages=["python"],
        max_file_bytes=2 * 1024 * 1024,
        max_batch_files=256,
    )
    common_pb2_grpc.add_InfoServiceServicer_to_server(InfoServicer([info]), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    for name in ("", "codeintel.v1.ParseService"):
        hs.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, f"127.0.0.1:{port}"


@pytest.fixture
async def chain():
    """Factory: a parse worker (optionally behind a flaky one) and a coordinator, in this process."""
    from coordinator.admission import Gatekeeper
    from coordinator.config import CoordinatorConfig
    from coordinator.core import Coordinator
    from coordinator.servicer import CodeIntelServicer
    from services.parse.servicer import ParseServicer

    workers, coordinators = [], []

    async def start(*, flaky: bool = False, extra: tuple[str, ...] = ()) -> str:
        worker, address = _worker(ParseServicer(WorkerConfig()), "")
        workers.append(worker)
        addresses = [address]
        if flaky:
            bad, bad_address = _worker(FlakyParse(), "")
            workers.append(bad)
            addresses.insert(0, bad_address)  # the dispatcher tries the first idle worker first
        config = CoordinatorConfig.from_args(["--port", "0", "--parse-workers", ",".join(addresses), *extra])
        core, gatekeeper = Coordinator(config), Gatekeeper(config)
        server = grpc.aio.server(interceptors=[AsyncServerGuard(InFlight()), tracing.AsyncServerTracing()])
        coordinator_pb2_grpc.add_CodeIntelServiceServicer_to_server(CodeIntelServicer(core, gatekeeper), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await core.start()
        await server.start()
        coordinators.append((server, core))
        return f"127.0.0.1:{port}"

    yield start
    for server, core in coordinators:
        await server.stop(None)
        await core.stop()
    for worker in workers:
        worker.stop(None).wait()


def _tree(exported):
    """{span_id: span} and children lists, for one trace."""
    by_id = {s.context.span_id: s for s in exported}
    kids: dict[int | None, list] = {}
    for s in exported:
        kids.setdefault(s.parent.span_id if s.parent else None, []).append(s)
    return by_id, kids


def _child(kids, parent, name):
    found = [s for s in kids.get(parent.context.span_id, []) if s.name == name]
    assert len(found) == 1, (name, [s.name for s in kids.get(parent.context.span_id, [])])
    return found[0]


async def test_one_trace_from_the_tool_call_to_the_parse_work(spans, chain, tmp_path):
    from mcp import Client

    from mcp_bridge.config import BridgeConfig
    from mcp_bridge.server import build_server

    address = await chain()
    code = "def traced_function(a, b):\n    return a + b\n"
    async with Client(build_server(BridgeConfig(coordinator=address, roots=(str(tmp_path),)))) as client:
        first = await client.call_tool("code_parse", {"code": code, "language": "python"})
        mark = len(spans.get_finished_spans())
        second = await client.call_tool("code_parse", {"code": code, "language": "python"})
    assert not first.is_error and not second.is_error
    exported = spans.get_finished_spans()
    one, two = exported[:mark], exported[mark:]

    assert len({s.context.trace_id for s in one}) == 1  # one trace per tool call
    by_id, kids = _tree(one)
    (root,) = kids[None]
    assert root.name == "mcp.tool code_parse" and root.attributes["mcp.tool.name"] == "code_parse"
    call = _child(kids, root, "codeintel.v1.CodeIntelService/Parse")
    assert call.kind == trace.SpanKind.CLIENT and call.attributes["rpc.grpc.status_code"] == 0
    rpc = _child(kids, call, "codeintel.v1.CodeIntelService/Parse")
    assert rpc.kind == trace.SpanKind.SERVER
    assert rpc.attributes["codeintel.bytes"] == len(code) and rpc.attributes["codeintel.language"] == "python"
    assert rpc.attributes["rpc.grpc.status_code"] == 0
    _child(kids, rpc, "coordinator.admission")
    l1 = _child(kids, rpc, "coordinator.cache.l1")
    assert l1.attributes["codeintel.result"] == "miss"
    queue = _child(kids, rpc, "coordinator.queue_wait")
    assert queue.attributes["codeintel.priority"] == coordinator_pb2.PRIORITY_NORMAL
    worker_call = _child(kids, rpc, "codeintel.v1.ParseService/Parse")
    assert worker_call.kind == trace.SpanKind.CLIENT
    assert worker_call.attributes["codeintel.attempt"] == 1 and worker_call.attributes["codeintel.operation"] == "parse"
    assert worker_call.attributes["server.address"].startswith("127.0.0.1:")
    worker_rpc = _child(kids, worker_call, "codeintel.v1.ParseService/Parse")
    assert worker_rpc.kind == trace.SpanKind.SERVER
    work = _child(kids, worker_rpc, "parse.work")
    assert work.attributes["codeintel.language"] == "python" and work.attributes["codeintel.bytes"] == len(code)
    # Children sit inside their parents in time.
    for s in one:
        if s.parent:
            p = by_id[s.parent.span_id]
            assert p.start_time <= s.start_time and s.end_time <= p.end_time
    assert len(one) == 9

    # The same call again: answered from L1, no worker call in its (new) trace.
    assert len({s.context.trace_id for s in two}) == 1 and two[0].context.trace_id != one[0].context.trace_id
    _, kids2 = _tree(two)
    (root2,) = kids2[None]
    rpc2 = _child(
        kids2, _child(kids2, root2, "codeintel.v1.CodeIntelService/Parse"), "codeintel.v1.CodeIntelService/Parse"
    )
    assert _child(kids2, rpc2, "coordinator.cache.l1").attributes["codeintel.result"] == "hit"
    assert {s.name for s in kids2[rpc2.context.span_id]} == {"coordinator.admission", "coordinator.cache.l1"}


async def test_a_retry_is_a_second_worker_call_span(spans, chain):
    address = await chain(flaky=True)
    async with grpc.aio.insecure_channel(address) as ch:
        stub = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        with tracing.span("client"):
            md = tracing.inject()
            resp = await stub.Parse(
                coordinator_pb2.CodeIntelServiceParseRequest(
                    file=common_pb2.SourceFile(path="r.py", content=b"x = 1\n")
                ),
                metadata=md,
                timeout=30,
            )
    assert resp.info.attempts == 2
    exported = spans.get_finished_spans()
    _, kids = _tree(exported)
    rpc = _child(kids, [s for s in exported if s.name == "client"][0], "codeintel.v1.CodeIntelService/Parse")
    calls = sorted(
        (s for s in kids[rpc.context.span_id] if s.name == "codeintel.v1.ParseService/Parse"),
        key=lambda s: s.attributes["codeintel.attempt"],
    )
    assert [c.attributes["codeintel.attempt"] for c in calls] == [1, 2]
    assert calls[0].attributes["rpc.grpc.status_code"] == grpc.StatusCode.UNAVAILABLE.value[0]
    assert calls[0].status.status_code == trace.StatusCode.ERROR
    assert calls[1].attributes["rpc.grpc.status_code"] == 0
    assert calls[0].attributes["server.address"] != calls[1].attributes["server.address"]
    # Each attempt has its own queue wait, and only the served attempt reached the parse work.
    assert len([s for s in kids[rpc.context.span_id] if s.name == "coordinator.queue_wait"]) == 2
    assert [s.name for s in kids.get(calls[1].context.span_id, [])] == ["codeintel.v1.ParseService/Parse"]


async def test_a_batch_has_one_worker_call_span_per_chunk(spans, chain):
    address = await chain(extra=("--batch-chunk-files", "2"))
    files = [
        common_pb2.SourceFile(path=f"b{i}.py", content=f"def f{i}():\n    return {i}\n".encode()) for i in range(5)
    ]
    async with grpc.aio.insecure_channel(address) as ch:
        stub = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        with tracing.span("client"):
            resp = await stub.ParseBatch(
                coordinator_pb2.CodeIntelServiceParseBatchRequest(files=files), metadata=tracing.inject(), timeout=30
            )
    assert len(resp.results) == 5 and all(r.HasField("result") for r in resp.results)
    exported = spans.get_finished_spans()
    _, kids = _tree(exported)
    rpc = _child(kids, [s for s in exported if s.name == "client"][0], "codeintel.v1.CodeIntelService/ParseBatch")
    assert rpc.attributes["codeintel.files"] == 5
    l1 = _child(kids, rpc, "coordinator.cache.l1")
    assert (l1.attributes["codeintel.cache.keys"], l1.attributes["codeintel.cache.hits"]) == (5, 0)
    calls = [s for s in kids[rpc.context.span_id] if s.name == "codeintel.v1.ParseService/ParseBatch"]
    per_chunk = sorted(
        len(kids[_child(kids, c, "codeintel.v1.ParseService/ParseBatch").context.span_id]) for c in calls
    )
    assert per_chunk == [1, 2, 2]  # parse.work spans: one per file of each chunk


async def test_off_means_zero_spans_through_the_whole_chain(spans, chain, tmp_path):
    from mcp import Client

    from mcp_bridge.config import BridgeConfig
    from mcp_bridge.server import build_server

    address = await chain()
    tracing.disable()  # the provider stays installed: any span made despite the switch would show up here
    async with Client(build_server(BridgeConfig(coordinator=address, roots=(str(tmp_path),)))) as client:
        result = await client.call_tool("code_parse", {"code": "def off():\n    pass\n", "language": "python"})
    assert not result.is_error
    async with grpc.aio.insecure_channel(address) as ch:
        resp = await coordinator_pb2_grpc.CodeIntelServiceStub(ch).ParseBatch(
            coordinator_pb2.CodeIntelServiceParseBatchRequest(
                files=[common_pb2.SourceFile(path="o.py", content=b"y = 2\n")]
            ),
            timeout=30,
        )
    assert resp.results[0].HasField("result")
    assert spans.get_finished_spans() == ()


async def test_a_refused_call_sets_the_status_code_on_every_server_span(spans, chain):
    address = await chain()
    async with grpc.aio.insecure_channel(address) as ch:
        stub = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        with tracing.span("client"):
            with pytest.raises(grpc.aio.AioRpcError) as ei:
                await stub.Parse(
                    coordinator_pb2.CodeIntelServiceParseRequest(
                        file=common_pb2.SourceFile(path="x.unknownext", content=b"zzz\n")
                    ),
                    metadata=tracing.inject(),
                    timeout=30,
                )
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    exported = spans.get_finished_spans()
    _, kids = _tree(exported)
    rpc = _child(kids, [s for s in exported if s.name == "client"][0], "codeintel.v1.CodeIntelService/Parse")
    worker_rpc = _child(kids, _child(kids, rpc, "codeintel.v1.ParseService/Parse"), "codeintel.v1.ParseService/Parse")
    work = _child(kids, worker_rpc, "parse.work")
    for s in (rpc, worker_rpc):
        assert s.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert s.status.status_code == trace.StatusCode.ERROR and s.status.description == "INVALID_ARGUMENT"
    assert work.status.status_code == trace.StatusCode.ERROR and work.attributes["error.type"] == "UnknownLanguage"
    assert "cannot detect the language" in work.status.description
