"""mcp_bridge: an MCP server exposing the codeintel coordinator as model-facing tools.

Run it with ``python -m mcp_bridge --coordinator HOST:PORT`` (stdio by default) or call
:func:`mcp_bridge.server.run`. The tools are read-only: they parse, measure and scan
source text sent inline or read from files under the allowed roots.
"""

from mcp_bridge.config import BridgeConfig

__all__ = ["BridgeConfig"]
