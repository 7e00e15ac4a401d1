"""Opaque page cursors and the page/byte bounds every graph answer shares.

A cursor is base64 of a version tag, the offset of the next item and a fingerprint of the query
(the request without its page): a cursor handed to another query, or edited, is refused instead of
silently paging through something else. The index may change between pages; offsets then shift by
the rows that moved, which is the usual trade-off of stateless cursors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from codeintel.kernel import errors

DEFAULT_PAGE = 50
MAX_PAGE = 1000
DEFAULT_BYTES = 256 * 1024
_TAG = "g1"
_ITEM_OVERHEAD = 4  # field tag and length prefix of a repeated message item


class _Sized(Protocol):
    def ByteSize(self) -> int: ...


M = TypeVar("M", bound=_Sized)


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def encode(offset: int, fp: str) -> str:
    return base64.urlsafe_b64encode(f"{_TAG}:{offset}:{fp}".encode()).decode("ascii").rstrip("=")


def decode(cursor: str, fp: str) -> int:
    """The offset a cursor points at; InvalidInput when it is malformed or made by another query."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        tag, offset, got = text.split(":")
        n = int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.InvalidInput("malformed cursor: pass next_cursor from a previous answer unchanged") from None
    if tag != _TAG or n < 0:
        raise errors.InvalidInput("malformed cursor: pass next_cursor from a previous answer unchanged")
    if got != fp:
        raise errors.InvalidInput("the cursor belongs to another query: repeat the same request with it")
    return n


@dataclass(frozen=True, slots=True)
class PageSpec:
    offset: int
    size: int
    max_bytes: int
    fp: str

    @classmethod
    def of(cls, page: Any, fp: str) -> PageSpec:
        """From a graph_pb2.Page (or None): defaults, clamps and the cursor's offset."""
        size = int(page.page_size) if page is not None else 0
        size = DEFAULT_PAGE if size <= 0 else min(size, MAX_PAGE)
        max_bytes = int(page.max_bytes) if page is not None else 0
        cursor = page.cursor if page is not None else ""
        return cls(decode(cursor, fp), size, max_bytes or DEFAULT_BYTES, fp)

    def window(self, total: int) -> range:
        return range(min(self.offset, total), min(total, self.offset + self.size))

    def take(self, total: int, build: Callable[[range], Sequence[M]]) -> tuple[list[M], str, bool]:
        """Items of this page: (items, next_cursor, truncated). `build(window)` makes the messages of
        the window; they are cut before the first one that would pass max_bytes (at least one is
        kept, so a client always makes progress)."""
        win = self.window(total)
        items = list(build(win))
        out: list[M] = []
        used = 0
        for m in items:
            size = m.ByteSize() + _ITEM_OVERHEAD
            if out and used + size > self.max_bytes:
                break
            out.append(m)
            used += size
        end = win.start + len(out)
        if end < total:
            return out, encode(end, self.fp), True
        return out, "", False
