"""gRPC failures -> actionable messages: `map_rpc_error`, the client `CoordinatorClient` and the MCP
tools' isError results, with every status produced by REAL processes wherever the real stack can
produce it:

- INVALID_ARGUMENT: the shared `stack` (tests/conftest.py) refusing an unknown language, an unknown
  extension, a binary file and a file over the workers' size limit (its own message, plus our hint);
- UNAVAILABLE: an address where nothing listens, and a real coordinator (`python -m coordinator`)
  whose only parse worker is such an address, with a short --unavailable-after;
- DEADLINE_EXCEEDED: a real coordinator whose only parse worker can never serve and whose
  --unavailable-after is an hour, so a parse waits in its queue until the caller's deadline: that
  deadline cannot be met at any machine speed. (A tiny client timeout is NOT deterministic: gRPC
  rounds deadlines up to whole milliseconds and a loopback parse takes about 2 ms, so calls with a
  1 µs timeout were seen to succeed.)
- RESOURCE_EXHAUSTED, queue full: the same kind of stalled coordinator with --max-queue 1 and one
  call parked in its queue (observed through GetStats), so the next one is refused;
- RESOURCE_EXHAUSTED, spent budget (RetryInfo + QuotaFailure) and UNAUTHENTICATED: a LocalStack
  whose tenants file (coordinator/tenants.py) gives the "trickle" tier a burst of 2 at 0.01
  requests/s: two calls are admitted, the third is refused (deterministic: it depends on the count
  of calls, and the next token is 100 s away); calls without a key or with a wrong one are refused.
- INTERNAL: the only status still tested against the stand-in coordinator
  (tests/mcp_bridge/conftest.py): the real stack answers INTERNAL only for a bug (an unexpected
  exception in a handler), never on demand.

"Nothing listening" is a socket bound and held for the whole module but never listening: connecting
to it is refused, and no other process can take the port meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx2
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

from codeintel.client import ClientError, CoordinatorClient, map_rpc_error
from codeintel.client.requests import single_request
from codeintel.kernel import procs
from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, parse_pb2
from coordinator.tenants import hash_key
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
CODE = "def f(x):\n    return x\n"  # one symbol, "f"
UNAVAILABLE_TEXT = "the code-intelligence backend is unavailable; retry shortly"
BUSY_TEXT = "the server is busy (its queue is full); retry the parse in 1 s, or use priority 'low' for background work"

# Tenants of the tenant stack. "trickle": 0.01 requests/s (one every INTERVAL_S) with a burst of BURST,
# one tenant per test that spends its budget, so no test depends on another's calls.
INTERVAL_S, BURST = 100.0, 2
ACME = "ci_errors-acme-key-0123456789"
TRICKLE = {name: f"ci_errors-{name}-key-0123456789" for name in ("trickle-client", "trickle-wire", "trickle-mcp")}
TENANTS_TOML = f"""
[tiers.unlimited]
rate = 0
bytes_per_second = 0
[tiers.trickle]
rate = {1 / INTERVAL_S}
burst = {BURST}
[[tenants]]
id = "acme"
tier = "unlimited"
keys = ["{hash_key(ACME)}"]
""" + "".join(f'[[tenants]]\nid = "{t}"\ntier = "trickle"\nkeys = ["{hash_key(k)}"]\n' for t, k in TRICKLE.items())


# --------------------------------------------------------------------------- real backends


@pytest.fixture(scope="module")
def dead_address() -> Iterator[str]:
    """HOST:PORT where nothing listens while this module runs (bound and held, never listening)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{s.getsockname()[1]}"


@contextlib.contextmanager
def _coordinator(*args: str) -> Iterator[str]:
    """A real `python -m coordinator` on a free loopback port; yields its address, stops it after."""
    path = os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{path}" if path else str(REPO)}
    argv = [sys.executable, "-m", "coordinator", "--port", "0", "--drain-delay", "0", "--grace", "1", *args]
    proc = procs.spawn(argv, env=env)
    try:
        yield procs.wait_ready(proc, 60)["address"]
    finally:
        procs.terminate([proc], 10)


