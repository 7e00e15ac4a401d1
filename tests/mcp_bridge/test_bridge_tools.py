"""The MCP tools in-process (SDK client <-> MCPServer) against the REAL coordinator of the shared
`stack` fixture (tests/conftest.py: coordinator + 2 workers per service, real tree-sitter parse,
analyze and scan) with source code generated here: schemas and annotations, input validation,
truncation and the size budget.

Only the tests at the end use the gRPC stand-in coordinator (tests/mcp_bridge/conftest.py), as a
recording server: they check what the bridge SENDS, which the real coordinator does not reveal.
"""

from __future__ import annotations

import json
import uuid

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from codeintel.v1 import common_pb2, coordinator_pb2, coordinator_pb2_grpc, parse_pb2, scan_pb2
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server
from tests.mcp_bridge.tool_names import TOOLS

pytestmark = pytest.mark.anyio


def _server(address: str, workdir, **kw):
    return build_server(BridgeConfig(coordinator=address, roots=(str(workdir[0]),), **kw))


def _text(result: CallToolResult) -> str:
    """The text of the result's first content block (which must be a text block)."""
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


def _size(result: CallToolResult) -> int:
    """Bytes of the structured result as compact JSON (as the bridge budgets it and sends it)."""
    return len(json.dumps(result.structured_content, separators=(",", ":")).encode())


# --------------------------------------------------------------------------- generated sources


def many_functions(n: int) -> str:
    """`n` top-level functions func_0 .. func_{n-1}; func_i starts on line 1 + 4*i."""
    return "".join(f"def func_{i}(x):\n    return x + {i}\n\n\n" for i in range(n))


def complex_functions(n: int, period: int = 17) -> tuple[str, list[int]]:
    """`n` functions f0.. whose cyclomatic complexity cycles 1..period: f_i has one `if` whose
    condition chains (c - 2) `and` operators, c = 1 + i % period (1 + if + ands == c). Returns the
    source and the complexities as the real analyzer reports them (checked in the test)."""
    parts, complexity = [], []
    for i in range(n):
        c = 1 + i % period
        if c == 1:
            body = "    return 0\n"
        else:
            cond = " and ".join(f"x > {k}" for k in range(c - 1))
            body = f"    if {cond}:\n        return 1\n    return 0\n"
        parts.append(f"def f{i}(x):\n{body}\n\n")
        complexity.append(c)
    return "".join(parts), complexity


# Lines that fire exactly one real rule each (found by scanning them first):
HIGH = "os.system(user_input)"  # py.os-system-non-constant, severity high
MEDIUM = "hashlib.md5(data)"  # py.weak-hash, severity medium
LOW = "requests.get(url)"  # py.requests-no-timeout, severity low
RULES = {
    HIGH: ("py.os-system-non-constant", "high"),
    MEDIUM: ("py.weak-hash", "medium"),
    LOW: ("py.requests-no-timeout", "low"),
}


def findings_source(statements: list[str]) -> tuple[str, list[int]]:
    """A module running each statement in its own function; returns the source and the 1-based
    line of each statement."""
    lines = ["import hashlib", "import os", "import requests", ""]
    where = []
    for i, stmt in enumerate(statements):
        lines.append(f"def g{i}(user_input, data, url):")
        lines.append(f"    {stmt}")
        where.append(len(lines))
        lines.append("")
    return "\n".join(lines) + "\n", where


# --------------------------------------------------------------------------- real coordinator


