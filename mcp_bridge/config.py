"""Configuration of the MCP bridge, frozen values built once at start-up.

- ``BridgeConfig``: the server (coordinator, allowed roots, deadlines, result bounds);
- ``RepoConfig``: the repository tools (batching, deadline, run store);
- ``ServeOptions``: the transport and, over HTTP, the address and the drain;
- ``bridge_settings()``: every flag of the bridge, each with its CODEINTEL_* variable
  (codeintel.kernel.settings), shared by `python -m mcp_bridge` and `codeintel mcp`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from codeintel.kernel import settings

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
    # The repository tools' settings (by default from CODEINTEL_REPO_*, as a library user would expect).
    repo: RepoConfig = field(default_factory=lambda: RepoConfig.from_env())

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
    """Settings of the repository tools (flags --repo-*, variables CODEINTEL_REPO_*)."""

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
        """From CODEINTEL_REPO_* alone (library use); ValueError naming the variable's flag when one is bad."""
        return cls.from_namespace(settings.from_env(REPO_SETTINGS, env))

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> RepoConfig:
        return cls(**{s.name.removeprefix("repo_"): getattr(args, s.name) for s in REPO_SETTINGS})


_R = RepoConfig()
REPO_SETTINGS = (
    settings.Setting(
        "--repo-batch-files", _R.batch_files, int, "repository tools: files per batch call", settings.positive
    ),
    settings.Setting(
        "--repo-batch-bytes", _R.batch_bytes, int, "repository tools: bytes per batch call", settings.positive
    ),
    settings.Setting(
        "--repo-in-flight", _R.in_flight, int, "repository tools: batch calls in flight", settings.positive
    ),
    settings.Setting(
        "--repo-max-files", _R.max_files, int, "repository tools: most files one run takes", settings.positive
    ),
    settings.Setting(
        "--repo-default-deadline",
        _R.default_deadline_s,
        float,
        "repository tools: seconds a run may take when the call sets no deadline_s",
        settings.positive,
        dest="repo_default_deadline_s",
    ),
    settings.Setting(
        "--repo-store-ttl",
        _R.store_ttl_s,
        float,
        "repository tools: seconds a finished run's pages stay available",
        settings.positive,
        dest="repo_store_ttl_s",
    ),
    settings.Setting(
        "--repo-store-max-runs",
        _R.store_max_runs,
        int,
        "repository tools: finished runs kept for paging",
        settings.positive,
    ),
    settings.Setting(
        "--repo-store-max-bytes",
        _R.store_max_bytes,
        int,
        "repository tools: bytes of finished runs kept for paging",
        settings.positive,
    ),
)


@dataclass(frozen=True)
class ServeOptions:
    """How `run` serves the bridge: the transport and, over HTTP, the address and the SIGTERM drain."""

    transport: str = "stdio"
    http_host: str = "127.0.0.1"
    http_port: int = 8765
    drain_delay: float = 0.5
    grace: float = 30.0


_S = ServeOptions()


def bridge_settings(*, coordinator_required: bool = True) -> tuple[settings.Setting, ...]:
    """The bridge's flags (`python -m mcp_bridge`; `codeintel mcp` starts a local stack when --coordinator
    is not given, so there it is optional)."""
    return (
        settings.Setting(
            "--coordinator",
            "" if not coordinator_required else None,
            help="coordinator address HOST:PORT" + ("" if coordinator_required else " (default: start a local stack)"),
            check=settings.host_port,
            required=coordinator_required,
        ),
        settings.Setting("--transport", _S.transport, help="MCP transport", choices=("stdio", "http")),
        settings.Setting("--http-host", _S.http_host, help="HTTP bind address", aliases=("--host",)),
        settings.Setting(
            "--http-port", _S.http_port, int, "HTTP port; the endpoint is /mcp", settings.port, aliases=("--port",)
        ),
        settings.Setting(
            "--root",
            (),
            help="directory whose files the `path` argument may read; repeatable "
            "(default: the working directory; the variable takes a comma-separated list)",
            check=settings.directory,
            repeat=True,
            metavar="DIR",
            env=("CODEINTEL_ROOTS",),
        ),
        settings.Setting(
            "--timeout",
            BridgeConfig.timeout_s,
            float,
            "deadline of each coordinator call, seconds",
            settings.positive,
            dest="timeout_s",
        ),
        settings.Setting("--api-key", None, help="coordinator API key, sent as a bearer token"),
        settings.Setting(
            "--max-file-bytes", BridgeConfig.max_file_bytes, int, "largest file or `code` accepted", settings.positive
        ),
        settings.Setting("--log-level", "warning", help="log level (logs go to stderr)", check=settings.log_level),
        settings.Setting(
            "--drain-delay",
            _S.drain_delay,
            float,
            "HTTP: seconds still serving after SIGTERM while /readyz says 503 (balancers notice)",
            settings.non_negative,
        ),
        settings.Setting(
            "--grace",
            _S.grace,
            float,
            "HTTP: seconds tool calls in flight get to finish after SIGTERM",
            settings.positive,
        ),
        *REPO_SETTINGS,
    )


def from_namespace(args: argparse.Namespace, coordinator: str | None = None) -> tuple[BridgeConfig, ServeOptions]:
    """The bridge's configuration from parsed (and checked) flags; `coordinator` overrides --coordinator."""
    config = BridgeConfig(
        coordinator=coordinator or args.coordinator,
        roots=tuple(args.root),
        timeout_s=args.timeout_s,
        api_key=args.api_key or None,
        max_file_bytes=args.max_file_bytes,
        repo=RepoConfig.from_namespace(args),
    )
    serve = ServeOptions(
        transport=args.transport,
        http_host=args.http_host,
        http_port=args.http_port,
        drain_delay=args.drain_delay,
        grace=args.grace,
    )
    return config, serve
