"""What syntax nodes mean, across the grammars the scan rules cover (Python, JavaScript / TypeScript /
TSX, Go, Java): the questions predicates ask of the nodes a rule query captured.

Holds: the literal / string / comment node types; is_constant, string_value and constant_prefix
(what constant text an expression is or starts with); ancestors and file_text (bounded walks up);
numeric_holes_only (concatenations whose run-time parts are numbers); call_arguments (keyword and
positional arguments of a call or literal); int_value; regex_text (the regex a literal spells).

Every walk is iterative (explicit stacks, bounded loops): files may nest 10,000 levels deep.
"""

from __future__ import annotations

import re

# Node types that are constant by themselves (in every grammar we ship rules for: Python,
# JavaScript / TypeScript / TSX, Go and Java).
_LITERALS = frozenset(
    {
        "integer",
        "float",
        "true",
        "false",
        "none",
        "number",
        "null",
        "undefined",
        "string_content",
        "string_start",
        "string_end",
        "string_fragment",
        "escape_sequence",
        "escape_interpolation",
        "comment",
        '"',
        "'",
        "`",
        "(",
        ")",
        "[",
        "]",
        ",",
        "+",
        # Go
        "int_literal",
        "float_literal",
        "imaginary_literal",
        "rune_literal",
        "nil",
        "iota",
        "interpreted_string_literal_content",
        "raw_string_literal_content",
        # Java
        "decimal_integer_literal",
        "hex_integer_literal",
        "octal_integer_literal",
        "binary_integer_literal",
        "decimal_floating_point_literal",
        "hex_floating_point_literal",
        "character_literal",
        "null_literal",
        "multiline_string_fragment",
        '"""',
        "line_comment",
        "block_comment",
    }
)
# String literal node types: Python/JS `string`, JS `template_string`, Go interpreted ("...") and
# raw (`...`) strings, Java `string_literal` (text blocks included; `text_block` in older grammars).
_STRINGS = frozenset(
    {"string", "template_string", "interpreted_string_literal", "raw_string_literal", "string_literal", "text_block"}
)
# Containers that are constant when every child is.
_CONTAINERS = _STRINGS | {"concatenated_string", "parenthesized_expression", "list", "tuple", "array"}
# Children that make a string dynamic.
_DYNAMIC = frozenset({"interpolation", "template_substitution", "string_interpolation"})
# Children of a string literal that hold its text.
_STRING_PARTS = frozenset(
    {
        "string_content",
        "string_fragment",
        "escape_sequence",
        "multiline_string_fragment",
        "interpreted_string_literal_content",
        "raw_string_literal_content",
    }
)
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})


def _plus_operands(node):
    """(left, right) of a `+` binary expression, or None."""
    if node.type not in ("binary_operator", "binary_expression"):
        return None
    op, left, right = (node.child_by_field_name(f) for f in ("operator", "left", "right"))
    if op is None or op.type != "+" or left is None or right is None:
        return None
    return left, right


def is_constant(node) -> bool:
    """Whether an expression is built only from literals (no names, calls or interpolation);
    `"a" + "b"` and implicit concatenation of literals are constant."""
    stack = [node]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _LITERALS:
            continue
        if t in _CONTAINERS:
            stack.extend(n.children)
            continue
        operands = _plus_operands(n)
        if operands is None:
            return False
        stack.extend(operands)
    return True


def string_value(node) -> str | None:
    """Content of a constant string (quotes and prefixes dropped, escapes kept as written), or None.
    Implicit ("a" "b") and explicit ("a" + "b") concatenations of literals are one string."""
    parts: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _STRINGS:
            for c in n.children:
                if c.type in _DYNAMIC:
                    return None
                if c.type in _STRING_PARTS:
                    parts.append(c.text.decode("utf-8", "replace"))
        elif t in ("concatenated_string", "parenthesized_expression"):
            stack.extend(reversed([c for c in n.named_children if c.type not in _COMMENTS]))
        else:
            operands = _plus_operands(n)
            if operands is None:
                return None
            stack.append(operands[1])
            stack.append(operands[0])
    return "".join(parts)