@pytest.fixture(scope="module")
def unavailable_coordinator(dead_address) -> Iterator[str]:
    """Its only parse worker never serves, and it gives up on queued work after 0.5 s: UNAVAILABLE."""
    with _coordinator("--parse-workers", dead_address, "--unavailable-after", "0.5") as address:
        yield address


@pytest.fixture(scope="module")
def stalled_coordinator(dead_address) -> Iterator[str]:
    """Its only parse worker never serves, and it keeps work queued for an hour: every parse waits
    in its queue until the caller's deadline."""
    with _coordinator("--parse-workers", dead_address, "--unavailable-after", "3600") as address:
        yield address


@pytest.fixture(scope="module")
def full_coordinator(dead_address) -> Iterator[str]:
    """A stalled coordinator whose parse queue holds one item (see _queue_occupied)."""
    with _coordinator("--parse-workers", dead_address, "--unavailable-after", "3600", "--max-queue", "1") as address:
        yield address


@pytest.fixture(scope="module")
def tenant_stack(tmp_path_factory) -> Iterator[str]:
    """Coordinator + one parse worker, with authentication and rate limits (TENANTS_TOML)."""
    path = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    path.write_text(TENANTS_TOML)
    stack = LocalStack(
        workers=1,
        extra_args=["--analyze-workers", "0", "--scan-workers", "0", f"--coordinator-arg=--tenants-file={path}"],
        grace=5.0,
        drain_delay=0.0,
    )
    stack.start(timeout=120)
    try:
        yield stack.address
    finally:
        stack.stop()


@pytest.fixture
def stack_address(stack) -> str:
    return stack.address


@pytest.fixture
def standin_address(standin) -> str:
    return standin[0]


# --------------------------------------------------------------------------- helpers


def _file(content: bytes, path: str = "a.py", language: str = "") -> common_pb2.SourceFile:
    return common_pb2.SourceFile(path=path, language=language, content=content)


async def _parse(address: str, file: common_pb2.SourceFile, *, timeout_s: float = 30.0, api_key: str | None = None):
    client = CoordinatorClient(address, timeout_s=timeout_s, api_key=api_key)
    try:
        return await client.parse(file, parse_pb2.ParseOptions())
    finally:
        await client.close()


async def _refused(address: str, file: common_pb2.SourceFile, **kw: Any) -> ClientError:
    with pytest.raises(ClientError) as exc:
        await _parse(address, file, **kw)
    return exc.value


def _rich(
    err: grpc.aio.AioRpcError,
) -> tuple[error_details_pb2.RetryInfo | None, error_details_pb2.QuotaFailure | None]:
    """The RetryInfo and QuotaFailure the server attached, read with grpc_status (not with our client code)."""
    status = rpc_status.from_call(err)  # also checks that its code and message match the call's
    assert status is not None, "no google.rpc.Status in the trailing metadata"
    retry = quota = None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
        if detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            quota = error_details_pb2.QuotaFailure()
            detail.Unpack(quota)
    return retry, quota


async def _wire_parse(address: str, content: bytes, api_key: str | None = None):
    """One Parse through a plain grpc.aio stub: the raw AioRpcError stays visible."""
    metadata = (("authorization", f"Bearer {api_key}"),) if api_key else ()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = coordinator_pb2_grpc.CodeIntelServiceStub(channel)
        request = single_request("parse", _file(content), parse_pb2.ParseOptions(), "normal")
        return await stub.Parse(request, metadata=metadata, timeout=30)


async def _parse_queue_depth(address: str) -> int:
    client = CoordinatorClient(address)
    try:
        stats = await client.get_stats()
    finally:
        await client.close()
    return next(o.queue_depth for o in stats.operations if o.operation == "parse")


