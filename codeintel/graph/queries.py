"""The graph queries: graph_pb2 request in, graph_pb2 response out (see proto/codeintel/v1/graph.proto).

`Queries(store, root)` answers for one indexed root. Every call opens the root's repo row, makes a
fresh `Links` (so memoised look-ups never outlive the query and a re-index is seen at once), and
answers with indexed look-ups: definitions by name / lower-cased name / (scope, qname), references by
name, references and imports by file. Lists are paged with opaque cursors (`codeintel.graph.cursor`)
and cut at max_bytes; every answer carries a GraphCompleteness.

Semantics worth knowing:

- A reference links to a definition when its stored target resolves to it (`codeintel.graph.links`);
  candidates are the references spelled like the definition or like an alias imports give it
  (followed through re-exports). NAME_ONLY uses are attributes of objects whose type the index
  cannot tell: flagged so at index time, or (for a class member) whose owner does not resolve, or
  (for anything else) whose chain stops inside the repository. A member reached through a known
  class that is not the definition's class or a subclass of it is some other attribute, not a use.
  NAME_ONLY uses are listed only on request and counted otherwise.
- Several definitions with one (scope, qualified name) (`if`/`else` definitions, overloads, a
  property's getter and setter, a Go package) are one symbol: answered RESOLVED, go-to-definition
  with one of them, the implementation (`Queries._one_symbol`; Java overloads stay distinct).
  Distinct symbols with the name make a name target ambiguous for references and calls.
- Callers of a function are the CALL references resolving to it, grouped by their innermost
  enclosing definition (file-level code: a caller with an empty name). Callees are the CALL
  references directly in the function's body (enclosing_idx == the function): calls inside nested
  named functions belong to those functions, which appear as callees when the function calls them.
  A constructor (or a Python __init__) is called through its class: its callers include the
  class's; a class's callees include its constructor's.
- The import graph's nodes are files, except Go packages and Java wildcard imports, whose node is
  the package directory ("pkg/server/").
"""

from __future__ import annotations

import os
import posixpath
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol

from codeintel import repo as repo_walk
from codeintel.graph import cursor
from codeintel.graph.links import (
    DEF_SELECT,
    MAX_DEPTH,
    Def,
    External,
    FileRow,
    Links,
    ModuleHit,
    qualified_name,
    rng,
    symbol_ref,
)
from codeintel.graph.modules import js_module
from codeintel.graph.resolve import CLASSLIKE, EXTERNAL, FUNCTIONLIKE, JS_LANGUAGES, NAME_ONLY
from codeintel.kernel import errors
from codeintel.v1 import graph_pb2, parse_pb2

_G = graph_pb2
_CHUNK = 500
_LINE_BYTES = 200
_OUTLINE_CAP = 200
_CANDIDATES_LISTED = 10
_NAME_ONLY_CALLEES = 10  # definitions one name-only callee may stand for
_ALIAS_STEPS = 32  # (module, name) pairs followed looking for aliases of a definition
_ALIAS_ROUNDS = 6
_PRIME_OVER = 16  # candidate references above which definitions and modules are loaded in bulk
_FAMILY_CAP = 5000  # classes in a family above which members are resolved without pruning
_FRONTIER_CHUNK = 32  # call-hierarchy symbols whose callers are looked up together


_SETTER_LINE = re.compile(r"^(?:(?:public|private|protected|static|override|declare)\s+)*set\s")

REF_SELECT = (
    "SELECT r.file_id, r.name, r.kind, r.enclosing_idx, r.receiver, r.tmod, r.tname, r.flags, "
    "r.sl, r.sc, r.el, r.ec, r.sb, r.eb, f.path, f.language FROM refs r JOIN files f ON f.id = r.file_id"
)


class Ref(NamedTuple):
    file_id: int
    name: str
    kind: int
    enclosing_idx: int
    receiver: str
    tmod: str | None
    tname: str | None
    flags: int
    sl: int
    sc: int
    el: int
    ec: int
    sb: int
    eb: int
    path: str
    language: str


class _Repo(Protocol):
    id: int
    root: str
    indexed_at: int
    partial: bool
    stopped: str

    def skipped(self) -> dict[str, int]: ...
    def languages(self) -> list[str]: ...
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...
    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None: ...


class _Store(Protocol):
    def repo(self, root: str) -> Any: ...


class _Reader:
    """fetch / fetchone straight on the root's database when the store exposes it: RepoRow.fetch
    routes every call through the root's realpath, which costs as much as a small indexed query."""

    def __init__(self, repo: _Repo):
        self.fetch = repo.fetch
        self.fetchone = repo.fetchone
        get = getattr(getattr(repo, "store", None), "_db_for_read", None)
        if get is not None:
            try:
                db = get(repo.root)
            except Exception:  # the routed calls stay, and say what is wrong if it persists
                return
            self.fetch = db.fetch
            self.fetchone = db.fetchone


class _Ctx:
    """One query: the repo row, its Links, and per-query caches."""

    def __init__(self, repo: _Repo):
        self.repo = repo
        self.rid = repo.id
        reader = _Reader(repo)
        self.fetch = reader.fetch
        self.fetchone = reader.fetchone
        self.links = Links(reader, repo.id)
        self.owners: dict[tuple[int, int], Def | None] = {}
        self._lines: dict[str, list[bytes] | None] = {}

    def line_text(self, path: str, line: int) -> str:
        """The file's current line (not the indexed one: an edited file shows what is there now)."""
        lines = self._lines.get(path, [])
        if lines == []:
            try:
                with open(os.path.join(self.repo.root, path), "rb") as fh:
                    lines = fh.read().split(b"\n")
            except OSError:
                lines = None
            self._lines[path] = lines
        if lines is None or not 0 <= line < len(lines):
            return ""
        raw = lines[line].strip()[:_LINE_BYTES]
        return raw.decode("utf-8", "ignore").strip()


# (root, repo id, indexed_at) -> (monotonic time, (files, with errors, truncated)). Counting a large
# repository's files costs more than a whole query, and every answer reports them; a finished run
# changes indexed_at, and the short age bounds how stale a count can be while a run is writing.
_COUNTS: dict[tuple[str, int, int], tuple[float, tuple[int, int, int]]] = {}
_COUNTS_LOCK = threading.Lock()
_COUNTS_AGE_S = 2.0


def _file_counts(ctx: _Ctx) -> tuple[int, int, int]:
    key = (ctx.repo.root, ctx.rid, int(ctx.repo.indexed_at or 0))
    now = time.monotonic()
    with _COUNTS_LOCK:
        hit = _COUNTS.get(key)
    if hit is not None and now - hit[0] < _COUNTS_AGE_S:
        return hit[1]
    row = ctx.fetchone("SELECT COUNT(*), SUM(has_errors), SUM(truncated) FROM files WHERE repo_id = ?", (ctx.rid,))
    counts = (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)) if row else (0, 0, 0)
    with _COUNTS_LOCK:
        if len(_COUNTS) > 256:
            _COUNTS.clear()
        _COUNTS[key] = (now, counts)
    return counts


def _reference(ctx: _Ctx, r: Ref, enclosing: Def | None, resolution: int) -> graph_pb2.Reference:
    """One use as FindReferences lists it: where, its kind, the definition around it, its line now."""
    return _G.Reference(
        path=r.path,
        range=rng(r.sl, r.sc, r.el, r.ec, r.sb, r.eb),
        kind=r.kind,  # type: ignore[arg-type]
        enclosing=symbol_ref(enclosing) if enclosing else _G.SymbolRef(path=r.path, language=r.language),
        line_text=ctx.line_text(r.path, r.sl),
        resolution=resolution,  # type: ignore[arg-type]
    )


