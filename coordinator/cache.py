"""L1 cache: an in-memory LRU bounded in bytes, holding serialized results."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass


def cache_key(
    operation: str, version: str, path: str, language: str, options: bytes, content: bytes, namespace: str = ""
) -> bytes:
    """Content-addressed key: what was asked of which implementation, over which bytes.

    The path takes part because results echo it (and scan fingerprints include it). A tenant
    whose results must not be shared has its own `namespace`."""
    return digest_cache_key(operation, version, path, language, options, hashlib.sha256(content).digest(), namespace)


def digest_cache_key(
    operation: str, version: str, path: str, language: str, options: bytes, sha256: bytes, namespace: str = ""
) -> bytes:
    """`cache_key` from the SHA-256 of the content instead of the content: the key only ever sees the
    digest, so a client naming a file by its digest (LookupBatch) finds what a batch call stored."""
    h = hashlib.sha256()
    for part in (operation.encode(), version.encode(), path.encode(), language.encode(), options, namespace.encode()):
        h.update(len(part).to_bytes(4, "little"))
        h.update(part)
    h.update(sha256)
    return h.digest()


@dataclass
class CacheCounters:
    hits: int = 0
    misses: int = 0
    evictions: int = 0


class LRUCache:
    """Least-recently-used map of key -> bytes, never holding more than `max_bytes`."""

    OVERHEAD = 100  # rough per-entry bookkeeping cost, so many tiny entries still count

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.counters = CacheCounters()
        self._data: OrderedDict[bytes, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: bytes) -> bytes | None:
        value = self._data.get(key)
        if value is None:
            self.counters.misses += 1
            return None
        self._data.move_to_end(key)
        self.counters.hits += 1
        return value

    def put(self, key: bytes, value: bytes) -> None:
        size = len(value) + len(key) + self.OVERHEAD
        if size > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything for
        old = self._data.pop(key, None)
        if old is not None:
            self.bytes -= len(old) + len(key) + self.OVERHEAD
        self._data[key] = value
        self.bytes += size
        while self.bytes > self.max_bytes:
            k, v = self._data.popitem(last=False)
            self.bytes -= len(v) + len(k) + self.OVERHEAD
            self.counters.evictions += 1
