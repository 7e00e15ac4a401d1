"""Configuration of the MCP bridge, frozen values built once at start-up.

- ``BridgeConfig``: the server (coordinator, allowed roots, deadlines, result bounds), from flags;
- ``RepoConfig``: the repository tools (batching, deadline, run store), from CODEINTEL_REPO_* variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class RepoConfig:
    """Settings of the repository tools (env CODEINTEL_REPO_*, read once at start-up)."""

    batch_files: int = 64
    batch_bytes: int = 4 * 1024 * 1024
    in_flight: int = 4
    max_files: int = 100_000
    default_deadline_s: float = 300.0
    store_ttl_s: float = 900.0
    store_max_runs: int = 16
    store_max_bytes: int = 64 * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RepoConfig:
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            key = f"CODEINTEL_REPO_{name.upper()}"
            raw = source.get(key)
            if raw is None:
                continue
            kind = type(getattr(cls, name))
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{key}={raw!r} is not a valid {kind.__name__}") from None
            if not value > 0:
                raise ValueError(f"{key} must be positive, got {raw!r}")
            values[name] = value
        return cls(**values)