class Queries:
    """Graph queries on one indexed root (see the module docstring)."""

    def __init__(self, store: _Store, root: str):
        self.store = store
        self.root = root

    # ------------------------------------------------------------------ common

    def _open(self) -> _Ctx:
        repo = self.store.repo(self.root)
        if repo is None:
            raise errors.FailedPrecondition(
                f"{self.root} is not indexed: index it first: codeintel index {self.root} / the index_repository tool"
            )
        return _Ctx(repo)

    def completeness(self) -> graph_pb2.GraphCompleteness:
        return self._completeness(self._open())

    def _completeness(self, ctx: _Ctx) -> graph_pb2.GraphCompleteness:
        repo = ctx.repo
        files, with_errors, truncated = _file_counts(ctx)
        skipped: dict[int, int] = defaultdict(int)
        for reason, n in repo.skipped().items():
            skipped[repo_walk.skip_reason(reason)] += n
        return _G.GraphCompleteness(
            files_indexed=files,
            files_skipped=[_G.GraphSkipCount(reason=r, count=n) for r, n in skipped.items()],  # type: ignore[arg-type]
            # before the first run finishes, files the index has not seen exist for sure
            index_partial=bool(repo.partial) or not repo.indexed_at,
            index_stopped=repo.stopped or ("" if repo.indexed_at else "the first index run has not finished"),
            files_with_errors=with_errors,
            files_truncated=truncated,
            languages_without_facts=repo.languages(),
            indexed_at_unix=int(repo.indexed_at or 0),
        )

    def _rel(self, ctx: _Ctx, path: str) -> str:
        """A path relative to the root ('' for the root itself); InvalidInput when it leaves the root."""
        p = path.strip().replace("\\", "/")
        if not p:
            return ""
        if p.startswith("/"):
            root = ctx.repo.root.rstrip("/")
            real = os.path.realpath(p)
            if real != root and not real.startswith(root + "/"):
                raise errors.InvalidInput(f"{path} is outside the indexed root {ctx.repo.root}")
            p = os.path.relpath(real, root).replace(os.sep, "/")
        p = posixpath.normpath(p)
        if p == "..":
            raise errors.InvalidInput(f"{path} is outside the indexed root {ctx.repo.root}")
        if p.startswith("../"):
            raise errors.InvalidInput(f"{path} is outside the indexed root {ctx.repo.root}")
        return "" if p == "." else p

    def _file(self, ctx: _Ctx, path: str) -> FileRow:
        rel = self._rel(ctx, path)
        row = ctx.fetchone(
            "SELECT id, path, language, module FROM files WHERE repo_id = ? AND path = ?",
            (ctx.rid, rel),
        )
        if row is None:
            raise errors.InvalidInput(f"{rel or path!r} is not an indexed file of {ctx.repo.root}")
        return FileRow(*row)

    def _defs_in(self, ctx: _Ctx, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Def]:
        by_file: dict[int, set[int]] = defaultdict(set)
        for fid, idx in keys:
            if idx >= 0:
                by_file[fid].add(idx)
        out: dict[tuple[int, int], Def] = {}
        for fid, idxs in by_file.items():
            ids = sorted(idxs)
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                rows = ctx.fetch(
                    f"{DEF_SELECT} WHERE d.file_id = ? AND d.idx IN ({', '.join('?' * len(chunk))})",
                    (fid, *chunk),
                )
                for r in rows:
                    d = Def(*r)
                    out[d.key] = d
        return out

    # ------------------------------------------------------------------ search

    def search(self, req: graph_pb2.SearchSymbolsRequest) -> graph_pb2.SearchSymbolsResponse:
        ctx = self._open()
        query = req.query.strip()
        if not query:
            raise errors.InvalidInput("query is empty: give a name or part of one")
        match = req.match or _G.SYMBOL_MATCH_PREFIX
        spec = cursor.PageSpec.of(
            req.page,
            cursor.fingerprint(
                "search", query, match, sorted(req.kinds), sorted(req.languages), req.path_prefix, ctx.repo.root
            ),
        )
        qualifier, last = _split_qualified(query)
        if not last:
            raise errors.InvalidInput(f"query {query!r} names no symbol")
        where = ["d.repo_id = ?"]
        params: list[Any] = [ctx.rid]
        join = False  # the files table is needed only to filter by language or path
        if req.kinds:
            where.append(f"d.kind IN ({', '.join('?' * len(req.kinds))})")
            params.extend(int(k) for k in req.kinds)
        if req.languages:
            where.append(f"f.language IN ({', '.join('?' * len(req.languages))})")
            params.extend(req.languages)
            join = True
        prefix = self._rel(ctx, req.path_prefix) if req.path_prefix else ""
        if prefix:
            where.append("(f.path = ? OR substr(f.path, 1, ?) = ?)")
            params.extend([prefix, len(prefix) + 1, prefix + "/"])
            join = True
        low = last.lower()
        # Matches are grouped by one column (name for exact, lname otherwise): the page's groups are
        # found first, then only their rows are read.
        column = "d.name" if match == _G.SYMBOL_MATCH_EXACT else "d.lname"
        if match == _G.SYMBOL_MATCH_EXACT:
            where.append("d.name = ?")
            params.append(last)
        elif match == _G.SYMBOL_MATCH_FUZZY:
            where.append("d.lname LIKE ? ESCAPE '\\'")
            params.append("%" + "%".join(_like_escape(c) for c in low) + "%")
        else:
            # the range drives the index; substr keeps it exact under a PostgreSQL locale collation
            where.append("d.lname >= ? AND d.lname < ? AND substr(d.lname, 1, ?) = ?")
            params.extend([low, low + "\U0010ffff", len(low), low])
        cond = " AND ".join(where)

        if qualifier is None:
            source = "defs d JOIN files f ON f.id = d.file_id" if join else "defs d"
            if match == _G.SYMBOL_MATCH_EXACT:
                row = ctx.fetchone(f"SELECT COUNT(*) FROM {source} WHERE {cond}", params)
                groups = [(last, int(row[0]) if row else 0)]
                total = groups[0][1]
            else:
                # Ranked in the database (a top-k sort over the index-only scan of lname) and counted
                # apart: no row but the page's leaves SQLite, however many names a short query hits.
                if match == _G.SYMBOL_MATCH_FUZZY:
                    rank = (
                        "CASE WHEN d.lname = ? THEN 0 WHEN d.lname LIKE ? ESCAPE '\\' THEN 1 "
                        "WHEN d.lname LIKE ? ESCAPE '\\' THEN 2 ELSE 3 END"
                    )
                    esc = "".join(_like_escape(c) for c in low)
                    rank_params: list[Any] = [low, esc + "%", "%" + esc + "%"]
                else:
                    rank, rank_params = "CASE WHEN d.lname = ? THEN 0 ELSE 1 END", [low]
                ordered = ctx.fetch(
                    f"SELECT d.lname FROM {source} WHERE {cond} ORDER BY {rank}, LENGTH(d.lname), d.lname LIMIT ?",
                    (*params, *rank_params, spec.offset + spec.size),
                )
                groups = []
                for (key,) in ordered:
                    if groups and groups[-1][0] == key:
                        groups[-1] = (key, groups[-1][1] + 1)
                    else:
                        groups.append((key, 1))
                row = ctx.fetchone(f"SELECT COUNT(*) FROM {source} WHERE {cond}", params)
                total = int(row[0]) if row else 0

            def build(win: range) -> list[graph_pb2.SymbolRef]:
                out: list[graph_pb2.SymbolRef] = []
                first = 0
                for key, n in groups:
                    lo, hi = max(win.start, first), min(win.stop, first + n)
                    if lo < hi:
                        rows = ctx.fetch(
                            f"{DEF_SELECT} WHERE {cond} AND {column} = ? ORDER BY CASE WHEN d.name = ? THEN 0 ELSE 1 END, "
                            "d.name, f.path, d.sl, d.idx LIMIT ? OFFSET ?",
                            (*params, key, last, hi - lo, lo - first),
                        )
                        out.extend(symbol_ref(Def(*r)) for r in rows)
                    first += n
                    if first >= win.stop:
                        break
                return out

            symbols, nxt, truncated = spec.take(total, build)
        else:
            light = ctx.fetch(
                "SELECT d.file_id, d.idx, d.name, d.qname, f.module, f.path, f.language, d.sl "
                f"FROM defs d JOIN files f ON f.id = d.file_id WHERE {cond}",
                params,
            )
            exact_q = match == _G.SYMBOL_MATCH_EXACT
            keep = [r for r in light if _qualifier_ok(r[4], r[5], r[6], r[3], r[2], qualifier, exact_q)]
            if match == _G.SYMBOL_MATCH_FUZZY:
                scored2 = [(_fuzzy_score(r[2], low), r) for r in keep]
                scored2 = [x for x in scored2 if x[0] is not None]
                scored2.sort(key=lambda x: (x[0], x[1][2].lower(), x[1][2] != last, x[1][5], x[1][7], x[1][1]))
                keep = [r for _, r in scored2]
            else:
                if match == _G.SYMBOL_MATCH_PREFIX:
                    keep = [r for r in keep if r[2].lower().startswith(low)]
                keep.sort(key=lambda r: (r[2] != last, len(r[2]), r[2], r[5], r[7], r[1]))
            total = len(keep)

            def build_light(win: range) -> list[graph_pb2.SymbolRef]:
                keys = [(keep[i][0], keep[i][1]) for i in win]
                full = self._defs_in(ctx, keys)
                return [symbol_ref(full[k]) for k in keys if k in full]

            symbols, nxt, truncated = spec.take(total, build_light)
        comp = self._completeness(ctx)
        comp.truncated = truncated
        return _G.SearchSymbolsResponse(symbols=symbols, total=total, next_cursor=nxt, completeness=comp)

    # ------------------------------------------------------------------ targets

    def _defs_by_name(self, ctx: _Ctx, query: str) -> list[Def]:
        """Definitions a (qualified) name denotes: a full qualified name by (module, qname) look-ups;
        otherwise by name, filtered by the qualifier; then a member inherited by the qualifying class."""
        query = query.strip()
        qualifier, last = _split_qualified(query)
        if not last:
            return []
        if qualifier is None:
            return [
                Def(*r)
                for r in ctx.fetch(
                    f"{DEF_SELECT} WHERE d.repo_id = ? AND d.name = ? ORDER BY f.path, d.sl, d.idx", (ctx.rid, last)
                )
            ]
        hits: list[Def] = []
        for scope, qname in _splits(query):
            hits.extend(ctx.links.defs(scope, qname))
        if hits:
            return sorted(set(hits), key=lambda d: (d.path, d.sl, d.idx))
        light = ctx.fetch(
            "SELECT d.file_id, d.idx, d.name, d.qname, f.module, f.path, f.language FROM defs d "
            "JOIN files f ON f.id = d.file_id WHERE d.repo_id = ? AND d.name = ?",
            (ctx.rid, last),
        )
        keys = [(r[0], r[1]) for r in light if _qualifier_ok(r[4], r[5], r[6], r[3], r[2], qualifier, True)]
        if keys:
            full = self._defs_in(ctx, keys)
            return sorted((full[k] for k in keys if k in full), key=lambda d: (d.path, d.sl, d.idx))
        classes = [d for d in self._defs_by_name(ctx, qualifier) if d.kind in CLASSLIKE]
        if classes:
            res = ctx.links._member(classes, last, 0)
            if isinstance(res, tuple):
                return list(res)
        return []

    def _module_symbol(self, ctx: _Ctx, name: str) -> list[graph_pb2.SymbolRef]:
        hit = ctx.links.module(name.replace(":", "")) if name else ()
        return [_module_ref(f, name) for f in hit]

    def _at_position(self, ctx: _Ctx, pos: graph_pb2.FilePosition) -> tuple[str, Any]:
        """(identifier, outcome) at a file position. Outcome: ("def", [Def]) for a definition's name,
        ("ref", Ref, Result) for a reference; NotFound when neither is there."""
        f = self._file(ctx, pos.path)
        line, col = pos.position.line, pos.position.column
        best: tuple[tuple[int, int], Any] | None = None
        for r in ctx.fetch(
            f"{DEF_SELECT} WHERE d.file_id = ? AND d.nsl <= ? AND d.nel >= ?",
            (f.id, line, line),
        ):
            d = Def(*r)
            rank = _span_rank(d.nsl, d.nsc, d.nel, d.nec, line, col)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, d)
        for r in ctx.fetch(
            f"{REF_SELECT} WHERE r.file_id = ? AND r.sl <= ? AND r.el >= ?",
            (f.id, line, line),
        ):
            ref = Ref(*r)
            rank = _span_rank(ref.sl, ref.sc, ref.el, ref.ec, line, col)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, ref)
        if best is None:
            raise errors.NotFound(f"no identifier at {f.path}:{line + 1}:{col + 1} (zero-based {line}:{col})")
        hit = best[1]
        if isinstance(hit, Def):
            return hit.name, ("def", [hit])
        return hit.name, ("ref", hit, ctx.links.resolve(hit.tmod, hit.tname, hit.flags))

    def _name_only_candidates(self, ctx: _Ctx, ref: Ref) -> list[Def]:
        rows = [
            Def(*r)
            for r in ctx.fetch(
                f"{DEF_SELECT} WHERE d.repo_id = ? AND d.name = ? ORDER BY f.path, d.sl, d.idx",
                (ctx.rid, ref.name),
            )
        ]
        if ref.receiver:
            members = [d for d in rows if "." in d.qname]
            return members or rows
        return rows

    def _symbol(self, ctx: _Ctx, target: graph_pb2.SymbolTarget, what: str) -> list[Def]:
        """The one symbol a references / call-hierarchy target names (its definitions: one, or several
        with the same scope and qualified name). InvalidInput when the name is ambiguous."""
        which = target.WhichOneof("target")
        if which == "name":
            defs = self._defs_by_name(ctx, target.name)
            if not defs:
                raise errors.NotFound(f"no definition named {target.name!r} in the index of {ctx.repo.root}")
            label = repr(target.name)
        elif which == "position":
            name, outcome = self._at_position(ctx, target.position)
            label = f"{name!r} at {target.position.path}:{target.position.position.line + 1}"
            if outcome[0] == "def":
                defs = outcome[1]
            else:
                _, ref, res = outcome
                if isinstance(res, tuple):
                    defs = list(res)
                elif isinstance(res, External):
                    raise errors.NotFound(f"{label} is defined outside the repository ({res.text()})")
                elif isinstance(res, ModuleHit):
                    raise errors.NotFound(f"{label} is a module ({res.module}): ask the import graph instead")
                else:
                    defs = self._name_only_candidates(ctx, ref)
                    if not defs:
                        raise errors.NotFound(f"no definition of {label} in the index")
        else:
            raise errors.InvalidInput("target is empty: give a name or a file position")
        groups: dict[tuple[str, str, str], list[Def]] = {}
        for d in defs:
            groups.setdefault((d.scope, d.qname, d.language), []).append(d)
        if len(groups) > 1:
            listed = [g[0] for g in groups.values()][:_CANDIDATES_LISTED]
            more = len(groups) - len(listed)
            raise errors.InvalidInput(
                f"{label} is ambiguous for {what}: {len(groups)} definitions: "
                + "; ".join(
                    f"{qualified_name(d.module, d.path, d.language, d.qname)} ({d.path}:{d.nsl + 1})" for d in listed
                )
                + (f"; and {more} more" if more else "")
                + ": use a qualified name or a file position"
            )
        return next(iter(groups.values()))

    def _one_symbol(self, ctx: _Ctx, defs: Sequence[Def]) -> Def | None:
        """The definition standing for `defs` when they are one symbol, else None.

        Several definitions with one (scope, qualified name, language) are one symbol: TypeScript
        overload signatures and their implementation, Python ``@overload`` stubs and the function,
        a property's getter and setter (Python ``@x.setter``, JS/TS ``get x`` / ``set x``), ``if`` /
        ``else`` definitions, a Go function in files for different build tags. The one answered is
        the implementation: the last definition (TypeScript puts the implementation after its
        overloads, Python after its ``@overload`` stubs) that is not a property setter or deleter
        (so a property is its getter). Java methods overloaded by parameter types are distinct
        symbols: None for them.
        """
        if not _same_symbol(defs):
            return None
        if len(defs) == 1:
            return defs[0]
        ordered = sorted(defs, key=lambda d: (d.path, d.sb, d.idx))
        accessors = self._setters(ctx, ordered)
        rest = [d for d in ordered if d.key not in accessors] or ordered
        return rest[-1]

    def _setters(self, ctx: _Ctx, defs: Sequence[Def]) -> set[tuple[int, int]]:
        """Keys of the definitions among `defs` that are property setters or deleters."""
        out: set[tuple[int, int]] = set()
        for d in defs:
            if d.language == "python":
                if ctx.fetchone(
                    "SELECT 1 FROM refs WHERE file_id = ? AND enclosing_idx = ? AND name IN ('setter', 'deleter') "
                    "AND receiver = ? AND sb < ? LIMIT 1",
                    (d.file_id, d.idx, d.name, d.nsb),
                ):
                    out.add(d.key)
            elif d.language in JS_LANGUAGES:
                # the current line (the index keeps no modifiers): `set x(v) {`, `static set x(v)`
                if _SETTER_LINE.match(ctx.line_text(d.path, d.nsl)):
                    out.add(d.key)
        return out

    # ------------------------------------------------------------------ definition

    def definition(self, req: graph_pb2.GetDefinitionRequest) -> graph_pb2.GetDefinitionResponse:
        ctx = self._open()
        target = req.target
        which = target.WhichOneof("target")
        spec = cursor.PageSpec.of(req.page, cursor.fingerprint("definition", target.SerializeToString(), ctx.repo.root))
        name = ""
        external = ""
        refs: list[graph_pb2.SymbolRef] = []
        if which == "name":
            defs = self._defs_by_name(ctx, target.name)
            one = self._one_symbol(ctx, defs)
            if one is not None:
                defs = [one]
            if defs:
                refs = [symbol_ref(d) for d in defs]
            else:
                refs = self._module_symbol(ctx, target.name)
            if not refs:
                raise errors.NotFound(f"no definition named {target.name!r} in the index of {ctx.repo.root}")
            resolution: int = _G.RESOLUTION_RESOLVED if len(refs) == 1 else _G.RESOLUTION_AMBIGUOUS
        elif which == "position":
            name, outcome = self._at_position(ctx, target.position)
            resolution = _G.RESOLUTION_RESOLVED
            if outcome[0] == "def":
                refs = [symbol_ref(outcome[1][0])]
            else:
                _, ref, res = outcome
                if isinstance(res, tuple):
                    one = self._one_symbol(ctx, res)
                    refs = [symbol_ref(d) for d in ((one,) if one is not None else res)]
                    if len(refs) > 1:
                        resolution = _G.RESOLUTION_AMBIGUOUS
                elif isinstance(res, External):
                    external = res.text()
                elif isinstance(res, ModuleHit):
                    refs = [_module_ref(f, res.module) for f in res.files]
                else:
                    cands = self._name_only_candidates(ctx, ref)
                    if not cands:
                        raise errors.NotFound(f"no definition of {name!r} in the index of {ctx.repo.root}")
                    refs = [symbol_ref(d) for d in cands]
                    resolution = _G.RESOLUTION_NAME_ONLY
        else:
            raise errors.InvalidInput("target is empty: give a name or a file position")
        page, nxt, truncated = spec.take(len(refs), lambda win: [refs[i] for i in win])
        comp = self._completeness(ctx)
        comp.truncated = truncated
        return _G.GetDefinitionResponse(
            definitions=page,
            resolution=resolution,  # type: ignore[arg-type]
            name=name,
            external=external,
            next_cursor=nxt,
            completeness=comp,
        )

    # ------------------------------------------------------------------ references

    def _classify(
        self,
        ctx: _Ctx,
        group: Sequence[Def],
        rows: Iterable[Ref],
        family: set[tuple[int, int]] | None | bool = True,
    ) -> tuple[list[tuple[Ref, int]], list[Ref]]:
        """(resolved uses with their Resolution, name-only uses) among candidate references.
        `family` narrows member look-ups (see `_family`): True computes the group's own, a set is
        one computed for several groups at once (a superset is as correct, only slower)."""
        rows = list(rows)
        keys = {d.key for d in group}
        scope, qname = group[0].scope, group[0].qname
        links = ctx.links
        if len(rows) > _PRIME_OVER:
            # Definitions are looked up one (scope, qname) at a time: an indexed query costs about as
            # much as reading three rows, so loading every definition of the name would cost more.
            links.prime_modules({r.tmod for r in rows if r.tmod is not None and not r.flags & (NAME_ONLY | EXTERNAL)})
        members = any(self._owner(ctx, d) is not None for d in group)
        if family is True:
            family = self._family(ctx, group) if members else None
        assert family is None or isinstance(family, set)
        plain = {d.name for d in group if self._owner(ctx, d) is None}
        resolved: list[tuple[Ref, int]] = []
        name_only: list[Ref] = []
        single = _same_symbol(group)
        names = {d.name for d in group}
        for r in rows:
            flags = r.flags
            if flags & NAME_ONLY:
                if r.name in names:
                    name_only.append(r)
                continue
            if r.tmod is None or r.tname is None or flags & EXTERNAL:
                continue
            if r.tmod == scope and r.tname == qname and not flags:
                resolved.append((r, _G.RESOLUTION_RESOLVED if single else _G.RESOLUTION_AMBIGUOUS))
                continue
            owner_known = False
            if members and "." in r.tname:
                owner, _, member = r.tname.rpartition(".")
                if member not in plain:
                    # The owner decides: unknown -> the name is all there is (name-only); a class outside
                    # the symbol's family (its class and every class inheriting from it) or a module ->
                    # some other attribute. Only then are the owner's bases walked for the member.
                    owned = links.resolve_owner(r.tmod, owner)
                    if owned is None:
                        if r.name in names:
                            name_only.append(r)
                        continue
                    if not isinstance(owned, tuple):
                        continue
                    if family is not None and not any(d.key in family for d in owned):
                        continue
                    owner_known = True
            res = links.resolve(r.tmod, r.tname, flags)
            if isinstance(res, tuple):
                hit = [d for d in res if d.key in keys]
                if hit:
                    exact = single and (len(res) == len(hit) or _same_symbol(res))
                    resolved.append((r, _G.RESOLUTION_RESOLVED if exact else _G.RESOLUTION_AMBIGUOUS))
            elif res is None and not owner_known and r.name in names:
                name_only.append(r)  # a chain that stops inside the repository: the name is all we have
        return resolved, name_only

    def _prime_owners(self, ctx: _Ctx, defs: Sequence[Def]) -> None:
        keys = [(d.file_id, d.parent_idx) for d in defs if d.parent_idx >= 0]
        todo = [k for k in keys if k not in ctx.owners]
        if todo:
            found = self._defs_in(ctx, todo)
            for k in todo:
                ctx.owners[k] = found.get(k)

    def _owner(self, ctx: _Ctx, d: Def) -> Def | None:
        """The class a definition is a member of (a Go method's receiver type), or None."""
        if d.parent_idx >= 0:
            key = (d.file_id, d.parent_idx)
            got = ctx.owners.get(key)
            if got is None and key not in ctx.owners:
                got = self._defs_in(ctx, [key]).get(key)
                ctx.owners[key] = got
            return got if got is not None and got.kind in CLASSLIKE else None
        if "." in d.qname and d.language == "go":
            found = [c for c in ctx.links.defs(d.scope, d.qname.rpartition(".")[0]) if c.kind in CLASSLIKE]
            return found[0] if found else None
        return None

    def _family(self, ctx: _Ctx, group: Sequence[Def]) -> set[tuple[int, int]] | None:
        """Keys of the classes owning the group's members and of every class inheriting from them
        (breadth first over INHERIT references by name); None when there is nothing to prune with:
        no member in the group, a family too large, or INHERIT references not enclosed by their class."""
        owners = [o for o in (self._owner(ctx, d) for d in group) if o is not None]
        if not owners:
            return None
        family = {o.key for o in owners}
        level = owners
        links = ctx.links
        for _depth in range(MAX_DEPTH):
            names = sorted(set().union(*self._alias_names(ctx, [[c] for c in level])))
            level_keys = {c.key for c in level}
            subs: list[tuple[int, int]] = []
            refs: list[tuple] = []
            for i in range(0, len(names), _CHUNK):
                chunk = names[i : i + _CHUNK]
                refs.extend(
                    ctx.fetch(
                        "SELECT file_id, enclosing_idx, name, tmod, tname, flags FROM refs "
                        f"WHERE repo_id = ? AND kind = 4 AND name IN ({', '.join('?' * len(chunk))})",
                        (ctx.rid, *chunk),
                    )
                )
            for file_id, enc, _name, tmod, tname, flags in refs:
                if (file_id, enc) in family or tmod is None:
                    continue
                res = links.resolve(tmod, tname, flags)
                if isinstance(res, tuple) and any(x.key in level_keys for x in res):
                    subs.append((file_id, enc))
            found = self._defs_in(ctx, subs)
            nxt: list[Def] = []
            for key in subs:
                c = found.get(key)
                if c is None or c.kind not in CLASSLIKE:
                    return None  # this extractor encloses base lists differently: no pruning
                if key not in family:
                    family.add(key)
                    nxt.append(c)
            if len(family) > _FAMILY_CAP:
                return None
            if not nxt:
                break
            level = nxt
        return family

    def _candidate_names(self, ctx: _Ctx, group: Sequence[Def]) -> list[str]:
        return self._alias_names(ctx, [group])[0]

    def _alias_names(self, ctx: _Ctx, nodes: Sequence[Sequence[Def]]) -> list[list[str]]:
        """Per symbol: its names and every alias imports give it, following re-exports (`export
        { default as Db }`, `from .core import Store as S` in an __init__) for a few rounds; one
        query per round for all the symbols."""
        seeds = [{(d.scope, d.name) for d in node} for node in nodes]
        edges: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        todo = set().union(*seeds) if seeds else set()
        done: set[tuple[str, str]] = set()
        budget = _ALIAS_STEPS * max(1, len(nodes))
        for _round in range(_ALIAS_ROUNDS):
            todo -= done
            if not todo or len(done) > budget:
                break
            done |= todo
            by_key: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
            for scope, name in todo:
                for key in _import_keys(scope):
                    by_key[(key, name)].append((scope, name))
            tmods = sorted({k for k, _ in by_key})
            names = sorted({n for _, n in by_key})
            new: set[tuple[str, str]] = set()
            for i in range(0, len(tmods), _CHUNK):
                chunk = tmods[i : i + _CHUNK]
                for j in range(0, len(names), _CHUNK):
                    nchunk = names[j : j + _CHUNK]
                    # no DISTINCT and no alias test in SQL: either makes SQLite scan the repository's
                    # imports through another index instead of looking the tmods up
                    for tmod, name, scope2, alias in ctx.fetch(
                        "SELECT tmod, name, scope, alias FROM imports WHERE repo_id = ? "
                        f"AND tmod IN ({', '.join('?' * len(chunk))}) AND name IN ({', '.join('?' * len(nchunk))})",
                        (ctx.rid, *chunk, *nchunk),
                    ):
                        if not alias:
                            continue
                        for pair in by_key.get((tmod, name), ()):
                            edges[pair].add((scope2, alias))
                            new.add((scope2, alias))
            todo = new
        out: list[list[str]] = []
        for seed in seeds:
            seen = set(seed)
            stack = list(seed)
            while stack:
                for nxt in edges.get(stack.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            out.append(sorted({n for _, n in seen}))
        return out

    def _refs_named(
        self, ctx: _Ctx, names: Sequence[str], *, calls_only: bool = False, linked_only: bool = False
    ) -> list[Ref]:
        """References spelled like one of `names`. `linked_only` leaves out, in the database, those
        flagged NAME_ONLY or EXTERNAL and those without a target: usually most of a common name's."""
        out: list[Ref] = []
        extra = (" AND r.kind = 2" if calls_only else "") + (
            " AND r.tmod IS NOT NULL AND r.flags IN (0, 1)" if linked_only else ""
        )
        for i in range(0, len(names), _CHUNK):
            chunk = names[i : i + _CHUNK]
            out.extend(
                Ref(*r)
                for r in ctx.fetch(
                    f"{REF_SELECT} WHERE r.repo_id = ? AND r.name IN ({', '.join('?' * len(chunk))}){extra}",
                    (ctx.rid, *chunk),
                )
            )
        return out

    def _flagged_name_only(self, ctx: _Ctx, names: Sequence[str]) -> int:
        n = 0
        for i in range(0, len(names), _CHUNK):
            chunk = names[i : i + _CHUNK]
            row = ctx.fetchone(
                f"SELECT COUNT(*) FROM refs r WHERE r.repo_id = ? AND r.name IN ({', '.join('?' * len(chunk))}) "
                "AND r.flags = 2",
                (ctx.rid, *chunk),
            )
            n += int(row[0]) if row else 0
        return n

    def references(self, req: graph_pb2.FindReferencesRequest) -> graph_pb2.FindReferencesResponse:
        ctx = self._open()
        spec = cursor.PageSpec.of(
            req.page,
            cursor.fingerprint("references", req.target.SerializeToString(), req.include_name_only, ctx.repo.root),
        )
        group = self._symbol(ctx, req.target, "references")
        names = self._candidate_names(ctx, group)
        rows = self._refs_named(ctx, names, linked_only=not req.include_name_only)
        resolved, name_only = self._classify(ctx, group, rows)
        items: list[tuple[Ref, int]] = resolved
        omitted = 0
        if req.include_name_only:
            items = resolved + [(r, _G.RESOLUTION_NAME_ONLY) for r in name_only]
        else:
            # those flagged at index time were not read, only counted (under the definition's own names)
            omitted = len(name_only) + self._flagged_name_only(ctx, sorted({d.name for d in group}))
        items.sort(key=lambda it: (it[0].path, it[0].sl, it[0].sc))

        def build(win: range) -> list[graph_pb2.Reference]:
            chosen = [items[i] for i in win]
            encl = self._defs_in(ctx, {(r.file_id, r.enclosing_idx) for r, _ in chosen})
            return [_reference(ctx, r, encl.get((r.file_id, r.enclosing_idx)), res) for r, res in chosen]

        page, nxt, truncated = spec.take(len(items), build)
        comp = self._completeness(ctx)
        comp.truncated = truncated
        return _G.FindReferencesResponse(
            symbol=symbol_ref(group[0]),
            references=page,
            total=len(items),
            name_only_omitted=omitted,
            next_cursor=nxt,
            completeness=comp,
        )

    def dangling_uses(self, path: str, qname: str, limit: int = 50) -> tuple[list[graph_pb2.Reference], int]:
        """Uses that still name `qname`, a definition of `path` the index no longer has (a change
        removed or renamed it): references whose target is that name in that file's module and leads
        nowhere now. (At most `limit` of them, in path order; how many there are.)"""
        ctx = self._open()
        rel = self._rel(ctx, path)
        row = ctx.fetchone("SELECT id, scope, module FROM files WHERE repo_id = ? AND path = ?", (ctx.rid, rel))
        if row is None:
            return [], 0
        fid, scope, module = row
        links = ctx.links
        found: list[Ref] = []
        for r in self._refs_named(ctx, [qname.rpartition(".")[2]]):
            if r.tmod is None or r.tname != qname or r.flags & (NAME_ONLY | EXTERNAL):
                continue
            if r.tmod not in (scope, module) and not any(f.id == fid for f in links.module(r.tmod)):
                continue  # the same name in another module
            if links.resolve(r.tmod, r.tname, r.flags) is None:
                found.append(r)
        found.sort(key=lambda r: (r.path, r.sl, r.sc))
        chosen = found[:limit]
        encl = self._defs_in(ctx, {(r.file_id, r.enclosing_idx) for r in chosen})
        out = [_reference(ctx, r, encl.get((r.file_id, r.enclosing_idx)), _G.RESOLUTION_UNSPECIFIED) for r in chosen]
        return out, len(found)

    # ------------------------------------------------------------------ call hierarchy

    def calls(self, req: graph_pb2.CallHierarchyRequest) -> graph_pb2.CallHierarchyResponse:
        ctx = self._open()
        group = self._symbol(ctx, req.target, "a call hierarchy")
        depth = min(max(int(req.depth), 1), 5)
        max_edges = int(req.max_edges) or 200
        max_edges = min(max_edges, 2000)
        if req.direction == _G.CALL_DIRECTION_CALLEES:
            edges, truncated = self._callees(ctx, group, depth, max_edges, req.include_name_only)
        else:
            edges, truncated = self._callers(ctx, group, depth, max_edges, req.include_name_only)
        spec = cursor.PageSpec.of(req.page, cursor.fingerprint("calls", _unpaged(req), ctx.repo.root))
        page, next_cursor, more = spec.take(len(edges), lambda win: edges[win.start : win.stop])
        comp = self._completeness(ctx)
        comp.truncated = more
        return _G.CallHierarchyResponse(
            symbol=symbol_ref(group[0]),
            edges=page,
            truncated=truncated,
            completeness=comp,
            total=len(edges),
            next_cursor=next_cursor,
        )

    def _callers_of(
        self, ctx: _Ctx, nodes: list[list[Def]], name_only: bool, enough: int
    ) -> list[tuple[int, list[tuple[Ref, int]]]]:
        """Per symbol (index into `nodes`): its CALL references, by path and position; stops after
        the symbol whose callers reach `enough` distinct enclosing definitions."""
        node_names = self._alias_names(ctx, nodes)
        by_name: dict[str, list[Ref]] = defaultdict(list)
        for r in self._refs_named(ctx, sorted(set().union(*node_names)), calls_only=True, linked_only=not name_only):
            by_name[r.name].append(r)
        ctx.links.prime_modules(
            {
                r.tmod
                for rs in by_name.values()
                for r in rs
                if r.tmod is not None and not r.flags & (NAME_ONLY | EXTERNAL)
            }
        )
        defs = [d for node in nodes for d in node]
        self._prime_owners(ctx, defs)
        family = self._family(ctx, defs)
        out: list[tuple[int, list[tuple[Ref, int]]]] = []
        callers: set[tuple[int, int]] = set()
        for n, node in enumerate(nodes):
            rows = [r for nm in node_names[n] for r in by_name.get(nm, ())]
            resolved, loose = self._classify(ctx, node, rows, family)
            found = resolved + ([(r, _G.RESOLUTION_NAME_ONLY) for r in loose] if name_only else [])
            found.sort(key=lambda it: (it[0].path, it[0].sl, it[0].sc))
            out.append((n, found))
            callers.update((r.file_id, r.enclosing_idx) for r, _ in found)
            if len(callers) >= enough:
                break
        return out

    def _call_group(self, ctx: _Ctx, group: list[Def]) -> list[Def]:
        """A constructor is called through its class: both are call targets."""
        d = group[0]
        if d.parent_idx >= 0 and (
            d.kind == parse_pb2.SYMBOL_KIND_CONSTRUCTOR or (d.language == "python" and d.name == "__init__")
        ):
            parent = self._defs_in(ctx, [(d.file_id, d.parent_idx)]).get((d.file_id, d.parent_idx))
            if parent is not None and parent.kind in CLASSLIKE:
                return group + [parent]
        return group

    def _callers(
        self, ctx: _Ctx, group: list[Def], depth: int, max_edges: int, name_only: bool
    ) -> tuple[list[graph_pb2.CallEdge], bool]:
        edges: list[graph_pb2.CallEdge] = []
        # a node is one symbol: its definitions (a class and its constructor count as one)
        frontier: list[list[Def]] = [self._call_group(ctx, group)]
        seen = {d.key for d in frontier[0]}
        for level in range(1, depth + 1):
            hits: dict[tuple[int, tuple[int, int]], list[tuple[Ref, int]]] = {}
            order: list[tuple[int, tuple[int, int]]] = []
            # a few queries per chunk of frontier symbols (their names, aliases, classes); chunks stop
            # once the callers found fill the edges left
            for lo in range(0, len(frontier), _FRONTIER_CHUNK):
                if len(edges) + len(order) >= max_edges:
                    break
                chunk = frontier[lo : lo + _FRONTIER_CHUNK]
                for n, found in self._callers_of(ctx, chunk, name_only, max_edges - len(edges) - len(order)):
                    for r, res in found:
                        key = (lo + n, (r.file_id, r.enclosing_idx))
                        if key not in hits:
                            hits[key] = []
                            order.append(key)
                        hits[key].append((r, res))
            callers = self._defs_in(ctx, [k[1] for k in order])
            nxt: list[list[Def]] = []
            for key in order:
                if len(edges) >= max_edges:
                    return edges, True
                n, ck = key
                sites = hits[key]
                caller = callers.get(ck)
                first = sites[0][0]
                edges.append(
                    _G.CallEdge(
                        caller=symbol_ref(caller) if caller else _G.SymbolRef(path=first.path, language=first.language),
                        callee=symbol_ref(frontier[n][0]),
                        depth=level,
                        call_sites=[rng(r.sl, r.sc, r.el, r.ec, r.sb, r.eb) for r, _ in sites[:20]],
                        resolution=_worst(res for _, res in sites),  # type: ignore[arg-type]
                    )
                )
                if caller is not None and caller.key not in seen:
                    seen.add(caller.key)
                    nxt.append(self._call_group(ctx, [caller]))
            frontier = nxt
            if not frontier:
                return edges, False
        # the depth limit cut the walk if some frontier symbol is called at all (by name: cheap, may over-report)
        names = sorted({d.name for node in frontier for d in node})
        more = False
        for i in range(0, len(names), _CHUNK):
            some = names[i : i + _CHUNK]
            if ctx.fetchone(
                f"SELECT 1 FROM refs WHERE repo_id = ? AND kind = 2 AND name IN ({', '.join('?' * len(some))}) LIMIT 1",
                (ctx.rid, *some),
            ):
                more = True
                break
        return edges, more

    def _callees(
        self, ctx: _Ctx, group: list[Def], depth: int, max_edges: int, name_only: bool
    ) -> tuple[list[graph_pb2.CallEdge], bool]:
        edges: list[graph_pb2.CallEdge] = []
        links = ctx.links
        frontier: list[Def] = [group[0]]
        seen = {d.key for d in group}
        for level in range(1, depth + 1):
            nxt: list[Def] = []
            for node in frontier:
                bodies = [node] + self._constructors(ctx, node)
                rows: list[Ref] = []
                for b in bodies:
                    rows.extend(
                        Ref(*r)
                        for r in ctx.fetch(
                            f"{REF_SELECT} WHERE r.file_id = ? AND r.enclosing_idx = ? AND r.kind = 2 ORDER BY r.sl, r.sc",
                            (b.file_id, b.idx),
                        )
                    )
                grouped: dict[Any, list[Ref]] = {}
                callee_of: dict[Any, tuple[graph_pb2.SymbolRef, int, Def | None]] = {}
                for r in rows:
                    res = None if r.flags & NAME_ONLY else links.resolve(r.tmod, r.tname, r.flags)
                    targets: list[tuple[Any, graph_pb2.SymbolRef, int, Def | None]] = []
                    if isinstance(res, tuple):
                        one = self._one_symbol(ctx, res)
                        if one is not None:
                            res = (one,)
                        how: int = _G.RESOLUTION_RESOLVED if len(res) == 1 else _G.RESOLUTION_AMBIGUOUS
                        targets = [(d.key, symbol_ref(d), how, d) for d in res]
                    elif isinstance(res, External):
                        text = res.text()
                        targets = [(text, _G.SymbolRef(name=r.name, qualified_name=text), _G.RESOLUTION_RESOLVED, None)]
                    elif (
                        res is None
                        and name_only
                        and (r.flags & NAME_ONLY or (r.tmod is not None and not r.flags & EXTERNAL))
                    ):
                        cands = self._name_only_candidates(ctx, r)[:_NAME_ONLY_CALLEES]
                        targets = [(d.key, symbol_ref(d), _G.RESOLUTION_NAME_ONLY, d) for d in cands]
                    for key, sref, resolution, d in targets:
                        if key not in grouped:
                            grouped[key] = []
                            callee_of[key] = (sref, resolution, d)
                        grouped[key].append(r)
                for key, sites in grouped.items():
                    if len(edges) >= max_edges:
                        return edges, True
                    sref, resolution, d = callee_of[key]
                    edges.append(
                        _G.CallEdge(
                            caller=symbol_ref(node),
                            callee=sref,
                            depth=level,
                            call_sites=[rng(r.sl, r.sc, r.el, r.ec, r.sb, r.eb) for r in sites[:20]],
                            resolution=resolution,  # type: ignore[arg-type]
                        )
                    )
                    if d is not None and d.key not in seen and (d.kind in FUNCTIONLIKE or d.kind in CLASSLIKE):
                        seen.add(d.key)
                        nxt.append(d)
            frontier = nxt
            if not frontier:
                return edges, False
        more = any(
            ctx.fetchone(
                "SELECT 1 FROM refs WHERE file_id = ? AND enclosing_idx = ? AND kind = 2 LIMIT 1", (d.file_id, d.idx)
            )
            for d in frontier
        )
        return edges, more

    def _constructors(self, ctx: _Ctx, d: Def) -> list[Def]:
        if d.kind not in CLASSLIKE:
            return []
        return [
            Def(*r)
            for r in ctx.fetch(
                f"{DEF_SELECT} WHERE d.file_id = ? AND d.parent_idx = ? AND (d.kind = ? OR d.name = '__init__')",
                (d.file_id, d.idx, parse_pb2.SYMBOL_KIND_CONSTRUCTOR),
            )
        ]

    # ------------------------------------------------------------------ import graph

    def imports(self, req: graph_pb2.ImportGraphRequest) -> graph_pb2.ImportGraphResponse:
        ctx = self._open()
        rel = self._rel(ctx, req.path)
        depth = min(max(int(req.depth), 1), 10)
        max_edges = min(int(req.max_edges) or 500, 5000)
        start = self._files_under(ctx, rel)
        if not start:
            raise errors.InvalidInput(f"{req.path!r} is neither an indexed file nor a directory with indexed files")
        graph = _ImportWalk(ctx)
        if req.direction == _G.IMPORT_DIRECTION_IMPORTED_BY:
            truncated = graph.imported_by(start, depth, max_edges)
        else:
            truncated = graph.imports(start, depth, max_edges)
        spec = cursor.PageSpec.of(req.page, cursor.fingerprint("imports", _unpaged(req), ctx.repo.root))
        edges = graph.edges
        page, next_cursor, more = spec.take(len(edges), lambda win: edges[win.start : win.stop])
        comp = self._completeness(ctx)
        comp.truncated = more
        return _G.ImportGraphResponse(
            edges=page,
            total=len(edges),
            next_cursor=next_cursor,
            cycles=[_G.ImportCycle(paths=c) for c in graph.cycles()],
            external_modules=[
                _G.ExternalModule(module=m, count=n)
                for m, n in sorted(graph.external.items(), key=lambda kv: (-kv[1], kv[0]))[:50]
            ],
            truncated=truncated,
            completeness=comp,
        )

    def _files_under(self, ctx: _Ctx, rel: str) -> list[FileRow]:
        cols = "SELECT id, path, language, module FROM files WHERE repo_id = ? AND facts = 1"
        if not rel:
            rows = ctx.fetch(f"{cols} ORDER BY path", (ctx.rid,))
        else:
            rows = [
                r
                for r in ctx.fetch(f"{cols} AND path >= ? AND path < ? ORDER BY path", _path_range(ctx.rid, rel))
                if _under(r[1], rel)
            ]
        return [FileRow(*r) for r in rows]

    # ------------------------------------------------------------------ outline

    def outline(self, req: graph_pb2.OutlineRequest) -> graph_pb2.OutlineResponse:
        ctx = self._open()
        rel = self._rel(ctx, req.path)
        spec = cursor.PageSpec.of(req.page, cursor.fingerprint("outline", rel, req.depth, ctx.repo.root))
        cols = "SELECT f.id, f.path, f.language, COUNT(d.idx) FROM files f LEFT JOIN defs d ON d.file_id = f.id"
        if rel:
            rows = [
                r
                for r in ctx.fetch(
                    f"{cols} WHERE f.repo_id = ? AND f.facts = 1 AND f.path >= ? AND f.path < ? "
                    "GROUP BY f.id, f.path, f.language ORDER BY f.path",
                    _path_range(ctx.rid, rel),
                )
                if _under(r[1], rel)
            ]
        else:
            rows = ctx.fetch(
                f"{cols} WHERE f.repo_id = ? AND f.facts = 1 GROUP BY f.id, f.path, f.language ORDER BY f.path",
                (ctx.rid,),
            )
        if not rows:
            if rel:
                raise errors.InvalidInput(f"{req.path!r} is neither an indexed file nor a directory with indexed files")
        direct: list[tuple[int, str, str]] = []
        dirs: dict[str, list[int]] = {}
        base = rel + "/" if rel else ""
        for fid, path, lang, ndefs in rows:
            if path == rel:
                direct.append((fid, path, lang))
                continue
            rest = path[len(base) :]
            head, sep, _ = rest.partition("/")
            if sep:
                agg = dirs.setdefault(base + head + "/", [0, 0])
                agg[0] += 1
                agg[1] += int(ndefs)
            else:
                direct.append((fid, path, lang))
        directories = (
            [_G.OutlineDirectory(path=p, files=n, definitions=k) for p, (n, k) in sorted(dirs.items())]
            if spec.offset == 0
            else []
        )
        depth = int(req.depth)

        def build(win: range) -> list[graph_pb2.OutlineFile]:
            chosen = [direct[i] for i in win]
            by_file: dict[int, list[Def]] = defaultdict(list)
            ids = [c[0] for c in chosen]
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                for r in ctx.fetch(
                    f"{DEF_SELECT} WHERE d.file_id IN ({', '.join('?' * len(chunk))}) ORDER BY d.file_id, d.idx", chunk
                ):
                    d = Def(*r)
                    by_file[d.file_id].append(d)
            out = []
            for fid, path, lang in chosen:
                defs = by_file.get(fid, [])
                level: dict[int, int] = {}
                for d in defs:
                    level[d.idx] = level.get(d.parent_idx, -1) + 1 if d.parent_idx >= 0 else 0
                keep = sorted((d for d in defs if level[d.idx] <= depth), key=lambda d: (level[d.idx], d.idx))
                shown = keep[:_OUTLINE_CAP]
                out.append(
                    _G.OutlineFile(
                        path=path,
                        language=lang,
                        symbols=[symbol_ref(d) for d in shown],
                        symbols_omitted=len(defs) - len(shown),
                    )
                )
            return out

        files, nxt, truncated = spec.take(len(direct), build)
        comp = self._completeness(ctx)
        comp.truncated = truncated
        return _G.OutlineResponse(
            directories=directories, files=files, total_files=len(direct), next_cursor=nxt, completeness=comp
        )


# ---------------------------------------------------------------------- import graph walk


class _ImportWalk:
    """Breadth-first walk of the import graph from a set of files (see Queries.imports)."""

    def __init__(self, ctx: _Ctx):
        self.ctx = ctx
        self.edges: list[graph_pb2.ImportEdge] = []
        self.external: Counter[str] = Counter()
        self._edge_keys: set[tuple[str, str, str]] = set()
        self.adj: dict[str, list[str]] = defaultdict(list)
        self._module_files: dict[str, list[FileRow]] = {}

    def unit(self, f: FileRow) -> str:
        if f.language == "go":
            return _dir_unit(f.path)
        return f.path

    def _add(self, src: FileRow, to: str, module: str) -> bool:
        key = (src.path, to, module)
        if key in self._edge_keys:
            return False
        self._edge_keys.add(key)
        self.edges.append(_G.ImportEdge(from_path=src.path, to_path=to, module=module, external=not to))
        if to:
            a = self.unit(src)
            if to not in self.adj[a]:
                self.adj[a].append(to)
        return True

    def _rows_of(self, files: Sequence[FileRow]) -> dict[int, list[tuple]]:
        out: dict[int, list[tuple]] = defaultdict(list)
        ids = [f.id for f in files]
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for r in self.ctx.fetch(
                "SELECT file_id, module, level, name, tmod, is_export, line FROM imports "
                f"WHERE file_id IN ({', '.join('?' * len(chunk))}) ORDER BY file_id, line",
                chunk,
            ):
                out[r[0]].append(r)
        return out

    def target(self, src: FileRow, module: str, level: int, name: str, tmod: str | None) -> tuple[str, list[FileRow]]:
        """(unit path, files of it) an import reaches; ("", []) outside the repository."""
        links = self.ctx.links
        if tmod is None:
            return "", []
        lang = src.language
        if lang == "python":
            if name and name != "*":
                sub = links.module(f"{tmod}.{name}")
                if sub:
                    return sub[0].path, [sub[0]]
            files = links.module(tmod)
            return (files[0].path, [files[0]]) if files else ("", [])
        if lang == "go":
            files = links.module(tmod)
            return (_dir_unit(files[0].path), list(files)) if files else ("", [])
        if lang == "java":
            suffix = module[len(tmod) :].lstrip(".") if module.startswith(tmod) else ""
            cls = suffix.split(".", 1)[0] if suffix else ("" if name == "*" else name)
            if cls:
                defs = [d for d in links.defs(tmod, cls) if d.parent_idx < 0]
                if defs:
                    f = FileRow(defs[0].file_id, defs[0].path, defs[0].language, defs[0].module)
                    return f.path, [f]
            files = links.module(tmod)
            return (_dir_unit(files[0].path), list(files)) if files else ("", [])
        files = links.module(tmod)
        return (files[0].path, [files[0]]) if files else ("", [])

    def imports(self, start: Sequence[FileRow], depth: int, max_edges: int) -> bool:
        seen = {f.id for f in start}
        frontier = list(start)
        for _level in range(1, depth + 1):
            nxt: list[FileRow] = []
            rows = self._rows_of(frontier)
            for src in frontier:
                for _fid, module, lvl, name, tmod, _is_export, _line in rows.get(src.id, []):
                    if not module and src.language in JS_LANGUAGES:
                        continue  # a local export list: no other file
                    written = "." * int(lvl) + module
                    unit, files = self.target(src, module, int(lvl), name, tmod)
                    if not unit:
                        self.external[written] += 1
                    if len(self.edges) >= max_edges and (src.path, unit, written) not in self._edge_keys:
                        return True
                    self._add(src, unit, written)
                    for f in files:
                        if f.id not in seen:
                            seen.add(f.id)
                            nxt.append(f)
            frontier = nxt
            if not frontier:
                return False
        return any(self._rows_of(frontier).values())

    def imported_by(self, start: Sequence[FileRow], depth: int, max_edges: int) -> bool:
        seen = {f.id for f in start}
        frontier = list(start)
        for _level in range(1, depth + 1):
            nxt: list[FileRow] = []
            for dst in frontier:
                for src, written in self._importers(dst):
                    if len(self.edges) >= max_edges and (src.path, self.unit(dst), written) not in self._edge_keys:
                        return True
                    self._add(src, self.unit(dst), written)
                    if src.id not in seen:
                        seen.add(src.id)
                        nxt.append(src)
            frontier = nxt
            if not frontier:
                return False
        return any(self._importers(f) for f in frontier[:50])

    def _importers(self, dst: FileRow) -> list[tuple[FileRow, str]]:
        """Files importing `dst` (its module key; Python `from pkg import mod`; a JS directory import of
        an index file; Java imports of its classes or its package)."""
        ctx = self.ctx
        mod = dst.module
        keys = [mod]
        if dst.language in JS_LANGUAGES and mod.endswith("/index"):
            keys.append(mod[: -len("/index")])
        rows: list[tuple] = []
        sql = (
            "SELECT f.id, f.path, f.language, f.module, i.module, i.level, i.name, i.tmod FROM imports i "
            "JOIN files f ON f.id = i.file_id WHERE i.repo_id = ? AND i.tmod = ?"
        )
        for k in keys:
            rows.extend(ctx.fetch(sql, (ctx.rid, k)))
        if dst.language == "python" and "." in mod:
            parent, last = mod.rsplit(".", 1)
            rows.extend(r for r in ctx.fetch(sql, (ctx.rid, parent)) if r[6] == last)
        classes: set[str] | None = None
        if dst.language == "java":
            classes = {
                r[0] for r in ctx.fetch("SELECT name FROM defs WHERE file_id = ? AND parent_idx = -1", (dst.id,))
            }
        out: list[tuple[FileRow, str]] = []
        seen: set[tuple[int, str]] = set()
        for fid, path, lang, fmod, module, level, name, tmod in rows:
            if fid == dst.id or (not module and lang in JS_LANGUAGES):
                continue
            if classes is not None:
                suffix = module[len(tmod) :].lstrip(".") if module.startswith(tmod) else ""
                cls = suffix.split(".", 1)[0] if suffix else name
                if cls != "*" and cls not in classes:
                    continue
            written = "." * int(level) + module
            if (fid, written) in seen:
                continue
            seen.add((fid, written))
            out.append((FileRow(fid, path, lang, fmod), written))
        out.sort(key=lambda fw: (fw[0].path, fw[1]))
        return out

    def cycles(self) -> list[list[str]]:
        """One shortest cycle through the first node of every strongly connected component (Tarjan,
        iterative) of the nodes reached."""
        adj = self.adj
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on: set[str] = set()
        stack: list[str] = []
        comps: list[list[str]] = []
        counter = 0
        nodes = sorted(set(adj) | {t for ts in adj.values() for t in ts})
        for root in nodes:
            if root in index:
                continue
            work: list[tuple[str, int]] = [(root, 0)]
            while work:
                v, i = work.pop()
                if i == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on.add(v)
                succ = adj.get(v, [])
                if i < len(succ):
                    work.append((v, i + 1))
                    w = succ[i]
                    if w not in index:
                        work.append((w, 0))
                    elif w in on:
                        low[v] = min(low[v], index[w])
                    continue
                if low[v] == index[v]:
                    comp: list[str] = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1 or v in adj.get(v, []):
                        comps.append(sorted(comp))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
        out = []
        for comp in sorted(comps):
            members = set(comp)
            out.append(_shortest_cycle(comp[0], adj, members))
        return out


def _shortest_cycle(start: str, adj: dict[str, list[str]], members: set[str]) -> list[str]:
    prev: dict[str, str] = {}
    queue = [start]
    seen = {start}
    for v in queue:
        for w in adj.get(v, []):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w not in seen:
                seen.add(w)
                prev[w] = v
                queue.append(w)
    return [start]


def _path_range(rid: int, rel: str) -> tuple[int, str, str]:
    """(repo_id, low, high) bounds of the paths equal to or under `rel`: one index range ('.' and '-'
    sort before '/', so siblings like "rel.py" fall inside too and are filtered by `_under`)."""
    return (rid, rel, rel + "0")


def _under(path: str, rel: str) -> bool:
    return path == rel or path.startswith(rel + "/")


def _dir_unit(path: str) -> str:
    d = posixpath.dirname(path)
    return d + "/" if d else "./"


# ---------------------------------------------------------------------- helpers


def _split_qualified(query: str) -> tuple[str | None, str]:
    """("Store", "save") for "Store.save"; (None, "save") for "save"; JS "src/a.ts:Store.save" keeps the path."""
    q = query.strip().strip(".")
    head, sep, tail = q.rpartition(".")
    if ":" in tail:
        head2, _, tail = tail.rpartition(":")
        head = f"{head}.{head2}" if head else head2
        sep = "."
    if not sep:
        return None, q
    return head, tail


def _qualifier_ok(module: str, path: str, language: str, qname: str, name: str, qualifier: str, exact: bool) -> bool:
    fq = qualified_name(module, path, language, qname)
    before = fq[: len(fq) - len(name)].rstrip(".:")
    if not exact:
        before, qualifier = before.lower(), qualifier.lower()
    if ":" in qualifier or ":" in before:
        before, qualifier = before.replace(":", "."), qualifier.replace(":", ".")
    return before == qualifier or before.endswith(("." + qualifier, "/" + qualifier))


def _splits(query: str) -> list[tuple[str, str]]:
    """(scope, qname) readings of a fully qualified name: "a.b.C.m" -> ("a", "b.C.m"), ("a.b", "C.m"),
    ...; "src/util.ts:Store.save" -> ("src/util", "Store.save")."""
    if ":" in query:
        path, _, qname = query.rpartition(":")
        return [(js_module(path), qname)] if path and qname else []
    segs = query.split(".")
    return [(".".join(segs[:k]), ".".join(segs[k:])) for k in range(1, len(segs))]


def _like_escape(c: str) -> str:
    return "\\" + c if c in "%_\\" else c


def _fuzzy_score(name: str, q: str) -> tuple[int, int] | None:
    """(tier, length), smaller is better: equal, prefix, substring, then the query's characters in
    order; None when they are not all there in order. The SQL ranking of `search` says the same."""
    low = name.lower()
    if low == q:
        return (0, len(low))
    if low.startswith(q):
        return (1, len(low))
    if q in low:
        return (2, len(low))
    pos = -1
    for ch in q:
        pos = low.find(ch, pos + 1)
        if pos < 0:
            return None
    return (3, len(low))


def _span_rank(sl: int, sc: int, el: int, ec: int, line: int, col: int) -> tuple[int, int] | None:
    """How well a span covers a position: inside beats touching its end; smaller spans win."""
    if (sl, sc) <= (line, col) < (el, ec):
        return (0, (el - sl) * 10_000 + (ec - sc))
    if (el, ec) == (line, col):
        return (1, (el - sl) * 10_000 + (ec - sc))
    return None


def _same_symbol(defs: Sequence[Def]) -> bool:
    """Whether `defs` are one symbol (see `Queries._one_symbol`)."""
    if not defs:
        return False
    first = defs[0]
    if len(defs) == 1:
        return True
    if first.language == "java":
        return False
    return all(d.scope == first.scope and d.qname == first.qname and d.language == first.language for d in defs)


def _worst(resolutions: Iterable[int]) -> int:
    order: dict[int, int] = {_G.RESOLUTION_RESOLVED: 0, _G.RESOLUTION_AMBIGUOUS: 1, _G.RESOLUTION_NAME_ONLY: 2}
    worst: int = _G.RESOLUTION_RESOLVED
    for r in resolutions:
        if order.get(r, 0) > order.get(worst, 0):
            worst = r
    return worst


def _import_keys(scope: str) -> list[str]:
    """How imports name a module key: a JS/TS index file also by its directory."""
    if scope.endswith("/index"):
        return [scope, scope[: -len("/index")]]
    if scope == "index":
        return [scope, "."]
    return [scope]


def _module_ref(f: FileRow, name: str) -> graph_pb2.SymbolRef:
    return _G.SymbolRef(
        name=name.rsplit(".", 1)[-1].rsplit("/", 1)[-1],
        qualified_name=name,
        kind=parse_pb2.SYMBOL_KIND_MODULE,
        path=f.path,
        language=f.language,
        range=rng(0, 0, 0, 0, 0, 0),
        selection_range=rng(0, 0, 0, 0, 0, 0),
    )


def _unpaged(req: Any) -> bytes:
    """The request without its page: what a cursor must have been made for."""
    probe = type(req)()
    probe.CopyFrom(req)
    probe.ClearField("page")
    return probe.SerializeToString(deterministic=True)
