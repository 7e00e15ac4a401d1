"""Where repository graphs live: SQLite files (the default) or one PostgreSQL database.

`open_store(url)`:

- ``""`` -> SQLite, one file per repository root under ``$CODEINTEL_GRAPH_DIR`` or
  ``~/.cache/codeintel/graph``; ``sqlite:///abs/dir`` -> the same under that directory. The file
  name is a hash of the resolved root, so any process indexing or querying the same root finds the
  same file, and roots never share a file (dropping one is deleting a file).
- ``postgresql://...`` (or ``postgres://``) -> one database for every root (psycopg 3); the
  ``repo_id`` column separates roots. Tables are created if missing.

The schema is the same on both (see SCHEMA); code uses ``?`` placeholders, translated for
PostgreSQL. Reads: `Store.fetch` / `Store.fetchone` (or the same on the `RepoRow` that
`Store.repo(root)` returns, which routes to the right SQLite file), `Store.counts`. Writes are the
indexer's: `open_repo`, `replace_files` (each file's rows swapped in one transaction per batch),
`touch_files`, `remove_files`, `record_skips`, `finish`.

Thread-safety: every thread gets its own connection (callers run store calls through
asyncio.to_thread); writers in one process are serialised per database, and an index run holds
`try_lock(root)` -- a lock file for SQLite, a session advisory lock for PostgreSQL -- so two
processes (or two coordinator replicas) never index one root at the same time.

A store whose schema version is older than this code's is rebuilt empty (an index is derived data:
re-indexing restores it) and `notes` says so; a newer one is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from codeintel.kernel import errors

SCHEMA_VERSION = 4
_TABLES = ("skips", "vars", "imports", "refs", "defs", "files", "repos", "graph_meta")

# {pk}: an auto-assigned 64-bit row id. Everything else is spelled the same on both databases.
SCHEMA = """
CREATE TABLE IF NOT EXISTS graph_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repos (
    id {pk},
    root TEXT NOT NULL UNIQUE,
    indexed_at BIGINT NOT NULL DEFAULT 0,
    partial INTEGER NOT NULL DEFAULT 0,
    stopped TEXT NOT NULL DEFAULT '',
    skipped_json TEXT NOT NULL DEFAULT '{{}}',
    languages_without_facts TEXT NOT NULL DEFAULT '',
    go_module TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    patterns TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS files (
    id {pk},
    repo_id BIGINT NOT NULL,
    path TEXT NOT NULL,
    language TEXT NOT NULL,
    module TEXT NOT NULL,
    scope TEXT NOT NULL,
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    has_errors INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    refs_dropped INTEGER NOT NULL,
    package TEXT NOT NULL,
    facts INTEGER NOT NULL,
    ndefs INTEGER NOT NULL DEFAULT 0,
    nrefs INTEGER NOT NULL DEFAULT 0,
    nimports INTEGER NOT NULL DEFAULT 0,
    UNIQUE (repo_id, path)
);
CREATE INDEX IF NOT EXISTS files_module ON files (repo_id, module);
CREATE INDEX IF NOT EXISTS files_scope ON files (repo_id, scope);
CREATE TABLE IF NOT EXISTS defs (
    repo_id BIGINT NOT NULL, file_id BIGINT NOT NULL, idx INTEGER NOT NULL,
    name TEXT NOT NULL, lname TEXT NOT NULL, qname TEXT NOT NULL, scope TEXT NOT NULL, kind INTEGER NOT NULL,
    parent_idx INTEGER NOT NULL, exported INTEGER NOT NULL, bases TEXT NOT NULL,
    sl INTEGER, sc INTEGER, el INTEGER, ec INTEGER, sb INTEGER, eb INTEGER,
    nsl INTEGER, nsc INTEGER, nel INTEGER, nec INTEGER, nsb INTEGER, neb INTEGER,
    PRIMARY KEY (file_id, idx)
);
CREATE INDEX IF NOT EXISTS defs_name ON defs (repo_id, name);
CREATE INDEX IF NOT EXISTS defs_lname ON defs (repo_id, lname);
CREATE INDEX IF NOT EXISTS defs_scope ON defs (repo_id, scope, qname);
CREATE TABLE IF NOT EXISTS refs (
    repo_id BIGINT NOT NULL, file_id BIGINT NOT NULL,
    name TEXT NOT NULL, kind INTEGER NOT NULL, enclosing_idx INTEGER NOT NULL, receiver TEXT NOT NULL,
    tmod TEXT, tname TEXT, flags INTEGER NOT NULL,
    sl INTEGER, sc INTEGER, el INTEGER, ec INTEGER, sb INTEGER, eb INTEGER
);
CREATE INDEX IF NOT EXISTS refs_name ON refs (repo_id, name);
CREATE INDEX IF NOT EXISTS refs_file ON refs (file_id, enclosing_idx);
CREATE TABLE IF NOT EXISTS imports (
    repo_id BIGINT NOT NULL, file_id BIGINT NOT NULL, scope TEXT NOT NULL,
    module TEXT NOT NULL, level INTEGER NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL,
    is_export INTEGER NOT NULL, enclosing_idx INTEGER NOT NULL, tmod TEXT, line INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS imports_alias ON imports (repo_id, scope, alias);
CREATE INDEX IF NOT EXISTS imports_tmod ON imports (repo_id, tmod);
CREATE INDEX IF NOT EXISTS imports_file ON imports (file_id);
CREATE TABLE IF NOT EXISTS vars (
    repo_id BIGINT NOT NULL, file_id BIGINT NOT NULL, scope TEXT NOT NULL, name TEXT NOT NULL,
    tmod TEXT, tname TEXT, flags INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS vars_name ON vars (repo_id, scope, name);
CREATE INDEX IF NOT EXISTS vars_file ON vars (file_id);
CREATE TABLE IF NOT EXISTS skips (
    repo_id BIGINT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
    PRIMARY KEY (repo_id, path)
);
"""

FILE_COLUMNS = (
    "repo_id, path, language, module, scope, size, mtime_ns, sha256, has_errors, truncated, refs_dropped, "
    "package, facts, ndefs, nrefs, nimports"
)
DEF_COLUMNS = (
    "repo_id, file_id, idx, name, lname, qname, scope, kind, parent_idx, exported, bases, "
    "sl, sc, el, ec, sb, eb, nsl, nsc, nel, nec, nsb, neb"
)
REF_COLUMNS = "repo_id, file_id, name, kind, enclosing_idx, receiver, tmod, tname, flags, sl, sc, el, ec, sb, eb"
IMPORT_COLUMNS = "repo_id, file_id, scope, module, level, name, alias, is_export, enclosing_idx, tmod, line"
VAR_COLUMNS = "repo_id, file_id, scope, name, tmod, tname, flags"
_REPO_COLUMNS = (
    "id, root, indexed_at, partial, stopped, skipped_json, languages_without_facts, go_module, version, patterns"
)

_CHUNK = 500  # ids per `IN (...)` list
CACHE_KIB = 16 * 1024  # SQLite page cache per connection (KiB)


def default_dir() -> str:
    return os.environ.get("CODEINTEL_GRAPH_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "codeintel", "graph"
    )


def _root_key(root: str) -> str:
    return hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class RepoRow:
    """One indexed root. `fetch` / `fetchone` run on the database that holds it."""

    id: int
    root: str
    indexed_at: int  # Unix seconds of the last finished run; 0: none finished yet
    partial: bool
    stopped: str
    skipped_json: str  # {"too large": 3, ...}
    languages_without_facts: str  # comma separated
    go_module: str = ""  # the root go.mod's module path when the last run looked
    version: str = ""  # what wrote the rows (schema and resolver versions): a change re-indexes every file
    patterns: str = ""  # {"include": [...], "exclude": [...]} of the last whole-root run
    store: Store | None = field(default=None, repr=False, compare=False)

    def skipped(self) -> dict[str, int]:
        try:
            data = json.loads(self.skipped_json or "{}")
        except ValueError:
            return {}
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def languages(self) -> list[str]:
        return [x for x in self.languages_without_facts.split(",") if x]

    def include_exclude(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The include and exclude patterns of the last whole-root run."""
        try:
            data = json.loads(self.patterns or "{}")
        except ValueError:
            return (), ()
        if not isinstance(data, dict):
            return (), ()
        return tuple(map(str, data.get("include") or ())), tuple(map(str, data.get("exclude") or ()))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        assert self.store is not None
        return self.store.fetch(sql, params, root=self.root)

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        assert self.store is not None
        return self.store.fetchone(sql, params, root=self.root)


RepoHandle = RepoRow


@dataclass(frozen=True, slots=True)
class FileState:
    """What the index remembers of a file to tell whether it changed."""

    id: int
    size: int
    mtime_ns: int
    sha256: str
    module: str
    scope: str
    language: str


@dataclass(slots=True)
class FileWrite:
    """One file's rows, without repo_id and file_id (the store adds them).

    defs: (idx, name, lname, qname, scope, kind, parent_idx, exported, bases, sl..eb, nsl..neb)
    refs: (name, kind, enclosing_idx, receiver, tmod, tname, flags, sl, sc, el, ec, sb, eb)
    imports: (scope, module, level, name, alias, is_export, enclosing_idx, tmod, line)
    vars: (scope, name, tmod, tname, flags): a module-level variable with a type hint and where its
        type leads (a symbolic target, as refs have), so ``mod.var.attr`` resolves from other files
    """

    path: str
    language: str
    module: str
    scope: str
    size: int
    mtime_ns: int
    sha256: str
    has_errors: bool = False
    truncated: bool = False
    refs_dropped: int = 0
    package: str = ""
    facts: bool = True
    known: bool = True  # the index may hold rows of this path: delete them first (False: a new file)
    defs: list[tuple] = field(default_factory=list)
    refs: list[tuple] = field(default_factory=list)
    imports: list[tuple] = field(default_factory=list)
    vars: list[tuple] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Counts:
    files: int
    definitions: int
    references: int
    imports: int


# --------------------------------------------------------------------------- databases


class _Db:
    """One database (a SQLite file or the PostgreSQL database): a connection per thread."""

    kind = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()
        self.write_lock = threading.Lock()  # one writer per process: SQLite would otherwise spin on busy
        self.closed = False

    def _connect(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def conn(self) -> Any:
        if self.closed:
            raise errors.Unavailable("the graph store is closed")
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._connect()
            self._local.conn = c
            with self._all_lock:
                self._all.append(c)
        return c

    def sql(self, text: str) -> str:
        return text

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cur = self.conn().execute(self.sql(sql), tuple(params))
        return [tuple(r) for r in cur.fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        row = self.conn().execute(self.sql(sql), tuple(params)).fetchone()
        return None if row is None else tuple(row)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def insert_many(self, conn: Any, table: str, columns: str, rows: Sequence[tuple]) -> None:
        marks = ", ".join("?" * (columns.count(",") + 1))
        conn.executemany(self.sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), rows)

    def close(self) -> None:
        self.closed = True
        with self._all_lock:
            conns, self._all = self._all, []
        for c in conns:
            with contextlib.suppress(Exception):
                c.close()


class _SqliteDb(_Db):
    kind = "sqlite"

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False only so that close() may close every thread's connection; each
        # connection is still used by the thread that opened it.
        c = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode = WAL",  # readers never wait for the indexer's writes
            "synchronous = NORMAL",  # durable at checkpoints: an index is rebuilt after a crash, not lost data
            # Memory stays bounded however large the repository (issue 15: <= 1 GB per process at
            # 50k files): every thread has its own connection, so each gets a modest page cache; no
            # memory map (its pages count as the process's); temporary B-trees and the sorts of an
            # index build spill to files instead of growing in memory.
            "temp_store = FILE",
            f"cache_size = -{CACHE_KIB}",
            "mmap_size = 0",
            "busy_timeout = 30000",
        ):
            c.execute("PRAGMA " + pragma)
        return c

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        c = self.conn()
        with self.write_lock:
            c.execute("BEGIN IMMEDIATE")  # the write lock up front: no deadlock upgrading a read
            try:
                yield c
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")


@functools.lru_cache(maxsize=1024)
def _pg_sql(text: str) -> str:
    """'?' placeholders -> '%s' outside string literals; literal '%' doubled (psycopg's escape)."""
    out = []
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
            out.append(ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


class _PgDb(_Db):
    kind = "postgresql"

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise errors.Unavailable(f"the graph store {describe_url(self.url)} is unreachable: {exc}") from None

    def sql(self, text: str) -> str:
        return _pg_sql(text)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.conn().cursor() as cur:
            cur.execute(self.sql(sql), tuple(params))
            return list(cur.fetchall()) if cur.description is not None else []

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        with self.conn().cursor() as cur:
            cur.execute(self.sql(sql), tuple(params))
            return cur.fetchone() if cur.description is not None else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        c = self.conn()
        with self.write_lock, c.transaction(), c.cursor() as cur:
            yield cur

    def insert_many(self, conn: Any, table: str, columns: str, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        # COPY is several times faster than row-by-row INSERTs for the bulk of an index.
        with conn.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def describe_url(url: str) -> str:
    """A PostgreSQL address without user or password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:
        return "postgresql://?"
    host = str(info.get("host") or "localhost")
    port = str(info.get("port") or "5432")
    return f"postgresql://{host}:{port}/{info.get('dbname') or ''}"


# --------------------------------------------------------------------------- the store


class RunLock:
    """Held by one index run of a root; `release` (or leaving the `with`) frees it."""

    def __init__(self, release: Any):
        self._release = release

    def release(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Store:
    """The graph store (see the module docstring). Subclasses: SqliteStore, PostgresStore."""

    kind = ""

    def __init__(self) -> None:
        self.notes: list[str] = []  # e.g. an index of an older schema was dropped

    # -- routing (a database per root for SQLite, one for PostgreSQL)
    def _db(self, root: str, *, create: bool) -> _Db | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _db_for_read(self, root: str | None) -> _Db:  # pragma: no cover - abstract
        raise NotImplementedError

    def _must(self, root: str) -> _Db:
        db = self._db(root, create=True)
        assert db is not None
        return db

    def describe(self, root: str | None = None) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- reads
    def fetch(self, sql: str, params: Sequence[Any] = (), *, root: str | None = None) -> list[tuple]:
        """Rows of a query with '?' placeholders. `root` picks the SQLite file (see RepoRow.fetch)."""
        return self._db_for_read(root).fetch(sql, params)

    def fetchone(self, sql: str, params: Sequence[Any] = (), *, root: str | None = None) -> tuple | None:
        return self._db_for_read(root).fetchone(sql, params)

    def repo(self, root: str) -> RepoRow | None:
        """The indexed root, or None when it was never indexed here (nothing is created)."""
        real = os.path.realpath(root)
        db = self._db(real, create=False)
        if db is None:
            return None
        row = db.fetchone(f"SELECT {_REPO_COLUMNS} FROM repos WHERE root = ?", (real,))
        return None if row is None else self._repo_row(row)

    def _repo_row(self, row: tuple) -> RepoRow:
        return RepoRow(
            int(row[0]), row[1], int(row[2]), bool(row[3]), row[4], row[5], row[6], row[7], row[8], row[9], store=self
        )

    def counts(self, repo: RepoRow) -> Counts:
        """Sizes of the root's index, from per-file counts (counting millions of reference rows
        would cost more than the re-index of one file it reports on)."""
        row = self._must(repo.root).fetchone(
            "SELECT COUNT(*), SUM(ndefs), SUM(nrefs), SUM(nimports) FROM files WHERE repo_id = ?", (repo.id,)
        )
        return Counts(*(int(v or 0) for v in (row or (0, 0, 0, 0))))

    def file_states(
        self, repo: RepoRow, *, paths: Sequence[str] | None = None, under: Sequence[str] = ()
    ) -> dict[str, FileState]:
        """What the index remembers of its files: all of them, or (`paths` given) those paths and
        the files below the directories `under`."""
        db = self._must(repo.root)
        sql = "SELECT path, id, size, mtime_ns, sha256, module, scope, language FROM files WHERE repo_id = ?"
        if paths is None:
            rows = db.fetch(sql, (repo.id,))
        else:
            rows = []
            for i in range(0, len(paths), _CHUNK):
                chunk = list(paths[i : i + _CHUNK])
                rows += db.fetch(f"{sql} AND path IN ({', '.join('?' * len(chunk))})", (repo.id, *chunk))
            for d in under:
                prefix = d.rstrip("/") + "/"
                if db.kind == "sqlite":
                    # A range on (repo_id, path) the UNIQUE index serves (byte order: '/' + 1 is '0').
                    rows += db.fetch(f"{sql} AND path >= ? AND path < ?", (repo.id, prefix, prefix[:-1] + "0"))
                else:  # a database collation need not order by bytes
                    rows += db.fetch(f"{sql} AND substr(path, 1, ?) = ?", (repo.id, len(prefix), prefix))
        return {r[0]: FileState(int(r[1]), int(r[2]), int(r[3]), r[4], r[5], r[6], r[7]) for r in rows}

    # -- writes (the indexer's)
    def try_lock(self, root: str) -> RunLock | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def open_repo(self, root: str, *, rebuild: bool = False) -> RepoRow:
        """The row of `root`, created if missing; `rebuild` drops everything indexed under it first."""
        real = os.path.realpath(root)
        db = self._must(real)
        with db.transaction() as c:
            c.execute(db.sql("INSERT INTO repos (root) VALUES (?) ON CONFLICT (root) DO NOTHING"), (real,))
            row = c.execute(db.sql(f"SELECT {_REPO_COLUMNS} FROM repos WHERE root = ?"), (real,)).fetchone()
            repo = self._repo_row(tuple(row))
            if rebuild:
                for table in ("defs", "refs", "imports", "vars", "files", "skips"):
                    c.execute(db.sql(f"DELETE FROM {table} WHERE repo_id = ?"), (repo.id,))
                c.execute(
                    db.sql(
                        "UPDATE repos SET indexed_at = 0, partial = 0, stopped = '', skipped_json = '{}', "
                        "languages_without_facts = '', version = '' WHERE id = ?"
                    ),
                    (repo.id,),
                )
                row = c.execute(db.sql(f"SELECT {_REPO_COLUMNS} FROM repos WHERE id = ?"), (repo.id,)).fetchone()
                repo = self._repo_row(tuple(row))
        return repo

    def replace_files(self, repo: RepoRow, writes: Sequence[FileWrite]) -> None:
        """Swap the rows of these files for new ones, all in one transaction."""
        if not writes:
            return
        db = self._must(repo.root)
        rid = repo.id
        upsert = db.sql(
            f"INSERT INTO files ({FILE_COLUMNS}) VALUES ({', '.join('?' * 16)}) "
            "ON CONFLICT (repo_id, path) DO UPDATE SET language = excluded.language, module = excluded.module, "
            "scope = excluded.scope, size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, "
            "has_errors = excluded.has_errors, truncated = excluded.truncated, "
            "refs_dropped = excluded.refs_dropped, package = excluded.package, facts = excluded.facts, "
            "ndefs = excluded.ndefs, nrefs = excluded.nrefs, nimports = excluded.nimports RETURNING id"
        )
        with db.transaction() as c:
            ids: list[int] = []
            for w in writes:
                row = c.execute(
                    upsert,
                    (
                        rid,
                        w.path,
                        w.language,
                        w.module,
                        w.scope,
                        w.size,
                        w.mtime_ns,
                        w.sha256,
                        int(w.has_errors),
                        int(w.truncated),
                        w.refs_dropped,
                        w.package,
                        int(w.facts),
                        len(w.defs),
                        len(w.refs),
                        len(w.imports),
                    ),
                ).fetchone()
                ids.append(int(row[0]))
            # New files have no rows to delete: skipping the look-ups matters when a bulk load has
            # dropped the file_id indexes.
            self._delete_rows(db, c, [i for i, w in zip(ids, writes, strict=True) if w.known])
            _delete_in(db, c, "DELETE FROM skips WHERE repo_id = ? AND path IN ({})", [w.path for w in writes], rid)
            defs: list[tuple] = []
            refs: list[tuple] = []
            imports: list[tuple] = []
            variables: list[tuple] = []
            for fid, w in zip(ids, writes, strict=True):
                head = (rid, fid)
                defs.extend([head + r for r in w.defs])
                refs.extend([head + r for r in w.refs])
                imports.extend([head + r for r in w.imports])
                variables.extend([head + r for r in w.vars])
            db.insert_many(c, "defs", DEF_COLUMNS, defs)
            db.insert_many(c, "refs", REF_COLUMNS, refs)
            db.insert_many(c, "imports", IMPORT_COLUMNS, imports)
            if variables:
                db.insert_many(c, "vars", VAR_COLUMNS, variables)

    @staticmethod
    def _delete_rows(db: _Db, c: Any, ids: list[int]) -> None:
        for table in ("defs", "refs", "imports", "vars"):
            _delete_in(db, c, f"DELETE FROM {table} WHERE file_id IN ({{}})", ids)

    def touch_files(self, repo: RepoRow, stats: Sequence[tuple[str, int, int]]) -> None:
        """Record a new (size, mtime_ns) for files whose content hash did not change: (path, size, mtime_ns)."""
        if not stats:
            return
        db = self._must(repo.root)
        with db.transaction() as c:
            c.executemany(
                db.sql("UPDATE files SET size = ?, mtime_ns = ? WHERE repo_id = ? AND path = ?"),
                [(size, mtime, repo.id, path) for path, size, mtime in stats],
            )

    def remove_files(self, repo: RepoRow, paths: Iterable[str]) -> int:
        """Drop these files and their rows; the number of files that were in the index."""
        paths = list(paths)
        if not paths:
            return 0
        db = self._must(repo.root)
        removed = 0
        with db.transaction() as c:
            for i in range(0, len(paths), _CHUNK):
                chunk = paths[i : i + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = c.execute(
                    db.sql(f"SELECT id FROM files WHERE repo_id = ? AND path IN ({marks})"), (repo.id, *chunk)
                ).fetchall()
                ids = [int(r[0]) for r in rows]
                self._delete_rows(db, c, ids)
                _delete_in(db, c, "DELETE FROM files WHERE id IN ({})", ids)
                removed += len(ids)
        return removed

    def record_skips(
        self,
        repo: RepoRow,
        skips: Sequence[tuple[str, str, str]],
        *,
        clear_all: bool = False,
        clear: Iterable[str] = (),
        clear_under: Iterable[str] = (),
    ) -> None:
        """Remember why files were left out: (path, reason, detail). `clear_all` forgets every earlier
        skip of the root (a full walk); `clear` forgets those of the named paths and `clear_under`
        those below the named directories (a partial run)."""
        db = self._must(repo.root)
        with db.transaction() as c:
            if clear_all:
                c.execute(db.sql("DELETE FROM skips WHERE repo_id = ?"), (repo.id,))
            else:
                _delete_in(db, c, "DELETE FROM skips WHERE repo_id = ? AND path IN ({})", list(clear), repo.id)
                for d in clear_under:
                    prefix = d.rstrip("/") + "/"
                    c.execute(
                        db.sql("DELETE FROM skips WHERE repo_id = ? AND substr(path, 1, ?) = ?"),
                        (repo.id, len(prefix), prefix),
                    )
            if skips:
                unique = {p: (repo.id, p, r, d) for p, r, d in skips}
                _delete_in(db, c, "DELETE FROM skips WHERE repo_id = ? AND path IN ({})", list(unique), repo.id)
                db.insert_many(c, "skips", "repo_id, path, reason, detail", list(unique.values()))

    def finish(
        self,
        repo: RepoRow,
        *,
        indexed_at: int,
        partial: bool,
        stopped: str,
        go_module: str,
        version: str,
        patterns: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> RepoRow:
        """Close a run: the repo row's completeness (skips by reason and languages without facts are
        recomputed from the index, so partial runs keep them right); `patterns` (include, exclude)
        of a whole-root run, kept for later runs of named paths."""
        db = self._must(repo.root)
        with db.transaction() as c:
            rows = c.execute(
                db.sql("SELECT reason, COUNT(*) FROM skips WHERE repo_id = ? GROUP BY reason"), (repo.id,)
            ).fetchall()
            skipped = dict(sorted(((r[0], int(r[1])) for r in rows), key=lambda kv: (-kv[1], kv[0])))
            langs = c.execute(
                db.sql("SELECT DISTINCT language FROM files WHERE repo_id = ? AND facts = 0 ORDER BY language"),
                (repo.id,),
            ).fetchall()
            c.execute(
                db.sql(
                    "UPDATE repos SET indexed_at = ?, partial = ?, stopped = ?, skipped_json = ?, "
                    "languages_without_facts = ?, go_module = ?, version = ?, patterns = ? WHERE id = ?"
                ),
                (
                    indexed_at,
                    int(partial),
                    stopped,
                    json.dumps(skipped, separators=(",", ":")),
                    ",".join(r[0] for r in langs),
                    go_module,
                    version,
                    repo.patterns
                    if patterns is None
                    else json.dumps({"include": list(patterns[0]), "exclude": list(patterns[1])}),
                    repo.id,
                ),
            )
            row = c.execute(db.sql(f"SELECT {_REPO_COLUMNS} FROM repos WHERE id = ?"), (repo.id,)).fetchone()
        return self._repo_row(tuple(row))

    @contextlib.contextmanager
    def bulk(self, repo: RepoRow) -> Iterator[None]:
        """Loading a root whose index is empty: where the database is the root's own (SQLite), its
        secondary indexes are dropped for the load and built once at the end (several times faster
        than maintaining them row by row). Elsewhere nothing changes."""
        yield

    def mark_stopped(self, repo: RepoRow, stopped: str) -> None:
        """A run that ended without finishing (cancelled, failed): the index is partial."""
        db = self._must(repo.root)
        with db.transaction() as c:
            c.execute(db.sql("UPDATE repos SET partial = 1, stopped = ? WHERE id = ?"), (stopped, repo.id))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _delete_in(db: _Db, c: Any, template: str, values: list, *head: Any) -> None:
    for i in range(0, len(values), _CHUNK):
        chunk = values[i : i + _CHUNK]
        c.execute(db.sql(template.format(", ".join("?" * len(chunk)))), (*head, *chunk))


def _ddl(pk: str) -> list[str]:
    return [s.strip() for s in SCHEMA.format(pk=pk).split(";") if s.strip()]


def _index_ddl() -> list[str]:
    return [s for s in _ddl("") if s.startswith("CREATE INDEX")]


# Secondary indexes of the big tables: dropped during a bulk load of a SQLite file.
_BULK_INDEXES = tuple(s.split()[5] for s in _index_ddl() if s.split()[7] in ("defs", "refs", "imports", "vars"))


def _schema_version(fetchone: Any) -> int | None:
    try:
        row = fetchone("SELECT value FROM graph_meta WHERE key = 'schema'")
    except Exception:
        return None
    return None if row is None else int(row[0])


def _newer(where: str, found: int) -> errors.FailedPrecondition:
    return errors.FailedPrecondition(
        f"the graph store {where} has schema version {found}, newer than this codeintel's ({SCHEMA_VERSION}): "
        "upgrade codeintel, or point it at another store"
    )


class SqliteStore(Store):
    """One SQLite file per repository root under `directory`."""

    kind = "sqlite"

    def __init__(self, directory: str):
        super().__init__()
        self.directory = os.path.abspath(directory)
        self._dbs: dict[str, _SqliteDb] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}  # flock is per open file: the same process needs its own

    def path_for(self, root: str) -> str:
        return os.path.join(self.directory, _root_key(root)[:32] + ".sqlite")

    def describe(self, root: str | None = None) -> str:
        return "sqlite:" + (self.path_for(root) if root else self.directory)

    def _db(self, root: str, *, create: bool) -> _Db | None:
        real = os.path.realpath(root)
        with self._lock:
            db = self._dbs.get(real)
            if db is not None:
                return db
            path = self.path_for(real)
            if not create and not os.path.exists(path):
                return None
            os.makedirs(self.directory, exist_ok=True)
            db = _SqliteDb(path)
            self._init(db)
            self._dbs[real] = db
            return db

    def _init(self, db: _SqliteDb) -> None:
        if _schema_version(db.fetchone) == SCHEMA_VERSION:
            # A process that died during a bulk load left the indexes dropped: put them back.
            if db.fetchone(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                f"({', '.join('?' * len(_BULK_INDEXES))})",
                _BULK_INDEXES,
            ) != (len(_BULK_INDEXES),):
                with db.transaction() as t:
                    for stmt in _index_ddl():
                        t.execute(stmt)
            return
        with db.transaction() as t:
            found = _schema_version(db.fetchone)  # again under the write lock: another process may have done it
            if found == SCHEMA_VERSION:
                return
            if found is not None and found > SCHEMA_VERSION:
                raise _newer(db.path, found)
            if found is not None:
                for table in _TABLES:
                    t.execute(f"DROP TABLE IF EXISTS {table}")
                self.notes.append(
                    f"the index in {db.path} had schema version {found} (this codeintel writes {SCHEMA_VERSION}); "
                    "it was dropped: index the repository again"
                )
            for stmt in _ddl("INTEGER PRIMARY KEY"):
                t.execute(stmt)
            t.execute("INSERT OR REPLACE INTO graph_meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))

    @contextlib.contextmanager
    def bulk(self, repo: RepoRow) -> Iterator[None]:
        db = self._must(repo.root)
        if self.counts(repo).files:
            yield
            return
        with db.transaction() as c:
            for name in _BULK_INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            yield
        finally:
            with db.transaction() as c:
                for stmt in _index_ddl():
                    c.execute(stmt)
            # Table statistics for the query planner (several indexes could serve one look-up);
            # a sample is enough and keeps this fast.
            c = db.conn()
            c.execute("PRAGMA analysis_limit = 1000")
            c.execute("ANALYZE")

    def _db_for_read(self, root: str | None) -> _Db:
        if root is not None:
            db = self._db(root, create=False)
            if db is None:
                raise errors.FailedPrecondition(
                    f"{root} is not indexed: index it first: codeintel index ROOT / the index_repository tool"
                )
            return db
        with self._lock:
            if len(self._dbs) == 1:
                return next(iter(self._dbs.values()))
        raise ValueError("a SQLite graph store keeps one file per root: pass root= (or use RepoRow.fetch)")

    def try_lock(self, root: str) -> RunLock | None:
        real = os.path.realpath(root)
        os.makedirs(self.directory, exist_ok=True)
        with self._lock:
            local = self._locks.setdefault(real, threading.Lock())
        if not local.acquire(blocking=False):
            return None
        fd = os.open(self.path_for(real) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            local.release()
            return None

        def release() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
                local.release()

        return RunLock(release)

    def close(self) -> None:
        with self._lock:
            dbs, self._dbs = list(self._dbs.values()), {}
        for db in dbs:
            db.close()


class PostgresStore(Store):
    """One PostgreSQL database for every root (psycopg 3)."""

    kind = "postgresql"

    # pg_advisory_xact_lock key serialising schema changes between replicas ("codeintel graph").
    _SCHEMA_LOCK = 0x636F6465_67726170

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.db = _PgDb(url)
        self._init()

    def describe(self, root: str | None = None) -> str:
        return describe_url(self.url)

    def _init(self) -> None:
        db = self.db
        with db.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._SCHEMA_LOCK,))
            cur.execute("SELECT to_regclass('graph_meta')")
            row = cur.fetchone()
            found = None
            if row is not None and row[0] is not None:
                cur.execute("SELECT value FROM graph_meta WHERE key = 'schema'")
                v = cur.fetchone()
                found = None if v is None else int(v[0])
            if found == SCHEMA_VERSION:
                return
            if found is not None and found > SCHEMA_VERSION:
                raise _newer(self.describe(), found)
            if found is not None:
                for table in _TABLES:
                    cur.execute(f"DROP TABLE IF EXISTS {table}")
                self.notes.append(
                    f"the graph store {self.describe()} had schema version {found} (this codeintel writes "
                    f"{SCHEMA_VERSION}); its indexes were dropped: index the repositories again"
                )
            for stmt in _ddl("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"):
                cur.execute(stmt)
            cur.execute(
                "INSERT INTO graph_meta (key, value) VALUES ('schema', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )

    def _db(self, root: str, *, create: bool) -> _Db | None:
        return self.db

    def _db_for_read(self, root: str | None) -> _Db:
        return self.db

    def try_lock(self, root: str) -> RunLock | None:
        import psycopg

        key = int.from_bytes(bytes.fromhex(_root_key(root)[:16]), "big", signed=True)
        # A connection of its own: the session lock lives as long as it, and is freed if the process dies.
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        except BaseException:
            conn.close()
            raise
        if not (row and row[0]):
            conn.close()
            return None
        return RunLock(conn.close)

    def close(self) -> None:
        self.db.close()


_SQLITE_URL = re.compile(r"^sqlite://(/.*)?$")


def open_store(url: str = "") -> Store:
    """The store at `url` (see the module docstring). Raises InvalidInput for an unknown scheme,
    Unavailable when PostgreSQL cannot be reached, FailedPrecondition for a newer schema."""
    if not url:
        return SqliteStore(default_dir())
    m = _SQLITE_URL.match(url)
    if m:
        if not m.group(1) or m.group(1) == "/":
            raise errors.InvalidInput("a sqlite:/// graph store URL names a directory: sqlite:///abs/dir")
        return SqliteStore("/" + m.group(1).lstrip("/"))  # sqlite:////abs/dir too
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise errors.InvalidInput(
        f"unknown graph store {url.split('://')[0]!r}: use sqlite:///DIR or postgresql://USER@HOST/DB"
    )
