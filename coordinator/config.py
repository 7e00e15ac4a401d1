"""Coordinator settings: one frozen dataclass, read once from flags with env defaults."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

OPERATIONS = ("parse", "analyze", "scan")


def _addresses(value: str) -> tuple[str, ...]:
    out = tuple(a.strip() for a in value.split(",") if a.strip())
    for a in out:
        host, sep, port = a.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise argparse.ArgumentTypeError(f"worker address {a!r} is not HOST:PORT")
    return out


@dataclass(frozen=True)
class CoordinatorConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    workers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_queue: int = 2000               # queued work items per operation before RESOURCE_EXHAUSTED
    per_worker_concurrency: int = 2     # calls in flight to one worker (it parses one at a time)
    max_attempts: int = 3               # worker calls per work item, first try included
    health_interval: float = 1.0        # seconds between health checks of a serving worker
    unavailable_after: float = 5.0      # fail queued work when no worker has served this long
    cache_max_bytes: int = 256 * 1024 * 1024
    default_deadline: float = 60.0      # applied when the caller sets none
    max_batch_files: int = 1000
    batch_chunk_files: int = 16         # files per worker call when splitting a batch
    batch_chunk_bytes: int = 4 * 1024 * 1024
    max_message_bytes: int = 64 * 1024 * 1024
    drain_delay: float = 0.5
    grace: float = 30.0
    log_level: str = "info"

    @classmethod
    def from_args(cls, argv: Sequence[str] | None = None) -> "CoordinatorConfig":
        env = os.environ.get
        d = cls()
        p = argparse.ArgumentParser(prog="coordinator", description="Run the codeintel coordinator.")
        p.add_argument("--host", default=env("CODEINTEL_HOST", d.host))
        p.add_argument("--port", type=int, default=int(env("CODEINTEL_PORT", d.port)), help="0 picks a free port")
        for op in OPERATIONS:
            p.add_argument(f"--{op}-workers", type=_addresses, default=_addresses(env(f"CODEINTEL_{op.upper()}_WORKERS", "")),
                           help=f"comma-separated HOST:PORT list of {op} workers")
        ints = ("max_queue", "per_worker_concurrency", "max_attempts", "cache_max_bytes", "max_batch_files",
                "batch_chunk_files", "batch_chunk_bytes", "max_message_bytes")
        floats = ("health_interval", "unavailable_after", "default_deadline", "drain_delay", "grace")
        for name in ints + floats:
            kind = int if name in ints else float
            p.add_argument(f"--{name.replace('_', '-')}", type=kind,
                           default=kind(env(f"CODEINTEL_{name.upper()}", getattr(d, name))))
        p.add_argument("--log-level", default=env("CODEINTEL_LOG_LEVEL", d.log_level))
        a = p.parse_args(argv)
        for name in ints + floats:
            if getattr(a, name) <= 0 and name not in ("drain_delay",):
                p.error(f"--{name.replace('_', '-')} must be positive")
        if not 0 <= a.port <= 65535:
            p.error("--port must be between 0 and 65535")
        workers = {op: getattr(a, f"{op}_workers") for op in OPERATIONS}
        if not any(workers.values()):
            p.error("no workers configured: pass --parse-workers/--analyze-workers/--scan-workers "
                    "(or run `codeintel up`, which starts workers for you)")
        return cls(host=a.host, port=a.port, workers=workers, log_level=a.log_level,
                   **{n: getattr(a, n) for n in ints + floats})
