"""The coordinator's /metrics: a Collector that reads, at scrape time, the very counters that
AdminService.GetStats reports (coordinator/stats.py, the caches, the pools, the gatekeeper), so
the two never disagree and the request path pays nothing extra for Prometheus.

Runs on the metrics HTTP thread while the event loop mutates those objects: it only reads ints
and takes `dict(...)`/`list(...)` copies of builtin containers keyed by ints and strs, each of
which CPython performs without releasing the GIL, so a scrape never sees a dict mid-resize.
Tenant ids live in some of those containers as keys; they are only ever summed over here.
"""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from codeintel.kernel import vocab
from codeintel.v1 import coordinator_pb2
from coordinator.pool import DOWN, NOT_SERVING, SERVING

PRIORITY_NAMES = {value: name for name, value in vocab.PRIORITY_VALUES.items()}
STATE_NAMES = {SERVING: "serving", NOT_SERVING: "not_serving", DOWN: "down"}  # anything else: "unknown"


def priority_name(value: int) -> str:
    """The label of a raw priority: without tenants a caller may send any int; it is queued by its
    value, so it is reported with the nearest named one."""
    if value <= coordinator_pb2.PRIORITY_LOW:
        return "low"
    if value >= coordinator_pb2.PRIORITY_HIGH:
        return "high"
    return "normal"


def _le(bound: float) -> str:
    return repr(float(bound))


def _histogram(family: HistogramMetricFamily, labels: list[str], buckets) -> None:
    cumulative, running = [], 0
    for bound, n in zip(buckets.bounds, buckets.counts, strict=False):  # the last count is +Inf's
        running += n
        cumulative.append((_le(bound), running))
    cumulative.append(("+Inf", running + buckets.counts[-1]))
    family.add_metric(labels, cumulative, sum_value=buckets.sum)


