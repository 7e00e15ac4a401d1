"""What the taint pass reads off the syntax tree, beside the values it tracks: Java declared types,
the parameters that carry request data (annotated, of a route, of a Lambda handler), the modules a
file imports, URL parsers and path normalisers (for guards), constant tables, the function
definitions of a file (one tree-sitter query), subscript keys, and sink argument requirements.

Plain functions over tree-sitter nodes; no state, no grpc.
"""

from __future__ import annotations

import re
from typing import Any

from codeintel.kernel.query import matches
from services.scan.taint.grammar import CALLS, FUNCTIONS, call_arguments, callee_of, name_of, node_text, type_name


def index_of(subscript):
    """The key / index expression of a subscript node."""
    for f in ("subscript", "index"):
        k = subscript.child_by_field_name(f)
        if k is not None:
            return k
    kids = subscript.named_children
    return kids[1] if len(kids) == 2 else None


_IMPORT = re.compile(rb"^[ \t]*(?:import|from)[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)", re.M)


PATH_KINDS = frozenset({"path-traversal"})
_NORMALISERS = frozenset(
    {
        "resolve",
        "realpath",
        "abspath",
        "normpath",
        "getCanonicalPath",
        "getCanonicalFile",
        "normalize",
        "toRealPath",
        "Clean",
        "Abs",
        "EvalSymlinks",
        "absolute",
    }
)


def normalises(value) -> bool:
    """`value` resolves a path (`..` gone): path.resolve(...), os.path.realpath(...), p.resolve(),
    f.getCanonicalPath(), filepath.Clean(...)."""
    for _ in range(8):
        if value.type in CALLS:
            name, receiver = callee_of(value)
            method = (name or "").rsplit(".", 1)[-1].removesuffix("()")
            if method in _NORMALISERS:
                return True
            if method in ("toString", "toFile", "toPath", "str", "String") or name in ("str", "String"):
                pos, _ = call_arguments(value)
                nxt = receiver if receiver is not None else (pos[0] if pos else None)
                if nxt is None:
                    return False
                value = nxt
                continue
        return False
    return False


URL_PARTS = frozenset({"netloc", "hostname", "host", "scheme", "protocol", "origin"})
URL_KINDS = frozenset({"open-redirect", "ssrf"})
_URL_PARSERS = frozenset({"urlparse", "urlsplit", "URL", "URI", "URI.create", "url.parse", "parse_url"})


def parsed_url_of(value) -> str | None:
    """`urlparse(x)` / `new URL(x)` -> the name x, else None."""
    if value.type not in CALLS:
        return None
    name, _ = callee_of(value)
    if name is None or (name not in _URL_PARSERS and name.rsplit(".", 1)[-1] not in _URL_PARSERS):
        return None
    pos, _ = call_arguments(value)
    return name_of(pos[0]) if pos else None


def imported_modules(text: bytes) -> frozenset[str]:
    """Modules a Python file imports (`import a.b, c` / `from a.b import x`), by their dotted names."""
    out: set[str] = set()
    for m in _IMPORT.finditer(text):
        for part in m.group(1).split(b","):
            out.add(part.strip().decode("ascii", "replace"))
    return frozenset(out)


_ALL_CAPS = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?_?[A-Z][A-Z0-9_]*$")


def constant_table(node, env, sources) -> bool:
    """An ALL_CAPS name (a module constant: a table of allowed values) holding no tainted data and
    naming no source (Django's request.GET is upper-case too)."""
    if node.type not in ("identifier", "attribute", "member_expression", "field_access", "selector_expression"):
        return False
    text = node_text(node)
    return _ALL_CAPS.match(text) is not None and text not in env and sources.get(text) is None


def enclosing(node, types=FUNCTIONS) -> Any:
    """The nearest ancestor of `node` whose type is in `types` (a function by default), or None."""
    n = node.parent
    for _ in range(10_000):
        if n is None or n.type in types:
            return n
        n = n.parent
    return None


NOT_REQUEST_DATA = frozenset({"self", "cls", "request", "req", "res", "response", "db", "session", "ctx", "context"})
_NUMERIC = frozenset(
    {"int", "float", "bool", "Integer", "Long", "long", "Double", "double", "Boolean", "boolean", "UUID", "number"}
)


def decorator_name(expr) -> str | None:
    """The dotted name a decorator or annotation expression calls or names (`app.route`, `Query`)."""
    return callee_of(expr)[0] if expr.type in CALLS else name_of(expr)