async def test_list_tools_schemas_and_annotations(stack, workdir):
    async with Client(_server(stack.address, workdir)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        a = tool.annotations
        assert a is not None, tool.name
        assert a.read_only_hint is True and a.idempotent_hint is True and a.open_world_hint is False
        assert a.title and tool.title
        assert tool.output_schema and tool.output_schema["type"] == "object"
    assert {"code", "path", "language", "filename", "include_ast", "ast_max_depth", "ast_max_nodes", "priority"} <= set(
        tools["code_parse"].input_schema["properties"]
    )
    assert {"min_severity", "include_sarif", "priority"} <= set(tools["vulnerability_scan"].input_schema["properties"])
    output_schemas = {name: tool.output_schema for name, tool in tools.items() if tool.output_schema is not None}
    assert set(output_schemas) == TOOLS  # checked above too; this narrows the types
    assert "truncated" in output_schemas["code_parse"]["properties"]
    assert "total_findings" in output_schemas["vulnerability_scan"]["properties"]
    assert "workers" in output_schemas["admin_get_metrics"]["properties"]


async def test_parse_truncates_symbols(stack, workdir):
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("code_parse", {"code": many_functions(5000), "filename": "m.py"})
    assert not r.is_error, r.content
    s = r.structured_content
    assert s["path"] == "m.py" and s["language"] == "python"
    assert s["truncated"] is True and s["ast_truncated"] is False
    assert s["total_symbols"] == 5000 and s["returned_symbols"] == len(s["symbols"]) == 300
    # The first 300 symbols, in document order.
    assert [(x["name"], x["kind"], x["start_line"]) for x in s["symbols"]] == [
        (f"func_{i}", "function", 1 + 4 * i) for i in range(300)
    ]
    assert "Truncated: showing 300 of 5000 symbols" in _text(r)
    assert _size(r) < 100_000


async def test_parse_ast_is_capped(stack, channel, workdir):
    code = many_functions(1000)
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool(
            "code_parse", {"code": code, "language": "python", "include_ast": True, "ast_max_nodes": 100000}
        )
        small = await client.call_tool(
            "code_parse", {"code": code, "language": "python", "include_ast": True, "ast_max_nodes": 4}
        )
    s = r.structured_content
    assert s["ast_truncated"] is True and s["truncated"] is True
    assert s["returned_ast_nodes"] == len(s["ast"]) == 300
    assert "Note: ast_max_nodes was capped at 300 by this server." in _text(r)
    assert _size(r) <= 95_000  # the default max_output_bytes
    # The nodes are the first 300 of the real pre-order tree, as the backend itself returns them.
    direct = (
        coordinator_pb2_grpc.CodeIntelServiceStub(channel)
        .Parse(
            coordinator_pb2.CodeIntelServiceParseRequest(
                file=common_pb2.SourceFile(content=code.encode(), language="python"),
                options=parse_pb2.ParseOptions(include_ast=True, ast_max_nodes=300),
            )
        )
        .result.ast
    )
    assert len(direct) == 300
    assert [(n["type"], n["parent"], n["depth"], n["start_line"]) for n in s["ast"]] == [
        (n.type, n.parent_index, n.depth, n.range.start.line + 1) for n in direct
    ]
    # ast_max_nodes under the cap is honoured: module > function_definition > `def`, `func_0`.
    t = small.structured_content
    assert t["ast_truncated"] is True and t["returned_ast_nodes"] == 4
    assert [(n["type"], n["parent"]) for n in t["ast"]] == [
        ("module", -1),
        ("function_definition", 0),
        ("def", 1),
        ("identifier", 1),
    ]
    assert t["ast"][3]["text"] == "func_0"
    assert "capped" not in _text(small)


async def test_output_budget_shrinks_lists(stack, workdir):
    code, lines = findings_source([HIGH] * 800)
    async with Client(_server(stack.address, workdir, max_output_bytes=20_000, max_findings=1000)) as client:
        r = await client.call_tool("vulnerability_scan", {"code": code, "language": "python"})
    assert not r.is_error, r.content
    s = r.structured_content
    assert s["truncated"] is True and s["total_findings"] == 800
    assert s["counts_by_severity"] == {"high": 800}  # counted before the cut
    # The budget halves the list (800 -> 400 -> ... -> 25) until the JSON fits in 20,000 bytes;
    # one real finding serialises to ~500 bytes, so 50 do not fit and 25 do.
    assert s["returned_findings"] == len(s["findings"]) == 25
    assert [f["line"] for f in s["findings"]] == lines[:25]
    assert _size(r) <= 20_000
    assert "showing the 25 most severe of 800 findings" in _text(r)


async def test_output_budget_drops_sarif_first(stack, workdir):
    code, _ = findings_source([HIGH] * 20)
    args = {"code": code, "language": "python", "include_sarif": True}
    async with Client(_server(stack.address, workdir)) as client:
        unbounded = await client.call_tool("vulnerability_scan", args)
    async with Client(_server(stack.address, workdir, max_output_bytes=20_000)) as client:
        r = await client.call_tool("vulnerability_scan", args)
    # Under the default budget the SARIF log (under the 40,000-byte SARIF limit) comes with the 20
    # findings, and the two together are over 20,000 bytes ...
    u = unbounded.structured_content
    assert u["sarif"]["version"] == "2.1.0" and len(u["sarif"]["runs"][0]["results"]) == 20
    assert _size(unbounded) > 20_000
    # ... so under a 20,000-byte budget the SARIF log goes first, and the findings all stay.
    s = r.structured_content
    assert s["sarif"] is None
    assert s["sarif_omitted_reason"] == "the SARIF log did not fit in the result size budget"
    assert s["total_findings"] == s["returned_findings"] == 20 and s["truncated"] is False
    assert s["findings"] == u["findings"]
    assert _size(r) <= 20_000
    assert "SARIF omitted: the SARIF log did not fit in the result size budget." in _text(r)


async def test_analyze_keeps_most_complex_functions(stack, workdir):
    code, complexity = complex_functions(3000)
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("code_analyze", {"code": code, "language": "python"})
    assert not r.is_error, r.content
    s = r.structured_content
    assert s["function_count"] == 3000 and s["max_cyclomatic_complexity"] == 17
    assert s["truncated"] is True and s["total_functions"] == 3000 and s["returned_functions"] == 200
    # Keep the 200 most complex (ties: the earlier function first), listed in document order:
    # all 176 functions of complexity 17 and the first 24 of complexity 16.
    ranked = sorted(range(3000), key=lambda i: (-complexity[i], i))
    expected = sorted(ranked[:200])
    assert [complexity[i] for i in expected].count(17) == 176
    assert [(f["name"], f["cyclomatic_complexity"]) for f in s["functions"]] == [
        (f"f{i}", complexity[i]) for i in expected
    ]
    lines = [f["start_line"] for f in s["functions"]]
    assert lines == sorted(lines)
    assert "Truncated: showing the 200 most complex of 3000 functions" in _text(r)
    assert _size(r) < 100_000


async def test_analyze_reports_real_complexity(stack, workdir):
    """The generator's complexities are what the real analyzer measures (the test above relies on it)."""
    code, complexity = complex_functions(34)
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("code_analyze", {"code": code, "language": "python"})
    s = r.structured_content
    assert s["truncated"] is False and s["returned_functions"] == 34
    assert [f["cyclomatic_complexity"] for f in s["functions"]] == complexity


async def test_analyze_reports_duplicates_and_new_metrics(stack, workdir):
    body = (
        "    total = 0\n    for item in items:\n        if item.value > limit:\n"
        "            total += item.value * 2\n        else:\n            total -= item.value\n"
        "    result = compute(total, items, limit)\n    return result + len(items)\n"
    )
    code = f"def first(items, limit):\n{body}\n\ndef second(items, limit):\n{body}"
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("code_analyze", {"code": code, "language": "python"})
    assert not r.is_error, r.content
    s = r.structured_content
    assert [f["cognitive_complexity"] for f in s["functions"]] == [4, 4]  # for +1, if +2, else +1
    assert s["max_cognitive_complexity"] == 4 and 0 < s["maintainability_index"] < 100
    assert s["duplicates"] == [
        {
            "occurrences": [{"start_line": 1, "end_line": 9}, {"start_line": 12, "end_line": 20}],
            "line_count": 9,
            "token_count": 54,
        }
    ]
    assert "- 9 lines, 54 tokens at lines 1-9, 12-20" in _text(r)


async def test_scan_orders_by_severity_and_truncates(stack, workdir):
    # Low and high findings alternate in the file, the low one first.
    code, lines = findings_source([LOW, HIGH] * 200)
    high_lines = lines[1::2]
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("vulnerability_scan", {"code": code, "language": "python", "priority": "high"})
    assert not r.is_error, r.content
    s = r.structured_content
    assert s["total_findings"] == 400 and s["returned_findings"] == len(s["findings"]) == 100 and s["truncated"]
    assert s["counts_by_severity"] == {"high": 200, "low": 200}
    # The 100 kept are the most severe, in document order.
    assert [(f["rule_id"], f["severity"], f["line"]) for f in s["findings"]] == [
        ("py.os-system-non-constant", "high", line) for line in high_lines[:100]
    ]
    text = _text(r)
    assert "400 findings (200 high, 200 low)" in text
    assert "showing the 100 most severe of 400 findings" in text
    assert _size(r) < 100_000


async def test_scan_orders_every_severity(stack, workdir):
    statements = [LOW, MEDIUM, HIGH, LOW, HIGH, MEDIUM, HIGH, LOW, MEDIUM]
    code, lines = findings_source(statements)
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("vulnerability_scan", {"code": code, "language": "python"})
        high_only = await client.call_tool(
            "vulnerability_scan", {"code": code, "language": "python", "min_severity": "high"}
        )
    s = r.structured_content
    assert s["truncated"] is False and s["total_findings"] == 9
    assert s["counts_by_severity"] == {"high": 3, "medium": 3, "low": 3}
    rank = {"high": 0, "medium": 1, "low": 2}
    expected = sorted(
        ((RULES[stmt][0], RULES[stmt][1], line) for stmt, line in zip(statements, lines, strict=True)),
        key=lambda f: (rank[f[1]], f[2]),
    )
    assert [(f["rule_id"], f["severity"], f["line"]) for f in s["findings"]] == expected
    # min_severity reaches the real scanner: only the high findings come back.
    h = high_only.structured_content
    assert h["counts_by_severity"] == {"high": 3} and h["total_findings"] == 3
    assert [f["line"] for f in h["findings"]] == [
        line for stmt, line in zip(statements, lines, strict=True) if stmt == HIGH
    ]


async def test_scan_sarif(stack, channel, workdir):
    small, small_lines = findings_source([HIGH])
    big, _ = findings_source([HIGH] * 400)
    async with Client(_server(stack.address, workdir)) as client:
        r = await client.call_tool("vulnerability_scan", {"code": small, "filename": "one.py", "include_sarif": True})
        too_big = await client.call_tool(
            "vulnerability_scan", {"code": big, "filename": "big.py", "include_sarif": True}
        )
    sarif = r.structured_content["sarif"]
    assert sarif["version"] == "2.1.0"
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "py.os-system-non-constant"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == small_lines[0]
    assert r.structured_content["sarif_omitted_reason"] is None
    # The real SARIF log of 400 findings is over the 40,000-byte SARIF limit: left out, with its size.
    direct = coordinator_pb2_grpc.CodeIntelServiceStub(channel).Scan(
        coordinator_pb2.CodeIntelServiceScanRequest(
            file=common_pb2.SourceFile(path="big.py", content=big.encode()),
            options=scan_pb2.ScanOptions(include_sarif=True),
        )
    )
    n = len(direct.sarif_json.encode())
    assert n > 40_000
    t = too_big.structured_content
    assert t["sarif"] is None
    assert t["sarif_omitted_reason"].startswith(f"the SARIF log is {n:,} bytes, over the 40,000-byte limit")
    assert t["total_findings"] == 400 and t["returned_findings"] == 100


async def test_admin_metrics_summary(stack, channel, workdir):
    admin = coordinator_pb2_grpc.AdminServiceStub(channel)

    def parse_stats(stats):
        return next(o for o in stats.operations if o.operation == "parse")

    before = parse_stats(admin.GetStats(coordinator_pb2.GetStatsRequest()))
    code = f"def fresh_{uuid.uuid4().hex}():\n    pass\n"  # never seen by the shared stack: a miss, then a hit
    async with Client(_server(stack.address, workdir)) as client:
        first = await client.call_tool("code_parse", {"code": code, "language": "python"})
        second = await client.call_tool("code_parse", {"code": code, "language": "python"})
        r = await client.call_tool("admin_get_metrics", {})
    assert first.structured_content["served_by"]["cache"] == "miss"
    assert second.structured_content["served_by"]["cache"] == "hit_l1"
    assert not r.is_error, r.content
    s = r.structured_content
    assert s["coordinator_version"] and s["uptime_seconds"] > 0

    # 2 workers per service, all serving.
    assert s["workers_total"] == s["workers_serving"] == len(s["workers"]) == 6
    assert sorted(w["service"] for w in s["workers"]) == sorted(
        f"codeintel.v1.{name}Service" for name in ("Parse", "Analyze", "Scan") for _ in range(2)
    )
    assert {w["state"] for w in s["workers"]} == {"serving"}
    assert all(w["address"].startswith("127.0.0.1:") and w["last_error"] is None for w in s["workers"])

    # The two parses above are counted (nothing else talks to the stack meanwhile).
    ops = {o["operation"]: o for o in s["operations"]}
    parse = ops["parse"]
    assert parse["requests"] == before.requests + 2
    assert parse["cache_hits_l1"] == before.cache_hits_l1 + 1
    assert parse["cache_misses"] == before.cache_misses + 1
    hits = parse["cache_hits_l1"] + parse["cache_hits_l2"]
    assert parse["cache_hit_ratio"] == round(hits / (hits + parse["cache_misses"]), 4)

    # The overall ratio is over all operations.
    all_hits = sum(o["cache_hits_l1"] + o["cache_hits_l2"] for o in s["operations"])
    all_misses = sum(o["cache_misses"] for o in s["operations"])
    assert 0 < s["cache_hit_ratio"] == round(all_hits / (all_hits + all_misses), 4) < 1
    l1 = next(c for c in s["caches"] if c["tier"] == "l1")
    assert l1["hit_ratio"] == round(l1["hits"] / (l1["hits"] + l1["misses"]), 4)

    text = _text(r)
    assert "workers serving 6/6" in text
    assert f"cache hit ratio {s['cache_hit_ratio']:.1%}" in text
    assert f"- parse: {parse['requests']} requests" in text
    assert text.count("\n- worker codeintel.v1.") == 6


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
        # Refused by the real coordinator (INVALID_ARGUMENT), with the bridge's hint where it adds one.
        (
            {"code": "x = 1\n", "language": "klingon"},
            "the parse request was rejected: unknown language 'klingon'; known languages: ",
        ),
        ({"code": "x = 1\n", "language": "klingon"}, "Pass a supported `language` id"),
        (
            {"code": "x = 1\n"},
            "the parse request was rejected: cannot detect the language of content without a path",
        ),
        ({"path": "notes.txt"}, "cannot detect the language of file 'notes.txt'"),
    ],
)
async def test_bad_input_is_a_tool_error(stack, workdir, args, expected):
    async with Client(_server(stack.address, workdir, max_file_bytes=2048)) as client:
        r = await client.call_tool("code_parse", args)
        # The server keeps serving after the error.
        ok = await client.call_tool("code_parse", {"code": "def ok():\n    pass\n", "language": "python"})
    assert r.is_error
    assert expected in _text(r)
    assert "Traceback" not in _text(r)
    assert not ok.is_error and [x["name"] for x in ok.structured_content["symbols"]] == ["ok"]


