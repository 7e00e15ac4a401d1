"""Server interceptors every codeintel server installs (sync and asyncio flavours).

- In-flight counting, so a draining server exits only after its calls are done:
  `server.stop(grace)` lets handlers finish but then closes connections at once, which can
  cut off a large response still being written (the peer sees a connection reset). On
  SIGTERM a server keeps running until the count reaches zero, lingers briefly for
  transports to flush, and only then stops.
- Undecodable request bodies are answered INVALID_ARGUMENT with the decoder's reason
  (gRPC Python would answer INTERNAL and log a traceback).
"""

from __future__ import annotations

import asyncio
import threading
import time

import grpc

LINGER = 0.5  # seconds for transports to flush responses whose handlers have returned


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

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


def _undecodable_message(request: _Undecodable) -> str:
    return f"the request body is not a valid protobuf message for this method: {request.reason}"


class ServerGuard(grpc.ServerInterceptor):
    """Sync servers: count unary-unary calls (health Watch streams are long-lived; not
    counted) and refuse undecodable requests with INVALID_ARGUMENT."""

    def __init__(self, inflight: InFlight):
        self.inflight = inflight

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner, inflight = handler.unary_unary, self.inflight

        def behavior(request, context):
            if isinstance(request, _Undecodable):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, _undecodable_message(request))
            inflight.enter()
            try:
                return inner(request, context)
            finally:
                inflight.leave()

        return grpc.unary_unary_rpc_method_handler(
            behavior, request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )


class AsyncServerGuard(grpc.aio.ServerInterceptor):
    """grpc.aio servers: the same as ServerGuard."""

    def __init__(self, inflight: InFlight):
        self.inflight = inflight

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner, inflight = handler.unary_unary, self.inflight

        async def behavior(request, context):
            if isinstance(request, _Undecodable):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _undecodable_message(request))
            inflight.enter()
            try:
                return await inner(request, context)
            finally:
                inflight.leave()

        return grpc.unary_unary_rpc_method_handler(
            behavior, request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )
