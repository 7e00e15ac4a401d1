"""Query-time resolution: symbolic targets (from `codeintel.graph.resolve`) to definition rows.

A target ``(tmod, tname, flags)`` is followed through the store, one indexed look-up per step:

1. the module: files whose module key is `tmod` (then ``tmod/index`` for JS/TS directories); when
   none, trailing segments move into the name (Java ``a.b.C`` + ``m`` -> package ``a.b`` +
   ``C.m``) until a module is found, else the target is EXTERNAL (the module named as written);
2. a definition ``(scope, tname)``;
3. the longest defined prefix of `tname`: a class -> its member, looked up in the class, then in
   its bases breadth first (each base resolved through the INHERIT reference the file recorded
   for it, so the defining file's own imports decide); anything else -> unresolved;
4. a module-level variable with a type hint named by the first segment (``request.path`` ->
   the hinted type's ``path``; `resolve_owner` also takes a bare variable for its type), then
   the module's import bindings of the first segment (Python: every module-level import, so
   ``__init__`` re-exports work; JS/TS: its imports and exports, including ``export default x``
   and ``export {a as b}``; CommonJS ``exports.a = b`` / ``module.exports = {a: b}`` are export
   rows like ``export {b as a}``, and ``module.exports = X`` (alias "module.exports") makes X the
   module's value: what a ``require`` of it, its ``default`` and its other names lead to; Go/Java: none, imports do not leave the file), then a submodule
   (Python/Java ``a`` + ``b.c`` -> ``a.b`` + ``c``), then ``*`` imports / ``export *``;
5. language fallbacks: Java ``java.lang`` classes, Go builtins (both EXTERNAL).

The SUPER flag starts the member look-up at the class's bases. Every step is memoised for the
life of a `Links` (one query) and the depth is limited to 8 hops; a cycle of re-exports resolves to
nothing rather than looping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from codeintel.graph.resolve import CLASSLIKE, EXTERNAL, JS_LANGUAGES, NAME_ONLY, SUPER
from codeintel.v1 import common_pb2, graph_pb2

MAX_DEPTH = 8
# The alias of a JS export row for a CommonJS `module.exports = X` (module "", name "X",
# is_export): the module's value is X, what `require()` returns.
CJS_EXPORTS = "module.exports"
_TYPED = 8  # internal: a variable stands for its type (the owner of `var.attr`), see `resolve_owner`
_CHUNK = 500  # values per SQL `IN (...)` list

DEF_COLUMNS = (
    "d.file_id, d.idx, d.name, d.qname, d.scope, d.kind, d.parent_idx, d.exported, d.bases, "
    "d.sl, d.sc, d.el, d.ec, d.sb, d.eb, d.nsl, d.nsc, d.nel, d.nec, d.nsb, d.neb, f.path, f.language, f.module"
)
DEF_SELECT = f"SELECT {DEF_COLUMNS} FROM defs d JOIN files f ON f.id = d.file_id"

JAVA_LANG = frozenset(
    """Object String System Integer Long Double Float Boolean Character Byte Short Math StrictMath Number
    StringBuilder StringBuffer CharSequence Iterable Comparable Runnable Thread ThreadLocal Class ClassLoader
    Enum Record Void Exception RuntimeException Error Throwable IllegalArgumentException IllegalStateException
    NullPointerException UnsupportedOperationException IndexOutOfBoundsException ArrayIndexOutOfBoundsException
    ArithmeticException ClassCastException NumberFormatException InterruptedException CloneNotSupportedException
    SecurityException ReflectiveOperationException ClassNotFoundException AssertionError OutOfMemoryError
    StackOverflowError AutoCloseable Cloneable Override Deprecated SuppressWarnings FunctionalInterface
    SafeVarargs Process ProcessBuilder Runtime""".split()
)
GO_BUILTINS = frozenset(
    """append cap clear close complex copy delete imag len make max min new panic print println real recover
    bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8
    uint16 uint32 uint64 uintptr any comparable true false iota nil""".split()
)


class Reader(Protocol):
    """What Links needs of the store: RepoRow.fetch (routed to the root's database)."""

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


class Def(NamedTuple):
    file_id: int
    idx: int
    name: str
    qname: str
    scope: str
    kind: int
    parent_idx: int
    exported: int
    bases: str
    sl: int
    sc: int
    el: int
    ec: int
    sb: int
    eb: int
    nsl: int
    nsc: int
    nel: int
    nec: int
    nsb: int
    neb: int
    path: str
    language: str
    module: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.file_id, self.idx)


class FileRow(NamedTuple):
    id: int
    path: str
    language: str
    module: str