async def test_path_is_read_relative_to_root(stack, workdir):
    root, _ = workdir
    async with Client(_server(stack.address, workdir)) as client:
        rel = await client.call_tool("code_parse", {"path": "src/app.py"})
        absolute = await client.call_tool("code_parse", {"path": str(root / "src" / "app.py")})
        scan = await client.call_tool("vulnerability_scan", {"path": "src/app.py"})
    assert not rel.is_error, rel.content
    s = rel.structured_content
    assert s["path"] == "src/app.py" and s["language"] == "python"  # detected from the path's extension
    assert [(x["qualified_name"], x["kind"], x["start_line"]) for x in s["symbols"] if x["kind"] != "import"] == [
        ("run", "function", 4),
        ("classify", "function", 8),
        ("Store", "class", 14),
        ("Store.save", "method", 15),
    ]
    assert absolute.structured_content["path"] == "src/app.py"
    assert absolute.structured_content["symbols"] == s["symbols"]
    f = scan.structured_content
    assert f["path"] == "src/app.py"
    assert [(x["rule_id"], x["line"]) for x in f["findings"]] == [("py.os-system-non-constant", 5)]


# --------------------------------------------------------------------------- recording stand-in


async def test_request_options_are_forwarded(standin, workdir):
    """priority, min_severity, min_confidence and include_sarif as SENT on the wire. Stand-in: the real
    coordinator consumes them without echoing them back (priority only orders its queue), so only a
    recording server can show what the bridge sent."""
    address, servicer = standin
    async with Client(_server(address, workdir)) as client:
        await client.call_tool(
            "vulnerability_scan",
            {
                "code": "x",
                "language": "python",
                "min_severity": "low",
                "min_confidence": "medium",
                "include_sarif": True,
                "priority": "high",
            },
        )
        scan = servicer.requests[-1]
        await client.call_tool("vulnerability_scan", {"code": "x", "language": "python"})
        default_scan = servicer.requests[-1]
        await client.call_tool("code_analyze", {"code": "x", "language": "python", "priority": "low"})
        analyze = servicer.requests[-1]
        await client.call_tool("code_parse", {"code": "x", "language": "python"})
        parse = servicer.requests[-1]
    assert scan.options.min_severity == scan_pb2.SEVERITY_LOW
    assert scan.options.min_confidence == scan_pb2.CONFIDENCE_MEDIUM
    assert scan.options.include_sarif is True
    assert scan.request_options.priority == coordinator_pb2.PRIORITY_HIGH
    assert default_scan.options.min_severity == scan_pb2.SEVERITY_UNSPECIFIED
    assert default_scan.options.min_confidence == scan_pb2.CONFIDENCE_UNSPECIFIED
    assert default_scan.options.include_sarif is False
    assert default_scan.request_options.priority == coordinator_pb2.PRIORITY_NORMAL
    assert analyze.request_options.priority == coordinator_pb2.PRIORITY_LOW
    assert parse.request_options.priority == coordinator_pb2.PRIORITY_NORMAL
    assert (scan.file.language, scan.file.content) == ("python", b"x")


