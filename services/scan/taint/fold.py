"""Constant folding: the value of an expression built only from literals and names bound to constants.

The taint pass uses it to skip branches that cannot run (`if (7 * 18) + num > 200` with `num = 106`,
`x if 1 > 2 else y`, a `switch` on `"ABC".charAt(1)`) and to read containers at constant keys and
indexes. Only what is certain folds: an unknown name, a call other than the few string methods
below, or an operation that would raise gives NOT_CONSTANT.

Holds: NOT_CONSTANT, fold (an expression -> its value), literal (a literal node -> its value).
"""

from __future__ import annotations

import operator

from services.scan.taint.grammar import call_arguments, node_text

__all__ = ["NOT_CONSTANT", "fold", "literal"]


class _NotConstant:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_CONSTANT"


NOT_CONSTANT = _NotConstant()
_MAX_NODES = 64  # expressions larger than this are not worth folding
_MAX_STR = 4096

_INT_LITERALS = frozenset({"integer", "decimal_integer_literal", "int_literal", "number", "hex_integer_literal"})
_STRINGS = frozenset({"string", "string_literal", "interpreted_string_literal", "raw_string_literal"})
_TRUE = frozenset({"true"})
_FALSE = frozenset({"false"})
_PARENS = frozenset({"parenthesized_expression", "parenthesized_list_splat"})

_COMPARE = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    "===": operator.eq,
    "!==": operator.ne,
}
_INT_DIVISION = frozenset({"java", "go", "c", "cpp", "c_sharp", "rust"})


def literal(node):
    """The value of a literal node (int, str, bool, a Java char as a 1-char str), else NOT_CONSTANT."""
    t = node.type
    if t in _INT_LITERALS:
        text = node_text(node).replace("_", "").rstrip("lL")
        try:
            return int(text, 0)
        except ValueError:
            try:
                v = float(text)
            except ValueError:
                return NOT_CONSTANT
            return int(v) if v.is_integer() else v
    if t in _STRINGS:
        return _string(node)
    if t == "character_literal":
        text = node_text(node)
        return text[1] if len(text) == 3 else NOT_CONSTANT
    if t in _TRUE or (t == "identifier" and node_text(node) == "True"):
        return True
    if t in _FALSE or (t == "identifier" and node_text(node) == "False"):
        return False
    return NOT_CONSTANT


def _string(node):
    text = node_text(node)
    if len(text) > _MAX_STR:
        return NOT_CONSTANT
    if any(k.type in ("interpolation", "template_substitution") for k in node.named_children):
        return NOT_CONSTANT
    for q in ('"""', "'''", '"', "'", "`"):
        if len(text) >= 2 * len(q) and text.startswith(q) and text.endswith(q):
            inner = text[len(q) : -len(q)]
            if q == "`" and "\\" in inner:  # a Go raw string keeps its backslashes, a JS template does not
                return NOT_CONSTANT
            return _unescape(inner)
    return NOT_CONSTANT


_ESCAPES = {"\\'": "'", '\\"': '"', "\\\\": "\\", "\\n": "\n", "\\t": "\t", "\\r": "\r", "\\0": "\0"}


def _unescape(inner: str):
    """A literal's text with the common escapes (quotes, backslash, newline, tab) decoded; others
    (\\x, \\u, line continuations) are NOT_CONSTANT rather than guessed."""
    if "\\" not in inner:
        return inner
    out, i = [], 0
    while i < len(inner):
        pair = inner[i : i + 2]
        if inner[i] == "\\":
            if pair not in _ESCAPES:
                return NOT_CONSTANT
            out.append(_ESCAPES[pair])
            i += 2
        else:
            out.append(inner[i])
            i += 1
    return "".join(out)


def fold(node, consts: dict, language: str):
    """The constant value of `node`, looking names up in `consts`; NOT_CONSTANT when unsure."""
    budget = [_MAX_NODES]
    try:
        return _fold(node, consts, language, budget)
    except (ArithmeticError, TypeError, ValueError, IndexError, RecursionError):
        return NOT_CONSTANT


