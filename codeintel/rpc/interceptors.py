"""Server interceptors every codeintel server installs (sync and asyncio flavours).

- In-flight counting, so a draining server exits only after its calls are done:
  `server.stop(grace)` lets handlers finish but then closes connections at once, which can
  cut off a large response still being written (the peer sees a connection reset). On
  SIGTERM a server keeps running until the count reaches zero, lingers briefly for
  transports to flush, and only then stops.
- Undecodable request bodies are answered INVALID_ARGUMENT with the decoder's reason
  (gRPC Python would answer INTERNAL and log a traceback).
- With metrics on (a GrpcServerMetrics), each unary call is counted and timed by service,
  method and final status code. Done here rather than in an interceptor of its own: every
  interceptor layer wraps every call again, and this one already does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

import grpc

if TYPE_CHECKING:  # metrics off: prometheus_client is never imported
    from codeintel.observability.metrics import GrpcServerMetrics

LINGER = 0.5  # seconds for transports to flush responses whose handlers have returned


REFUSED = "the server is shutting down; retry (another replica will answer)"
_HEALTH = "/grpc.health.v1.Health/"


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        # Set once a draining server's drain delay is over: new calls get UNAVAILABLE (retryable) at
        # once instead of starting work that the stop would cut off.
        self.refusing = False

    def enter(self) -> None:
        with self._lock:
            self.count += 1

    def leave(self) -> None:
        with self._lock:
            self.count -= 1

    def wait_idle(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while self.count > 0 and time.monotonic() < end:
            time.sleep(0.02)
        return self.count == 0

    async def wait_idle_async(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while self.count > 0 and time.monotonic() < end:
            await asyncio.sleep(0.02)
        return self.count == 0


class _Undecodable:
    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def _tolerant(deserializer):
    if deserializer is None:
        return None

    def deserialize(data: bytes):
        try:
            return deserializer(data)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as INVALID_ARGUMENT
            return _Undecodable(str(exc) or type(exc).__name__)

    return deserialize


def _passthrough(serializer):
    """The handler's serializer, except that a response already serialised (bytes) is sent as is:
    a servicer that only forwards a result's bytes need not parse them to have them written."""
    if serializer is None:
        return None

    def serialize(response) -> bytes:
        return response if type(response) is bytes else serializer(response)

    return serialize


def _undecodable_message(request: _Undecodable) -> str:
    return f"the request body is not a valid protobuf message for this method: {request.reason}"


_CODES = {c.value[0]: c for c in grpc.StatusCode}


def _final_code(context, failed: bool) -> grpc.StatusCode:
    """The status the call ends with: what the handler set or aborted with; else OK, or UNKNOWN
    when it raised (gRPC's own answer to an uncaught exception)."""
    code = context.code()
    if code is None:
        return grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK
    return code if isinstance(code, grpc.StatusCode) else _CODES.get(code, grpc.StatusCode.UNKNOWN)


class ServerGuard(grpc.ServerInterceptor):
    """Sync servers: count unary-unary calls (health Watch streams are long-lived; not
    counted), refuse undecodable requests with INVALID_ARGUMENT, and record metrics when given.
    Methods the server does not implement never get here, so their names never become labels."""

    def __init__(self, inflight: InFlight, metrics: GrpcServerMetrics | None = None):
        self.inflight = inflight
        self.metrics = metrics
        if metrics is not None:
            metrics.track_in_flight(lambda: inflight.count)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner, inflight = handler.unary_unary, self.inflight
        refusable = not handler_call_details.method.startswith(_HEALTH)  # probes keep answering while draining

        def behavior(request, context):
            if isinstance(request, _Undecodable):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, _undecodable_message(request))
            if inflight.refusing and refusable:
                context.abort(grpc.StatusCode.UNAVAILABLE, REFUSED)
            inflight.enter()
            try:
                return inner(request, context)
            finally:
                inflight.leave()

        if self.metrics is not None:
            behavior = _measured(behavior, self.metrics, handler_call_details.method)
        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=_passthrough(handler.response_serializer),
        )


class AsyncServerGuard(grpc.aio.ServerInterceptor):
    """grpc.aio servers: the same as ServerGuard."""

    def __init__(self, inflight: InFlight, metrics: GrpcServerMetrics | None = None):
        self.inflight = inflight
        self.metrics = metrics
        if metrics is not None:
            metrics.track_in_flight(lambda: inflight.count)

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        if handler.unary_stream is not None and not handler_call_details.method.startswith(_HEALTH):
            return self._streaming(handler, handler_call_details.method)  # health Watch is long-lived: not counted
        if handler.unary_unary is None:
            return handler
        inner, inflight = handler.unary_unary, self.inflight
        refusable = not handler_call_details.method.startswith(_HEALTH)  # probes keep answering while draining

        async def behavior(request, context):
            if isinstance(request, _Undecodable):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _undecodable_message(request))
            if inflight.refusing and refusable:
                await context.abort(grpc.StatusCode.UNAVAILABLE, REFUSED)
            inflight.enter()
            try:
                return await inner(request, context)
            finally:
                inflight.leave()

        if self.metrics is not None:
            behavior = _measured_async(behavior, self.metrics, handler_call_details.method)
        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=_passthrough(handler.response_serializer),
        )

    def _streaming(self, handler, method: str):
        """Server-streaming calls (e.g. RunRepository): counted in flight for the whole stream, so a drain
        waits for them; refused while draining; measured from the first byte to the last message."""
        inner, inflight, metrics = handler.unary_stream, self.inflight, self.metrics

        async def behavior(request, context):
            t0, failed, entered = time.perf_counter(), True, False
            try:
                if isinstance(request, _Undecodable):
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _undecodable_message(request))
                if inflight.refusing:
                    await context.abort(grpc.StatusCode.UNAVAILABLE, REFUSED)
                inflight.enter()
                entered = True
                async for message in inner(request, context):
                    yield message
                failed = False
            finally:
                if entered:
                    inflight.leave()
                if metrics is not None:
                    metrics.observe(method, _final_code(context, failed), time.perf_counter() - t0)

        return grpc.unary_stream_rpc_method_handler(
            behavior,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )


def _measured(behavior, metrics: GrpcServerMetrics, method: str):
    def measured(request, context):
        t0 = time.perf_counter()
        failed = True
        try:
            response = behavior(request, context)
            failed = False
            return response
        finally:
            metrics.observe(method, _final_code(context, failed), time.perf_counter() - t0)

    return measured


def _measured_async(behavior, metrics: GrpcServerMetrics, method: str):
    async def measured(request, context):
        t0 = time.perf_counter()
        failed = True
        try:
            response = await behavior(request, context)
            failed = False
            return response
        finally:
            metrics.observe(method, _final_code(context, failed), time.perf_counter() - t0)

    return measured
