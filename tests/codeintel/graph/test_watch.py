"""watch(): real file-system events on a temporary directory, filtered as the walk filters. Every
wait is on an event the watcher sets, with a generous timeout; nothing sleeps to assert."""

from __future__ import annotations

import asyncio
import os

import watchfiles

from codeintel import repo
from codeintel.graph import watch
from codeintel.graph.watch import changed_paths

WAIT = 20.0


def write(root, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.seen: set[str] = set()
        self.changed = asyncio.Event()

    async def __call__(self, paths: list[str]) -> None:
        self.calls.append(paths)
        self.seen.update(paths)
        self.changed.set()

    async def until(self, *paths: str) -> None:
        """Wait until every path was reported."""

        async def wait() -> None:
            while not set(paths) <= self.seen:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), WAIT)


async def started(root, rec: Recorder, **kw):
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.ensure_future(watch(str(root), rec, stop_event=stop, ready=ready, **kw))
    await asyncio.wait_for(ready.wait(), WAIT)
    return task, stop


async def stopped(task, stop) -> None:
    stop.set()
    await asyncio.wait_for(task, WAIT)


def test_created_modified_and_deleted_source_files_are_reported(tmp_path):
    write(tmp_path, "old.py", "x = 1\n")
    write(tmp_path, "keep.py", "y = 1\n")
    (tmp_path / "pkg").mkdir()

    async def main():
        rec = Recorder()
        task, stop = await started(tmp_path, rec)
        write(tmp_path, "pkg/new.py", "def f():\n    pass\n")
        write(tmp_path, "keep.py", "y = 2\n")
        os.remove(tmp_path / "old.py")
        await rec.until("pkg/new.py", "keep.py", "old.py")
        await stopped(task, stop)
        return rec

    rec = asyncio.run(main())
    assert all(p == sorted(p) for p in rec.calls)


def test_a_new_directory_is_reported_whole_or_by_its_files(tmp_path):
    async def main():
        rec = Recorder()
        task, stop = await started(tmp_path, rec)
        # the file may be written before the watch reaches the new directory: then the directory
        # is reported, and the indexer walks it
        write(tmp_path, "fresh/a.py", "x = 1\n")
        wanted = asyncio.ensure_future(rec.until("fresh"))
        either = asyncio.ensure_future(rec.until("fresh/a.py"))
        done, pending = await asyncio.wait({wanted, either}, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        for p in pending:
            p.cancel()
        await stopped(task, stop)
        return done

    assert asyncio.run(main())


def test_ignored_excluded_and_languageless_files_never_trigger(tmp_path):
    write(tmp_path, ".gitignore", "generated/\n*.tmp.py\n")

    async def main():
        rec = Recorder()
        task, stop = await started(tmp_path, rec, exclude=["vendor/"])
        # noise first, then a file that counts: when it is reported, the noise had its chance
        write(tmp_path, "generated/a.py", "x = 1\n")
        write(tmp_path, "scratch.tmp.py", "x = 1\n")
        write(tmp_path, "node_modules/dep/index.js", "x\n")
        write(tmp_path, "vendor/lib.py", "x = 1\n")
        write(tmp_path, "notes.txt", "text\n")
        write(tmp_path, "data.json", "{}\n")
        write(tmp_path, "store.sqlite-wal", "db\n")
        write(tmp_path, "real.py", "x = 1\n")
        await rec.until("real.py")
        await stopped(task, stop)
        return rec

    rec = asyncio.run(main())
    assert rec.seen == {"real.py"}


def test_a_changed_gitignore_is_read_again(tmp_path):
    write(tmp_path, ".gitignore", "\n")

    async def main():
        rec = Recorder()
        task, stop = await started(tmp_path, rec)
        write(tmp_path, "a.py", "x = 1\n")
        await rec.until("a.py")
        write(tmp_path, ".gitignore", "b.py\n")
        write(tmp_path, "marker.py", "x = 1\n")  # after the .gitignore: its event comes with or after it
        await rec.until("marker.py")
        write(tmp_path, "b.py", "x = 1\n")
        write(tmp_path, "c.py", "x = 1\n")
        await rec.until("c.py")
        await stopped(task, stop)
        return rec

    rec = asyncio.run(main())
    assert "b.py" not in rec.seen


def test_on_change_runs_one_call_at_a_time_and_later_changes_come_next(tmp_path):
    async def main():
        release = asyncio.Event()
        entered = asyncio.Event()
        active = 0
        most = 0
        calls: list[list[str]] = []
        seen: set[str] = set()
        more = asyncio.Event()

        async def slow(paths):
            nonlocal active, most
            active += 1
            most = max(most, active)
            calls.append(paths)
            seen.update(paths)
            entered.set()
            more.set()
            await release.wait()
            active -= 1

        stop, ready = asyncio.Event(), asyncio.Event()
        task = asyncio.ensure_future(watch(str(tmp_path), slow, stop_event=stop, ready=ready))
        await asyncio.wait_for(ready.wait(), WAIT)
        write(tmp_path, "first.py", "x = 1\n")
        await asyncio.wait_for(entered.wait(), WAIT)
        write(tmp_path, "second.py", "x = 1\n")
        release.set()

        async def second() -> None:
            while "second.py" not in seen:
                more.clear()
                await more.wait()

        await asyncio.wait_for(second(), WAIT)
        stop.set()
        await asyncio.wait_for(task, WAIT)
        return most, calls

    most, calls = asyncio.run(main())
    assert most == 1 and calls[0] == ["first.py"]


def test_cancelling_the_watch_returns_promptly(tmp_path):
    async def main():
        rec = Recorder()
        stop, ready = asyncio.Event(), asyncio.Event()
        task = asyncio.ensure_future(watch(str(tmp_path), rec, stop_event=stop, ready=ready))
        await asyncio.wait_for(ready.wait(), WAIT)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=WAIT)
        return done, stop

    done, stop = asyncio.run(main())
    assert done and stop.is_set()


def test_changed_paths_filters_like_the_walk(tmp_path):
    write(tmp_path, "src/a.py", "x\n")
    write(tmp_path, "tool", "#!/usr/bin/env python3\nprint(1)\n")
    write(tmp_path, "plain", "no shebang\n")
    (tmp_path / "moved_in").mkdir()
    write(tmp_path, "moved_in/m.py", "x\n")
    (tmp_path / "build").mkdir()
    root = str(tmp_path)
    filt = repo.PathFilter(root)
    C = watchfiles.Change
    got = changed_paths(
        [
            (C.modified, f"{root}/src/a.py"),
            (C.added, f"{root}/tool"),
            (C.added, f"{root}/plain"),
            (C.added, f"{root}/moved_in"),
            (C.modified, f"{root}/src"),  # a directory modified: its files have their own events
            (C.added, f"{root}/build"),  # a default exclude
            (C.deleted, f"{root}/gone_dir"),  # no extension: may have been a directory
            (C.deleted, f"{root}/x.sqlite-shm"),
            (C.deleted, f"{root}/old.ts"),
            (C.modified, f"{root}/../outside.py"),
        ],
        root,
        filt,
    )
    assert got == ["gone_dir", "moved_in", "old.ts", "src/a.py", "tool"]
