"""The repository-graph tools through the SDK's MCP client against a REAL coordinator and parse
workers (LocalStack with --repo-roots and a SQLite graph store in a temporary directory):
index_repository (progress, incremental runs), every query tool, pagination round trips, the
errors a model must be able to act on, and one run through every real hop over stdio
(MCP client -> `python -m mcp_bridge` -> coordinator -> parse workers -> store -> answer)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from codeintel.ops.stack import LocalStack
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server

pytestmark = pytest.mark.anyio

GRAPH_TOOLS = {
    "index_repository",
    "search_symbols",
    "go_to_definition",
    "find_references",
    "call_hierarchy",
    "import_graph",
    "repo_outline",
}
FILES = {
    "pkg/__init__.py": "",
    "pkg/store.py": (
        "class Store:\n    def save(self, item):\n        return item\n\n\ndef make_store():\n    return Store()\n"
    ),
    "pkg/app.py": (
        "from pkg.store import Store, make_store\n"
        "\n"
        "\n"
        "def main():\n"
        "    s = make_store()\n"
        "    s.save(1)\n"
        "    return Store()\n"
        "\n"
        "\n"
        "def helper():\n"
        "    return main()\n"
    ),
    # An import cycle, and a name (`run`) defined twice.
    "pkg/ping.py": "from pkg import pong\n\n\ndef run():\n    return pong.run()\n",
    "pkg/pong.py": "from pkg import ping\n\n\ndef run():\n    return ping.run()\n",
    "web/util.js": 'export function greet(name) {\n  return "hi " + name;\n}\n',
    "web/main.js": 'import { greet } from "./util";\n\nexport function start() {\n  return greet("x");\n}\n',
}
SOURCES = len(FILES)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def text(r) -> str:
    return "\n".join(c.text for c in r.content if getattr(c, "type", "") == "text")


def ok(r) -> dict[str, Any]:
    assert not r.is_error, text(r)
    assert text(r).strip()
    return r.structured_content


def size(r) -> int:
    return len(json.dumps(r.structured_content, separators=(",", ":")).encode())


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The coordinator's --repo-roots; the bridge's allowed roots lie inside."""
    return Path(os.path.realpath(tmp_path_factory.mktemp("graph-mcp")))


@pytest.fixture(scope="module")
def graph_stack(base, tmp_path_factory):
    store = tmp_path_factory.mktemp("graph-mcp-store")
    s = LocalStack(
        workers=1,
        extra_args=[f"--coordinator-arg=--repo-roots={base}", f"--coordinator-arg=--graph-store=sqlite:///{store}"],
    )
    s.start(timeout=120)
    yield s.address
    s.stop()


@pytest.fixture(scope="module")
def project(base) -> Path:
    root = base / "project"
    write(root, FILES)
    (root / "other").mkdir()  # a directory under the root that is never indexed
    (root / "other" / "lone.py").write_text("def lone():\n    return 0\n")
    return root


def server(address: str, *roots: Path, **kw):
    return build_server(BridgeConfig(coordinator=address, roots=tuple(str(r) for r in roots), **kw))


@pytest.fixture(scope="module")
def indexed(graph_stack, project):
    """The project, indexed once (through the tool) for the query tests."""

    async def index() -> None:
        async with Client(server(graph_stack, project)) as client:
            ok(await client.call_tool("index_repository", {}))

    anyio.run(index)
    return project


# --------------------------------------------------------------------------- listing, index


