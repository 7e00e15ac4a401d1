"""Allow-list guards and safety checks: conditions under which a tainted name is safe.

`x in ALLOWED`, `ALLOWED.includes(x)` and `is_safe_url(x)` (a sanitiser called as a check) hold exactly
when x is safe; `if x not in ALLOWED: return` makes x safe after the if, `if x in ALLOWED:` inside it.
ALLOWED is a literal collection of constants or an ALL_CAPS name (a module constant).

Holds: safety_check (a condition -> the name it vouches for), guard_of (an if statement -> the name it
makes safe, inside or after it).
"""

from __future__ import annotations

import re

from services.scan.taint.grammar import CALLS, call_arguments, callee_of, name_of, node_text
from services.scan.taint.spec import Names

__all__ = ["guard_of", "safety_check"]

_EXITS = frozenset({"return_statement", "raise_statement", "throw_statement", "continue_statement", "break_statement"})
_EXIT_CALLS = frozenset({"abort", "flask.abort", "sys.exit", "exit", "os._exit", "next"})
_ALL_CAPS = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?_?[A-Z][A-Z0-9_]*$")


def safety_check(cond, sanitizers: Names):
    """(name, holds, kinds) when `cond` is true exactly when the named value is safe for `kinds`
    (None: every kind) -- `x in ALLOWED`, `ALLOWED.includes(x)`, `is_safe_url(x)` -- or false
    exactly then (`holds` False: `x not in ALLOWED`, `not is_safe_url(x)`); else None."""
    negated = False
    for _ in range(8):
        if cond.type == "parenthesized_expression" and cond.named_child_count == 1:
            cond = cond.named_children[0]
        elif cond.type == "not_operator" or (
            cond.type == "unary_expression" and cond.children and cond.children[0].type == "!"
        ):
            negated = not negated
            cond = cond.child_by_field_name("argument")
            if cond is None:
                return None
        else:
            break
    name, kinds = None, None
    if cond.type == "comparison_operator" and cond.named_child_count == 2:
        ops = [c.type for c in cond.children if not c.is_named]
        if ops in (["in"], ["not in"], ["not", "in"]):
            subject, container = cond.named_children
            if _constant_collection(container):
                name = name_of(subject)
                negated ^= ops != ["in"]
    elif cond.type in CALLS:
        callee, receiver = callee_of(cond)
        pos, _ = call_arguments(cond)
        method = callee.rsplit(".", 1)[-1] if callee else ""
        if (
            method in ("includes", "has", "contains")
            and receiver is not None
            and len(pos) == 1
            and _constant_collection(receiver)
        ):  # ALLOWED.includes(x)
            name = name_of(pos[0])
        elif callee is not None and (k := sanitizers.get(callee)) is not None:  # is_safe_url(x)
            subject = pos[0] if pos else receiver
            name = name_of(subject) if subject is not None else None
            kinds = k or None
    return None if name is None else (name, not negated, kinds)


def guard_of(if_node, sanitizers: Names):
    """(name, positive, kinds): `if <check>:` makes the name safe inside (positive); `if not <check>:`
    followed by an exit (return / raise / abort) or by resetting the name to a constant makes it
    safe after the if. None when the if is no such guard."""
    cond = if_node.child_by_field_name("condition")
    check = safety_check(cond, sanitizers) if cond is not None else None
    if check is None:
        return None
    name, holds, kinds = check
    if holds:
        return name, True, kinds
    body = if_node.child_by_field_name("consequence")
    if body is None or if_node.child_by_field_name("alternative") is not None:
        return None
    return (name, False, kinds) if _exits(body) or _resets(body, name) else None


_COLLECTION_CALLS = frozenset(
    {
        "frozenset",
        "set",
        "tuple",
        "Set.of",
        "List.of",
        "Arrays.asList",
        "new Set",
        "Set",
        "Map.of",
        "Collections.unmodifiableSet",
    }
)


def _constant_collection(node) -> bool:
    """A literal list / set / tuple / array of constants (also frozenset({...}), Set.of(...), new Set([...])),
    or an ALL_CAPS name (a module constant)."""
    if node.type in ("identifier", "attribute", "member_expression", "field_access", "selector_expression"):
        return _ALL_CAPS.match(node_text(node)) is not None
    if node.type in ("parenthesized_expression",) and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type in CALLS:
        name, _ = callee_of(node)
        pos, kw = call_arguments(node)
        if name not in _COLLECTION_CALLS or kw:
            return False
        if len(pos) == 1 and pos[0].type in ("list", "set", "tuple", "array"):
            return _constant_collection(pos[0])
        return all(
            c.type in ("string", "string_literal", "integer", "number", "decimal_integer_literal")
            and not any(k.type in ("interpolation", "template_substitution") for k in c.named_children)
            for c in pos
        )
    if node.type not in ("list", "set", "tuple", "array"):
        return False
    for c in node.named_children:
        if c.type not in (
            "string",
            "integer",
            "float",
            "number",
            "true",
            "false",
            "none",
            "null",
            "comment",
            "string_literal",
            "interpolated_string_literal",
        ):
            return False
        if c.type == "string" and any(k.type == "interpolation" for k in c.named_children):
            return False
    return True


def _last_statement(body):
    """The last statement of a block (the node itself when it is not a block), or None when empty."""
    if body.type not in ("block", "statement_block"):
        return body
    kids = [c for c in body.named_children if c.type != "comment"]
    return kids[-1] if kids else None


def _exits(body) -> bool:
    """The block ends by leaving: return / raise / throw / continue / break / abort(...)."""
    last = _last_statement(body)
    if last is None:
        return False
    if last.type in _EXITS:
        return True
    call = last
    if last.type == "expression_statement" and last.named_child_count:
        call = last.named_children[0]
    if call.type in ("call", "call_expression"):  # Python blocks hold the call without a statement node
        name, _ = callee_of(call)
        return name in _EXIT_CALLS
    return False


def _resets(body, name: str) -> bool:
    """The block ends by assigning a constant to `name` (`x = "/"`)."""
    last = _last_statement(body)
    if last is None:
        return False
    if last.type == "expression_statement" and last.named_child_count == 1:
        last = last.named_children[0]
    if last.type not in ("assignment", "assignment_expression"):
        return False
    left, right = last.child_by_field_name("left"), last.child_by_field_name("right")
    return (
        left is not None
        and right is not None
        and name_of(left) == name
        and right.type in ("string", "integer", "none", "number", "null", "true", "false", "template_string")
        and not any(c.type in ("interpolation", "template_substitution") for c in right.named_children)
    )
