"""End to end: SDK MCP client -> `python -m mcp_bridge` (stdio / streamable HTTP) -> a real LocalStack."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.mcp_bridge.tool_names import TOOLS

pytestmark = pytest.mark.anyio


CODE = """\
import os


def run(user_input):
    os.system(user_input)


def classify(x):
    if x > 0:
        return "positive"
    return "non-positive"
"""


@pytest.fixture(scope="module")
def mcp_stack():
    """One coordinator with one worker per service for all tests of this module."""
    from codeintel.ops.stack import LocalStack

    stack = LocalStack(workers=1)
    stack.start(timeout=120)
    yield stack.address
    stack.stop()


def _text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def test_list_tools(mcp_stack, workdir, stdio_params):
    async with Client(stdio_params(mcp_stack, workdir[0])) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.annotations is not None, t.name
        assert t.annotations.read_only_hint and t.annotations.idempotent_hint
        assert t.annotations.open_world_hint is False
        assert t.output_schema and t.output_schema.get("type") == "object"


async def test_parse_code_and_path(mcp_stack, workdir, stdio_params):
    async with Client(stdio_params(mcp_stack, workdir[0])) as client:
        by_code = await client.call_tool("code_parse", {"code": CODE, "language": "python"})
        assert not by_code.is_error, _text(by_code)
        names = {s["name"] for s in by_code.structured_content["symbols"]}
        assert {"run", "classify"} <= names
        assert by_code.structured_content["language"] == "python"
        assert by_code.structured_content["has_errors"] is False

        by_path = await client.call_tool("code_parse", {"path": "src/app.py", "include_ast": True, "ast_max_nodes": 50})
        assert not by_path.is_error, _text(by_path)
        s = by_path.structured_content
        assert s["path"] == "src/app.py"
        kinds = {(x["name"], x["kind"]) for x in s["symbols"]}
        assert ("run", "function") in kinds and ("Store", "class") in kinds
        assert ("save", "method") in kinds
        assert 0 < s["returned_ast_nodes"] <= 50 and s["ast"][0]["parent"] == -1
        assert "run" in _text(by_path)

        by_filename = await client.call_tool("code_parse", {"code": CODE, "filename": "tool.py"})
        assert not by_filename.is_error and by_filename.structured_content["language"] == "python"


async def test_analyze_code_and_path(mcp_stack, workdir, stdio_params):
    async with Client(stdio_params(mcp_stack, workdir[0])) as client:
        r = await client.call_tool("code_analyze", {"code": CODE, "language": "python"})
        assert not r.is_error, _text(r)
        funcs = {f["name"]: f for f in r.structured_content["functions"]}
        assert funcs["classify"]["cyclomatic_complexity"] > 1
        assert funcs["run"]["cyclomatic_complexity"] == 1
        assert (funcs["classify"]["cognitive_complexity"], funcs["run"]["cognitive_complexity"]) == (1, 0)
        assert 0 < funcs["classify"]["maintainability_index"] < 100 and funcs["classify"]["halstead_volume"] > 0
        assert r.structured_content["max_cognitive_complexity"] == 1
        assert r.structured_content["duplicates"] == [] and r.structured_content["total_duplicates"] == 0
        assert r.structured_content["function_count"] == 2

        r = await client.call_tool("code_analyze", {"path": "src/app.py"})
        assert not r.is_error, _text(r)
        assert r.structured_content["class_count"] == 1
        assert r.structured_content["max_cyclomatic_complexity"] >= 2
        assert "classify" in _text(r)


async def test_scan_code_and_path(mcp_stack, workdir, stdio_params):
    async with Client(stdio_params(mcp_stack, workdir[0])) as client:
        r = await client.call_tool("vulnerability_scan", {"code": CODE, "language": "python", "include_sarif": True})
        assert not r.is_error, _text(r)
        cwes = {f["cwe"] for f in r.structured_content["findings"]}
        assert "CWE-78" in cwes
        assert r.structured_content["sarif"]["version"] == "2.1.0"
        assert "CWE-78" in _text(r)

        r = await client.call_tool("vulnerability_scan", {"path": "src/app.py", "min_severity": "medium"})
        assert not r.is_error, _text(r)
        assert any(f["cwe"] == "CWE-78" and f["line"] == 5 for f in r.structured_content["findings"])


async def test_admin_metrics(mcp_stack, workdir, stdio_params):
    async with Client(stdio_params(mcp_stack, workdir[0])) as client:
        await client.call_tool("code_parse", {"code": CODE, "language": "python"})
        r = await client.call_tool("admin_get_metrics", {})
    assert not r.is_error, _text(r)
    s = r.structured_content
    assert s["workers_total"] >= 3 and s["workers_serving"] >= 1
    assert {w["service"] for w in s["workers"]} >= {
        "codeintel.v1.ParseService",
        "codeintel.v1.AnalyzeService",
        "codeintel.v1.ScanService",
    }
    ops = {o["operation"]: o for o in s["operations"]}
    assert ops["parse"]["requests"] >= 1
    assert "workers serving" in _text(r)


async def test_bad_inputs_then_keeps_serving(mcp_stack, workdir, stdio_params):
    async with Client(stdio_params(mcp_stack, workdir[0])) as client:
        outside = await client.call_tool("code_parse", {"path": "../outside/secret.py"})
        assert outside.is_error and "outside the allowed roots" in _text(outside)

        link = await client.call_tool("vulnerability_scan", {"path": "link_out.py"})
        assert link.is_error and "outside the allowed roots" in _text(link)

        unknown = await client.call_tool("code_parse", {"code": "x = 1", "language": "klingon"})
        assert unknown.is_error
        assert "klingon" in _text(unknown) and "language" in _text(unknown)

        undetectable = await client.call_tool("code_analyze", {"code": "x = 1"})
        assert undetectable.is_error and "language" in _text(undetectable)

        binary = await client.call_tool("code_parse", {"path": "blob.py"})
        assert binary.is_error and "binary" in _text(binary)

        big = await client.call_tool("code_analyze", {"path": "big.py"})
        assert big.is_error and "too large" in _text(big)

        big_code = await client.call_tool("code_parse", {"code": "x = 1\n" * 500_000, "language": "python"})
        assert big_code.is_error and "too large" in _text(big_code)

        for r in (outside, link, unknown, undetectable, binary, big, big_code):
            assert "Traceback" not in _text(r)

        ok = await client.call_tool("code_parse", {"path": "src/app.py"})
        assert not ok.is_error and ok.structured_content["total_symbols"] >= 3


async def test_streamable_http(mcp_stack, workdir, http_bridge):
    url = http_bridge(mcp_stack, workdir[0])
    async with Client(url) as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOLS
        r = await client.call_tool("code_analyze", {"path": "src/app.py"})
        assert not r.is_error, _text(r)
        assert {f["name"] for f in r.structured_content["functions"]} >= {"run", "classify", "save"}
        r = await client.call_tool("vulnerability_scan", {"code": CODE, "filename": "x.py"})
        assert any(f["cwe"] == "CWE-78" for f in r.structured_content["findings"])
