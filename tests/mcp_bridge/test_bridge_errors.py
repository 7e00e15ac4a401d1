"""gRPC failures -> actionable messages, against a real gRPC stand-in server."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import TextContent

from codeintel.client import ClientError, CoordinatorClient
from codeintel.v1 import common_pb2, parse_pb2
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server

RETRY_DELAY_S = 3  # as the stand-in coordinator sends it (conftest.RETRY_DELAY_S)

pytestmark = pytest.mark.anyio


async def _parse(address: str, content: bytes, timeout_s: float = 5.0):
    client = CoordinatorClient(address, timeout_s=timeout_s)
    try:
        return await client.parse(common_pb2.SourceFile(path="a.py", content=content), parse_pb2.ParseOptions())
    finally:
        await client.close()


async def test_success_passes_through(standin):
    resp = await _parse(standin[0], b"ok")
    assert [s.name for s in resp.result.symbols] == ["func_0", "func_1"]


async def test_resource_exhausted_uses_retry_info(standin):
    with pytest.raises(ClientError) as exc:
        await _parse(standin[0], b"busy")
    assert exc.value.code == "RESOURCE_EXHAUSTED"
    assert exc.value.retry_after == RETRY_DELAY_S
    assert "the server is busy" in str(exc.value)
    assert f"retry the parse in {RETRY_DELAY_S} s" in str(exc.value)


async def test_invalid_argument_keeps_message_and_hints(standin):
    with pytest.raises(ClientError) as exc:
        await _parse(standin[0], b"bad")
    msg = str(exc.value)
    assert exc.value.code == "INVALID_ARGUMENT"
    assert "unknown language 'klingon'" in msg
    assert "Pass a supported `language` id" in msg


async def test_unavailable_status(standin):
    with pytest.raises(ClientError) as exc:
        await _parse(standin[0], b"down")
    assert str(exc.value) == "the code-intelligence backend is unavailable; retry shortly"


async def test_nothing_listening_is_unavailable(unused_port):
    with pytest.raises(ClientError) as exc:
        await _parse(f"127.0.0.1:{unused_port}", b"ok")
    assert exc.value.code == "UNAVAILABLE"
    assert "unavailable; retry shortly" in str(exc.value)


async def test_deadline_exceeded(standin):
    with pytest.raises(ClientError) as exc:
        await _parse(standin[0], b"slow", timeout_s=0.5)
    assert exc.value.code == "DEADLINE_EXCEEDED"
    assert "did not finish within 0.5 s" in str(exc.value)


async def test_unauthenticated(standin):
    with pytest.raises(ClientError) as exc:
        await _parse(standin[0], b"auth")
    assert exc.value.code == "UNAUTHENTICATED"
    assert "API key" in str(exc.value)


async def test_internal_hides_server_details(standin):
    with pytest.raises(ClientError) as exc:
        await _parse(standin[0], b"boom")
    assert "Traceback" not in str(exc.value)
    assert "secret internals" not in str(exc.value)
    assert "INTERNAL" in str(exc.value)


async def test_api_key_is_sent_as_bearer(standin):
    client = CoordinatorClient(standin[0], api_key="k1")
    try:
        resp = await client.parse(common_pb2.SourceFile(path="a.py", content=b"ok"), parse_pb2.ParseOptions())
    finally:
        await client.close()
    assert resp.result.symbols
    assert standin[1].metadata[-1]["authorization"] == "Bearer k1"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("busy", f"retry the parse in {RETRY_DELAY_S} s"),
        ("bad", "unknown language 'klingon'"),
        ("down", "the code-intelligence backend is unavailable; retry shortly"),
        ("boom", "the code-intelligence backend failed the parse (INTERNAL)"),
    ],
)
async def test_tool_errors_are_is_error_results(standin, tmp_path, content, expected):
    server = build_server(BridgeConfig(coordinator=standin[0], roots=(str(tmp_path),)))
    async with Client(server) as client:
        result = await client.call_tool("code_parse", {"code": content, "language": "python"})
        assert result.is_error
        block = result.content[0]
        assert isinstance(block, TextContent), block
        text = block.text
        assert expected in text
        assert "Traceback" not in text
        # The server keeps serving after a failure.
        ok = await client.call_tool("code_parse", {"code": "fine", "language": "python"})
        assert not ok.is_error
        assert ok.structured_content["total_symbols"] == 2
