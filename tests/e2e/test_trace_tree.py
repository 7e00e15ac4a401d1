"""One MCP tool call traced across real processes: a parse worker, the coordinator and the MCP bridge
(streamable HTTP), each exporting OTLP/gRPC to a real trace receiver started here (a gRPC server
implementing the collector's TraceService/Export from opentelemetry-proto). The processes are
stopped with SIGTERM before the spans are read, so this also proves the drain paths flush the
last spans. With tracing off, no process even opens a connection to an exporter endpoint."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from mcp import Client
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from codeintel.kernel import procs

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
CODE = "def traced(a, b):\n    return a * b\n"


@pytest.fixture
def anyio_backend():
    return "asyncio"


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    """Stores every exported span with its service.name."""

    def __init__(self):
        self.lock = threading.Lock()
        self.spans: list[tuple[str, object]] = []

    def Export(self, request, context):
        with self.lock:
            for rs in request.resource_spans:
                service = next(a.value.string_value for a in rs.resource.attributes if a.key == "service.name")
                for ss in rs.scope_spans:
                    self.spans.extend((service, s) for s in ss.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
def receiver():
    servicer = Receiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, f"http://127.0.0.1:{port}"
    server.stop(None).wait()


class Listener:
    """A bare TCP listener that counts the connections made to it."""

    def __init__(self, port: int = 0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _env(otel: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{path}" if path else str(REPO)
    return {**env, **otel}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """A parse worker, a coordinator and an HTTP MCP bridge as separate processes."""

    def __init__(self, env: dict[str, str], tmp_path):
        self.env, self.tmp_path = env, tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> str:
        worker = procs.spawn(
            [sys.executable, "-m", "services.parse", "--port", "0", "--drain-delay", "0"], env=self.env
        )
        self.procs.append(worker)
        worker_address = procs.wait_ready(worker, 60)["address"]
        coordinator = procs.spawn(
            [
                sys.executable,
                "-m",
                "coordinator",
                "--port",
                "0",
                "--drain-delay",
                "0",
                "--parse-workers",
                worker_address,
            ],
            env=self.env,
        )
        self.procs.insert(0, coordinator)
        coordinator_address = procs.wait_ready(coordinator, 60)["address"]
        port = _free_port()
        bridge = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mcp_bridge",
                "--coordinator",
                coordinator_address,
                "--transport",
                "http",
                "--port",
                str(port),
                "--root",
                str(self.tmp_path),
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            cwd=str(self.tmp_path),
        )
        self.procs.insert(0, bridge)
        deadline = time.monotonic() + 60
        while True:
            assert bridge.poll() is None, f"mcp_bridge exited with code {bridge.returncode}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return f"http://127.0.0.1:{port}/mcp"
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("mcp_bridge did not listen within 60 s") from None
                time.sleep(0.1)

    def stop(self) -> list[int]:
        """SIGTERM in order (bridge, coordinator, worker); the exit codes."""
        for p in self.procs:
            procs.terminate([p], 30)
        return [p.returncode for p in self.procs]


async def _one_tool_call(env, tmp_path) -> list[int]:
    stack = Stack(env, tmp_path)
    try:
        url = stack.start()
        async with Client(url) as client:
            result = await client.call_tool("code_parse", {"code": CODE, "language": "python"})
        assert not result.is_error
        assert [s["name"] for s in result.structured_content["symbols"]] == ["traced"]
    finally:
        codes = stack.stop()
    return codes


async def test_one_trace_across_bridge_coordinator_and_worker(receiver, tmp_path):
    store, endpoint = receiver
    codes = await _one_tool_call(_env({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}), tmp_path)
    assert codes == [0, 0, 0]  # every process drained and exited cleanly after flushing

    spans = store.spans
    assert not [s.name for _, s in spans if s.name.startswith("grpc.") or "InfoService" in s.name]  # probes untraced
    (tool,) = [s for _, s in spans if s.name == "mcp.tool code_parse"]
    trace_id = tool.trace_id
    mine = [(svc, s) for svc, s in spans if s.trace_id == trace_id]
    by_id = {s.span_id: (svc, s) for svc, s in mine}
    kids: dict[bytes, list] = {}
    for svc, s in mine:
        kids.setdefault(s.parent_span_id, []).append((svc, s))

    def child(parent, name, service):
        found = [(svc, s) for svc, s in kids.get(parent.span_id, []) if s.name == name]
        assert len(found) == 1, (name, [s.name for _, s in kids.get(parent.span_id, [])])
        svc, s = found[0]
        assert svc == service, (name, svc)
        return s

    # The MCP SDK's own server span is the root; ours is the tool call under it.
    ((root_svc, root),) = kids[b""]
    assert (root_svc, root.name) == ("codeintel-mcp-bridge", "tools/call code_parse")
    assert by_id[tool.parent_span_id][1] is root
    call = child(tool, "codeintel.v1.CodeIntelService/Parse", "codeintel-mcp-bridge")
    rpc = child(call, "codeintel.v1.CodeIntelService/Parse", "codeintel-coordinator")
    for name in ("coordinator.admission", "coordinator.cache.l1", "coordinator.queue_wait"):
        child(rpc, name, "codeintel-coordinator")
    worker_call = child(rpc, "codeintel.v1.ParseService/Parse", "codeintel-coordinator")
    worker_rpc = child(worker_call, "codeintel.v1.ParseService/Parse", "codeintel-parse")
    work = child(worker_rpc, "parse.work", "codeintel-parse")
    attrs = {a.key: a.value for a in work.attributes}
    assert attrs["codeintel.language"].string_value == "python" and attrs["codeintel.bytes"].int_value == len(CODE)
    # Every span the coordinator and the worker exported belongs to this one trace.
    assert {s.trace_id for svc, s in spans if svc in ("codeintel-coordinator", "codeintel-parse")} == {trace_id}


@pytest.mark.parametrize("how", ["no OTEL variables", "OTEL_SDK_DISABLED=true"])
async def test_off_no_exporter_connection_is_attempted(how, tmp_path):
    if how == "no OTEL variables":
        try:  # the OTLP exporter's default endpoint: where a wrongly enabled exporter would connect
            listener = Listener(4317)
        except OSError:
            pytest.skip("port 4317 is in use here")
        otel: dict[str, str] = {}
    else:
        listener = Listener()
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{listener.port}", "OTEL_SDK_DISABLED": "true"}
    try:
        codes = await _one_tool_call(_env(otel), tmp_path)
    finally:
        listener.close()
    assert codes == [0, 0, 0]
    assert listener.accepted == 0
