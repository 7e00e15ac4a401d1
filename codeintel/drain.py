"""Counting unary calls in flight, so a draining server exits only after they are done.

`server.stop(grace)` lets handlers finish, but then closes connections at once: a large
response still being written can be cut off (the peer sees a connection reset). So on
SIGTERM a server keeps running until its in-flight count reaches zero, lingers briefly
for transports to flush, and only then stops.
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


class CountingInterceptor(grpc.ServerInterceptor):
    """Sync servers: count unary-unary calls (health Watch streams are long-lived; not counted)."""

    def __init__(self, inflight: InFlight):
        self.inflight = inflight

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner, inflight = handler.unary_unary, self.inflight

        def behavior(request, context):
            inflight.enter()
            try:
                return inner(request, context)
            finally:
                inflight.leave()

        return grpc.unary_unary_rpc_method_handler(
            behavior, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class AsyncCountingInterceptor(grpc.aio.ServerInterceptor):
    """grpc.aio servers: the same count."""

    def __init__(self, inflight: InFlight):
        self.inflight = inflight

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner, inflight = handler.unary_unary, self.inflight

        async def behavior(request, context):
            inflight.enter()
            try:
                return await inner(request, context)
            finally:
                inflight.leave()

        return grpc.unary_unary_rpc_method_handler(
            behavior, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
