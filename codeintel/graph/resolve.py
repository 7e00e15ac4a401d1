"""File-local name resolution: every reference and import of one file to a symbolic target.

Runs at index time for every written file, so it reads nothing but the file's own facts and must be
cheap (a few dict look-ups per reference, memoised per (scope, name) and (scope, receiver)). A
target is symbolic: ``(tmod, tname, flags)`` names a module (or scope) key and a dotted name in it;
`codeintel.graph.links` follows it through the store at query time (definitions, re-exports,
submodules, class bases). Nothing here knows which modules exist, so a Python absolute import keeps
the module as written and the query side decides whether it is in the repository.

Scopes searched for a bare name, innermost first:

- the enclosing definitions' nested definitions and function-level imports (Python skips class
  bodies except the immediate one, JS/TS skips them always, Java keeps them: members are in scope);
- the file's module-level definitions, then its module-level import bindings;
- Go/Java: the package scope ``(scope, name)``, checked at query time (with the Go builtins and
  ``java.lang`` as the last resort there);
- Python builtins (flag EXTERNAL, module "builtins"); a Python file with a ``*`` import gets
  ``(module, name)`` so the query side can look through the star.

A use placed before the name of its enclosing definition (a decorator, a Go receiver type) is
evaluated in the scope around that definition: a method's decorator sees its class body's names
(``@prop.setter``).

A receiver chain ``a.b.c`` resolves its head (``self``/``cls``/``this`` -> the enclosing class,
``super()``/``super`` -> the enclosing class with the SUPER flag, a name with a type hint in scope ->
that type, else the bare-name rules above) and appends the remaining segments and the referenced
name to the target name. A chain that cannot be followed (unknown object, call result) is NAME_ONLY;
``self.attr`` with no hint in this file (Python, JS/TS) becomes ``Class.attr...`` for the query side
to type through the bases' files (`variables`: the hints a file gives other files).
"""

from __future__ import annotations

import builtins
import posixpath
from dataclasses import dataclass, field

from codeintel.graph.modules import go_package
from codeintel.v1 import parse_pb2

# flags (stored in refs.flags)
SUPER = 1  # look in the class's bases only
NAME_ONLY = 2  # attribute of a receiver whose type the file does not show
EXTERNAL = 4  # tmod is outside the repository, known at index time (builtins, packages)

_K = parse_pb2
CLASSLIKE = frozenset(
    {
        _K.SYMBOL_KIND_CLASS,
        _K.SYMBOL_KIND_INTERFACE,
        _K.SYMBOL_KIND_STRUCT,
        _K.SYMBOL_KIND_ENUM,
        _K.SYMBOL_KIND_TRAIT,
        _K.SYMBOL_KIND_IMPL,
    }
)
FUNCTIONLIKE = frozenset({_K.SYMBOL_KIND_FUNCTION, _K.SYMBOL_KIND_METHOD, _K.SYMBOL_KIND_CONSTRUCTOR})
# A receiver that is a definition of these kinds has members worth following.
_HAS_MEMBERS = CLASSLIKE | {_K.SYMBOL_KIND_MODULE, _K.SYMBOL_KIND_TYPE}

PY_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("__") or n in ("__import__", "__build_class__"))
JS_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})
_JS_EXTENSIONS = (".d.ts", ".d.mts", ".d.cts", ".tsx", ".ts", ".mts", ".cts", ".jsx", ".js", ".mjs", ".cjs")

VERSION = "2"  # bump when targets change meaning: the indexer re-resolves every file

Target = tuple[str | None, str | None, int]
_NONE: Target = (None, None, 0)
_NAME_ONLY: Target = (None, None, NAME_ONLY)


@dataclass(frozen=True, slots=True)
class FileContext:
    path: str  # relative to the root, '/'-separated
    language: str
    module: str  # module key (codeintel.graph.modules)
    scope: str  # scope key
    package: str = ""  # FileFacts.package
    go_module: str = ""  # the root go.mod's module path ("" when none)


@dataclass(slots=True)
class Resolved:
    refs: list[tuple[str | None, str | None, int]]  # one per facts.references: (tmod, tname, flags)
    imports: list[str | None]  # one per facts.imports: target module key or None
    # module-level variables with a type hint: (name, where the type leads), for `mod.var.attr`
    variables: list[tuple[str, Target]] = field(default_factory=list)


