"""Per-file facts for a repository graph: definitions, references, imports, type hints, package.

One parsed tree in, one `parse_pb2.FileFacts` out (see proto/codeintel/v1/parse.proto and the
"Facts semantics" of the graph design). Nothing here resolves a name across files: references stay
names (with the receiver as written for member accesses) and the graph side resolves them.

How it works: definitions are the symbols of services.parse.symbols (imports left out), so there
is one definition finder. Everything else comes from one walk over the named nodes of the tree,
driven by an explicit stack (files may nest 10,000 levels deep: no recursion anywhere). Per node
kind, a language walker either handles the node (and pushes the children it wants visited) or the
walk descends into all named children. A few entries on the stack are None rather than nodes:
popping one restores the scope and role that were current before a subtree (kept on a side stack),
so "what scope am I in" and "is this a type position" cost nothing per node.

Locals: function-like nodes (functions, lambdas, comprehensions, ...) open a scope that records
the names bound in it (parameters, assignment and loop targets, ...). A bare name is kept when no
enclosing function-like scope binds it. The check runs after the walk, so a name bound anywhere in
the function (Python's rule) hides every use in it.

Type hints (FactTypeHint: a name, the type as written, the scope the name lives in) come from:
declared types (parameter and variable annotations, `Store s`, `var s Store`), values
(`x = Store()`, `new Store()`, `&Store{}`, a name assigned from a hinted local), constructor
parameter properties and `self.x = param` (as "self.x"/"this.x" in the class), and further:
- Python class-body annotations, `store: Store = ...` / `store: Store`: both ("store", "Store")
  and ("self.store", "Store") in the class scope (the resolver reads "self.x" hints of a class for
  `self.x` in its methods); ClassVar/Final/InitVar/Annotated wrappers give no "self." hint.
- JSDoc comments (`/** ... */` right before the statement holding a declaration, blank lines
  allowed between): `@param {Store} store` hints a parameter without a declared type, in the
  function's scope; `@type {Store}` hints the variable of a one-declarator `let`/`const`/`var`
  without a declared type (before its value's type). Types keep one class: `?Store`, `Store=`,
  `Store|null|undefined` -> "Store", `Promise<Store>` -> "Promise"; arrays, records, function
  types, primitives and unions of several classes give no hint.
- TS/JS declared return types in the same file (a JSDoc `@returns {Thing}` where the function declares
  none): `x = make()` where `function make(): Thing` and
  `x = this.make()` where a method `make(): Thing` is declared in the enclosing class (before or
  after the call) hint ("x", "Thing") like a declared type would (not through `await`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, ClassVar

from tree_sitter import Node, Tree

from codeintel.kernel.budget import Budget
from codeintel.kernel.languages import get_language
from codeintel.kernel.span import Span
from codeintel.v1 import parse_pb2
from services.parse.symbols import SymbolInfo

__all__ = ["MAX_REFERENCES", "MAX_RECEIVER_BYTES", "SUPPORTED_LANGUAGES", "extract", "supports"]

# Per-file cap on references (document order; the rest are counted in references_dropped).
MAX_REFERENCES = 50_000
# Longer receivers are reported as "?" (a cut path would name something else).
MAX_RECEIVER_BYTES = 128
# Nodes between two looks at the budget.
_BUDGET_EVERY = 4096

READ: int = parse_pb2.REFERENCE_KIND_READ
CALL: int = parse_pb2.REFERENCE_KIND_CALL
TYPE: int = parse_pb2.REFERENCE_KIND_TYPE
INHERIT: int = parse_pb2.REFERENCE_KIND_INHERIT

_SYMBOL_KINDS: dict[str, int] = {
    name.removeprefix("SYMBOL_KIND_").lower(): value for name, value in parse_pb2.SymbolKind.items()
}
_CLASSLIKE = frozenset({"class", "interface", "struct", "enum", "trait", "impl"})
_UNKNOWN = b"?"


class _Scope:
    """Names bound in one function-like node (fn=True), or the type parameters of a class or
    type declaration (fn=False: nothing else binds there)."""

    __slots__ = ("names", "parent", "fn", "globals", "hints")

    def __init__(self, parent: _Scope | None, fn: bool):
        self.names: set[bytes] = set()
        self.parent = parent
        self.fn = fn
        self.globals: set[bytes] | None = None  # Python `global x`: x is not local here
        self.hints: dict[bytes, str] | None = None  # local name -> hinted type, for `self.x = x`


class _Pos:
    """A name inside a node (a string annotation's parts), standing in for a node in a reference."""

    __slots__ = ("start_byte", "end_byte", "start_point")

    def __init__(self, start_byte: int, end_byte: int, start_point: tuple[int, int]):
        self.start_byte = start_byte
        self.end_byte = end_byte
        self.start_point = start_point


# A reference candidate: (start byte, name node, kind, receiver or None for a bare name, scope of
# a bare name). The rest of the position is read from the node only for the references kept.
_Ref = tuple[int, Any, Any, bytes | None, _Scope | None]


class _Table:
    """A walker's node-kind tables resolved to the ids of one language (built once, cached)."""

    def __init__(self, walker: type[_Walker], language: str):
        lang = get_language(language)
        by_name: dict[str, set[int]] = {}
        for i in range(lang.node_kind_count):
            if lang.node_kind_is_named(i):
                name = lang.node_kind_for_id(i)
                if name is not None:
                    by_name.setdefault(name, set()).add(i)
        self.by_name = by_name
        self.kinds: dict[tuple[str, ...], frozenset[int]] = {}
        # kind id -> what the walk does there: an int is a bare name (its reference kind, 0 for
        # the current role), anything else a handler called with (walker, node).
        self.actions: dict[int, Any] = {}
        for name, method in walker.HANDLERS.items():
            for i in self.k(name):
                self.actions[i] = getattr(walker, method)
        self.idents: dict[int, int] = {i: role for name, role in walker.IDENTS.items() for i in self.k(name)}
        self.actions.update(self.idents)
        # What the walk does with a child before pushing it: a name -> its reference kind (as in
        # `actions`), a leaf without references -> -1 (never pushed), a string literal that may
        # hold code -> -2 (pushed unless its first byte is a quote: no f-string prefix),
        # anything else: pushed.
        self.children: dict[int, int] = {i: -1 for name in walker.LEAVES for i in self.k(name)}
        self.children.update({i: -2 for name in walker.PREFIXED_STRINGS for i in self.k(name)})
        self.children.update(self.idents)
        self.members: dict[int, tuple[int | None, int | None]] = {}
        for name, (obj, prop) in walker.MEMBERS.items():
            spec = (
                lang.field_id_for_name(obj) if obj else None,
                lang.field_id_for_name(prop) if prop else None,
            )
            for i in self.k(name):
                self.members[i] = spec
        self.selfish: dict[int, bytes] = {i: text for name, text in walker.SELFISH.items() for i in self.k(name)}
        # Kind sets the handlers test often, by short name (`self.s["ident"]`).
        self.sets: dict[str, frozenset[int]] = {key: self.k(*names) for key, names in walker.SETS.items()}

    def k(self, *names: str) -> frozenset[int]:
        """Ids of the named node kinds `names` (aliases included)."""
        got = self.kinds.get(names)
        if got is None:
            got = self.kinds[names] = frozenset(i for n in names for i in self.by_name.get(n, ()))
        return got


class _Walker:
    """The walk and what every language shares; subclasses add the node handlers."""

    # Node kind -> reference kind of a bare name of that kind (0: the current role).
    IDENTS: ClassVar[dict[str, int]] = {}
    # Node kind -> name of the method handling it.
    HANDLERS: ClassVar[dict[str, str]] = {}
    # Member-access node kind -> (object field, member field); None: first / last named child.
    MEMBERS: ClassVar[dict[str, tuple[str | None, str | None]]] = {}
    # Node kinds standing for the object itself (`this`, `super`) -> receiver text.
    SELFISH: ClassVar[dict[str, bytes]] = {}
    # Bare names that are never references, and those that are not as types (predeclared words).
    SKIP: ClassVar[frozenset[bytes]] = frozenset()
    SKIP_TYPES: ClassVar[frozenset[bytes]] = frozenset()
    # Short name -> node kinds, resolved once per language into `self.s` (for hot handlers).
    SETS: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Frequent node kinds holding no reference: the walk does not even push them.
    LEAVES: ClassVar[tuple[str, ...]] = ()
    # String literals holding code only with a prefix (Python f-strings).
    PREFIXED_STRINGS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, table: _Table, content: bytes, def_names: set[int], budget: Budget):
        self.t = table
        self.k = table.k
        self.s = table.sets
        self.idents = table.idents
        self.members = table.members
        self.content = content
        self.def_names = def_names
        self.budget = budget
        self.refs: list[_Ref] = []
        # (position, module, name, alias, level, statement node, is_export)
        self.imports: list[tuple[int, str, str, str, int, Node, bool]] = []
        # (position, name, type, up): up=1 -> the enclosing definition's parent owns the hint
        self.hints: list[tuple[int, str, str, int]] = []
        self.bases: dict[int, list[str]] = {}  # definition name start -> bases as written
        self.exported: set[int] = set()  # definition name starts marked exported by the syntax
        self.export_names: set[str] = set()  # names exported by a list (`export { a }`, `__all__`)
        self.private: set[int] = set()  # definition name starts with a private modifier
        self.package = ""
        self.stack: list[Node | None] = []
        self.markers: list[tuple[_Scope | None, int]] = []  # popped at each None on the stack
        self.scope: _Scope | None = None
        self.role = READ
        self.steps = 0

    # ------------------------------------------------------------------ the walk

    def run(self, root: Node) -> None:
        stack = self.stack
        pop = stack.pop
        append = stack.append
        pop_marker = self.markers.pop
        actions = self.t.actions
        on_child = self.t.children
        content = self.content
        add_ref = self.refs.append
        budget = self.budget
        countdown = _BUDGET_EVERY
        stack.append(root)
        # The current scope and role, mirrored in locals (handlers and markers change them).
        scope = self.scope
        role = self.role
        while stack:
            node = pop()
            if node is None:  # leaving a subtree that changed scope or role
                scope, role = self.scope, self.role = pop_marker()
                continue
            action = actions.get(node.kind_id)
            if action is None:
                countdown -= 1
                if not countdown:
                    countdown = _BUDGET_EVERY
                    if budget():
                        raise budget.error("fact extraction")
                # Names among the children are taken here (a third of all nodes are names:
                # pushing and popping them costs more than this test).
                for child in reversed(node.named_children):
                    kind = on_child.get(child.kind_id)
                    if kind is None:
                        append(child)
                    elif kind >= 0:
                        add_ref((child.start_byte, child, kind or role, None, scope))
                    elif kind == -2 and (role == TYPE or content[child.start_byte] not in _QUOTE_BYTES):
                        append(child)
            elif action.__class__ is int:
                # Handlers never push a definition's name, so this is a use.
                add_ref((node.start_byte, node, action or role, None, scope))
            else:
                action(self, node)
                scope = self.scope
                role = self.role

    def push(self, node: Node | None) -> None:
        if node is not None:
            self.stack.append(node)

    def push_all(self, nodes: Sequence[Node]) -> None:
        self.stack.extend(reversed(nodes))

    def enter(self, scope: _Scope | None = None, role: int | None = None) -> None:
        """Switch scope and/or role for what is pushed next (until the marker pushed here pops)."""
        self.stack.append(None)
        self.markers.append((self.scope, self.role))
        if scope is not None:
            self.scope = scope
        if role is not None:
            self.role = role

    def push_region(self, nodes: Sequence[Node], role: int) -> None:
        """Push `nodes` to be walked with `role`, leaving the current role as it is."""
        if nodes:
            stack = self.stack
            stack.append(None)
            stack.extend(reversed(nodes))
            stack.append(None)
            # Markers pop in reverse: the first None met switches to `role`, the second restores.
            self.markers.append((self.scope, self.role))
            self.markers.append((self.scope, role))

    def new_scope(self, fn: bool = True) -> _Scope:
        return _Scope(self.scope, fn)

    def tick(self) -> None:
        """For loops inside handlers that may run long on a hostile file."""
        self.steps += 1
        if not self.steps % _BUDGET_EVERY and self.budget():
            raise self.budget.error("fact extraction")

    # ------------------------------------------------------------------ references

    def text(self, node: Node) -> str:
        return self.content[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def raw(self, node: Node) -> bytes:
        return self.content[node.start_byte : node.end_byte]

    def raw_between(self, first: Node, second: Node) -> bytes:
        return self.content[first.end_byte : second.start_byte]

    def bare(self, node: Node, role: int) -> None:
        self.refs.append((node.start_byte, node, role, None, self.scope))

    def expr(self, node: Node | None, role: int) -> None:
        """A name, a member chain (the last member gets `role`) or any other expression (walked)."""
        if node is None:
            return
        kid = node.kind_id
        if kid in self.idents:
            self.refs.append((node.start_byte, node, role, None, self.scope))
        elif kid in self.members:
            self.chain(node, role)
        else:
            self.stack.append(node)

    def unwind(self, node: Node) -> tuple[Node, list[Node]]:
        """`a.b.c` -> (a, [b, c]): the innermost object and the member names in order."""
        members = self.members
        segs: list[Node] = []
        while True:
            spec = members.get(node.kind_id)
            if spec is None:
                break
            obj_field, prop_field = spec
            obj: Node | None
            prop: Node | None
            if obj_field is not None:
                obj = node.child_by_field_id(obj_field)
                prop = node.child_by_field_id(prop_field) if prop_field is not None else None
            else:
                obj = prop = None
            if obj is None or prop is None or prop.start_byte < obj.end_byte:
                # No fields, or tree-sitter answering a field lookup on an aliased node (TS
                # `typeof a.b.c`) with a grandchild: the object and member by position.
                obj = node.named_child(0)
                prop = node.named_child(node.named_child_count - 1)
            if obj is None or prop is None or obj == prop:
                break
            segs.append(prop)
            node = obj
            if len(segs) & 1023 == 0:
                self.tick()
        segs.reverse()
        return node, segs

    def base_path(self, base: Node) -> bytes | None:
        """Receiver text of the innermost object of a chain when it is a name (emitted as a bare
        reference) or the object itself; None (after queueing it for the walk) otherwise."""
        kid = base.kind_id
        if kid in self.idents:
            self.refs.append((base.start_byte, base, READ, None, self.scope))
            return self.content[base.start_byte : base.end_byte]
        selfish = self.t.selfish.get(kid)
        if selfish is not None:
            return selfish
        special = self.special_base(base)
        if special is not None:
            return special
        self.push(base)
        return None

    def special_base(self, base: Node) -> bytes | None:
        return None

    def skip(self, node: Node) -> None:
        """Handler of nodes holding no references (string literals, labels, ...)."""

    def chain(self, node: Node, role: int) -> None:
        spec = self.members[node.kind_id]
        if spec[0] is not None and spec[1] is not None:
            # The common `a.b`: no list, no loop.
            obj = node.child_by_field_id(spec[0])
            if obj is not None and obj.kind_id in self.idents:
                prop = node.child_by_field_id(spec[1])
                if prop is not None and prop.start_byte >= obj.end_byte:
                    receiver = self.content[obj.start_byte : obj.end_byte]
                    add_ref = self.refs.append
                    add_ref((obj.start_byte, obj, READ, None, self.scope))
                    add_ref(
                        (
                            prop.start_byte,
                            prop,
                            role,
                            receiver if len(receiver) <= MAX_RECEIVER_BYTES else _UNKNOWN,
                            None,
                        )
                    )
                    return
        base, segs = self.unwind(node)
        self.members_of(base, segs, role)

    def members_of(self, base: Node, segs: list[Node], role: int) -> None:
        """Emit `base` and its members `segs` (the last one gets `role`, the others READ)."""
        prefix = self.base_path(base)
        if prefix is not None and len(prefix) > MAX_RECEIVER_BYTES:
            prefix = None
        last = len(segs) - 1
        add_ref = self.refs.append
        content = self.content
        for i, seg in enumerate(segs):
            add_ref((seg.start_byte, seg, role if i == last else READ, _UNKNOWN if prefix is None else prefix, None))
            if prefix is not None:
                prefix = prefix + b"." + content[seg.start_byte : seg.end_byte]
                if len(prefix) > MAX_RECEIVER_BYTES:
                    prefix = None

    def path_text(self, node: Node | None) -> str | None:
        """`a.b.C` as text when `node` is a name or a member chain of names, else None."""
        if node is None:
            return None
        kid = node.kind_id
        if kid in self.idents:
            return self.text(node)
        if kid not in self.members:
            selfish = self.t.selfish.get(kid)
            return selfish.decode() if selfish is not None else None
        base, segs = self.unwind(node)
        head = self.path_text(base) if base.kind_id not in self.members else None
        if head is None or node.end_byte - base.start_byte > 4 * MAX_RECEIVER_BYTES:
            return None
        return ".".join([head, *(self.text(s) for s in segs)])

    # ------------------------------------------------------------------ bindings and facts

    def bind(self, node: Node) -> None:
        """`node` (a name) is bound in the current function-like scope (if any)."""
        scope = self.scope
        if scope is not None and scope.fn and node.start_byte not in self.def_names:
            scope.names.add(self.raw(node))

    def add_import(
        self, stmt: Node, module: str, name: str, alias: str, level: int = 0, is_export: bool = False
    ) -> None:
        self.imports.append((stmt.start_byte, module, name, alias, level, stmt, is_export))

    def hint(self, at: Node, name: str, type_name: str | None, up: int = 0) -> None:
        if type_name:
            scope = self.scope
            if "." not in type_name:
                # A type parameter or a local (`x = factory()`) names no class of the graph.
                head = type_name.removesuffix("()").encode()
                outer = scope
                while outer is not None:
                    if head in outer.names:
                        return
                    outer = outer.parent
            self.hints.append((at.start_byte, name, type_name, up))
            if scope is not None and scope.fn and not up:
                if scope.hints is None:
                    scope.hints = {}
                scope.hints[name.encode()] = type_name

    def local_hint(self, node: Node) -> str | None:
        """The type hinted for a local name earlier in the current function, if any."""
        scope = self.scope
        if scope is None or scope.hints is None:
            return None
        return scope.hints.get(self.raw(node))

    def exported_flags(self, defs: list[SymbolInfo], parents: list[int]) -> list[bool]:
        return [False] * len(defs)

    def finish(self) -> None:
        """After the walk: facts that need the whole file."""


# =================================================================================== Python


class _PythonWalker(_Walker):
    IDENTS: ClassVar[dict[str, int]] = {"identifier": 0}
    LEAVES: ClassVar[tuple[str, ...]] = ("comment", "integer", "float", "true", "false", "none", "ellipsis")
    PREFIXED_STRINGS: ClassVar[tuple[str, ...]] = ("string",)
    MEMBERS: ClassVar[dict[str, tuple[str | None, str | None]]] = {"attribute": ("object", "attribute")}
    SETS: ClassVar[dict[str, tuple[str, ...]]] = {
        "ident": ("identifier",),
        "attribute": ("attribute",),
        "call": ("call",),
        "assignment": ("assignment",),
        "call_or_ident": ("call", "identifier"),
        "interpolation": ("interpolation",),
        "splat_pattern": ("list_splat_pattern", "dictionary_splat_pattern"),
        "target_list": (
            "pattern_list",
            "tuple_pattern",
            "list_pattern",
            "tuple",
            "list",
            "parenthesized_expression",
            "list_splat_pattern",
            "list_splat",
            "as_pattern_target",
            "expression_list",
        ),
    }
    HANDLERS: ClassVar[dict[str, str]] = {
        "function_definition": "py_function",
        "lambda": "py_lambda",
        "class_definition": "py_class",
        "list_comprehension": "py_comprehension",
        "set_comprehension": "py_comprehension",
        "dictionary_comprehension": "py_comprehension",
        "generator_expression": "py_comprehension",
        "assignment": "py_assignment",
        "augmented_assignment": "py_augmented",
        "named_expression": "py_walrus",
        "for_statement": "py_for",
        "with_item": "py_with_item",
        "as_pattern": "py_as_pattern",
        "global_statement": "py_global",
        "nonlocal_statement": "skip",
        "import_statement": "py_import",
        "import_from_statement": "py_import_from",
        "future_import_statement": "py_future",
        "keyword_argument": "py_keyword",
        "call": "py_call",
        "attribute": "py_attribute",
        "type": "py_type",
        "string": "py_string",
        "case_clause": "py_case",
        "type_alias_statement": "py_type_alias",
        "subscript": "py_subscript",
        "generic_type": "py_subscript",
    }

    # ------------------------------------------------------------- scopes

    def py_function(self, node: Node) -> None:
        scope = self.new_scope()
        tparams = node.child_by_field_name("type_parameters")
        # Defaults (and annotations, unless type parameters may appear in them) are evaluated
        # outside the function: walked after the marker restores the outer scope.
        outer: list[Node] = []
        inner: list[Node] = []
        annotations = inner if tparams is not None else outer
        if tparams is not None:
            self.py_type_params(tparams, scope, inner)
        params = node.child_by_field_name("parameters")
        hints: list[tuple[Node, str | None]] = []
        if params is not None:
            self.py_params(params, scope, outer, annotations, hints)
        ret = node.child_by_field_name("return_type")
        if ret is not None:
            annotations.append(ret)
        body = node.child_by_field_name("body")
        self.push_all(outer)
        self.enter(scope, READ)
        for name_node, type_name in hints:
            self.hint(name_node, self.text(name_node), type_name)
        self.push_all(inner)
        self.push(body)

    def py_lambda(self, node: Node) -> None:
        scope = self.new_scope()
        outer: list[Node] = []
        params = node.child_by_field_name("parameters")
        if params is not None:
            self.py_params(params, scope, outer, outer, [])
        self.push_all(outer)
        self.enter(scope, READ)
        self.push(node.child_by_field_name("body"))

    def py_params(
        self,
        params: Node,
        scope: _Scope,
        defaults: list[Node],
        annotations: list[Node],
        hints: list[tuple[Node, str | None]],
    ) -> None:
        ident = self.s["ident"]
        splat = self.s["splat_pattern"]
        for p in params.named_children:
            kid = p.kind_id
            if kid in ident:
                scope.names.add(self.raw(p))
                continue
            if kid in splat:
                inner = p.named_child(0)
                if inner is not None and inner.kind_id in ident:
                    scope.names.add(self.raw(inner))
                continue
            name = p.child_by_field_name("name")
            if name is None and p.named_child_count:
                name = p.named_child(0)
                if name is not None and name.kind_id in splat:
                    name = name.named_child(0)
            if name is None or name.kind_id not in ident:
                if p.kind_id in self.s["target_list"]:
                    self.py_targets(p, scope)
                continue
            scope.names.add(self.raw(name))
            typ = p.child_by_field_name("type")
            if typ is not None:
                annotations.append(typ)
                if name.start_byte == p.start_byte:  # not `*args: T`
                    hints.append((name, self.py_type_name(typ)))
            value = p.child_by_field_name("value")
            if value is not None:
                defaults.append(value)

    def py_type_params(self, tparams: Node, scope: _Scope, inner: list[Node]) -> None:
        """`[T: Base, *Ts, **P]`: the names are bound in `scope`, the bounds are walked as types."""
        ident = self.k("identifier")
        for t in tparams.named_children:
            node: Node | None = t
            bound: Node | None = None
            while node is not None and node.kind_id not in ident:
                if node.named_child_count > 1 and bound is None:
                    bound = node.named_child(1)
                node = node.named_child(0)
            if node is not None:
                scope.names.add(self.raw(node))
            if bound is not None:
                inner.append(bound)

    def py_class(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        scope = self.new_scope(fn=False)
        inner: list[Node] = []
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            self.py_type_params(tparams, scope, inner)
        supers = node.child_by_field_name("superclasses")
        body = node.child_by_field_name("body")
        self.enter(scope, READ)
        self.push_all(inner)
        self.push(body)
        if supers is not None:
            bases = self.py_bases(supers)
            if name is not None and bases:
                self.bases[name.start_byte] = bases

    def py_bases(self, supers: Node) -> list[str]:
        k = self.k
        bases: list[str] = []
        for arg in supers.named_children:
            kid = arg.kind_id
            if kid in k("keyword_argument"):
                self.push(arg.child_by_field_name("value"))
                continue
            target = arg
            if kid in k("subscript"):
                value = arg.child_by_field_name("value")
                if value is not None:
                    self.push_region(arg.children_by_field_name("subscript"), TYPE)
                    target = value
            path = self.path_text(target)
            if path is not None:
                bases.append(path)
                self.expr(target, INHERIT)
            else:
                self.push(arg)
        return bases

    def py_comprehension(self, node: Node) -> None:
        scope = self.new_scope()
        clause = self.k("for_in_clause")
        self.enter(scope, READ)
        for child in node.named_children:
            if child.kind_id in clause:
                self.py_targets(child.child_by_field_name("left"), scope)
                self.push(child.child_by_field_name("right"))
            else:
                self.push(child)

    # ------------------------------------------------------------- bindings

    def py_targets(self, node: Node | None, scope: _Scope | None = None) -> None:
        """Assignment targets: names are bound, anything else (`a.b`, `a[i]`) is walked."""
        if node is None:
            return
        ident = self.s["ident"]
        nested = self.s["target_list"]
        target = scope if scope is not None else self.scope
        names = target.names if target is not None and target.fn else None
        content = self.content
        todo = [node]
        while todo:
            n = todo.pop()
            kid = n.kind_id
            if kid in ident:
                if names is not None:
                    names.add(content[n.start_byte : n.end_byte])
            elif kid in nested:
                todo.extend(n.named_children)
            else:
                self.stack.append(n)

    def py_assignment(self, node: Node) -> None:
        s = self.s
        left = node.child_by_field_name("left")
        typ = node.child_by_field_name("type")
        right = node.child_by_field_name("right")
        stack = self.stack
        if right is not None:
            stack.append(right)
        if typ is not None:
            stack.append(typ)
        if left is None:
            return
        lk = left.kind_id
        if lk in s["ident"]:
            scope = self.scope
            if scope is not None:
                if scope.fn:
                    scope.names.add(self.content[left.start_byte : left.end_byte])
            elif right is not None and self.raw(left) == b"__all__":
                self.py_all(right)
        elif lk in s["attribute"]:
            stack.append(left)
            obj = left.child_by_field_name("object")
            if obj is None or obj.kind_id not in s["ident"] or self.raw(obj) not in (b"self", b"cls"):
                return
        else:
            self.py_targets(left)
            return
        # A type hint for `x` / `self.x`: the annotation, else a call's callee.
        if typ is not None:
            type_name = self.py_type_name(typ)
        elif right is not None:
            value = right
            assignment = s["assignment"]
            while value.kind_id in assignment:
                nxt = value.child_by_field_name("right")
                if nxt is None:
                    break
                value = nxt
            if value.kind_id not in s["call_or_ident"]:
                return
            type_name = self.py_value_type(value)
        else:
            return
        if type_name is not None:
            name = _dotted(self.raw(left))
            self.hint(left, name, type_name)
            scope = self.scope
            if (
                typ is not None
                and lk in s["ident"]
                and scope is not None
                and not scope.fn
                and type_name.rsplit(".", 1)[-1] not in _PY_TYPE_QUALIFIERS
            ):
                # A class-body annotation (`store: Store = ...`) declares the instance attribute:
                # `self.store` in the class's methods holds a Store.
                self.hint(left, "self." + name, type_name)

    def py_value_type(self, value: Node) -> str | None:
        kid = value.kind_id
        if kid in self.s["call"]:
            return self.path_text(value.child_by_field_name("function"))
        if kid in self.s["ident"]:
            return self.local_hint(value)
        return None

    def py_all(self, value: Node) -> None:
        k = self.k
        if value.kind_id not in k("list", "tuple"):
            return
        for item in value.named_children:
            if item.kind_id in k("string"):
                for part in item.named_children:
                    if part.kind_id in k("string_content"):
                        self.export_names.add(self.text(part))

    def py_augmented(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        self.push(node.child_by_field_name("right"))
        if left is not None and left.kind_id in self.k("identifier"):
            self.bind(left)
            if self.raw(left) == b"__all__" and self.scope is None:
                right = node.child_by_field_name("right")
                if right is not None:
                    self.py_all(right)
        else:
            self.push(left)

    def py_walrus(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.bind(name)
        self.push(node.child_by_field_name("value"))

    def py_for(self, node: Node) -> None:
        self.py_targets(node.child_by_field_name("left"))
        self.push(node.child_by_field_name("alternative"))
        self.push(node.child_by_field_name("body"))
        self.push(node.child_by_field_name("right"))

    def py_with_item(self, node: Node) -> None:
        value = node.child_by_field_name("value")
        if value is not None and value.kind_id in self.k("as_pattern"):
            alias = value.child_by_field_name("alias")
            inner = alias.named_child(0) if alias is not None and alias.named_child_count == 1 else None
            expr = value.named_child(0)
            if inner is not None and inner.kind_id in self.k("identifier") and expr is not None:
                self.hint(inner, self.text(inner), self.py_value_type(expr))
        self.push(value)

    def py_as_pattern(self, node: Node) -> None:
        alias = node.child_by_field_name("alias")
        if alias is not None:
            self.py_targets(alias)
        expr = node.named_child(0)
        if expr is not None and expr != alias:
            self.push(expr)

    def py_global(self, node: Node) -> None:
        scope = self.scope
        if scope is not None and scope.fn:
            if scope.globals is None:
                scope.globals = set()
            scope.globals.update(self.raw(n) for n in node.named_children)

    def py_keyword(self, node: Node) -> None:
        self.push(node.child_by_field_name("value"))

    # ------------------------------------------------------------- uses

    def py_call(self, node: Node) -> None:
        args = node.child_by_field_name("arguments")
        if args is not None:
            self.stack.append(args)
        func = node.child_by_field_name("function")
        if func is not None:
            kid = func.kind_id
            if kid in self.idents:
                self.refs.append((func.start_byte, func, CALL, None, self.scope))
            elif kid in self.members:
                self.chain(func, CALL)
            else:
                self.stack.append(func)

    def py_attribute(self, node: Node) -> None:
        self.chain(node, self.role)

    def special_base(self, base: Node) -> bytes | None:
        if base.kind_id in self.k("call"):
            func = base.child_by_field_name("function")
            if func is not None and func.kind_id in self.k("identifier") and self.raw(func) == b"super":
                self.push(base)  # `super` itself and any arguments are uses too
                return b"super()"
        return None

    def py_type(self, node: Node) -> None:
        self.enter(role=TYPE)
        self.push_all(node.named_children)

    def py_string(self, node: Node) -> None:
        if self.role == TYPE:
            self.py_forward_ref(node)
        content = self.content
        at = node.start_byte
        if content[at] in _QUOTE_BYTES:  # no prefix: not an f-string
            return
        prefix = content[at : at + 3]
        if b"f" in prefix or b"F" in prefix:  # only f-strings hold code
            interpolation = self.s["interpolation"]
            for part in node.named_children:
                if part.kind_id in interpolation:
                    self.stack.append(part)

    def py_subscript(self, node: Node) -> None:
        """`Literal["a"]` in a type holds values, not names; other subscripts are walked."""
        if self.role == TYPE:
            head = node.child_by_field_name("value") if node.kind_id in self.k("subscript") else node.named_child(0)
            path = self.path_text(head)
            if path is not None and path.rsplit(".", 1)[-1] == "Literal":
                self.expr(head, TYPE)
                return
        self.push_all(node.named_children)

    def py_forward_ref(self, node: Node) -> None:
        """A string annotation naming a type (`"Store"`, `"models.Store"`): type references."""
        parts = [p for p in node.named_children if p.kind_id in self.k("string_content")]
        if len(parts) != 1:
            return
        part = parts[0]
        raw = self.raw(part)
        if not _is_dotted(raw) or part.start_point[0] != part.end_point[0]:
            return
        row, col = part.start_point
        pos = part.start_byte
        receiver: bytes | None = None
        names = raw.split(b".")
        for i, seg in enumerate(names):
            end = pos + len(seg)
            point = (row, col + (pos - part.start_byte))
            kind = TYPE if i == len(names) - 1 else READ
            name = _Pos(pos, end, point)
            if receiver is None:
                self.refs.append((pos, name, kind, None, self.scope))
                receiver = seg
            else:
                self.refs.append((pos, name, kind, receiver, None))
                receiver = receiver + b"." + seg
            pos = end + 1

    def py_case(self, node: Node) -> None:
        k = self.k
        for child in node.named_children:
            if child.kind_id in k("case_pattern"):
                self.py_pattern(child)
            else:
                self.push(child)

    def py_pattern(self, node: Node) -> None:
        """A match-case pattern: captures bind, dotted names and class patterns are uses."""
        k = self.k
        ident = k("identifier")
        todo = [node]
        while todo:
            n = todo.pop()
            self.tick()
            kid = n.kind_id
            if kid in k("dotted_name"):
                names = n.named_children
                if len(names) == 1:
                    if self.raw(names[0]) != b"_":
                        self.bind(names[0])
                elif names:
                    self.members_of(names[0], names[1:], READ)
            elif kid in k("class_pattern"):
                children = n.named_children
                if children and children[0].kind_id in k("dotted_name"):
                    names = children[0].named_children
                    if names:
                        self.members_of(names[0], names[1:], READ)
                    children = children[1:]
                todo.extend(children)
            elif kid in k("keyword_pattern"):
                todo.extend(n.named_children[1:])
            elif kid in ident:
                self.bind(n)
            elif kid in k("string", "integer", "float", "true", "false", "none"):
                continue
            else:
                todo.extend(n.named_children)

    def py_type_alias(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        scope = self.new_scope(fn=False)
        inner: list[Node] = []
        if left is not None:
            todo = [left]
            while todo:
                n = todo.pop()
                if n.kind_id in self.k("type_parameter"):
                    self.py_type_params(n, scope, inner)
                else:
                    todo.extend(n.named_children)
        self.enter(scope)
        self.push_all(inner)
        self.push(right)

    # ------------------------------------------------------------- imports

    def py_import(self, node: Node) -> None:
        for name in node.children_by_field_name("name"):
            if name.kind_id in self.k("aliased_import"):
                mod = name.child_by_field_name("name")
                alias = name.child_by_field_name("alias")
                if mod is not None and alias is not None:
                    self.add_import(node, _dotted(self.raw(mod)), "", self.text(alias))
            else:
                module = _dotted(self.raw(name))
                self.add_import(node, module, "", module.split(".", 1)[0])

    def py_import_from(self, node: Node) -> None:
        k = self.k
        mod = node.child_by_field_name("module_name")
        module, level = "", 0
        if mod is not None:
            if mod.kind_id in k("relative_import"):
                for part in mod.named_children:
                    if part.kind_id in k("import_prefix"):
                        level = self.raw(part).count(b".")
                    else:
                        module = _dotted(self.raw(part))
            else:
                module = _dotted(self.raw(mod))
        if any(c.kind_id in k("wildcard_import") for c in node.named_children):
            self.add_import(node, module, "*", "", level)
        self.py_imported_names(node, module, level)

    def py_future(self, node: Node) -> None:
        self.py_imported_names(node, "__future__", 0)

    def py_imported_names(self, node: Node, module: str, level: int) -> None:
        for name in node.children_by_field_name("name"):
            if name.kind_id in self.k("aliased_import"):
                orig = name.child_by_field_name("name")
                alias = name.child_by_field_name("alias")
                if orig is not None and alias is not None:
                    self.add_import(node, module, _dotted(self.raw(orig)), self.text(alias), level)
            else:
                text = _dotted(self.raw(name))
                self.add_import(node, module, text, text, level)

    # ------------------------------------------------------------- types

    def py_type_name(self, node: Node | None) -> str | None:
        """The class an annotation names: `Foo`, `m.Foo`; Optional[X] / X | None -> X; generic
        arguments dropped (`List[Foo]` -> "List"); None when it names no single class."""
        k = self.k
        for _ in range(64):
            if node is None:
                return None
            kid = node.kind_id
            if kid in k("type"):
                node = node.named_child(0)
            elif kid in k("identifier", "attribute"):
                return self.path_text(node)
            elif kid in k("generic_type", "subscript"):
                head = node.child_by_field_name("value") if kid in k("subscript") else node.named_child(0)
                name = self.path_text(head)
                if name is None:
                    return None
                if name.rsplit(".", 1)[-1] not in ("Optional", "Union"):
                    return name
                args = self.py_type_args(node)
                if len(args) != 1:
                    return None
                node = args[0]
            elif kid in k("binary_operator"):
                args = [n for n in self.py_union(node) if n.kind_id not in k("none")]
                if len(args) != 1:
                    return None
                node = args[0]
            elif kid in k("string"):
                parts = [p for p in node.named_children if p.kind_id in k("string_content")]
                if len(parts) == 1 and _is_dotted(self.raw(parts[0])):
                    return self.text(parts[0])
                return None
            else:
                return None
        return None

    def py_type_args(self, node: Node) -> list[Node]:
        k = self.k
        if node.kind_id in k("subscript"):
            args = node.children_by_field_name("subscript")
            if len(args) == 1 and args[0].kind_id in k("tuple"):
                args = args[0].named_children
        else:
            param = node.named_child(1)
            args = param.named_children if param is not None else []
        return [a for a in args if self.raw(a) != b"None"]

    def py_union(self, node: Node) -> list[Node]:
        k = self.k
        out: list[Node] = []
        todo = [node]
        while todo:
            n = todo.pop()
            if n.kind_id in k("binary_operator"):
                operator = n.child_by_field_name("operator")
                left = n.child_by_field_name("left")
                right = n.child_by_field_name("right")
                if operator is not None and self.raw(operator) == b"|" and left is not None and right is not None:
                    todo.append(right)
                    todo.append(left)
                    continue
            out.append(n)
        return out

    def exported_flags(self, defs: list[SymbolInfo], parents: list[int]) -> list[bool]:
        out: list[bool] = []
        for d, parent in zip(defs, parents, strict=True):
            name = d.name
            public = not name.startswith("_") or (name.startswith("__") and name.endswith("__") and len(name) > 4)
            if parent < 0:
                out.append(public or name in self.export_names)
            else:
                out.append(public and out[parent] and defs[parent].kind in _CLASSLIKE)
        return out


# Annotation wrappers that say how a class attribute is declared, not what it holds.
_PY_TYPE_QUALIFIERS = frozenset({"ClassVar", "Final", "InitVar", "Annotated"})


def _dotted(raw: bytes) -> str:
    return b"".join(raw.split()).decode("utf-8", "replace")


def _is_dotted(raw: bytes) -> bool:
    if not raw or len(raw) > MAX_RECEIVER_BYTES:
        return False
    for part in raw.split(b"."):
        if not part or not (part[0:1].isalpha() or part[0:1] == b"_") or not part.replace(b"_", b"a").isalnum():
            return False
    return True


# ============================================================================ JavaScript / TypeScript


# The alias of the export row of a CommonJS `module.exports = X` (codeintel.graph.links.CJS_EXPORTS).
_CJS_EXPORTS = "module.exports"


class _JsWalker(_Walker):
    """JavaScript, TypeScript and TSX (kinds a grammar lacks simply never occur)."""

    IDENTS: ClassVar[dict[str, int]] = {
        "identifier": 0,
        "shorthand_property_identifier": READ,
        "type_identifier": TYPE,
    }
    MEMBERS: ClassVar[dict[str, tuple[str | None, str | None]]] = {
        "member_expression": ("object", "property"),
        "nested_identifier": ("object", "property"),
        "nested_type_identifier": ("module", "name"),
    }
    SELFISH: ClassVar[dict[str, bytes]] = {"this": b"this", "super": b"super"}
    SKIP: ClassVar[frozenset[bytes]] = frozenset({b"undefined"})
    LEAVES: ClassVar[tuple[str, ...]] = ("comment", "string", "number", "regex", "true", "false", "null", "this")
    HANDLERS: ClassVar[dict[str, str]] = {
        "import_statement": "js_import",
        "export_statement": "js_export",
        "function_declaration": "js_function",
        "generator_function_declaration": "js_function",
        "function_expression": "js_function",
        "function": "js_function",
        "generator_function": "js_function",
        "arrow_function": "js_function",
        "method_definition": "js_function",
        "function_signature": "js_function",
        "method_signature": "js_function",
        "abstract_method_signature": "js_function",
        "function_type": "js_function",
        "constructor_type": "js_function",
        "call_signature": "js_function",
        "construct_signature": "js_function",
        "class_declaration": "js_class",
        "class": "js_class",
        "abstract_class_declaration": "js_class",
        "interface_declaration": "js_class",
        "type_alias_declaration": "js_class",
        "enum_declaration": "js_enum",
        "internal_module": "js_namespace",
        "module": "js_namespace",
        "variable_declarator": "js_declarator",
        "assignment_expression": "js_assign",
        "for_in_statement": "js_for_in",
        "catch_clause": "js_catch",
        "call_expression": "js_call",
        "new_expression": "js_new",
        "member_expression": "js_member",
        "nested_identifier": "js_member",
        "nested_type_identifier": "js_type_member",
        "jsx_opening_element": "js_jsx",
        "jsx_self_closing_element": "js_jsx",
        "jsx_closing_element": "skip",
        "jsx_attribute": "js_jsx_attribute",
        "public_field_definition": "js_field",
        "field_definition": "js_field",
        "index_signature": "js_index_signature",
        "mapped_type_clause": "js_mapped_type",
        "type_parameter": "js_type_parameter",
        "string": "skip",
        "regex": "skip",
        "import_alias": "skip",
    }
    _FUNCTION_EXPRESSIONS = ("function_expression", "function", "generator_function")

    def __init__(self, table: _Table, content: bytes, def_names: set[int], budget: Budget):
        super().__init__(table, content, def_names, budget)
        # Declared return types: (-1, function name) or (class start, method name) -> type.
        self.returns: dict[tuple[int, bytes], str] = {}
        # Declarators assigned a call's result: (name, js_function_key of the callee, scope).
        self.calls: list[tuple[Node, tuple[int, bytes], _Scope | None]] = []
        self.jsdoc = b"/**" in content  # else no declaration looks for its doc comment
        # else no function declares a return type (in TypeScript or in a JSDoc @returns)
        self.typed = b"):" in content or (self.jsdoc and b"@return" in content)

    # ------------------------------------------------------------- scopes

    def js_function(self, node: Node) -> None:
        k = self.k
        scope = self.new_scope()
        name = node.child_by_field_name("name")
        if name is not None and node.kind_id in k(*self._FUNCTION_EXPRESSIONS):
            scope.names.add(self.raw(name))  # a named function expression sees its own name
        if node.kind_id in k("method_definition"):
            self.js_member_flags(node, name)
            self.push_all([c for c in node.named_children if c.kind_id in k("decorator")])
        self.enter(scope, READ)
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            self.js_type_params(tparams, scope)
        params = node.child_by_field_name("parameters")
        ctor = name is not None and node.kind_id in k("method_definition") and self.raw(name) == b"constructor"
        if params is not None:
            # Parameters of a signature without a body (function types, overloads) hold nothing.
            with_hints = node.child_by_field_name("body") is not None
            self.js_params(params, ctor, with_hints)
            if with_hints and self.jsdoc and params.named_child_count:
                doc = self.js_doc(node)
                if doc is not None:
                    self.js_doc_params(params, doc)
        else:
            single = node.child_by_field_name("parameter")
            if single is not None:
                self.js_pattern(single, True)
        self.push(node.child_by_field_name("body"))
        ret = node.child_by_field_name("return_type")
        if name is not None and (ret is not None or self.jsdoc):
            type_name = None
            if ret is not None:
                type_name = self.ts_type_name(ret)
            else:  # JavaScript: the type a JSDoc `@returns {Thing}` declares
                doc = self.js_doc(node)
                type_name = None if doc is None else _jsdoc_type(_JSDOC_RETURNS.search(doc))
            key = self.js_function_key(node, name) if type_name is not None else None
            if key is not None and type_name is not None:
                self.returns.setdefault(key, type_name)
        self.push(ret)
        self.push(node.child_by_field_name("type"))  # function_type's result

    def js_member_flags(self, node: Node, name: Node | None) -> None:
        if name is None:
            return
        if name.kind_id in self.k("private_property_identifier"):
            self.private.add(name.start_byte)
            return
        for child in node.named_children:
            if child.kind_id in self.k("accessibility_modifier") and self.raw(child) == b"private":
                self.private.add(name.start_byte)

    def js_type_params(self, tparams: Node, scope: _Scope) -> None:
        for tp in tparams.named_children:
            name = tp.child_by_field_name("name")
            if name is not None:
                scope.names.add(self.raw(name))
            self.push(tp.child_by_field_name("constraint"))
            self.push(tp.child_by_field_name("value"))

    def js_type_parameter(self, node: Node) -> None:
        self.push(node.child_by_field_name("constraint"))
        self.push(node.child_by_field_name("value"))

    def js_params(self, params: Node, ctor: bool, with_hints: bool) -> None:
        k = self.k
        for p in params.named_children:
            kid = p.kind_id
            if kid in k("required_parameter", "optional_parameter"):
                pattern = p.child_by_field_name("pattern")
                typ = p.child_by_field_name("type")
                self.push(p.child_by_field_name("value"))
                self.push(typ)
                self.push_all([c for c in p.named_children if c.kind_id in k("decorator")])
                if pattern is None:
                    continue
                self.js_pattern(pattern, True)
                if with_hints and pattern.kind_id in k("identifier") and typ is not None:
                    name = self.text(pattern)
                    type_name = self.ts_type_name(typ)
                    self.hint(pattern, name, type_name)
                    if ctor and any(
                        c.kind_id in k("accessibility_modifier", "override_modifier") or c.type == "readonly"
                        for c in p.children
                    ):
                        self.hint(pattern, "this." + name, type_name, up=1)
            else:
                self.js_pattern(p, True)

    def js_pattern(self, node: Node, bind: bool) -> None:
        """A binding pattern: names are bound (bind=True) or assigned (not references either);
        default values and computed keys are walked."""
        k = self.k
        todo = [node]
        while todo:
            n = todo.pop()
            kid = n.kind_id
            if kid in k("identifier", "shorthand_property_identifier_pattern"):
                if bind:
                    self.bind(n)
            elif kid in k("object_pattern", "array_pattern", "rest_pattern"):
                todo.extend(n.named_children)
            elif kid in k("pair_pattern"):
                key = n.child_by_field_name("key")
                if key is not None and key.kind_id in k("computed_property_name"):
                    self.push(key)
                value = n.child_by_field_name("value")
                if value is not None:
                    todo.append(value)
            elif kid in k("assignment_pattern", "object_assignment_pattern"):
                self.push(n.child_by_field_name("right"))
                left = n.child_by_field_name("left")
                if left is not None:
                    todo.append(left)
            elif kid in k("this", "comment"):
                continue
            else:
                self.push(n)

    def js_class(self, node: Node) -> None:
        """Classes, interfaces and type aliases: type parameters, heritage, body."""
        k = self.k
        name = node.child_by_field_name("name")
        self.push_all([c for c in node.named_children if c.kind_id in k("decorator")])
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            scope = self.new_scope(fn=False)
            self.enter(scope)
            self.js_type_params(tparams, scope)
        self.push(node.child_by_field_name("body"))
        self.push(node.child_by_field_name("value"))  # type alias
        bases: list[str] = []
        for child in node.named_children:
            kid = child.kind_id
            if kid in k("class_heritage"):
                for part in child.named_children:
                    if part.kind_id in k("extends_clause"):
                        for value in part.children_by_field_name("value"):
                            self.js_base(value, bases)
                        self.push_all(part.children_by_field_name("type_arguments"))
                    elif part.kind_id in k("implements_clause"):
                        for typ in part.named_children:
                            self.js_base(typ, bases)
                    else:
                        self.js_base(part, bases)  # JavaScript: `extends <expression>`
            elif kid in k("extends_type_clause"):
                for typ in child.named_children:
                    self.js_base(typ, bases)
        if bases and name is not None:
            self.bases[name.start_byte] = bases

    def js_base(self, node: Node, bases: list[str]) -> None:
        if node.kind_id in self.k("generic_type"):
            self.push(node.child_by_field_name("type_arguments"))
            inner = node.child_by_field_name("name")
            if inner is None:
                return
            node = inner
        path = self.path_text(node)
        if path is None:
            self.push(node)
            return
        bases.append(path)
        self.expr(node, INHERIT)

    def js_enum(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        if body is not None:
            for member in body.named_children:
                self.push(member.child_by_field_name("value"))

    def js_namespace(self, node: Node) -> None:
        self.push(node.child_by_field_name("body"))

    def js_index_signature(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        self.push_all([c for c in node.named_children if c != name])

    def js_mapped_type(self, node: Node) -> None:
        self.push(node.child_by_field_name("type"))
        self.push(node.child_by_field_name("alias"))

    # ------------------------------------------------------------- bindings

    def js_declarator(self, node: Node) -> None:
        k = self.k
        name = node.child_by_field_name("name")
        typ = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        self.push(typ)
        if value is not None and self.js_require(node, name, value):
            value = None
        self.push(value)
        if name is None:
            return
        self.js_pattern(name, True)
        if name.kind_id in k("identifier"):
            type_name = self.ts_type_name(typ) if typ is not None else None
            if typ is None and self.jsdoc and _single_child(node.parent):
                doc = self.js_doc(node)
                if doc is not None:
                    type_name = _jsdoc_type(_JSDOC_TYPE.search(doc))
            if type_name is None and value is not None:
                type_name = self.js_value_type(value)
                if type_name is None and self.typed and value.kind_id in k("call_expression"):
                    key = self.js_callee_key(value)
                    if key is not None:
                        self.calls.append((name, key, self.scope))
            self.hint(name, self.text(name), type_name)

    def js_function_key(self, node: Node, name: Node) -> tuple[int, bytes] | None:
        """(-1, name) for a function declaration, (class start, name) for a method."""
        kid = node.kind_id
        if kid in self.k("function_declaration"):
            return (-1, self.raw(name))
        if kid in self.k("method_definition"):
            body = node.parent
            owner = body.parent if body is not None else None
            if owner is not None:
                return (owner.start_byte, self.raw(name))
        return None

    def js_callee_key(self, call: Node) -> tuple[int, bytes] | None:
        """The js_function_key a call `f()` / `this.m()` may call in this file, if any."""
        k = self.k
        func = call.child_by_field_name("function")
        if func is None or call.child_by_field_name("arguments") is None:
            return None
        if func.kind_id in k("identifier"):
            return (-1, self.raw(func))
        if func.kind_id not in k("member_expression"):
            return None
        obj = func.child_by_field_name("object")
        prop = func.child_by_field_name("property")
        if obj is None or prop is None or obj.kind_id not in k("this"):
            return None
        owner = call.parent
        classes = k("class_declaration", "class", "abstract_class_declaration")
        while owner is not None and owner.kind_id not in classes:
            owner = owner.parent
        return (owner.start_byte, self.raw(prop)) if owner is not None else None

    def finish(self) -> None:
        # `x = make()` / `x = this.make()` with `make` declared in this file with a return type
        # (before or after the call): a hint, as a declared type would be.
        returns = self.returns
        if not returns:
            return
        scope = self.scope
        for name, key, at in self.calls:
            type_name = returns.get(key)
            if type_name is not None:
                self.scope = at
                self.hint(name, self.text(name), type_name)
        self.scope = scope

    def js_require(self, decl: Node, name: Node | None, value: Node) -> bool:
        """`x = require('m')`, `{a, b: c} = require('m')`, `x = require('m').y` -> imports."""
        k = self.k
        member: Node | None = None
        if value.kind_id in k("member_expression"):
            member = value.child_by_field_name("property")
            value = value.child_by_field_name("object") or value
        module = self.js_require_module(value)
        if module is None:
            return False
        stmt = decl.parent or decl
        if name is None:
            self.add_import(stmt, module, "", "")
        elif name.kind_id in k("identifier"):
            self.add_import(stmt, module, self.text(member) if member is not None else "", self.text(name))
        elif name.kind_id in k("object_pattern") and member is None:
            for prop in name.named_children:
                if prop.kind_id in k("shorthand_property_identifier_pattern"):
                    self.add_import(stmt, module, self.text(prop), self.text(prop))
                    self.bind(prop)
                elif prop.kind_id in k("pair_pattern"):
                    key = prop.child_by_field_name("key")
                    alias = prop.child_by_field_name("value")
                    if key is not None and alias is not None and alias.kind_id in k("identifier"):
                        self.add_import(stmt, module, self.text(key).strip(_QUOTES), self.text(alias))
                        self.bind(alias)
            return True
        else:
            return False
        return True

    def js_require_module(self, call: Node) -> str | None:
        k = self.k
        if call.kind_id not in k("call_expression"):
            return None
        func = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if func is None or args is None or func.kind_id not in k("identifier") or self.raw(func) != b"require":
            return None
        if args.named_child_count != 1:
            return None
        arg = args.named_child(0)
        if arg is None or arg.kind_id not in k("string"):
            return None
        return self.text(arg)[1:-1]

    def js_assign(self, node: Node) -> None:
        k = self.k
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        self.push(right)
        if left is None:
            return
        kid = left.kind_id
        if kid in k("identifier"):
            return  # assigning an existing variable: neither a use nor a binding
        if kid in k("object_pattern", "array_pattern"):
            self.js_pattern(left, False)
            return
        if kid not in k("member_expression"):
            self.push(left)
            return
        self.chain(left, READ)
        path = self.path_text(left)
        if path is None or right is None:
            return
        if path.startswith("this.") and path.count(".") == 1:
            self.hint(left, path, self.js_value_type(right))
        elif path == "module.exports" or path.startswith(("exports.", "module.exports.")):
            self.js_commonjs(path, right)
            if self.js_file_level(node):
                self.js_commonjs_rows(node, path, left, right)

    def js_commonjs(self, path: str, value: Node) -> None:
        """`module.exports = {a, b: c}` / `exports.x = y`: the names mark definitions exported."""
        k = self.k
        if value.kind_id in k("identifier"):
            self.export_names.add(self.text(value))
        elif value.kind_id in k("object") and path == "module.exports":
            for prop in value.named_children:
                if prop.kind_id in k("shorthand_property_identifier"):
                    self.export_names.add(self.text(prop))
                elif prop.kind_id in k("pair"):
                    v = prop.child_by_field_name("value")
                    if v is not None and v.kind_id in k("identifier"):
                        self.export_names.add(self.text(v))

    # Where a CommonJS export statement still runs at load time: file level, in `if`/`try` blocks,
    # or as the value of another assignment (`exports = module.exports = X`).
    _FILE_LEVEL = (
        "expression_statement",
        "statement_block",
        "if_statement",
        "else_clause",
        "try_statement",
        "catch_clause",
        "finally_clause",
        "assignment_expression",
    )
    _ANONYMOUS = ("function_expression", "function", "generator_function", "arrow_function", "class")

    def js_file_level(self, node: Node) -> bool:
        k = self.k
        through = k(*self._FILE_LEVEL)
        parent = node.parent
        while parent is not None and parent.kind_id in through:
            parent = parent.parent
        return parent is not None and parent.kind_id in k("program")

    def js_commonjs_rows(self, stmt: Node, path: str, left: Node, value: Node) -> None:
        """The export rows of a file-level CommonJS export, as for `export { b as a }`:
        `module.exports = X` -> (X, "module.exports"); `module.exports = { a: b, c }` -> (b, a),
        (c, c); `exports.a = b` / `module.exports.a = b` -> (b, a)."""
        k = self.k
        if path == "module.exports":
            if value.kind_id in k("object"):
                for prop in value.named_children:
                    if prop.kind_id in k("shorthand_property_identifier"):
                        name = self.text(prop)
                        self.add_import(stmt, "", name, name, is_export=True)
                    elif prop.kind_id in k("pair"):
                        key = prop.child_by_field_name("key")
                        v = prop.child_by_field_name("value")
                        if key is not None and v is not None and key.kind_id in k("property_identifier", "string"):
                            alias = self.text(key).strip(_QUOTES)
                            self.js_commonjs_row(stmt, alias, key, v)
                    elif prop.kind_id in k("method_definition"):
                        key = prop.child_by_field_name("name")
                        if key is not None and key.start_byte in self.def_names:
                            alias = self.text(key).strip(_QUOTES)
                            self.add_import(stmt, "", alias, alias, is_export=True)
            else:
                exported = self.js_commonjs_value(value)
                if exported is not None:
                    self.add_import(stmt, "", exported, _CJS_EXPORTS, is_export=True)
            return
        rest = path.removeprefix("module.").removeprefix("exports.")
        member = left.child_by_field_name("property")
        if rest and "." not in rest and member is not None:
            self.js_commonjs_row(stmt, rest, member, value)

    def js_commonjs_row(self, stmt: Node, alias: str, key: Node, value: Node) -> None:
        """`alias: value` / `exports.alias = value`: exports the name the value is; an anonymous
        function or class only when it is a definition named `alias`."""
        name = self.js_commonjs_value(value)
        if name is None and value.kind_id in self.k(*self._ANONYMOUS):
            if key.start_byte in self.def_names or value.start_byte in self.def_names:
                name = alias
        if name is not None:
            self.add_import(stmt, "", name, alias, is_export=True)

    def js_commonjs_value(self, value: Node) -> str | None:
        """The name a CommonJS export value is: `X`, `class X {}`, `function X() {}`."""
        k = self.k
        if value.kind_id in k("identifier"):
            return self.text(value)
        if value.kind_id in k(*self._ANONYMOUS):
            name = value.child_by_field_name("name")
            if name is not None:
                return self.text(name)
        return None

    def js_for_in(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        if left is not None:
            self.js_pattern(left, True)
        self.push(node.child_by_field_name("body"))
        self.push(node.child_by_field_name("right"))

    def js_catch(self, node: Node) -> None:
        param = node.child_by_field_name("parameter")
        if param is not None:
            self.js_pattern(param, True)
        self.push(node.child_by_field_name("type"))
        self.push(node.child_by_field_name("body"))

    def js_field(self, node: Node) -> None:
        k = self.k
        name = node.child_by_field_name("name") or node.child_by_field_name("property")
        self.js_member_flags(node, name)
        typ = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        self.push_all([c for c in node.named_children if c.kind_id in k("decorator")])
        self.push(value)
        self.push(typ)
        if name is not None and name.kind_id in k("computed_property_name"):
            self.push(name)
        elif name is not None:
            type_name = self.ts_type_name(typ) if typ is not None else None
            if type_name is None and value is not None:
                type_name = self.js_value_type(value)
            self.hint(name, "this." + self.text(name), type_name)

    # ------------------------------------------------------------- uses

    def js_call(self, node: Node) -> None:
        k = self.k
        func = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        self.push(node.child_by_field_name("type_arguments"))
        if func is not None and func.kind_id in k("import"):  # import('./m')
            first = args.named_child(0) if args is not None and args.named_child_count else None
            if first is not None and first.kind_id in k("string"):
                self.add_import(node, self.text(first)[1:-1], "", "")
            self.push(args)
            return
        module = self.js_require_module(node)
        if module is not None:
            self.add_import(node, module, "", "")
            return
        self.push(args)
        self.expr(func, CALL)

    def js_new(self, node: Node) -> None:
        self.push(node.child_by_field_name("arguments"))
        self.push(node.child_by_field_name("type_arguments"))
        self.expr(node.child_by_field_name("constructor"), CALL)

    def js_member(self, node: Node) -> None:
        self.chain(node, READ)

    def js_type_member(self, node: Node) -> None:
        self.chain(node, TYPE)

    def js_jsx(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            if name.kind_id in self.k("identifier"):
                if self.raw(name)[:1].isupper():  # lower case names are intrinsic tags
                    self.bare(name, CALL)
            elif name.kind_id in self.k("member_expression"):
                self.chain(name, CALL)
        self.push_all(node.children_by_field_name("attribute"))
        self.push(node.child_by_field_name("type_arguments"))

    def js_jsx_attribute(self, node: Node) -> None:
        children = node.named_children
        self.push_all(children[1:])

    # ------------------------------------------------------------- imports and exports

    def js_import(self, node: Node) -> None:
        k = self.k
        source = node.child_by_field_name("source")
        module = self.text(source)[1:-1] if source is not None else ""
        found = False
        for clause in node.named_children:
            if clause.kind_id in k("import_require_clause"):
                src = clause.child_by_field_name("source")
                ident = clause.named_child(0)
                if src is not None and ident is not None:
                    self.add_import(node, self.text(src)[1:-1], "", self.text(ident))
                found = True
            elif clause.kind_id in k("import_clause"):
                for part in clause.named_children:
                    found = True
                    if part.kind_id in k("identifier"):
                        self.add_import(node, module, "default", self.text(part))
                    elif part.kind_id in k("namespace_import"):
                        ident = part.named_child(0)
                        if ident is not None:
                            self.add_import(node, module, "", self.text(ident))
                    elif part.kind_id in k("named_imports"):
                        for spec in part.named_children:
                            if spec.kind_id in k("import_specifier"):
                                self.js_specifier(node, spec, module, False)
        if not found and source is not None:
            self.add_import(node, module, "", "")

    def js_specifier(self, stmt: Node, spec: Node, module: str, is_export: bool) -> None:
        name = spec.child_by_field_name("name")
        alias = spec.child_by_field_name("alias")
        if name is None:
            return
        orig = self.text(name).strip(_QUOTES)
        bound = self.text(alias).strip(_QUOTES) if alias is not None else orig
        self.add_import(stmt, module, orig, bound, is_export=is_export)
        if is_export and not module:
            self.export_names.add(orig)

    def js_export(self, node: Node) -> None:
        k = self.k
        source = node.child_by_field_name("source")
        module = self.text(source)[1:-1] if source is not None else ""
        default = any(c.type == "default" for c in node.children)
        self.push_all([c for c in node.named_children if c.kind_id in k("decorator")])
        clause = None
        for child in node.named_children:
            if child.kind_id in k("export_clause"):
                clause = child
                for spec in child.named_children:
                    if spec.kind_id in k("export_specifier"):
                        self.js_specifier(node, spec, module, True)
            elif child.kind_id in k("namespace_export"):
                clause = child
                ident = child.named_child(0)
                self.add_import(node, module, "", self.text(ident).strip(_QUOTES) if ident else "", is_export=True)
        if source is not None:
            if clause is None:
                self.add_import(node, module, "*", "", is_export=True)
            return
        decl = node.child_by_field_name("declaration")
        if decl is not None:
            self.push(decl)
            for name in self.js_declared_names(decl):
                self.exported.add(name.start_byte)
                if default:
                    self.add_import(node, "", self.text(name), "default", is_export=True)
        value = node.child_by_field_name("value")
        if value is not None:
            if value.kind_id in k("identifier"):
                self.add_import(node, "", self.text(value), "default", is_export=True)
                self.export_names.add(self.text(value))
            else:
                self.push(value)

    def js_declared_names(self, decl: Node) -> list[Node]:
        k = self.k
        if decl.kind_id in k("lexical_declaration", "variable_declaration"):
            out = []
            for d in decl.named_children:
                name = d.child_by_field_name("name") if d.kind_id in k("variable_declarator") else None
                if name is not None and name.kind_id in k("identifier"):
                    out.append(name)
            return out
        name = decl.child_by_field_name("name")
        return [name] if name is not None else []

    # ------------------------------------------------------------- types

    def js_doc(self, node: Node) -> bytes | None:
        """The JSDoc comment (`/** ... */`) right before the statement declaring `node` (a
        function, method or variable declarator), if any."""
        k = self.k
        for _ in range(4):
            parent = node.parent
            if parent is None or parent.kind_id not in k(*_JSDOC_HOLDERS):
                break
            node = parent
        prev = node.prev_named_sibling
        # Blank lines may separate the comment from its declaration (the TypeScript service attaches
        # it all the same); anything else between them does not.
        if prev is None or prev.kind_id not in k("comment") or self.raw_between(prev, node).strip():
            return None
        text = self.raw(prev)
        return text if text.startswith(b"/**") else None

    def js_doc_params(self, params: Node, doc: bytes) -> None:
        """`@param {Store} store` -> a hint for the parameter `store` without a declared type."""
        types: dict[bytes, str] = {}
        for m in _JSDOC_PARAM.finditer(doc):
            type_name = _jsdoc_type(m)
            if type_name is not None:
                types.setdefault(m.group(2), type_name)
        if not types:
            return
        k = self.k
        for param in params.named_children:
            kid = param.kind_id
            name: Node | None = param
            if kid in k("required_parameter", "optional_parameter"):
                if param.child_by_field_name("type") is not None:
                    continue
                name = param.child_by_field_name("pattern")
            elif kid in k("assignment_pattern"):
                name = param.child_by_field_name("left")
            if name is not None and name.kind_id in k("identifier"):
                type_name = types.get(self.raw(name))
                if type_name is not None:
                    self.hint(name, self.text(name), type_name)

    def ts_type_name(self, node: Node | None) -> str | None:
        """`Foo`, `ns.Foo`; `Foo<T>` -> "Foo"; `Foo | null | undefined` -> "Foo"; else None."""
        k = self.k
        for _ in range(64):
            if node is None:
                return None
            kid = node.kind_id
            if kid in k("type_annotation", "parenthesized_type"):
                node = node.named_child(node.named_child_count - 1) if node.named_child_count else None
            elif kid in k("type_identifier", "nested_type_identifier", "identifier"):
                return _dotted(self.raw(node))
            elif kid in k("generic_type"):
                node = node.child_by_field_name("name")
            elif kid in k("union_type"):
                members = []
                todo = [node]
                while todo:
                    n = todo.pop()
                    if n.kind_id in k("union_type"):
                        todo.extend(n.named_children)
                    elif self.raw(n) not in (b"null", b"undefined"):
                        members.append(n)
                if len(members) != 1:
                    return None
                node = members[0]
            else:
                return None
        return None

    def js_value_type(self, value: Node) -> str | None:
        k = self.k
        if value.kind_id in k("new_expression"):
            return self.path_text(value.child_by_field_name("constructor"))
        if value.kind_id in k("identifier"):
            return self.local_hint(value)
        return None

    def exported_flags(self, defs: list[SymbolInfo], parents: list[int]) -> list[bool]:
        out: list[bool] = []
        for d, parent in zip(defs, parents, strict=True):
            at = d.selection.start_byte
            if parent < 0:
                out.append(at in self.exported or d.name in self.export_names)
                continue
            kind = defs[parent].kind
            if kind in _CLASSLIKE:
                out.append(out[parent] and at not in self.private and not d.name.startswith("#"))
            elif kind == "module":
                out.append(out[parent] and at in self.exported)
            else:
                out.append(False)
        return out


# ======================================================================================= Go

_GO_PREDECLARED_TYPES = frozenset(
    b"any bool byte comparable complex64 complex128 error float32 float64 int int8 int16 int32 int64 "
    b"rune string uint uint8 uint16 uint32 uint64 uintptr".split()
)


def _go_package_name(path: str) -> str:
    """The name an unaliased import binds, by convention: the last path element without a major
    version ("example.com/lib/v2" -> "lib", "gopkg.in/yaml.v3" -> "yaml")."""
    parts = path.split("/")
    last = parts[-1]
    if len(parts) > 1 and _GO_MAJOR.fullmatch(last):
        last = parts[-2]
    return _GO_DOT_MAJOR.sub("", last)


_GO_MAJOR = re.compile(r"v[0-9]+")
_GO_DOT_MAJOR = re.compile(r"\.v[0-9]+$")


class _GoWalker(_Walker):
    IDENTS: ClassVar[dict[str, int]] = {"identifier": READ, "type_identifier": TYPE, "package_identifier": READ}
    MEMBERS: ClassVar[dict[str, tuple[str | None, str | None]]] = {
        "selector_expression": ("operand", "field"),
        "qualified_type": ("package", "name"),
    }
    SKIP: ClassVar[frozenset[bytes]] = frozenset({b"_"})
    SKIP_TYPES: ClassVar[frozenset[bytes]] = _GO_PREDECLARED_TYPES
    LEAVES: ClassVar[tuple[str, ...]] = (
        "comment",
        "interpreted_string_literal",
        "raw_string_literal",
        "rune_literal",
        "int_literal",
        "float_literal",
        "nil",
        "true",
        "false",
        "iota",
    )
    HANDLERS: ClassVar[dict[str, str]] = {
        "package_clause": "go_package",
        "import_declaration": "go_import",
        "function_declaration": "go_function",
        "method_declaration": "go_function",
        "func_literal": "go_function",
        "method_elem": "go_function",
        "type_spec": "go_type_spec",
        "type_alias": "go_type_spec",
        "field_declaration": "go_field",
        "short_var_declaration": "go_short_var",
        "var_spec": "go_var_spec",
        "const_spec": "go_var_spec",
        "assignment_statement": "go_assign",
        "range_clause": "go_range",
        "type_switch_statement": "go_type_switch",
        "receive_statement": "go_receive",
        "call_expression": "go_call",
        "selector_expression": "go_selector",
        "qualified_type": "go_qualified_type",
        "keyed_element": "go_keyed",
        "interpreted_string_literal": "skip",
        "raw_string_literal": "skip",
        "rune_literal": "skip",
    }

    def go_package(self, node: Node) -> None:
        for child in node.named_children:
            if child.kind_id in self.k("package_identifier"):
                self.package = self.text(child)

    def go_import(self, node: Node) -> None:
        k = self.k
        todo = [node]
        while todo:
            n = todo.pop()
            if n.kind_id in k("import_spec"):
                path = n.child_by_field_name("path")
                if path is None:
                    continue
                module = self.text(path).strip(_QUOTES)
                name = n.child_by_field_name("name")
                if name is None:
                    self.add_import(n, module, "", _go_package_name(module))
                elif name.kind_id in k("dot"):
                    self.add_import(n, module, "*", "")
                else:
                    self.add_import(n, module, "", self.text(name))
            else:
                todo.extend(reversed(n.named_children))

    def go_function(self, node: Node) -> None:
        k = self.k
        scope = self.new_scope()
        self.enter(scope, READ)
        receiver = node.child_by_field_name("receiver")
        if receiver is not None:
            for param in receiver.named_children:
                name = param.child_by_field_name("name")
                typ = param.child_by_field_name("type")
                if name is not None:
                    scope.names.add(self.raw(name))
                    self.hint(name, self.text(name), self.go_type_name(typ))
                # `func (g *G[T])`: the receiver's type arguments are type parameters here.
                todo = [typ] if typ is not None else []
                while todo:
                    t = todo.pop()
                    if t.kind_id in k("type_arguments"):
                        for arg in t.named_children:
                            inner = arg.named_child(0) if arg.kind_id in k("type_elem") else arg
                            if inner is not None and inner.kind_id in k("type_identifier"):
                                scope.names.add(self.raw(inner))
                    else:
                        todo.extend(t.named_children)
                self.push(typ)
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            self.go_type_params(tparams, scope)
        self.go_params(node.child_by_field_name("parameters"), scope)
        result = node.child_by_field_name("result")
        if result is not None and result.kind_id in k("parameter_list"):
            self.go_params(result, scope)
        else:
            self.push(result)
        self.push(node.child_by_field_name("body"))

    def go_type_params(self, tparams: Node, scope: _Scope) -> None:
        for decl in tparams.named_children:
            for name in decl.children_by_field_name("name"):
                scope.names.add(self.raw(name))
            self.push(decl.child_by_field_name("type"))

    def go_params(self, params: Node | None, scope: _Scope) -> None:
        if params is None:
            return
        variadic = self.k("variadic_parameter_declaration")
        for param in params.named_children:
            typ = param.child_by_field_name("type")
            self.push(typ)
            type_name = None if param.kind_id in variadic else self.go_type_name(typ)
            for name in param.children_by_field_name("name"):
                scope.names.add(self.raw(name))
                self.hint(name, self.text(name), type_name)

    def go_type_spec(self, node: Node) -> None:
        k = self.k
        name = node.child_by_field_name("name")
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            scope = self.new_scope(fn=False)
            self.enter(scope)
            self.go_type_params(tparams, scope)
        typ = node.child_by_field_name("type")
        if typ is None:
            return
        bases: list[str] = []
        if typ.kind_id in k("struct_type"):
            for fields in typ.named_children:
                for field in fields.named_children:
                    if field.kind_id in k("field_declaration"):
                        self.go_field(field, bases)
                    else:
                        self.push(field)
        elif typ.kind_id in k("interface_type"):
            for elem in typ.named_children:
                if elem.kind_id in k("type_elem") and elem.named_child_count == 1:
                    self.go_base(elem.named_child(0), bases)
                else:
                    self.push(elem)
        else:
            self.push(typ)
        if bases and name is not None:
            self.bases[name.start_byte] = bases

    def go_field(self, node: Node, bases: list[str] | None = None) -> None:
        typ = node.child_by_field_name("type")
        if node.child_by_field_name("name") is not None:
            self.push(typ)
        else:  # an embedded type
            self.go_base(typ, bases)

    def go_base(self, typ: Node | None, bases: list[str] | None) -> None:
        k = self.k
        while typ is not None and typ.kind_id in k("pointer_type"):
            typ = typ.named_child(0)
        if typ is None:
            return
        if typ.kind_id in k("generic_type"):
            self.push(typ.child_by_field_name("type_arguments"))
            inner = typ.child_by_field_name("type")
            if inner is None:
                return
            typ = inner
        path = self.path_text(typ)
        if path is None:
            self.push(typ)
            return
        if bases is not None:
            bases.append(path)
        self.expr(typ, INHERIT)

    def go_short_var(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        self.push(right)
        if left is None:
            return
        names = left.named_children
        for name in names:
            if name.kind_id in self.k("identifier"):
                self.bind(name)
            else:
                self.push(name)
        values = right.named_children if right is not None else []
        if len(values) == len(names):
            for name, value in zip(names, values, strict=True):
                if name.kind_id in self.k("identifier"):
                    self.hint(name, self.text(name), self.go_value_type(value))

    def go_var_spec(self, node: Node) -> None:
        typ = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        self.push(value)
        self.push(typ)
        names = node.children_by_field_name("name")
        for name in names:
            self.bind(name)
        if typ is not None:
            type_name = self.go_type_name(typ)
            for name in names:
                self.hint(name, self.text(name), type_name)
        elif value is not None:
            values = value.named_children
            if len(values) == len(names):
                for name, v in zip(names, values, strict=True):
                    self.hint(name, self.text(name), self.go_value_type(v))

    def go_assign(self, node: Node) -> None:
        self.push(node.child_by_field_name("right"))
        left = node.child_by_field_name("left")
        if left is not None:
            # Assigned names are neither uses nor new bindings; `a.b = x` still uses a.
            self.push_all([n for n in left.named_children if n.kind_id not in self.k("identifier")])

    def go_range(self, node: Node) -> None:
        self.push(node.child_by_field_name("right"))
        left = node.child_by_field_name("left")
        if left is not None:
            for name in left.named_children:
                if name.kind_id in self.k("identifier"):
                    self.bind(name)
                else:
                    self.push(name)

    def go_type_switch(self, node: Node) -> None:
        alias = node.child_by_field_name("alias")
        if alias is not None:
            for name in alias.named_children:
                self.bind(name)
        self.push_all([c for c in node.named_children if c != alias])

    def go_receive(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        if left is not None:
            for name in left.named_children:
                if name.kind_id in self.k("identifier"):
                    self.bind(name)
                else:
                    self.push(name)
        self.push(node.child_by_field_name("right"))

    def go_call(self, node: Node) -> None:
        self.push(node.child_by_field_name("arguments"))
        self.push(node.child_by_field_name("type_arguments"))
        self.expr(node.child_by_field_name("function"), CALL)

    def go_selector(self, node: Node) -> None:
        self.chain(node, READ)

    def go_qualified_type(self, node: Node) -> None:
        self.chain(node, TYPE)

    def go_keyed(self, node: Node) -> None:
        """`Foo{Name: v}`: a bare name before the colon is a field name, not a use (a map
        literal's variable keys are missed that way)."""
        key: Node | None = node.named_child(0)
        if key is not None and key.kind_id in self.k("literal_element") and key.named_child_count == 1:
            inner = key.named_child(0)
            if inner is not None and inner.kind_id in self.k("identifier"):
                key = None
        self.push_all(node.named_children[1:])
        self.push(key)

    def go_type_name(self, node: Node | None) -> str | None:
        k = self.k
        for _ in range(64):
            if node is None:
                return None
            kid = node.kind_id
            if kid in k("pointer_type", "parenthesized_type"):
                node = node.named_child(0)
            elif kid in k("generic_type"):
                node = node.child_by_field_name("type")
            elif kid in k("type_identifier"):
                raw = self.raw(node)
                return None if raw in _GO_PREDECLARED_TYPES else raw.decode("utf-8", "replace")
            elif kid in k("qualified_type"):
                return _dotted(self.raw(node))
            else:
                return None
        return None

    def go_value_type(self, value: Node) -> str | None:
        """`Foo{}`, `&Foo{}`, `new(Foo)` -> "Foo"; `NewFoo()` -> "NewFoo()" (a call: its result)."""
        k = self.k
        if value.kind_id in k("unary_expression") and self.raw(value)[:1] == b"&":
            operand = value.child_by_field_name("operand")
            if operand is None:
                return None
            value = operand
        if value.kind_id in k("composite_literal"):
            return self.go_type_name(value.child_by_field_name("type"))
        if value.kind_id in k("call_expression"):
            func = value.child_by_field_name("function")
            path = self.path_text(func)
            if path is None:
                return None
            if path == "new":
                args = value.child_by_field_name("arguments")
                first = args.named_child(0) if args is not None and args.named_child_count else None
                return self.go_type_name(first)
            return path + "()"
        if value.kind_id in k("identifier"):
            return self.local_hint(value)
        return None

    def exported_flags(self, defs: list[SymbolInfo], parents: list[int]) -> list[bool]:
        return [d.name[:1].isupper() for d in defs]


# ===================================================================================== Java


class _JavaWalker(_Walker):
    IDENTS: ClassVar[dict[str, int]] = {"identifier": READ, "type_identifier": TYPE}
    MEMBERS: ClassVar[dict[str, tuple[str | None, str | None]]] = {
        "field_access": ("object", "field"),
        "scoped_type_identifier": (None, None),
        "scoped_identifier": ("scope", "name"),
    }
    SELFISH: ClassVar[dict[str, bytes]] = {"this": b"this", "super": b"super"}
    SKIP_TYPES: ClassVar[frozenset[bytes]] = frozenset({b"var"})
    LEAVES: ClassVar[tuple[str, ...]] = (
        "line_comment",
        "block_comment",
        "string_literal",
        "character_literal",
        "decimal_integer_literal",
        "hex_integer_literal",
        "decimal_floating_point_literal",
        "true",
        "false",
        "null_literal",
        "this",
    )
    HANDLERS: ClassVar[dict[str, str]] = {
        "package_declaration": "java_package",
        "import_declaration": "java_import",
        "class_declaration": "java_class",
        "interface_declaration": "java_class",
        "enum_declaration": "java_class",
        "record_declaration": "java_class",
        "annotation_type_declaration": "java_class",
        "method_declaration": "java_method",
        "constructor_declaration": "java_method",
        "compact_constructor_declaration": "java_method",
        "lambda_expression": "java_method",
        "annotation_type_element_declaration": "java_annotation_element",
        "field_declaration": "java_field",
        "constant_declaration": "java_field",
        "local_variable_declaration": "java_local",
        "enhanced_for_statement": "java_foreach",
        "catch_formal_parameter": "java_catch_param",
        "resource": "java_resource",
        "instanceof_expression": "java_instanceof",
        "type_pattern": "java_type_pattern",
        "record_pattern_component": "java_type_pattern",
        "assignment_expression": "java_assign",
        "method_invocation": "java_invocation",
        "object_creation_expression": "java_new",
        "field_access": "java_field_access",
        "scoped_identifier": "java_field_access",
        "scoped_type_identifier": "java_scoped_type",
        "marker_annotation": "java_annotation",
        "annotation": "java_annotation",
        "element_value_pair": "java_element_value",
        "labeled_statement": "java_labeled",
        "break_statement": "skip",
        "continue_statement": "skip",
        "method_reference": "java_method_ref",
        "enum_constant": "java_enum_constant",
        "string_literal": "skip",
        "character_literal": "skip",
    }

    def java_package(self, node: Node) -> None:
        for child in node.named_children:
            if child.kind_id in self.k("scoped_identifier", "identifier"):
                self.package = _dotted(self.raw(child))

    def java_import(self, node: Node) -> None:
        """`import a.b.C;` -> ("a.b", "C"); `import a.b.*;` -> ("a.b", "*"). A static import splits
        the same way (`import static a.b.C.m;` -> ("a.b.C", "m")): the last segment is the member."""
        k = self.k
        path = None
        star = False
        for child in node.named_children:
            if child.kind_id in k("scoped_identifier", "identifier"):
                path = _dotted(self.raw(child))
            elif child.kind_id in k("asterisk"):
                star = True
        if path is None:
            return
        if star:
            self.add_import(node, path, "*", "")
        else:
            module, _, name = path.rpartition(".")
            self.add_import(node, module, name, name)

    def java_modifiers(self, node: Node, name: Node | None) -> None:
        """Annotations are walked; `private` marks the definition named `name`."""
        for child in node.named_children:
            if child.kind_id in self.k("modifiers"):
                self.push(child)
                if name is not None and b"private" in self.raw(child).split():
                    self.private.add(name.start_byte)

    def java_class(self, node: Node) -> None:
        k = self.k
        name = node.child_by_field_name("name")
        self.java_modifiers(node, name)
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            scope = self.new_scope(fn=False)
            self.enter(scope)
            self.java_type_params(tparams, scope)
        self.push(node.child_by_field_name("body"))
        bases: list[str] = []
        for child in node.named_children:
            kid = child.kind_id
            if kid in k("superclass", "super_interfaces", "extends_interfaces"):
                todo = [child]
                while todo:
                    n = todo.pop()
                    if n.kind_id in k("type_list", "superclass", "super_interfaces", "extends_interfaces"):
                        todo.extend(reversed(n.named_children))
                    else:
                        self.java_base(n, bases)
            elif kid in k("formal_parameters"):  # record components: fields
                for param in child.named_children:
                    typ = param.child_by_field_name("type")
                    pname = param.child_by_field_name("name")
                    self.push(typ)
                    if pname is not None:
                        type_name = self.java_type_name(typ)
                        self.hint(pname, "this." + self.text(pname), type_name)
                        self.hint(pname, self.text(pname), type_name)
            elif kid in k("permits"):
                self.push(child)
        if bases and name is not None:
            self.bases[name.start_byte] = bases

    def java_base(self, node: Node, bases: list[str]) -> None:
        if node.kind_id in self.k("generic_type"):
            self.push_all(node.named_children[1:])
            inner = node.named_child(0)
            if inner is None:
                return
            node = inner
        path = self.path_text(node)
        if path is None:
            self.push(node)
            return
        bases.append(path)
        self.expr(node, INHERIT)

    def java_type_params(self, tparams: Node, scope: _Scope) -> None:
        for tp in tparams.named_children:
            children = tp.named_children
            for child in children:
                if child.kind_id in self.k("type_identifier", "identifier"):
                    scope.names.add(self.raw(child))
                else:
                    self.push(child)  # bounds, annotations

    def java_method(self, node: Node) -> None:
        k = self.k
        name = node.child_by_field_name("name")
        self.java_modifiers(node, name)
        scope = self.new_scope()
        self.enter(scope, READ)
        tparams = node.child_by_field_name("type_parameters")
        if tparams is not None:
            self.java_type_params(tparams, scope)
        self.push(node.child_by_field_name("body"))
        self.push(node.child_by_field_name("type"))
        self.push_all([c for c in node.named_children if c.kind_id in k("throws")])
        params = node.child_by_field_name("parameters")
        if params is None:
            return
        if params.kind_id in k("identifier"):  # `x -> ...`
            scope.names.add(self.raw(params))
            return
        for param in params.named_children:
            kid = param.kind_id
            if kid in k("identifier"):  # inferred lambda parameters
                scope.names.add(self.raw(param))
            elif kid in k("formal_parameter"):
                typ = param.child_by_field_name("type")
                pname = param.child_by_field_name("name")
                self.java_modifiers(param, None)
                self.push(typ)
                if pname is not None:
                    scope.names.add(self.raw(pname))
                    if param.child_by_field_name("dimensions") is None:
                        self.hint(pname, self.text(pname), self.java_type_name(typ))
            elif kid in k("spread_parameter"):
                for child in param.named_children:
                    if child.kind_id in k("variable_declarator"):
                        pname = child.child_by_field_name("name")
                        if pname is not None:
                            scope.names.add(self.raw(pname))
                    else:
                        self.push(child)
            elif kid in k("receiver_parameter"):
                self.push_all([c for c in param.named_children if c.kind_id not in k("this", "identifier")])
            else:
                self.push(param)

    def java_annotation_element(self, node: Node) -> None:
        self.push(node.child_by_field_name("type"))
        self.push(node.child_by_field_name("value"))

    def java_declarators(self, node: Node, field: bool) -> None:
        typ = node.child_by_field_name("type")
        self.java_modifiers(node, None)
        self.push(typ)
        type_name = self.java_type_name(typ)
        for decl in node.children_by_field_name("declarator"):
            name = decl.child_by_field_name("name")
            value = decl.child_by_field_name("value")
            self.push(value)
            if name is None:
                continue
            if not field:
                self.bind(name)
            this_type = type_name
            if this_type is None and value is not None and typ is not None and self.raw(typ) == b"var":
                this_type = self.java_value_type(value)
            if decl.child_by_field_name("dimensions") is not None:
                this_type = None
            text = self.text(name)
            if field:
                self.hint(name, "this." + text, this_type)
            self.hint(name, text, this_type)

    def java_field(self, node: Node) -> None:
        self.java_declarators(node, True)

    def java_local(self, node: Node) -> None:
        self.java_declarators(node, False)

    def java_foreach(self, node: Node) -> None:
        typ = node.child_by_field_name("type")
        name = node.child_by_field_name("name")
        self.java_modifiers(node, None)
        self.push(node.child_by_field_name("body"))
        self.push(node.child_by_field_name("value"))
        self.push(typ)
        if name is not None:
            self.bind(name)
            self.hint(name, self.text(name), self.java_type_name(typ))

    def java_catch_param(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.bind(name)
        self.push_all([c for c in node.named_children if c != name])

    def java_resource(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is None:
            self.push_all(node.named_children)
            return
        typ = node.child_by_field_name("type")
        self.bind(name)
        self.hint(name, self.text(name), self.java_type_name(typ))
        self.push(typ)
        self.push(node.child_by_field_name("value"))

    def java_instanceof(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        typ = node.child_by_field_name("right")
        if name is not None:
            self.bind(name)
            self.hint(name, self.text(name), self.java_type_name(typ))
        self.push_all([c for c in node.named_children if c != name])

    def java_type_pattern(self, node: Node) -> None:
        for child in node.named_children:
            if child.kind_id in self.k("identifier"):
                self.bind(child)
            else:
                self.push(child)

    def java_assign(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        self.push(right)
        if left is None or left.kind_id in self.k("identifier"):
            return  # assigning an existing variable: neither a use nor a binding
        self.push(left)
        if right is not None and left.kind_id in self.k("field_access"):
            path = self.path_text(left)
            if path is not None and path.startswith("this.") and path.count(".") == 1:
                self.hint(left, path, self.java_value_type(right))

    def java_invocation(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        obj = node.child_by_field_name("object")
        self.push(node.child_by_field_name("arguments"))
        self.push(node.child_by_field_name("type_arguments"))
        if name is None:
            self.push(obj)
        elif obj is None:
            self.bare(name, CALL)
        else:
            base, segs = self.unwind(obj)
            segs.append(name)
            self.members_of(base, segs, CALL)

    def java_new(self, node: Node) -> None:
        typ = node.child_by_field_name("type")
        self.push(node.child_by_field_name("arguments"))
        self.push(node.child_by_field_name("type_arguments"))
        self.push_all([c for c in node.named_children if c.kind_id in self.k("class_body")])
        obj = node.named_child(0)
        if obj is not None and obj != typ and obj.kind_id not in self.k("type_arguments", "argument_list"):
            self.push(obj)  # outer.new Inner()
        if typ is not None and typ.kind_id in self.k("generic_type"):
            self.push_all(typ.named_children[1:])
            typ = typ.named_child(0)
        self.expr(typ, CALL)

    def java_field_access(self, node: Node) -> None:
        self.chain(node, READ)

    def java_scoped_type(self, node: Node) -> None:
        self.chain(node, TYPE)

    def java_annotation(self, node: Node) -> None:
        self.push(node.child_by_field_name("arguments"))
        self.expr(node.child_by_field_name("name"), TYPE)

    def java_element_value(self, node: Node) -> None:
        self.push(node.child_by_field_name("value"))

    def java_labeled(self, node: Node) -> None:
        self.push_all(node.named_children[1:])

    def java_method_ref(self, node: Node) -> None:
        children = node.named_children
        if len(children) == 2 and children[1].kind_id in self.k("identifier"):
            base, segs = self.unwind(children[0])
            segs.append(children[1])
            self.members_of(base, segs, READ)
        else:
            self.push_all(children)

    def java_enum_constant(self, node: Node) -> None:
        self.push(node.child_by_field_name("arguments"))
        self.push(node.child_by_field_name("body"))

    def java_type_name(self, node: Node | None) -> str | None:
        k = self.k
        for _ in range(64):
            if node is None:
                return None
            kid = node.kind_id
            if kid in k("generic_type", "annotated_type"):
                node = node.named_child(0) if kid in k("generic_type") else node.named_child(node.named_child_count - 1)
            elif kid in k("type_identifier"):
                raw = self.raw(node)
                return None if raw == b"var" else raw.decode("utf-8", "replace")
            elif kid in k("scoped_type_identifier"):
                return _dotted(self.raw(node))
            else:
                return None
        return None

    def java_value_type(self, value: Node) -> str | None:
        if value.kind_id in self.k("object_creation_expression"):
            return self.java_type_name(value.child_by_field_name("type"))
        if value.kind_id in self.k("identifier"):
            return self.local_hint(value)
        return None

    def exported_flags(self, defs: list[SymbolInfo], parents: list[int]) -> list[bool]:
        out: list[bool] = []
        for d, parent in zip(defs, parents, strict=True):
            visible = d.selection.start_byte not in self.private
            if parent >= 0:
                visible = visible and out[parent] and defs[parent].kind in _CLASSLIKE
            out.append(visible)
        return out


# JSDoc: statements a declaration sits in (its doc comment precedes the outermost), the tags
# read, and the types kept (one class, maybe nullable or optional; arrays and primitives dropped).
_JSDOC_HOLDERS = (
    "export_statement",
    "variable_declarator",
    "lexical_declaration",
    "variable_declaration",
    "assignment_expression",
    "expression_statement",
    "pair",
    "public_field_definition",
    "field_definition",
)
_JSDOC_PARAM = re.compile(rb"@(?:param|arg|argument)\s*\{([^{}\n]*)\}\s*\[?\s*([A-Za-z_$][\w$]*)")
_JSDOC_TYPE = re.compile(rb"@type\s*\{([^{}\n]*)\}")
_JSDOC_RETURNS = re.compile(rb"@returns?\s*\{([^{}\n]*)\}")
_JSDOC_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_JSDOC_NOT_CLASSES = frozenset(
    {"string", "number", "boolean", "object", "symbol", "bigint", "any", "unknown", "void", "undefined", "null"}
    | {"never", "function", "this", "Object", "Function", "Array", "String", "Number", "Boolean", "Symbol"}
)


def _single_child(node: Node | None) -> bool:
    return node is not None and node.named_child_count == 1


def _jsdoc_type(match: re.Match[bytes] | None) -> str | None:
    """The class a JSDoc type names: `Foo`, `ns.Foo`; `?Foo`, `Foo|null`, `Foo=` -> "Foo";
    `Promise<Foo>` -> "Promise"; arrays, records, functions, primitives and unions -> None."""
    if match is None:
        return None
    text = match.group(1).decode("utf-8", "replace").strip()
    members = [m.strip().lstrip("?!").rstrip("=?!").strip() for m in text.strip("()").split("|")]
    members = [m for m in members if m not in ("null", "undefined")]
    if len(members) != 1:
        return None
    name = members[0]
    if "<" in name:
        name = name[: name.index("<")].removesuffix(".").strip()
    if not _JSDOC_NAME.fullmatch(name) or name in _JSDOC_NOT_CLASSES:
        return None
    return name


_QUOTES = "\"'`"
_QUOTE_BYTES = frozenset(b"\"'")


# ==================================================================================== entry

_WALKERS: dict[str, type[_Walker]] = {
    "python": _PythonWalker,
    "javascript": _JsWalker,
    "typescript": _JsWalker,
    "tsx": _JsWalker,
    "go": _GoWalker,
    "java": _JavaWalker,
}

SUPPORTED_LANGUAGES: frozenset[str] = frozenset(_WALKERS)

_lock = threading.Lock()
_tables: dict[str, _Table] = {}


def supports(language: str) -> bool:
    return language in _WALKERS


def _table(language: str) -> _Table:
    table = _tables.get(language)
    if table is None:
        with _lock:
            table = _tables.get(language)
            if table is None:
                table = _tables[language] = _Table(_WALKERS[language], language)
    return table


def extract(
    tree: Tree, content: bytes, language: str, symbols: list[SymbolInfo], budget: Budget
) -> parse_pb2.FileFacts:
    """The facts of one parsed file; `symbols` are services.parse.symbols' for the same tree.

    A language without facts yields FileFacts(supported=False)."""
    walker_type = _WALKERS.get(language)
    if walker_type is None:
        return parse_pb2.FileFacts(supported=False)
    if budget():
        raise budget.error("fact extraction")
    defs = [s for s in symbols if s.kind != "import"]
    def_names = {d.selection.start_byte for d in defs}
    walker = walker_type(_table(language), content, def_names, budget)
    walker.run(tree.root_node)
    walker.finish()
    return _assemble(walker, symbols, defs)


def _assemble(walker: _Walker, symbols: list[SymbolInfo], defs: list[SymbolInfo]) -> parse_pb2.FileFacts:
    facts = parse_pb2.FileFacts(supported=True, package=walker.package)
    content = walker.content

    # Definitions: parent_index re-mapped from the symbol list to the definition list.
    new_index: dict[int, int] = {}
    j = 0
    for i, s in enumerate(symbols):
        if s.kind != "import":
            new_index[i] = j
            j += 1
    parents = [new_index.get(d.parent_index, -1) for d in defs]
    exported = walker.exported_flags(defs, parents)
    add_def = facts.definitions.add
    for d, parent, exp in zip(defs, parents, exported, strict=True):
        fd = add_def(
            name=d.name,
            kind=_SYMBOL_KINDS[d.kind],
            qualified_name=d.qualified_name,
            parent_index=parent,
            exported=exp,
            bases=walker.bases.get(d.selection.start_byte, ()),
        )
        _set_range(fd.range, d.range)
        _set_range(fd.selection_range, d.selection)

    starts = [d.range.start_byte for d in defs]
    ends = [d.range.end_byte for d in defs]

    # References: document order, locals dropped, capped; one pass.
    refs = walker.refs
    refs.sort(key=_first)
    skip, skip_types = walker.SKIP, walker.SKIP_TYPES
    add_ref = facts.references.add
    texts: dict[bytes, str] = {}
    kept = 0
    # Innermost enclosing definition: the sweep of _Enclosing.at, inlined (it runs per reference).
    n_defs = len(starts)
    next_def = 0
    open_defs: list[int] = []
    for sb, node, kind, receiver, scope in refs:
        eb = node.end_byte
        name = content[sb:eb]
        if receiver is None:
            if name in skip or (kind == TYPE and name in skip_types):
                continue
            while scope is not None:
                declared_global = scope.globals
                if declared_global is not None and name in declared_global:
                    scope = None
                    break
                if name in scope.names:
                    break
                scope = scope.parent
            if scope is not None:  # bound locally
                continue
        kept += 1
        if kept > MAX_REFERENCES:
            continue
        while next_def < n_defs and starts[next_def] <= sb:
            while open_defs and ends[open_defs[-1]] <= starts[next_def]:
                open_defs.pop()
            open_defs.append(next_def)
            next_def += 1
        while open_defs and ends[open_defs[-1]] <= sb:
            open_defs.pop()
        ref = add_ref()
        text = texts.get(name)
        if text is None:
            text = texts[name] = name.decode("utf-8", "replace")
        ref.name = text
        ref.kind = kind
        ref.enclosing_index = open_defs[-1] if open_defs else -1
        if receiver is not None:
            text = texts.get(receiver)
            if text is None:
                text = texts[receiver] = receiver.decode("utf-8", "replace")
            ref.receiver = text
        rng = ref.range
        rng.start_byte = sb
        rng.end_byte = eb
        row, col = node.start_point
        start = rng.start
        start.line = row
        start.column = col
        end = rng.end
        end.line = row
        end.column = col + eb - sb
    if kept > MAX_REFERENCES:
        facts.truncated = True
        facts.references_dropped = kept - MAX_REFERENCES

    # Imports and hints: document order, enclosing by position.
    enclosing = _Enclosing(starts, ends)
    add_import = facts.imports.add
    for pos, module, name_, alias, level, stmt, is_export in sorted(walker.imports, key=_first):
        imp = add_import(
            module=module,
            name=name_,
            alias=alias,
            level=level,
            is_export=is_export,
            enclosing_index=enclosing.at(pos),
        )
        _set_node_range(imp.range, stmt)
    enclosing = _Enclosing(starts, ends)
    add_hint = facts.type_hints.add
    for pos, name_, type_name, up in sorted(walker.hints, key=_first):
        index = enclosing.at(pos)
        if up and index >= 0:
            index = parents[index]
        add_hint(name=name_, type_name=type_name, enclosing_index=index)
    return facts


_first = itemgetter(0)


class _Enclosing:
    """Innermost definition containing a byte position, for positions in ascending order
    (definitions are in document order and nest)."""

    __slots__ = ("starts", "ends", "next", "stack")

    def __init__(self, starts: list[int], ends: list[int]):
        self.starts = starts
        self.ends = ends
        self.next = 0
        self.stack: list[int] = []

    def at(self, pos: int) -> int:
        starts, ends, stack = self.starts, self.ends, self.stack
        n = len(starts)
        while self.next < n and starts[self.next] <= pos:
            i = self.next
            while stack and ends[stack[-1]] <= starts[i]:
                stack.pop()
            stack.append(i)
            self.next += 1
        while stack and ends[stack[-1]] <= pos:
            stack.pop()
        return stack[-1] if stack else -1


def _set_range(rng: Any, span: Span) -> None:
    start = rng.start
    start.line = span.start_line
    start.column = span.start_col
    end = rng.end
    end.line = span.end_line
    end.column = span.end_col
    rng.start_byte = span.start_byte
    rng.end_byte = span.end_byte


def _set_node_range(rng: Any, node: Node) -> None:
    start = rng.start
    start.line, start.column = node.start_point
    end = rng.end
    end.line, end.column = node.end_point
    rng.start_byte = node.start_byte
    rng.end_byte = node.end_byte