async def test_tools_are_listed_with_schemas(graph_stack, project):
    async with Client(server(graph_stack, project)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert GRAPH_TOOLS <= set(tools)
    for name in GRAPH_TOOLS:
        t = tools[name]
        assert t.annotations is not None and t.annotations.read_only_hint and t.annotations.open_world_hint is False
        assert t.output_schema and t.output_schema.get("type") == "object", name
        assert "mcp_context" not in t.input_schema["properties"]
        if name != "index_repository":
            assert {"repo", "cursor", "page_size"} <= set(t.input_schema["properties"]), name
            assert "completeness" in t.output_schema["properties"], name
    for name in ("go_to_definition", "find_references", "call_hierarchy"):
        assert {"name", "path", "line", "column"} <= set(tools[name].input_schema["properties"])


async def test_index_reports_progress_and_reuses_unchanged_files(graph_stack, base):
    root = base / "progress"
    write(root, {f"mod{i:03d}.py": f"def f{i}():\n    return {i}\n" for i in range(70)})  # two batches of 64
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress, total, message):
        seen.append((progress, total))

    async with Client(server(graph_stack, root)) as client:
        first = ok(await client.call_tool("index_repository", {"path": "."}, progress_callback=on_progress))
        assert first["files_written"] == 70 and first["complete"] is True
        assert first["totals"]["files"] == 70 and first["totals"]["definitions"] >= 70
        assert first["repo"] == str(root) and first["store"].startswith("sqlite")
        assert len(seen) >= 2 and seen[-1] == (70, 70)
        assert [p for p, _ in seen] == sorted(p for p, _ in seen)

        second = ok(await client.call_tool("index_repository", {}))
        assert second["files_unchanged"] == 70 and second["files_written"] == 0
        (root / "mod000.py").write_text("def changed():\n    return 0\n")
        (root / "mod001.py").unlink()
        third = ok(await client.call_tool("index_repository", {}))
        assert (third["files_written"], third["files_removed"], third["files_unchanged"]) == (1, 1, 68)
        found = ok(await client.call_tool("search_symbols", {"query": "changed", "match": "exact"}))
        assert [s["path"] for s in found["symbols"]] == ["mod000.py"]
        assert "written" in text(await client.call_tool("index_repository", {}))


async def test_index_lists_skipped_files_worth_a_look(graph_stack, base):
    root = base / "skips"
    write(root, {"a.py": "def a():\n    return 1\n", "notes.txt": "plain\n"})
    (root / "blob.py").write_bytes(b"\x7fELF\x00\x01")
    async with Client(server(graph_stack, root)) as client:
        s = ok(await client.call_tool("index_repository", {}))
    assert s["totals"]["files"] == 1
    assert [(x["path"], x["reason"]) for x in s["skipped"]] == [("blob.py", "binary")]  # notes.txt: only counted
    assert s["skipped_total"] == 1 and s["skipped_by_reason"].get("binary") == 1


# --------------------------------------------------------------------------- queries