def constant_prefix(node) -> str:
    """The constant text an expression starts with ("" when it starts with a name or a call), looking
    through `+` / `%` and format calls ("...".format(), fmt.Sprintf, String.format); format
    placeholders end the prefix."""
    n = node
    for _ in range(256):
        t = n.type
        if t in _STRINGS:
            parts = []
            for c in n.children:
                if c.type in _DYNAMIC:
                    break
                if c.type in _STRING_PARTS:
                    parts.append(c.text.decode("utf-8", "replace"))
            return re.split(r"[{%]", "".join(parts), maxsplit=1)[0]
        nxt = None
        if t in ("binary_operator", "binary_expression"):
            op = n.child_by_field_name("operator")
            if op is not None and op.type in ("+", "%"):
                nxt = n.child_by_field_name("left")
        elif t in ("parenthesized_expression", "concatenated_string"):
            kids = [c for c in n.named_children if c.type not in _COMMENTS]
            nxt = kids[0] if kids else None
        elif t in ("call", "call_expression", "method_invocation"):
            fn = n.child_by_field_name("function")
            args = n.child_by_field_name("arguments")
            first = next((c for c in args.named_children if c.type not in _COMMENTS), None) if args else None
            if fn is not None and fn.type == "attribute" and fn.child_by_field_name("attribute").text == b"format":
                nxt = fn.child_by_field_name("object")  # "https://host/{}".format(x)
            elif fn is not None and fn.type == "selector_expression" and fn.text in (b"fmt.Sprintf",):
                nxt = first
            elif t == "method_invocation" and n.child_by_field_name("name").text == b"format":
                obj = n.child_by_field_name("object")
                if obj is not None and obj.text == b"String":
                    nxt = first
        if nxt is None:
            return ""
        n = nxt
    return ""


_MAX_ANCESTORS = 4096  # Node.parent walks down from the root: keep ancestor walks bounded


def ancestors(node):
    """The nodes above `node`, nearest first, at most _MAX_ANCESTORS of them."""
    n = node.parent
    for _ in range(_MAX_ANCESTORS):
        if n is None:
            return
        yield n
        n = n.parent


def file_text(node) -> bytes:
    """The text of the outermost node above `node`: the whole file (unless the bounded walk stops short)."""
    top = node
    for above in ancestors(node):
        top = above
    return top.text


# Java declarations whose values cannot carry text (numbers, booleans, UUIDs), and Go / Java calls
# that turn a number into text: splicing these into SQL cannot inject.
_NUMERIC_TYPES = frozenset({"integral_type", "floating_point_type", "boolean_type"})
_NUMERIC_BOXED = frozenset(
    {b"Integer", b"Long", b"Short", b"Byte", b"Double", b"Float", b"Boolean", b"BigInteger", b"BigDecimal", b"UUID"}
)
_NUMBER_TEXT_CALLS = re.compile(
    rb"^(?:strconv\.(?:Itoa|FormatInt|FormatUint|FormatFloat|FormatBool)|"
    rb"(?:Integer|Long|Short|Double|Float)\.(?:toString|parse\w+))\("
)
_DECLARATIONS = frozenset({"formal_parameter", "local_variable_declaration", "field_declaration"})
_METHOD_SCOPES = frozenset({"method_declaration", "constructor_declaration", "lambda_expression"})
_CLASS_BODY = frozenset({"class_body"})