async def _until_queue_depth(address: str, depth: int, occupant: asyncio.Task | None = None) -> None:
    """Wait until GetStats reports `depth` parse items queued (a state check, not a timed wait)."""
    give_up = time.monotonic() + 60
    while await _parse_queue_depth(address) != depth:
        if occupant is not None and occupant.done():
            pytest.fail(f"the call meant to wait in the queue ended: {occupant.exception()!r}")
        assert time.monotonic() < give_up, f"the parse queue never reached depth {depth}"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _queue_occupied(address: str) -> AsyncIterator[None]:
    """Park one parse in the (one-item) queue of a coordinator whose worker never serves; cancel it after."""
    await _until_queue_depth(address, 0)
    client = CoordinatorClient(address, timeout_s=600)
    occupant = asyncio.create_task(client.parse(_file(f"# {uuid.uuid4().hex}\n".encode()), parse_pb2.ParseOptions()))
    try:
        await _until_queue_depth(address, 1, occupant)
        yield
    finally:
        occupant.cancel()
        await asyncio.gather(occupant, return_exceptions=True)
        await client.close()
        await _until_queue_depth(address, 0)  # the server dropped it: the next user finds the queue empty


# --------------------------------------------------------------------------- client: real stack


async def test_success_passes_through(stack):
    resp = await _parse(stack.address, _file(b"def alpha():\n    pass\n\n\ndef beta():\n    pass\n"))
    assert [s.name for s in resp.result.symbols] == ["alpha", "beta"]


INVALID_INPUTS = {
    # name: (file, the server's own message (its start), our hint appended to it or None)
    "unknown-language": (
        _file(CODE.encode(), language="klingon"),
        "unknown language 'klingon'; known languages: ",
        "Pass a supported `language` id (e.g. 'python', 'javascript', 'go'), or a `filename` / `path` "
        "with a known extension.",
    ),
    "unknown-extension": (
        _file(CODE.encode(), path="a.klingon"),
        "cannot detect the language of file 'a.klingon': pass a language id",
        None,  # the server's message already says what to do
    ),
    "binary": (
        _file(b"\x7fELF\x00\x01\x02binary\x00"),
        "a.py looks binary (it contains NUL bytes); send source text",
        None,
    ),
    "too-large": (
        _file(b"x" * (DEFAULT_MAX_FILE_BYTES + 1)),
        f"a.py is {DEFAULT_MAX_FILE_BYTES + 1:,} bytes; the limit is {DEFAULT_MAX_FILE_BYTES:,} bytes",
        "Send a smaller file, or only the relevant part in `code`.",
    ),
}


@pytest.mark.parametrize("case", INVALID_INPUTS)
async def test_invalid_argument_keeps_message_and_hints(stack, case):
    file, server_says, hint = INVALID_INPUTS[case]
    err = await _refused(stack.address, file)
    assert err.code == "INVALID_ARGUMENT"
    assert err.retry_after is None
    assert err.details.startswith(server_says), err.details
    expected = f"the parse request was rejected: {err.details}"
    assert str(err) == (f"{expected}. {hint}" if hint else expected)


async def test_unavailable_when_no_worker_can_serve(unavailable_coordinator):
    err = await _refused(unavailable_coordinator, _file(CODE.encode()))
    assert err.code == "UNAVAILABLE"
    assert str(err) == UNAVAILABLE_TEXT
    assert err.retry_after == 2.0  # the client's own advice: the coordinator sends no RetryInfo here
    assert "no healthy parse worker" in err.details  # the real coordinator's reason


async def test_nothing_listening_is_unavailable(dead_address):
    err = await _refused(dead_address, _file(CODE.encode()))
    assert err.code == "UNAVAILABLE"
    assert str(err) == UNAVAILABLE_TEXT
    assert err.retry_after == 2.0