def _fold(node, consts, language, budget):
    budget[0] -= 1
    if budget[0] < 0 or node is None:
        return NOT_CONSTANT
    t = node.type
    v = literal(node)
    if v is not NOT_CONSTANT:
        return v
    if t == "identifier":
        return consts.get(node_text(node), NOT_CONSTANT)
    if t in _PARENS and node.named_child_count == 1:
        return _fold(node.named_children[0], consts, language, budget)
    if t in ("binary_expression", "binary_operator", "boolean_operator", "comparison_operator"):
        return _binary(node, consts, language, budget)
    if t in ("unary_expression", "not_operator", "unary_operator"):
        op = node.children[0].type if node.children else ""
        arg = node.child_by_field_name("argument") or node.child_by_field_name("operand")
        if arg is None:
            return NOT_CONSTANT
        a = _fold(arg, consts, language, budget)
        if a is NOT_CONSTANT:
            return NOT_CONSTANT
        if op in ("!", "not"):
            return not a
        if op == "-" and isinstance(a, int | float) and not isinstance(a, bool):
            return -a
        return NOT_CONSTANT
    if t == "subscript":  # Python: "ABC"[1], "ABC"[1:]
        s = _fold(node.child_by_field_name("value"), consts, language, budget)
        index = node.child_by_field_name("subscript")
        if not isinstance(s, str) or index is None:
            return NOT_CONSTANT
        if index.type == "slice":
            parts: list = [None, None]
            at = 0
            for c in index.children:
                if c.type == ":":
                    at += 1
                    if at > 1:
                        return NOT_CONSTANT
                elif c.is_named:
                    v = _fold(c, consts, language, budget)
                    if not isinstance(v, int) or isinstance(v, bool):
                        return NOT_CONSTANT
                    parts[at] = v
            return s[parts[0] : parts[1]]
        i = _fold(index, consts, language, budget)
        if not isinstance(i, int) or isinstance(i, bool) or not -len(s) <= i < len(s):
            return NOT_CONSTANT
        return s[i]
    if t == "method_invocation":  # "ABC".charAt(1), s.equals("x"), s.length()
        obj = node.child_by_field_name("object")
        name = node.child_by_field_name("name")
        if obj is None or name is None:
            return NOT_CONSTANT
        s = _fold(obj, consts, language, budget)
        if not isinstance(s, str):
            return NOT_CONSTANT
        pos, _ = call_arguments(node)
        args = [_fold(a, consts, language, budget) for a in pos]
        if any(a is NOT_CONSTANT for a in args):
            return NOT_CONSTANT
        method = node_text(name)
        if method == "charAt" and len(args) == 1 and isinstance(args[0], int):
            return s[args[0]] if 0 <= args[0] < len(s) else NOT_CONSTANT
        if method == "equals" and len(args) == 1:
            return s == args[0]
        if method == "length" and not args:
            return len(s)
        return NOT_CONSTANT
    return NOT_CONSTANT


def _binary(node, consts, language, budget):
    kids = node.named_children
    if node.type == "comparison_operator":  # Python: the operators are a field ("not in" is one node)
        ops = node.children_by_field_name("operators")
        kids = [k for k in kids if k not in ops]
    else:
        ops = [c for c in node.children if not c.is_named]
    if len(kids) != 2 or len(ops) != 1:
        return NOT_CONSTANT
    op = ops[0].type
    if op in ("in", "not in"):
        needle = _fold(kids[0], consts, language, budget)
        hay = _fold(kids[1], consts, language, budget)
        if not isinstance(needle, str) or not isinstance(hay, str):
            return NOT_CONSTANT
        return (needle in hay) == (op == "in")
    left = _fold(kids[0], consts, language, budget)
    if left is NOT_CONSTANT:
        return NOT_CONSTANT
    if op in ("&&", "and") and not left:
        return left if op == "and" else False
    if op in ("||", "or") and left:
        return left if op == "or" else True
    right = _fold(kids[1], consts, language, budget)
    if right is NOT_CONSTANT:
        return NOT_CONSTANT
    if op in ("&&", "||"):
        return bool(right)
    if op in ("and", "or"):
        return right
    if op in _COMPARE:
        if isinstance(left, str) != isinstance(right, str) and op not in ("==", "!=", "===", "!=="):
            return NOT_CONSTANT
        return _COMPARE[op](left, right)
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (left, right))
    if op == "+":
        if numbers or (isinstance(left, str) and isinstance(right, str)):
            return left + right
        return NOT_CONSTANT
    if not numbers:
        return NOT_CONSTANT
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    ints = isinstance(left, int) and isinstance(right, int)
    if op == "/":
        if ints and language in _INT_DIVISION:
            q = abs(left) // abs(right)
            return q if (left >= 0) == (right >= 0) else -q
        return left / right
    if op == "%":
        if ints and language in _INT_DIVISION:
            return left - right * int(left / right)
        return left % right
    if op == "//" and ints:
        return left // right
    return NOT_CONSTANT