class CoordinatorCollector(Collector):
    def __init__(self, core, gatekeeper, graph=None, query=None, review=None):
        self.core = core
        self.gatekeeper = gatekeeper
        self.graph = graph  # coordinator.graph.GraphStats
        self.query = query  # coordinator.query.QueryStats
        self.review = review  # coordinator.review.ReviewStats

    def describe(self):
        return []  # families depend on the configuration (L2 or not); nothing to pre-declare

    def collect(self):
        yield from self._operations()
        yield from self._workers()
        yield from self._caches()
        yield from self._admission()
        if self.graph is not None:
            yield from self._graph(self.graph)
        if self.query is not None:
            yield from self._query(self.query)
        if self.review is not None:
            yield from self._review(self.review)

    def _review(self, r):
        runs = CounterMetricFamily(
            "codeintel_review_runs_total",
            "Reviews (ReviewChanges) by change mode and outcome",
            labels=["mode", "outcome"],
        )
        for (mode, outcome), n in dict(r.runs).items():
            runs.add_metric([mode, outcome], n)
        yield runs
        files = CounterMetricFamily(
            "codeintel_review_files_total", "Changed files of reviews by outcome", labels=["outcome"]
        )
        for outcome, n in dict(r.files).items():
            files.add_metric([outcome], n)
        yield files
        seconds = HistogramMetricFamily("codeintel_review_seconds", "Wall time of reviews inside the coordinator")
        _histogram(seconds, [], r.seconds)
        yield seconds

    def _query(self, q):
        requests = CounterMetricFamily(
            "codeintel_query_requests_total",
            "CodeQuery calls by kind (query: tree-sitter, pattern: ast-grep) and outcome",
            labels=["kind", "outcome"],
        )
        for (kind, outcome), n in dict(q.requests).items():
            requests.add_metric([kind, outcome], n)
        yield requests
        latency = HistogramMetricFamily(
            "codeintel_query_seconds", "CodeQuery latency inside the coordinator", labels=["kind"]
        )
        for kind, buckets in dict(q.seconds).items():
            _histogram(latency, [kind], buckets)
        yield latency
        yield CounterMetricFamily("codeintel_query_files_total", "Files CodeQuery calls searched", value=q.files)
        yield CounterMetricFamily("codeintel_query_matches_total", "Matches CodeQuery calls found", value=q.matches)

    def _graph(self, g):
        runs = CounterMetricFamily(
            "codeintel_graph_index_runs_total", "Repository index runs by outcome", labels=["outcome"]
        )
        for outcome, n in dict(g.index_runs).items():
            runs.add_metric([outcome], n)
        yield runs
        files = CounterMetricFamily(
            "codeintel_graph_index_files_total",
            "Files of index runs: written (re-parsed), unchanged (hash), removed, skipped",
            labels=["outcome"],
        )
        for outcome, n in dict(g.index_files).items():
            files.add_metric([outcome], n)
        yield files
        seconds = HistogramMetricFamily("codeintel_graph_index_seconds", "Wall time of index runs")
        _histogram(seconds, [], g.index_seconds)
        yield seconds
        queries = CounterMetricFamily(
            "codeintel_graph_queries_total", "Graph queries by query and outcome", labels=["query", "outcome"]
        )
        for (query, outcome), n in dict(g.queries).items():
            queries.add_metric([query, outcome], n)
        yield queries
        latency = HistogramMetricFamily(
            "codeintel_graph_query_seconds", "Graph query latency inside the coordinator", labels=["query"]
        )
        for query, buckets in dict(g.query_seconds).items():
            _histogram(latency, [query], buckets)
        yield latency
        yield CounterMetricFamily(
            "codeintel_graph_watch_reindexes_total",
            "Re-index runs started by file changes (--graph-watch)",
            value=g.watch_reindexes,
        )

    def _operations(self):
        def counter(name, doc):
            return CounterMetricFamily(f"codeintel_coordinator_{name}", doc, labels=["operation"])

        requests = counter("requests_total", "Calls (unary or batch) per operation, as in GetStats")
        files = counter("files_total", "Files received per operation")
        errors = counter("errors_total", "Calls that failed as a whole, per operation")
        retries = counter("retries_total", "Worker calls retried on another worker after UNAVAILABLE")
        rejected = counter(
            "queue_rejected_total", "Work refused because the operation's queue, or the tenant's share of it, was full"
        )
        micro_batches = counter(
            "micro_batches_total", "Worker batch calls that carried several callers' one-file misses together"
        )
        micro_batched = counter("micro_batched_files_total", "One-file misses sent to a worker inside a micro-batch")
        lookups = CounterMetricFamily(
            "codeintel_coordinator_cache_lookups_total",
            "Files per operation by how they were served: hit_l1, hit_l2, miss (computed) "
            "or merged onto an identical computation in flight",
            labels=["operation", "result"],
        )
        depth = GaugeMetricFamily(
            "codeintel_coordinator_queue_depth",
            "Work items waiting for a worker slot",
            labels=["operation", "priority"],
        )
        capacity = GaugeMetricFamily(
            "codeintel_coordinator_queue_capacity",
            "Work items the queue holds before refusing (--max-queue)",
            labels=["operation"],
        )
        wait = HistogramMetricFamily(
            "codeintel_coordinator_queue_wait_seconds",
            "Time a worker call waited for a free worker slot (0 when one was free)",
            labels=["operation", "priority"],
        )
        for op, c in list(self.core.counters.items()):
            requests.add_metric([op], c.requests)
            files.add_metric([op], c.files)
            errors.add_metric([op], c.errors)
            retries.add_metric([op], c.retries)
            rejected.add_metric([op], c.rejected)
            micro_batches.add_metric([op], c.coalesced_calls)
            micro_batched.add_metric([op], c.coalesced_files)
            for result, n in (("hit_l1", c.hits_l1), ("hit_l2", c.hits_l2), ("miss", c.misses), ("merged", c.merged)):
                lookups.add_metric([op, result], n)
            pool = self.core.pools[op]
            by_name = dict.fromkeys(PRIORITY_NAMES.values(), 0)
            for prio, n in dict(pool.dispatcher.depth_by_priority).items():
                by_name[priority_name(prio)] += n
            for name, n in by_name.items():
                depth.add_metric([op, name], n)
            capacity.add_metric([op], pool.dispatcher.max_queue)
            for prio, buckets in sorted(dict(c.queue_wait).items()):
                _histogram(wait, [op, priority_name(prio)], buckets)
        yield from (
            requests,
            files,
            errors,
            retries,
            rejected,
            micro_batches,
            micro_batched,
            lookups,
            depth,
            capacity,
            wait,
        )

    def _workers(self):
        workers = GaugeMetricFamily(
            "codeintel_coordinator_workers",
            "Workers known to the coordinator, by service and health state",
            labels=["service", "state"],
        )
        in_flight = GaugeMetricFamily(
            "codeintel_coordinator_worker_in_flight",
            "Calls in flight from this coordinator to a service's workers",
            labels=["service"],
        )
        calls = CounterMetricFamily(
            "codeintel_coordinator_worker_calls_total", "Calls sent to a service's current workers", labels=["service"]
        )
        failures = CounterMetricFamily(
            "codeintel_coordinator_worker_failures_total",
            "Calls to a service's current workers that failed with UNAVAILABLE, INTERNAL or UNKNOWN",
            labels=["service"],
        )
        for pool in list(self.core.pools.values()):
            members = list(pool.workers)
            everyone = members + list(getattr(pool, "draining", ()))  # leaving, still finishing calls
            states = dict.fromkeys(("serving", "not_serving", "down", "unknown"), 0)
            for w in members:
                states[STATE_NAMES.get(w.state, "unknown")] += 1
            for state, n in states.items():
                workers.add_metric([pool.service, state], n)
            in_flight.add_metric([pool.service], sum(w.in_flight for w in everyone))
            calls.add_metric([pool.service], sum(w.calls for w in everyone))
            failures.add_metric([pool.service], sum(w.failures for w in everyone))
        yield from (workers, in_flight, calls, failures)

    def _caches(self):
        core = self.core
        hits = CounterMetricFamily("codeintel_cache_hits_total", "Cache lookups that found the key", labels=["tier"])
        misses = CounterMetricFamily("codeintel_cache_misses_total", "Cache lookups that did not", labels=["tier"])
        evictions = CounterMetricFamily(
            "codeintel_cache_evictions_total", "Entries evicted to stay under the size limit", labels=["tier"]
        )
        size = GaugeMetricFamily("codeintel_cache_size_bytes", "Bytes held (with per-entry overhead)", labels=["tier"])
        limit = GaugeMetricFamily("codeintel_cache_limit_bytes", "Most bytes the tier holds", labels=["tier"])
        entries = GaugeMetricFamily("codeintel_cache_entries", "Entries held", labels=["tier"])
        cc = core.cache.counters
        hits.add_metric(["l1"], cc.hits)
        misses.add_metric(["l1"], cc.misses)
        evictions.add_metric(["l1"], cc.evictions)
        size.add_metric(["l1"], core.cache.bytes)
        limit.add_metric(["l1"], core.cache.max_bytes)
        entries.add_metric(["l1"], len(core.cache))
        out = [hits, misses, evictions, size, limit, entries]
        if core.l2 is not None:
            l2 = core.l2.stats()
            hits.add_metric(["l2"], l2.get("hits", 0))
            misses.add_metric(["l2"], l2.get("misses", 0))
            errors = CounterMetricFamily(
                "codeintel_cache_errors_total", "Redis calls of the cache that failed or timed out", labels=["tier"]
            )
            errors.add_metric(["l2"], l2.get("errors", 0))
            writes = CounterMetricFamily("codeintel_cache_writes_total", "Entries written", labels=["tier"])
            writes.add_metric(["l2"], l2.get("writes", 0))
            # The same sum GetStats reports as caches[tier=l2].dropped_writes.
            dropped = CounterMetricFamily(
                "codeintel_cache_dropped_writes_total",
                "Writes given up: queue full, Redis down, or value over the size cap",
                labels=["tier"],
            )
            dropped.add_metric(["l2"], l2.get("dropped_writes", 0) + l2.get("oversized", 0))
            out += [errors, writes, dropped]
        yield from out

    def _admission(self):
        snap = self.gatekeeper.snapshot()  # the dict GetStats returns as AdmissionStats
        rejected = CounterMetricFamily(
            "codeintel_ratelimit_rejected_total", "Calls refused before the queue, by reason", labels=["reason"]
        )
        for reason, key in (
            ("requests", "rejected_requests"),
            ("bytes", "rejected_bytes"),
            ("concurrency", "rejected_concurrency"),
            ("unauthenticated", "unauthenticated"),
        ):
            rejected.add_metric([reason], snap[key])
        yield rejected
        yield CounterMetricFamily(
            "codeintel_ratelimit_redis_errors_total",
            "Rate limiter calls to Redis that failed or timed out",
            value=snap["store_errors"],
        )
        yield CounterMetricFamily(
            "codeintel_ratelimit_fail_open_admits_total",
            "Calls admitted unchecked because the limiter's Redis was unreachable",
            value=snap["fail_open_admits"],
        )
        yield CounterMetricFamily(
            "codeintel_ratelimit_priority_clamped_total",
            "Calls whose priority was lowered to their tier's maximum",
            value=snap["priority_clamped"],
        )


def install(core, gatekeeper, host: str, port: int, graph=None, query=None, review=None):
    """Export the coordinator's counters, gRPC server metrics and the process collector on
    host:port; returns the GrpcServerMetrics for the server's interceptor."""
    from prometheus_client import REGISTRY

    from codeintel.observability import metrics

    grpc_metrics = metrics.shared(metrics.GrpcServerMetrics)
    REGISTRY.register(CoordinatorCollector(core, gatekeeper, graph, query, review))
    metrics.serve_http(host, port)
    return grpc_metrics
