"""HTTP endpoints of the bridge beside /mcp (HTTP transport): GET /metrics (Prometheus),
GET /healthz (liveness: 200 while the process serves HTTP) and GET /readyz (200 when the
coordinator answers grpc.health SERVING, else 503 with a short reason). The Kubernetes
manifests probe exactly these paths."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from codeintel.client import ClientError, CoordinatorClient

READY_TIMEOUT = 1.0  # seconds; a probe's own timeout is usually a few


class CoordinatorHealth:
    """grpc.health.v1 Check of the coordinator over a client (and channel) of its own: probes must
    not queue behind tool calls."""

    def __init__(self, address: str):
        self.address = address
        self._client = CoordinatorClient(address, timeout_s=READY_TIMEOUT)

    async def check(self) -> str | None:
        """None when the coordinator is SERVING, else why not."""
        try:
            status = await self._client.health("", timeout_s=READY_TIMEOUT)
        except ClientError as e:
            return f"coordinator {self.address} did not answer its health check: {e.code}"
        if status != "SERVING":
            return f"coordinator {self.address} is {status} (draining or starting)"
        return None


def add_routes(server, coordinator: str) -> None:
    """Register /metrics, /healthz and /readyz on an MCPServer (served with streamable HTTP)."""
    health = CoordinatorHealth(coordinator)

    @server.custom_route("/metrics", methods=["GET"], include_in_schema=False)
    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @server.custom_route("/healthz", methods=["GET"], include_in_schema=False)
    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok\n")

    @server.custom_route("/readyz", methods=["GET"], include_in_schema=False)
    async def readyz(_request: Request) -> Response:
        reason = await health.check()
        if reason is not None:
            return PlainTextResponse(f"not ready: {reason}\n", status_code=503)
        return PlainTextResponse("ready\n")
