"""The ``admin_get_metrics`` tool: health and load of the code-intelligence backend."""

from __future__ import annotations

import asyncio
from typing import Annotated

from mcp.server import MCPServer
from mcp_types import CallToolResult

from mcp_bridge.bridge import Bridge, guard, result, tool_annotations
from mcp_bridge.outputs.admin import MetricsOutput, metrics_output
from mcp_bridge.text import metrics_text


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add admin_get_metrics to `server`."""

    @server.tool(
        name="admin_get_metrics",
        title="Backend metrics",
        description=(
            "Health and load of the code-intelligence backend: per-operation request/error counts, cache hit "
            "ratio, queue depth, latency, and each worker's state (serving/total)."
        ),
        annotations=tool_annotations("Backend metrics"),
    )
    @guard("admin_get_metrics")
    async def admin_get_metrics() -> Annotated[CallToolResult, MetricsOutput]:
        stats, workers = await bridge.call(asyncio.gather(bridge.client.get_stats(), bridge.client.list_workers()))
        out = metrics_output(stats, workers)
        return result(out, metrics_text(out))
