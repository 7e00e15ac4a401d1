"""Result of admin_get_metrics: the ``MetricsOutput`` model (operations, cache tiers, workers) and
``metrics_output``, its converter from the coordinator's stats and worker list."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codeintel.kernel.vocab import enum_name
from codeintel.v1 import coordinator_pb2


class OperationOut(BaseModel):
    operation: str
    requests: int
    files: int
    errors: int
    cache_hits_l1: int
    cache_hits_l2: int
    cache_misses: int
    merged: int
    cache_hit_ratio: float | None = Field(description="(L1+L2 hits) / (hits + misses); null before any lookup")
    retries: int
    rejected: int
    queue_depth: int
    in_flight: int
    latency_p50_ms: float
    latency_p99_ms: float


class CacheTierOut(BaseModel):
    tier: str
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int
    hit_ratio: float | None


class WorkerOut(BaseModel):
    service: str
    address: str
    state: str = Field(description="serving, not_serving, down or unspecified")
    version: str
    in_flight: int
    calls: int
    failures: int
    last_error: str | None = None


class MetricsOutput(BaseModel):
    """Result of admin_get_metrics."""

    coordinator_version: str
    uptime_seconds: float
    operations: list[OperationOut]
    cache_hit_ratio: float | None = Field(description="over all operations; null before any lookup")
    caches: list[CacheTierOut]
    workers_serving: int
    workers_total: int
    workers: list[WorkerOut]


def _ratio(hits: int, misses: int) -> float | None:
    total = hits + misses
    return round(hits / total, 4) if total else None


def metrics_output(
    stats: coordinator_pb2.GetStatsResponse, workers: coordinator_pb2.ListWorkersResponse
) -> MetricsOutput:
    ops = []
    all_hits = all_misses = 0
    for o in stats.operations:
        hits = o.cache_hits_l1 + o.cache_hits_l2
        all_hits += hits
        all_misses += o.cache_misses
        ops.append(
            OperationOut(
                operation=o.operation,
                requests=o.requests,
                files=o.files,
                errors=o.errors,
                cache_hits_l1=o.cache_hits_l1,
                cache_hits_l2=o.cache_hits_l2,
                cache_misses=o.cache_misses,
                merged=o.merged,
                cache_hit_ratio=_ratio(hits, o.cache_misses),
                retries=o.retries,
                rejected=o.rejected,
                queue_depth=o.queue_depth,
                in_flight=o.in_flight,
                latency_p50_ms=round(o.latency_p50_ms, 3),
                latency_p99_ms=round(o.latency_p99_ms, 3),
            )
        )
    caches = [
        CacheTierOut(
            tier=c.tier,
            entries=c.entries,
            bytes=c.bytes,
            max_bytes=c.max_bytes,
            hits=c.hits,
            misses=c.misses,
            evictions=c.evictions,
            hit_ratio=_ratio(c.hits, c.misses),
        )
        for c in stats.caches
    ]
    wlist = [
        WorkerOut(
            service=w.service,
            address=w.address,
            state=enum_name(coordinator_pb2.WorkerState, w.state, "WORKER_STATE_"),
            version=w.version,
            in_flight=w.in_flight,
            calls=w.calls,
            failures=w.failures,
            last_error=w.last_error or None,
        )
        for w in workers.workers
    ]
    return MetricsOutput(
        coordinator_version=stats.version,
        uptime_seconds=round(stats.uptime_seconds, 3),
        operations=ops,
        cache_hit_ratio=_ratio(all_hits, all_misses),
        caches=caches,
        workers_serving=stats.workers_serving,
        workers_total=stats.workers_total,
        workers=wlist,
    )
