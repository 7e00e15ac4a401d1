"""code_query through the SDK's MCP client against a REAL coordinator and parse workers (LocalStack
with --repo-roots): a tree-sitter query over a directory, an ast-grep pattern over inline code,
a paging round trip within a small result budget, and the tool errors a model must act on (an
invalid query with its position, a path outside the roots, a cursor of another query)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from codeintel.ops.stack import LocalStack
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server

pytestmark = pytest.mark.anyio

OPEN = '(call function: (identifier) @fn (#eq? @fn "open")) @call'
FILES = {
    "app/main.py": "import os\n\nf = open('a')\n\n\ndef g(p):\n    return open(p)\n",
    "app/util.py": "def h():\n    return open('x').read()\n",
    "web/app.js": "const x = open('js');\n",
    "many.py": "".join(f"open({i})\n" for i in range(30)),
}


def text(r) -> str:
    return "\n".join(c.text for c in r.content if getattr(c, "type", "") == "text")


def ok(r) -> dict[str, Any]:
    assert not r.is_error, text(r)
    assert text(r).strip()
    return r.structured_content


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = Path(os.path.realpath(tmp_path_factory.mktemp("query-mcp")))
    for rel, body in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    return root


@pytest.fixture(scope="module")
def query_stack(base):
    s = LocalStack(
        workers=1,
        extra_args=["--analyze-workers", "0", "--scan-workers", "0", f"--coordinator-arg=--repo-roots={base}"],
    )
    s.start(timeout=120)
    yield s.address
    s.stop()


def server(address: str, *roots: Path, **kw):
    return build_server(BridgeConfig(coordinator=address, roots=tuple(str(r) for r in roots), **kw))


async def test_a_query_over_a_directory(query_stack, base):
    async with Client(server(query_stack, base)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        schema = tools["code_query"]
        assert {"query", "pattern", "language", "path", "code", "cursor", "page_size"} <= set(
            schema.input_schema["properties"]
        )
        assert schema.output_schema and "completeness" in schema.output_schema["properties"]
        out = ok(await client.call_tool("code_query", {"query": OPEN, "language": "python", "path": "app"}))
    assert out["kind"] == "query" and out["target"] == str(base / "app")
    assert out["files_searched"] == 2 and out["matches"] == 3 and out["files_with_matches"] == 2
    assert [(m["path"], m["line"]) for m in out["results"]] == [("main.py", 3), ("main.py", 7), ("util.py", 2)]
    call = out["results"][0]["captures"][0]
    assert call == {
        "name": "call",
        "line": 3,
        "column": 5,
        "end_line": 3,
        "end_column": 14,
        "text": "open('a')",
        "text_truncated": False,
    }
    assert out["next_cursor"] is None and out["completeness"]["partial"] is False


async def test_a_pattern_over_inline_code(query_stack, base):
    async with Client(server(query_stack, base)) as client:
        out = ok(
            await client.call_tool(
                "code_query",
                {
                    "pattern": "requests.get($URL, $$$REST)",
                    "code": "import requests\nrequests.get(u, timeout=3)\n",
                    "language": "python",
                },
            )
        )
    (m,) = out["results"]
    assert [(c["name"], c["text"]) for c in m["captures"]] == [
        ("match", "requests.get(u, timeout=3)"),
        ("URL", "u"),
        ("REST", "timeout=3"),
    ]
    assert out["target"] == "the code given" and out["languages"] == ["python"]


async def test_pages_fit_the_budget_and_round_trip(query_stack, base):
    args = {"query": "(call) @c", "language": "python", "path": "many.py", "page_size": 12}
    async with Client(server(query_stack, base, max_output_bytes=4000)) as client:
        seen, cursor, pages = [], None, 0
        while True:
            r = await client.call_tool("code_query", {**args, **({"cursor": cursor} if cursor else {})})
            out = ok(r)
            assert len(r.model_dump_json()) < 3 * 4000
            assert out["matches"] == 30
            seen += [m["captures"][0]["text"] for m in out["results"]]
            pages += 1
            cursor = out["next_cursor"]
            if not cursor:
                break
            assert "cursor=" in text(r)
        assert seen == [f"open({i})" for i in range(30)] and pages >= 3
        other = await client.call_tool("code_query", {**args, "query": "(identifier) @i", "cursor": cursor or "x"})
    assert other.is_error and "cursor" in text(other)


async def test_tool_errors_a_model_can_act_on(query_stack, base, tmp_path):
    async with Client(server(query_stack, base)) as client:
        bad = await client.call_tool(
            "code_query", {"query": "(call function: (identifer) @fn)", "language": "python", "path": "app"}
        )
        assert bad.is_error
        assert "1:18" in text(bad) and "'identifier'" in text(bad) and "node-types" in text(bad)
        pattern = await client.call_tool(
            "code_query", {"pattern": "eval($X", "code": "eval(1)\n", "language": "python"}
        )
        assert pattern.is_error and "1:1" in text(pattern) and "$NAME" in text(pattern)
        outside = await client.call_tool("code_query", {"query": OPEN, "language": "python", "path": str(tmp_path)})
        assert outside.is_error and "outside the allowed roots" in text(outside)
        both = await client.call_tool("code_query", {"query": OPEN, "pattern": "open($X)", "language": "python"})
        assert both.is_error and "exactly one" in text(both)
        no_lang = await client.call_tool("code_query", {"query": OPEN, "path": "app"})
        assert no_lang.is_error and "language" in text(no_lang)
        for r in (bad, pattern, outside, both, no_lang):
            assert "Traceback" not in text(r)
