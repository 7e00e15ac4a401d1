"""The allowed-roots policy: which local files the `path` argument of a tool may read.

A path is accepted only when its fully resolved location (symlinks followed, ``..``
collapsed) lies inside one of the allowed roots, names a regular file, and is no larger
than the size limit. Every refusal raises :class:`PathError` with a message meant for a
model: it says what was wrong and what to do instead.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass


class PathError(Exception):
    """A `path` argument was refused. `str(err)` is safe to show to a client."""


@dataclass(frozen=True)
class LoadedFile:
    """A file read under the policy."""

    display_path: str  # relative to its root, '/'-separated (sent as SourceFile.path)
    real_path: str  # resolved absolute path
    content: bytes


def is_within(path: str, root: str) -> bool:
    """Whether `path` is `root` or below it; both absolute and resolved (no symlinks, no '..')."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives (Windows) or mixed abs/rel
        return False


class PathPolicy:
    """Resolves and reads files confined to a set of root directories."""

    def __init__(self, roots: Iterable[str], max_bytes: int):
        resolved: list[str] = []
        for root in roots:
            real = os.path.realpath(os.path.expanduser(root))
            if not os.path.isdir(real):
                raise ValueError(f"allowed root {root!r} is not a directory")
            if real not in resolved:
                resolved.append(real)
        if not resolved:
            raise ValueError("at least one allowed root is required")
        self.roots: tuple[str, ...] = tuple(resolved)
        self.max_bytes = max_bytes

    def _roots_hint(self) -> str:
        return ", ".join(self.roots)

    def locate(self, value: str | None, *, arg: str, purpose: str) -> str:
        """The real file or directory `value` names (absolute, or relative to an allowed root; empty:
        the single allowed root), inside the roots; PathError otherwise. `arg` is the argument's name,
        `purpose` what the roots allow, for the messages ("searched", "indexed")."""
        roots = self.roots
        if value is None or not value.strip():
            if len(roots) == 1:
                return roots[0]
            raise PathError(
                f"several roots are allowed, so `{arg}` is needed: pass one of {self._roots_hint()} (or a path inside one)"
            )
        if "\x00" in value:
            raise PathError(f"`{arg}` contains a NUL character")
        given = os.path.expanduser(value.strip())
        candidates = [os.path.normpath(given)] if os.path.isabs(given) else [os.path.join(r, given) for r in roots]
        chosen = next((c for c in candidates if os.path.lexists(c)), candidates[0])
        real = os.path.realpath(chosen)
        if not any(is_within(real, r) for r in roots):
            raise PathError(
                f"access denied: {value!r} is outside the allowed roots (after resolving symbolic links and '..'). "
                f"Only these directories can be {purpose}: {self._roots_hint()}."
            )
        if not os.path.exists(real):
            raise PathError(
                f"not found: {value!r} (looked under {self._roots_hint()}); pass a path relative to an allowed root"
            )
        return real

    def resolve(self, path: str) -> tuple[str, str]:
        """Return (real_path, root) for an allowed path, or raise PathError."""
        if not path or not path.strip():
            raise PathError("path is empty; pass a file path relative to an allowed root")
        if "\x00" in path:
            raise PathError("path contains a NUL character")
        expanded = os.path.expanduser(path)
        if os.path.isabs(expanded):
            candidates = [os.path.normpath(expanded)]
        else:
            candidates = [os.path.join(root, expanded) for root in self.roots]
        # Prefer the first candidate that exists; otherwise judge the first one.
        chosen = next((c for c in candidates if os.path.lexists(c)), candidates[0])
        real = os.path.realpath(chosen)
        root = next((r for r in self.roots if is_within(real, r)), None)
        if root is None:
            via_link = os.path.islink(chosen) or real != os.path.normpath(os.path.abspath(chosen))
            how = " (it resolves, through a symbolic link or '..', to a location outside them)" if via_link else ""
            raise PathError(
                f"access denied: {path!r} is outside the allowed roots{how}. "
                f"Only files under these directories can be read: {self._roots_hint()}. "
                f"Pass a path inside them, or send the source text in the `code` argument instead."
            )
        if not os.path.exists(real):
            raise PathError(
                f"file not found: {path!r} (looked under {self._roots_hint()}). "
                f"Check the spelling; relative paths are resolved against the allowed roots."
            )
        if os.path.isdir(real):
            raise PathError(f"{path!r} is a directory; pass the path of a single source file inside it")
        return real, root

    def read(self, path: str) -> LoadedFile:
        """Resolve `path` under the policy and read it (at most max_bytes)."""
        real, root = self.resolve(path)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PathError(f"{path!r} changed into a symbolic link while being opened; retry") from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise PathError(f"permission denied reading {path!r}") from None
            if exc.errno == errno.ENOENT:
                raise PathError(f"file not found: {path!r}") from None
            raise PathError(f"cannot open {path!r}: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise PathError(f"{path!r} is a directory; pass the path of a single source file inside it")
            if not stat.S_ISREG(st.st_mode):
                raise PathError(f"{path!r} is not a regular file (device, pipe or socket); pass a source file")
            if st.st_size > self.max_bytes:
                raise PathError(self._too_large(path, st.st_size))
            chunks: list[bytes] = []
            remaining = self.max_bytes + 1
            while remaining > 0:
                chunk = os.read(fd, min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            content = b"".join(chunks)
        finally:
            os.close(fd)
        if len(content) > self.max_bytes:
            raise PathError(self._too_large(path, None))
        display = os.path.relpath(real, root).replace(os.sep, "/")
        return LoadedFile(display_path=display, real_path=real, content=content)

    def _too_large(self, path: str, size: int | None) -> str:
        actual = f"{size:,} bytes" if size is not None else f"more than {self.max_bytes:,} bytes"
        return (
            f"{path!r} is too large: {actual}; the limit is {self.max_bytes:,} bytes. "
            f"Pick a smaller file, or send only the relevant part in the `code` argument."
        )