def decorators_of(fn) -> list[str]:
    """The names of the decorators on a Python function (`@app.route(...)` -> `app.route`)."""
    if fn.parent is None or fn.parent.type != "decorated_definition":
        return []
    names = []
    for d in fn.parent.named_children:
        if d.type == "decorator" and d.named_children:
            name = decorator_name(d.named_children[0])
            if name is not None:
                names.append(name)
    return names


def param_name(p) -> str | None:
    """The name a parameter binds (Python identifier / typed / default parameters, Java, TS)."""
    if p.type == "identifier":
        return node_text(p)
    for field in ("name", "pattern"):
        n = p.child_by_field_name(field)
        if n is not None and n.type == "identifier":
            return node_text(n)
    kids = [c for c in p.named_children if c.type == "identifier"]
    return node_text(kids[0]) if kids else None


def parameter_annotations(p) -> list[str]:
    """Names of the annotations (Java) or decorators (TypeScript) on a parameter."""
    out = []
    for c in p.named_children:
        if c.type == "modifiers":
            for a in c.named_children:
                if a.type in ("annotation", "marker_annotation"):
                    n = a.child_by_field_name("name")
                    if n is not None:
                        out.append(node_text(n).rsplit(".", 1)[-1])
        elif c.type == "decorator" and c.named_children:
            n = decorator_name(c.named_children[0])
            if n:
                out.append(n.rsplit(".", 1)[-1])
    return out


def numeric_annotation(p) -> bool:
    """A parameter declared as a number or boolean (`id: int`, `Long id`, `n: number`)."""
    ty = p.child_by_field_name("type")
    if ty is None:
        return False
    text = node_text(ty).lstrip(":").strip()
    return text in _NUMERIC


def java_types(node) -> tuple[str, ...]:
    """A Java declarator's or parameter's types, most specific first: `Type()` of the constructor
    that made the value, then the declared type."""
    out: list[str] = []
    if node.type == "formal_parameter":
        ty = node.child_by_field_name("type")
        return (type_name(ty),) if ty is not None else ()
    value = node.child_by_field_name("value")
    if value is not None and value.type == "object_creation_expression":
        made = value.child_by_field_name("type")
        if made is not None:
            out.append(type_name(made) + "()")
    declared = declared_type(node)
    if declared is not None:
        out.append(declared)
    return tuple(out)


def declared_type(node) -> str | None:
    """The declared type of a Java local or field declarator (`String[] a = ...` -> String)."""
    if node.type != "variable_declarator" or node.parent is None:
        return None
    ty = node.parent.child_by_field_name("type")
    return type_name(ty) if ty is not None else None


_DEFINITIONS: dict[str, object] = {}  # language -> compiled query for named function definitions


def definitions_query(language: str):
    """A query capturing every named function / method definition of `language` (node types the
    grammar lacks are left out), compiled once; None without a grammar."""
    if language not in _DEFINITIONS:
        from tree_sitter import Query

        from codeintel.kernel.languages import get_language

        try:
            lang = get_language(language)
        except Exception:  # noqa: BLE001 -- no grammar: no definitions
            _DEFINITIONS[language] = None
            return None
        parts = []
        for t in sorted(FUNCTIONS):
            pattern = f"({t} name: (_) @name) @fn"
            try:
                Query(lang, pattern)
            except Exception:  # noqa: BLE001 -- the grammar has no such node / field
                continue
            parts.append(pattern)
        _DEFINITIONS[language] = Query(lang, "\n".join(parts)) if parts else None
    return _DEFINITIONS[language]


def function_definitions(root, language: str, budget) -> dict[str, list]:
    """Simple name -> function / method definitions in the file (a query: no walk in Python)."""
    query = definitions_query(language) if language else None
    out: dict[str, list] = {}
    if query is None:
        return out
    for _, caps in matches(query, root, budget, "taint analysis"):
        fns, names = caps.get("fn", []), caps.get("name", [])
        if fns and names:
            bucket = out.setdefault(node_text(names[0]), [])
            if fns[0] not in bucket:
                bucket.append(fns[0])
    return out


def argument_matches(key: str, rx: re.Pattern, pos: list, kw: dict, receiver=None) -> bool:
    """A sink's `requires` entry holds: keyword `key` (or positional argument number `key`, or the
    `receiver` the method is called on) is given and its text matches `rx`."""
    if key == "receiver":
        return receiver is not None and rx.search(node_text(receiver)) is not None
    if key.isdigit():
        i = int(key)
        return i < len(pos) and rx.search(node_text(pos[i])) is not None
    return key in kw and rx.search(node_text(kw[key])) is not None
