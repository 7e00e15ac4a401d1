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

__all__ = ["deny_guard", "guard_of", "prefix_guard", "removed_kinds", "safety_check"]

_EXITS = frozenset({"return_statement", "raise_statement", "throw_statement", "continue_statement", "break_statement"})
_EXIT_CALLS = frozenset({"abort", "flask.abort", "sys.exit", "exit", "os._exit", "next"})
_ALL_CAPS = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?_?[A-Z][A-Z0-9_]*$")


def _unwrap_not(cond):
    """(condition without its parentheses and negations, whether it was negated an odd number of
    times); (None, False) for a negation without an operand."""
    negated = False
    for _ in range(8):
        if cond.type == "parenthesized_expression" and cond.named_child_count == 1:
            cond = cond.named_children[0]
        elif cond.type == "not_operator" or (
            cond.type == "unary_expression" and cond.children and cond.children[0].type == "!"
        ):
            negated = not negated
            cond = cond.child_by_field_name("argument") or cond.child_by_field_name("operand")
            if cond is None:
                return None, False
        else:
            break
    return cond, negated


def safety_check(cond, sanitizers: Names):
    """(name, holds, kinds) when `cond` is true exactly when the named value is safe for `kinds`
    (None: every kind) -- `x in ALLOWED`, `ALLOWED.includes(x)`, `is_safe_url(x)` -- or false
    exactly then (`holds` False: `x not in ALLOWED`, `not is_safe_url(x)`); else None."""
    cond, negated = _unwrap_not(cond)
    if cond is None:
        return None
    name, kinds = None, None
    if cond.type in ("index_expression", "subscript") and cond.named_child_count == 2:  # ALLOWED[x] (Go map)
        table, key = cond.named_children
        if table.type in ("identifier", "selector_expression", "attribute"):
            name = name_of(key)
    elif cond.type == "comparison_operator" and cond.named_child_count == 2:
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
        elif (rx := _anchored_regex(cond, callee, receiver, pos)) is not None:  # /^\/(?!\/)/.test(x)
            subject, kinds = rx
            name = name_of(subject)
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
    if check is None and cond is not None:  # `if not ok(x) or other: return`: after it, ok(x) holds
        for part in _disjuncts(cond):
            got = safety_check(part, sanitizers)
            if got is not None and not got[1]:
                check = got
                break
    if check is None:
        return None
    name, holds, kinds = check
    if holds:
        return name, True, kinds
    body = if_node.child_by_field_name("consequence")
    if body is None or if_node.child_by_field_name("alternative") is not None:
        return None
    return (name, False, kinds) if _exits(body) or _resets(body, name) else None


def _disjuncts(cond) -> list:
    """The operands of an `or` / `||` chain (none when `cond` is not one)."""
    while cond.type == "parenthesized_expression" and cond.named_child_count == 1:
        cond = cond.named_children[0]
    if cond.type not in ("boolean_operator", "binary_expression"):
        return []
    op = cond.child_by_field_name("operator")
    if op is None or op.type not in ("or", "||"):
        return []
    out = []
    for side in (cond.child_by_field_name("left"), cond.child_by_field_name("right")):
        if side is not None:
            out.extend(_disjuncts(side) or [side])
    return out


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
    for _ in range(4):
        if body.type not in ("block", "statement_block", "statement_list"):
            return body
        kids = [c for c in body.named_children if c.type not in ("comment", "line_comment", "block_comment")]
        if not kids:
            return None
        body = kids[-1]
    return body


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
    if last.type not in ("assignment", "assignment_expression", "assignment_statement"):
        return False
    left, right = last.child_by_field_name("left"), last.child_by_field_name("right")
    if left is not None and left.type == "expression_list" and left.named_child_count == 1:  # Go
        left = left.named_children[0]
    if right is not None and right.type == "expression_list" and right.named_child_count == 1:
        right = right.named_children[0]
    return (
        left is not None
        and right is not None
        and name_of(left) == name
        and right.type
        in (
            "string",
            "integer",
            "none",
            "number",
            "null",
            "true",
            "false",
            "template_string",
            "interpreted_string_literal",
            "raw_string_literal",
            "string_literal",
            "int_literal",
        )
        and not any(c.type in ("interpolation", "template_substitution") for c in right.named_children)
    )


# Characters whose absence makes a value safe for a sink kind (checked by `if "../" in x: return`).
_DENIED = (
    ("..", frozenset({"path-traversal"})),
    ("'", frozenset({"sql-injection", "xpath-injection"})),
    ('"', frozenset({"sql-injection", "xpath-injection"})),
    ("<", frozenset({"xss"})),
    (";", frozenset({"command-injection"})),
    ("|", frozenset({"command-injection"})),
    ("&", frozenset({"command-injection"})),
    ("`", frozenset({"command-injection"})),
    ("$", frozenset({"command-injection"})),
    ("(", frozenset({"ldap-injection"})),
    ("*", frozenset({"ldap-injection"})),
)


