"""The main job as the README runs it: `codeintel mcp` over stdio, starting its own local
stack (coordinator + workers), driven by the MCP SDK's client through every hop."""

from __future__ import annotations

import sys

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.types import TextContent

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_codeintel_mcp_with_embedded_stack(tmp_path):
    (tmp_path / "job.py").write_text("import subprocess\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n")
    params = StdioServerParameters(command=sys.executable, args=["-m", "codeintel", "mcp"], cwd=str(tmp_path))
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"code_parse", "code_analyze", "vulnerability_scan", "scan_list_rules", "admin_get_metrics"} <= names
        parsed = await client.call_tool("code_parse", {"path": "job.py"})
        assert not parsed.is_error
        assert [s["name"] for s in parsed.structured_content["symbols"]] == ["subprocess", "go"]
        scanned = await client.call_tool("vulnerability_scan", {"path": "job.py"})
        assert any(f["cwe"] == "CWE-78" for f in scanned.structured_content["findings"])
        metrics = await client.call_tool("admin_get_metrics", {})
        assert metrics.structured_content["workers_serving"] == metrics.structured_content["workers_total"] == 3
        refused = await client.call_tool("code_parse", {"path": "/etc/passwd"})
        assert refused.is_error and isinstance(refused.content[0], TextContent), refused.content
        assert "outside the allowed roots" in refused.content[0].text