def import_target(imp: parse_pb2.FactImport, ctx: FileContext) -> str | None:
    """The module key an import statement points at; None when it is outside the repository for sure."""
    return _import_target(imp.module, imp.level, ctx)


def _import_target(module: str, level: int, ctx: FileContext) -> str | None:
    lang = ctx.language
    if lang == "python":
        if not level:
            return module or None
        base = ctx.module.split(".") if ctx.module else []
        if not _is_python_init(ctx.path):
            base = base[:-1]
        if level - 1 > len(base):
            return None
        if level > 1:
            base = base[: len(base) - (level - 1)]
        if module:
            base.append(module)
        return ".".join(base) or None
    if lang in JS_LANGUAGES:
        if not module:
            return ctx.module  # a local export list re-exports this file's own names
        return js_relative(module, ctx.path)
    if lang == "go":
        return go_package(module, ctx.go_module)
    if lang == "java":
        return java_package(module)
    return None


def _is_python_init(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base in ("__init__.py", "__init__.pyi")


def js_relative(spec: str, path: str) -> str | None:
    """Module key of a relative JS/TS import ("./util" from "src/app/main.ts" -> "src/app/util")."""
    if not spec.startswith("."):
        return None  # a package ("react", "@scope/x") or an alias the index cannot see
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    lower = joined.lower()
    for ext in _JS_EXTENSIONS:
        if lower.endswith(ext) and len(joined) > len(ext):
            return joined[: -len(ext)]
    return "" if joined == "." else joined


def java_package(module: str) -> str:
    """The package of an imported Java name: trailing capitalised segments are classes."""
    parts = module.split(".")
    while len(parts) > 1 and parts[-1][:1].isupper():
        parts.pop()
    return ".".join(parts)


class _File:
    """Per-file tables and memos; one instance per resolve_file call."""

    __slots__ = (
        "ctx",
        "lang",
        "scope",
        "names",
        "qn",
        "kind",
        "parent",
        "members",
        "bindings",
        "hints",
        "attr_hints",
        "star",
        "chains",
        "bare_memo",
        "recv_memo",
        "type_memo",
    )

    def __init__(
        self,
        facts: parse_pb2.FileFacts,
        ctx: FileContext,
        import_targets: list[str | None],
        unbound: frozenset[int] = frozenset(),
    ):
        self.ctx = ctx
        self.lang = ctx.language
        self.scope = ctx.scope
        defs = facts.definitions
        self.names = names = [d.name for d in defs]
        self.qn = qn = [d.qualified_name for d in defs]
        self.kind = [d.kind for d in defs]
        self.parent = parent = [d.parent_index for d in defs]
        # name -> {scope index: definition index}: most names a file uses are defined nowhere in it,
        # so one miss here settles them without walking the scopes
        members: dict[str, dict[int, int]] = {}
        for i, name in enumerate(names):
            p = parent[i]
            if p < 0 and qn[i] != name:
                continue  # a Go method "T.M" declared at top level is not a bare name
            if i in unbound:
                continue  # an object literal's method: a property, not a name in scope
            members.setdefault(name, {}).setdefault(p, i)
        self.members = members
        self.bindings: dict[str, dict[int, Target]] = {}
        self.star = False
        self._bind(facts, import_targets)
        self.hints: dict[str, dict[int, str]] = {}  # name -> {scope index: type}
        self.attr_hints: dict[tuple[int, str], tuple[int, str]] = {}
        for h in facts.type_hints:
            name, e = h.name, h.enclosing_index
            if "." in name:
                head, _, attr = name.partition(".")
                if head in ("self", "cls", "this") and "." not in attr:
                    c = e if 0 <= e < len(parent) and self.kind[e] in CLASSLIKE else self.enclosing_class(e)
                    if c >= 0:
                        self.attr_hints.setdefault((c, attr), (e, h.type_name))
                continue
            self.hints.setdefault(name, {}).setdefault(e, h.type_name)
        self.chains: dict[int, tuple[int, ...]] = {}
        self.bare_memo: dict[tuple[int, str], tuple[int, object]] = {}
        self.recv_memo: dict[tuple[int, str], Target] = {}
        self.type_memo: dict[tuple[int, str], Target | None] = {}

    # ---------------------------------------------------------------- bindings

    def _bind(self, facts: parse_pb2.FileFacts, targets: list[str | None]) -> None:
        lang = self.lang
        bindings = self.bindings
        for imp, tmod in zip(facts.imports, targets, strict=True):
            name, alias, module, e = imp.name, imp.alias, imp.module, imp.enclosing_index
            if name == "*":
                if lang == "python" or (lang == "go" and not imp.is_export) or (lang == "java" and "." in module):
                    self.star = True
                continue
            if lang in JS_LANGUAGES and imp.is_export:
                continue  # `export ... from` and export lists bind nothing locally
            if not alias or alias == "_":
                continue
            target: Target
            if lang == "python":
                if not name:
                    if "." in module and not imp.level and alias == module.split(".", 1)[0]:
                        target = (alias, "", 0)  # `import a.b.c` binds the top package `a`
                    else:
                        target = (tmod, "", 0) if tmod else _NONE
                else:
                    target = (tmod, name, 0) if tmod else _NONE
            elif lang in JS_LANGUAGES:
                if tmod is None:
                    target = (module, name, EXTERNAL)
                else:
                    target = (tmod, name, 0)
            elif lang == "go":
                target = (tmod, "", 0) if tmod is not None else (module, "", EXTERNAL)
            elif lang == "java":
                suffix = module[len(tmod) :].lstrip(".") if tmod and module.startswith(tmod) else ""
                target = (tmod, f"{suffix}.{name}" if suffix else name, 0)
            else:
                continue
            if target[0] is not None:
                bindings.setdefault(alias, {}).setdefault(e, target)

    # ---------------------------------------------------------------- scopes

    def enclosing_class(self, e: int) -> int:
        kind, parent = self.kind, self.parent
        e = e if e < len(kind) else -1
        while e >= 0:
            if kind[e] in CLASSLIKE:
                return e
            e = _up(parent, e)
        return -1

    def chain(self, e: int) -> tuple[int, ...]:
        """Scopes whose names a bare identifier at `e` sees, innermost first, ending with -1."""
        got = self.chains.get(e)
        if got is not None:
            return got
        kind, parent, lang = self.kind, self.parent, self.lang
        out: list[int] = []
        cur, first = (e if e < len(kind) else -1), True
        while cur >= 0:
            if kind[cur] not in CLASSLIKE or lang == "java" or lang == "go" or (first and lang == "python"):
                out.append(cur)
            first = False
            cur = _up(parent, cur)
        out.append(-1)
        got = tuple(out)
        self.chains[e] = got
        return got

    # ---------------------------------------------------------------- bare names

    # What a bare name at `e` denotes, as (code, value): (1, definition index), (2, binding Target),
    # (3, None) the Go/Java package scope, (4, None) a Python builtin, (5, None) maybe a `*` import,
    # (0, None) nothing known.
    def bare(self, e: int, name: str) -> tuple[int, object]:
        key = (e, name)
        got = self.bare_memo.get(key)
        if got is not None:
            return got
        defs = self.members.get(name)
        binds = self.bindings.get(name)
        res: tuple[int, object] = (0, None)
        found = False
        if defs is not None or binds is not None:
            for s in self.chain(e):
                if defs is not None and s in defs:
                    res, found = (1, defs[s]), True
                    break
                if binds is not None and s in binds:
                    res, found = (2, binds[s]), True
                    break
        if not found:
            lang = self.lang
            if lang == "go" or lang == "java":
                res = (3, None)
            elif lang == "python":
                if name in PY_BUILTINS:
                    res = (4, None)
                elif self.star:
                    res = (5, None)
        self.bare_memo[key] = res
        return res

    def bare_target(self, e: int, name: str) -> Target:
        what, val = self.bare(e, name)
        if what == 1:
            assert isinstance(val, int)
            return (self.scope, self.qn[val], 0)
        if what == 2:
            assert isinstance(val, tuple)
            return val
        if what == 3:
            if self.lang == "java" and not name[:1].isupper():
                c = self.enclosing_class(e)
                if c >= 0:  # an inherited member: the query side walks the class's bases
                    return (self.scope, f"{self.qn[c]}.{name}", 0)
            return (self.scope, name, 0)
        if what == 4:
            return ("builtins", name, EXTERNAL)
        if what == 5:
            return (self.scope, name, 0)
        return _NONE

    # ---------------------------------------------------------------- types and receivers

    def hint(self, e: int, name: str) -> tuple[int, str] | None:
        hints = self.hints.get(name)
        if hints is None:
            return None
        for s in self.chain(e):
            t = hints.get(s)
            if t is not None:
                return s, t
        return None

    def type_target(self, e: int, type_name: str) -> Target | None:
        """Where the class a hint names lives, or None when the hint says nothing usable."""
        key = (e, type_name)
        if key in self.type_memo:
            return self.type_memo[key]
        res: Target | None = None
        if type_name and not type_name.endswith(")"):
            head, _, rest = type_name.partition(".")
            what, val = self.bare(e, head)
            lang = self.lang
            # A Python hint may be any callee (`x = make()`): only a class, or a capitalised name
            # whose kind the file cannot see, is taken for a type.
            guess_ok = lang != "python" or type_name.rsplit(".", 1)[-1][:1].isupper()
            if what == 1:
                assert isinstance(val, int)
                k = self.kind[val]
                if k in _HAS_MEMBERS or (rest and k not in FUNCTIONLIKE):
                    res = (self.scope, f"{self.qn[val]}.{rest}" if rest else self.qn[val], 0)
            elif what == 2 and guess_ok:
                assert isinstance(val, tuple)
                res = _append(val, rest)
            elif what == 3 and head[:1].isupper():
                res = (self.scope, type_name, 0)
            elif what == 4 and not rest:
                res = ("builtins", head, EXTERNAL)
            elif what == 5 and guess_ok:
                res = (self.scope, type_name, 0)
        self.type_memo[key] = res
        return res

    def receiver(self, e: int, recv: str) -> Target:
        """The target the receiver expression denotes (a class or module), or NAME_ONLY."""
        key = (e, recv)
        got = self.recv_memo.get(key)
        if got is not None:
            return got
        res = self._receiver(e, recv)
        self.recv_memo[key] = res
        return res

    def _receiver(self, e: int, recv: str) -> Target:
        if recv == "?" or not recv:
            return _NAME_ONLY
        head, _, rest = recv.partition(".")
        lang = self.lang
        if (head == "self" or head == "cls") and lang == "python" or head == "this" and lang != "python":
            c = self.enclosing_class(e)
            if c < 0:
                return _NAME_ONLY
            if not rest:
                return (self.scope, self.qn[c], 0)
            attr, _, more = rest.partition(".")
            h = self.attr_hints.get((c, attr))
            if h is None and lang == "java":
                field_type = self.hints.get(attr, {}).get(c)
                h = (c, field_type) if field_type else None
            if h is None:
                if lang == "java" or lang == "go" or c in self.members.get(attr, {}):
                    return _NAME_ONLY
                # an attribute this file does not type: a base class's file may (`links` looks
                # for `Class.attr` hints up the bases; none found -> name-only at query time)
                return (self.scope, f"{self.qn[c]}.{rest}", 0)
            ht = self.type_target(h[0], h[1])
            return _append(ht, more) if ht else _NAME_ONLY
        if head == "super()" or head == "super" and lang != "python":
            c = self.enclosing_class(e)
            if c < 0 or rest:
                return _NAME_ONLY
            return (self.scope, self.qn[c], SUPER)
        h2 = self.hint(e, head)
        if h2 is not None:
            ht = self.type_target(h2[0], h2[1])
            return _append(ht, rest) if ht else _NAME_ONLY
        what, val = self.bare(e, head)
        if what == 1:
            assert isinstance(val, int)
            if self.kind[val] in FUNCTIONLIKE:
                return _NAME_ONLY  # an attribute of a function object
            q = self.qn[val]
            return (self.scope, f"{q}.{rest}" if rest else q, 0)
        if what == 2:
            assert isinstance(val, tuple)
            return _append(val, rest)
        if what == 3:
            if not head[:1].isupper():
                return _NAME_ONLY  # a Go/Java local or parameter without a declared type
            return (self.scope, recv, 0)
        if what == 4:
            return ("builtins", recv, EXTERNAL)
        if what == 5 and head[:1].isupper():
            return (self.scope, recv, 0)
        return _NAME_ONLY


def _up(parent: list[int], i: int) -> int:
    """The enclosing definition; parents come before children, so anything else ends the walk
    (facts from a broken file must not loop)."""
    p = parent[i]
    return p if p < i else -1


def _append(t: Target, rest: str) -> Target:
    if not rest:
        return t
    tname = t[1]
    return (t[0], f"{tname}.{rest}" if tname else rest, t[2])


def resolve_file(facts: parse_pb2.FileFacts, ctx: FileContext, content: bytes | None = None) -> Resolved:
    """Symbolic targets of every reference and import of one file (see the module docstring).

    `content` (the file's bytes, optional) tells JS/TS object-literal methods from functions."""
    targets = [_import_target(i.module, i.level, ctx) for i in facts.imports]
    refs = facts.references
    if not refs and not facts.type_hints:
        return Resolved([], targets)
    unbound = _object_literal_methods(facts, content) if content and ctx.language in JS_LANGUAGES else frozenset()
    f = _File(facts, ctx, targets, unbound)
    variables = _module_variables(f)
    out: list[tuple[str | None, str | None, int]] = []
    append = out.append
    bare_target, receiver = f.bare_target, f.receiver
    memo: dict[tuple[int, str, str], Target] = {}
    # A use before its enclosing definition's name (a decorator, a Go method's receiver type) is
    # evaluated where the definition is: `@prop.setter` on a method sees the class body's names.
    defs = facts.definitions
    name_at = [d.selection_range.start_byte for d in defs]
    parent = f.parent
    for r in refs:
        name, recv, e = r.name, r.receiver, r.enclosing_index
        if 0 <= e < len(name_at) and r.range.start_byte < name_at[e]:
            e = _up(parent, e)
        key = (e, recv, name)
        t = memo.get(key)
        if t is None:
            if not recv:
                t = bare_target(e, name)
            else:
                base = receiver(e, recv)
                if base[0] is None:
                    t = base
                else:
                    tname = base[1]
                    t = (base[0], f"{tname}.{name}" if tname else name, base[2])
            memo[key] = t
        append(t)
    return Resolved(out, targets, variables)


_JS_MODIFIERS = frozenset({b"async", b"get", b"set", b"static", b"*", b"export", b"default", b"declare"})


def _object_literal_methods(facts: parse_pb2.FileFacts, content: bytes) -> frozenset[int]:
    """Top-level JS/TS "functions" that are methods of an object literal (``{ run() {} }``): they
    start at their name (or a modifier: async, get, set, ``*``), with no ``function`` keyword, and
    a parameter list follows the name. A function declaration has the keyword; a function held by
    a variable (``const f = () => ...``) has ``=`` or a type after its name."""
    out: set[int] = set()
    n = len(content)
    for i, d in enumerate(facts.definitions):
        if d.parent_index >= 0 or d.kind != _K.SYMBOL_KIND_FUNCTION:
            continue
        start, name_start, name_end = d.range.start_byte, d.selection_range.start_byte, d.selection_range.end_byte
        if not 0 <= start <= name_start <= name_end <= n:
            continue
        lead = content[start:name_start].replace(b"*", b" * ").split()
        if any(w not in _JS_MODIFIERS for w in lead):
            continue  # `function f`, `export function f`
        j = name_end
        while j < n and content[j] in b" \t\r\n":
            j += 1
        if j < n and content[j] in b"(<":
            out.add(i)
    return frozenset(out)


def _module_variables(f: _File) -> list[tuple[str, Target]]:
    """Names with a type hint other files may reach, with where their type leads (`links`):
    module-level variables that are neither definitions nor import bindings (``var.attr``), and
    (Python, JS/TS) class attributes, ``self.x`` / ``this.x`` or annotated in the class body, as
    ``Class.x`` (``obj.x.attr`` for an ``obj`` of the class or a subclass)."""
    out: list[tuple[str, Target]] = []
    kind, qn = f.kind, f.qn
    for name, by_scope in f.hints.items():
        for s, type_name in by_scope.items():
            if s == -1:
                if -1 in f.members.get(name, {}) or -1 in f.bindings.get(name, {}):
                    continue
                key = name
            elif (
                f.lang != "java"
                and f.lang != "go"
                and 0 <= s < len(kind)
                and kind[s] in CLASSLIKE
                and s not in f.members.get(name, {})
            ):
                key = f"{qn[s]}.{name}"
            else:
                continue
            t = f.type_target(s, type_name)
            if t is not None and t[0] is not None and t[1]:
                out.append((key, t))
    if f.lang != "java" and f.lang != "go":
        for (c, attr), (e, type_name) in f.attr_hints.items():
            if attr in f.members and c in f.members[attr]:
                continue  # a method of the class: the definition answers
            t = f.type_target(e, type_name)
            if t is not None and t[0] is not None and t[1]:
                out.append((f"{qn[c]}.{attr}", t))
    return out


__all__ = [
    "EXTERNAL",
    "NAME_ONLY",
    "SUPER",
    "FileContext",
    "Resolved",
    "import_target",
    "java_package",
    "js_relative",
    "resolve_file",
]
