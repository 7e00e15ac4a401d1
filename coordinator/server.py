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
from grpc_reflection.v1alpha import reflection

from codeintel import logs, procs
from codeintel.interceptors import LINGER, AsyncServerGuard, InFlight
from codeintel.v1 import coordinator_pb2, coordinator_pb2_grpc
from coordinator.admission import Gatekeeper
from coordinator.config import CoordinatorConfig
from coordinator.core import Coordinator
from coordinator.servicer import AdminServicer, CodeIntelServicer
from coordinator.tenants import TenantConfigError

log = logging.getLogger("codeintel.coordinator")

SERVICES = [coordinator_pb2.DESCRIPTOR.services_by_name[n].full_name for n in ("CodeIntelService", "AdminService")]


async def serve(config: CoordinatorConfig) -> None:
    core = Coordinator(config)
    gatekeeper = Gatekeeper(config)
    inflight = InFlight()
    server = grpc.aio.server(interceptors=[AsyncServerGuard(inflight)], options=[
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ])
    coordinator_pb2_grpc.add_CodeIntelServiceServicer_to_server(CodeIntelServicer(core, gatekeeper), server)
    coordinator_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(core, gatekeeper), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(SERVICES + [health.SERVICE_NAME, reflection.SERVICE_NAME], server)
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
    end = time.monotonic() + config.grace
    if not await inflight.wait_idle_async(config.grace):
        log.warning("%d calls still running after the %.0fs grace period", inflight.count, config.grace)
    await asyncio.sleep(LINGER)
    await server.stop(max(0.0, end - time.monotonic()))
    await gatekeeper.stop()
    await core.stop()
    log.info("coordinator stopped")


def main(argv: Sequence[str] | None = None) -> None:
    procs.die_with_parent()
    config = CoordinatorConfig.from_args(argv)
    logs.setup(config.log_level)
    try:
        asyncio.run(serve(config))
    except TenantConfigError as e:  # a bad tenants file: say which and why, no traceback
        raise SystemExit(f"coordinator: {e}") from None


if __name__ == "__main__":
    main(sys.argv[1:])