async def test_deadline_exceeded(stalled_coordinator):
    err = await _refused(stalled_coordinator, _file(f"# {uuid.uuid4().hex}\n".encode()), timeout_s=0.5)
    assert err.code == "DEADLINE_EXCEEDED"
    assert str(err) == (
        "the parse did not finish within 0.5 s; retry, or send a smaller file "
        "(for code_parse, drop include_ast or lower ast_max_nodes)"
    )
    assert err.retry_after is None


async def test_full_queue_is_busy_with_the_servers_retry_info(full_coordinator):
    async with _queue_occupied(full_coordinator):
        err = await _refused(full_coordinator, _file(b"def busy():\n    pass\n"))
        with pytest.raises(grpc.aio.AioRpcError) as wire:
            await _wire_parse(full_coordinator, b"def busy_too():\n    pass\n")
    assert err.code == "RESOURCE_EXHAUSTED"
    assert err.details == "the parse queue is full (1 items waiting); retry shortly"
    assert str(err) == BUSY_TEXT
    retry, quota = _rich(wire.value)
    assert retry is not None and quota is None  # a full queue is not a tenant's quota
    assert (retry.retry_delay.seconds, retry.retry_delay.nanos) == (1, 0)
    assert err.retry_after == 1.0
    mapped = map_rpc_error(wire.value, "parse")
    assert (mapped.code, str(mapped), mapped.retry_after) == ("RESOURCE_EXHAUSTED", BUSY_TEXT, 1.0)


async def test_spent_rate_budget_says_when_to_retry(tenant_stack):
    """BURST calls are admitted, the next is refused; its delay is the server's RetryInfo, which the
    GCRA limiter computes as INTERVAL_S minus the time since the first call."""
    client = CoordinatorClient(tenant_stack, api_key=TRICKLE["trickle-client"])
    try:
        t0 = time.monotonic()
        for i in range(BURST):
            resp = await client.parse(_file(f"def f{i}():\n    pass\n".encode()), parse_pb2.ParseOptions())
            assert resp.info.tenant == "trickle-client" and [s.name for s in resp.result.symbols] == [f"f{i}"]
        with pytest.raises(ClientError) as exc:
            await client.parse(_file(CODE.encode()), parse_pb2.ParseOptions())
        elapsed = time.monotonic() - t0
    finally:
        await client.close()
    err = exc.value
    assert err.code == "RESOURCE_EXHAUSTED"
    assert err.retry_after is not None
    assert INTERVAL_S - elapsed - 1e-6 <= err.retry_after <= INTERVAL_S
    assert "rate limit of tier 'trickle' exceeded: 0.01 requests/s (burst 2)" in err.details
    assert str(err).startswith(f"the API key's request rate is used up for now ({err.details}); ")
    assert f"retry the parse in {math.ceil(err.retry_after)} s" in str(err)


async def test_map_rpc_error_reads_retry_info_and_quota_failure(tenant_stack):
    """map_rpc_error on the raw error of a real rate-limited call: its delay is exactly the RetryInfo
    on the wire, and the QuotaFailure names the tenant and the request budget."""
    key = TRICKLE["trickle-wire"]
    for i in range(BURST):
        await _wire_parse(tenant_stack, f"def g{i}():\n    pass\n".encode(), key)
    with pytest.raises(grpc.aio.AioRpcError) as wire:
        await _wire_parse(tenant_stack, CODE.encode(), key)
    err = wire.value
    retry, quota = _rich(err)
    assert retry is not None and quota is not None
    violation = quota.violations[0]
    assert (violation.subject, violation.quota_metric) == ("tenant:trickle-wire", "codeintel/requests")
    delay = retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
    assert 0 < delay <= INTERVAL_S
    mapped = map_rpc_error(err, "parse")
    assert mapped.code == "RESOURCE_EXHAUSTED"
    assert mapped.retry_after == delay
    assert mapped.details == err.details()
    assert "the API key's request rate is used up" in str(mapped)
    assert f"retry the parse in {math.ceil(delay)} s" in str(mapped)