async def test_search_symbols_filters_and_pages(graph_stack, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        s = ok(await client.call_tool("search_symbols", {"query": "Sto"}))
        assert s["symbols"][0]["name"] == "Store" and s["symbols"][0]["kind"] == "class"
        assert (s["symbols"][0]["path"], s["symbols"][0]["line"], s["symbols"][0]["column"]) == ("pkg/store.py", 1, 7)
        indexed_files = SOURCES + 1  # and other/lone.py
        assert s["completeness"]["files_indexed"] == indexed_files and s["completeness"]["index_partial"] is False
        assert "Index: " in text(await client.call_tool("search_symbols", {"query": "Sto"}))

        s = ok(await client.call_tool("search_symbols", {"query": "s", "kinds": ["method"]}))
        assert [x["qualified_name"] for x in s["symbols"]] == ["pkg.store.Store.save"]
        s = ok(await client.call_tool("search_symbols", {"query": "gr", "languages": ["javascript"]}))
        assert [x["path"] for x in s["symbols"]] == ["web/util.js"]
        s = ok(
            await client.call_tool("search_symbols", {"query": "run", "match": "exact", "path_prefix": "pkg/ping.py"})
        )
        assert [x["path"] for x in s["symbols"]] == ["pkg/ping.py"]

        # Pagination round trip: page_size 2 until next_cursor is null; the pages add up to the total.
        args = {"query": "e", "match": "fuzzy", "page_size": 2}
        names, cursor, total = [], None, None
        for _ in range(30):
            page = ok(await client.call_tool("search_symbols", {**args, **({"cursor": cursor} if cursor else {})}))
            total = page["total"]
            assert page["returned"] == len(page["symbols"]) <= 2
            names += [(x["path"], x["qualified_name"]) for x in page["symbols"]]
            cursor = page["next_cursor"]
            assert page["completeness"]["truncated"] is (cursor is not None)
            if cursor is None:
                break
        assert total is not None and len(names) == len(set(names)) == total >= 5


async def test_go_to_definition_by_name_and_position(graph_stack, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        d = ok(await client.call_tool("go_to_definition", {"name": "make_store"}))
        assert [(x["path"], x["line"], x["kind"]) for x in d["definitions"]] == [("pkg/store.py", 6, "function")]
        assert d["resolution"] == "resolved"

        # `return Store()` in main(): line 7, column 12 (1-based).
        d = ok(await client.call_tool("go_to_definition", {"path": "pkg/app.py", "line": 7, "column": 12}))
        assert d["name"] == "Store" and [(x["path"], x["line"]) for x in d["definitions"]] == [("pkg/store.py", 1)]
        assert "pkg/store.py:1:7" in text(await client.call_tool("go_to_definition", {"name": "Store"}))

        # JavaScript across files.
        d = ok(await client.call_tool("go_to_definition", {"path": "web/main.js", "line": 4, "column": 10}))
        assert [(x["path"], x["name"]) for x in d["definitions"]] == [("web/util.js", "greet")]

        # An ambiguous name lists every definition and says so.
        d = ok(await client.call_tool("go_to_definition", {"name": "run"}))
        assert d["resolution"] == "ambiguous" and {x["path"] for x in d["definitions"]} == {
            "pkg/ping.py",
            "pkg/pong.py",
        }


async def test_find_references_and_pages(graph_stack, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        r = ok(await client.call_tool("find_references", {"name": "Store"}))
        assert r["symbol"]["qualified_name"] == "pkg.store.Store"
        uses = {(x["path"], x["line"], x["kind"], x["enclosing"]) for x in r["references"]}
        assert ("pkg/app.py", 7, "call", "pkg.app.main") in uses and (
            "pkg/store.py",
            7,
            "call",
            "pkg.store.make_store",
        ) in uses
        assert all(x["line_text"] for x in r["references"])

        # By the definition's position, one use per page.
        first = ok(
            await client.call_tool("find_references", {"path": "pkg/store.py", "line": 1, "column": 7, "page_size": 1})
        )
        assert first["returned"] == 1 and first["total"] == r["total"] >= 2 and first["next_cursor"]
        second = ok(
            await client.call_tool(
                "find_references",
                {"path": "pkg/store.py", "line": 1, "column": 7, "page_size": 1, "cursor": first["next_cursor"]},
            )
        )
        assert second["references"] != first["references"]

        # The method through an object of unknown type: counted, listed on request.
        plain = ok(await client.call_tool("find_references", {"name": "Store.save"}))
        named = ok(await client.call_tool("find_references", {"name": "Store.save", "include_name_only": True}))
        assert plain["total"] + plain["name_only_omitted"] == named["total"] >= 1


async def test_call_hierarchy_both_ways_and_pages(graph_stack, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        c = ok(await client.call_tool("call_hierarchy", {"name": "make_store"}))
        assert c["symbol"]["qualified_name"] == "pkg.store.make_store" and c["direction"] == "callers"
        assert [(e["caller"]["qualified_name"], e["depth"]) for e in c["edges"]] == [("pkg.app.main", 1)]
        assert c["edges"][0]["call_sites"] == [{"line": 5, "column": 9}]

        deep = ok(await client.call_tool("call_hierarchy", {"name": "make_store", "depth": 2}))
        assert ("pkg.app.helper", 2) in {(e["caller"]["qualified_name"], e["depth"]) for e in deep["edges"]}

        out = ok(await client.call_tool("call_hierarchy", {"name": "pkg.app.main", "direction": "callees"}))
        assert {"make_store", "Store"} <= {e["callee"]["name"] for e in out["edges"]}

        # One edge per page through the bridge's own cursors; a cursor of another query is refused.
        pages, cursor = [], None
        for _ in range(10):
            args = {"name": "pkg.app.main", "direction": "callees", "page_size": 1}
            page = ok(await client.call_tool("call_hierarchy", {**args, **({"cursor": cursor} if cursor else {})}))
            pages += [(e["caller"]["qualified_name"], e["callee"]["qualified_name"]) for e in page["edges"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == [(e["caller"]["qualified_name"], e["callee"]["qualified_name"]) for e in out["edges"]]
        first = ok(
            await client.call_tool("call_hierarchy", {"name": "pkg.app.main", "direction": "callees", "page_size": 1})
        )
        wrong = await client.call_tool("call_hierarchy", {"name": "make_store", "cursor": first["next_cursor"]})
        assert wrong.is_error and "another query" in text(wrong)
        bad = await client.call_tool("call_hierarchy", {"name": "make_store", "cursor": "garbage"})
        assert bad.is_error and "cursor" in text(bad)


async def test_import_graph_with_cycles(graph_stack, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        g = ok(await client.call_tool("import_graph", {"path": "pkg/app.py"}))
        assert ("pkg/app.py", "pkg/store.py") in {(e["from_path"], e["to_path"]) for e in g["edges"]}
        back = ok(await client.call_tool("import_graph", {"path": "pkg/store.py", "direction": "imported_by"}))
        assert ("pkg/app.py", "pkg/store.py") in {(e["from_path"], e["to_path"]) for e in back["edges"]}
        whole = ok(await client.call_tool("import_graph", {"depth": 3}))
        assert any(set(c) == {"pkg/ping.py", "pkg/pong.py"} for c in whole["cycles"]), whole["cycles"]
        assert ("web/main.js", "web/util.js") in {(e["from_path"], e["to_path"]) for e in whole["edges"]}
        assert "cycle" in text(await client.call_tool("import_graph", {"depth": 3}))
        # Edge pages add up to the whole graph.
        edges, cursor = [], None
        for _ in range(40):
            page = ok(
                await client.call_tool(
                    "import_graph", {"depth": 3, "page_size": 2, **({"cursor": cursor} if cursor else {})}
                )
            )
            edges += [(e["from_path"], e["to_path"], e["module"]) for e in page["edges"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert edges == [(e["from_path"], e["to_path"], e["module"]) for e in whole["edges"]]


async def test_repo_outline(graph_stack, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        top = ok(await client.call_tool("repo_outline", {}))
        dirs = {d["path"]: d for d in top["directories"]}
        assert dirs["pkg/"]["files"] == 5 and dirs["web/"]["files"] == 2
        pkg = ok(await client.call_tool("repo_outline", {"path": "pkg", "depth": 1}))
        files = {f["path"]: f for f in pkg["files"]}
        assert {s["qualified_name"] for s in files["pkg/store.py"]["symbols"]} >= {
            "pkg.store.Store",
            "pkg.store.Store.save",
            "pkg.store.make_store",
        }
        paged = ok(await client.call_tool("repo_outline", {"path": "pkg", "page_size": 2}))
        assert paged["returned_files"] == 2 and paged["total_files"] == 5 and paged["next_cursor"]
        rest = ok(
            await client.call_tool("repo_outline", {"path": "pkg", "page_size": 10, "cursor": paged["next_cursor"]})
        )
        assert [f["path"] for f in paged["files"]] + [f["path"] for f in rest["files"]] == sorted(files)


async def test_results_fit_the_byte_budget(graph_stack, base):
    root = base / "big"
    body = "".join(f"def function_with_a_long_name_{i:04d}(argument):\n    return argument\n\n" for i in range(400))
    write(root, {"many.py": body})
    async with Client(server(graph_stack, root, max_output_bytes=20_000)) as client:
        ok(await client.call_tool("index_repository", {}))
        # Pages stay under the budget; following next_cursor still yields every match exactly once.
        seen: list[str] = []
        cursor = None
        for _ in range(100):
            r = await client.call_tool(
                "search_symbols", {"query": "function", "page_size": 500, **({"cursor": cursor} if cursor else {})}
            )
            s = ok(r)
            assert size(r) <= 20_000 and s["total"] == 400 and 0 < s["returned"] < 400
            seen += [x["name"] for x in s["symbols"]]
            cursor = s["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 400
        # One file with more symbols than fit: its list is cut, and the result says how many are left out.
        o = await client.call_tool("repo_outline", {"page_size": 500})
        (f,) = ok(o)["files"]
        assert size(o) <= 20_000 and f["path"] == "many.py"
        assert 0 < len(f["symbols"]) < 200 and len(f["symbols"]) + f["symbols_omitted"] == 400
        assert o.structured_content["completeness"]["truncated"] is True and "cut" in text(o)


# --------------------------------------------------------------------------- errors


async def test_errors_a_model_can_act_on(graph_stack, base, indexed):
    async with Client(server(graph_stack, indexed)) as client:
        unknown = await client.call_tool("search_symbols", {"query": "x", "repo": "no/such/dir"})
        assert unknown.is_error and "not found" in text(unknown)
        outside = await client.call_tool("search_symbols", {"query": "x", "repo": "../"})
        assert outside.is_error and "outside the allowed roots" in text(outside)
        outside = await client.call_tool("index_repository", {"path": "/etc"})
        assert outside.is_error and "outside the allowed roots" in text(outside)
        a_file = await client.call_tool("repo_outline", {"repo": "pkg/app.py"})
        assert a_file.is_error and "is a file" in text(a_file)

        never = await client.call_tool("search_symbols", {"query": "lone", "repo": "other"})
        assert never.is_error and "index_repository" in text(never) and "not been indexed" in text(never)

        ambiguous = await client.call_tool("find_references", {"name": "run"})
        assert ambiguous.is_error
        assert "pkg.ping.run" in text(ambiguous) and "pkg.pong.run" in text(ambiguous), text(ambiguous)
        assert "qualified name" in text(ambiguous)

        missing = await client.call_tool("go_to_definition", {"name": "no_such_symbol_at_all"})
        assert missing.is_error and "search_symbols" in text(missing)
        both = await client.call_tool("go_to_definition", {"name": "x", "path": "pkg/app.py", "line": 1, "column": 1})
        assert both.is_error and "not both" in text(both)
        neither = await client.call_tool("find_references", {"path": "pkg/app.py", "line": 1})
        assert neither.is_error and "column" in text(neither)
        zero = await client.call_tool("go_to_definition", {"path": "pkg/app.py", "line": 0, "column": 1})
        assert zero.is_error
        away = await client.call_tool("go_to_definition", {"path": "/etc/hosts", "line": 1, "column": 1})
        assert away.is_error and "outside the repository" in text(away)
        beyond = await client.call_tool("go_to_definition", {"path": "pkg/app.py", "line": 999, "column": 1})
        assert beyond.is_error
        bad_cursor = await client.call_tool("search_symbols", {"query": "x", "cursor": "garbage"})
        assert bad_cursor.is_error and "cursor" in text(bad_cursor)
        for r in (unknown, outside, never, ambiguous, missing, beyond, bad_cursor):
            assert "Traceback" not in text(r)
        assert not (await client.call_tool("search_symbols", {"query": "Store"})).is_error  # still serving

    # Two allowed roots: `repo` is needed, and the error lists them.
    second = base / "second-root"
    second.mkdir(exist_ok=True)
    async with Client(server(graph_stack, indexed, second)) as client:
        r = await client.call_tool("search_symbols", {"query": "Store"})
        assert r.is_error and str(indexed) in text(r) and str(second) in text(r) and "`repo`" in text(r)
        ok(await client.call_tool("search_symbols", {"query": "Store", "repo": str(indexed)}))


# --------------------------------------------------------------------------- every hop, over stdio


async def test_every_hop_over_stdio(graph_stack, base, stdio_params):
    root = base / "stdio"
    write(root, FILES)
    async with Client(stdio_params(graph_stack, root, "--root", str(root))) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert GRAPH_TOOLS <= names
        never = await client.call_tool("repo_outline", {})
        assert never.is_error and "index_repository" in text(never)
        s = ok(await client.call_tool("index_repository", {}))
        assert s["files_written"] == SOURCES
        d = ok(await client.call_tool("go_to_definition", {"path": "pkg/app.py", "line": 5, "column": 9}))
        assert [(x["path"], x["line"]) for x in d["definitions"]] == [("pkg/store.py", 6)]
        c = ok(await client.call_tool("call_hierarchy", {"name": "main", "direction": "callers"}))
        assert [e["caller"]["qualified_name"] for e in c["edges"]] == ["pkg.app.helper"]
