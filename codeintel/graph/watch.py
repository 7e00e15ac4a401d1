"""Keeping an index fresh: file-system events -> the changed paths an index run would look at.

`watch(root, on_change, stop_event=...)` watches `root` (watchfiles: inotify / FSEvents / polling
where neither works) and awaits `on_change(paths)` with the paths, relative to the root and
'/'-separated, of files created, modified or deleted that the walk would index: default excludes,
.gitignore files, include / exclude globs and file names with no language (or data languages the
indexer does not send) are filtered out here, so an index stored under the root, editor swap files
or build output never trigger a run. A directory moved in is reported as one path (the indexer
walks it); a deleted path is reported when it could have been indexed (a known language, or no
extension: it may have been a directory). Changes are grouped: after the first one, until
`debounce_ms` pass without another (at most a second). `on_change` runs one call at a time; what
changes meanwhile comes in the next call.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import watchfiles

from codeintel import repo
from codeintel.graph.indexer import DATA_LANGUAGES
from codeintel.kernel import languages

OnChange = Callable[[list[str]], Awaitable[Any]]
_MAX_GROUP_MS = 1000


def changed_paths(changes: Iterable[tuple[Any, str]], root: str, filt: repo.PathFilter) -> list[str]:
    """The relevant relative paths among watchfiles changes (see the module docstring)."""
    out: dict[str, None] = {}
    gitignore = False
    for change, path in changes:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if rel == "." or rel.startswith("../"):
            continue
        name = posixpath.basename(rel)
        if name == ".gitignore":
            gitignore = True
            continue
        exists = os.path.lexists(path)
        if exists and os.path.isdir(path) and not os.path.islink(path):
            # A directory modified is a file added or removed inside it: that file has its own event.
            if change == watchfiles.Change.added and filt.check(rel + "/_") is None:
                out[rel] = None
            continue
        if filt.check(rel) is not None:
            continue
        lang = languages.from_path(rel)
        if lang is None and exists:
            lang = _shebang(path)
            if lang is None:
                continue
        if lang is None and "." in name.lstrip("."):
            continue  # a deleted file of no language (a database, a lock file)
        if lang in DATA_LANGUAGES:
            continue
        out[rel] = None
    if gitignore:
        filt.forget()
    return sorted(out)


def _shebang(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return languages.from_shebang(fh.read(256))
    except OSError:
        return None


async def watch(
    root: str,
    on_change: OnChange,
    *,
    stop_event: asyncio.Event,
    debounce_ms: int = 50,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    gitignore_stop: str | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Watch `root` until `stop_event` is set (or the task is cancelled, which sets it), awaiting
    `on_change(paths)` for each group of relevant changes. `ready` is set once the watch is in place:
    changes after it are seen."""
    real = os.path.realpath(root)
    filt = repo.PathFilter(real, include=include, exclude=exclude, gitignore_stop=gitignore_stop)
    quiet = max(1, int(debounce_ms))
    changes = watchfiles.awatch(
        real,
        watch_filter=None,  # ours is the walk's (changed_paths); watchfiles' default differs
        debounce=max(quiet, _MAX_GROUP_MS),
        step=quiet,
        stop_event=stop_event,
    )
    pending: asyncio.Future | None = None
    try:
        pending = asyncio.ensure_future(changes.__anext__())
        # The generator sets its watches up synchronously before it first waits for events: one
        # turn of the loop and they are in place.
        await asyncio.sleep(0)
        if ready is not None:
            ready.set()
        while True:
            try:
                batch = await pending
            except StopAsyncIteration:
                return
            pending = None
            paths = changed_paths(batch, real, filt)
            if paths:
                await on_change(paths)
            if stop_event.is_set():
                return
            pending = asyncio.ensure_future(changes.__anext__())
    finally:
        if pending is not None and not pending.done():
            # The thread waiting for events only returns at a stop (watchfiles sets it too on cancel).
            stop_event.set()
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        await changes.aclose()