async def test_ast_max_nodes_is_capped_before_the_backend(standin, workdir):
    """ast_max_nodes as SENT. Stand-in: with the real coordinator the bridge's own cut of the result
    to 300 nodes hides whether the request asked the backend for 100000 nodes or for 300."""
    address, servicer = standin
    async with Client(_server(address, workdir)) as client:
        await client.call_tool(
            "code_parse", {"code": "x", "language": "python", "include_ast": True, "ast_max_nodes": 100000}
        )
        capped = servicer.requests[-1]
        await client.call_tool(
            "code_parse",
            {"code": "x", "language": "python", "include_ast": True, "ast_max_nodes": 4, "ast_max_depth": 7},
        )
        small = servicer.requests[-1]
        await client.call_tool("code_parse", {"code": "x", "language": "python", "ast_max_nodes": 50})
        no_ast = servicer.requests[-1]
    assert capped.options.include_ast and capped.options.ast_max_nodes == 300
    assert (small.options.ast_max_nodes, small.options.ast_max_depth) == (4, 7)
    assert not no_ast.options.include_ast and no_ast.options.ast_max_nodes == 0


async def test_path_is_sent_relative_to_root(standin, workdir):
    """The SourceFile as SENT: the path relative to the root and the file's bytes. Stand-in: the real
    coordinator only echoes the path back, not the content it received (test_path_is_read_relative_to_root
    checks the real round trip)."""
    root, _ = workdir
    address, servicer = standin
    async with Client(_server(address, workdir)) as client:
        r = await client.call_tool("code_parse", {"path": str(root / "src" / "app.py")})
    assert not r.is_error, r.content
    req = servicer.requests[-1]
    assert req.file.path == "src/app.py"
    assert req.file.content == (root / "src" / "app.py").read_bytes()
    assert req.file.language == ""  # left to the backend's detection


