"""The shared kernel: plain-Python building blocks every codeintel process uses.

Errors, language detection, source validation, spans, time budgets, tree-sitter queries, the
vocabulary of names (severities, priorities, cache statuses), SARIF, settings and process
helpers. No grpc here, and nothing from the layers above (rpc, client, ops, cli) or from the
applications (coordinator, mcp_bridge, services); `make lint` enforces it.
"""