def removed_kinds(old: str, new: str) -> frozenset[str]:
    """The sink kinds a `x.replace(old, new)` protects against: those of the characters it removes
    (`replace("'", "&apos;")` leaves no quote to close an SQL or XPath string literal)."""
    return frozenset().union(*(k for c, k in _DENIED if c in old and c not in new))


def deny_guard(if_node):
    """(name, kinds) for `if "../" in x: return` (also x.includes / x.contains / x.indexOf(..) >= 0):
    after it, x holds no such character, which makes it safe for the sink kinds that need it."""
    cond = if_node.child_by_field_name("condition")
    body = if_node.child_by_field_name("consequence")
    if cond is None or body is None or if_node.child_by_field_name("alternative") is not None or not _exits(body):
        return None
    while cond.type == "parenthesized_expression" and cond.named_child_count == 1:
        cond = cond.named_children[0]
    needle = subject = None
    if cond.type == "comparison_operator" and cond.named_child_count == 2:
        if [c.type for c in cond.children if not c.is_named] == ["in"]:
            needle, subject = cond.named_children
    elif cond.type in CALLS:
        callee, receiver = callee_of(cond)
        pos, _ = call_arguments(cond)
        if callee and callee.rsplit(".", 1)[-1] in ("includes", "contains") and len(pos) == 1:
            needle, subject = pos[0], receiver
    if needle is None or subject is None or needle.type not in ("string", "string_literal"):
        return None
    text = node_text(needle)[1:-1]
    kinds = frozenset().union(*(k for c, k in _DENIED if c in text))
    name = name_of(subject)
    return (name, kinds) if name is not None and kinds else None


def prefix_guard(if_node):
    """The name `x` of `if not x.startswith(BASE): <exit>` (also str(x) / x.toString() /
    !x.startsWith(...)): after it, x lies under BASE -- when x was resolved first."""
    cond = if_node.child_by_field_name("condition")
    body = if_node.child_by_field_name("consequence")
    if cond is None or body is None or if_node.child_by_field_name("alternative") is not None or not _exits(body):
        return None
    check, negated = _unwrap_not(cond)
    if check is None or not negated or check.type not in CALLS:
        return None
    callee, receiver = callee_of(check)
    if callee is None or callee.rsplit(".", 1)[-1] not in ("startswith", "startsWith", "HasPrefix") or receiver is None:
        if callee in ("strings.HasPrefix", "filepath.HasPrefix"):
            pos, _ = call_arguments(check)
            return name_of(pos[0]) if pos else None
        return None
    for _ in range(4):  # str(p).startswith / p.toString().startsWith
        if receiver is not None and receiver.type in CALLS:
            name, inner = callee_of(receiver)
            pos, _ = call_arguments(receiver)
            if name in ("str", "String", "os.fspath") and pos:
                receiver = pos[0]
                continue
            if name and name.rsplit(".", 1)[-1] in ("toString", "toPath", "toFile") and inner is not None:
                receiver = inner
                continue
        break
    return name_of(receiver)


_REGEX_TEST = frozenset({"test", "match", "fullmatch", "matches", "MatchString"})


def _anchored_regex(cond, callee, receiver, pos):
    """(subject, kinds) for a check of x against a literal regex: anchored at both ends (^...$) it
    vouches for every kind; anchored at the start to a local path (^/ not followed by / or \\) for
    open redirects. None otherwise."""
    method = (callee or "").rsplit(".", 1)[-1]
    if method not in _REGEX_TEST:
        return None
    pattern = subject = None
    if receiver is not None and receiver.type == "regex" and len(pos) == 1:  # JS /re/.test(x)
        pattern, subject = node_text(receiver.child_by_field_name("pattern") or receiver), pos[0]
    elif len(pos) >= 2 and pos[0].type in (
        "string",
        "string_literal",
        "interpreted_string_literal",
        "raw_string_literal",
    ):
        pattern, subject = node_text(pos[0]), pos[1]  # re.match(r"^...$", x), regexp.MatchString(...)
        pattern = pattern.lstrip("rbuRBU")[1:-1] if pattern[:1] not in "`" else pattern[1:-1]
    elif receiver is not None and len(pos) == 1 and method == "matches" and pos[0].type == "string_literal":
        pattern, subject = node_text(pos[0])[1:-1], receiver  # Java x.matches("...") is anchored
        pattern = "^" + pattern.lstrip("^").rstrip("$") + "$"
    if pattern is None or subject is None:
        return None
    if method == "fullmatch" or (pattern.startswith("^") and (pattern.endswith("$") or pattern.endswith("\\z"))):
        return subject, None
    if pattern.startswith(("^\\/(?![\\/\\\\])", "^/(?![/\\\\])", "^\\/(?!\\/)", "^/(?!/)")):
        return subject, frozenset({"open-redirect"})
    return None
