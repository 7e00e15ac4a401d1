"""Configuration of the MCP bridge (one frozen value, built once at start-up)."""

from __future__ import annotations

import os
from dataclasses import dataclass

# The workers' default limit (codeintel.source.DEFAULT_MAX_FILE_BYTES); content above it
# is refused locally so it never reaches gRPC's own message-size limits.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class BridgeConfig:
    """Everything the bridge needs. Result caps keep a tool result's JSON under ~100 KB."""

    coordinator: str = "127.0.0.1:50051"
    # Directories whose files the `path` argument may name; empty means the working
    # directory at server start-up.
    roots: tuple[str, ...] = ()
    # Deadline of every gRPC call to the coordinator, in seconds.
    timeout_s: float = 30.0
    # Sent as `authorization: Bearer <key>` when set (coordinator tenants).
    api_key: str | None = None
    # Largest file or `code` string accepted, in bytes.
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # Result bounds.
    max_symbols: int = 300
    max_syntax_errors: int = 50
    max_ast_nodes: int = 300
    max_functions: int = 200
    max_findings: int = 100
    max_sarif_bytes: int = 40_000
    max_output_bytes: int = 95_000
    # Server name reported to MCP clients.
    name: str = "codeintel"

    def __post_init__(self) -> None:
        if not self.coordinator or ":" not in self.coordinator:
            raise ValueError(f"coordinator address must be HOST:PORT, got {self.coordinator!r}")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.max_file_bytes <= 0:
            raise ValueError("max_file_bytes must be positive")

    def effective_roots(self) -> tuple[str, ...]:
        """The allowed roots as given, or the current working directory when none were."""
        return self.roots or (os.getcwd(),)
