"""Grammar facts the taint pass relies on, across Python, JavaScript / TypeScript, Go and Java: which
node types are functions, calls, names, member accesses and subscripts, which expressions cannot carry
taint, which statements run conditionally; and the dotted name of an expression or a callee.

Holds: the node-type sets (FUNCTIONS, CALLS, NAMES, MEMBERS, SUBSCRIPTS, CLEAN, BINARY,
PROPAGATING_OPS, CONDITIONAL); node_text, dotted, name_of, callee_of, call_arguments, parameters.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BINARY",
    "CALLS",
    "CLEAN",
    "CONDITIONAL",
    "FUNCTIONS",
    "MEMBERS",
    "NAMES",
    "PROPAGATING_OPS",
    "SUBSCRIPTS",
    "call_arguments",
    "callee_of",
    "dotted",
    "name_of",
    "node_text",
    "parameters",
    "type_name",
]

_MAX_CHAIN = 64  # parts of a dotted name looked at

FUNCTIONS = frozenset(
    {
        "function_definition",
        "lambda",
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
        "func_literal",
        "method_declaration",
        "constructor_declaration",
        "lambda_expression",
    }
)
CALLS = frozenset({"call", "call_expression", "new_expression", "method_invocation", "object_creation_expression"})
NAMES = frozenset(
    {
        "identifier",
        "property_identifier",
        "field_identifier",
        "type_identifier",
        "package_identifier",
        "shorthand_property_identifier",
        "this",
        "self",
    }
)
# node type -> (object field, member field)
MEMBERS = {
    "attribute": ("object", "attribute"),
    "member_expression": ("object", "property"),
    "selector_expression": ("operand", "field"),
    "field_access": ("object", "field"),
}
SUBSCRIPTS = {
    "subscript": "value",
    "subscript_expression": "object",
    "index_expression": "operand",
    "array_access": "array",
}
CLEAN = frozenset(
    {
        "integer",
        "float",
        "true",
        "false",
        "none",
        "number",
        "null",
        "undefined",
        "comparison_operator",
        "not_operator",
        "unary_expression",
        "unary_operator",
        "lambda",
        "arrow_function",
        "function_expression",
        "function_definition",
        "func_literal",
        "lambda_expression",
        "regex",
        "int_literal",
        "float_literal",
        "decimal_integer_literal",
        "instanceof_expression",
        "type",
        "type_identifier",
        "comment",
        "line_comment",
        "block_comment",
        "class",
        "class_definition",
        "keyword_argument_name",
    }
)
PROPAGATING_OPS = frozenset({"+", "%", "||", "&&", "??", "or", "and"})
BINARY = frozenset({"binary_operator", "binary_expression", "boolean_operator"})
# Children of these run maybe (or more than once): a clean assignment there does not clear a name.
CONDITIONAL = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "else",
        "for_statement",
        "for_in_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
        "except_clause",
        "except_group_clause",
        "catch_clause",
        "conditional_expression",
        "ternary_expression",
        "switch_statement",
        "switch_expression",
        "switch_case",
        "switch_default",
        "switch_block_statement_group",
        "expression_case",
        "default_case",
        "type_switch_statement",
        "case_clause",
        "match_statement",
        "case_block",
        "if_clause",
        "for_in_clause",
        "communication_case",
    }
)


def node_text(node) -> str:
    return node.text.decode("utf-8", "replace")


def dotted(node) -> str | None:
    """`a.b.c` for a name / member chain (calls as `f()`, subscripts as `x[]`), else None."""
    parts: list[str] = []
    n = node
    for _ in range(_MAX_CHAIN):
        t = n.type
        if t in NAMES:
            parts.append(node_text(n))
            return ".".join(reversed(parts))
        if t in MEMBERS:
            obj_f, mem_f = MEMBERS[t]
            mem = n.child_by_field_name(mem_f)
            nxt = n.child_by_field_name(obj_f)
            if mem is None or nxt is None:
                return None
            parts.append(node_text(mem))
            n = nxt
        elif t == "method_invocation":
            parts.append(node_text(n.child_by_field_name("name")) + "()")
            nxt = n.child_by_field_name("object")
            if nxt is None:
                return ".".join(reversed(parts))
            n = nxt
        elif t == "object_creation_expression":  # new java.util.Random().nextInt -> "java.util.Random().nextInt"
            ty = n.child_by_field_name("type")
            if ty is None:
                return None
            parts.append(type_name(ty, qualified=True) + "()")
            return ".".join(reversed(parts))
        elif t in ("call", "call_expression"):
            fn = n.child_by_field_name("function")
            if fn is None:
                return None
            parts.append("()")
            n = fn  # "f.()" is folded into "f()" by _join
        elif t in SUBSCRIPTS:
            parts.append("[]")
            n = n.child_by_field_name(SUBSCRIPTS[t])
            if n is None:
                return None
        elif t in ("parenthesized_expression", "await", "await_expression", "non_null_expression"):
            kids = n.named_children
            if len(kids) != 1:
                return None
            n = kids[0]
        else:
            return None
    return None


def type_name(node, *, qualified: bool = False) -> str:
    """`java.util.List<String>[]` -> `List` (or `java.util.List` when `qualified`): a declared type
    without its type arguments and array brackets."""
    text = node_text(node)
    cut = text.find("<")
    if cut >= 0:
        text = text[:cut]
    text = "".join(text.split()).replace("[]", "")
    return text if qualified else text.rsplit(".", 1)[-1]


def _join(parts: str) -> str:
    return parts.replace(".()", "()").replace(".[]", "[]")


def name_of(node) -> str | None:
    d = dotted(node)
    return None if d is None else _join(d)


def callee_of(call) -> tuple[str | None, Any]:
    """(dotted callee name, receiver node or None) of a call-like node."""
    t = call.type
    if t == "method_invocation":
        obj = call.child_by_field_name("object")
        name = node_text(call.child_by_field_name("name"))
        if obj is None:
            return name, None
        base = name_of(obj)
        return (f"{base}.{name}" if base else f"?.{name}"), obj
    if t == "object_creation_expression":
        ty = call.child_by_field_name("type")
        return (type_name(ty, qualified=True) if ty is not None else None), None
    fn = call.child_by_field_name("constructor" if t == "new_expression" else "function")
    if fn is None:
        return None, None
    receiver = None
    if fn.type in MEMBERS:
        receiver = fn.child_by_field_name(MEMBERS[fn.type][0])
    callee = name_of(fn)
    if callee is None and receiver is not None:  # `"...".format`, `[...].join`: keep the method name
        mem = fn.child_by_field_name(MEMBERS[fn.type][1])
        callee = "?." + node_text(mem) if mem is not None else None
    return callee, receiver


def call_arguments(call) -> tuple[list, dict]:
    """(positional argument nodes, keyword -> value node)."""
    args = call.child_by_field_name("arguments")
    pos: list = []
    kw: dict = {}
    if args is None:
        return pos, kw
    for c in args.named_children:
        if c.type == "keyword_argument":
            k, v = c.child_by_field_name("name"), c.child_by_field_name("value")
            if k is not None and v is not None:
                kw[node_text(k)] = v
        elif c.type not in ("comment", "line_comment", "block_comment"):
            pos.append(c)
    return pos, kw


def parameters(fn) -> list[str]:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return []
    if params.type == "identifier":
        return [node_text(params)]
    names = []
    for p in params.named_children[:256]:
        n = p
        for _ in range(4):
            if n.type == "identifier":
                names.append(node_text(n))
                break
            nxt = n.child_by_field_name("name") or n.child_by_field_name("pattern") or n.child_by_field_name("left")
            if nxt is None:
                kids = [c for c in n.named_children if c.type == "identifier"]
                nxt = kids[0] if kids else None
            if nxt is None:
                break
            n = nxt
    return names
