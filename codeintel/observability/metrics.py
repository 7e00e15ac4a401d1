"""Prometheus metrics shared by every codeintel process (prometheus-client).

Names are `codeintel_<subsystem>_<thing>` with the unit as suffix: counters end in `_total`,
durations in `_seconds`, sizes in `_bytes`; gauges that count things present right now (queue
depth, workers, calls in flight) carry no suffix, because OpenMetrics reserves `_total` for
counters. Labels are bounded sets only (LABEL_VALUES below; tests hold every family to them):
never a tenant id, path, address or a method name a caller made up.

Every process also exports prometheus-client's default process/platform/GC collectors
(`process_cpu_seconds_total`, `process_resident_memory_bytes`, ...).

Off by default (`--metrics-port 0`): then no HTTP port is opened and no gRPC observation is made.
"""

from __future__ import annotations

import threading

import grpc
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from codeintel.kernel import vocab

# Request latencies: sub-millisecond cache hits up to the 60 s default deadline.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

STATUS_CODES = tuple(c.name for c in grpc.StatusCode)

# The bounded value set of every label any codeintel metric uses.
LABEL_VALUES: dict[str, frozenset[str]] = {
    "service": frozenset(
        {
            "codeintel.v1.ParseService",
            "codeintel.v1.AnalyzeService",
            "codeintel.v1.ScanService",
            "codeintel.v1.CodeIntelService",
            "codeintel.v1.AdminService",
            "codeintel.v1.GraphService",
            "codeintel.v1.ReviewService",
            "codeintel.v1.QueryService",
            "codeintel.v1.InfoService",
            "grpc.health.v1.Health",
        }
    ),
    "method": frozenset(
        {
            "Parse",
            "ParseBatch",
            "Analyze",
            "AnalyzeBatch",
            "Scan",
            "ScanBatch",
            "ListRules",
            "GetStats",
            "ListWorkers",
            "GetServiceInfo",
            "Check",
            "RunRepository",
            "LookupBatch",
            "IndexRepository",
            "SearchSymbols",
            "GetDefinition",
            "FindReferences",
            "CallHierarchy",
            "ImportGraph",
            "Outline",
            "ReviewChanges",
            "CodeQuery",
        }
    ),
    "code": frozenset(STATUS_CODES),
    "operation": frozenset({"parse", "analyze", "scan"}),
    "priority": frozenset(vocab.PRIORITIES),
    "tier": frozenset({"l1", "l2"}),
    "result": frozenset(vocab.CACHE_STATUS_NAMES.values()) - {"unknown"},
    "state": frozenset({"serving", "not_serving", "down", "unknown"}),
    "reason": frozenset({"requests", "bytes", "concurrency", "unauthenticated"}),
    "tool": frozenset(
        {
            "code_parse",
            "code_analyze",
            "vulnerability_scan",
            "scan_list_rules",
            "admin_get_metrics",
            "repo_scan",
            "repo_analyze",
            "repo_index",
            "index_repository",
            "search_symbols",
            "go_to_definition",
            "find_references",
            "call_hierarchy",
            "import_graph",
            "repo_outline",
            "review_changes",
            "code_query",
        }
    ),
    # CodeQuery kinds (coordinator/query.py): a tree-sitter query or an ast-grep pattern.
    "kind": frozenset({"query", "pattern"}),
    # Repository graph queries (coordinator/graph.py).
    "query": frozenset({"search", "definition", "references", "calls", "imports", "outline"}),
    "outcome": frozenset(
        {"ok", "invalid_input", "internal"}
        | {c.lower() for c in STATUS_CODES if c != "OK"}
        # graph index runs and the files they handle
        | {"complete", "partial", "failed", "written", "unchanged", "removed", "skipped"}
        # reviews (coordinator/review.py) and their files
        | {"error", "reviewed"}
    ),
    # How a review's change was given (coordinator/review.py).
    "mode": frozenset({"diff", "revisions", "files"}),
}


def serve_http(host: str, port: int, registry: CollectorRegistry = REGISTRY):
    """Serve GET /metrics on host:port from a daemon thread; a port that cannot be bound ends the
    process with a message that says which."""
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise SystemExit(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
    return server


class GrpcServerMetrics:
    """Requests and latency of one gRPC server, per service/method/code, and its calls in flight.

    Label children are cached per (method path, code): the hot path is one dict lookup, one
    counter increment and one histogram observation."""

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.requests = Counter(
            "codeintel_grpc_server_requests_total",
            "gRPC calls handled by this server, by service, method and status code",
            ("service", "method", "code"),
            registry=registry,
        )
        self.seconds = Histogram(
            "codeintel_grpc_server_request_seconds",
            "Time from a call's arrival to its handler's return, by service, method and code",
            ("service", "method", "code"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "codeintel_grpc_server_in_flight", "Unary calls being handled by this server right now", registry=registry
        )
        self._children: dict[tuple[str, grpc.StatusCode], tuple] = {}
        self._lock = threading.Lock()

    def track_in_flight(self, read) -> None:
        """Report `read()` (the server's own in-flight count) at scrape time."""
        self.in_flight.set_function(read)

    def observe(self, method_path: str, code: grpc.StatusCode, seconds: float) -> None:
        child = self._children.get((method_path, code))
        if child is None:
            child = self._child(method_path, code)
        child[0].inc()
        child[1].observe(seconds)

    def _child(self, method_path: str, code: grpc.StatusCode) -> tuple:
        # Only called for methods the server implements (the interceptor never sees others), so
        # the set of paths is the server's own.
        service, _, method = method_path.lstrip("/").rpartition("/")
        with self._lock:
            child = (self.requests.labels(service, method, code.name), self.seconds.labels(service, method, code.name))
            self._children[(method_path, code)] = child
        return child


class McpMetrics:
    """MCP tool calls on the bridge, by tool and outcome."""

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.calls = Counter(
            "codeintel_mcp_tool_calls_total",
            "MCP tool calls answered, by tool and outcome",
            ("tool", "outcome"),
            registry=registry,
        )
        self.seconds = Histogram(
            "codeintel_mcp_tool_call_seconds",
            "Time to answer one MCP tool call",
            ("tool", "outcome"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, tool: str, outcome: str, seconds: float) -> None:
        self.calls.labels(tool, outcome).inc()
        self.seconds.labels(tool, outcome).observe(seconds)


_singletons: dict[tuple[type, int], object] = {}
_singletons_lock = threading.Lock()


def shared(cls, registry: CollectorRegistry = REGISTRY):
    """The one `cls` (GrpcServerMetrics, McpMetrics) registered in `registry`: a process may build
    several servers (tests do), but a registry takes each metric name once."""
    key = (cls, id(registry))
    with _singletons_lock:
        found = _singletons.get(key)
        if found is None:
            found = _singletons[key] = cls(registry)
    return found
