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
import re
from dataclasses import dataclass

from tree_sitter import Node

from codeintel.kernel.span import Span, span_of
from services.scan import anchors
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
)
from services.scan.taint.guards import guard_of, safety_check
from services.scan.taint.spec import TaintSpec

__all__ = ["MAX_STEPS", "Analysis", "Hit", "Taint", "analyse"]

MAX_STEPS = 12  # flow steps kept per finding: the source, then the latest ones
_MAX_TAINTS = 3  # alternative taints kept per expression (differing in sanitised kinds)
_BUDGET_EVERY = 2048  # nodes between budget checks


@dataclass(frozen=True, slots=True)
class Taint:
    steps: tuple[tuple[Span, str], ...]  # source first
    blocked: frozenset[str] = frozenset()  # sink kinds a sanitiser made it safe for


@dataclass(frozen=True, slots=True)
class Hit:
    node: Node  # the sink call / assignment
    kind: str
    steps: tuple[tuple[Span, str], ...]  # source first, sink last


def _extend(steps: tuple, step: tuple) -> tuple:
    steps = steps + (step,)
    if len(steps) > MAX_STEPS:
        steps = steps[:1] + steps[-(MAX_STEPS - 1) :]
    return steps


def _merge(groups) -> tuple[Taint, ...]:
    best: dict[frozenset, Taint] = {}
    for g in groups:
        for t in g:
            if t.blocked not in best:
                best[t.blocked] = t
    if len(best) <= 1:
        return tuple(best.values())
    return tuple(sorted(best.values(), key=lambda t: len(t.blocked))[:_MAX_TAINTS])


class _Binding:
    __slots__ = ("taints", "depth")

    def __init__(self, taints: tuple[Taint, ...], depth: int):
        self.taints = taints
        self.depth = depth


class Analysis:
    """One file's taint pass; `run()` returns the hits for the wanted sink kinds."""

    def __init__(self, spec: TaintSpec, kinds: frozenset[str], budget):
        self.spec = spec
        self.kinds = kinds
        self.budget = budget
        self.env: dict[str, _Binding] = {}
        self.memo: dict[int, tuple[Taint, ...]] = {}
        self.hits: dict[tuple[int, str], Hit] = {}
        self.visited = 0

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

    def _source(self, node, name: str, call: bool):
        hit = self.spec.sources.get(name)
        if hit is None:
            return None
        message, calls_only, not_for = hit
        if calls_only and not call:
            return None
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
            name = name_of(n)
            if name is not None:
                b = self.env.get(name)
                if b is not None:
                    return b.taints, (), None
            return None, ([base] if base is not None else []), None
        if t in CALLS:
            name, receiver = callee_of(n)
            if name is not None:
                src = self._source(n, name, True)
                if src is not None:
                    return src, (), None
                kinds = self.spec.sanitizers.get(name)
                pos, kw = call_arguments(n)
                args = pos + list(kw.values())
                if kinds is not None:
                    if not kinds:
                        return (), (), None
                    return None, args + ([receiver] if receiver is not None else []), kinds
                if self.spec.propagators.get(name) is not None:
                    return None, args + ([receiver] if receiver is not None else []), None
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
            check = safety_check(cond, self.spec.sanitizers)
            if check is not None and check[2] is None:  # `x if x in ALLOWED else "default"`: the x taken is safe
                name, holds, _ = check
                if name_of(yes if holds else no) == name:
                    return None, [no if holds else yes], None
            return None, [yes, no], None
        if t in FUNCTIONS:
            return (), (), None
        if t in ("keyword_argument", "pair"):  # the key is a label, not a variable
            v = n.child_by_field_name("value")
            return None, ([v] if v is not None else []), None
        return None, n.named_children, None

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

    def _check_call(self, call) -> None:
        name, _ = callee_of(call)
        if name is None:
            return
        sinks = self.spec.sink_calls.get(name)
        if not sinks:
            return
        pos, kw = call_arguments(call)
        for kind, sink in sinks:
            if kind not in self.kinds or (call.id, kind) in self.hits:
                continue
            if not all(_required(k, rx, pos, kw) for k, rx in sink.requires):
                continue
            values = [pos[i] for i in sink.args if i < len(pos)] + [kw[k] for k in sink.keywords if k in kw]
            for v in values:
                if v.type in ("list_splat", "dictionary_splat", "spread_element"):
                    v = v.named_children[0] if v.named_children else v
                if self._report(call, kind, self.taint_of(v), f"{name.removeprefix('?.')}()"):
                    break

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
        self.anchor_at = _anchor_starts(root.text, self.spec)
        if not self.anchor_at:
            return []
        stack: list = [("node", root, 0)]
        while stack:
            item = stack.pop()
            op = item[0]
            if op == "bind":
                _, node, target, value, depth, augmented = item
                self._bind_target(target, self.taint_of(value), node, depth, augmented=augmented)
                continue
            if op == "env":
                self.env = item[1]
                self.memo.clear()
                continue
            if op == "drop":  # after `if x not in ALLOWED: return`
                self._make_safe(item[1], item[2])
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
                stack.append(("env", self.env))
                self.env = dict(self.env)
                for p in parameters(n):
                    self.env.pop(p, None)
                self.memo.clear()
                depth = 0
            elif t in CALLS:
                self._check_call(n)
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
            elif t == "if_statement":
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
        return sorted(self.hits.values(), key=lambda h: (h.node.start_byte, h.kind))


def _required(key: str, rx: re.Pattern, pos: list, kw: dict) -> bool:
    """A sink's `requires` entry holds: keyword `key` (or positional argument number `key`) is given
    and its text matches `rx`."""
    if key.isdigit():
        i = int(key)
        return i < len(pos) and rx.search(node_text(pos[i])) is not None
    return key in kw and rx.search(node_text(kw[key])) is not None


def _anchor_starts(text: bytes, spec: TaintSpec) -> list[int]:
    """Sorted start offsets of `spec.anchors` matches: whole ASCII-word occurrences of an anchor word.
    bytes.find per word (anchors.occurrences) is much faster than the regex's alternation, which tries
    every word at every offset; the regex stays for words it would treat differently (non-ASCII)."""
    words = spec.anchor_words
    if not words or not all(w.isascii() and w and all(c in anchors.WORD_CHARS for c in w) for w in words):
        return [m.start() for m in spec.anchors.finditer(text)]
    return sorted(i for w in words for i, _ in anchors.occurrences(text, anchors.Anchor(anchors.TOKEN, w)))


def analyse(root, spec: TaintSpec, kinds: frozenset[str], budget) -> list[Hit]:
    """Taint hits (sink node, kind, flow steps) of the wanted `kinds` in one parsed file."""
    if not kinds:
        return []
    return Analysis(spec, kinds, budget).run(root)
