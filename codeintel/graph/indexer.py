"""Indexing a repository into the graph store: walk, compare, send what changed, write per batch.

`Indexer.run(root, ...)`:

1. waits for the root's run lock (another process indexing the same root finishes first);
2. walks the root (codeintel.repo.walk: .gitignore, default excludes, globs), or with `paths`
   looks only at the named files and directories;
3. compares every file with what the index remembers: the same (size, mtime_ns) and module key ->
   unchanged, nothing read; a changed stat -> the content is hashed (sha256) and only a changed hash
   (or module key) sends it again;
4. sends the changed and new files through the caller's `send` (codeintel.repo.Runner: batches,
   several in flight, the deadline), each batch's rows written as soon as it comes back, in a worker
   thread, one transaction per batch: memory holds a batch, never the repository;
5. drops files that are gone (deleted, now excluded or skipped, beyond the file limit) and records
   why files were left out, then the repo row's completeness.

Files that parse with errors still contribute (has_errors=1). Languages without facts are stored
as files without rows and named in the repo row. Data and markup languages (JSON, YAML, ...) are
not sent: they define nothing code refers to.

A run of named paths (a watcher's changes) uses the include/exclude patterns of the last whole-root
run unless given its own; a named ``__init__.py`` brings its directory along (module keys below it
change). What such a run cannot see -- a new go.mod, rows written by another codeintel version, a
changed .gitignore -- waits for the next whole-root run, which re-sends what it affects. A cold
index of an empty SQLite file loads without its secondary indexes and builds them at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import os
import posixpath
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from codeintel import repo
from codeintel.graph import resolve
from codeintel.graph.modules import module_key, read_go_module
from codeintel.graph.store import SCHEMA_VERSION, FileState, FileWrite, RepoRow, Store
from codeintel.kernel import errors, vocab
from codeintel.repo.walk import Entry, Skip, WalkResult
from codeintel.v1 import graph_pb2, parse_pb2

log = logging.getLogger("codeintel.graph.indexer")

IndexLimits = repo.RunLimits
DEFAULT_MAX_FILES = 100_000
# Languages with a grammar but nothing a graph links to: not sent, skipped as unsupported.
DATA_LANGUAGES = frozenset({"json", "yaml", "toml", "markdown", "xml", "html", "css"})
_CHECK_EVERY = 256  # files compared between deadline checks
_LOCK_POLL_S = 0.1

OnSkipped = Callable[[list[Skip]], Any]  # sync, or async (awaited)


def rows_version() -> str:
    """What the stored rows depend on besides the files: a change re-indexes every file."""
    return f"schema-{SCHEMA_VERSION}/resolve-{getattr(resolve, 'VERSION', '0')}"


class GraphAggregator(repo.Aggregator):
    """Counts for the run's summary only (rows go to the store): definitions by kind, errors."""

    operation = "index"

    def __init__(self) -> None:
        super().__init__()
        self.by_kind: Counter[int] = Counter()
        self.with_errors = 0
        self.without_facts: Counter[str] = Counter()
        self.references = 0
        self.imports = 0

    def _add(self, path: str, r: Any) -> None:
        self.with_errors += bool(r.has_errors)
        f = r.facts
        if not f.supported:
            self.without_facts[r.language] += 1
            return
        self.by_kind.update(d.kind for d in f.definitions)
        self.references += len(f.references)
        self.imports += len(f.imports)

    def summary(self) -> dict:
        kinds = Counter({vocab.enum_name(parse_pb2.SymbolKind, k, "SYMBOL_KIND_"): n for k, n in self.by_kind.items()})
        return {
            "total_symbols": sum(kinds.values()),
            "symbols_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
            "files_with_syntax_errors": self.with_errors,
            "files_without_symbol_support": sum(self.without_facts.values()),
            "references_written": self.references,
            "imports_written": self.imports,
            "languages_without_facts": dict(sorted(self.without_facts.items())),
        }


