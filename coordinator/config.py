"""Coordinator settings: one frozen dataclass, read once from flags with env defaults."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from codeintel.kernel import settings

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


def _redis_url(value: str) -> str | None:
    if value.startswith(("redis://", "rediss://", "unix://")):
        return None
    return f"must start with redis://, rediss:// or unix://, got {value!r}"


def _graph_store(value: str) -> str | None:
    if not value or value.startswith(("sqlite:///", "postgresql://", "postgres://")):
        return None
    return f"must start with sqlite:///, postgresql:// or postgres://, got {value.split('://')[0]!r}"


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
    # Concurrent one-file misses of an operation sent to a worker as one batch call (also capped by
    # batch_chunk_bytes); 1: every call goes alone.
    micro_batch_files: int = 16
    micro_batch_wait: float = 0.0005  # seconds a group waits for company when other calls are in flight
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
    # The repository graph (GraphService; needs repo_roots): where indexes live, and their limits.
    graph_store: str = ""  # "" = SQLite files under the cache directory; sqlite:///DIR; postgresql://...
    graph_max_files: int = 100_000  # most files one index holds; over it the index is partial
    graph_watch: bool = False  # keep indexed roots fresh: re-index files as they change on disk

    @classmethod
    def from_args(cls, argv: Sequence[str] | None = None) -> CoordinatorConfig:
        p = argparse.ArgumentParser(prog="coordinator", description="Run the codeintel coordinator.")
        a = settings.parse(p, SETTINGS, argv)
        settings.check_metrics_port(p, a)
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
        values = {s.name: getattr(a, s.name) for s in SETTINGS if not s.name.endswith("_workers")}
        values.pop("rate_limit_on_redis_error")
        values["repo_roots"] = tuple(repo_roots)
        return cls(workers=workers, rate_limit_fail_open=a.rate_limit_on_redis_error == "open", **values)

    @property
    def tenant_queue_cap(self) -> int:
        return self.max_queued_per_tenant or max(1, self.max_queue // 4)


_D = CoordinatorConfig()
_WORKERS_HELP = (
    "comma-separated list of {op} workers: HOST:PORT, or dns:HOST:PORT for every address the name resolves to "
    "(re-resolved every --discovery-interval)"
)
SETTINGS = (
    *settings.listen(_D),
    *(settings.Setting(f"--{op}-workers", "", _addresses, _WORKERS_HELP.format(op=op)) for op in OPERATIONS),
    settings.Setting(
        "--workers-file",
        _D.workers_file,
        help='JSON file {"parse": ["HOST:PORT", ...], "analyze": [...], "scan": [...]}, re-read when it changes; '
        "joins the --*-workers entries",
        check=settings.parent_directory,
    ),
    settings.Setting(
        "--max-queue", _D.max_queue, int, "queued work items per operation before RESOURCE_EXHAUSTED", settings.positive
    ),
    settings.Setting(
        "--per-worker-concurrency", _D.per_worker_concurrency, int, "calls in flight to one worker", settings.positive
    ),
    settings.Setting(
        "--max-attempts", _D.max_attempts, int, "worker calls per work item, first try included", settings.positive
    ),
    settings.Setting("--cache-max-bytes", _D.cache_max_bytes, int, "L1 cache size", settings.positive),
    settings.Setting("--max-batch-files", _D.max_batch_files, int, "most files in one batch call", settings.positive),
    settings.Setting(
        "--batch-chunk-files",
        _D.batch_chunk_files,
        int,
        "files per worker call when splitting a batch",
        settings.positive,
    ),
    settings.Setting(
        "--micro-batch-files",
        _D.micro_batch_files,
        int,
        "concurrent one-file misses sent to a worker as one batch call, at most (1: off)",
        settings.positive,
    ),
    settings.Setting(
        "--micro-batch-wait",
        _D.micro_batch_wait,
        float,
        "seconds a micro-batch waits for more misses before queueing, only while other calls are in flight",
        settings.non_negative,
    ),
    settings.Setting(
        "--batch-chunk-bytes",
        _D.batch_chunk_bytes,
        int,
        "bytes per worker call when splitting a batch",
        settings.positive,
    ),
    settings.Setting(
        "--max-message-bytes", _D.max_message_bytes, int, "largest gRPC message either way", settings.positive
    ),
    settings.Setting(
        "--health-interval", _D.health_interval, float, "seconds between health checks of a worker", settings.positive
    ),
    settings.Setting(
        "--unavailable-after",
        _D.unavailable_after,
        float,
        "fail queued work when no worker has served this many seconds",
        settings.positive,
    ),
    settings.Setting(
        "--default-deadline", _D.default_deadline, float, "seconds, when the caller sets no deadline", settings.positive
    ),
    settings.Setting(
        "--discovery-interval", _D.discovery_interval, float, "seconds between DNS re-resolutions", settings.positive
    ),
    settings.Setting(
        "--workers-file-interval",
        _D.workers_file_interval,
        float,
        "seconds between checks of the workers file",
        settings.positive,
    ),
    *settings.serving(_D, grace_check=settings.positive),
    settings.Setting(
        "--redis-url",
        _D.redis_url,
        help="Redis for the shared L2 cache and cluster-wide rate limits",
        check=_redis_url,
        env=("REDIS_URL", "CODEINTEL_REDIS_URL"),
    ),
    settings.Setting(
        "--no-l2-cache",
        _D.l2_cache,
        help="use Redis for rate limits only",
        switch=True,
        dest="l2_cache",
        env=("CODEINTEL_L2_CACHE",),
    ),
    settings.Setting("--l2-ttl", _D.l2_ttl, float, "seconds an L2 entry lives", settings.positive),
    settings.Setting(
        "--l2-max-value-bytes", _D.l2_max_value_bytes, int, "largest result stored in L2", settings.positive
    ),
    settings.Setting(
        "--redis-timeout", _D.redis_timeout, float, "seconds per Redis call before it counts as down", settings.positive
    ),
    settings.Setting(
        "--rate-limit-on-redis-error",
        "open",
        help="Redis unreachable: admit calls (open) or refuse them with UNAVAILABLE (closed)",
        choices=("open", "closed"),
    ),
    settings.Setting(
        "--tenants-file",
        _D.tenants_file,
        help="TOML file of tiers, tenants and API key hashes; unset: no authentication",
        check=settings.existing_file,
    ),
    settings.Setting(
        "--max-queued-per-tenant",
        _D.max_queued_per_tenant,
        int,
        "queued work items per tenant and operation; 0: a quarter of --max-queue",
        settings.non_negative,
    ),
    settings.Setting(
        "--repo-roots",
        "",
        metavar="DIR[,DIR]",
        help="directories RunRepository may walk (and "
        "everything under them); unset: the RPC answers FAILED_PRECONDITION",
    ),
    settings.Setting(
        "--graph-store",
        _D.graph_store,
        metavar="URL",
        help="repository graph indexes: sqlite:///DIR (one file per repository) or postgresql://USER@HOST/DB "
        "(shared by replicas); unset: SQLite under $CODEINTEL_GRAPH_DIR or ~/.cache/codeintel/graph",
        check=_graph_store,
        env=("CODEINTEL_GRAPH_STORE",),
    ),
    settings.Setting(
        "--graph-max-files",
        _D.graph_max_files,
        int,
        "most files one repository index holds (over it the index is partial and says so)",
        settings.positive,
    ),
    settings.Setting(
        "--graph-watch",
        _D.graph_watch,
        help="watch indexed repositories and re-index files as they change",
        switch=True,
    ),
)
