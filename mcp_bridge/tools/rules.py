"""The ``scan_list_rules`` tool (the security rules vulnerability_scan runs; with `rules`, it validates
and lists custom rules), and the custom-rule arguments the scan tools share (`rules`, `rules_format`)."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import Field

from codeintel.kernel import vocab
from codeintel.v1 import scan_pb2
from mcp_bridge.bridge import Bridge, guard, result, tool_annotations
from mcp_bridge.outputs.rules import RulesOutput, rules_output
from mcp_bridge.text import rules_text

RulesArg = Annotated[
    str | None,
    Field(
        description="Custom rules to run too: the text of one rule file, YAML (a top-level `rules:` list) or TOML "
        "(`[[rules]]` tables). Each rule: id (your own prefix, e.g. 'acme.raw-sql'), languages, cwe, severity, "
        "confidence, message, query (a tree-sitter query with an @match capture), optional predicate + args "
        "and examples. Errors name the rule and the field to fix.",
        max_length=vocab.CUSTOM_RULE_BYTES,
    ),
]
RulesFormatArg = Annotated[
    Literal["yaml", "toml"] | None,
    Field(description="Format of `rules` (default: TOML when it has a [[rules]] table, else YAML)."),
]


def custom_rule_file(rules: str | None, rules_format: str | None) -> list[scan_pb2.RuleFile]:
    """The `rules` argument as ScanOptions.custom_rules (none when not given). Errors name it
    `rules.yaml` / `rules.toml`: what the model sent, in the format it was read as."""
    if rules is None:
        if rules_format is not None:
            raise ToolError("`rules_format` was given without `rules`; pass the rule file's text in `rules`")
        return []
    if not rules.strip():
        raise ToolError("`rules` is empty; pass the text of a YAML or TOML rule file, or omit it")
    fmt = rules_format or ("toml" if any(line.strip() == "[[rules]]" for line in rules.splitlines()) else "yaml")
    return [scan_pb2.RuleFile(path=f"rules.{fmt}", content=rules)]


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add scan_list_rules to `server`."""

    @server.tool(
        name="scan_list_rules",
        title="List scan rules",
        description=(
            "List the security rules vulnerability_scan runs: id, CWE, OWASP Top 10 category, severity, "
            "confidence, languages, and whether the rule follows data flow. Optional `language` filter. "
            "With `rules` (a YAML or TOML rule file's text) it validates those custom rules and lists them too "
            "(`custom`): how to check rules before scanning with them."
        ),
        annotations=tool_annotations("List scan rules"),
    )
    @guard("scan_list_rules")
    async def scan_list_rules(
        language: Annotated[
            str | None, Field(description="Only rules for this language id, e.g. 'python'.", max_length=64)
        ] = None,
        rules: RulesArg = None,
        rules_format: RulesFormatArg = None,
    ) -> Annotated[CallToolResult, RulesOutput]:
        files = custom_rule_file(rules, rules_format)
        resp = await bridge.call(bridge.client.list_rules(language or "", custom_rules=files))
        out = rules_output(resp)
        return result(out, rules_text(out))
