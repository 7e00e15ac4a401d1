"""Fixtures of the MCP bridge tests: a recording gRPC stand-in coordinator (only for what the real one
cannot show or do on demand: see StandInCoordinator), sample trees, bridge subprocess launchers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent import futures
from pathlib import Path

import grpc
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from codeintel.v1 import (  # noqa: E402
    analyze_pb2,
    common_pb2,
    coordinator_pb2,
    coordinator_pb2_grpc,
    parse_pb2,
    scan_pb2,
)


@pytest.fixture
def anyio_backend():
    return "asyncio"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


def subprocess_env() -> dict[str, str]:
    """Environment for a `python -m mcp_bridge` child: the repo importable."""
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": f"{REPO}{os.pathsep}{path}" if path else str(REPO)}


def bridge_command(coordinator: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mcp_bridge", "--coordinator", coordinator, *extra]


@pytest.fixture
def stdio_params():
    """Factory: StdioServerParameters spawning `python -m mcp_bridge` in `cwd`."""
    from mcp.client.stdio import StdioServerParameters

    def make(coordinator: str, cwd, *extra: str) -> StdioServerParameters:
        cmd = bridge_command(coordinator, *extra)
        return StdioServerParameters(command=cmd[0], args=cmd[1:], cwd=str(cwd), env=subprocess_env())

    return make


@pytest.fixture
def http_bridge():
    """Factory: start `python -m mcp_bridge --transport http` in `cwd`; returns its /mcp URL. Stopped after."""
    procs: list[subprocess.Popen] = []

    def start(coordinator: str, cwd, *extra: str) -> str:
        port = free_port()
        env = {**os.environ, **subprocess_env()}
        proc = subprocess.Popen(
            bridge_command(coordinator, "--transport", "http", "--port", str(port), *extra),
            cwd=str(cwd),
            env=env,
            stdin=subprocess.DEVNULL,
        )
        procs.append(proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"mcp_bridge exited with code {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return f"http://127.0.0.1:{port}/mcp"
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("mcp_bridge did not start listening within 30 s")

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- stand-in coordinator


def _rng(line: int) -> common_pb2.Range:
    return common_pb2.Range(
        start=common_pb2.Position(line=line, column=0), end=common_pb2.Position(line=line, column=10)
    )


class StandInCoordinator(coordinator_pb2_grpc.CodeIntelServiceServicer, coordinator_pb2_grpc.AdminServiceServicer):
    """A real gRPC server, kept only for what the real coordinator cannot do or show:

    - it RECORDS every request (and the Parse metadata), so tests can check what the bridge SENDS
      (test_bridge_tools.py): the real coordinator consumes requests without echoing them back;
    - its Parse fails with INTERNAL on b"boom" (with a fake traceback in the details, to prove the
      client hides them): the real stack answers INTERNAL only for a bug, never on demand;

    Anything else is a success with 2 symbols. Analyze and Scan only record the request and return an
    empty result. Every other status (INVALID_ARGUMENT,
    UNAVAILABLE, DEADLINE_EXCEEDED, UNAUTHENTICATED, RESOURCE_EXHAUSTED) is tested against real
    coordinators in test_bridge_errors.py.
    """

    def __init__(self):
        self.requests: list = []
        self.metadata: list[dict[str, str]] = []

    def _fail(self, content: bytes, context) -> None:
        if content == b"boom":
            context.abort(grpc.StatusCode.INTERNAL, "Traceback (most recent call last): secret internals")

    def Parse(self, request, context):
        self.requests.append(request)
        self.metadata.append(dict(context.invocation_metadata()))
        content = request.file.content
        self._fail(content, context)
        n = 2
        result = parse_pb2.ParseResult(
            path=request.file.path,
            language=request.file.language or "python",
            line_count=n,
            byte_count=10,
            symbols_supported=True,
        )
        for i in range(n):
            result.symbols.add(
                name=f"func_{i}",
                kind=parse_pb2.SYMBOL_KIND_FUNCTION,
                range=_rng(i),
                qualified_name=f"func_{i}",
                parent_index=-1,
            )
        return coordinator_pb2.CodeIntelServiceParseResponse(
            result=result, info=coordinator_pb2.ResponseInfo(cache=coordinator_pb2.CACHE_STATUS_MISS)
        )

    def Analyze(self, request, context):
        self.requests.append(request)
        return coordinator_pb2.CodeIntelServiceAnalyzeResponse(
            result=analyze_pb2.AnalyzeResult(path=request.file.path, language=request.file.language)
        )

    def Scan(self, request, context):
        self.requests.append(request)
        return coordinator_pb2.CodeIntelServiceScanResponse(
            result=scan_pb2.ScanResult(path=request.file.path, language=request.file.language)
        )

    def GetStats(self, request, context):
        return coordinator_pb2.GetStatsResponse(
            version="test",
            uptime_seconds=5,
            workers_total=3,
            workers_serving=2,
            operations=[coordinator_pb2.OperationStats(operation="parse", requests=4, cache_hits_l1=1, cache_misses=3)],
        )

    def ListWorkers(self, request, context):
        return coordinator_pb2.ListWorkersResponse(
            workers=[
                coordinator_pb2.Worker(
                    service="codeintel.v1.ParseService",
                    address="127.0.0.1:1",
                    state=coordinator_pb2.WORKER_STATE_SERVING,
                ),
                coordinator_pb2.Worker(
                    service="codeintel.v1.ScanService",
                    address="127.0.0.1:2",
                    state=coordinator_pb2.WORKER_STATE_DOWN,
                    last_error="connection refused",
                ),
            ]
        )


@pytest.fixture(scope="session")
def standin():
    """(address, servicer) of a real gRPC stand-in coordinator on loopback."""
    servicer = StandInCoordinator()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    coordinator_pb2_grpc.add_CodeIntelServiceServicer_to_server(servicer, server)
    coordinator_pb2_grpc.add_AdminServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", servicer
    server.stop(grace=None)


# --------------------------------------------------------------------------- sample trees

SAMPLE_PY = """\
import os


def run(user_input):
    os.system(user_input)


def classify(x):
    if x > 0:
        return "positive"
    return "non-positive"


class Store:
    def save(self, item):
        return item
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A directory tree for the bridge's cwd: samples inside, a secret outside, symlinks both ways."""
    base = tmp_path_factory.mktemp("mcp")
    root = base / "root"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(SAMPLE_PY)
    (root / "blob.py").write_bytes(b"\x7fELF\x00\x01\x02binary\x00")
    (root / "big.py").write_bytes(b"x = 1\n" * (10 * 1024 * 1024 // 6 + 1))
    (root / "notes.txt").write_text("plain text\n")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("PASSWORD = 'hunter2'\n")
    os.symlink(outside / "secret.py", root / "link_out.py")
    os.symlink(root / "src" / "app.py", root / "link_in.py")
    return root, outside
