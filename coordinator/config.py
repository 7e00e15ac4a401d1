"""Coordinator settings: one frozen dataclass, read once from flags with env defaults."""

from __future__ import annotations

import argparse
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

OPERATIONS = ("parse", "analyze", "scan")


def _addresses(value: str) -> tuple[str, ...]:
    """HOST:PORT and dns:HOST:PORT entries (the latter re-resolved while running)."""
    from coordinator.discovery import check_entry

    out = tuple(a.strip() for a in value.split(",") if a.strip())
    for a in out:
        try:
            check_entry(a)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e) if a.startswith("dns:") else f"{e} (or dns:HOST:PORT)") from None
    return out


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class CoordinatorConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    workers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_queue: int = 2000  # queued work items per operation before RESOURCE_EXHAUSTED
    per_worker_concurrency: int = 2  # calls in flight to one worker (it parses one at a time)
    max_attempts: int = 3  # worker calls per work item, first try included
    health_interval: float = 1.0  # seconds between health checks of a serving worker
    unavailable_after: float = 5.0  # fail queued work when no worker has served this long
    cache_max_bytes: int = 256 * 1024 * 1024
    default_deadline: float = 60.0  # applied when the caller sets none
    max_batch_files: int = 1000
    batch_chunk_files: int = 16  # files per worker call when splitting a batch
    batch_chunk_bytes: int = 4 * 1024 * 1024
    max_message_bytes: int = 64 * 1024 * 1024
    drain_delay: float = 0.5
    grace: float = 30.0
    max_connection_age: float = 0.0  # seconds before clients must reconnect (rebalancing); 0 = never
    log_level: str = "info"
    metrics_port: int = 0  # Prometheus /metrics on this port; 0 = off
    metrics_host: str = ""  # its bind address; empty = the same as host
    # Discovery: dns:HOST:PORT entries are re-resolved this often; the workers file polled this often.
    workers_file: str = ""  # JSON {"parse": ["HOST:PORT", ...], "analyze": [...], "scan": [...]}
    discovery_interval: float = 5.0
    workers_file_interval: float = 0.5
    # Shared tier (opt-in): Redis for the L2 cache and cluster-wide rate limits.
    redis_url: str = ""  # e.g. redis://redis:6379/0; empty: in-memory limits, no L2
    l2_cache: bool = True  # use Redis as L2 cache when redis_url is set
    l2_ttl: float = 24 * 3600.0  # seconds an L2 entry lives
    l2_max_value_bytes: int = 8 * 1024 * 1024
    redis_timeout: float = 0.1  # seconds per Redis call before it counts as down
    rate_limit_fail_open: bool = True  # Redis down: admit (open) or refuse with UNAVAILABLE (closed)
    # Tenants (opt-in): a TOML file of tiers, tenants and key hashes; empty: auth off.
    tenants_file: str = ""
    max_queued_per_tenant: int = 0  # queued work items per tenant and operation; 0: a quarter of max_queue
    # RunRepository (opt-in): directories on this machine a caller may have walked; empty: the RPC is off.
    repo_roots: tuple[str, ...] = ()  # resolved (realpath) at start-up

    @classmethod
    def from_args(cls, argv: Sequence[str] | None = None) -> CoordinatorConfig:
        env = os.environ.get
        d = cls()
        p = argparse.ArgumentParser(prog="coordinator", description="Run the codeintel coordinator.")
        p.add_argument("--host", default=env("CODEINTEL_HOST", d.host))
        p.add_argument("--port", type=int, default=env("CODEINTEL_PORT", str(d.port)), help="0 picks a free port")
        for op in OPERATIONS:
            p.add_argument(
                f"--{op}-workers",
                type=_addresses,
                default=env(f"CODEINTEL_{op.upper()}_WORKERS", ""),
                help=f"comma-separated list of {op} workers: HOST:PORT, or dns:HOST:PORT for every "
                "address the name resolves to (re-resolved every --discovery-interval)",
            )
        ints = (
            "max_queue",
            "per_worker_concurrency",
            "max_attempts",
            "cache_max_bytes",
            "max_batch_files",
            "batch_chunk_files",
            "batch_chunk_bytes",
            "max_message_bytes",
        )
        floats = (
            "health_interval",
            "unavailable_after",
            "default_deadline",
            "drain_delay",
            "grace",
            "discovery_interval",
            "workers_file_interval",
        )
        for name in ints + floats:
            kind = int if name in ints else float
            # A string default goes through `type` like a flag: a bad env value is a clear usage error.
            p.add_argument(
                f"--{name.replace('_', '-')}",
                type=kind,
                default=str(env(f"CODEINTEL_{name.upper()}", getattr(d, name))),
            )
        p.add_argument(
            "--max-connection-age",
            type=float,
            default=env("CODEINTEL_MAX_CONNECTION_AGE", "0"),
            help="seconds before clients must reconnect (rebalances load onto new replicas); 0 = never",
        )
        p.add_argument(
            "--workers-file",
            default=env("CODEINTEL_WORKERS_FILE", d.workers_file),
            help='JSON file {"parse": ["HOST:PORT", ...], "analyze": [...], "scan": [...]}, '
            "re-read when it changes; joins the --*-workers entries",
        )
        p.add_argument("--log-level", default=env("CODEINTEL_LOG_LEVEL", d.log_level))
        p.add_argument(
            "--metrics-port",
            type=int,
            default=env("CODEINTEL_METRICS_PORT", "0"),
            help="serve Prometheus /metrics on this port (0 = off, the default)",
        )
        p.add_argument(
            "--metrics-host",
            default=env("CODEINTEL_METRICS_HOST", ""),
            help="bind address of /metrics (default: the same as --host)",
        )
        p.add_argument(
            "--redis-url",
            default=env("REDIS_URL", env("CODEINTEL_REDIS_URL", d.redis_url)),
            help="Redis for the shared L2 cache and cluster-wide rate limits (env REDIS_URL)",
        )
        p.add_argument(
            "--no-l2-cache",
            dest="l2_cache",
            action="store_false",
            default=_flag(env("CODEINTEL_L2_CACHE", "1")),
            help="use Redis for rate limits only",
        )
        p.add_argument("--l2-ttl", type=float, default=env("CODEINTEL_L2_TTL", str(d.l2_ttl)))
        p.add_argument(
            "--l2-max-value-bytes", type=int, default=env("CODEINTEL_L2_MAX_VALUE_BYTES", str(d.l2_max_value_bytes))
        )
        p.add_argument("--redis-timeout", type=float, default=env("CODEINTEL_REDIS_TIMEOUT", str(d.redis_timeout)))
        p.add_argument(
            "--rate-limit-on-redis-error",
            choices=("open", "closed"),
            default=env("CODEINTEL_RATE_LIMIT_ON_REDIS_ERROR", "open"),
            help="Redis unreachable: admit calls (open, default) or refuse them with UNAVAILABLE (closed)",
        )
        p.add_argument(
            "--tenants-file",
            default=env("CODEINTEL_TENANTS_FILE", d.tenants_file),
            help="TOML file of tiers, tenants and API key hashes; unset: no authentication",
        )
        p.add_argument(
            "--max-queued-per-tenant",
            type=int,
            default=env("CODEINTEL_MAX_QUEUED_PER_TENANT", str(d.max_queued_per_tenant)),
        )
        p.add_argument(
            "--repo-roots",
            default=env("CODEINTEL_REPO_ROOTS", ""),
            metavar="DIR[,DIR]",
            help="directories RunRepository may walk (and everything under them); unset: the RPC "
            "answers FAILED_PRECONDITION",
        )
        a = p.parse_args(argv)
        for name in ("l2_ttl", "l2_max_value_bytes", "redis_timeout"):
            if not getattr(a, name) > 0 or not math.isfinite(getattr(a, name)):
                p.error(f"--{name.replace('_', '-')} must be positive")
        if a.rate_limit_on_redis_error not in ("open", "closed"):  # argparse skips `choices` for env defaults
            p.error(f"--rate-limit-on-redis-error must be open or closed, got {a.rate_limit_on_redis_error!r}")
        if a.max_queued_per_tenant < 0:
            p.error("--max-queued-per-tenant must be 0 (a quarter of --max-queue) or positive")
        if a.redis_url and not a.redis_url.startswith(("redis://", "rediss://", "unix://")):
            p.error(f"--redis-url must start with redis://, rediss:// or unix://, got {a.redis_url!r}")
        if a.tenants_file and not os.path.isfile(a.tenants_file):
            p.error(f"--tenants-file {a.tenants_file!r} does not exist")
        for name in ints + floats + ("max_connection_age",):
            if not math.isfinite(getattr(a, name)):
                p.error(f"--{name.replace('_', '-')} must be a finite number")
            if getattr(a, name) <= 0 and name not in ("drain_delay", "max_connection_age"):
                p.error(f"--{name.replace('_', '-')} must be positive")
        for name in ("drain_delay", "max_connection_age"):
            if getattr(a, name) < 0:
                p.error(f"--{name.replace('_', '-')} must be 0 or positive")
        if a.workers_file and not os.path.isdir(os.path.dirname(os.path.abspath(a.workers_file))):
            p.error(f"--workers-file {a.workers_file!r}: its directory does not exist")
        if not 0 <= a.port <= 65535:
            p.error("--port must be between 0 and 65535")
        if not isinstance(logging.getLevelName(str(a.log_level).upper()), int):
            p.error(f"--log-level must be one of debug, info, warning, error, critical, got {a.log_level!r}")
        if not 0 <= a.metrics_port <= 65535:
            p.error("--metrics-port must be between 0 (off) and 65535")
        if a.metrics_port and a.metrics_port == a.port and (a.metrics_host or a.host) == a.host:
            p.error("--metrics-port must differ from --port")
        repo_roots = []
        for d in (x.strip() for x in a.repo_roots.split(",")):
            if d and not os.path.isdir(d):
                p.error(f"--repo-roots: {d!r} is not a directory")
            if d:
                repo_roots.append(os.path.realpath(d))
        workers = {op: getattr(a, f"{op}_workers") for op in OPERATIONS}
        if not any(workers.values()) and not a.workers_file:
            p.error(
                "no workers configured: pass --parse-workers/--analyze-workers/--scan-workers "
                "(HOST:PORT or dns:HOST:PORT) or --workers-file "
                "(or run `codeintel up`, which starts workers for you)"
            )
        return cls(
            host=a.host,
            port=a.port,
            workers=workers,
            log_level=a.log_level,
            redis_url=a.redis_url,
            l2_cache=a.l2_cache,
            l2_ttl=a.l2_ttl,
            l2_max_value_bytes=a.l2_max_value_bytes,
            redis_timeout=a.redis_timeout,
            rate_limit_fail_open=a.rate_limit_on_redis_error == "open",
            tenants_file=a.tenants_file,
            max_queued_per_tenant=a.max_queued_per_tenant,
            max_connection_age=a.max_connection_age,
            metrics_port=a.metrics_port,
            metrics_host=a.metrics_host,
            workers_file=a.workers_file,
            repo_roots=tuple(repo_roots),
            **{n: getattr(a, n) for n in ints + floats},
        )

    @property
    def tenant_queue_cap(self) -> int:
        return self.max_queued_per_tenant or max(1, self.max_queue // 4)
