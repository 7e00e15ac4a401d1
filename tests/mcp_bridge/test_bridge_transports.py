"""`python -m mcp_bridge` as a real subprocess over stdio and streamable HTTP, against the real local stack."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from tests.mcp_bridge.tool_names import TOOLS

pytestmark = pytest.mark.anyio


def _text(result: CallToolResult) -> str:
    """The text of the result's first content block (which must be a text block)."""
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


THREE_FUNCTIONS = "def a():\n    return 1\n\n\ndef b():\n    return 2\n\n\ndef c():\n    return 3\n"


async def test_stdio_subprocess(stack, workdir, stdio_params):
    root, _ = workdir
    async with Client(stdio_params(stack.address, root)) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools == TOOLS
        r = await client.call_tool("code_parse", {"path": "src/app.py"})
        assert not r.is_error, r.content
        assert r.structured_content["path"] == "src/app.py"
        bad = await client.call_tool("code_parse", {"path": "../outside/secret.py"})
        assert bad.is_error and "outside the allowed roots" in _text(bad)
        again = await client.call_tool("admin_get_metrics", {})
        assert not again.is_error
        metrics = again.structured_content
        assert metrics["workers_total"] == 6 and metrics["workers_serving"] == 6  # two per service


async def test_stdio_extra_root(stack, workdir, stdio_params):
    root, outside = workdir
    async with Client(stdio_params(stack.address, root, "--root", str(outside))) as client:
        # With an explicit --root, only that root is allowed: the cwd no longer is.
        r = await client.call_tool("code_parse", {"path": "secret.py"})
        assert not r.is_error, r.content
        r = await client.call_tool("code_parse", {"path": str(root / "src" / "app.py")})
        assert r.is_error and "outside the allowed roots" in _text(r)


async def test_streamable_http_subprocess(stack, workdir, http_bridge):
    url = http_bridge(stack.address, workdir[0])
    async with Client(url) as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOLS
        r = await client.call_tool("code_parse", {"code": THREE_FUNCTIONS, "language": "python"})
        assert not r.is_error
        assert r.structured_content["total_symbols"] == 3
        r = await client.call_tool("code_parse", {"code": THREE_FUNCTIONS, "language": "klingon"})
        assert r.is_error and "unknown language 'klingon'" in _text(r)
        assert "Pass a supported `language` id" in _text(r)  # the bridge's hint to the model
