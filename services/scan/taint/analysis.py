"""The taint pass over one parsed file: untrusted data (sources) reaching dangerous calls (sinks).

The analysis walks the whole tree once, in document order. Every function body is its own scope
(it starts from a copy of the enclosing scope's names, minus its parameters). Assignments,
`for` targets, `with ... as` and destructuring bind local names to the taint of their value; an
untainted value clears a name unless the clearing assignment sits deeper in branches than the
tainting one (one branch assigning a constant does not make the other branch safe). Allow-list
guards (guards.py) clear a name after them, or inside them.

An expression's taint is computed bottom-up with an explicit stack and memoised per node while
the names do not change, so nested sinks cost linear time. Taint carries the sink kinds that a
kind-specific sanitiser (shlex.quote: command injection only) already made it safe for.

Holds: analyse (the entry point), Analysis (one file's pass), Taint and Hit (what it tracks and
reports), MAX_STEPS. Every walk is iterative and checks the caller's budget.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from codeintel.kernel.span import span_of
from services.scan import anchors
from services.scan.taint.branches import Branches
from services.scan.taint.containers import _MUTATORS, _READERS, Collections, _Container
from services.scan.taint.facts import (
    NOT_REQUEST_DATA,
    PATH_KINDS,
    URL_KINDS,
    URL_PARTS,
    argument_matches,
    constant_table,
    declared_type,
    decorators_of,
    enclosing,
    function_definitions,
    imported_modules,
    index_of,
    java_types,
    normalises,
    numeric_annotation,
    param_name,
    parameter_annotations,
    parsed_url_of,
)
from services.scan.taint.fold import NOT_CONSTANT, fold, literal
from services.scan.taint.grammar import (
    BINARY,
    CALLS,
    CLEAN,
    CONDITIONAL,
    FUNCTIONS,
    MEMBERS,
    NAMES,
    PROPAGATING_OPS,
    SUBSCRIPTS,
    call_arguments,
    callee_of,
    name_of,
    node_text,
    parameters,
    type_name,
)
from services.scan.taint.guards import deny_guard, guard_of, prefix_guard, removed_kinds, safety_check
from services.scan.taint.spec import TaintSpec
from services.scan.taint.values import MAX_STEPS, Hit, Taint, _Binding, _block, _extend, _merge

__all__ = ["MAX_STEPS", "Analysis", "Hit", "Outcome", "Taint", "analyse"]

_BUDGET_EVERY = 2048  # nodes between budget checks
_MAX_SUMMARY_BYTES = 16_384  # functions longer than this are not summarised (calls stay unknown calls)
_ARG = "\x00arg"  # the step that stands for a function's parameter while its summary is computed
_LOCAL_RECEIVERS = frozenset({"this", "self", "cls", "super"})
# Declared types whose values carry no text an attacker could shape into code or markup.
_SCALAR_TYPES = frozenset(
    {
        "int",
        "long",
        "short",
        "byte",
        "double",
        "float",
        "boolean",
        "char",
        "Integer",
        "Long",
        "Short",
        "Double",
        "Float",
        "Boolean",
        "BigDecimal",
        "BigInteger",
        "UUID",
        "LocalDate",
        "LocalDateTime",
        "Instant",
    }
)


@dataclass(frozen=True, slots=True)
class _Summary:
    """Which parameters of a local function reach its return value (with the kinds sanitised on the
    way), and the sources it returns itself."""

    params: tuple[tuple[int, frozenset[str]], ...]
    sources: tuple[Taint, ...]


_NO_SUMMARY = _Summary((), ())


class Analysis(Collections, Branches):
    """One file's taint pass; `run()` returns the hits for the wanted sink kinds."""

    def __init__(self, spec: TaintSpec, kinds: frozenset[str], budget, language: str = ""):
        self.spec = spec
        self.kinds = kinds
        self.budget = budget
        self.language = language
        self.env: dict[str, _Binding] = {}
        self.memo: dict[int, tuple[Taint, ...]] = {}
        self.hits: dict[tuple[int, str], Hit] = {}
        self.visited = 0
        self.consts: dict[str, object] = {}  # names bound to a constant on every path so far
        self.containers: dict[str, _Container] = {}  # fresh local collections, per key / position
        self.types: dict[str, tuple[str, ...]] = {}  # what Java locals and parameters are (_type_of)
        self.declared: dict[tuple[int, str], tuple[str, ...]] = {}  # (function, name) -> types, looked up
        self._functions: dict[str, list] | None = None  # simple name -> definitions in this file
        self._imported: frozenset[str] | None = None  # modules the file imports
        self.root = None
        self.text = b""
        self.dead: frozenset[str] = frozenset()  # own-source kinds whose sinks the file cannot hold
        self.uses: dict[str, int] = {}  # name -> occurrences in the file (could it be defined here?)
        self.summaries: dict[int, _Summary] = {}  # shared with the passes computing them
        self.returns: list | None = None  # taints returned, while computing a summary
        self.handler: list = []  # return-value sinks of the function being walked (a route's response)
        self.parsed: dict[str, str] = {}  # `u = urlparse(x)`: u -> x (a check of u's host vouches for x)
        self.texts: set[str] = set()  # names last bound to text built here (strings, f-strings, joins)
        self.normalised: set[str] = set()  # names bound to a resolved path (a prefix check then holds)
        self.anchor_at: list[int] = []
        # functions that read a source -> the sink kinds those sources feed: there, the taint pass
        # has seen the untrusted inputs, and what it does not report for those kinds is not reached
        self.scopes: dict[tuple[int, int], set[str]] = {}
        self.checked: list[tuple[int, int, str]] = []  # sink calls looked at: (start, end, kind)
        self.external: Any = None  # summaries.Table of other files' functions (repository runs), or None

    # -- file facts, computed on first use (most files never need them)

    @property
    def functions(self) -> dict[str, list]:
        if self._functions is None:
            self._functions = (
                function_definitions(self.root, self.language, self.budget) if self.root is not None else {}
            )
        return self._functions

    @property
    def imported(self) -> frozenset[str]:
        if self._imported is None:
            self._imported = imported_modules(self.text)
        return self._imported

    # -- lookups

    def _lookup(self, table, name: str, receiver):
        """`table`'s entry for a callee; failing the name itself, `Type.method` by the receiver's
        declared type (`XPath xp = ...; xp.evaluate(...)` -> XPath.evaluate)."""
        v = table.get(name)
        if v is None and receiver is not None and receiver.type == "identifier" and self.language == "java":
            method = name.rsplit(".", 1)[-1]
            for ty in self._type_of(receiver):
                v = table.get(f"{ty}.{method}")
                if v is not None:
                    break
        return v

    def _type_of(self, ident) -> tuple[str, ...]:
        """What a Java local or parameter is known to be: `Type()` when it was made by a constructor
        (the class itself), then its declared type (`Random r` may hold a SecureRandom). From the walk
        or, for declarations the walk skipped (nothing tainted yet), from the nearest declaration
        before `ident` in its function."""
        name = node_text(ident)
        known = self.types.get(name)
        if known is not None:
            return known
        fn = enclosing(ident)
        if fn is None:
            return ()
        key = (fn.id, name)
        if key not in self.declared:
            found: tuple[str, ...] = ()
            stack = [fn]
            seen = 0
            while stack and seen < 20_000:
                n = stack.pop()
                seen += 1
                if n.start_byte > ident.start_byte:
                    continue
                if n.type in ("variable_declarator", "formal_parameter"):
                    nm = n.child_by_field_name("name")
                    if nm is not None and node_text(nm) == name:
                        found = java_types(n)
                stack.extend(c for c in n.named_children if c.child_count)
            self.declared[key] = found
        return self.declared[key]

    # -- budget

    def _tick(self, n: int = 1) -> None:
        before = self.visited
        self.visited += n
        if self.visited // _BUDGET_EVERY != before // _BUDGET_EVERY and self.budget():
            raise self.budget.error("taint analysis")

    # -- names

    def _set(self, name: str, taints: tuple[Taint, ...], node, depth: int, *, keep: bool = False) -> None:
        """Bind `name` to `taints` (a flow step at `node`); untainted values clear it unless `keep`."""
        old = self.env.get(name)
        if taints:
            step = (span_of(node), f"flows into `{name}`")
            new = tuple(Taint(_extend(t.steps, step), t.blocked) for t in taints)
            if keep and old is not None:
                new = _merge((new, old.taints))
            self.env[name] = _Binding(new, depth if old is None or keep is False else min(depth, old.depth))
            self.memo.clear()
        elif old is not None and not keep and depth <= old.depth:
            del self.env[name]
            self.memo.clear()

    def _bind_target(self, target, taints, node, depth: int, *, augmented: bool = False) -> None:
        """Bind every name in an assignment target (tuples and destructuring get the whole value's taint)."""
        stack = [target]
        count = 0
        while stack and count < 256:
            count += 1
            t = stack.pop()
            ty = t.type
            if ty in ("identifier", "shorthand_property_identifier_pattern") or ty in MEMBERS:
                name = node_text(t) if ty != "attribute" and ty not in MEMBERS else name_of(t)
                if name is not None:
                    self._set(name, taints, node, depth, keep=augmented)
            elif ty in SUBSCRIPTS:  # d[k] = tainted: the container now holds tainted data
                base = t.child_by_field_name(SUBSCRIPTS[ty])
                name = name_of(base) if base is not None else None
                if name is not None and taints:
                    self._set(name, taints, node, depth, keep=True)
            elif ty == "pair_pattern":
                v = t.child_by_field_name("value")
                if v is not None:
                    stack.append(v)
            elif ty in ("assignment_pattern", "object_assignment_pattern"):
                v = t.child_by_field_name("left")
                if v is not None:
                    stack.append(v)
            else:
                stack.extend(t.named_children)

    # -- expressions

    def taint_of(self, node) -> tuple[Taint, ...]:
        """Taints of an expression (empty: clean), bottom-up with an explicit stack."""
        memo = self.memo
        got = memo.get(node.id)
        if got is not None:
            return got
        no_names = not self.env
        if no_names and not self._may_hold_source(node):
            return ()
        stack: list = [(node, None)]
        while stack:
            n, plan = stack.pop()
            if plan is None:
                if n.id in memo:
                    continue
                self._tick()
                if no_names and not self._may_hold_source(n):  # e.g. most of a big literal
                    memo[n.id] = ()
                    continue
                result, kids, blocked = self._plan(n)
                if result is not None:
                    memo[n.id] = result
                    continue
                stack.append((n, (kids, blocked)))
                stack.extend((k, None) for k in kids)
                continue
            kids, blocked = plan
            merged = _merge(memo.get(k.id, ()) for k in kids)
            if blocked:
                merged = _merge([tuple(Taint(t.steps, t.blocked | blocked) for t in merged)])
            memo[n.id] = merged
        return memo.get(node.id, ())

    def _source(self, node, name: str, call: bool, receiver=None):
        hit = self._lookup(self.spec.sources, name, receiver) if call else self.spec.sources.get(name)
        if hit is None:
            return None
        message, calls_only, not_for = hit
        if calls_only and not call:
            return None
        if self.dead and self.spec.kinds - not_for <= self.dead:  # feeds only kinds this file cannot hold
            return None
        scope = enclosing(node)
        if scope is not None:
            self.scopes.setdefault((scope.start_byte, scope.end_byte), set()).update(self.spec.kinds - not_for)
        return (Taint(((span_of(node), message),), not_for),)

    def _plan(self, n):
        """(direct result, or None with the children whose taint flows into n and the sink kinds n sanitises)."""
        t = n.type
        if t in CLEAN:
            return (), (), None
        if t in NAMES or t in MEMBERS:
            name = name_of(n)
            if name is not None:
                src = self._source(n, name, False)
                if src is not None:
                    return src, (), None
                b = self.env.get(name)
                if b is not None:
                    return b.taints, (), None
            if t in MEMBERS:
                obj = n.child_by_field_name(MEMBERS[t][0])
                return None, ([obj] if obj is not None else []), None
            return (), (), None
        if t in SUBSCRIPTS:
            base = n.child_by_field_name(SUBSCRIPTS[t])
            if base is not None and constant_table(base, self.env, self.spec.sources):  # PAGES[x]: one of PAGES' values
                key = index_of(n)
                if key is not None:
                    self.taint_of(key)  # not returned, but its sources are read in this function
                return (), (), None
            held = self._held(base, index_of(n))
            if held is not None:
                return held, (), None
            name = name_of(n)
            if name is not None:
                b = self.env.get(name)
                if b is not None:
                    return b.taints, (), None
            return None, ([base] if base is not None else []), None
        if t in CALLS:
            name, receiver = callee_of(n)
            pos, kw = call_arguments(n)
            if name is not None:
                src = self._source(n, name, True, receiver)
                if src is not None:
                    return src, (), None
                kinds = self._lookup(self.spec.sanitizers, name, receiver)
                args = pos + list(kw.values())
                if kinds is not None:
                    if not kinds:  # safe for every kind but those of their own sources (weak randomness)
                        if self.spec.scalar_blocks == self.spec.kinds:
                            return (), (), None
                        kinds = self.spec.scalar_blocks
                    return None, args + ([receiver] if receiver is not None else []), kinds
                method = name.rsplit(".", 1)[-1]
                if method in ("replace", "replaceAll") and receiver is not None and len(pos) >= 2:
                    old, new = literal(pos[0]), literal(pos[1])
                    if isinstance(old, str) and isinstance(new, str) and (gone := removed_kinds(old, new)):
                        return None, [receiver], gone  # x.replace("'", "&apos;"): no quote left
                if (
                    method in _READERS
                    and receiver is not None
                    and pos
                    and constant_table(receiver, self.env, self.spec.sources)
                ):
                    self.taint_of(pos[0])  # not returned, but its sources are read in this function
                    return None, list(pos[1:]) + list(kw.values()), None  # ALLOWED.get(x, default)
                if method in _READERS and receiver is not None and pos:
                    held = self._held(receiver, pos[0], tuple(pos[1:]) + tuple(kw.values()))
                    if held is not None:
                        return held, (), None
                local = self._local_call(n, method, receiver, pos)
                if local is not None:
                    return local, (), None
                if self.external is not None:
                    ext = self._external_call(n, name, method, receiver, pos)
                    if ext is not None:
                        return ext, (), None
                if self._lookup(self.spec.propagators, name, receiver) is not None or self.spec.unknown_calls:
                    # what a sink returns (Markup(x)) was reported there, not again where it goes next
                    sinks = self._lookup(self.spec.sink_calls, name, receiver)
                    reported = frozenset(k for k, _ in sinks) if sinks else None
                    return None, args + ([receiver] if receiver is not None else []), reported
            if receiver is not None:  # a method of a tainted value (.strip(), .get("k")) stays tainted
                return None, [receiver], None
            return (), (), None
        if t in BINARY:
            op = n.child_by_field_name("operator")
            if op is None or op.type not in PROPAGATING_OPS:
                return (), (), None
            return None, [c for c in (n.child_by_field_name("left"), n.child_by_field_name("right")) if c], None
        if t in ("conditional_expression", "ternary_expression"):
            if t == "conditional_expression":  # Python: a if cond else b
                parts = n.named_children
                if len(parts) != 3:
                    return None, parts, None
                yes, cond, no = parts
            else:
                cond, yes, no = (n.child_by_field_name(f) for f in ("condition", "consequence", "alternative"))
                if cond is None or yes is None or no is None:
                    return None, n.named_children, None
            value = fold(cond, self.consts, self.language)
            if value is not NOT_CONSTANT:  # a constant condition: only one side can be taken
                return None, [yes if value else no], None
            check = safety_check(cond, self.spec.sanitizers)
            if check is not None:  # `x if x in ALLOWED else "default"`: the x taken is safe
                name, holds, kinds = check
                if name_of(yes if holds else no) == name:
                    if kinds is None:
                        return None, [no if holds else yes], None
                    other = no if holds else yes
                    if fold(other, self.consts, self.language) is not NOT_CONSTANT:
                        return None, [yes if holds else no], frozenset(kinds)
            return None, [yes, no], None
        if t in FUNCTIONS:
            return (), (), None
        if t in ("keyword_argument", "pair"):  # the key is a label, not a variable
            v = n.child_by_field_name("value")
            return None, ([v] if v is not None else []), None
        return None, n.named_children, None

    # -- calls of functions defined in this file

    def _local_call(self, call, method: str, receiver, pos: list):
        """The taint a call of a function of this file returns, from its summary; None when the callee
        is not (certainly) one of them."""
        simple = method.removesuffix("()")
        uses = self.uses.get(simple)
        if uses is None:
            uses = self.uses[simple] = self.text.count(simple.encode())
        if uses < 2:  # a definition and this call
            return None
        if self.language == "python" and b"def " + simple.encode() not in self.text:  # cheap: no definition
            return None
        if receiver is not None and not (
            receiver.type in _LOCAL_RECEIVERS
            or node_text(receiver) in _LOCAL_RECEIVERS
            or receiver.type in ("object_creation_expression", "new_expression")
            or (receiver.type == "identifier" and node_text(receiver)[:1].isupper())
        ):
            return None
        fns = self.functions.get(simple)
        if not fns:
            return None
        if any(fn.end_byte - fn.start_byte > _MAX_SUMMARY_BYTES for fn in fns):
            return None  # summarising it costs a walk as long as the file: an unknown call instead
        tainted = any(self.taint_of(a) for a in pos)
        out: list[tuple[Taint, ...]] = []
        step = (span_of(call), f"returned by {method.removesuffix('()')}()")
        for fn in fns:
            if not tainted and not self._may_hold_source(fn):  # nothing goes in, no source inside
                continue
            summary = self._summary(fn)
            params = parameters(fn)
            offset = 1 if receiver is not None and params[:1] in (["self"], ["cls"]) else 0
            for i, blocked in summary.params:
                j = i - offset
                if 0 <= j < len(pos):
                    arg = self.taint_of(pos[j])
                    out.append(tuple(Taint(_extend(t.steps, step), t.blocked | blocked) for t in arg))
            out.append(summary.sources)
        return _merge(out)

    def _external_call(self, call, name: str, method: str, receiver, pos: list):
        """The taint a call of another file's function returns, from that file's summaries (the
        repository run's pass 1); None when no summary stands for the callee. A summary returning
        nothing tainted makes the call clean, whatever the spec says of unknown calls."""
        if call.type in ("object_creation_expression", "new_expression"):
            return None
        types: tuple[str, ...] = ()
        if receiver is not None and receiver.type == "identifier" and self.language == "java":
            types = self._type_of(receiver)
        found = self.external.lookup(name, method.removesuffix("()"), types)
        if found is None:
            return None
        taints, sourced = self.external.taint(found, call, pos, self.taint_of)
        if sourced:
            scope = enclosing(call)
            if scope is not None:
                kinds = set().union(*(s.source_kinds for s in found))
                self.scopes.setdefault((scope.start_byte, scope.end_byte), set()).update(kinds)
        return _merge([taints])

    def _summary(self, fn) -> _Summary:
        got = self.summaries.get(fn.id)
        if got is not None:
            return got
        self.summaries[fn.id] = _NO_SUMMARY  # while it is computed: recursion returns nothing
        sub = Analysis(self.spec, frozenset(), self.budget, self.language)
        sub._functions, sub.summaries, sub.anchor_at = self.functions, self.summaries, self.anchor_at
        sub.dead = self.dead
        sub.external = self.external
        sub.root, sub.text = self.root, self.text
        sub.visited = self.visited
        sub.returns = []
        for i, p in enumerate(parameters(fn)):
            sub.env[p] = _Binding((Taint(((span_of(fn), f"{_ARG}{i}"),)),), 0)
        sub.walk(fn)
        self.visited = sub.visited
        params: dict[tuple[int, frozenset[str]], None] = {}
        sources: list[Taint] = []
        for taints in sub.returns:
            for t in taints:
                first = t.steps[0][1]
                if first.startswith(_ARG):
                    params[(int(first[len(_ARG) :]), t.blocked)] = None
                else:
                    sources.append(t)
        summary = _Summary(tuple(params), _merge([tuple(sources)]))
        self.summaries[fn.id] = summary
        return summary

    # -- sinks

    def _report(self, node, kind: str, taints: tuple[Taint, ...], label: str) -> bool:
        for taint in taints:
            if kind in taint.blocked:
                continue
            key = (node.id, kind)
            if key not in self.hits:
                self.hits[key] = Hit(node, kind, _extend(taint.steps, (span_of(node), f"reaches {label}")))
            return True
        return False

    def _check_call(self, call, name: str, receiver) -> None:
        sinks = self._lookup(self.spec.sink_calls, name, receiver)
        if not sinks:
            return
        pos, kw = call_arguments(call)
        for kind, sink in sinks:
            if kind not in self.kinds or (call.id, kind) in self.hits:
                continue
            self.checked.append((call.start_byte, call.end_byte, kind))
            if not all(argument_matches(k, rx, pos, kw, receiver) for k, rx in sink.requires):
                continue
            if any(argument_matches(k, rx, pos, kw, receiver) for k, rx in sink.unless):
                continue
            if sink.imports and not any(m.split(".")[0] in sink.imports for m in self.imported):
                continue
            if sink.shell_list:
                if pos:
                    self._report(call, kind, self._shell_command(pos), f"a shell run by {name.removeprefix('?.')}()")
                continue
            values = [pos[i] for i in sink.args if i < len(pos)] + [kw[k] for k in sink.keywords if k in kw]
            if sink.receiver and receiver is not None:
                values.append(receiver)
            for v in values:
                if v.type in ("list_splat", "dictionary_splat", "spread_element"):
                    v = v.named_children[0] if v.named_children else v
                if self._report(call, kind, self.taint_of(v), f"{name.removeprefix('?.')}()"):
                    break

    def _check_subscript(self, node, target, value) -> None:
        """`session[key] = value` into a store a sink names: the key and the value both count."""
        base = target.child_by_field_name(SUBSCRIPTS[target.type])
        name = name_of(base) if base is not None else None
        if name is None:
            return
        for kind, sink in self.spec.sink_subscripts:
            if kind in self.kinds and any(rx.search(name) for rx in sink.subscripts):
                key = index_of(target)
                taints = _merge([self.taint_of(value), self.taint_of(key) if key is not None else ()])
                self._report(node, kind, taints, f"`{name}[...]`")

    def _text(self, node) -> bool:
        """Whether `node` is text built in this function: a string, an f-string, a concatenation or
        %-format of one, `.format()` / `.join()` on one, or a name last bound to such text."""
        for _ in range(64):
            t = node.type
            if t in ("string", "concatenated_string", "template_string"):
                return True
            if t == "identifier":
                return node_text(node) in self.texts
            if t in ("binary_operator", "binary_expression"):
                node = node.child_by_field_name("left") or node
                if node.type in ("binary_operator", "binary_expression"):
                    continue
                return self._text(node) if node.type != t else False
            if t == "parenthesized_expression" and node.named_child_count == 1:
                node = node.named_children[0]
                continue
            if t in CALLS:
                name, receiver = callee_of(node)
                method = name.rsplit(".", 1)[-1] if name else ""
                if method in ("format", "join", "replace", "strip", "upper", "lower") and receiver is not None:
                    node = receiver
                    continue
            return False
        return False

    def _handler_sinks(self, fn) -> list:
        """The return-value sinks that apply to `fn`: it is decorated as a request handler (@app.route)."""
        if not self.spec.sink_returns:
            return []
        names = decorators_of(fn)
        return [
            (kind, sink)
            for kind, decorators, sink in self.spec.sink_returns
            if kind in self.kinds and any(decorators.get(n) is not None for n in names)
        ]

    def _check_property(self, node, left, right) -> None:
        if left.type not in MEMBERS:
            return
        mem = left.child_by_field_name(MEMBERS[left.type][1])
        sinks = self.spec.sink_properties.get(node_text(mem)) if mem is not None else None
        for kind, _sink in sinks or ():
            if kind in self.kinds:
                self._report(node, kind, self.taint_of(right), f"the {node_text(mem)} property")

    # -- guards (guards.py recognises them; this applies them)

    def _make_safe(self, name: str, kinds) -> None:
        """`name` is safe from here on: for every sink kind (`kinds` None), or taint blocked for `kinds`."""
        b = self.env.get(name)
        if b is None:
            return
        if kinds is None:
            del self.env[name]
        else:
            self.env[name] = _Binding(tuple(Taint(t.steps, t.blocked | kinds) for t in b.taints), b.depth)
        self.memo.clear()

    # -- statements

    def _may_hold_source(self, node) -> bool:
        """Whether a source's anchor word occurs inside `node` (binary search over the file's matches)."""
        i = bisect.bisect_left(self.anchor_at, node.start_byte)
        return i < len(self.anchor_at) and self.anchor_at[i] < node.end_byte

    def run(self, root) -> list[Hit]:
        self.text = root.text
        spec = self.spec
        # own-source kinds (weak randomness) whose sinks this file cannot hold: their sources are
        # no sources here, and their words start no walk
        self.dead = frozenset(
            k for k, words in spec.own_words.items() if k not in self.kinds or not any(w in self.text for w in words)
        )
        words = spec.anchor_words
        if (spec.kinds - spec.scalar_blocks) - self.dead:  # an own-source kind may be reported here
            words = words + spec.own_anchor_words
        self.anchor_at = _anchor_starts(self.text, spec, words)
        if spec.signature_anchor is not None and any(w in self.text for w in spec.signature_words):
            found = [m.start() for m in spec.signature_anchor.finditer(self.text)]  # handler(event, context)
            if found:
                self.anchor_at = sorted(self.anchor_at + found)
        if spec.handler_anchor is not None and b"@" in self.text:  # route parameters are request data
            # the anchor goes on the `def` after the decorator: the walk enters the function there
            handlers = [
                max(m.start(), self.text.find(b"def", m.end())) for m in spec.handler_anchor.finditer(self.text)
            ]
            if handlers:
                self.anchor_at = sorted(self.anchor_at + handlers)
        external = self.external.source_words if self.external is not None else ()
        if external:  # another file's function returning a source: its calls read untrusted data too
            extra = [i for w in external for i, _ in anchors.occurrences(self.text, anchors.Anchor(anchors.TOKEN, w))]
            self.anchor_at = sorted(self.anchor_at + extra)
        if not self.anchor_at:
            return []
        self.root = root
        self.walk(root)
        return sorted(self.hits.values(), key=lambda h: (h.node.start_byte, h.kind))

    def _bind(self, node, target, value, depth: int, augmented: bool) -> None:
        taints = self.taint_of(value)
        if target.type == "identifier":
            name = node_text(target)
            declared = declared_type(node)
            if declared is not None:
                self.types[name] = java_types(node)
                if declared in _SCALAR_TYPES:  # `int n = ...`: a number carries no markup or code
                    taints = _block(taints, self.spec.scalar_blocks, self.spec.kinds)
            value_const = NOT_CONSTANT if augmented else fold(value, self.consts, self.language)
            if value_const is not NOT_CONSTANT and depth == 0:
                self.consts[name] = value_const
            else:
                self.consts.pop(name, None)
            if self._text(value) or (augmented and name in self.texts):
                self.texts.add(name)
            elif not augmented:
                self.texts.discard(name)
            if not augmented and normalises(value):
                self.normalised.add(name)
            else:
                self.normalised.discard(name)
            source = parsed_url_of(value)
            if source is not None and not augmented:
                self.parsed[name] = source
            else:
                self.parsed.pop(name, None)
            fresh = None if augmented else self._fresh(value)
            if fresh is not None:
                self.containers[name] = fresh
            elif not augmented:
                alias = self.containers.get(node_text(value)) if value.type == "identifier" else None
                if alias is not None:
                    self.containers[name] = alias
                else:
                    self.containers.pop(name, None)
        elif target.type in SUBSCRIPTS and not augmented:  # m["k"] = v, a[0] = v
            if self.spec.sink_subscripts:
                self._check_subscript(node, target, value)
            base = target.child_by_field_name(SUBSCRIPTS[target.type])
            bname = name_of(base) if base is not None else None
            c = self.containers.get(bname) if bname is not None else None
            if c is not None:
                key_node = index_of(target)
                key = fold(key_node, self.consts, self.language) if key_node is not None else NOT_CONSTANT
                if isinstance(key, str) and c.keys is not None:
                    c.keys[(key,)] = taints
                elif isinstance(key, int) and c.items is not None and -len(c.items) <= key < len(c.items):
                    c.items[key] = (taints, fold(value, self.consts, self.language))
                else:
                    c.keys = c.items = None
                self.memo.clear()
        self._bind_target(target, taints, node, depth, augmented=augmented)

    def _enter_function(self, fn) -> None:
        self.env = dict(self.env)
        self.consts = dict(self.consts)
        self.containers = {k: c.copy() for k, c in self.containers.items()}
        self.types = dict(self.types)
        for p in parameters(fn):
            self.env.pop(p, None)
            self.consts.pop(p, None)
            self.containers.pop(p, None)
            self.types.pop(p, None)
        params = fn.child_by_field_name("parameters")
        for p in params.named_children if params is not None else ():
            if p.type == "formal_parameter":  # Java: typed parameters
                ty, name = p.child_by_field_name("type"), p.child_by_field_name("name")
                if ty is not None and name is not None:
                    self.types[node_text(name)] = (type_name(ty),)
        if params is not None and (
            self.spec.param_annotations or self.spec.handler_anchor is not None or self.spec.param_signatures
        ):
            self._parameter_sources(fn, params)
        self.memo.clear()

    def _parameter_sources(self, fn, params) -> None:
        """Parameters that carry request data: annotated (`@RequestParam String q`, `@Query('q') q`) or
        of a request handler (`@app.route('/<name>') def show(name)`); numbers excepted."""
        message = None
        if self.spec.handler_anchor is not None:  # the spec names route decorators
            for callee in decorators_of(fn):
                message = self.spec.param_handlers.get(callee)
                if message is not None:
                    break
        names = tuple(param_name(p) or "" for p in params.named_children)
        said_first = self.spec.param_signatures.get(names)  # handler(event, context): event is the request
        for k, p in enumerate(params.named_children):
            name = param_name(p)
            if k == 0 and said_first is not None and name:
                self.env[name] = _Binding((Taint(((span_of(p), said_first),), frozenset()),), 0)
                self.scopes.setdefault((fn.start_byte, fn.end_byte), set()).update(self.spec.scalar_blocks)
                continue
            if name is None or name in NOT_REQUEST_DATA:
                continue
            default = p.child_by_field_name("value")
            if default is not None and default.type in CALLS:  # FastAPI: db = Depends(get_db) is no input
                if (callee_of(default)[0] or "").rsplit(".", 1)[-1] in ("Depends", "Security"):
                    continue
            said = message
            for a in parameter_annotations(p):
                said = self.spec.param_annotations.get(a) or said
            if said is None or numeric_annotation(p):
                continue
            taint = Taint(((span_of(p), said),), frozenset())
            self.env[name] = _Binding((taint,), 0)
            scope = (fn.start_byte, fn.end_byte)
            self.scopes.setdefault(scope, set()).update(self.spec.scalar_blocks)

    def walk(self, root) -> None:
        stack: list = [("node", root, 0)]
        while stack:
            item = stack.pop()
            op = item[0]
            if op == "bind":
                _, node, target, value, depth, augmented = item
                self._bind(node, target, value, depth, augmented)
                continue
            if op == "env":
                _, self.env, self.consts, self.containers, self.types, self.handler = item
                self.memo.clear()
                continue
            if op == "drop":  # after `if x not in ALLOWED: return`
                self._make_safe(item[1], item[2])
                base, _, attr = item[1].rpartition(".")
                attr = attr.removesuffix("()")
                attr = attr[3:].lower() if attr.startswith("get") else attr  # uri.getHost()
                if attr in URL_PARTS and base in self.parsed:  # `if u.netloc not in HOSTS: return`
                    self._make_safe(base, URL_KINDS)
                    self._make_safe(self.parsed[base], URL_KINDS)
                continue
            if op == "clear":  # the body of `if x in ALLOWED:`, with x clean
                _, name, kinds, body, depth = item
                self._make_safe(name, kinds)
                stack.append(("node", body, depth))
                continue
            if op == "unguard":
                _, name, binding = item
                if self.env.get(name) is not binding:
                    self.env[name] = binding
                    self.memo.clear()
                continue
            _, n, depth = item
            self._tick()
            if not self.env and not self._may_hold_source(n):
                continue  # nothing tainted flows in and no source inside: nothing to find
            t = n.type
            later: list = []  # items to run after the children
            if t in FUNCTIONS and n is not root:
                stack.append(("env", self.env, self.consts, self.containers, self.types, self.handler))
                self._enter_function(n)
                self.handler = self._handler_sinks(n)
                depth = 0
            elif t in CALLS:
                name, receiver = callee_of(n)
                if name is not None:
                    self._check_call(n, name, receiver)
                    if receiver is not None and name.rsplit(".", 1)[-1] in _MUTATORS:
                        self._mutate(n, depth, name, receiver)
            elif t == "return_statement" and (self.returns is not None or self.handler):
                kids = [c for c in n.named_children if c.type not in ("comment", "line_comment", "block_comment")]
                if kids:
                    taints = self.taint_of(kids[0])
                    if self.returns is not None:
                        self.returns.append(taints)
                    if self._text(kids[0]):  # a str is sent as an HTML page; dicts, lists, objects are not
                        for kind, _sink in self.handler:
                            self._report(n, kind, taints, "the response of a request handler")
            elif t in (
                "assignment",
                "augmented_assignment",
                "assignment_expression",
                "augmented_assignment_expression",
                "named_expression",
                "variable_declarator",
            ):
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is not None and right is not None:
                    if t in ("assignment_expression", "augmented_assignment_expression"):
                        self._check_property(n, left, right)
                    later.append(("bind", n, left, right, depth, t.startswith("augmented")))
            elif t in ("short_var_declaration", "assignment_statement", "var_spec"):  # Go: a, b := x, y
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is not None and right is not None:
                    ls = left.named_children if left.type == "expression_list" else [left]
                    rs = right.named_children if right.type == "expression_list" else [right]
                    op_node = n.child_by_field_name("operator")
                    augmented = op_node is not None and op_node.type not in ("=", ":=")
                    for i, target in enumerate(ls):
                        value = rs[i] if len(rs) == len(ls) else right
                        later.append(("bind", n, target, value, depth, augmented))
            elif t in ("for_statement", "for_in_statement", "enhanced_for_statement", "for_in_clause"):
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is not None and right is not None:
                    self._bind_target(left, self.taint_of(right), n, depth + 1)
            elif t == "range_clause":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is not None and right is not None:
                    self._bind_target(left, self.taint_of(right), n, depth + 1)
            elif t == "as_pattern" and n.parent is not None and n.parent.type == "with_item":
                alias = n.child_by_field_name("alias")
                value = n.named_children[0] if n.named_children else None
                if alias is not None and value is not None:
                    later.append(("bind", n, alias, value, depth, False))
            elif t in ("switch_expression", "switch_statement") and self._live_cases(n, depth, stack):
                continue
            elif t == "match_statement" and self._live_match(n, depth, stack):
                continue
            elif t == "if_statement":
                if self._live_branch(n, depth, stack):
                    continue
                deny = deny_guard(n)
                if deny is not None:
                    later.append(("drop", deny[0], deny[1]))
                inside = prefix_guard(n)
                if inside is not None and inside in self.normalised:  # resolve(), then startswith(BASE)
                    later.append(("drop", inside, PATH_KINDS))
                guard = guard_of(n, self.spec.sanitizers)
                if guard is not None:
                    name, positive, kinds = guard
                    if positive:
                        body = n.child_by_field_name("consequence")
                        saved = self.env.get(name)
                        if body is not None and saved is not None:
                            for c in reversed(n.children):
                                if c.id == body.id:
                                    stack.append(("unguard", name, saved))
                                    stack.append(("clear", name, kinds, body, depth + 1))
                                else:
                                    stack.append(("node", c, depth + 1))
                            continue
                    else:
                        later.append(("drop", name, kinds))
            stack.extend(later)
            child_depth = depth + 1 if t in CONDITIONAL else depth
            # Leaves (names, literals, punctuation) bind, check and guard nothing: not worth a visit.
            kids = n.named_children
            self._tick(len(kids))
            for c in reversed(kids):
                if c.child_count:
                    stack.append(("node", c, child_depth))


