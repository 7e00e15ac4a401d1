"""The indexer on real directories: cold index, incremental re-index (only changed files sent),
deletions, named paths, the file limit and the deadline (partial, and completed by the next run),
languages without facts, files with syntax errors or refused by the worker, rebuilds, the run lock,
events, and both store backends."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

from codeintel import repo
from codeintel.graph import Indexer, open_store
from codeintel.graph import indexer as indexer_mod
from codeintel.kernel import errors
from codeintel.v1 import common_pb2, coordinator_pb2, parse_pb2

PY = {
    "app.py": "import os\nfrom pkg.util import helper\n\n\ndef main():\n    return helper(os.sep)\n",
    "pkg/__init__.py": "",
    "pkg/util.py": "def helper(x):\n    return x\n\n\nclass Store:\n    def save(self):\n        return helper(1)\n",
    "pkg/sub/__init__.py": "from ..util import helper\n",
    "pkg/sub/deep.py": "from . import other\n\n\ndef d():\n    return other\n",
    "scripts/tool.py": "def run():\n    pass\n",
}


def write(root, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def bump(root, rel: str, text: str) -> None:
    """Rewrite a file so that its stat changes even on coarse clocks."""
    path = root / rel
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(old + 5_000_000_000, old + 5_000_000_000))


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "repo"
    for rel, text in PY.items():
        write(root, rel, text)
    write(root, "native/m.c", "int main(void) { return 0; }\n")
    write(root, "config.json", '{"a": 1}\n')
    write(root, "README", "no language\n")
    write(root, ".gitignore", "ignored/\n")
    write(root, "ignored/x.py", "x = 1\n")
    write(root, "node_modules/dep/index.js", "module.exports = 1;\n")
    return root


@pytest.fixture
def store(sqlite_url):
    s = open_store(sqlite_url)
    yield s
    s.close()


def run(store, send, root, **kw):
    opts = {k: kw.pop(k) for k in ("deadline", "progress", "on_skipped", "limits") if k in kw}
    return asyncio.run(Indexer(store, send, **opts).run(str(root), **kw))


def files(store, root) -> dict[str, tuple]:
    r = store.repo(str(root))
    return {
        p: (m, s, lang, e, f)
        for p, m, s, lang, e, f in r.fetch(
            "SELECT path, module, scope, language, has_errors, facts FROM files WHERE repo_id = ?", (r.id,)
        )
    }


def test_cold_index_writes_every_file_with_module_keys_and_says_what_it_left_out(store, fake, tree):
    s = run(store, fake, tree)
    assert sorted(fake.sent) == sorted([*PY, "native/m.c"])  # json is data, README has no language
    assert s.files_written == 7 and s.files_unchanged == 0 and s.files_removed == 0
    assert s.run.complete and not s.run.stopped and s.run.processed == 7 and s.run.computed == 7
    assert s.store.startswith("sqlite:") and s.store == store.describe(str(tree))
    got = files(store, tree)
    assert {p: v[0] for p, v in got.items()} == {
        "app.py": "app",
        "pkg/__init__.py": "pkg",
        "pkg/util.py": "pkg.util",
        "pkg/sub/__init__.py": "pkg.sub",
        "pkg/sub/deep.py": "pkg.sub.deep",
        "scripts/tool.py": "tool",
        "native/m.c": "native/m",
    }
    assert got["native/m.c"][4] == 0 and got["app.py"][4] == 1
    totals = s.totals
    assert totals.files == 7 and totals.definitions == 6 and totals.imports == 4 and totals.references > 5
    reasons = {c.reason for c in s.run.skipped_by_reason}
    assert coordinator_pb2.REPOSITORY_SKIP_REASON_UNSUPPORTED in reasons  # config.json
    assert coordinator_pb2.REPOSITORY_SKIP_REASON_IGNORED in reasons
    row = store.repo(str(tree))
    assert row.languages() == ["c"] and not row.partial and row.indexed_at > 0
    assert row.skipped()["unsupported for this operation"] == 1
    assert "No facts for: c" in s.run.summary_text
    summary = json.loads(s.run.summary_json)
    assert summary["files_written"] == 7 and summary["total_symbols"] == 6
    # references carry the resolver's symbolic targets
    r = store.repo(str(tree))
    targets = set(
        r.fetch(
            "SELECT r.name, r.tmod, r.tname FROM refs r JOIN files f ON f.id = r.file_id WHERE f.path = ?",
            ("app.py",),
        )
    )
    assert ("helper", "pkg.util", "helper") in targets and ("sep", "os", "sep") in targets
    imports = set(r.fetch("SELECT module, level, name, tmod FROM imports WHERE repo_id = ?", (r.id,)))
    assert ("util", 2, "helper", "pkg.util") in imports and ("", 1, "other", "pkg.sub") in imports


def test_reindex_after_one_edit_sends_only_that_file(store, fake, tree):
    run(store, fake, tree)
    fake.reset()
    bump(tree, "pkg/util.py", "def helper(x, y=0):\n    return x\n\n\ndef added():\n    pass\n")
    s = run(store, fake, tree)
    assert fake.sent == ["pkg/util.py"]
    assert s.files_written == 1 and s.files_unchanged == 6 and s.files_removed == 0
    assert s.run.processed == 7 and s.run.reused == 6 and s.run.computed == 1 and s.run.complete
    r = store.repo(str(tree))
    names = {
        n
        for (n,) in r.fetch(
            "SELECT d.name FROM defs d JOIN files f ON f.id = d.file_id WHERE f.path = ?", ("pkg/util.py",)
        )
    }
    assert names == {"helper", "added"}  # Store and save are gone with the old rows
    assert s.totals.definitions == 5


def test_a_new_stat_with_the_same_content_is_hashed_not_sent(store, fake, tree, monkeypatch):
    run(store, fake, tree)
    fake.reset()
    hashed: list[str] = []
    real = indexer_mod._sha256_file

    def counting(path: str) -> str:
        hashed.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(indexer_mod, "_sha256_file", counting)
    bump(tree, "app.py", PY["app.py"])  # touched: same bytes
    s = run(store, fake, tree)
    assert fake.sent == [] and s.files_unchanged == 7 and hashed == ["app.py"]
    hashed.clear()
    run(store, fake, tree)  # the new stat was remembered: nothing to hash now
    assert hashed == [] and fake.sent == []


def test_deleted_excluded_and_refused_files_leave_the_index(store, fake, tree):
    run(store, fake, tree)
    fake.reset()
    os.remove(tree / "scripts/tool.py")
    s = run(store, fake, tree)
    assert s.files_removed == 1 and fake.sent == [] and "scripts/tool.py" not in files(store, tree)
    s = run(store, fake, tree, exclude=["native/"])
    assert s.files_removed == 1 and "native/m.c" not in files(store, tree)
    fake.fail["pkg/util.py"] = common_pb2.FILE_ERROR_CODE_TOO_COMPLEX
    bump(tree, "pkg/util.py", "def helper():\n    pass\n")
    s = run(store, fake, tree)
    assert s.files_removed == 1 and "pkg/util.py" not in files(store, tree)
    assert store.repo(str(tree)).skipped()["too complex"] == 1
    assert s.run.complete  # a file the worker refuses is a skip with a reason, not an early stop


@pytest.fixture
def any_store(store_url):
    """SQLite and PostgreSQL, for the tests whose SQL differs between them."""
    s = open_store(store_url)
    yield s
    s.close()


def test_named_paths_reindex_only_those_files(any_store, fake, tree):
    store = any_store
    run(store, fake, tree)
    fake.reset()
    bump(tree, "app.py", "def main():\n    return 2\n")
    write(tree, "pkg/new.py", "def fresh():\n    pass\n")
    os.remove(tree / "scripts/tool.py")
    bump(tree, "pkg/util.py", "def changed_but_not_named():\n    pass\n")
    s = run(store, fake, tree, paths=["app.py", "./pkg/new.py", "scripts/tool.py", "ignored/x.py", "gone/dir"])
    assert sorted(fake.sent) == ["app.py", "pkg/new.py"]
    assert s.files_written == 2 and s.files_removed == 1
    got = files(store, tree)
    assert "pkg/new.py" in got and "scripts/tool.py" not in got and "ignored/x.py" not in got
    r = store.repo(str(tree))
    util = r.fetch("SELECT d.name FROM defs d JOIN files f ON f.id = d.file_id WHERE f.path = ?", ("pkg/util.py",))
    assert ("helper",) in util  # not named: untouched
    assert not r.partial and r.skipped().get("ignored by .gitignore") == 1
    # a named directory is walked; what vanished under it is removed
    os.remove(tree / "pkg/sub/deep.py")
    write(tree, "pkg/sub/more.py", "def more():\n    pass\n")
    fake.reset()
    s = run(store, fake, tree, paths=["pkg/sub"])
    assert fake.sent == ["pkg/sub/more.py"] and s.files_removed == 1 and s.files_unchanged == 1


def test_named_paths_on_a_root_never_indexed_leave_it_partial(store, fake, tree):
    s = run(store, fake, tree, paths=["app.py"])
    assert s.files_written == 1
    r = store.repo(str(tree))
    assert r.partial and "named paths" in r.stopped


def test_the_file_limit_makes_a_partial_index_of_the_first_files(store, fake, tree):
    s = run(store, fake, tree, max_files=3)
    assert s.run.stopped == "file limit" and not s.run.complete
    # the walk's first three: app.py, config.json (data: not sent), native/m.c
    assert s.totals.files == 2 and s.files_written == 2
    r = store.repo(str(tree))
    assert r.partial and r.stopped == "file limit"
    assert "partial" in s.run.summary_text
    s = run(store, fake, tree)
    assert s.run.complete and s.totals.files == 7 and not store.repo(str(tree)).partial


class Slow:
    """Answers the first `fast` batches, then waits past any deadline (as a busy worker pool would)."""

    def __init__(self, inner, fast: int):
        self.inner, self.fast = inner, fast

    async def __call__(self, files, timeout, options=None):
        if self.fast <= 0:
            await asyncio.sleep(timeout)
            raise repo.BatchError("deadline exceeded", deadline=True)
        self.fast -= 1
        return await self.inner(files, timeout)


def test_the_deadline_stops_the_work_and_the_next_run_completes_it(store, fake, tree):
    limits = repo.RunLimits(batch_files=2, in_flight=1)
    # the one fast batch has seconds to spare: only the slow ones can meet the deadline
    s = run(store, Slow(fake, 1), tree, deadline=time.monotonic() + 3.0, limits=limits)
    assert s.run.stopped == "deadline" and not s.run.complete
    assert s.files_written == 2 and s.run.not_processed == 5
    r = store.repo(str(tree))
    assert r.partial and r.stopped == "deadline" and r.skipped()["not processed"] == 5
    fake.reset()
    s = run(store, fake, tree)
    assert len(fake.sent) == 5 and s.files_unchanged == 2 and s.run.complete
    r = store.repo(str(tree))
    assert not r.partial and "not processed" not in r.skipped()


def test_a_deadline_already_past_stops_before_sending(store, fake, tree):
    s = run(store, fake, tree, deadline=time.monotonic() - 1)
    # every file the walk listed, config.json too: the deadline came before it was looked at
    assert fake.sent == [] and s.run.stopped == "deadline" and s.run.not_processed == 8


def test_files_with_syntax_errors_still_contribute(store, fake, tree):
    write(tree, "broken.py", "def good():\n    pass\n\ndef bad(:\n")
    s = run(store, fake, tree)
    got = files(store, tree)
    assert got["broken.py"][3] == 1
    r = store.repo(str(tree))
    defs = r.fetch("SELECT d.name FROM defs d JOIN files f ON f.id = d.file_id WHERE f.path = ?", ("broken.py",))
    assert ("good",) in defs
    assert json.loads(s.run.summary_json)["files_with_syntax_errors"] == 1


def test_a_language_the_worker_refuses_is_skipped_and_others_of_it_are_not_sent(store, fake, tree):
    write(tree, "native/n.c", "int n;\n")
    fake.fail["native/m.c"] = common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE
    limits = repo.RunLimits(batch_files=1, in_flight=1)
    s = run(store, fake, tree, limits=limits)
    assert "native/n.c" not in fake.sent  # the run learnt that c is refused
    assert {c.reason for c in s.run.skipped_by_reason} >= {coordinator_pb2.REPOSITORY_SKIP_REASON_UNSUPPORTED}
    assert "native/m.c" not in files(store, tree)


def test_rebuild_and_a_new_rows_version_send_everything_again(store, fake, tree, monkeypatch):
    run(store, fake, tree)
    fake.reset()
    s = run(store, fake, tree, rebuild=True)
    assert len(fake.sent) == 7 and s.files_written == 7 and s.files_unchanged == 0
    fake.reset()
    monkeypatch.setattr(indexer_mod, "rows_version", lambda: "schema-1/resolve-next")
    s = run(store, fake, tree)
    assert len(fake.sent) == 7 and any("another version" in n for n in json.loads(s.run.summary_json)["notes"])


def test_a_new_package_marker_changes_module_keys_and_resends_those_files(store, fake, tree):
    run(store, fake, tree)
    fake.reset()
    write(tree, "scripts/__init__.py", "")
    run(store, fake, tree)
    assert sorted(fake.sent) == ["scripts/__init__.py", "scripts/tool.py"]
    assert files(store, tree)["scripts/tool.py"][0] == "scripts.tool"


def test_go_files_get_package_keys_and_a_changed_go_mod_resends_them(store, fake, tmp_path):
    root = tmp_path / "gorepo"
    write(root, "go.mod", "module example.com/x\n\ngo 1.22\n")
    write(root, "main.go", "package main\n")
    write(root, "pkg/server/s.go", "package server\n")
    run(store, fake, root)
    got = files(store, root)
    assert got["main.go"][:2] == (".", ".") and got["pkg/server/s.go"][:2] == ("pkg/server", "pkg/server")
    assert store.repo(str(root)).go_module == "example.com/x"
    fake.reset()
    write(root, "go.mod", "module example.com/y\n")
    run(store, fake, root)
    assert sorted(fake.sent) == ["main.go", "pkg/server/s.go"]


def test_progress_and_skips_are_reported_as_the_run_goes(store, fake, tree):
    run(store, fake, tree)
    bump(tree, "app.py", "x = 1\n")
    events: list[tuple] = []

    async def progress(done: int, total: int) -> None:
        events.append(("progress", done, total))

    def on_skipped(skips) -> None:
        events.append(("skipped", sorted(s.path for s in skips)))

    run(store, fake, tree, progress=progress, on_skipped=on_skipped)
    assert events[0] == ("progress", 6, 7)  # six unchanged, one to send
    assert events[1][0] == "skipped" and "config.json" in events[1][1]
    prog = [e for e in events if e[0] == "progress"]
    assert prog[0] == ("progress", 6, 7) and prog[-1] == ("progress", 7, 7)


def test_a_second_run_of_the_same_root_waits_for_the_first(store, fake, tree):
    async def main():
        fake.gate = asyncio.Event()
        first = asyncio.ensure_future(Indexer(store, fake).run(str(tree)))
        await asyncio.wait_for(fake.entered.wait(), 10)
        with pytest.raises(errors.Unavailable, match="another index run"):
            await Indexer(store, fake, deadline=time.monotonic() + 0.3).run(str(tree))
        second = asyncio.ensure_future(Indexer(store, fake).run(str(tree)))
        await asyncio.sleep(0.2)
        assert not second.done()
        fake.gate.set()
        a, b = await asyncio.wait_for(asyncio.gather(first, second), 30)
        return a, b

    a, b = asyncio.run(main())
    assert a.files_written == 7 and b.files_written == 0 and b.files_unchanged == 7


def test_a_cancelled_run_leaves_a_partial_index_and_frees_the_root(store, fake, tree):
    async def main():
        fake.gate = asyncio.Event()
        task = asyncio.ensure_future(Indexer(store, fake).run(str(tree)))
        await asyncio.wait_for(fake.entered.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    r = store.repo(str(tree))
    assert r.partial and r.stopped == "cancelled"
    fake.gate = None
    s = run(store, fake, tree)
    assert s.run.complete and not store.repo(str(tree)).partial


def test_a_bad_root_is_refused(store, fake, tmp_path):
    with pytest.raises(errors.NotFound):
        run(store, fake, tmp_path / "nope")
    (tmp_path / "f.py").write_text("x = 1\n")
    with pytest.raises(errors.InvalidInput):
        run(store, fake, tmp_path / "f.py")


def test_incremental_index_on_postgresql(pg_url, fake, tree):
    s1 = open_store(pg_url)
    try:
        s = run(s1, fake, tree)
        assert s.files_written == 7 and s.store.startswith("postgresql://127.0.0.1:5432/")
        fake.reset()
        bump(tree, "app.py", "def main():\n    return 3\n")
        os.remove(tree / "scripts/tool.py")
        s = run(s1, fake, tree)
        assert fake.sent == ["app.py"] and s.files_written == 1 and s.files_removed == 1 and s.files_unchanged == 5
        assert s.totals.files == 6
    finally:
        s1.close()
    s2 = open_store(pg_url)  # another replica sees the same index
    try:
        r = s2.repo(str(tree))
        assert r is not None and s2.counts(r).files == 6 and r.languages() == ["c"]
    finally:
        s2.close()


def test_the_store_failing_stops_the_run_with_the_reason(store, fake, tree, monkeypatch):
    def broken(*a, **k):
        raise __import__("sqlite3").OperationalError("disk I/O error")

    monkeypatch.setattr(store, "replace_files", broken)
    s = run(store, fake, tree)
    assert "graph store failed" in s.run.stopped and not s.run.complete and s.files_written == 0


async def parse_domain_send(files, timeout, options=None):
    """ParseBatch as a worker answers it (services.parse with include_facts), in this process."""
    from codeintel.kernel.source import prepare
    from codeintel.rpc.status import file_error
    from services.parse import domain, servicer

    def one(f):
        try:
            src = prepare(f.path, f.language, f.content)
            return servicer.result_pb(domain.parse_source(src, include_facts=True))
        except Exception as exc:
            return file_error(exc)

    outcomes = await asyncio.to_thread(lambda: [one(f) for f in files])
    results = [
        parse_pb2.ParseFileResult(result=o)
        if isinstance(o, parse_pb2.ParseResult)
        else parse_pb2.ParseFileResult(error=o)
        for o in outcomes
    ]
    return coordinator_pb2.CodeIntelServiceParseBatchResponse(
        results=results, info=coordinator_pb2.BatchInfo(cache=[coordinator_pb2.CACHE_STATUS_MISS] * len(files))
    )


def test_the_real_facts_extractor_in_process(store, tree):
    write(tree, "web/util.ts", "export function fmt(x: number): string { return String(x); }\n")
    write(tree, "web/main.ts", "import { fmt } from './util';\nexport const s = fmt(1);\n")
    write(tree, "broken.py", "def good():\n    pass\n\ndef bad(:\n")
    s = run(store, parse_domain_send, tree)
    assert s.run.complete and s.files_written == 10
    r = store.repo(str(tree))
    assert r.languages() == ["c"]
    got = files(store, tree)
    assert got["broken.py"][3] == 1 and got["web/main.ts"][:2] == ("web/main", "web/main")
    refs = set(
        r.fetch(
            "SELECT f.path, r.name, r.tmod, r.tname FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name = ?",
            ("helper",),
        )
    )
    assert ("app.py", "helper", "pkg.util", "helper") in refs
    assert ("pkg/util.py", "helper", "pkg.util", "helper") in refs  # Store.save calls it
    ts = r.fetch(
        "SELECT i.module, i.name, i.tmod FROM imports i JOIN files f ON f.id = i.file_id WHERE f.path = ?",
        ("web/main.ts",),
    )
    assert ("./util", "fmt", "web/util") in ts
    broken = r.fetch("SELECT d.name FROM defs d JOIN files f ON f.id = d.file_id WHERE f.path = ?", ("broken.py",))
    assert ("good",) in broken


def test_named_paths_keep_the_patterns_of_the_whole_root_run(store, fake, tree):
    write(tree, "vendor/lib.py", "def v():\n    pass\n")
    run(store, fake, tree, exclude=["vendor/"])
    assert "vendor/lib.py" not in files(store, tree)
    fake.reset()
    bump(tree, "vendor/lib.py", "def v2():\n    pass\n")
    s = run(store, fake, tree, paths=["vendor/lib.py"])  # e.g. from a watcher that knows no patterns
    assert fake.sent == [] and s.files_written == 0 and "vendor/lib.py" not in files(store, tree)
    s = run(store, fake, tree, paths=["vendor/lib.py"], exclude=["nothing/"])  # explicit patterns win
    assert fake.sent == ["vendor/lib.py"]


def test_a_named_package_marker_rekeys_the_files_below_it(store, fake, tree):
    run(store, fake, tree)
    fake.reset()
    write(tree, "scripts/__init__.py", "")
    s = run(store, fake, tree, paths=["scripts/__init__.py"])
    assert sorted(fake.sent) == ["scripts/__init__.py", "scripts/tool.py"] and s.files_written == 2
    assert files(store, tree)["scripts/tool.py"][0] == "scripts.tool"


def test_named_paths_leave_a_new_go_mod_and_rows_version_to_the_next_whole_run(store, fake, tmp_path, monkeypatch):
    root = tmp_path / "gorepo"
    write(root, "go.mod", "module example.com/x\n")
    write(root, "a/a.go", "package a\n")
    write(root, "b/b.go", "package b\n")
    run(store, fake, root)
    write(root, "go.mod", "module example.com/y\n")
    monkeypatch.setattr(indexer_mod, "rows_version", lambda: "schema-1/resolve-next")
    fake.reset()
    run(store, fake, root, paths=["a/a.go"])
    assert fake.sent == ["a/a.go"]
    fake.reset()
    run(store, fake, root)
    assert sorted(fake.sent) == ["a/a.go", "b/b.go"]
    assert store.repo(str(root)).go_module == "example.com/y"


def test_naming_the_root_is_a_whole_run(store, fake, tree):
    s = run(store, fake, tree, paths=["."])
    assert s.files_written == 7 and not store.repo(str(tree)).partial
