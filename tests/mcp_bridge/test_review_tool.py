"""review_changes through the SDK's MCP client against a REAL coordinator and workers (LocalStack
with --repo-roots and an SQLite graph store): the working tree against HEAD, revisions, a diff,
files with both versions; fail_on; callers and tests after index_repository; the result budget
(cut, and saying so); and invalid input answered with tool errors a model can act on."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from codeintel.ops.stack import LocalStack
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server
from tests.codeintel.review.gitrepo import commit, git, init, write

pytestmark = pytest.mark.anyio

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": "def helper(x):\n    return x + 1\n",
    "pkg/app.py": "from pkg.util import helper\n\n\ndef run(v):\n    return helper(v)\n",
    "tests/test_util.py": "from pkg.util import helper\n\n\ndef test_helper():\n    assert helper(1) == 2\n",
}
RISKY = "import os\n\n\ndef helper(x):\n    if x:\n        os.system('echo ' + x)\n    return x + 1\n"


def text(r) -> str:
    return "\n".join(c.text for c in r.content if getattr(c, "type", "") == "text")


def ok(r) -> dict[str, Any]:
    assert not r.is_error, text(r)
    assert r.structured_content is not None
    return r.structured_content


def err(r) -> str:
    assert r.is_error, r.structured_content
    return text(r)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return Path(os.path.realpath(tmp_path_factory.mktemp("review-mcp")))


@pytest.fixture(scope="module")
def address(base, tmp_path_factory):
    store = tmp_path_factory.mktemp("review-mcp-store")
    s = LocalStack(
        workers=1,
        extra_args=[f"--coordinator-arg=--repo-roots={base}", f"--coordinator-arg=--graph-store=sqlite:///{store}"],
    )
    s.start(timeout=120)
    yield s.address
    s.stop()


def _repo(base: Path, name: str) -> Path:
    root = init(base / name)
    write(root, PROJECT)
    commit(root, "initial")
    return root


def server(address: str, *roots: Path, **kw):
    return build_server(BridgeConfig(coordinator=address, roots=tuple(str(r) for r in roots), **kw))


async def test_listed_with_schemas(address, base):
    async with Client(server(address, base)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    t = tools["review_changes"]
    assert t.annotations is not None and t.annotations.read_only_hint
    assert {"repo", "diff", "base", "head", "staged", "files", "fail_on", "caller_depth"} <= set(
        t.input_schema["properties"]
    )
    assert t.output_schema is not None
    assert list(t.output_schema["properties"])[:3] == ["repo", "summary", "files"]


async def test_working_tree_review_with_fail_on_then_callers_after_indexing(address, base):
    root = _repo(base, "worktree")
    write(root, {"pkg/util.py": RISKY})
    async with Client(server(address, root)) as client:
        first = ok(await client.call_tool("review_changes", {"fail_on": "high"}))
        assert first["summary"]["failed"] and first["summary"]["findings_new"] == {"high": 1}
        assert first["completeness"]["graph"] == "not_indexed"
        assert any("index_repository" in n for n in first["notes"])
        [f] = first["files"]
        assert f["path"] == "pkg/util.py" and f["findings_new"][0]["line"] == 6
        helper = next(fn for fn in f["functions"] if fn["name"] == "helper")
        assert helper["cyclomatic"] == "1 -> 2" and helper["change"] == "modified"
        ok(await client.call_tool("index_repository", {}))
        second = ok(await client.call_tool("review_changes", {}))
        helper = next(fn for fn in second["files"][0]["functions"] if fn["name"] == "helper")
        assert {c["name"] for c in helper["callers"]} == {"pkg.app.run", "test_util.test_helper"}
        assert [t["path"] for t in helper["tests"]] == ["tests/test_util.py"]
        assert second["summary"]["tests"] == 1 and not second["summary"]["failed"]


async def test_a_removed_function_still_called_is_reported_where_it_is_used(address, base):
    root = _repo(base, "removal")
    async with Client(server(address, root)) as client:
        ok(await client.call_tool("index_repository", {}))
        write(root, {"pkg/util.py": "def other():\n    return 0\n"})
        r = await client.call_tool("review_changes", {})
        out = ok(r)
        assert out["summary"]["broken_uses"] == 2
        helper = next(fn for fn in out["files"][0]["functions"] if fn["name"] == "helper")
        assert helper["change"] == "removed" and helper["broken_uses_total"] == 2
        assert [(u["path"], u["name"]) for u in helper["broken_uses"]] == [
            ("pkg/app.py", "pkg.app.run"),
            ("tests/test_util.py", "test_util.test_helper"),
        ]
        assert "pkg/app.py:5: still uses removed helper (in pkg.app.run)" in text(r)


async def test_revisions_diff_and_files(address, base):
    root = _repo(base, "modes")
    first = git(root, "rev-parse", "HEAD").strip()
    write(root, {"pkg/util.py": RISKY})
    second = commit(root, "risky")
    async with Client(server(address, root)) as client:
        rev = ok(await client.call_tool("review_changes", {"base": first, "head": second}))
        assert (rev["base_commit"], rev["head_commit"]) == (first, second)
        assert rev["summary"]["findings_new"] == {"high": 1}
        write(root, {"pkg/util.py": "def helper(x:\n"})
        d = ok(await client.call_tool("review_changes", {"diff": git(root, "diff"), "fail_on": "critical"}))
        assert d["summary"]["failed"] and d["summary"]["syntax_errors_new"] >= 1
        assert d["summary"]["findings_fixed"] == {"high": 1}
        files = ok(
            await client.call_tool(
                "review_changes",
                {"files": [{"path": "x.py", "before": "def f():\n    return 1\n", "after": "def f(:\n"}]},
            )
        )
        assert files["summary"]["syntax_errors_new"] >= 1 and files["files"][0]["path"] == "x.py"


async def test_a_result_over_the_budget_is_cut_and_says_so(address, base):
    many = {f"f{i}.py": "".join(f"def g{j}(x):\n    return x\n\n\n" for j in range(40)) for i in range(12)}
    changed = [
        {"path": p, "before": c, "after": c.replace("return x", "return x if x else 0")} for p, c in many.items()
    ]
    async with Client(server(address, base, max_output_bytes=8_000)) as client:
        r = await client.call_tool("review_changes", {"files": changed, "max_items": 100, "include_callers": False})
        data = ok(r)
    assert len(json.dumps(data, separators=(",", ":")).encode()) <= 8_000
    assert data["summary"]["functions_changed"] == 12 * 40  # the summary counts everything
    assert data["completeness"]["lists_truncated"]
    assert any("size budget" in n for n in data["notes"])
    shown = sum(len(f["functions"]) for f in data["files"])
    assert 0 < shown < 12 * 40


async def test_invalid_input_gives_actionable_tool_errors(address, base, tmp_path):
    root = _repo(base, "invalid")
    outside = init(tmp_path / "elsewhere")
    async with Client(server(address, root)) as client:
        assert "not a revision" in err(await client.call_tool("review_changes", {"base": "--output=/tmp/x"}))
        assert "unknown revision" in err(await client.call_tool("review_changes", {"base": "nope"}))
        assert "no file changes found" in err(await client.call_tool("review_changes", {"diff": "not a diff"}))
        assert "one kind of change" in err(
            await client.call_tool("review_changes", {"diff": "x", "files": [{"path": "a.py", "after": "x"}]})
        )
        assert "outside the allowed roots" in err(await client.call_tool("review_changes", {"repo": str(outside)}))
        assert "before" in err(await client.call_tool("review_changes", {"files": [{"path": "a.py"}]}))
        assert "caller_depth" in err(await client.call_tool("review_changes", {"caller_depth": 9}))


# --------------------------------------------------------------------------- every hop, over stdio

HOUSE_RULE = """rules:
  - id: acme.no-print
    languages: [python]
    cwe: CWE-532
    severity: medium
    confidence: high
    message: print() in library code leaks data to stdout; use the logging module.
    query: |
      (call function: (identifier) @fn (#eq? @fn "print")) @match
"""


async def test_every_hop_over_stdio_review_query_and_the_repositorys_rules(address, base, stdio_params):
    """A real `python -m mcp_bridge` over stdio, the coordinator and the workers: an agent indexes a
    repository, edits a file, reviews the edit (the shipped rules and the repository's own
    .codeintel/rules/ both report, callers and tests come from the index), then searches the tree by
    pattern and by query, and gets an invalid query back as an error with its position."""
    root = init(base / "stdio")
    write(root, {**PROJECT, ".codeintel/rules/house.yaml": HOUSE_RULE})
    commit(root, "initial")
    async with Client(stdio_params(address, root, "--root", str(root))) as client:
        ok(await client.call_tool("index_repository", {}))
        write(root, {"pkg/util.py": RISKY.replace("    return x + 1\n", "    print(x)\n    return x + 1\n")})
        review = ok(await client.call_tool("review_changes", {"fail_on": "high"}))
        assert review["summary"]["failed"] and review["summary"]["findings_new"] == {"high": 1, "medium": 1}
        [f] = review["files"]
        assert {x["rule_id"] for x in f["findings_new"]} == {"acme.no-print", "py.os-system-non-constant"}
        helper = next(fn for fn in f["functions"] if fn["name"] == "helper")
        assert [t["path"] for t in helper["tests"]] == ["tests/test_util.py"]
        found = ok(await client.call_tool("code_query", {"pattern": "os.system($CMD)", "language": "python"}))
        assert [(m["path"], m["line"]) for m in found["results"]] == [("pkg/util.py", 6)]
        calls = ok(
            await client.call_tool(
                "code_query",
                {"query": '(call function: (identifier) @fn (#eq? @fn "helper")) @call', "language": "python"},
            )
        )
        assert sorted(m["path"] for m in calls["results"]) == ["pkg/app.py", "tests/test_util.py"]
        bad = await client.call_tool("code_query", {"query": "(call (nope) @x)", "language": "python"})
        assert bad.is_error and "1:8" in text(bad) and "nope" in text(bad)
