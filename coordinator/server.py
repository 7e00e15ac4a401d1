"""Coordinator process: grpc.aio server with health, reflection and graceful drain."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from codeintel.kernel import procs
from codeintel.observability import logs, tracing
from codeintel.rpc import reflection
from codeintel.rpc.interceptors import LINGER, AsyncServerGuard, InFlight
from codeintel.v1 import (
    coordinator_pb2,
    coordinator_pb2_grpc,
    graph_pb2,
    graph_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    review_pb2,
    review_pb2_grpc,
)
from coordinator.admission import Gatekeeper
from coordinator.config import CoordinatorConfig
from coordinator.core import Coordinator
from coordinator.graph import GraphHost, GraphServicer
from coordinator.query import QueryHost, QueryServicer
from coordinator.review import ReviewHost, ReviewServicer
from coordinator.servicer import AdminServicer, CodeIntelServicer
from coordinator.tenants import TenantConfigError

log = logging.getLogger("codeintel.coordinator")

SERVICES = [coordinator_pb2.DESCRIPTOR.services_by_name[n].full_name for n in ("CodeIntelService", "AdminService")] + [
    graph_pb2.DESCRIPTOR.services_by_name["GraphService"].full_name,
    review_pb2.DESCRIPTOR.services_by_name["ReviewService"].full_name,
    query_pb2.DESCRIPTOR.services_by_name["QueryService"].full_name,
]


async def serve(config: CoordinatorConfig) -> None:
    core = Coordinator(config)
    gatekeeper = Gatekeeper(config)
    graph_host = GraphHost(core)
    review_host = ReviewHost(core, graph_host)
    query_host = QueryHost(core)
    inflight = InFlight()
    grpc_metrics = None  # --metrics-port 0: no /metrics, no per-call observations
    if config.metrics_port:
        from coordinator import prom

        grpc_metrics = prom.install(
            core,
            gatekeeper,
            config.metrics_host or config.host,
            config.metrics_port,
            graph=graph_host.stats,
            query=query_host.stats,
            review=review_host.stats,
        )
    options = [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    if config.max_connection_age > 0:
        # Clients reconnect (GOAWAY) after this long, so new coordinator replicas get their share;
        # calls already running get the whole grace period to finish.
        options += [
            ("grpc.max_connection_age_ms", int(config.max_connection_age * 1000)),
            ("grpc.max_connection_age_grace_ms", int(config.grace * 1000)),
        ]
    server = grpc.aio.server(
        interceptors=[AsyncServerGuard(inflight, grpc_metrics), *tracing.server_interceptors(asyncio=True)],
        options=options,
    )
    coordinator_pb2_grpc.add_CodeIntelServiceServicer_to_server(CodeIntelServicer(core, gatekeeper), server)
    coordinator_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(core, gatekeeper), server)
    graph_pb2_grpc.add_GraphServiceServicer_to_server(GraphServicer(graph_host, gatekeeper), server)
    review_pb2_grpc.add_ReviewServiceServicer_to_server(ReviewServicer(review_host, gatekeeper), server)
    query_pb2_grpc.add_QueryServiceServicer_to_server(QueryServicer(query_host, gatekeeper), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable(server, SERVICES + [health.SERVICE_NAME])
    port = server.add_insecure_port(f"{config.host}:{config.port}")
    if port == 0:
        raise SystemExit(f"cannot bind {config.host}:{config.port}")
    await core.start()
    await gatekeeper.start()
    await server.start()
    for name in [""] + SERVICES:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("coordinator listening on %s:%d", config.host, port)
    logs.announce_ready(service="coordinator", address=f"{config.host}:{port}", pid=os.getpid())

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("draining")
    await health_servicer.enter_graceful_shutdown()
    await asyncio.sleep(config.drain_delay)
    inflight.refusing = True
    end = time.monotonic() + config.grace
    if not await inflight.wait_idle_async(config.grace):
        log.warning("%d calls still running after the %.0fs grace period", inflight.count, config.grace)
    await asyncio.sleep(LINGER)
    await server.stop(max(0.0, end - time.monotonic()))
    await graph_host.stop()
    await gatekeeper.stop()
    await core.stop()
    tracing.shutdown()  # export the last calls' spans before exiting
    log.info("coordinator stopped")


def main(argv: Sequence[str] | None = None) -> None:
    procs.die_with_parent()
    config = CoordinatorConfig.from_args(argv)
    logs.setup(config.log_level)
    tracing.setup("codeintel-coordinator")
    try:
        asyncio.run(serve(config))
    except TenantConfigError as e:  # a bad tenants file: say which and why, no traceback
        raise SystemExit(f"coordinator: {e}") from None


if __name__ == "__main__":
    main(sys.argv[1:])
