"""Process scaffolding shared by the three worker services.

One worker process hosts one worker service plus grpc.health.v1 (overall "" and the
service's own name), server reflection and codeintel.v1.InfoService. Parsing holds the
GIL, so a process uses a small thread pool only to overlap network I/O; scale out with
more processes. SIGTERM/SIGINT: health turns NOT_SERVING, new work keeps being accepted
for `drain_delay` seconds (so balancers notice), then in-flight calls finish within
`grace` seconds and the process exits.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from codeintel.kernel import procs, settings
from codeintel.kernel.budget import DEFAULT_MAX_FILE_SECONDS
from codeintel.kernel.source import DEFAULT_MAX_BATCH_FILES, DEFAULT_MAX_FILE_BYTES
from codeintel.observability import logs, tracing
from codeintel.rpc import reflection
from codeintel.rpc.interceptors import LINGER, InFlight, ServerGuard
from codeintel.v1 import common_pb2, common_pb2_grpc

log = logging.getLogger("codeintel.worker")

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class WorkerConfig:
    """Settings of one worker process, read once from flags (env CODEINTEL_* as defaults)."""

    host: str = "127.0.0.1"
    port: int = 0
    threads: int = 4
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_batch_files: int = DEFAULT_MAX_BATCH_FILES
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_file_seconds: float = DEFAULT_MAX_FILE_SECONDS
    drain_delay: float = 0.5
    grace: float = 30.0
    max_connection_age: float = 0.0
    log_level: str = "info"
    metrics_port: int = 0  # Prometheus /metrics on this port; 0 = off
    metrics_host: str = ""  # its bind address; empty = the same as host

    @classmethod
    def from_args(cls, prog: str, argv: Sequence[str] | None = None) -> WorkerConfig:
        p = argparse.ArgumentParser(prog=prog, description=f"Run the codeintel {prog} worker service.")
        a = settings.parse(p, SETTINGS, argv)
        settings.check_metrics_port(p, a)
        return cls(**{s.name: getattr(a, s.name) for s in SETTINGS})


_D = WorkerConfig()
SETTINGS = (
    *settings.listen(_D),
    settings.Setting(
        "--threads", _D.threads, int, "RPC threads (they overlap I/O; parsing holds the GIL)", settings.positive
    ),
    settings.Setting("--max-file-bytes", _D.max_file_bytes, int, "largest source file accepted", settings.positive),
    settings.Setting("--max-batch-files", _D.max_batch_files, int, "most files in one batch call", settings.positive),
    settings.Setting(
        "--max-message-bytes", _D.max_message_bytes, int, "largest gRPC message either way", settings.positive
    ),
    settings.Setting(
        "--max-file-seconds",
        _D.max_file_seconds,
        float,
        "longest time spent on one file before it fails as too complex",
        settings.positive,
    ),
    *settings.serving(_D),
)


class InfoServicer(common_pb2_grpc.InfoServiceServicer):
    def __init__(self, infos: list[common_pb2.ServiceInfo]):
        self._response = common_pb2.GetServiceInfoResponse(services=infos)

    def GetServiceInfo(self, request, context):
        return self._response


def serve(
    *,
    service_name: str,
    register: Callable[[grpc.Server], None],
    info: common_pb2.ServiceInfo,
    config: WorkerConfig,
) -> None:
    """Run a worker service until SIGTERM/SIGINT, then drain and return."""
    logs.setup(config.log_level)
    tracing.setup("codeintel-" + service_name.rsplit(".", 1)[-1].removesuffix("Service").lower())
    options = [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    if config.max_connection_age > 0:
        options += [
            ("grpc.max_connection_age_ms", int(config.max_connection_age * 1000)),
            ("grpc.max_connection_age_grace_ms", int(config.grace * 1000)),
        ]
    inflight = InFlight()
    grpc_metrics = None  # --metrics-port 0: no /metrics, no per-call observations
    if config.metrics_port:
        from codeintel.observability import metrics

        grpc_metrics = metrics.shared(metrics.GrpcServerMetrics)
        metrics.serve_http(config.metrics_host or config.host, config.metrics_port)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="rpc"),
        options=options,
        interceptors=[ServerGuard(inflight, grpc_metrics), *tracing.server_interceptors()],
    )
    register(server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    common_pb2_grpc.add_InfoServiceServicer_to_server(InfoServicer([info]), server)
    reflection.enable(server, [service_name, "codeintel.v1.InfoService", health.SERVICE_NAME])
    port = server.add_insecure_port(f"{config.host}:{config.port}")
    if port == 0:
        raise SystemExit(f"cannot bind {config.host}:{config.port}")
    server.start()
    for name in ("", service_name):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("%s %s listening on %s:%d", service_name, info.version, config.host, port)
    logs.announce_ready(service=service_name, address=f"{config.host}:{port}", pid=os.getpid(), version=info.version)

    stop = threading.Event()

    def on_signal(signum, _frame):
        log.info("signal %d: draining", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop.wait()
    health_servicer.enter_graceful_shutdown()  # every service NOT_SERVING, stays so
    stop.clear()
    stop.wait(config.drain_delay)
    # Calls that arrived before balancers noticed are answered; later ones are refused (UNAVAILABLE).
    inflight.refusing = True
    end = time.monotonic() + config.grace
    if not inflight.wait_idle(config.grace):
        log.warning("%d calls still running after the %.0fs grace period", inflight.count, config.grace)
    time.sleep(LINGER)
    server.stop(max(0.0, end - time.monotonic())).wait()
    tracing.shutdown()  # export the last calls' spans before exiting
    log.info("%s stopped", service_name)


def main(
    *,
    prog: str,
    service_name: str,
    add_to_server: Callable,
    make_servicer: Callable[[WorkerConfig], object],
    version: str,
    languages: Iterable[str],
    argv: Sequence[str] | None = None,
) -> None:
    """Entry point of a worker process: flags -> config -> servicer -> serve()."""
    procs.die_with_parent()
    config = WorkerConfig.from_args(prog, argv)
    servicer = make_servicer(config)
    info = common_pb2.ServiceInfo(
        service=service_name,
        version=version,
        languages=sorted(languages),
        max_file_bytes=config.max_file_bytes,
        max_batch_files=config.max_batch_files,
        implementation="codeintel-python",
    )
    info.max_file_work.FromNanoseconds(int(config.max_file_seconds * 1e9))
    serve(service_name=service_name, register=lambda s: add_to_server(servicer, s), info=info, config=config)