@pytest.mark.parametrize(
    ("api_key", "reason"),
    [(None, "missing authorization metadata"), ("ci_not-a-key", "unknown API key")],
    ids=["no-key", "wrong-key"],
)
async def test_unauthenticated(tenant_stack, api_key, reason):
    err = await _refused(tenant_stack, _file(CODE.encode()), api_key=api_key)
    assert err.code == "UNAUTHENTICATED"
    assert err.details.startswith(reason), err.details
    assert str(err).startswith(f"the API key was refused ({err.details}): send a valid key as ")
    assert str(err).endswith("Retrying with the same key will not help.")
    assert err.retry_after is None


async def test_api_key_is_sent_as_bearer(tenant_stack):
    """The key reaches the coordinator as a bearer credential: it accepts it and names its tenant
    (the same call without a key, or with another, is refused: test_unauthenticated)."""
    client = CoordinatorClient(tenant_stack, api_key=ACME)
    try:
        assert client.metadata == (("authorization", f"Bearer {ACME}"),)
        resp = await client.parse(_file(CODE.encode()), parse_pb2.ParseOptions())
    finally:
        await client.close()
    assert resp.info.tenant == "acme"
    assert [s.name for s in resp.result.symbols] == ["f"]


# --------------------------------------------------------------------------- client: stand-in (INTERNAL)


async def test_internal_hides_server_details(standin):
    """Stand-in: the real stack answers INTERNAL only for a bug, never on demand."""
    err = await _refused(standin[0], _file(b"boom"))
    assert err.code == "INTERNAL"
    assert "Traceback" not in str(err)
    assert "secret internals" not in str(err)
    assert str(err) == (
        "the code-intelligence backend failed the parse (INTERNAL); retry later, and report it if it keeps happening"
    )


# --------------------------------------------------------------------------- MCP tool errors


def _text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


def _parse_queue(metrics: dict) -> int:
    return next(o["queue_depth"] for o in metrics["operations"] if o["operation"] == "parse")


@dataclass(frozen=True)
class ToolCase:
    """code_parse(`args`) through a bridge to `backend` fails with `expected` text; then the same MCP
    session still serves `follow_up`, whose structured result passes `check`."""

    backend: str  # fixture giving the coordinator address
    args: dict[str, str]
    expected: tuple[str, ...]
    follow_up: tuple[str, dict[str, str]]
    check: Callable[[dict], bool]
    api_key: str | None = None
    timeout_s: float = 30.0
    spend: int = 0  # successful code_parse calls first (a rate-limited key's burst)
    hold_queue: bool = False  # park a call in the backend's one-item queue meanwhile
    retry_in: bool = False  # the text says "retry the parse in N s", N the rate limiter's delay


METRICS: tuple[str, dict[str, str]] = ("admin_get_metrics", {})
PARSE_OK: tuple[str, dict[str, str]] = ("code_parse", {"code": CODE, "language": "python"})