@dataclass(frozen=True, slots=True)
class External:
    """A target outside the repository: the module as the file named it, and the name in it."""

    module: str
    name: str

    def text(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass(frozen=True, slots=True)
class ModuleHit:
    """A target that is a module of the repository itself (`import pkg` then `pkg`)."""

    module: str
    files: tuple[FileRow, ...]


Result = tuple[Def, ...] | External | ModuleHit | None


def qualified_name(module: str, path: str, language: str, qname: str) -> str:
    """SymbolRef.qualified_name: module-dotted for Python/Go/Java, "path:qname" for JS/TS and the rest."""
    if language in ("python", "go", "java"):
        return f"{module}.{qname}" if module and module != "." else qname
    return f"{path}:{qname}"


def rng(sl: int, sc: int, el: int, ec: int, sb: int, eb: int) -> common_pb2.Range:
    return common_pb2.Range(
        start=common_pb2.Position(line=sl or 0, column=sc or 0),
        end=common_pb2.Position(line=el or 0, column=ec or 0),
        start_byte=sb or 0,
        end_byte=eb or 0,
    )


def symbol_ref(d: Def) -> graph_pb2.SymbolRef:
    return graph_pb2.SymbolRef(
        name=d.name,
        qualified_name=qualified_name(d.module, d.path, d.language, d.qname),
        kind=d.kind,  # type: ignore[arg-type]
        path=d.path,
        language=d.language,
        range=rng(d.sl, d.sc, d.el, d.ec, d.sb, d.eb),
        selection_range=rng(d.nsl, d.nsc, d.nel, d.nec, d.nsb, d.neb),
    )


class Links:
    """Resolution of symbolic targets for one query against one repository (memoised)."""

    def __init__(self, db: Reader, repo_id: int):
        self.db = db
        self.repo_id = repo_id
        self._defs: dict[tuple[str, str], tuple[Def, ...]] = {}
        self._modules: dict[str, tuple[FileRow, ...]] = {}
        self._res: dict[tuple[str, str, int], Result] = {}
        self._active: set[tuple[str, str, int]] = set()  # being resolved: met again means a cycle
        self._cut = False  # the current resolution met the depth limit or a cycle
        self._bases: dict[tuple[int, int], list[Result]] = {}
        self._bindings: dict[tuple[str, str], list[tuple]] = {}
        self._stars: dict[str, list[tuple]] = {}
        self._vars: dict[tuple[str, str], list[tuple]] = {}

    # ------------------------------------------------------------------ store look-ups

    def defs(self, scope: str, qname: str) -> tuple[Def, ...]:
        key = (scope, qname)
        got = self._defs.get(key)
        if got is None:
            rows = self.db.fetch(
                f"{DEF_SELECT} WHERE d.repo_id = ? AND d.scope = ? AND d.qname = ? ORDER BY f.path, d.idx",
                (self.repo_id, scope, qname),
            )
            got = tuple(Def(*r) for r in rows)
            self._defs[key] = got
        return got

    def module(self, mod: str) -> tuple[FileRow, ...]:
        """The files of a module key (a JS/TS directory's index file for a directory), or ()."""
        got = self._modules.get(mod)
        if got is None:
            self.prime_modules([mod])
            got = self._modules[mod]
        return got

    def prime_modules(self, mods: Iterable[str]) -> None:
        """Look the files of many module keys up in one query (with their ``/index`` variants)."""
        todo = sorted({m for m in mods if m is not None and m not in self._modules})
        if not todo:
            return
        wanted = set(todo)
        for m in todo:
            if m and not m.endswith("/index"):
                wanted.add(_index_of(m))
        keys = sorted(wanted)
        found: dict[str, list[FileRow]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            # sorted here: ORDER BY path would make SQLite walk every file of the repository in path order
            for r in self.db.fetch(
                f"SELECT id, path, language, module FROM files WHERE repo_id = ? AND module IN ({', '.join('?' * len(chunk))})",
                (self.repo_id, *chunk),
            ):
                found.setdefault(r[3], []).append(FileRow(*r))
        for m in todo:
            files = found.get(m) or (found.get(_index_of(m)) if m and not m.endswith("/index") else None) or []
            self._modules[m] = tuple(sorted(files, key=lambda f: f.path))

    def _binding_rows(self, scope: str, alias: str) -> list[tuple]:
        key = (scope, alias)
        got = self._bindings.get(key)
        if got is None:
            got = self.db.fetch(
                "SELECT tmod, name, module, level, is_export FROM imports "
                "WHERE repo_id = ? AND scope = ? AND alias = ? AND enclosing_idx = -1",
                (self.repo_id, scope, alias),
            )
            self._bindings[key] = got
        return got

    def _var_rows(self, scope: str, name: str) -> list[tuple]:
        key = (scope, name)
        got = self._vars.get(key)
        if got is None:
            got = self.db.fetch(
                "SELECT tmod, tname, flags FROM vars WHERE repo_id = ? AND scope = ? AND name = ?",
                (self.repo_id, scope, name),
            )
            self._vars[key] = got
        return got

    def _through_var(self, scope: str, name: str, rest: str, depth: int) -> Result:
        """`rest` of the variable or attribute `name` of `scope` with a type hint (module-level
        `request: Request`, class attribute `Cls.json: JSONProvider`): followed through its type."""
        for tm, tn, vflags in self._var_rows(scope, name):
            if tm is None:
                continue
            tn = f"{tn}.{rest}" if tn and rest else (tn or rest)
            if vflags & EXTERNAL:
                return External(tm, tn)
            r = self._resolve(tm, tn, 0, depth + 1)
            if r is not None:
                return r
        return None

    def _star_rows(self, scope: str) -> list[tuple]:
        got = self._stars.get(scope)
        if got is None:
            got = self.db.fetch(
                "SELECT tmod, module, is_export FROM imports "
                "WHERE repo_id = ? AND scope = ? AND alias IN ('', '*') AND name = '*'",
                (self.repo_id, scope),
            )
            self._stars[scope] = got
        return got

    # ------------------------------------------------------------------ resolution

    def resolve(self, tmod: str | None, tname: str | None, flags: int) -> Result:
        """Where a stored target leads: definitions, a module, an external name, or None."""
        if tmod is None or flags & NAME_ONLY:
            return None
        if flags & EXTERNAL:
            return External(tmod, tname or "")
        return self._resolve(tmod, tname or "", flags & SUPER, 0)

    def resolve_owner(self, tmod: str | None, tname: str | None, flags: int = 0) -> Result:
        """Like `resolve`, for the object before an attribute: a module-level variable with a type
        hint stands for its type (``mod.request`` -> the class ``Request``), as it does in
        ``mod.request.attr``. `resolve` itself never answers a variable with its type."""
        if tmod is None or flags & NAME_ONLY:
            return None
        if flags & EXTERNAL:
            return External(tmod, tname or "")
        return self._resolve(tmod, tname or "", (flags & SUPER) | _TYPED, 0)

    def _resolve(self, mod: str, name: str, sup: int, depth: int) -> Result:
        key = (mod, name, sup)
        if key in self._res:
            return self._res[key]
        if depth > MAX_DEPTH or key in self._active:
            self._cut = True  # the depth limit or a cycle of re-exports: no answer, and none to remember
            return None
        outer, self._cut = self._cut, False
        self._active.add(key)
        try:
            res = self._compute(mod, name, sup, depth)
        finally:
            self._active.discard(key)
        if res is not None or not self._cut:
            # A miss caused by a cut depends on the path that led here: only the others are kept, so an
            # answer never depends on what the same query resolved before.
            self._res[key] = res
        self._cut = self._cut or outer
        return res

    def _compute(self, mod: str, name: str, sup: int, depth: int) -> Result:
        files = self.module(mod)
        if not files:
            m, rest = mod, name
            while not files and "." in m:
                m, last = m.rsplit(".", 1)
                rest = f"{last}.{rest}" if rest else last
                files = self.module(m)
            if not files:
                return External(mod, name)
            mod, name = m, rest
        scope = files[0].module
        lang = files[0].language
        if not name:
            if lang in JS_LANGUAGES:
                # `require('./x')` of a CommonJS module whose `module.exports = X`: the value X
                r = self._module_exports(scope, lang, "", depth)
                if r is not None:
                    return r
            return ModuleHit(scope, files)
        if sup & SUPER:
            cls, _, member = name.rpartition(".")
            classes = [d for d in self.defs(scope, cls) if d.kind in CLASSLIKE]
            return self._member(classes, member, depth + 1, skip_self=True) if classes and member else None
        exact = self.defs(scope, name)
        if exact:
            return exact
        segs = name.split(".")
        for i in range(len(segs) - 1, 0, -1):
            found = self.defs(scope, ".".join(segs[:i]))
            if found:
                classes = [d for d in found if d.kind in CLASSLIKE]
                if not classes:
                    return None  # an attribute of a function or a variable: not followed
                return self._member(classes, ".".join(segs[i:]), depth + 1, typed=bool(sup & _TYPED))
        head, rest = segs[0], ".".join(segs[1:])
        if rest or sup & _TYPED:
            # a module-level variable with a type hint: `var.attr` is the attribute of its type
            r = self._through_var(scope, head, rest, depth)
            if r is not None:
                return r
        if lang == "python" or lang in JS_LANGUAGES:
            for tmod, bname, module, level, _is_export in self._binding_rows(scope, head):
                target = _binding(lang, tmod, bname, module, level, head)
                if target is None:
                    continue
                tm, tn, external = target
                tn = f"{tn}.{rest}" if tn and rest else (tn or rest)
                if external:
                    return External(tm, tn)
                r = self._resolve(tm, tn, 0 if rest else sup & _TYPED, depth + 1)
                if r is not None:
                    return r
        if lang in JS_LANGUAGES:
            # a CommonJS module's value: `default` is it (ESM interop), other names are its members
            r = self._module_exports(scope, lang, rest if head == "default" else name, depth)
            if r is not None:
                return r
        if lang in ("python", "java") and scope not in ("", "."):
            sub = f"{scope}.{head}"
            if self.module(sub):
                return self._resolve(sub, rest, 0, depth + 1)
        for tmod, _module, is_export in self._star_rows(scope):
            if tmod is None or (lang in JS_LANGUAGES and not is_export):
                continue
            r = self._resolve(tmod, name, 0, depth + 1)
            if r is not None and not isinstance(r, External):
                return r
        if lang == "java" and head in JAVA_LANG:
            return External("java.lang", name)
        if lang == "go" and name in GO_BUILTINS:
            return External("builtin", name)
        return None

    def _module_exports(self, scope: str, lang: str, rest: str, depth: int) -> Result:
        """What ``module.exports = X`` (an export row with alias "module.exports") makes of the
        module's value, or of `rest` in it; None when the module has no such row."""
        for tmod, bname, module, level, _is_export in self._binding_rows(scope, CJS_EXPORTS):
            target = _binding(lang, tmod, bname, module, level, CJS_EXPORTS)
            if target is None:
                continue
            tm, tn, external = target
            tn = f"{tn}.{rest}" if tn and rest else (tn or rest)
            if external:
                return External(tm, tn)
            r = self._resolve(tm, tn, 0, depth + 1)
            if r is not None:
                return r
        return None

    def _member(
        self, classes: Iterable[Def], member: str, depth: int, *, skip_self: bool = False, typed: bool = False
    ) -> Result:
        """`member` of the first class (breadth first through bases) that defines it. An attribute
        with a type hint (``self.json: JSONProvider``, a class-level ``json: JSONProvider``) leads
        to its type for what follows it (``json.dumps``), or with `typed` for itself."""
        level = list(classes)
        seen = {c.key for c in level}
        external: External | None = None
        first = True
        attr, _, rest = member.partition(".")
        while level and depth <= MAX_DEPTH:
            if not (first and skip_self):
                for c in level:
                    hit = self.defs(c.scope, f"{c.qname}.{member}")
                    if hit:
                        return hit
                    if rest or typed:
                        r = self._through_var(c.scope, f"{c.qname}.{attr}", rest, depth)
                        if r is not None:
                            return r
            first = False
            nxt: list[Def] = []
            for c in level:
                for b in self.bases(c, depth):
                    if isinstance(b, tuple):
                        for bc in b:
                            if bc.kind in CLASSLIKE and bc.key not in seen:
                                seen.add(bc.key)
                                nxt.append(bc)
                    elif isinstance(b, External) and external is None:
                        external = b
            level = nxt
            depth += 1
        if external is not None:
            return External(external.module, f"{external.name}.{member}" if external.name else member)
        return None

    def bases(self, c: Def, depth: int = 0) -> list[Result]:
        """What each base of a class resolves to, through the INHERIT references its file recorded."""
        got = self._bases.get(c.key)
        if got is not None:
            return got
        self._bases[c.key] = []  # a class inheriting from itself (through a cycle) stops here
        out: list[Result] = []
        if c.bases:
            rows = self.db.fetch(
                "SELECT name, tmod, tname, flags, sb FROM refs WHERE file_id = ? AND enclosing_idx IN (?, ?) "
                "AND kind = 4 AND sb >= ? AND sb < ? ORDER BY sb",
                (c.file_id, c.idx, c.parent_idx, c.sb, c.eb),
            )
            used: set[int] = set()
            for base in c.bases.split("\n"):
                if not base:
                    continue
                last = base.rsplit(".", 1)[-1]
                pick = next((i for i, r in enumerate(rows) if i not in used and r[0] == last), None)
                if pick is not None:
                    used.add(pick)
                    _, tmod, tname, flags, _ = rows[pick]
                    out.append(self.resolve(tmod, tname, flags) if tmod is not None else None)
                else:
                    out.append(self._resolve(c.scope, base, 0, depth + 1))
        self._bases[c.key] = out
        return out


def _index_of(mod: str) -> str:
    return "index" if mod == "." else f"{mod}/index"


def _binding(
    lang: str, tmod: str | None, name: str, module: str, level: int, alias: str
) -> tuple[str, str, bool] | None:
    """(module, name, external) an import row binds, as resolve.py reads it at index time."""
    if lang == "python":
        if name == "*":
            return None
        if not name and "." in module and not level and alias == module.split(".", 1)[0]:
            return (alias, "", False)
        return (tmod, name, False) if tmod else None
    if name == "*":
        return None
    if tmod is None:
        return (module, name, True) if module else None
    return (tmod, name, False)