class _Plan:
    """The outcome of comparing the walk with the index."""

    def __init__(self) -> None:
        self.send: list[Entry] = []
        self.keys: dict[str, tuple[str, str, int, int, bool]] = {}  # to send: (module, scope, size, mtime_ns, known)
        self.unchanged = 0
        self.touched: list[tuple[str, int, int]] = []  # same hash, new stat
        self.skipped: list[Skip] = []
        self.out_of_time = False


class Indexer:
    """Indexes repositories into `store` with facts from `send` (see the module docstring).

    `send(files, timeout, options=None)` is codeintel.repo.Send answering ParseBatch-shaped responses
    made with ParseOptions(include_facts=True); `deadline` is on time.monotonic; `progress(done,
    total)` is awaited after each batch (unchanged files count as done); `on_skipped(skips)` (sync or
    async) hears skipped files as they come.
    """

    def __init__(
        self,
        store: Store,
        send: repo.Send,
        *,
        limits: repo.RunLimits | None = None,
        deadline: float | None = None,
        progress: repo.Progress | None = None,
        on_skipped: OnSkipped | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.send = send
        self.limits = limits or IndexLimits()
        self.deadline = deadline
        self.progress = progress
        self.on_skipped = on_skipped
        self.clock = clock

    def _left(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    async def run(
        self,
        root: str,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        paths: Sequence[str] = (),
        max_files: int = 0,
        rebuild: bool = False,
        *,
        gitignore_stop: str | None = None,
    ) -> graph_pb2.IndexSummary:
        """Index `root` (see the module docstring). `paths` (relative to the root) limits the run to
        those files and directories; `gitignore_stop` is the highest directory whose .gitignore
        applies (default: the root). Raises NotFound / InvalidInput for a bad root, Unavailable
        when another run holds the root past the deadline."""
        real = os.path.realpath(root)
        if not os.path.exists(real):
            raise errors.NotFound(f"{root!r} does not exist")
        if not os.path.isdir(real):
            raise errors.InvalidInput(f"{root!r} is not a directory")
        lock = await self._lock(real)
        try:
            return await _Run(self, real, include, exclude, paths, max_files, rebuild, gitignore_stop).go()
        finally:
            lock.release()

    async def _lock(self, real: str) -> Any:
        while True:
            lock = await asyncio.to_thread(self.store.try_lock, real)
            if lock is not None:
                return lock
            left = self._left()
            if left is not None and left <= _LOCK_POLL_S:
                raise errors.Unavailable(
                    f"another index run of {real} holds it and did not finish before the deadline; try again"
                )
            await asyncio.sleep(_LOCK_POLL_S)


class _Run:
    """One run's state (kept off the Indexer so an Indexer can be reused)."""

    def __init__(
        self,
        ix: Indexer,
        real: str,
        include: Sequence[str],
        exclude: Sequence[str],
        paths: Sequence[str],
        max_files: int,
        rebuild: bool,
        gitignore_stop: str | None,
    ):
        self.ix = ix
        self.store = ix.store
        self.real = real
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        named = tuple(dict.fromkeys(_norm(p) for p in paths))
        # Naming the root itself is asking for the whole root.
        self.paths = () if any(p in ("", ".") for p in named) else _with_packages(named)
        self.max_files = max_files if max_files > 0 else DEFAULT_MAX_FILES
        self.rebuild = rebuild
        self.gitignore_stop = gitignore_stop
        self.go_module = ""
        self.version = rows_version()
        self.written = 0
        self.notes: list[str] = []
        self.repo: RepoRow | None = None
        self._packages: dict[str, bool] = {}
        self._root_name = os.path.basename(real)
        self.plan = _Plan()

    # ---------------------------------------------------------------- the run

    async def go(self) -> graph_pb2.IndexSummary:
        t0 = self.ix.clock()
        store = self.store
        repo_row = self.repo = await asyncio.to_thread(store.open_repo, self.real, rebuild=self.rebuild)
        try:
            return await self._go(repo_row, t0)
        except BaseException as exc:
            # The rows written so far stay (each batch is whole); the index says it is incomplete.
            why = "cancelled" if isinstance(exc, asyncio.CancelledError) else f"failed: {exc}"[:200]
            try:
                store.mark_stopped(repo_row, why)
            except Exception:  # the store itself may be what failed
                log.warning("could not mark the index of %s as stopped", self.real, exc_info=True)
            raise

    async def _go(self, repo_row: RepoRow, t0: float) -> graph_pb2.IndexSummary:
        store = self.store
        self.go_module = await asyncio.to_thread(self._read_go_module)
        if self.paths:  # only what the named paths can touch: a watcher's edit costs the same in any repository
            states = await asyncio.to_thread(store.file_states, repo_row, paths=self.paths, under=self.paths)
        else:
            states = await asyncio.to_thread(store.file_states, repo_row)
        if self.paths and not self.include and not self.exclude:
            # Named paths (a watcher's changes) are judged by the patterns of the whole-root run.
            self.include, self.exclude = repo_row.include_exclude()
        force_all = bool(repo_row.version) and repo_row.version != self.version
        force_go = repo_row.go_module != self.go_module
        if force_all and states:
            self.notes.append("the index was written by another version of codeintel: every file was indexed again")
        if self.paths:
            walked, gone, cleared = await asyncio.to_thread(self._walk_paths, states)
        else:
            walked = await asyncio.to_thread(
                repo.walk,
                self.real,
                root=self.real,
                include=self.include,
                exclude=self.exclude,
                max_file_bytes=self.ix.limits.max_file_bytes,
                max_files=self.max_files,
                gitignore_stop=self.gitignore_stop,
            )
            seen = {e.display for e in walked.entries}
            gone = [p for p in states if p not in seen]
            cleared = []
        plan = self.plan = await asyncio.to_thread(self._compare, walked.entries, states, force_all, force_go)
        await asyncio.to_thread(store.touch_files, repo_row, plan.touched)

        to_run = WalkResult(
            entries=plan.send,
            skipped=walked.skipped + plan.skipped,
            out_of_scope=walked.out_of_scope,
            limit_reached=walked.limit_reached,
            notes=walked.notes,
        )
        aggregator = GraphAggregator()
        runner = repo.Runner(
            "index",
            self._send,
            limits=self.ix.limits,
            deadline=self.ix.deadline,
            progress=self._progress_hook(lambda: runner),
            clock=self.ix.clock,
            aggregator=aggregator,
        )
        # Progress (0 sent of N) first, then the walk's skips, as RunRepository streams them; the
        # runner's report starts with those skips (in this order), so they are not sent twice.
        self._reported = len(to_run.skipped)
        await self._report(runner, 0, len(plan.send))
        await self._emit_skips(to_run.skipped)
        bulk = store.bulk(repo_row) if not (self.paths or states) and plan.send else contextlib.nullcontext()
        await asyncio.to_thread(bulk.__enter__)
        try:
            report = await runner.run(to_run)
        finally:
            await asyncio.to_thread(bulk.__exit__, None, None, None)
        if plan.out_of_time and report.stopped in (None, "file limit"):
            report.stopped = "deadline"
        await self._skips_since(runner)

        # Unchanged files count as processed and reused: their facts were already in the index.
        report.files_found += plan.unchanged
        report.processed += plan.unchanged
        report.reused += plan.unchanged
        report.elapsed_s = self.ix.clock() - t0

        dropped = {s.path for s in report.skipped if s.reason != repo.NOT_PROCESSED and s.path in states}
        gone_all = list(dict.fromkeys([*gone, *sorted(dropped)]))
        removed = await asyncio.to_thread(store.remove_files, repo_row, gone_all)
        skips = [(s.path, s.reason, s.detail) for s in report.skipped]
        await asyncio.to_thread(
            store.record_skips, repo_row, skips, clear_all=not self.paths, clear=cleared, clear_under=cleared
        )
        stopped_now = report.stopped is not None or report.not_processed > 0
        if self.paths:
            partial = stopped_now or repo_row.partial or not repo_row.indexed_at
            stopped = report.stopped or (
                repo_row.stopped if repo_row.indexed_at else "only named paths were indexed so far"
            )
        else:
            partial = stopped_now
            stopped = report.stopped or ("deadline" if report.not_processed else "")
        final = await asyncio.to_thread(
            store.finish,
            repo_row,
            indexed_at=int(time.time()),
            partial=partial,
            stopped=stopped,
            # A run of named paths re-resolved only those: a new go.mod or rows version stays to be
            # noticed (and applied to every file) by the next whole-root run.
            go_module=repo_row.go_module if self.paths else self.go_module,
            version=(repo_row.version or self.version) if self.paths else self.version,
            patterns=None if self.paths else (self.include, self.exclude),
        )
        counts = await asyncio.to_thread(store.counts, final)
        report.notes.extend(self.notes)
        report.notes.extend(store.notes)
        extra_text = (
            f"Graph: {self.written} files written, {plan.unchanged} unchanged, {removed} removed; the index holds "
            f"{counts.files} files, {counts.definitions} definitions, {counts.references} references, "
            f"{counts.imports} imports ({store.describe(self.real)})."
        )
        if final.languages():
            extra_text += f"\nNo facts for: {', '.join(final.languages())} (those files are listed, not linked)."
        if partial:
            extra_text += f"\nThe index is partial ({final.stopped or 'not every file was indexed'})."
        run_pb = repo.summary_message(
            report,
            aggregator,
            self.real,
            extra_text=extra_text,
            extra={
                "files_written": self.written,
                "files_unchanged": plan.unchanged,
                "files_removed": removed,
                "index_partial": partial,
            },
        )
        return graph_pb2.IndexSummary(
            run=run_pb,
            files_written=self.written,
            files_unchanged=plan.unchanged,
            files_removed=removed,
            totals=graph_pb2.GraphCounts(
                files=counts.files,
                definitions=counts.definitions,
                references=counts.references,
                imports=counts.imports,
            ),
            store=store.describe(self.real),
        )

    # ---------------------------------------------------------------- events

    def _progress_hook(self, runner: Callable[[], repo.Runner]) -> repo.Progress:
        async def progress(done: int, total: int) -> None:
            await self._report(runner(), done, total)

        return progress

    async def _report(self, runner: repo.Runner, done: int, total: int) -> None:
        await self._skips_since(runner)
        if self.ix.progress is not None:
            unchanged = self.plan.unchanged
            await self.ix.progress(unchanged + done, unchanged + total)

    async def _skips_since(self, runner: repo.Runner) -> None:
        pending = runner.report.skipped[self._reported :]
        self._reported += len(pending)
        await self._emit_skips(pending)

    async def _emit_skips(self, skips: list[Skip]) -> None:
        if not skips or self.ix.on_skipped is None:
            return
        out = self.ix.on_skipped(list(skips))
        if inspect.isawaitable(out):
            await out

    # ---------------------------------------------------------------- walking and comparing

    def _read_go_module(self) -> str:
        try:
            with open(os.path.join(self.real, "go.mod"), encoding="utf-8", errors="replace") as fh:
                return read_go_module(fh.read(64 * 1024))
        except OSError:
            return ""

    def _is_package(self, rel_dir: str) -> bool:
        hit = self._packages.get(rel_dir)
        if hit is None:
            d = os.path.join(self.real, rel_dir) if rel_dir else self.real
            hit = os.path.isfile(os.path.join(d, "__init__.py")) or os.path.isfile(os.path.join(d, "__init__.pyi"))
            self._packages[rel_dir] = hit
        return hit

    def _keys(self, path: str, language: str, package: str = "") -> tuple[str, str]:
        return module_key(path, language, self._is_package, self.go_module, package=package, root_name=self._root_name)

    def _walk_paths(self, states: dict[str, FileState]) -> tuple[WalkResult, list[str], list[str]]:
        """The named paths as a walk would list them; the stored files they drop; the paths whose
        earlier skips no longer hold."""
        filt = repo.PathFilter(
            self.real, include=self.include, exclude=self.exclude, gitignore_stop=self.gitignore_stop
        )
        out = WalkResult()
        gone: list[str] = []
        limit = self.ix.limits.max_file_bytes
        for rel in self.paths:
            full = os.path.join(self.real, rel)
            under = rel + "/"
            if os.path.isdir(full) and not os.path.islink(full):
                skip = filt.check(under + "_")  # the directory's own verdict, through any file in it
                if skip is not None and skip.reason != repo.OUT_OF_SCOPE and skip.path.endswith("/"):
                    out.skipped.append(skip)
                    gone.extend(p for p in states if p.startswith(under))
                    continue
                w = repo.walk(
                    full,
                    root=self.real,
                    display_base=rel,
                    include=self.include,
                    exclude=self.exclude,
                    max_file_bytes=limit,
                    max_files=self.max_files,
                    gitignore_stop=self.gitignore_stop,
                )
                out.extend(w)
                seen = {e.display for e in w.entries}
                gone.extend(p for p in states if p.startswith(under) and p not in seen)
                continue
            if not os.path.lexists(full):
                gone.append(rel)
                gone.extend(p for p in states if p.startswith(under))
                continue
            skip = filt.check(rel)
            if skip is not None:
                gone.append(rel)
                if skip.reason == repo.OUT_OF_SCOPE:
                    out.out_of_scope += 1
                else:
                    out.skipped.append(skip)
                continue
            w = repo.walk(full, root=self.real, display_base=rel, max_file_bytes=limit)
            out.extend(w)
            if not w.entries:
                gone.append(rel)
        # A file named and inside a named directory is looked at once.
        out.entries = list({e.display: e for e in out.entries}.values())
        return out, gone, list(self.paths)

    def _compare(self, entries: list[Entry], states: dict[str, FileState], force_all: bool, force_go: bool) -> _Plan:
        plan = _Plan()
        ix = self.ix
        for i, e in enumerate(entries):
            if ix.deadline is not None and i % _CHECK_EVERY == 0 and ix.clock() >= ix.deadline:
                plan.out_of_time = True
                plan.skipped.extend(
                    Skip(x.display, repo.NOT_PROCESSED, "the deadline passed before it was compared")
                    for x in entries[i:]
                )
                break
            if e.language in DATA_LANGUAGES:
                plan.skipped.append(
                    Skip(e.display, repo.UNSUPPORTED, f"{e.language} is data or markup: no definitions to index")
                )
                continue
            try:
                st = os.stat(e.real_path)
            except OSError as exc:
                plan.skipped.append(Skip(e.display, repo.UNREADABLE, exc.strerror or ""))
                continue
            module, scope = self._keys(e.display, e.language)
            known = states.get(e.display)
            if known is not None and not force_all and not (force_go and known.language == "go"):
                same_key = e.language == "java" or (known.module == module and known.scope == scope)
                if same_key and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
                    plan.unchanged += 1
                    continue
                if same_key and known.size == st.st_size and _sha256_file(e.real_path) == known.sha256:
                    plan.unchanged += 1
                    plan.touched.append((e.display, st.st_size, st.st_mtime_ns))
                    continue
            plan.send.append(e)
            plan.keys[e.display] = (module, scope, st.st_size, st.st_mtime_ns, known is not None)
        return plan

    # ---------------------------------------------------------------- sending and writing

    async def _send(self, files: list, timeout: float, options: Any = None) -> Any:
        resp: Any = await (
            self.ix.send(files, timeout) if options is None else self.ix.send(files, timeout, options=options)
        )
        if len(resp.results) != len(files):
            return resp  # the Runner fails the batch's files; nothing is written
        try:
            await asyncio.to_thread(self._write, files, resp)
        except errors.CodeIntelError as exc:
            raise repo.BatchError(f"the graph store failed: {exc}", fatal=True) from None
        except Exception as exc:
            if _is_store_error(exc):
                raise repo.BatchError(f"the graph store failed: {exc}", fatal=True) from None
            raise
        return resp

    def _write(self, files: list, resp: Any) -> None:
        writes: list[FileWrite] = []
        for src, r in zip(files, resp.results, strict=True):
            if not r.HasField("result"):
                continue
            key = self.plan.keys.get(src.path)
            if key is None:  # not a file this run planned (cannot happen through the Runner)
                continue
            writes.append(self._file_write(src, r.result, key))
        assert self.repo is not None
        self.store.replace_files(self.repo, writes)
        self.written += len(writes)

    def _file_write(self, src: Any, result: Any, key: tuple[str, str, int, int, bool]) -> FileWrite:
        module, scope, size, mtime_ns, known = key
        language = result.language or src.language
        facts = result.facts
        w = FileWrite(
            path=src.path,
            language=language,
            module=module,
            scope=scope,
            size=size,
            mtime_ns=mtime_ns,
            sha256=hashlib.sha256(src.content).hexdigest(),
            has_errors=bool(result.has_errors),
            truncated=bool(facts.truncated),
            refs_dropped=int(facts.references_dropped),
            package=facts.package,
            facts=bool(facts.supported),
            known=known,
        )
        if not facts.supported:
            return w
        if language == "java":  # its keys are its declared package, known only now
            w.module = w.scope = facts.package
        ctx = resolve.FileContext(
            path=src.path,
            language=language,
            module=w.module,
            scope=w.scope,
            package=facts.package,
            go_module=self.go_module,
        )
        try:
            resolved = resolve.resolve_file(facts, ctx, src.content)
            ref_targets = resolved.refs
            import_targets = resolved.imports
            variables = resolved.variables
        except Exception:
            # One file's facts the resolver cannot handle must not stop a repository's index:
            # its references are stored unresolved (found by name) and the log says which.
            log.exception("resolving the references of %s failed; they are stored unresolved", src.path)
            ref_targets = [(None, None, 0)] * len(facts.references)
            import_targets = [None] * len(facts.imports)
            variables = []
        sc = w.scope
        w.defs = [
            (
                i,
                d.name,
                d.name.lower(),
                d.qualified_name or d.name,
                sc,
                d.kind,
                d.parent_index,
                int(d.exported),
                "\n".join(d.bases),
                *_range(d.range),
                *_range(d.selection_range),
            )
            for i, d in enumerate(facts.definitions)
        ]
        # The bulk of an index: one tuple per reference, attribute reads kept to the minimum.
        refs: list[tuple] = []
        add = refs.append
        for r, t in zip(facts.references, ref_targets, strict=True):
            rr = r.range
            s, e = rr.start, rr.end
            add(
                (
                    r.name,
                    r.kind,
                    r.enclosing_index,
                    r.receiver,
                    t[0],
                    t[1],
                    t[2],
                    s.line,
                    s.column,
                    e.line,
                    e.column,
                    rr.start_byte,
                    rr.end_byte,
                )
            )
        w.refs = refs
        w.imports = [
            (
                sc,
                im.module,
                im.level,
                im.name,
                im.alias,
                int(im.is_export),
                im.enclosing_index,
                tmod,
                im.range.start.line,
            )
            for im, tmod in zip(facts.imports, import_targets, strict=True)
        ]
        w.vars = [(sc, name, t[0], t[1], t[2]) for name, t in variables]
        return w


def _range(r: Any) -> tuple[int, int, int, int, int, int]:
    s, e = r.start, r.end
    return (s.line, s.column, e.line, e.column, r.start_byte, r.end_byte)


def _with_packages(paths: tuple[str, ...]) -> tuple[str, ...]:
    """A Python package marker added or removed changes the module keys of every file below its
    directory: that directory is looked at again too (only files whose key changed are sent)."""
    extra = [
        posixpath.dirname(p)
        for p in paths
        if posixpath.basename(p) in ("__init__.py", "__init__.pyi") and posixpath.dirname(p)
    ]
    return tuple(dict.fromkeys([*paths, *extra])) if extra else paths


def _norm(path: str) -> str:
    p = path.replace(os.sep, "/").strip("/")
    while p.startswith("./"):
        p = p[2:]
    return p


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def _is_store_error(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    mod = type(exc).__module__ or ""
    return mod.startswith("psycopg")
