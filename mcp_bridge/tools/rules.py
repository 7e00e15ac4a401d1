"""The ``scan_list_rules`` tool: the security rules vulnerability_scan runs."""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_bridge.bridge import Bridge, guard, result, tool_annotations
from mcp_bridge.outputs.rules import RulesOutput, rules_output
from mcp_bridge.text import rules_text


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add scan_list_rules to `server`."""

    @server.tool(
        name="scan_list_rules",
        title="List scan rules",
        description=(
            "List the security rules vulnerability_scan runs: id, CWE, OWASP Top 10 category, severity, "
            "confidence, languages, and whether the rule follows data flow. Optional `language` filter."
        ),
        annotations=tool_annotations("List scan rules"),
    )
    @guard("scan_list_rules")
    async def scan_list_rules(
        language: Annotated[
            str | None, Field(description="Only rules for this language id, e.g. 'python'.", max_length=64)
        ] = None,
    ) -> Annotated[CallToolResult, RulesOutput]:
        resp = await bridge.call(bridge.client.list_rules(language or ""))
        out = rules_output(resp)
        return result(out, rules_text(out))
