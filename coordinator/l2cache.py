"""L2 cache: serialized results in Redis, shared by coordinator replicas.

Best effort by design: a slow or dead Redis turns into misses and dropped writes (counted),
never into an error or a stall for the request. Writes go through a bounded queue drained by a
background task; a circuit breaker keeps a dead Redis from costing a timeout per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections import deque
from typing import Any, cast

import redis.asyncio as aredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# Stored value = 1 format byte + body. New formats get new bytes; unknown ones read as corrupt.
RAW = b"\x00"
ZLIB = b"\x01"
# Results are mostly repetitive protobuf (AST nodes, symbols): the cheapest level already shrinks them
# a lot, and higher levels add little size for much more CPU on the big ones.
ZLIB_LEVEL = 1

MiB = 1024 * 1024


def encode(value: bytes, compress_min_bytes: int) -> bytes:
    """Compress when it is worth it; small or incompressible values stay raw."""
    if len(value) >= compress_min_bytes:
        packed = zlib.compress(value, ZLIB_LEVEL)
        if len(packed) < len(value):
            return ZLIB + packed
    return RAW + value


def decode(stored: bytes, max_bytes: int) -> bytes:
    """The value `encode` produced; ValueError if `stored` is not one (or would inflate past `max_bytes`)."""
    head, body = stored[:1], stored[1:]
    if head == RAW:
        return body
    if head == ZLIB:
        d = zlib.decompressobj()
        try:
            out = d.decompress(body, max_bytes + 1)  # bounded: a corrupt or hostile value cannot balloon
        except zlib.error as exc:
            raise ValueError(f"bad zlib body: {exc}") from None
        if len(out) > max_bytes or not d.eof or d.unused_data:
            raise ValueError("zlib body too large or truncated")
        return out
    raise ValueError(f"unknown format byte {head!r}")


class CircuitBreaker:
    """After a failure, skip the backend for a while (growing, capped); then let one probe through."""

    def __init__(self, initial: float = 0.5, maximum: float = 5.0):
        self.initial, self.maximum = initial, maximum
        self.delay = 0.0
        self.open_until = 0.0
        self.probing = False

    @property
    def closed(self) -> bool:
        return self.delay == 0.0

    def allow(self) -> bool:
        """May a call go to the backend now? While open, only one probe once the delay has passed."""
        if self.delay == 0.0:
            return True
        if self.probing or time.monotonic() < self.open_until:
            return False
        self.probing = True
        return True

    def success(self) -> None:
        self.delay = 0.0
        self.probing = False

    def failure(self) -> None:
        if self.delay == 0.0:
            self.delay = self.initial
        elif self.probing:
            self.delay = min(self.delay * 2, self.maximum)
        self.probing = False
        self.open_until = time.monotonic() + self.delay


class L2Cache:
    """Content-addressed results in Redis: `get`/`get_many` awaited, `put` queued (never awaited)."""

    def __init__(
        self,
        redis_url: str,
        *,
        ttl_seconds: float = 86400,
        max_value_bytes: int = 8 * MiB,
        key_prefix: str = "codeintel:l2:",
        timeout: float = 0.05,
        max_pending_writes: int = 10_000,
        max_pending_bytes: int = 256 * MiB,
        compress_min_bytes: int = 1024,
        write_batch: int = 256,
        write_timeout: float | None = None,
        breaker_initial: float = 0.5,
        breaker_max: float = 5.0,
    ):
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.max_value_bytes = max_value_bytes
        self.key_prefix = key_prefix
        self.timeout = timeout
        self.write_timeout = write_timeout if write_timeout is not None else max(0.5, 10 * timeout)
        self.max_pending_writes = max_pending_writes
        self.max_pending_bytes = max_pending_bytes
        self.compress_min_bytes = compress_min_bytes
        self.write_batch = write_batch
        self.breaker = CircuitBreaker(breaker_initial, breaker_max)
        # No client-side retries: the breaker decides when to try again, and a retry would double
        # the time a request waits on a dead Redis.
        common: dict[str, Any] = dict(retry=Retry(NoBackoff(), 0), retry_on_timeout=False, health_check_interval=0)
        self._reader = aredis.Redis.from_url(
            redis_url, socket_timeout=timeout, socket_connect_timeout=timeout, **common
        )
        self._writer = aredis.Redis.from_url(
            redis_url, socket_timeout=self.write_timeout, socket_connect_timeout=timeout, **common
        )
        self._pending: deque[tuple[str, bytes]] = deque()
        self._pending_bytes = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._writing = False
        self.hits = self.misses = self.errors = self.writes = 0
        self.dropped_writes = self.oversized = self.corrupt = 0
        self.breaker_open = 0  # times Redis was given up on for a while
        self.skipped = 0  # keys answered as misses without asking Redis (breaker open)

    def redis_key(self, key: bytes, namespace: str | None = None) -> str:
        return f"{self.key_prefix}{namespace + ':' if namespace else ''}{key.hex()}"

    # -- reads ---------------------------------------------------------------
    async def get(self, key: bytes, namespace: str | None = None) -> bytes | None:
        return (await self.get_many([key], namespace))[0]

    async def get_many(self, keys: list[bytes], namespace: str | None = None) -> list[bytes | None]:
        """Values for `keys` in order (None: absent, unreadable or Redis unavailable), one MGET."""
        if not keys:
            return []
        if not self.breaker.allow():
            self.skipped += len(keys)
            self.misses += len(keys)
            return [None] * len(keys)
        try:
            async with asyncio.timeout(self.timeout):
                # bytes: the client does not decode responses
                stored = cast(list[bytes | None], await self._reader.mget([self.redis_key(k, namespace) for k in keys]))
        except Exception:  # noqa: BLE001 - whatever Redis did, the caller gets misses
            self._failed()
            self.misses += len(keys)
            return [None] * len(keys)
        self.breaker.success()
        # Inflating a few MB takes milliseconds: big answers decode off the event loop.
        if sum(len(s) for s in stored if s is not None) >= 256 * 1024:
            out, corrupt = await asyncio.to_thread(self._decode_all, stored)
        else:
            out, corrupt = self._decode_all(stored)
        self.corrupt += corrupt
        for value in out:
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
        return out

    def _decode_all(self, stored: list[bytes | None]) -> tuple[list[bytes | None], int]:
        out: list[bytes | None] = []
        corrupt = 0
        for s in stored:
            value = None
            if s is not None:
                try:
                    value = decode(s, self.max_value_bytes)
                except ValueError:
                    corrupt += 1
            out.append(value)
        return out, corrupt

    # -- writes --------------------------------------------------------------
    def put(self, key: bytes, value: bytes, namespace: str | None = None) -> None:
        """Queue a write for the background writer; dropped (and counted) when it cannot be taken."""
        if len(value) > self.max_value_bytes:
            self.oversized += 1
            return
        if (
            self._stopping
            or not self.breaker.closed
            and time.monotonic() < self.breaker.open_until
            or len(self._pending) >= self.max_pending_writes
            or self._pending_bytes + len(value) > self.max_pending_bytes
        ):
            self.dropped_writes += 1
            return
        self._pending.append((self.redis_key(key, namespace), value))
        self._pending_bytes += len(value)
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        """Start the background writer (on the running loop)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._drain(), name="l2cache-writer")

    async def stop(self, flush_timeout: float = 2.0) -> None:
        """Flush what is queued (for at most `flush_timeout` seconds), then close the connections."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), flush_timeout)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        self.dropped_writes += len(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        for client in (self._reader, self._writer):
            with contextlib.suppress(Exception):
                await client.aclose()

    async def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the queue is empty (written or dropped); False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._pending or self._writing:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.005)
        return True

    async def _drain(self) -> None:
        while True:
            if not self._pending:
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch: list[tuple[str, bytes]] = []
            size = 0
            while self._pending and len(batch) < self.write_batch and size < 4 * MiB:
                rkey, value = self._pending.popleft()
                self._pending_bytes -= len(value)
                batch.append((rkey, value))
                size += len(value)
            self._writing = True
            try:
                await self._write(batch, size)
            finally:
                self._writing = False

    async def _write(self, batch: list[tuple[str, bytes]], size: int) -> None:
        if not self.breaker.allow():
            self.dropped_writes += len(batch)
            return
        # zlib releases the GIL: big batches compress off the event loop.
        if size >= 256 * 1024:
            encoded = await asyncio.to_thread(self._encode_all, batch)
        else:
            encoded = self._encode_all(batch)
        try:
            async with asyncio.timeout(self.write_timeout):
                async with self._writer.pipeline(transaction=False) as pipe:
                    for rkey, stored in encoded:
                        pipe.set(rkey, stored, px=self.ttl_ms)
                    await pipe.execute()
        except asyncio.CancelledError:
            self.dropped_writes += len(batch)
            raise
        except Exception:  # noqa: BLE001 - a failed write is a dropped write, nothing more
            self._failed()
            self.dropped_writes += len(batch)
            return
        self.breaker.success()
        self.writes += len(batch)

    def _encode_all(self, batch: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        return [(rkey, encode(value, self.compress_min_bytes)) for rkey, value in batch]

    def _failed(self) -> None:
        self.errors += 1
        if self.breaker.closed:
            self.breaker_open += 1
        self.breaker.failure()

    def stats(self) -> dict:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "errors": self.errors,
            "writes": self.writes,
            "dropped_writes": self.dropped_writes,
            "oversized": self.oversized,
            "corrupt": self.corrupt,
            "breaker_open": self.breaker_open,
            "skipped": self.skipped,
            "pending": len(self._pending),
            "breaker_closed": self.breaker.closed,
        }
