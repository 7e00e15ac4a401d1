"""Custom scan rules through the SDK MCP client (in-process) against the REAL coordinator and workers of
the shared `stack` fixture: vulnerability_scan with `rules` (YAML and TOML) reports the custom
findings, scan_list_rules validates them, repo_scan picks up a directory's .codeintel/rules/; an
invalid rule is a tool error quoting the message that names the rule and the field."""

from __future__ import annotations

import pytest
from mcp import Client

from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server

pytestmark = pytest.mark.anyio

YAML = """rules:
  - id: acme.raw-sql
    languages: [python]
    cwe: CWE-89
    severity: high
    confidence: medium
    message: SQL text built at run time is passed to db.raw(); pass parameters instead.
    query: |
      ((call function: (attribute attribute: (identifier) @m) arguments: (argument_list . (_) @arg)) @match
       (#eq? @m "raw"))
    predicate: non_constant
"""
TOML = """[[rules]]
id = "acme.load-blob"
languages = ["python"]
cwe = "CWE-502"
severity = "medium"
confidence = "low"
message = "Our wrapper unpickles whatever it is given; load trusted files only."
query = '((call function: (identifier) @f) @match (#eq? @f "load_blob"))'
"""
CODE = "db.raw('select ' + uid)\nload_blob(data)\n"


def _server(address: str, root):
    return build_server(BridgeConfig(coordinator=address, roots=(str(root),)))


def _text(r) -> str:
    return "\n".join(c.text for c in r.content if getattr(c, "type", "") == "text")


async def test_vulnerability_scan_runs_custom_rules(stack, tmp_path):
    async with Client(_server(stack.address, tmp_path)) as client:
        r = await client.call_tool("vulnerability_scan", {"code": CODE, "language": "python", "rules": YAML})
        assert not r.is_error, _text(r)
        mine = [f for f in r.structured_content["findings"] if f["rule_id"].startswith("acme.")]
        assert [(f["rule_id"], f["line"], f["severity"]) for f in mine] == [("acme.raw-sql", 1, "high")]
        r = await client.call_tool(
            "vulnerability_scan", {"code": CODE, "language": "python", "rules": TOML, "include_sarif": True}
        )
        assert not r.is_error, _text(r)
        assert [f["rule_id"] for f in r.structured_content["findings"]] == ["acme.load-blob"]
        driver = r.structured_content["sarif"]["runs"][0]["tool"]["driver"]
        assert [d["properties"]["source"] for d in driver["rules"] if d["id"] == "acme.load-blob"] == ["rules.toml"]


async def test_invalid_rules_are_tool_errors_naming_the_field(stack, tmp_path):
    bad = YAML.replace("severity: high", "severity: urgent")
    async with Client(_server(stack.address, tmp_path)) as client:
        for tool, args in (
            ("vulnerability_scan", {"code": CODE, "language": "python", "rules": bad}),
            ("scan_list_rules", {"rules": bad}),
            ("scan_list_rules", {"rules": bad, "rules_format": "yaml"}),
        ):
            r = await client.call_tool(tool, args)
            assert r.is_error, tool
            assert 'rules.yaml: rule "acme.raw-sql": field "severity": "urgent" is not one of' in _text(r), _text(r)
            assert "Traceback" not in _text(r)
        r = await client.call_tool("scan_list_rules", {"rules": TOML, "rules_format": "yaml"})  # TOML read as YAML
        assert r.is_error and "rules.yaml" in _text(r)
        r = await client.call_tool("vulnerability_scan", {"code": CODE, "language": "python", "rules_format": "toml"})
        assert r.is_error and "without `rules`" in _text(r)


async def test_scan_list_rules_validates_and_lists_custom_rules(stack, tmp_path):
    async with Client(_server(stack.address, tmp_path)) as client:
        r = await client.call_tool("scan_list_rules", {"language": "python", "rules": YAML})
        assert not r.is_error, _text(r)
        out = r.structured_content
        assert out["custom_rules"] == 1
        assert [(x["id"], x["source"]) for x in out["rules"] if x["custom"]] == [("acme.raw-sql", "rules.yaml")]
        assert "1 custom (valid)" in _text(r) and "- acme.raw-sql" in _text(r).splitlines()[1]


async def test_repo_scan_uses_the_directorys_rules(stack, tmp_path):
    (tmp_path / "svc" / ".codeintel" / "rules").mkdir(parents=True)
    (tmp_path / "svc" / ".codeintel" / "rules" / "sql.yaml").write_text(YAML)
    (tmp_path / "svc" / "app.py").write_text(CODE)
    async with Client(_server(stack.address, tmp_path)) as client:
        r = await client.call_tool("repo_scan", {"path": "svc", "rules": TOML})
        assert not r.is_error, _text(r)
        found = {f["rule_id"] for f in r.structured_content["details"]}
        assert {"acme.raw-sql", "acme.load-blob"} <= found
        assert any("custom rules: 2 from 2 files" in n for n in r.structured_content["notes"])
        (tmp_path / "svc" / ".codeintel" / "rules" / "sql.yaml").write_text(YAML.replace("@match", "@hit"))
        r = await client.call_tool("repo_scan", {"path": "svc"})
        assert r.is_error
        assert '.codeintel/rules/sql.yaml: rule "acme.raw-sql": field "query": has no @match capture' in _text(r)
