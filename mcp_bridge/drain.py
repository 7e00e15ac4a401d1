"""Streamable HTTP with a graceful drain, and the bridge's HTTP probes.

uvicorn on SIGTERM closes its listener and then waits for every connection to close — but an MCP
client holds a GET event stream open for its whole session, so that wait never ends on its own,
and its timeout cancels tool calls still running. The bridge drains the way the gRPC servers do:

1. SIGTERM: ``/readyz`` answers 503 (balancers stop sending; before that the app's own ``/readyz``
   answers, which also checks the coordinator); requests are still served for
   ``drain_delay`` seconds, since balancers notice late.
2. New MCP POSTs (JSON-RPC messages) are refused with 503 + ``Retry-After`` and a JSON-RPC error
   saying so: retryable, never lost.
3. POSTs in flight finish (at most ``grace`` seconds), then uvicorn stops; the idle event streams
   are cut after a short wait.

``/healthz`` (liveness) is 200 while the process runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time

import uvicorn

log = logging.getLogger("mcp_bridge.drain")

_STREAMS_CLOSE_AFTER = 1  # seconds (uvicorn's Config takes whole seconds) uvicorn waits for the idle event streams once tool calls are done
_LINGER = 0.2  # for the last responses to flush


class DrainingApp:
    """ASGI wrapper: probes, in-flight POST counting, refusal while draining."""

    def __init__(self, app):
        self.app = app
        self.draining = False  # readiness fails
        self.refusing = False  # new POSTs get 503
        self.in_flight = 0
        self.refused = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path == "/healthz":
            return await _plain(send, 200, b"ok\n")
        if path == "/readyz" and self.draining:
            return await _plain(send, 503, b"draining\n")  # else the app's /readyz checks the coordinator
        if scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        if self.refusing:
            self.refused += 1
            return await _refuse(send)
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


_REFUSAL = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": -32000,
            "message": "the MCP bridge is shutting down (HTTP 503); retry, another replica will answer",
        },
    }
).encode()


async def _refuse(send) -> None:
    # A JSON-RPC error body: MCP clients show its message to the caller, rather than a bare status.
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_REFUSAL)).encode()),
                (b"retry-after", b"1"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _REFUSAL})


async def _plain(send, status: int, body: bytes, headers=()) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class DrainingServer(uvicorn.Server):
    """uvicorn whose first SIGTERM/SIGINT starts the drain above; a second SIGINT forces exit."""

    def __init__(self, app: DrainingApp, *, host: str, port: int, log_level: str, drain_delay: float, grace: float):
        super().__init__(
            uvicorn.Config(
                app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=_STREAMS_CLOSE_AFTER
            )
        )
        self.gate = app
        self.drain_delay = drain_delay
        self.grace = grace
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drain: asyncio.Task | None = None

    async def serve(self, sockets=None) -> None:
        self._loop = asyncio.get_running_loop()
        with self._signals():
            await self._serve(sockets)

    @contextlib.contextmanager
    def _signals(self):
        # Unlike uvicorn's own capture_signals, the signal is not re-raised afterwards: a drained
        # bridge exits 0.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig, frame) -> None:
        if self._drain is not None or self._loop is None:
            if sig == signal.SIGINT:
                self.should_exit = self.force_exit = True
            return
        self._loop.call_soon_threadsafe(self._start_drain)

    def _start_drain(self) -> None:
        # Called on the loop by handle_exit, which only schedules it once serve() has set _loop.
        if self._drain is None and self._loop is not None:
            self._drain = self._loop.create_task(self._drain_then_exit())

    async def _drain_then_exit(self) -> None:
        log.info("draining: not ready; serving for %.1fs more", self.drain_delay)
        self.gate.draining = True
        await asyncio.sleep(self.drain_delay)
        self.gate.refusing = True
        end = time.monotonic() + self.grace
        while self.gate.in_flight and time.monotonic() < end:
            await asyncio.sleep(0.02)
        if self.gate.in_flight:
            log.warning("%d MCP requests still running after the %.0fs grace period", self.gate.in_flight, self.grace)
        await asyncio.sleep(_LINGER)
        log.info("drained (%d requests refused while stopping); stopping", self.gate.refused)
        self.should_exit = True


def serve_http(
    starlette_app, *, host: str, port: int, log_level: str = "warning", drain_delay: float = 0.5, grace: float = 30.0
) -> None:
    """Serve `starlette_app` (the MCP streamable HTTP app) until SIGTERM, then drain (blocking)."""
    server = DrainingServer(
        DrainingApp(starlette_app), host=host, port=port, log_level=log_level, drain_delay=drain_delay, grace=grace
    )
    asyncio.run(server.serve())
