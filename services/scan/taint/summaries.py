"""Function summaries across files: what a file's functions export, and how another file's calls use them.

A summary says, for one named function or method, which call arguments reach its return value (with
the sink kinds a sanitiser on the way made them safe for) and whether it returns untrusted data of
its own (a source read inside it: the kinds that data feeds and the source's message). A repository
run computes them for every file (pass 1, `export`), then scans each file with the summaries of the
other files (pass 2): a call the file cannot resolve itself takes its taint from them (`Table`).

Names: Java `Class.method` (and `Super.method` for each class it extends or interface it implements,
so a call through an interface type finds its implementations), Python `module.function` or
`Class.method`, JavaScript / TypeScript / Go the function's name. Positions count the call's own
arguments (a Python method's `self` / `cls` is not one). One level deep: a summary does not use the
summaries of other files.

Holds: Summary, Table, export, MAX_SUMMARIES. No grpc here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from codeintel.kernel.errors import InvalidInput
from codeintel.kernel.span import span_of
from services.scan.taint.analysis import Analysis, _anchor_starts
from services.scan.taint.facts import enclosing
from services.scan.taint.grammar import node_text, parameters, type_name
from services.scan.taint.spec import TaintSpec
from services.scan.taint.values import Taint, _extend

__all__ = ["MAX_NAME", "MAX_SUMMARIES", "Summary", "Table", "export"]

MAX_SUMMARIES = 20_000  # summaries one scan takes (ScanOptions.summaries)
MAX_NAME = 512  # bytes of a summary's name / path / message kept

_CLASSES = frozenset(
    {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration", "class_definition"}
)
# Constructors and container accessors: a summary never stands for them (every `.get(k)` of a map
# would otherwise take the summary of some helper's `get`).
_NEVER = frozenset({"__init__", "__new__", "constructor", "get", "put", "add", "append", "set", "toString"})


@dataclass(frozen=True, slots=True)
class Summary:
    """What calling one function gives back, as another file sees it."""

    name: str  # qualified: Class.method, module.function, function
    params: tuple[tuple[int, frozenset[str]], ...]  # argument position -> kinds sanitised on the way
    source_kinds: frozenset[str] = frozenset()  # non-empty: it returns untrusted data feeding these kinds
    source_message: str = ""
    path: str = ""  # the file defining it (for the flow step's message)
    line: int = 0  # 1-based line of the definition
    language: str = ""

    @property
    def simple(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def returns_taint(self) -> bool:
        return bool(self.params or self.source_kinds)


def _supertypes(cls) -> list[str]:
    """A Java class's direct superclass and interfaces (`extends A implements B, C` -> A, B, C)."""
    out: list[str] = []
    for field in ("superclass", "interfaces"):
        part = cls.child_by_field_name(field)
        stack = [part] if part is not None else []
        while stack:
            n = stack.pop()
            if n.type in ("type_identifier", "scoped_type_identifier", "generic_type"):
                out.append(type_name(n))
                continue
            stack.extend(reversed(n.named_children))
    return out


def _names(fn, name: str, language: str, path: str) -> tuple[list[str], int]:
    """(the qualified names a function is known by, how many leading parameters are not arguments)."""
    if language == "java":
        cls = enclosing(fn, _CLASSES)
        if cls is None or cls.child_by_field_name("name") is None:
            return [name], 0
        owner = node_text(cls.child_by_field_name("name"))
        return [f"{owner}.{name}", *(f"{s}.{name}" for s in _supertypes(cls))], 0
    if language == "python":
        holder = enclosing(fn, _CLASSES | {"function_definition"})
        if holder is None:
            stem = PurePosixPath(path.replace("\\", "/")).stem
            return [f"{stem}.{name}" if stem.isidentifier() else name], 0
        if holder.type == "class_definition" and holder.child_by_field_name("name") is not None:
            skip = 1 if parameters(fn)[:1] in (["self"], ["cls"]) else 0
            return [f"{node_text(holder.child_by_field_name('name'))}.{name}"], skip
        return [], 0  # a nested function: not callable from another file
    return [name], 0


def _has_body(fn) -> bool:
    return fn.child_by_field_name("body") is not None


