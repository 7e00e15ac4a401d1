"""Fresh local collections and builders for the taint pass: what a map or list made in the function
holds per constant key or position (so `m.get("a")` is clean when only `m.put("b", x)` was tainted),
what `append` / `add` / `put` put into a receiver, and argument lists that start a shell.

Holds: the Collections mixin of Analysis (its `_held`, `_fresh`, `_mutate`, `_shell_command`, ...),
_Container, and the method-name tables. No grpc here.
"""

from __future__ import annotations

from services.scan.taint.fold import NOT_CONSTANT, fold
from services.scan.taint.grammar import CALLS, call_arguments, callee_of, name_of, node_text
from services.scan.taint.values import Taint, _merge

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh"})
# Methods that put their arguments into the receiver (a builder, a collection, a map).
_ADDERS = frozenset(
    {
        "append",
        "add",
        "addAll",
        "addElement",
        "addFirst",
        "addLast",
        "push",
        "unshift",
        "offer",
        "put",
        "putAll",
        "putIfAbsent",
        "set",
        "setdefault",
        "update",
        "extend",
        "insert",
        "appendChild",
        "concat",
        "write",
    }
)
_MUTATORS = _ADDERS | {"remove", "pop", "clear", "removeFirst", "shift"}
_CHAINING = frozenset({"append", "insert", "put", "add", "set", "concat"})  # builders returning themselves
_READERS = frozenset({"get", "getOrDefault", "elementAt", "peek", "first", "firstElement", "getFirst"})
_CONTAINER_TYPES = ("Map", "List", "Set", "Vector", "Deque", "Queue", "Stack", "Array", "Dictionary", "Properties")


class _Container:
    """What a fresh local collection holds, per constant key (taints) or position ((taints, constant
    value) pairs); None where unknown."""

    __slots__ = ("keys", "items")

    def __init__(self, keys: dict | None = None, items: list | None = None):
        self.keys = keys
        self.items = items

    def copy(self) -> _Container:
        return _Container(
            dict(self.keys) if self.keys is not None else None, list(self.items) if self.items is not None else None
        )


