"""Finished repository runs, kept for their detail pages, and the cursors that address them.

Jobs:
- ``RunStore``: finished runs by a random id, bounded in number and bytes and kept ``ttl_s``
  seconds (oldest evicted first);
- ``encode_cursor`` / ``decode_cursor``: opaque (run, list, offset) page addresses.

Chosen over recomputing because a stored run is a snapshot: pages stay consistent even when files
change between calls, and a page costs no worker call.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError


@dataclass
class StoredRun:
    created: float
    summary: dict[str, Any]
    lists: dict[str, list[dict[str, Any]]]
    size: int


class RunStore:
    """Finished runs by opaque id: at most `max_runs` and about `max_bytes`, each for `ttl_s` seconds."""

    def __init__(self, ttl_s: float, max_runs: int, max_bytes: int, clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.max_runs, self.max_bytes, self.clock = ttl_s, max_runs, max_bytes, clock
        self._runs: OrderedDict[str, StoredRun] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = self.clock()
        for rid in [r for r, run in self._runs.items() if now - run.created > self.ttl_s]:
            self._bytes -= self._runs.pop(rid).size

    def put(self, summary: dict[str, Any], lists: dict[str, list[dict[str, Any]]]) -> str | None:
        """Store a run; None when it alone exceeds the byte budget (then only the first pages exist)."""
        size = len(json.dumps(lists, separators=(",", ":")))  # one encoder pass: C speed
        if size > self.max_bytes:
            return None
        rid = secrets.token_urlsafe(12)
        with self._lock:
            self._expire()
            while self._runs and (len(self._runs) >= self.max_runs or self._bytes + size > self.max_bytes):
                self._bytes -= self._runs.popitem(last=False)[1].size
            self._runs[rid] = StoredRun(self.clock(), summary, lists, size)
            self._bytes += size
        return rid

    def get(self, rid: str) -> StoredRun | None:
        with self._lock:
            self._expire()
            return self._runs.get(rid)

    def __len__(self) -> int:
        return len(self._runs)


def encode_cursor(rid: str, which: str, offset: int) -> str:
    """An opaque cursor for page `offset` of list `which` ("details" or "skipped") of run `rid`."""
    raw = json.dumps([rid, which, offset], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, int]:
    """(run id, list, offset) of a cursor from encode_cursor; ToolError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rid, which, offset = json.loads(raw)
        if not isinstance(rid, str) or which not in ("details", "skipped") or not isinstance(offset, int) or offset < 0:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ToolError(
            "invalid `cursor`: pass a `next_cursor` / `next_skipped_cursor` value from an earlier result unchanged"
        ) from None
    return rid, which, offset