def _anchor_starts(text: bytes, spec: TaintSpec, words: tuple[bytes, ...]) -> list[int]:
    """Sorted start offsets of whole ASCII-word occurrences of `words` (anchor words of the sources
    that can matter in this file). bytes.find per word (anchors.occurrences) is much faster than the
    regex's alternation, which tries every word at every offset; the regex (all of the spec's words)
    stays for words it would treat differently (non-ASCII)."""
    if not words or not all(w.isascii() and w and all(c in anchors.WORD_CHARS for c in w) for w in words):
        return [m.start() for m in spec.anchors.finditer(text)]
    # A whole-token occurrence is one of the file's runs of word characters: words that are none of
    # them (most, in most files) need no search.
    present = anchors.tokens_in(text, frozenset(words))
    return sorted(
        i for w in words if w in present for i, _ in anchors.occurrences(text, anchors.Anchor(anchors.TOKEN, w))
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """A file's taint hits; the functions where the pass saw untrusted input: (start byte, end byte)
    -> the sink kinds it feeds; and the sink calls it examined there."""

    hits: list[Hit]
    scopes: dict[tuple[int, int], frozenset[str]]
    checked: list[tuple[int, int, str]]  # sink calls the pass looked at, (start byte, end byte, kind)


def analyse(root, spec: TaintSpec, kinds: frozenset[str], budget, language: str = "", external=None) -> Outcome:
    """Taint hits (sink node, kind, flow steps) of the wanted `kinds` in one parsed file; `external`:
    a summaries.Table of other files' functions, used at calls this file cannot resolve."""
    if not kinds:
        return Outcome([], {}, [])
    a = Analysis(spec, kinds, budget, language)
    a.external = external if external else None
    hits = a.run(root)
    return Outcome(hits, {k: frozenset(v) for k, v in a.scopes.items()}, a.checked)
