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


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


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
    # Shared tier (opt-in): Redis for the L2 cache and cluster-wide rate limits.
    redis_url: str = ""                 # e.g. redis://redis:6379/0; empty: in-memory limits, no L2
    l2_cache: bool = True               # use Redis as L2 cache when redis_url is set
    l2_ttl: float = 24 * 3600.0         # seconds an L2 entry lives
    l2_max_value_bytes: int = 8 * 1024 * 1024
    redis_timeout: float = 0.1          # seconds per Redis call before it counts as down
    rate_limit_fail_open: bool = True   # Redis down: admit (open) or refuse with UNAVAILABLE (closed)
    # Tenants (opt-in): a TOML file of tiers, tenants and key hashes; empty: auth off.
    tenants_file: str = ""
    max_queued_per_tenant: int = 0      # queued work items per tenant and operation; 0: a quarter of max_queue

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
        p.add_argument("--redis-url", default=env("REDIS_URL", env("CODEINTEL_REDIS_URL", d.redis_url)),
                       help="Redis for the shared L2 cache and cluster-wide rate limits (env REDIS_URL)")
        p.add_argument("--no-l2-cache", dest="l2_cache", action="store_false",
                       default=_flag(env("CODEINTEL_L2_CACHE", "1")), help="use Redis for rate limits only")
        p.add_argument("--l2-ttl", type=float, default=float(env("CODEINTEL_L2_TTL", d.l2_ttl)))
        p.add_argument("--l2-max-value-bytes", type=int,
                       default=int(env("CODEINTEL_L2_MAX_VALUE_BYTES", d.l2_max_value_bytes)))
        p.add_argument("--redis-timeout", type=float, default=float(env("CODEINTEL_REDIS_TIMEOUT", d.redis_timeout)))
        p.add_argument("--rate-limit-on-redis-error", choices=("open", "closed"),
                       default=env("CODEINTEL_RATE_LIMIT_ON_REDIS_ERROR", "open"),
                       help="Redis unreachable: admit calls (open, default) or refuse them with UNAVAILABLE (closed)")
        p.add_argument("--tenants-file", default=env("CODEINTEL_TENANTS_FILE", d.tenants_file),
                       help="TOML file of tiers, tenants and API key hashes; unset: no authentication")
        p.add_argument("--max-queued-per-tenant", type=int,
                       default=int(env("CODEINTEL_MAX_QUEUED_PER_TENANT", d.max_queued_per_tenant)))
        a = p.parse_args(argv)
        for name in ("l2_ttl", "l2_max_value_bytes", "redis_timeout"):
            if getattr(a, name) <= 0:
                p.error(f"--{name.replace('_', '-')} must be positive")
        if a.max_queued_per_tenant < 0:
            p.error("--max-queued-per-tenant must be 0 (a quarter of --max-queue) or positive")
        if a.redis_url and not a.redis_url.startswith(("redis://", "rediss://", "unix://")):
            p.error(f"--redis-url must start with redis://, rediss:// or unix://, got {a.redis_url!r}")
        if a.tenants_file and not os.path.isfile(a.tenants_file):
            p.error(f"--tenants-file {a.tenants_file!r} does not exist")
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
                   redis_url=a.redis_url, l2_cache=a.l2_cache, l2_ttl=a.l2_ttl,
                   l2_max_value_bytes=a.l2_max_value_bytes, redis_timeout=a.redis_timeout,
                   rate_limit_fail_open=a.rate_limit_on_redis_error == "open", tenants_file=a.tenants_file,
                   max_queued_per_tenant=a.max_queued_per_tenant,
                   **{n: getattr(a, n) for n in ints + floats})

    @property
    def tenant_queue_cap(self) -> int:
        return self.max_queued_per_tenant or max(1, self.max_queue // 4)
