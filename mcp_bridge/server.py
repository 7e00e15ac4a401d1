"""The MCP server: read-only tools over the codeintel coordinator.

Jobs:
- ``build_server(config)``: the server (not started), with every tool family of mcp_bridge.tools
  registered on one shared Bridge, and the HTTP probes beside /mcp (mcp_bridge.probes);
- ``run(...)``: serve it over stdio or streamable HTTP (with a graceful drain) until it closes.

Every tool declares an outputSchema (mcp_bridge.outputs) and returns ``structuredContent`` plus a
concise text summary (mcp_bridge.text). Results are bounded: long lists are cut with an explicit
truncation marker (``truncated``, ``total_*``, ``returned_*``) so one result stays under ~100 KB of
JSON. Failures are ``isError`` results whose text tells the model what to change.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server import MCPServer

from codeintel.observability import tracing
from mcp_bridge import probes
from mcp_bridge.bridge import Bridge
from mcp_bridge.config import BridgeConfig, ServeOptions
from mcp_bridge.tools import admin, code, graph, query, repo, review, rules

log = logging.getLogger("mcp_bridge")

INSTRUCTIONS = """\
Code intelligence over tree-sitter: parse source into symbols/AST (code_parse), measure \
complexity (code_analyze), find security issues (vulnerability_scan), and check backend \
health (admin_get_metrics). Pass source inline with `code` (+ `language` or `filename`), \
or a file with `path` (relative to the allowed roots). Results are bounded; look for \
`truncated: true`. Lines and columns are 1-based. For a whole directory or glob use repo_scan, \
repo_analyze or repo_index: summary first, details page by page with `cursor`. Cross-file \
questions (where is X defined, who uses or calls it, what imports what, the shape of the code): \
call index_repository once (again after edits; unchanged files are reused), then search_symbols, \
go_to_definition, find_references, call_hierarchy, import_graph, repo_outline; each answer says \
what the index is missing (`completeness`). After editing files, review_changes says what the change broke or made worse (new syntax errors and findings, complexity, callers and tests reached). Structural search by syntax (every call of X, every \
`eval($X)`): code_query with a tree-sitter query or an ast-grep pattern."""


class BridgeServer(MCPServer[Any]):
    """The MCP server, carrying the state behind its tools (for tests and the CLI)."""

    bridge: Bridge
    repo_tools: repo.RepoTools
    graph_tools: graph.GraphTools
    query_tools: query.QueryTools


def build_server(config: BridgeConfig) -> BridgeServer:
    """Build the MCP server (not started) for `config`."""
    bridge = Bridge(config)
    server = BridgeServer(name=config.name, instructions=INSTRUCTIONS, version=_version())
    server.bridge = bridge
    # Registration order is the order clients list the tools in.
    code.register(server, bridge)
    rules.register(server, bridge)
    admin.register(server, bridge)
    server.repo_tools = repo.register(server, bridge)
    server.graph_tools = graph.register(server, bridge)
    review.register(server, bridge)
    server.query_tools = query.register(server, bridge)
    probes.add_routes(server, config.coordinator)  # /metrics, /healthz, /readyz beside /mcp (HTTP transport)
    return server


def _version() -> str:
    try:
        from codeintel import __version__

        return __version__
    except Exception:  # pragma: no cover
        return "0"


def run(config: BridgeConfig, serve: ServeOptions | None = None) -> None:
    """Serve the bridge until the transport closes (blocking): over stdio, or streamable HTTP at
    http://HOST:PORT/mcp with /healthz, /readyz and a graceful SIGTERM drain (mcp_bridge.drain)."""
    serve = serve or ServeOptions()
    if serve.transport not in ("stdio", "http"):
        raise ValueError(f"unknown transport {serve.transport!r}; use 'stdio' or 'http'")
    server = build_server(config)
    tracing.setup("codeintel-mcp-bridge")
    try:
        if serve.transport == "stdio":
            server.run("stdio")
        else:
            from mcp_bridge.drain import serve_http

            serve_http(
                server.streamable_http_app(host=serve.http_host),
                host=serve.http_host,
                port=serve.http_port,
                log_level=logging.getLevelName(log.getEffectiveLevel()).lower(),
                drain_delay=serve.drain_delay,
                grace=serve.grace,
            )
    finally:
        tracing.shutdown()  # the last tool calls' spans are exported before the process ends