TOOL_CASES = {
    "invalid-argument": ToolCase(
        backend="stack_address",
        args={"code": CODE, "language": "klingon"},
        expected=("the parse request was rejected: unknown language 'klingon'", "Pass a supported `language` id"),
        follow_up=PARSE_OK,
        check=lambda s: [x["name"] for x in s["symbols"]] == ["f"],
    ),
    "rate-limited": ToolCase(
        backend="tenant_stack",
        api_key=TRICKLE["trickle-mcp"],
        spend=BURST,
        args={"code": CODE, "language": "python"},
        expected=("the API key's request rate is used up", "rate limit of tier 'trickle' exceeded"),
        retry_in=True,
        follow_up=METRICS,  # AdminService takes any valid key and is not rate limited
        check=lambda s: s["workers_serving"] == 1,
    ),
    "queue-full": ToolCase(
        backend="full_coordinator",
        hold_queue=True,
        args={"code": "def busy(): pass\n", "language": "python"},
        expected=(BUSY_TEXT,),
        follow_up=METRICS,
        check=lambda s: _parse_queue(s) == 1 and s["workers_serving"] == 0,
    ),
    "unavailable": ToolCase(
        backend="unavailable_coordinator",
        args={"code": CODE, "language": "python"},
        expected=(UNAVAILABLE_TEXT,),
        follow_up=METRICS,
        check=lambda s: s["workers_serving"] == 0 and [w["state"] for w in s["workers"]] == ["down"],
    ),
    "deadline-exceeded": ToolCase(
        backend="stalled_coordinator",
        timeout_s=2.0,
        args={"code": f"# {uuid.uuid4().hex}\n", "language": "python"},
        expected=("the parse did not finish within 2 s",),
        follow_up=METRICS,
        check=lambda s: s["workers_serving"] == 0,
    ),
    "internal-standin": ToolCase(
        backend="standin_address",
        args={"code": "boom", "language": "python"},
        expected=("the code-intelligence backend failed the parse (INTERNAL)",),
        follow_up=("code_parse", {"code": "fine", "language": "python"}),
        check=lambda s: s["total_symbols"] == 2,
    ),
}


@pytest.mark.parametrize("case", TOOL_CASES)
async def test_tool_errors_are_is_error_results(request, tmp_path, case):
    """Each status becomes an isError tool result with the actionable text, and the server keeps
    serving. Real coordinators for every status but INTERNAL (see the module docstring)."""
    c = TOOL_CASES[case]
    address = request.getfixturevalue(c.backend)
    config = BridgeConfig(coordinator=address, roots=(str(tmp_path),), api_key=c.api_key, timeout_s=c.timeout_s)
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(Client(build_server(config)))
        t0 = time.monotonic()
        for i in range(c.spend):
            spent = await client.call_tool("code_parse", {"code": f"def s{i}(): pass\n", "language": "python"})
            assert not spent.is_error, _text(spent)
        if c.hold_queue:
            await stack.enter_async_context(_queue_occupied(address))
        result = await client.call_tool("code_parse", c.args)
        elapsed = time.monotonic() - t0
        assert result.is_error
        text = _text(result)
        for expected in c.expected:
            assert expected in text
        assert "Traceback" not in text
        if c.retry_in:
            # GCRA: the next call fits INTERVAL_S after the first of the burst; N is that delay rounded up.
            match = re.search(r"retry the parse in (\d+) s", text)
            assert match is not None, text
            assert INTERVAL_S - elapsed <= int(match.group(1)) <= INTERVAL_S
        # The server keeps serving after a failure.
        tool, args = c.follow_up
        ok = await client.call_tool(tool, args)
        assert not ok.is_error, _text(ok)
        assert ok.structured_content is not None and c.check(ok.structured_content), ok.structured_content


def _http_client(url: str, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers, timeout=30)))


async def test_unauthenticated_tool_errors_over_http(tenant_stack, tmp_path, http_bridge):
    """UNAUTHENTICATED as a tool error: each MCP caller's own bearer token decides (HTTP transport), so
    the same bridge refuses the callers without a valid key and keeps serving the one with a key."""
    url = http_bridge(tenant_stack, tmp_path)
    for key, reason in ((None, "missing authorization metadata"), ("ci_not-a-key", "unknown API key")):
        async with _http_client(url, key) as client:
            r = await client.call_tool("code_parse", {"code": CODE, "language": "python"})
            assert r.is_error
            text = _text(r)
            assert f"the API key was refused ({reason}" in text
            assert "Retrying with the same key will not help." in text
    async with _http_client(url, ACME) as client:
        r = await client.call_tool("code_parse", {"code": CODE, "language": "python"})
        assert not r.is_error, _text(r)
        assert r.structured_content is not None
        assert [s["name"] for s in r.structured_content["symbols"]] == ["f"]