async def test_scan_list_rules(stack, workdir):
    async with Client(_server(stack.address, workdir)) as client:
        every = await client.call_tool("scan_list_rules", {})
        py = await client.call_tool("scan_list_rules", {"language": "python"})
        bad = await client.call_tool("scan_list_rules", {"language": "cobol"})
    assert not every.is_error and not py.is_error, (every.content, py.content)
    e, p = every.structured_content, py.structured_content
    assert e["total_rules"] == len(e["rules"]) > p["total_rules"] > 0
    assert all("python" in r["languages"] and r["owasp"].startswith("A") for r in p["rules"])
    assert e["counts_by_language"]["python"] == p["total_rules"]
    assert f"{e['total_rules']} scan rules" in _text(every)
    assert bad.is_error and "scanning supports" in _text(bad)


async def test_scan_baseline_and_owasp(stack, workdir):
    code = "import os\nimport pickle\n\ndef run(cmd, blob):\n    os.system(cmd)\n    return pickle.loads(blob)\n"
    async with Client(_server(stack.address, workdir)) as client:
        first = (await client.call_tool("vulnerability_scan", {"code": code, "language": "python"})).structured_content
        assert first["total_findings"] >= 2 and all(f["owasp"] for f in first["findings"])
        accepted = first["findings"][0]["fingerprint"]
        again = await client.call_tool(
            "vulnerability_scan", {"code": code, "language": "python", "baseline_fingerprints": [accepted]}
        )
        wrong = await client.call_tool(
            "vulnerability_scan", {"code": code, "language": "python", "baseline_fingerprints": "abc"}
        )
    s = again.structured_content
    assert s["total_findings"] == first["total_findings"] - 1 and s["suppressed_count"] == 1
    assert accepted not in {f["fingerprint"] for f in s["findings"]}
    assert "suppressed (inline comments or the baseline)" in _text(again)
    assert wrong.is_error and "baseline_fingerprints" in _text(wrong)