class Collections:
    """Collections and builders: the part of Analysis that reads and updates `containers`."""

    containers: dict[str, _Container]
    consts: dict[str, object]
    language: str
    memo: dict

    def taint_of(self, node) -> tuple[Taint, ...]:
        raise NotImplementedError

    def _set(self, name: str, taints: tuple[Taint, ...], node, depth: int, *, keep: bool = False) -> None:
        raise NotImplementedError

    def _held(self, base, key_node, more: tuple = ()):
        """Taints held at a constant key / index of a tracked container; None when not tracked.
        `more`: further arguments of a reader call (`conf.get(section, option)`, `d.get(k, default)`)."""
        if base is None or key_node is None:
            return None
        name = name_of(base)
        c = self.containers.get(name) if name is not None else None
        if c is None:
            return None
        key = fold(key_node, self.consts, self.language)
        if key is NOT_CONSTANT:
            return None
        if isinstance(key, int) and not isinstance(key, bool):
            if c.items is None or more:
                return None
            return c.items[key][0] if -len(c.items) <= key < len(c.items) else ()
        if not isinstance(key, str) or c.keys is None:
            return None
        rest = [fold(m, self.consts, self.language) for m in more]
        if more and all(isinstance(r, str) for r in rest) and (key, *rest) in c.keys:
            return c.keys[(key, *rest)]
        held = c.keys.get((key,), ())
        if more:  # d.get(k, default): the default may be what comes back
            held = _merge((held, *(self.taint_of(m) for m in more)))
        return held

    def _item(self, node) -> tuple:
        """A collection element: its taints and its constant value (NOT_CONSTANT when unknown)."""
        return self.taint_of(node), fold(node, self.consts, self.language)

    def _fresh(self, value):
        """A container for a value that builds a new local collection (`{}`, `[a, b]`, `new HashMap<>()`)."""
        t = value.type
        if t in ("dictionary", "object"):
            keys: dict = {}
            for pair in value.named_children:
                if pair.type != "pair":
                    if pair.type == "comment":
                        continue
                    return _Container()
                k = pair.child_by_field_name("key")
                v = pair.child_by_field_name("value")
                key = fold(k, self.consts, self.language) if k is not None else NOT_CONSTANT
                if k is not None and k.type in ("property_identifier", "identifier") and t == "object":
                    key = node_text(k)
                if key is NOT_CONSTANT or v is None:
                    return _Container()
                keys[(key,)] = self.taint_of(v)
            return _Container(keys=keys)
        if t in ("list", "array", "array_initializer", "tuple"):
            kids = [k for k in value.named_children if k.type != "comment"]
            if any(k.type in ("list_splat", "spread_element") for k in kids):
                return _Container()
            return _Container(items=[self._item(k) for k in kids])
        if t == "array_creation_expression":
            init = value.child_by_field_name("value")
            return self._fresh(init) if init is not None else _Container(items=None)
        if t in CALLS:
            name, receiver = callee_of(value)
            pos, kw = call_arguments(value)
            if pos or kw or name is None:
                return None
            short = name.rsplit(".", 1)[-1].removesuffix("()")
            if (
                name in ("dict", "list")
                or short.endswith(("ConfigParser", "OrderedDict", "defaultdict"))
                or (t in ("object_creation_expression", "new_expression") and short.endswith(_CONTAINER_TYPES))
            ):
                keyed = short.endswith(("Map", "dict", "Dictionary", "Properties", "ConfigParser", "OrderedDict"))
                return _Container(keys={}) if keyed else _Container(items=[])
        return None

    def _mutate(self, call, depth: int, name: str, receiver) -> None:
        """`sb.append(x)`, `list.add(x)`, `map.put(k, x)`: the receiver now holds what it was given."""
        method = name.rsplit(".", 1)[-1]
        for _ in range(64):  # sb.append(a).append(b): a builder's methods return the builder
            if receiver.type not in CALLS:
                break
            inner_name, inner = callee_of(receiver)
            if inner is None or (inner_name or "").rsplit(".", 1)[-1] not in _CHAINING:
                break
            receiver = inner
        target = name_of(receiver)
        if target is None or target.endswith(")"):
            return
        pos, kw = call_arguments(call)
        c = self.containers.get(target)
        if c is not None:
            self._restructure(c, method, pos)
            self.memo.clear()
        if method in _ADDERS:
            taints = _merge(self.taint_of(a) for a in pos + list(kw.values()))
            if taints:
                self._set(target, taints, call, depth, keep=True)

    def _restructure(self, c: _Container, method: str, pos: list) -> None:
        keys = [fold(a, self.consts, self.language) for a in pos[:-1] or pos[:1]]
        key = keys[0] if keys else NOT_CONSTANT
        if method in ("put", "set", "setdefault", "putIfAbsent") and len(pos) >= 2:
            if c.keys is not None and all(isinstance(k, str) for k in keys):
                path = tuple(keys)
                if method in ("put", "set") or path not in c.keys:
                    c.keys[path] = self.taint_of(pos[-1])
            else:
                c.keys = None
        elif method in ("add", "append", "push", "addElement", "addLast", "offer") and len(pos) == 1:
            if c.items is not None:
                c.items.append(self._item(pos[0]))
        elif method in ("add", "insert") and len(pos) == 2 and c.items is not None and isinstance(key, int):
            c.items.insert(key, self._item(pos[1]))
        elif method in ("remove", "pop") and c.items is not None:
            if not pos and method == "pop":
                if c.items:
                    c.items.pop()
            elif isinstance(key, int) and not isinstance(key, bool) and -len(c.items) <= key < len(c.items):
                del c.items[key]
            else:
                c.items = None
        elif method in ("remove", "pop") and c.keys is not None:
            if isinstance(key, str):
                c.keys.pop((key,), None)
            else:
                c.keys = None
        elif method in ("removeFirst", "shift") and c.items:
            del c.items[0]
        elif method == "clear":
            c.keys = {} if c.keys is not None else None
            c.items = [] if c.items is not None else None
        else:
            c.keys = None
            c.items = None

    def _items(self, node) -> list | None:
        """(taints, constant) per element of a list literal or a tracked local list; None if unknown."""
        if node.type in ("list", "array", "tuple"):
            return [self._item(k) for k in node.named_children if k.type != "comment"]
        name = name_of(node)
        c = self.containers.get(name) if name is not None else None
        return c.items if c is not None else None

    def _shell_command(self, pos: list) -> tuple[Taint, ...]:
        """Taints of the arguments after `-c` of a shell started with an argument list:
        run(["sh", "-c", cmd]) or spawn("sh", ["-c", cmd])."""
        items = self._items(pos[0])
        if items is None and len(pos) > 1:
            rest = self._items(pos[1])
            # spawn("sh", ["-c", cmd]); else the arguments themselves: new ProcessBuilder("sh", "-c", cmd)
            items = [self._item(pos[0]), *rest] if rest is not None else [self._item(a) for a in pos]
        if items is None:
            return ()
        shell = False
        for i, (_taints, value) in enumerate(items):
            if isinstance(value, str) and value.rsplit("/", 1)[-1].lower() in _SHELLS:
                shell = True
            elif shell and value in ("-c", "/c", "/C", "-Command"):
                return _merge(t for t, _ in items[i + 1 :])
        return ()
