"""The MCP tools in-process (SDK client <-> MCPServer) against the real gRPC stand-in coordinator:
schemas and annotations, input validation, truncation and the size budget."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from codeintel.v1 import coordinator_pb2, scan_pb2
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server

pytestmark = pytest.mark.anyio

TOOLS = {"code_parse", "code_analyze", "vulnerability_scan", "admin_get_metrics"}


def _server(standin, workdir, **kw):
    return build_server(BridgeConfig(coordinator=standin[0], roots=(str(workdir[0]),), **kw))


def _size(result) -> int:
    return len(json.dumps(result.structured_content))


async def test_list_tools_schemas_and_annotations(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        a = tool.annotations
        assert a.read_only_hint is True and a.idempotent_hint is True and a.open_world_hint is False
        assert a.title and tool.title
        assert tool.output_schema and tool.output_schema["type"] == "object"
    assert {"code", "path", "language", "filename", "include_ast", "ast_max_depth", "ast_max_nodes", "priority"} <= set(
        tools["code_parse"].input_schema["properties"]
    )
    assert {"min_severity", "include_sarif", "priority"} <= set(tools["vulnerability_scan"].input_schema["properties"])
    assert "truncated" in tools["code_parse"].output_schema["properties"]
    assert "total_findings" in tools["vulnerability_scan"].output_schema["properties"]
    assert "workers" in tools["admin_get_metrics"].output_schema["properties"]


async def test_parse_truncates_symbols(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        r = await client.call_tool("code_parse", {"code": "many:5000", "filename": "m.py"})
    assert not r.is_error
    s = r.structured_content
    assert s["truncated"] is True
    assert s["total_symbols"] == 5000 and s["returned_symbols"] == len(s["symbols"]) == 300
    assert s["symbols"][0]["name"] == "func_0" and s["symbols"][0]["start_line"] == 1
    assert "Truncated: showing 300 of 5000 symbols" in r.content[0].text
    assert _size(r) < 100_000


async def test_parse_ast_is_capped(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        r = await client.call_tool(
            "code_parse", {"code": "many:1000", "language": "python", "include_ast": True, "ast_max_nodes": 100000}
        )
        small = await client.call_tool(
            "code_parse", {"code": "many:2", "language": "python", "include_ast": True, "ast_max_nodes": 4}
        )
    s = r.structured_content
    assert standin[1].requests[-2].options.ast_max_nodes == 300  # capped before it reaches the backend
    assert s["ast_truncated"] is True and s["returned_ast_nodes"] == len(s["ast"]) == 300
    assert "capped at 300" in r.content[0].text
    assert _size(r) < 100_000
    assert small.structured_content["returned_ast_nodes"] == 4
    assert small.structured_content["ast"][1]["parent"] == 0


async def test_output_budget_shrinks_lists(standin, workdir):
    async with Client(_server(standin, workdir, max_output_bytes=20_000, max_findings=1000)) as client:
        r = await client.call_tool("vulnerability_scan", {"code": "many:800", "language": "python"})
    s = r.structured_content
    assert s["truncated"] is True and s["total_findings"] == 800
    assert s["returned_findings"] == len(s["findings"]) < 800
    assert _size(r) <= 20_000


async def test_analyze_keeps_most_complex_functions(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        r = await client.call_tool("code_analyze", {"code": "many:3000", "language": "python"})
    s = r.structured_content
    assert s["truncated"] is True and s["total_functions"] == 3000 and s["returned_functions"] == 200
    kept = [f["cyclomatic_complexity"] for f in s["functions"]]
    assert min(kept) >= 16  # 3000 functions cycle complexity 1..17; the 200 kept are the most complex
    lines = [f["start_line"] for f in s["functions"]]
    assert lines == sorted(lines)  # still in document order
    assert "most complex of 3000 functions" in r.content[0].text


async def test_scan_orders_by_severity_and_truncates(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        r = await client.call_tool(
            "vulnerability_scan",
            {"code": "many:400", "language": "python", "min_severity": "low", "include_sarif": True, "priority": "high"},
        )
    req = standin[1].requests[-1]
    assert req.options.min_severity == scan_pb2.SEVERITY_LOW and req.options.include_sarif
    assert req.request_options.priority == coordinator_pb2.PRIORITY_HIGH
    s = r.structured_content
    assert s["total_findings"] == 400 and s["returned_findings"] == 100 and s["truncated"]
    assert all(f["severity"] == "high" for f in s["findings"])
    assert s["counts_by_severity"] == {"high": 200, "low": 200}
    assert s["sarif"] == {"version": "2.1.0", "runs": []}
    assert _size(r) < 100_000


async def test_admin_metrics_summary(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        r = await client.call_tool("admin_get_metrics", {})
    s = r.structured_content
    assert s["workers_serving"] == 2 and s["workers_total"] == 3
    assert s["cache_hit_ratio"] == 0.25
    assert [w["state"] for w in s["workers"]] == ["serving", "down"]
    assert s["workers"][1]["last_error"] == "connection refused"
    text = r.content[0].text
    assert "workers serving 2/3" in text and "cache hit ratio 25.0%" in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, "give `code` (source text) or `path`"),
        ({"code": "x", "path": "src/app.py"}, "not both"),
        ({"code": "x", "priority": "urgent"}, "priority"),
        ({"code": "x", "include_ast": True, "ast_max_depth": 1000}, "ast_max_depth"),
        ({"path": "../outside/secret.py"}, "outside the allowed roots"),
        ({"path": "link_out.py"}, "outside the allowed roots"),
        ({"path": "src"}, "is a directory"),
        ({"path": "src/missing.py"}, "file not found"),
        ({"path": "blob.py"}, "looks binary"),
        ({"path": "big.py"}, "too large"),
        ({"code": "y" * 3000}, "`code` is too large: 3,000 bytes"),
    ],
)
async def test_bad_input_is_a_tool_error(standin, workdir, args, expected):
    async with Client(_server(standin, workdir, max_file_bytes=2048)) as client:
        r = await client.call_tool("code_parse", args)
    assert r.is_error
    assert expected in r.content[0].text
    assert "Traceback" not in r.content[0].text


async def test_path_is_sent_relative_to_root(standin, workdir):
    async with Client(_server(standin, workdir)) as client:
        r = await client.call_tool("code_parse", {"path": "src/app.py"})
    assert not r.is_error
    req = standin[1].requests[-1]
    assert req.file.path == "src/app.py" and b"def run" in req.file.content
    assert r.structured_content["path"] == "src/app.py"