def export(root, spec: TaintSpec, language: str, path: str, budget) -> list[Summary]:
    """The summaries of every named function / method defined in one parsed file, in document order."""
    a = Analysis(spec, frozenset(), budget, language)
    a.root, a.text = root, root.text
    a.anchor_at = _anchor_starts(a.text, spec, spec.anchor_words + spec.own_anchor_words)
    out: list[Summary] = []
    seen: set[tuple[str, int]] = set()
    defs = sorted(((fn, simple) for simple, fns in a.functions.items() for fn in fns), key=lambda d: d[0].start_byte)
    for fn, simple in defs:
        if simple in _NEVER or fn.type == "constructor_declaration" or not _has_body(fn):
            continue
        names, skip = _names(fn, simple, language, path)
        if not names:
            continue
        s = a._summary(fn)
        params: dict[tuple[int, frozenset[str]], None] = {}
        for i, blocked in s.params:
            if i >= skip:
                params[(i - skip, blocked & spec.kinds)] = None
        fed: set[str] = set()
        message = ""
        for t in s.sources:
            kinds = spec.kinds - t.blocked
            if kinds:
                fed |= kinds
                message = message or t.steps[0][1]
        line = span_of(fn).start_line + 1
        for name in names:
            if (name, fn.start_byte) in seen:
                continue
            seen.add((name, fn.start_byte))
            out.append(
                Summary(
                    name[:MAX_NAME],
                    tuple(params),
                    frozenset(fed),
                    message[:MAX_NAME],
                    path[:MAX_NAME],
                    line,
                    language,
                )
            )
    return out


class Table:
    """Summaries of other files, looked up by the calls of the file being scanned."""

    def __init__(self, summaries: Sequence[Summary], spec: TaintSpec):
        if len(summaries) > MAX_SUMMARIES:
            raise InvalidInput(f"{len(summaries)} function summaries; the limit is {MAX_SUMMARIES} per scan")
        self.spec = spec
        self.by_name: dict[str, list[Summary]] = {}
        self.by_simple: dict[str, list[Summary]] = {}
        for s in summaries:
            if s.language and s.language not in spec.languages:
                continue  # another language family's functions
            if s.simple in _NEVER:
                continue
            self.by_name.setdefault(s.name, []).append(s)
            self.by_simple.setdefault(s.simple, []).append(s)
        # words whose occurrence may start untrusted data: the names of functions returning a source
        self.source_words: tuple[bytes, ...] = tuple(
            sorted({s.simple.encode() for ss in self.by_simple.values() for s in ss if s.source_kinds})
        )

    def __bool__(self) -> bool:
        return bool(self.by_simple)

    def lookup(self, callee: str, simple: str, receiver_types: Iterable[str]) -> list[Summary] | None:
        """The summaries a call stands for: exact qualified matches (`Type.method` by the receiver's
        known type or the callee's own last two parts) first, else every summary of that simple name;
        None when none applies. A receiver of a known type that no summary names is some other class's
        method: None."""
        every = self.by_simple.get(simple)
        if not every:
            return None
        types = [t.removesuffix("()") for t in receiver_types]
        wanted = [f"{t}.{simple}" for t in types]
        parts = [p.removesuffix("()") for p in callee.split(".")]
        if len(parts) >= 2:
            wanted.append(f"{parts[-2]}.{simple}")
        exact = [s for w in dict.fromkeys(wanted) for s in self.by_name.get(w, ())]
        if exact:
            return exact
        if types:
            return None
        return every

    def taint(self, summaries: list[Summary], call, args: list, taint_of) -> tuple[tuple[Taint, ...], bool]:
        """(the taints a call of these summaries returns, whether any returns a source): the arguments
        each summary passes through (its sanitised kinds applied), plus the sources they return."""
        out: list[Taint] = []
        sourced = False
        span = span_of(call)
        for s in summaries:
            where = f"{s.name}() ({s.path}:{s.line})" if s.path else f"{s.name}()"
            for i, blocked in s.params:
                if i < len(args):
                    step = (span, f"returned by {where}")
                    out.extend(Taint(_extend(t.steps, step), t.blocked | blocked) for t in taint_of(args[i]))
            if s.source_kinds:
                sourced = True
                message = f"{s.source_message or 'untrusted data'}, returned by {where}"
                out.append(Taint(((span, message),), self.spec.kinds - s.source_kinds))
        return tuple(out), sourced
