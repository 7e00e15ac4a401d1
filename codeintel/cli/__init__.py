"""The `codeintel` command: run the local stack, serve MCP, or parse/analyze/scan files from a shell."""
