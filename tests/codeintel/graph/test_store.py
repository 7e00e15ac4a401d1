"""The graph store on SQLite files and on a real PostgreSQL database: schema, writes per file, reads
with '?' placeholders, completeness bookkeeping, run locks, schema versions, threads."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from codeintel.graph import FileWrite, SqliteStore, open_store
from codeintel.graph import store as store_mod
from codeintel.kernel import errors


def fw(path: str, *, defs=(), refs=(), imports=(), language="python", module="", facts=True, size=10, sha="h"):
    module = module or path.rsplit(".", 1)[0].replace("/", ".")
    return FileWrite(
        path=path,
        language=language,
        module=module,
        scope=module,
        size=size,
        mtime_ns=123,
        sha256=sha,
        facts=facts,
        defs=[
            (i, name, name.lower(), name, module, 1, -1, 1, "", 0, 0, 1, 0, 0, 5, 0, 4, 0, 7, 4, 7)
            for i, name in enumerate(defs)
        ],
        refs=[(name, 2, -1, "", module, name, 0, 2, 0, 2, 3, 20, 23) for name in refs],
        imports=[(module, m, 0, "", m, 0, -1, m, 0) for m in imports],
    )


def test_a_root_is_unknown_until_opened_and_nothing_is_created_by_looking(store, tmp_path):
    root = str(tmp_path / "repo")
    os.makedirs(root)
    assert store.repo(root) is None
    row = store.open_repo(root)
    assert row.root == os.path.realpath(root) and row.indexed_at == 0 and not row.partial
    again = store.repo(root)
    assert again is not None and again.id == row.id
    assert store.open_repo(root).id == row.id  # idempotent


def test_sqlite_looking_up_a_root_creates_no_file(tmp_path):
    s = SqliteStore(str(tmp_path / "dir"))
    assert s.repo(str(tmp_path)) is None
    assert not os.path.exists(tmp_path / "dir")
    s.close()


def test_replace_files_swaps_a_files_rows_and_reads_use_question_marks(store, tmp_path):
    repo = store.open_repo(str(tmp_path))
    store.replace_files(repo, [fw("a.py", defs=["f", "G"], refs=["f", "x"], imports=["os"]), fw("b.py", defs=["h"])])
    c = store.counts(repo)
    assert (c.files, c.definitions, c.references, c.imports) == (2, 3, 2, 1)
    rows = repo.fetch(
        "SELECT f.path, d.name, d.lname, d.nsb FROM defs d JOIN files f ON f.id = d.file_id "
        "WHERE d.repo_id = ? AND d.lname LIKE ? ORDER BY f.path, d.idx",
        (repo.id, "g%"),
    )
    assert rows == [("a.py", "G", "g", 4)]
    # a literal '%' and a quoted '?' survive the PostgreSQL translation
    assert repo.fetchone("SELECT '?%' || ?", ("x",)) == ("?%x",)

    store.replace_files(repo, [fw("a.py", defs=["only"], refs=[], sha="h2")])
    c = store.counts(repo)
    assert (c.files, c.definitions, c.references, c.imports) == (2, 2, 0, 0)
    assert sorted(r[0] for r in repo.fetch("SELECT name FROM defs WHERE repo_id = ?", (repo.id,))) == ["h", "only"]
    states = store.file_states(repo)
    assert states["a.py"].sha256 == "h2" and states["b.py"].size == 10 and states["a.py"].language == "python"

    store.touch_files(repo, [("b.py", 11, 999)])
    assert store.file_states(repo)["b.py"].mtime_ns == 999

    assert store.remove_files(repo, ["b.py", "never-there.py"]) == 1
    c = store.counts(repo)
    assert (c.files, c.definitions) == (1, 1)


def test_skips_and_languages_without_facts_are_recomputed_by_finish(store, tmp_path):
    repo = store.open_repo(str(tmp_path))
    store.replace_files(
        repo, [fw("a.py"), fw("m.c", language="c", facts=False), fw("r.rb", language="ruby", facts=False)]
    )
    store.record_skips(
        repo, [("big.py", "too large", "3 MB"), ("bin.py", "binary", ""), ("x.py", "too large", "")], clear_all=True
    )
    row = store.finish(repo, indexed_at=1700, partial=False, stopped="", go_module="", version="v")
    assert row.skipped() == {"too large": 2, "binary": 1}
    assert json.loads(row.skipped_json) == {"too large": 2, "binary": 1}
    assert row.languages() == ["c", "ruby"] and row.indexed_at == 1700 and row.version == "v"
    # a partial run clears what it looked at, and a written file is no longer a skip
    store.record_skips(repo, [], clear=["bin.py"])
    store.replace_files(repo, [fw("x.py")])
    row = store.finish(repo, indexed_at=1800, partial=True, stopped="deadline", go_module="m", version="v")
    assert row.skipped() == {"too large": 1}
    assert row.partial and row.stopped == "deadline" and row.go_module == "m"
    store.record_skips(repo, [("sub/a.py", "binary", ""), ("sub/b.py", "binary", "")])
    store.record_skips(repo, [], clear_under=["sub"])
    assert store.finish(repo, indexed_at=1, partial=False, stopped="", go_module="", version="").skipped() == {
        "too large": 1
    }


def test_rebuild_drops_every_row_of_the_root_only(store, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    r1, r2 = store.open_repo(str(one)), store.open_repo(str(two))
    store.replace_files(r1, [fw("a.py", defs=["f"])])
    store.replace_files(r2, [fw("a.py", defs=["g"])])
    store.finish(r1, indexed_at=5, partial=False, stopped="", go_module="", version="v")
    r1 = store.open_repo(str(one), rebuild=True)
    assert r1.indexed_at == 0 and r1.version == ""
    assert store.counts(r1).files == 0 and store.counts(r2).definitions == 1


def test_describe_names_the_place_without_credentials(pg_url, tmp_path):
    user_part, rest = pg_url.split("@", 1)
    with_password = f"{user_part}:s3cret@{rest}"
    s = open_store(with_password)
    try:
        assert s.describe() == "postgresql://127.0.0.1:5432/" + rest.rsplit("/", 1)[1]
        assert "s3cret" not in s.describe() and "postgres@" not in s.describe()
    finally:
        s.close()
    sq = open_store(f"sqlite:///{tmp_path}/d")  # four slashes: tolerated
    assert sq.describe(str(tmp_path)).startswith(f"sqlite:{tmp_path}/d/") and sq.describe(str(tmp_path)).endswith(
        ".sqlite"
    )
    sq.close()


def test_open_store_refuses_unknown_urls():
    with pytest.raises(errors.InvalidInput, match="unknown graph store"):
        open_store("mysql://x")
    with pytest.raises(errors.InvalidInput, match="names a directory"):
        open_store("sqlite://")


def test_default_store_lives_under_codeintel_graph_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CODEINTEL_GRAPH_DIR", str(tmp_path / "cache"))
    s = open_store()
    try:
        repo = s.open_repo(str(tmp_path))
        assert os.path.dirname(s.describe(str(tmp_path)).removeprefix("sqlite:")) == str(tmp_path / "cache")
        assert repo.id == 1
    finally:
        s.close()


def test_sqlite_keeps_one_file_per_root_and_routes_reads(tmp_path):
    s = SqliteStore(str(tmp_path / "d"))
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    r1, r2 = s.open_repo(str(one)), s.open_repo(str(two))
    s.replace_files(r1, [fw("a.py", defs=["in_one"])])
    s.replace_files(r2, [fw("a.py", defs=["in_two"])])
    assert s.path_for(str(one)) != s.path_for(str(two))
    assert r1.fetch("SELECT name FROM defs") == [("in_one",)]
    assert s.fetch("SELECT name FROM defs", root=str(two)) == [("in_two",)]
    with pytest.raises(ValueError, match="pass root="):
        s.fetch("SELECT 1")
    with pytest.raises(errors.FailedPrecondition, match="index it first"):
        s.fetch("SELECT 1", root=str(tmp_path / "never"))
    # the same root through a symbolic link is the same index
    os.symlink(one, tmp_path / "link")
    assert s.repo(str(tmp_path / "link")) == r1
    s.close()


def test_run_lock_is_exclusive_per_root_across_store_instances(store_url, tmp_path):
    a, b = open_store(store_url), open_store(store_url)  # two processes / replicas
    try:
        held = a.try_lock(str(tmp_path))
        assert held is not None
        assert b.try_lock(str(tmp_path)) is None
        assert a.try_lock(str(tmp_path)) is None
        other = b.try_lock(str(tmp_path / "elsewhere"))
        assert other is not None
        other.release()
        held.release()
        again = b.try_lock(str(tmp_path))
        assert again is not None
        again.release()
    finally:
        a.close()
        b.close()


def test_an_older_schema_is_rebuilt_with_a_note_and_a_newer_one_refused(store_url, tmp_path):
    s = open_store(store_url)
    repo = s.open_repo(str(tmp_path))
    s.replace_files(repo, [fw("a.py")])
    db = s._must(str(tmp_path))
    with db.transaction() as c:
        c.execute(db.sql("UPDATE graph_meta SET value = ? WHERE key = 'schema'"), (str(store_mod.SCHEMA_VERSION - 1),))
    s.close()

    s = open_store(store_url)
    try:
        assert s.repo(str(tmp_path)) is None  # dropped: index it again
        assert any("schema version" in n for n in s.notes)
        db = s._must(str(tmp_path))
        with db.transaction() as c:
            c.execute(
                db.sql("UPDATE graph_meta SET value = ? WHERE key = 'schema'"), (str(store_mod.SCHEMA_VERSION + 1),)
            )
    finally:
        s.close()
    with pytest.raises(errors.FailedPrecondition, match="newer than this codeintel"):
        s = open_store(store_url)
        s.open_repo(str(tmp_path))


def test_reads_from_many_threads_while_batches_are_written(store, tmp_path):
    repo = store.open_repo(str(tmp_path))
    stop = threading.Event()
    seen: list[int] = []

    def read() -> None:
        while not stop.is_set():
            n = repo.fetchone("SELECT COUNT(*) FROM defs WHERE repo_id = ?", (repo.id,))
            assert n is not None
            seen.append(int(n[0]) % 3)  # whole batches only: every file has three definitions

    def write(i: int) -> None:
        store.replace_files(repo, [fw(f"f{i}_{j}.py", defs=["a", "b", "c"]) for j in range(5)])

    with ThreadPoolExecutor(8) as pool:
        readers = [pool.submit(read) for _ in range(3)]
        list(pool.map(write, range(40)))
        stop.set()
        for r in readers:
            r.result()
    assert store.counts(repo).definitions == 600
    assert seen and set(seen) == {0}


def test_two_writers_of_one_postgresql_database_never_mix_a_files_rows(pg_url, tmp_path):
    a, b = open_store(pg_url), open_store(pg_url)
    try:
        ra, rb = a.open_repo(str(tmp_path)), b.open_repo(str(tmp_path))
        assert ra.id == rb.id

        def write(store, name: str) -> None:
            for i in range(20):
                store.replace_files(ra, [fw("same.py", defs=[f"{name}{i}", f"{name}{i}x"])])

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(write, (a, b), ("a", "b")))
        names = sorted(r[0] for r in a.fetch("SELECT name FROM defs WHERE repo_id = ?", (ra.id,)))
        assert len(names) == 2 and names[0][0] == names[1][0]  # one writer's whole file, not a mix
    finally:
        a.close()
        b.close()


def test_sqlite_store_file_uses_wal(tmp_path):
    s = SqliteStore(str(tmp_path / "d"))
    s.open_repo(str(tmp_path))
    path = s.path_for(str(tmp_path))
    s.close()
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _sqlite_indexes(path: str) -> set[str]:
    with sqlite3.connect(path) as c:
        return {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}


def test_a_bulk_load_of_an_empty_sqlite_index_builds_its_indexes_once_at_the_end(tmp_path):
    s = SqliteStore(str(tmp_path / "d"))
    repo = s.open_repo(str(tmp_path))
    path = s.path_for(str(tmp_path))
    full = _sqlite_indexes(path)
    assert set(store_mod._BULK_INDEXES) <= full
    with s.bulk(repo):
        assert not (set(store_mod._BULK_INDEXES) & _sqlite_indexes(path))
        s.replace_files(repo, [_new(fw("a.py", defs=["f"], refs=["f"]))])
    assert _sqlite_indexes(path) == full
    assert repo.fetch("SELECT name FROM defs WHERE repo_id = ? AND name = ?", (repo.id, "f")) == [("f",)]
    # not empty any more: a later load keeps its indexes
    with s.bulk(repo):
        assert _sqlite_indexes(path) == full
    s.close()


def _new(w: FileWrite) -> FileWrite:
    w.known = False
    return w


def test_indexes_dropped_by_a_process_that_died_mid_load_come_back_on_open(tmp_path):
    s = SqliteStore(str(tmp_path / "d"))
    repo = s.open_repo(str(tmp_path))
    path = s.path_for(str(tmp_path))
    full = _sqlite_indexes(path)
    s.close()
    with sqlite3.connect(path) as c:  # what a process killed during a bulk load leaves
        for name in store_mod._BULK_INDEXES:
            c.execute(f"DROP INDEX {name}")
    assert repo.id
    assert not (set(store_mod._BULK_INDEXES) & _sqlite_indexes(path))
    s = SqliteStore(str(tmp_path / "d"))
    assert s.repo(str(tmp_path)) is not None
    assert _sqlite_indexes(path) == full
    s.close()


def test_bulk_is_a_no_op_on_postgresql(pg_url, tmp_path):
    s = open_store(pg_url)
    try:
        repo = s.open_repo(str(tmp_path))
        with s.bulk(repo):
            s.replace_files(repo, [_new(fw("a.py", defs=["f"]))])
        names = {r[0] for r in s.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'refs'")}
        assert {"refs_name", "refs_file"} <= names
    finally:
        s.close()