def _declared_numeric(ident) -> bool:
    """A Java identifier declared with a numeric/boolean type in its method, else as a field of its class."""
    name = ident.text
    for kinds in (_METHOD_SCOPES, _CLASS_BODY):
        scope = next((a for a in ancestors(ident) if a.type in kinds), None)
        if scope is None:
            continue
        fields_only = kinds is _CLASS_BODY
        stack = [scope]
        while stack:
            n = stack.pop()
            if n.type in _DECLARATIONS and (not fields_only or n.type == "field_declaration"):
                t = n.child_by_field_name("type")
                names = (
                    [n.child_by_field_name("name")]
                    if n.type == "formal_parameter"
                    else [d.child_by_field_name("name") for d in n.children_by_field_name("declarator")]
                )
                if any(x is not None and x.text == name for x in names):
                    return t is not None and (t.type in _NUMERIC_TYPES or t.text in _NUMERIC_BOXED)
            elif n is scope or n.type not in ("class_body", "method_declaration", "constructor_declaration"):
                stack.extend(n.named_children)
    return False


def numeric_holes_only(node) -> bool:
    """A `+` concatenation whose non-literal parts are all numbers (Java numeric/boolean variables,
    strconv.Itoa(...), Long.toString(...)): built at run time, yet unable to carry text."""
    stack = [node]
    while stack:
        n = stack.pop()
        operands = _plus_operands(n)
        if operands is not None:
            stack.extend(operands)
        elif n.type == "parenthesized_expression":
            stack.extend(n.named_children)
        elif is_constant(n):
            continue
        elif n.type == "identifier" and _declared_numeric(n):
            continue
        elif n.type in ("call_expression", "method_invocation") and _NUMBER_TEXT_CALLS.match(n.text):
            continue
        else:
            return False
    return True


def call_arguments(node) -> tuple[dict, list, bool]:
    """(keyword -> value node, positional nodes, has a spread) of a Python argument_list, a
    JavaScript object literal or the body of a Go composite literal (`Field: value`)."""
    kw: dict = {}
    pos: list = []
    splat = False
    for c in node.named_children:
        t = c.type
        if t == "keyword_argument":
            k, v = c.child_by_field_name("name"), c.child_by_field_name("value")
        elif t == "pair":
            k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
        elif t == "keyed_element":
            k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
            if v is not None and v.type == "literal_element" and v.named_child_count:
                v = v.named_children[0]
        elif t == "shorthand_property_identifier":
            k = v = c
        elif t in ("dictionary_splat", "list_splat", "spread_element"):
            splat = True
            continue
        else:
            if t not in _COMMENTS:
                pos.append(c)
            continue
        if k is not None and v is not None:
            kw[k.text.decode("utf-8", "replace").strip("'\"`")] = v
    return kw, pos, splat


def int_value(node) -> int | None:
    """The value of an integer literal (`4096`, `1_024`, `0x800`, `0o17` or C-style `017`, `2048L`), or None."""
    text = node.text.decode("utf-8", "replace").replace("_", "").rstrip("lLuUn")
    try:
        return int(text, 8) if re.fullmatch(r"0[0-7]+", text) else int(text, 0)
    except ValueError:
        return None


def _unescape(text: str) -> str:
    """A string literal's source text with \\\\ and escaped quotes resolved (other escapes, such
    as \\n or \\d, mean the same to the regex engine and stay)."""
    return re.sub(r"\\([\\\"'`/])", r"\1", text)


def regex_text(node) -> str | None:
    """The regular expression a regex literal or constant string spells, or None."""
    if node.type == "regex":
        node = node.child_by_field_name("pattern")
        if node is None:
            return None
    if node.type == "regex_pattern":
        return node.text.decode("utf-8", "replace")
    value = string_value(node)
    if value is None:
        return None
    first = node.children[0] if node.child_count else None
    raw = node.type == "raw_string_literal" or (
        first is not None and first.type == "string_start" and b"r" in first.text.lower()
    )
    if not raw:
        value = _unescape(value)
    parent = node.parent
    if parent is not None and re.search(rb"\b(?:VERBOSE|X|COMMENTS)\b", parent.text) or value.startswith("(?x)"):
        value = re.sub(r"\\#", "#", re.sub(r"(?<!\\)#[^\n]*|\s+", "", value))
    return value
