"""The scan rule engine: TOML rules -> tree-sitter queries -> findings.

Rules are data (services/scan/rules/*.toml, one `[[rules]]` table per rule). Each rule
has a tree-sitter query whose `@match` capture is the reported range, and optionally
the name of a small Python predicate (registered in PREDICATES below) for checks a
query cannot express, e.g. "this argument is not a constant string".

Speed: most patterns carry a text predicate that pins an identifier or a literal (anchors.py).
A file costs one parse, one QueryCursor pass over the whole tree for the few rules without
anchors (one combined query), and, per rule whose anchors occur in the file, a pass over byte
ranges around those occurrences with the rule's own query (compiled at load). Matching costs
~1.5 us per candidate node and pattern with text predicates, so running each rule only near
its anchors is ~3x cheaper than one combined query over everything (CPython stdlib).

Suppression: `# nosec` / `// nosec` on the finding's first line, or on a comment-only
line just above it, suppresses every rule; `codeintel-ignore` does the same and
`codeintel-ignore: rule-id[, rule-id]` suppresses only the named rules.

Every walk over the tree is iterative (QueryCursor in C, explicit stacks here): files may
nest 10,000 levels deep and must not hit Python's recursion limit.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import math
import re
import threading
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import QueryCursor

from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.errors import InvalidInput, UnsupportedLanguage
from codeintel.kernel.languages import get_language
from codeintel.kernel.query import matches as query_matches
from codeintel.kernel.source import Source, parse
from codeintel.kernel.span import Span, span_of
from services.scan import anchors, owasp, taint

__all__ = [
    "VERSION",
    "SEVERITIES",
    "CONFIDENCES",
    "RULES_DIR",
    "PREDICATES",
    "RuleLoadError",
    "Rule",
    "Example",
    "FindingInfo",
    "FlowStepInfo",
    "ScanOutcome",
    "RuleSet",
    "is_constant",
    "MAX_BASELINE",
    "redos_prone",
]

SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")
RULES_DIR = Path(__file__).resolve().parent / "rules"
TAINT_DIR = taint.TAINT_DIR

# Bump when the engine's behaviour changes; the rule files' hash is appended automatically.
_BASE_VERSION = "scan-1.0.0"

MAX_SNIPPET_BYTES = 200
# Anchor prefilter (RuleSet._pattern_hits): occurrences of a rule's anchors closer than this many
# bytes share one ranged query run; a rule whose ranges (plus this much per run, for a run's fixed
# cost) cover more than _FULL_WALK_SHARE of the file gets one walk over the whole file instead.
_RANGE_GAP = 256
_FULL_WALK_SHARE = 1.0

_FIELDS = frozenset(
    {"id", "languages", "cwe", "owasp", "severity", "confidence", "message", "query", "predicate", "args", "examples"}
)
MAX_BASELINE = 10_000
SUPPRESSIONS = ("", "inline", "baseline")
_REQUIRED = ("id", "languages", "cwe", "severity", "confidence", "message", "query")
_EXAMPLE_FIELDS = frozenset({"language", "vulnerable", "safe"})
_RULE_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
_CWE = re.compile(r"^CWE-[1-9][0-9]*$")


class RuleLoadError(ValueError):
    """A rule file is unusable; the message names the file and the rule."""


# --------------------------------------------------------------------------- predicates

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


def _string_value(node) -> str | None:
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


def _constant_prefix(node) -> str:
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


def _first(captures: dict, name: str):
    nodes = captures.get(name)
    return nodes[0] if nodes else None


_MAX_ANCESTORS = 4096  # Node.parent walks down from the root: keep ancestor walks bounded


def _ancestors(node):
    n = node.parent
    for _ in range(_MAX_ANCESTORS):
        if n is None:
            return
        yield n
        n = n.parent


def _file_text(node) -> bytes:
    top = node
    for top in _ancestors(node):
        pass
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
        scope = next((a for a in _ancestors(ident) if a.type in kinds), None)
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


def _numeric_holes_only(node) -> bool:
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


def _p_non_constant(
    captures: dict, *, capture: str = "arg", file_pattern: str = "", numbers_are_constant: bool = False
) -> bool:
    """Any node captured as `capture` is not a constant expression (and, when `file_pattern`
    is given, the file matches that regex, e.g. it imports the library the rule is about).
    With `numbers_are_constant`, concatenations whose only run-time parts are numbers count as constant."""
    nodes = [
        n
        for n in captures.get(capture, ())
        if not is_constant(n) and not (numbers_are_constant and _numeric_holes_only(n))
    ]
    if not nodes:
        return False
    return not file_pattern or re.search(file_pattern.encode(), _file_text(nodes[0])) is not None


def _p_file_mentions(captures: dict, *, capture: str = "match", pattern: str = "") -> bool:
    """The file containing the capture matches the regex `pattern` (e.g. an import)."""
    node = _first(captures, capture)
    return node is not None and re.search(pattern.encode(), _file_text(node)) is not None


_FUNCTION_SCOPES = frozenset(
    {
        "function_definition",
        "lambda",
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "func_literal",
        "method_declaration",
        "constructor_declaration",
        "lambda_expression",
        "static_initializer",
    }
)
_CLASS_SCOPES = frozenset(
    {
        "class_definition",
        "class_declaration",
        "class_body",
        "class",
        "enum_body",
        "interface_body",
        "record_declaration",
    }
)


def _p_scope_lacks(captures: dict, *, capture: str = "match", pattern: str = "", scope: str = "class") -> bool:
    """The regex `pattern` does not occur in the text of the capture's enclosing scope:
    `function`, `class` (the nearest class, else the file) or `file`. For "configured safely
    somewhere nearby" checks, e.g. an XML factory whose secure features are set a few lines on."""
    node = _first(captures, capture)
    if node is None:
        return False
    kinds = _FUNCTION_SCOPES if scope == "function" else _CLASS_SCOPES if scope == "class" else frozenset()
    top = node
    for top in _ancestors(node):
        if top.type in kinds:
            break
    return re.search(pattern.encode(), top.text) is None


_PLACEHOLDER = re.compile(
    r"^(?:[$%{<\[].*|.*[}>\]]|[x*._\-#]+|none|null|nil|undefined|changeme|change[-_]?me|dummy|example|"
    r"test|testing|fake|secret|password|todo|fixme|redacted|hidden|unset|empty)$",
    re.I,
)
# Substrings that mark a documented sample value rather than a credential.
_SAMPLE_WORDS = re.compile(
    r"example|sample|placeholder|your[-_ ]|dummy|changeme|redacted|replace[-_ ]?me|xxxxx|\*\*\*\*", re.I
)
_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "key", "pass", "pwd")


def _p_secret_value(captures: dict, *, capture: str = "value", name: str = "name", min_length: int = 6) -> bool:
    """The captured string looks like a real credential, not a label, key name or placeholder."""
    node = _first(captures, capture)
    value = _string_value(node) if node is not None else None
    if value is None or len(value) < min_length or any(ch.isspace() for ch in value):
        return False
    if _PLACEHOLDER.match(value) or _SAMPLE_WORDS.search(value):
        return False
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    if folded.isalpha() and len(folded) <= 24 and any(w in folded for w in _SECRET_WORDS):
        return False  # "api_key", "X-Auth-Token": the name of a field, not its value
    n = _first(captures, name)
    if n is not None and re.sub(r"[^a-z0-9]", "", n.text.decode("utf-8", "replace").lower()) == folded:
        return False
    if re.fullmatch(r"[a-z]+(?:[._:/-][a-z]+)*", value) and len(value) < 12:
        return False  # a lower-case word such as "bearer" or "utf-8" is a setting
    if re.match(r"^(?:https?|file)://[^@]*$", value) or value.startswith(("/", "./")):
        return False  # URLs without credentials and paths are locations
    return True


def shannon_entropy(text: str) -> float:
    """Bits per character of `text`."""
    n = len(text)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


_TOKENISH = re.compile(r"^[A-Za-z0-9+/=_\-.~]+$")


def _p_high_entropy(captures: dict, *, capture: str = "value", min_length: int = 24, min_entropy: float = 4.2) -> bool:
    """The captured constant string is long, token-like (no spaces) and of high entropy."""
    node = _first(captures, capture)
    value = _string_value(node) if node is not None else None
    if value is None or not (min_length <= len(value) <= 512) or not _TOKENISH.match(value):
        return False
    if not (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)) or _SAMPLE_WORDS.search(value):
        return False
    return shannon_entropy(value) >= min_entropy


def _call_arguments(node) -> tuple[dict, list, bool]:
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


def _p_keyword_unsafe(
    captures: dict, *, capture: str = "args", name: str | list = "", safe: str = "", position: int = -1
) -> bool:
    """Keyword `name` (or any of a list of names) is missing from the call / literal (and not passed
    positionally at `position`), or its value does not match the regex `safe` (empty: any value is
    fine). Calls with *args / **kwargs / ...spread get the benefit of the doubt when it is missing."""
    node = _first(captures, capture)
    if node is None:
        return False
    kw, pos, splat = _call_arguments(node)
    for key in [name] if isinstance(name, str) else name:
        value = kw.get(key)
        if value is None and 0 <= position < len(pos):
            value = pos[position]
        if value is None:
            if not splat:
                return True
        elif safe and re.search(safe, value.text.decode("utf-8", "replace")) is None:
            return True
    return False


def _int_value(node) -> int | None:
    text = node.text.decode("utf-8", "replace").replace("_", "").rstrip("lLuUn")
    try:
        return int(text, 8) if re.fullmatch(r"0[0-7]+", text) else int(text, 0)
    except ValueError:
        return None


def _p_int_below(captures: dict, *, capture: str = "size", limit: int = 2048) -> bool:
    """The captured integer literal is below `limit` (e.g. an RSA key size under 2048 bits)."""
    node = _first(captures, capture)
    value = _int_value(node) if node is not None else None
    return value is not None and value < limit


# A URL whose constant start fixes scheme and host (or a same-origin path) cannot be pointed
# at another server by the rest of the expression.
_FIXED_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://[^/?#@\s]+[/?#]|/(?![/\\]))")


def _p_url_non_constant(captures: dict, *, capture: str = "url") -> bool:
    """The captured URL is built at run time and its host is not fixed by a constant prefix."""
    node = _first(captures, capture)
    if node is None or is_constant(node):
        return False
    return _FIXED_HOST.match(_constant_prefix(node)) is None


_LOCAL_HOST = re.compile(
    r"^(?:localhost|.*\.localhost|127(?:\.\d+){3}|0\.0\.0\.0|10(?:\.\d+){3}|192\.168(?:\.\d+){2}|"
    r"172\.(?:1[6-9]|2\d|3[01])(?:\.\d+){2}|169\.254(?:\.\d+){2}|\[[0-9a-f:]*\]|[^.]*|"
    r".*\.(?:local|internal|lan|test|example|invalid|home\.arpa)|(?:.*\.)?example\.(?:com|org|net))$",
    re.I,
)


def _p_cleartext_url(captures: dict, *, capture: str = "url") -> bool:
    """The captured URL starts with a constant `http://` naming a host that is not this machine,
    a private network, a single-label (service) name or a reserved example domain."""
    node = _first(captures, capture)
    if node is None:
        return False
    m = re.match(r"^http://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]+)", _constant_prefix(node), re.I)
    if m is None or m.group(1).endswith((".", "-")):
        return False  # no host, or one whose name goes on in a value computed at run time
    return _LOCAL_HOST.match(m.group(1)) is None


# --- ReDoS: regular expressions whose backtracking is exponential in the input length.
#
# The pattern is parsed into groups, alternatives and quantified atoms. It is reported when a
# group repeated without (small) bound can split the same input into iterations in many ways:
#   * its body holds a part that matches variable-length text and every other part of the
#     body is optional or can match the same characters: (a+)+, (.*)*, (\w+\s?)*, (\w+\d)+;
#   * or two single-character alternatives overlap: (\w|\d)*, (.|\s)+, (a|a)*.
# Character sets are compared on a sample alphabet by matching each sample with Python's `re`.
# Possessive quantifiers and atomic groups do not backtrack and are not reported.

_RX_SAMPLE = tuple(chr(c) for c in range(32, 127)) + ("\t", "\n", "\r", "\x0b", "\x00", "é", "ж", "\u00a0")
_RX_OTHER = 1 << len(_RX_SAMPLE)  # a character outside the sample alphabet
_RX_ALL = (_RX_OTHER << 1) - 1
_RX_MAX_DEPTH = 64
_RX_MAX_LENGTH = 2000
_RX_MANY = 10  # a bound at least this large counts as "many"
_RX_QUANT = re.compile(r"\{(\d+)(,(\d*))?\}")
_RX_FLAGS = re.compile(r"\(\?[a-zA-Z^-]*([:)])")


class _RxItem:
    __slots__ = ("kind", "mask", "alts", "min", "max", "possessive", "chars")

    def __init__(self, kind: str, mask: int = 0):
        self.kind = kind  # "set" (one character), "group", "atomic", "look", "anchor"
        self.mask = mask
        self.alts: list[list[_RxItem]] = [[]]
        self.min = 1
        self.max: int | None = 1
        self.possessive = False
        self.chars: int | None = None  # _rx_chars, memoised


@functools.lru_cache(maxsize=4096)
def _rx_mask(atom: str) -> int:
    """The sample characters one atom (`a`, `\\w`, `[^/]`, `.`) matches."""
    try:
        rx = re.compile(atom)
    except (re.error, ValueError, OverflowError):
        return _RX_ALL
    mask = 0
    for i, ch in enumerate(_RX_SAMPLE):
        if rx.fullmatch(ch):
            mask |= 1 << i
    return mask or _RX_OTHER


def _rx_class_end(p: str, i: int) -> int:
    """Index just past the `]` closing the character class that opens at p[i], or -1."""
    j, n = i + 1, len(p)
    if j < n and p[j] == "^":
        j += 1
    if j < n and p[j] == "]":
        j += 1
    while j < n:
        if p[j] == "\\":
            j += 2
            continue
        if p[j] == "[" and p.startswith("[:", j) and p.find(":]", j) > 0:
            j = p.find(":]", j) + 2
            continue
        if p[j] == "]":
            return j + 1
        j += 1
    return -1


def _rx_escape(p: str, i: int) -> tuple[_RxItem | list, int]:
    """The item for the escape at p[i] ('\\'), and the index after it."""
    n = len(p)
    d = p[i + 1]
    if d in "bBAzZG":
        return _RxItem("anchor"), i + 2
    if d.isdigit() and d != "0":  # back-reference: can match anything
        j = i + 1
        while j < n and p[j].isdigit():
            j += 1
        return _RxItem("set", _RX_ALL), j
    if d in "kpPxu" and i + 2 < n and p[i + 2] in "{<'":
        close = {"{": "}", "<": ">", "'": "'"}[p[i + 2]]
        j = p.find(close, i + 3)
        j = n if j < 0 else j + 1
        return _RxItem("set", _RX_ALL if d in "kpP" else _rx_mask(p[i:j])), j
    if d == "x":
        return _RxItem("set", _rx_mask(p[i : i + 4])), i + 4
    if d == "u":
        return _RxItem("set", _rx_mask(p[i : i + 6])), i + 6
    if d == "c":
        return _RxItem("set", _RX_OTHER), i + 3
    if d == "Q":  # \Q...\E quotes literally (Java)
        j = p.find("\\E", i + 2)
        end = n if j < 0 else j
        return [_RxItem("set", _rx_mask(re.escape(ch))) for ch in p[i + 2 : end]], (n if j < 0 else j + 2)
    return _RxItem("set", _rx_mask(p[i : i + 2])), i + 2


def _rx_parse(p: str) -> _RxItem | None:
    """A pattern as nested items, or None when it is not understood (then nothing is reported)."""
    root = _RxItem("group")
    stack = [root]
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        alt = stack[-1].alts[-1]
        if c == "\\":
            if i + 1 >= n:
                return None
            item, i = _rx_escape(p, i)
            if isinstance(item, list):
                alt.extend(item)
            else:
                alt.append(item)
        elif c == "[":
            j = _rx_class_end(p, i)
            if j < 0:
                return None
            alt.append(_RxItem("set", _rx_mask(p[i:j])))
            i = j
        elif c == "(":
            kind, skip = "group", 1
            if p.startswith("(?", i):
                if p.startswith("(?#", i):
                    j = p.find(")", i)
                    if j < 0:
                        return None
                    i = j + 1
                    continue
                if p.startswith(("(?=", "(?!"), i):
                    kind, skip = "look", 3
                elif p.startswith(("(?<=", "(?<!"), i):
                    kind, skip = "look", 4
                elif p.startswith("(?>", i):
                    kind, skip = "atomic", 3
                elif p.startswith("(?:", i):
                    skip = 3
                elif p.startswith("(?P=", i):
                    j = p.find(")", i)
                    if j < 0:
                        return None
                    alt.append(_RxItem("set", _RX_ALL))
                    i = j + 1
                    continue
                elif p.startswith(("(?P<", "(?<", "(?'"), i):
                    j = p.find(">" if p[i + 2] in "P<" else "'", i + 3)
                    if j < 0:
                        return None
                    skip = j + 1 - i
                else:
                    m = _RX_FLAGS.match(p, i)
                    if m is None:
                        return None
                    if m.group(1) == ")":  # (?i): flags only
                        i = m.end()
                        continue
                    skip = m.end() - i
            if len(stack) >= _RX_MAX_DEPTH:
                return None
            stack.append(_RxItem(kind))
            i += skip
        elif c == ")":
            if len(stack) == 1:
                return None
            group = stack.pop()
            stack[-1].alts[-1].append(group)
            i += 1
        elif c == "|":
            stack[-1].alts.append([])
            i += 1
        elif c in "*+?" or (c == "{" and _RX_QUANT.match(p, i)):
            if not alt:
                return None
            item = alt[-1]
            if c == "{":
                m = _RX_QUANT.match(p, i)
                lo = int(m.group(1))
                hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
                i = m.end()
            else:
                lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
                i += 1
            item.min, item.max = lo * item.min, (None if hi is None or item.max is None else hi * item.max)
            if i < n and p[i] in "?+":
                item.possessive = p[i] == "+"
                i += 1
        elif c == ".":
            alt.append(_RxItem("set", _rx_mask(".")))
            i += 1
        elif c in "^$":
            alt.append(_RxItem("anchor"))
            i += 1
        else:
            alt.append(_RxItem("set", _rx_mask(re.escape(c))))
            i += 1
    return root if len(stack) == 1 else None


def _rx_flat(seq: list) -> list:
    """A sequence with plain groups (once, one alternative) spliced in."""
    out: list = []
    todo = list(reversed(seq))
    while todo:
        it = todo.pop()
        if it.kind == "group" and it.min == it.max == 1 and len(it.alts) == 1:
            todo.extend(reversed(it.alts[0]))
        else:
            out.append(it)
    return out


def _rx_chars(it: _RxItem) -> int:
    """The sample characters an item can consume (anchors and look-arounds consume none)."""
    if it.chars is None:
        if it.kind == "set":
            it.chars = it.mask
        elif it.kind in ("group", "atomic"):
            it.chars = 0
            for alt in it.alts:
                for x in alt:
                    it.chars |= _rx_chars(x)
        else:
            it.chars = 0
    return it.chars


def _rx_nullable(it: _RxItem) -> bool:
    if it.kind in ("anchor", "look"):
        return False  # treated as a separator between iterations
    if it.min == 0:
        return True
    return it.kind != "set" and any(all(_rx_nullable(x) for x in alt) for alt in it.alts)


def _rx_variable(it: _RxItem) -> bool:
    """Can match texts of different lengths, one of them at least two characters long."""
    if it.kind in ("anchor", "look") or it.possessive or it.kind == "atomic":
        return False
    if it.max is None or (it.max > it.min and it.max >= 2):
        return True
    return it.kind == "group" and any(_rx_variable(x) for alt in it.alts for x in alt)


def _rx_many(it: _RxItem) -> bool:
    return it.max is None or it.max >= _RX_MANY


@functools.lru_cache(maxsize=4096)
def redos_prone(pattern: str) -> bool:
    """Whether a regular expression backtracks exponentially on some inputs (see above)."""
    if len(pattern) > _RX_MAX_LENGTH:
        return False
    root = _rx_parse(pattern)
    if root is None:
        return False
    todo = [root]
    while todo:
        it = todo.pop()
        if it.kind == "set":
            continue
        for alt in it.alts:
            todo.extend(alt)
        if it.kind != "group" or it.possessive or not _rx_many(it):
            continue
        seqs = [_rx_flat(alt) for alt in it.alts]
        for seq in seqs:
            for x in seq:
                if not _rx_variable(x):
                    continue
                chars = _rx_chars(x)
                if all(y is x or _rx_nullable(y) or _rx_chars(y) & chars for y in seq):
                    return True
        singles = [s[0] for s in seqs if len(s) == 1 and s[0].kind == "set" and s[0].min == s[0].max == 1]
        for a in range(len(singles)):
            for b in range(a + 1, len(singles)):
                if singles[a].mask & singles[b].mask:
                    return True
    return False


def _unescape(text: str) -> str:
    """A string literal's source text with \\\\ and escaped quotes resolved (other escapes, such
    as \\n or \\d, mean the same to the regex engine and stay)."""
    return re.sub(r"\\([\\\"'`/])", r"\1", text)


def _regex_text(node) -> str | None:
    """The regular expression a regex literal or constant string spells, or None."""
    if node.type == "regex":
        node = node.child_by_field_name("pattern")
        if node is None:
            return None
    if node.type == "regex_pattern":
        return node.text.decode("utf-8", "replace")
    value = _string_value(node)
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


def _p_redos_regex(captures: dict, *, capture: str = "pattern") -> bool:
    """The captured regex literal / constant pattern string is prone to exponential backtracking."""
    node = _first(captures, capture)
    text = _regex_text(node) if node is not None else None
    return text is not None and redos_prone(text)


@dataclass(frozen=True, slots=True)
class _Predicate:
    func: Callable[..., bool]
    args: frozenset[str]


PREDICATES: dict[str, _Predicate] = {
    "non_constant": _Predicate(_p_non_constant, frozenset({"capture", "file_pattern", "numbers_are_constant"})),
    "secret_value": _Predicate(_p_secret_value, frozenset({"capture", "name", "min_length"})),
    "high_entropy": _Predicate(_p_high_entropy, frozenset({"capture", "min_length", "min_entropy"})),
    "keyword_unsafe": _Predicate(_p_keyword_unsafe, frozenset({"capture", "name", "safe", "position"})),
    "file_mentions": _Predicate(_p_file_mentions, frozenset({"capture", "pattern"})),
    "scope_lacks": _Predicate(_p_scope_lacks, frozenset({"capture", "pattern", "scope"})),
    "int_below": _Predicate(_p_int_below, frozenset({"capture", "limit"})),
    "url_non_constant": _Predicate(_p_url_non_constant, frozenset({"capture"})),
    "cleartext_url": _Predicate(_p_cleartext_url, frozenset({"capture"})),
    "redos_regex": _Predicate(_p_redos_regex, frozenset({"capture"})),
}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    languages: tuple[str, ...]
    cwe: str
    severity: str
    confidence: str
    message: str
    query: str
    predicate: str | None
    args: dict
    owasp: str = ""
    dataflow: bool = False  # a taint rule (source -> sink) rather than one syntax pattern


@dataclass(frozen=True, slots=True)
class FlowStepInfo:
    """One step of a taint path: where, and what happens there."""

    range: Span
    message: str


@dataclass(frozen=True, slots=True)
class Example:
    """Code a rule must flag (`vulnerable`) and a safe twin it must not flag, kept with the rule."""

    rule_id: str
    language: str
    vulnerable: tuple[str, ...]
    safe: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingInfo:
    rule_id: str
    cwe: str
    severity: str
    confidence: str
    range: Span
    message: str
    snippet: str
    fingerprint: str
    suppressed: bool
    owasp: str = ""
    suppression: str = ""  # one of SUPPRESSIONS
    flow: tuple[FlowStepInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    path: str
    language: str
    findings: list[FindingInfo]
    suppressed_count: int
    rules_evaluated: int
    has_syntax_errors: bool


@dataclass(slots=True)
class _Compiled:
    """One language's rules as a single query; pattern index -> rule."""

    query: object
    pattern_rule: list[Rule]


@dataclass(slots=True)
class _Plan:
    """A language's pattern rules split for the anchor prefilter: `free` rules (a pattern without
    anchor) run as one query over the whole file, each `anchored` rule as its own query around
    occurrences of its anchors."""

    free: _Compiled | None
    anchored: dict[str, tuple[frozenset[anchors.Anchor], _Compiled]]  # rule id -> (its anchors, its query)
    tokens: frozenset[bytes]  # the TOKEN anchors' texts
    substrings: tuple[bytes, ...]  # the SUBSTRING anchors' texts


# --------------------------------------------------------------------------- loading


def _rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def _version_of(directory: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(__file__).resolve().parent.glob("*.py")):  # the engine and its helpers
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for p in _rule_files(directory):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for p in taint.spec_files(TAINT_DIR):  # taint specs are rules too
        h.update(b"taint/" + p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return f"{_BASE_VERSION}+{h.hexdigest()[:12]}"


def _strs(value, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{what} must be a string or a list of strings")


def _parse_rule(raw: dict, where: str) -> tuple[Rule, list[Example]]:
    if not isinstance(raw, dict):
        raise RuleLoadError(f"{where}: each [[rules]] entry must be a table")
    rid = raw.get("id")
    where = f"{where}: rule {rid!r}" if isinstance(rid, str) else where
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise RuleLoadError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise RuleLoadError(f"{where}: missing field(s) {', '.join(missing)}")
    for k in ("id", "cwe", "severity", "confidence", "message", "query"):
        if not isinstance(raw[k], str) or not raw[k].strip():
            raise RuleLoadError(f"{where}: field {k!r} must be a non-empty string")
    if not _RULE_ID.match(rid):
        raise RuleLoadError(f"{where}: bad id (use lower-case words joined by '.' or '-', e.g. 'py.eval-non-constant')")
    if not _CWE.match(raw["cwe"]):
        raise RuleLoadError(f"{where}: cwe must look like 'CWE-78', got {raw['cwe']!r}")
    owasp_category = raw.get("owasp") or owasp.category_for(raw["cwe"])
    if owasp_category not in owasp.CATEGORIES:
        raise RuleLoadError(
            f"{where}: no OWASP Top 10 (2021) category for {raw['cwe']}; set owasp to one of: "
            f"{'; '.join(owasp.CATEGORIES)}"
        )
    if raw["severity"] not in SEVERITIES:
        raise RuleLoadError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    if raw["confidence"] not in CONFIDENCES:
        raise RuleLoadError(f"{where}: confidence must be one of {', '.join(CONFIDENCES)}")
    langs = raw["languages"]
    if not isinstance(langs, list) or not langs or not all(isinstance(x, str) for x in langs):
        raise RuleLoadError(f"{where}: languages must be a non-empty list of language ids")
    predicate = raw.get("predicate")
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise RuleLoadError(f"{where}: args must be a table")
    if predicate is not None:
        if predicate not in PREDICATES:
            raise RuleLoadError(f"{where}: unknown predicate {predicate!r}; known: {', '.join(sorted(PREDICATES))}")
        bad = sorted(set(args) - PREDICATES[predicate].args)
        if bad:
            raise RuleLoadError(
                f"{where}: predicate {predicate!r} takes no argument(s) {', '.join(bad)}; "
                f"it takes: {', '.join(sorted(PREDICATES[predicate].args))}"
            )
    elif args:
        raise RuleLoadError(f"{where}: args given without a predicate")
    rule = Rule(
        id=rid,
        languages=tuple(langs),
        cwe=raw["cwe"],
        severity=raw["severity"],
        confidence=raw["confidence"],
        message=raw["message"].strip(),
        query=raw["query"],
        predicate=predicate,
        args=dict(args),
        owasp=owasp_category,
    )
    examples = []
    raw_examples = raw.get("examples", [])
    if not isinstance(raw_examples, list):
        raise RuleLoadError(f"{where}: examples must be an array of tables ([[rules.examples]])")
    for ex in raw_examples:
        if not isinstance(ex, dict) or set(ex) - _EXAMPLE_FIELDS or "language" not in ex:
            raise RuleLoadError(f"{where}: each example needs 'language' and may have 'vulnerable', 'safe'")
        if ex["language"] not in rule.languages:
            raise RuleLoadError(f"{where}: example language {ex['language']!r} is not in the rule's languages")
        try:
            examples.append(
                Example(
                    rid,
                    ex["language"],
                    _strs(ex.get("vulnerable", []), "vulnerable"),
                    _strs(ex.get("safe", []), "safe"),
                )
            )
        except ValueError as exc:
            raise RuleLoadError(f"{where}: {exc}") from None
    return rule, examples


def _compile(language: str, text: str):
    from tree_sitter import Query

    return Query(get_language(language), text)


def _quantifier(query, pattern: int, capture: int) -> str:
    """ "", "?", "*" or "+"; "0" when the capture is not in the pattern (py-tree-sitter 0.26 raises
    SystemError for that quantifier instead of returning it)."""
    try:
        return query.capture_quantifier(pattern, capture)
    except SystemError:
        return "0"


def _anchors(query, text: str) -> frozenset[anchors.Anchor] | None:
    """Anchors (identifier tokens, literal substrings) of which at least one must occur in a file for
    some pattern of the query to match, or None when a pattern has none (it must always run); see anchors.py."""
    raw = text.encode("utf-8")
    found: set[anchors.Anchor] = set()
    names = [query.capture_name(k) for k in range(query.capture_count)]
    for i in range(query.pattern_count):
        if not query.is_pattern_rooted(i):  # sibling sequences may start before a range around the anchor
            return None
        pattern = raw[query.start_byte_for_pattern(i) : query.end_byte_for_pattern(i)].decode("utf-8")
        optional = frozenset(n for k, n in enumerate(names) if _quantifier(query, i, k) in ("?", "*"))
        words = anchors.pattern_anchors(pattern, optional)
        if words is None:
            return None
        found.update(words)
    return frozenset(found)


# --------------------------------------------------------------------------- suppression

# `codeintel-ignore: a.b, c-d` or `codeintel-ignore a.b c-d` (without the colon only words shaped like rule
# ids count, so `codeintel-ignore because ...` still means every rule).
_MARK = re.compile(
    r"\b(nosec|codeintel-ignore)\b(?:[ \t]*:[ \t]*([A-Za-z0-9_.\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_.\-]+)*)"
    r"|[ \t]+((?:[a-z0-9]+(?:[.-][a-z0-9]+)+)(?:[ \t]*,?[ \t]*[a-z0-9]+(?:[.-][a-z0-9]+)+)*))?"
)
_ALL = frozenset({"*"})


def _line_suppressions(line: str, *, comment_only: bool) -> frozenset[str]:
    """Rule ids suppressed by comments on `line` ({"*"}: every rule)."""
    if comment_only and not line.lstrip().startswith(("#", "//", "/*", "*", "{/*")):
        return frozenset()
    found: set[str] = set()
    for m in _MARK.finditer(line):
        prefix = line[: m.start()]
        if "#" not in prefix and "//" not in prefix and "/*" not in prefix:
            continue
        ids = m.group(2) or m.group(3)
        if m.group(1) == "nosec" or not ids:
            return _ALL
        found.update(x for x in re.split(r"[\s,]+", ids) if x)
    return frozenset(found)


# --------------------------------------------------------------------------- rule set


def _rank(name: str, order: tuple[str, ...], what: str) -> int:
    if not name:
        return 0
    try:
        return order.index(name.lower())
    except ValueError:
        raise InvalidInput(f"unknown {what} {name!r}; use one of {', '.join(order)}") from None


class RuleSet:
    """Rules loaded from a directory of TOML files; queries compiled per language on demand."""

    def __init__(
        self,
        rules: list[Rule],
        examples: list[Example],
        pattern_counts: dict,
        source: str,
        taint_specs: Iterable[taint.TaintSpec] = (),
    ):
        self.rules: list[Rule] = rules
        self.examples: list[Example] = examples
        self.languages: frozenset[str] = frozenset(lang for r in rules for lang in r.languages)
        self.by_id: dict[str, Rule] = {r.id: r for r in rules}
        # (rule id, language) -> (number of patterns, anchors, the rule's own compiled query)
        self._pattern_counts = pattern_counts
        self._taint: dict[str, taint.TaintSpec] = {lang: s for s in taint_specs for lang in s.languages}
        self._taint_kind: dict[str, str] = {r.id: r.kind for s in taint_specs for r in s.rules}
        self._source = source
        self._compiled: dict[tuple, _Compiled] = {}
        self._plans: dict[str, _Plan] = {}
        self._by_language: dict[str, list[Rule]] = {}
        # Run anchored rules only where their anchor words occur (see _pattern_hits); False runs
        # one query over the whole file. Findings are the same either way (tests compare them).
        self.prefilter = True
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path | None = None, taint_directory: Path | None = None) -> RuleSet:
        """Load and validate every *.toml rule file; compiles each rule's query for each of its
        languages so a broken rule fails here (RuleLoadError naming the file and rule). Taint specs
        come from `taint_directory` (default: services/scan/taint with the shipped rules, else none)."""
        if directory is None:
            with _default_lock:
                global _default
                if _default is None:
                    _default = cls._load(RULES_DIR, TAINT_DIR)
                return _default
        directory = Path(directory)
        if taint_directory is None and directory.resolve() == RULES_DIR:
            taint_directory = TAINT_DIR
        return cls._load(directory, None if taint_directory is None else Path(taint_directory))

    @classmethod
    def _load(cls, directory: Path, taint_directory: Path | None = None) -> RuleSet:
        files = _rule_files(directory)
        if not files:
            raise RuleLoadError(f"no rule files (*.toml) in {directory}")
        rules: list[Rule] = []
        examples: list[Example] = []
        counts: dict = {}
        seen: dict[str, str] = {}
        for path in files:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise RuleLoadError(f"{path.name}: not valid TOML: {exc}") from None
            extra = sorted(set(data) - {"rules"})
            if extra or not isinstance(data.get("rules", []), list):
                raise RuleLoadError(f"{path.name}: a rule file holds only [[rules]] tables (found {', '.join(extra)})")
            for i, raw in enumerate(data.get("rules", [])):
                rule, exs = _parse_rule(raw, f"{path.name}: [[rules]] #{i + 1}")
                where = f"{path.name}: rule {rule.id!r}"
                if rule.id in seen:
                    raise RuleLoadError(f"{where}: duplicate id (also in {seen[rule.id]})")
                seen[rule.id] = path.name
                for lang in rule.languages:
                    try:
                        get_language(lang)
                    except Exception:
                        raise RuleLoadError(f"{where}: unknown language {lang!r}") from None
                    try:
                        q = _compile(lang, rule.query)
                    except Exception as exc:
                        raise RuleLoadError(f"{where}: query does not compile for {lang}: {exc}") from None
                    names = {q.capture_name(k) for k in range(q.capture_count)}
                    if "match" not in names:
                        raise RuleLoadError(f"{where}: query has no @match capture (the reported range)")
                    counts[(rule.id, lang)] = (q.pattern_count, _anchors(q, rule.query), q)
                rules.append(rule)
                examples.extend(exs)
        specs = _load_taint(taint_directory, seen) if taint_directory is not None else []
        for spec in specs:
            for tr in spec.rules:
                rules.append(
                    Rule(
                        id=tr.id,
                        languages=tr.languages,
                        cwe=tr.cwe,
                        severity=tr.severity,
                        confidence="high",
                        message=tr.message,
                        query="",
                        predicate=None,
                        args={},
                        owasp=tr.owasp,
                        dataflow=True,
                    )
                )
                examples.extend(Example(tr.id, ex["language"], ex["vulnerable"], ex["safe"]) for ex in tr.examples)
        return cls(rules, examples, counts, str(directory), specs)

    def describe(self, language: str = "") -> list[Rule]:
        """Every rule (for `language` when given), sorted by id: what ListRules returns."""
        if language and language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {language!r}; scanning supports: {', '.join(sorted(self.languages))}"
            )
        return sorted((r for r in self.rules if not language or language in r.languages), key=lambda r: r.id)

    def rules_for(self, language: str) -> list[Rule]:
        got = self._by_language.get(language)
        if got is None:  # a benign race: two threads compute the same list
            got = self._by_language[language] = [r for r in self.rules if language in r.languages]
        return list(got)

    def _pattern_rules_for(self, language: str) -> list[Rule]:
        return [r for r in self.rules_for(language) if not r.dataflow]

    def _compiled_for(self, language: str, part: str = "all") -> _Compiled:
        """One query over the language's pattern rules (`part`: "all", or "free": those without
        anchors), compiled on first use and kept."""
        key = (language, part)
        c = self._compiled.get(key)
        if c is not None:
            return c
        with self._lock:
            c = self._compiled.get(key)
            if c is None:
                members = self._pattern_rules_for(language)
                if part == "free":
                    members = [r for r in members if self._pattern_counts[(r.id, language)][1] is None]
                query = _compile(language, "\n".join(r.query for r in members))
                pattern_rule: list[Rule] = []
                for r in members:
                    pattern_rule.extend([r] * self._pattern_counts[(r.id, language)][0])
                if query.pattern_count != len(pattern_rule):  # cannot happen unless tree-sitter changes
                    raise RuntimeError(
                        f"combined {language} query has {query.pattern_count} patterns, expected {len(pattern_rule)}"
                    )
                c = self._compiled[key] = _Compiled(query, pattern_rule)
        return c

    def _plan_for(self, language: str) -> _Plan:
        plan = self._plans.get(language)
        if plan is None:
            anchored = {}
            for r in self._pattern_rules_for(language):
                count, rule_anchors, query = self._pattern_counts[(r.id, language)]
                if rule_anchors is not None:
                    anchored[r.id] = (rule_anchors, _Compiled(query, [r] * count))
            has_free = len(anchored) < len(self._pattern_rules_for(language))
            every = {a for rule_anchors, _ in anchored.values() for a in rule_anchors}
            plan = self._plans[language] = _Plan(
                self._compiled_for(language, "free") if has_free else None,
                anchored,
                frozenset(a.text for a in every if a.kind == anchors.TOKEN),
                tuple(sorted(a.text for a in every if a.kind == anchors.SUBSTRING)),
            )
        return plan

    def _pattern_hits(self, src: Source, root, patterns: list[Rule], budget: Budget) -> list[tuple]:
        """(node, rule) per distinct finding of the `patterns` rules, document order.

        Prefilter: a rule whose every pattern is anchored (anchors.py) cannot match a file without
        one of its anchors, and each of its matches contains an occurrence of one. So the free rules
        run as one query over the whole file, and each anchored rule whose anchors occur runs its own
        query (compiled when the rules were loaded) over byte ranges around those occurrences: a
        ranged query still returns every match that intersects the range, and walks little more than
        the range. A rule whose ranges cover much of the file takes one walk over all of it instead.
        Trees with syntax errors are not prefiltered (anchors.py says why) and take codeintel.query's
        walk, which keeps big ERROR nodes from costing quadratic time."""
        language = src.language
        if not self.prefilter or root.has_error:
            return self._matches([(self._compiled_for(language), None)], root, {r.id for r in patterns}, budget)
        plan = self._plan_for(language)
        content = src.content
        present = {anchors.Anchor(anchors.TOKEN, t) for t in anchors.tokens_in(content, plan.tokens)}
        present.update(anchors.Anchor(anchors.SUBSTRING, t) for t in plan.substrings if t in content)
        wanted: set[str] = set()
        spots: dict[anchors.Anchor, list[tuple[int, int]]] = {}
        runs: list[tuple[_Compiled, tuple[int, int] | None]] = []
        free = False
        for r in patterns:
            entry = plan.anchored.get(r.id)
            if entry is None:
                free = True
                wanted.add(r.id)
                continue
            live = entry[0] & present
            if not live:
                continue
            wanted.add(r.id)
            for a in live:
                if a not in spots:
                    spots[a] = anchors.occurrences(content, a)
            ranges: list = anchors.merge([spot for a in live for spot in spots[a]], _RANGE_GAP)
            if sum(e - s for s, e in ranges) + _RANGE_GAP * len(ranges) > _FULL_WALK_SHARE * len(content):
                ranges = [None]
            runs.extend((entry[1], span) for span in ranges)
        if free:
            runs.append((plan.free, None))
        return self._matches(runs, root, wanted, budget) if runs else []

    def select(
        self,
        language: str,
        *,
        min_severity: str = "",
        min_confidence: str = "",
        rule_ids: Iterable[str] = (),
        exclude_rule_ids: Iterable[str] = (),
    ) -> list[Rule]:
        """The rules a scan with these options runs over a file of `language`."""
        sev = _rank(min_severity, SEVERITIES, "severity")
        conf = _rank(min_confidence, CONFIDENCES, "confidence")
        wanted = set(rule_ids)
        excluded = set(exclude_rule_ids)  # unknown ids here are harmless (e.g. a rule removed since)
        if not (sev or conf or wanted or excluded):  # the usual scan: every rule of the language
            return self.rules_for(language)
        unknown = sorted(wanted - self.by_id.keys())
        if unknown:
            # Suggest near misses, not all ids: the full list (ListRules) is far too long for a status message.
            near = list(
                dict.fromkeys(
                    m
                    for u in unknown  # best match first
                    for m in difflib.get_close_matches(u, list(self.by_id), n=3, cutoff=0.6)
                )
            )
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InvalidInput(
                f"unknown rule id(s) {', '.join(unknown[:10])}{hint} (ListRules lists the {len(self.by_id)} rule ids)"
            )
        return [
            r
            for r in self.rules_for(language)
            if (not wanted or r.id in wanted)
            and r.id not in excluded
            and SEVERITIES.index(r.severity) >= sev
            and CONFIDENCES.index(r.confidence) >= conf
        ]

    def scan(
        self,
        src: Source,
        *,
        min_severity: str = "",
        min_confidence: str = "",
        rule_ids=(),
        exclude_rule_ids=(),
        include_suppressed: bool = False,
        baseline=(),
        budget: Budget | None = None,
    ) -> ScanOutcome:
        """Run the selected rules over one file within `budget`; findings in document order. Findings whose
        fingerprint is in `baseline` (accepted earlier) are suppressed like inline-suppressed ones."""
        if len(baseline) > MAX_BASELINE:
            raise InvalidInput(f"the baseline has {len(baseline)} fingerprints; the limit is {MAX_BASELINE}")
        if src.language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {src.language!r}; scanning supports: {', '.join(sorted(self.languages))}"
            )
        selected = self.select(
            src.language,
            min_severity=min_severity,
            min_confidence=min_confidence,
            rule_ids=rule_ids,
            exclude_rule_ids=exclude_rule_ids,
        )
        tree = parse(src)
        root = tree.root_node
        if not selected:
            return ScanOutcome(src.path, src.language, [], 0, 0, root.has_error)
        budget = budget or unlimited()
        patterns = [r for r in selected if not r.dataflow]
        hits: list[tuple] = []
        if patterns:
            hits = self._pattern_hits(src, root, patterns, budget)
        flows = [r for r in selected if r.dataflow]
        if flows:
            hits = self._with_taint(src.language, root, flows, hits, budget)
        findings, suppressed = self._findings(src, hits, include_suppressed, frozenset(baseline))
        return ScanOutcome(src.path, src.language, findings, suppressed, len(selected), root.has_error)

    def _matches(
        self, runs: list[tuple[_Compiled, tuple[int, int] | None]], root, wanted: set[str], budget: Budget
    ) -> list[tuple]:
        """(node, rule) per distinct finding of the `wanted` rules, document order, from query runs over
        the whole tree (range None) or a byte range of it; a match found by two runs counts once."""
        seen: set[tuple] = set()
        hits: list[tuple] = []
        for compiled, span in runs:
            if span is None:
                found = query_matches(compiled.query, root, budget, "rule matching")
            else:
                if budget():
                    raise budget.error("rule matching")
                cursor = QueryCursor(compiled.query)
                cursor.set_byte_range(*span)
                found = cursor.matches(root)
            self._collect(compiled, found, wanted, seen, hits)
        hits.sort(key=lambda h: h[:3])
        return hits

    @staticmethod
    def _collect(compiled: _Compiled, found, wanted: set[str], seen: set[tuple], hits: list[tuple]) -> None:
        for index, captures in found:
            rule = compiled.pattern_rule[index]
            if rule.id not in wanted:
                continue
            nodes = captures.get("match")
            if nodes:
                node = nodes[0]
            else:  # a pattern without @match: report its outermost capture
                node = min((n for ns in captures.values() for n in ns), key=lambda n: (n.start_byte, -n.end_byte))
            key = (rule.id, node.start_byte, node.end_byte)
            if key in seen:
                continue
            if rule.predicate is not None and not PREDICATES[rule.predicate].func(captures, **rule.args):
                continue
            seen.add(key)
            hits.append((node.start_byte, node.end_byte, rule.id, node, rule, ()))

    def _with_taint(self, language: str, root, flows: list[Rule], hits: list[tuple], budget: Budget) -> list[tuple]:
        """`hits` plus the taint findings of the `flows` rules. A pattern hit of the same CWE on the
        same sink call (inside it, or around it) is dropped: the taint finding says more (its flow)."""
        spec = self._taint.get(language)
        if spec is None:
            return hits
        by_kind = {self._taint_kind[r.id]: r for r in flows}
        found = taint.analyse(root, spec, frozenset(by_kind), budget)
        if not found:
            return hits
        sinks: dict[str, list[tuple[int, int]]] = {}
        extra = []
        for h in found:
            rule = by_kind[h.kind]
            flow = tuple(FlowStepInfo(span, message) for span, message in h.steps)
            extra.append((h.node.start_byte, h.node.end_byte, rule.id, h.node, rule, flow))
            sinks.setdefault(rule.cwe, []).append((h.node.start_byte, h.node.end_byte))
        kept = [
            x
            for x in hits
            if not any((s <= x[0] and x[1] <= e) or (x[0] <= s and e <= x[1]) for s, e in sinks.get(x[4].cwe, ()))
        ]
        return sorted(kept + extra, key=lambda h: h[:3])

    def _findings(
        self, src: Source, hits: list[tuple], include_suppressed: bool, baseline: frozenset[str]
    ) -> tuple[list[FindingInfo], int]:
        """hits: (start byte, end byte, rule id, node, rule, flow steps) in document order."""
        content = src.content
        occurrences: Counter = Counter()
        marks: dict[int, frozenset[str]] = {}
        findings: list[FindingInfo] = []
        suppressed_count = 0
        for start, end, rid, node, rule, flow in hits:
            text = " ".join(content[start:end].decode("utf-8", "replace").split())
            occurrence = occurrences[(rid, text)]
            occurrences[(rid, text)] += 1
            fingerprint = hashlib.sha256(
                f"{rid}\0{src.path}\0{text}\0{occurrence}".encode("utf-8", "surrogatepass")
            ).hexdigest()
            line_start = content.rfind(b"\n", 0, start) + 1
            line_end = content.find(b"\n", end)
            if line_end < 0:
                line_end = len(content)
            if line_start not in marks:
                eol = content.find(b"\n", line_start)
                first = content[line_start : eol if eol >= 0 else len(content)]
                own = _line_suppressions(first.decode("utf-8", "replace"), comment_only=False)
                above = frozenset()
                if line_start > 0:
                    prev_start = content.rfind(b"\n", 0, line_start - 1) + 1
                    above = _line_suppressions(
                        content[prev_start : line_start - 1].decode("utf-8", "replace"), comment_only=True
                    )
                marks[line_start] = own | above
            mark = marks[line_start]
            suppression = "inline" if "*" in mark or rid in mark else "baseline" if fingerprint in baseline else ""
            is_suppressed = bool(suppression)
            if is_suppressed:
                suppressed_count += 1
                if not include_suppressed:
                    continue
            snippet = content[line_start:line_end].rstrip(b"\r\n \t")[:MAX_SNIPPET_BYTES]
            findings.append(
                FindingInfo(
                    rule_id=rid,
                    cwe=rule.cwe,
                    severity=rule.severity,
                    confidence=rule.confidence,
                    range=span_of(node),
                    message=rule.message,
                    snippet=snippet.decode("utf-8", "ignore"),  # "ignore" drops a character cut at byte 200
                    fingerprint=fingerprint,
                    suppressed=is_suppressed,
                    owasp=rule.owasp,
                    suppression=suppression,
                    flow=flow,
                )
            )
        return findings, suppressed_count


def _load_taint(directory: Path, rule_files: dict[str, str]) -> list[taint.TaintSpec]:
    """Taint specs (taint/*.toml), validated; their rule ids must not clash with pattern rules."""
    specs = []
    for path in taint.spec_files(directory):
        try:
            spec = taint.load_spec(
                path, severities=SEVERITIES, owasp_for=owasp.category_for, known_languages=_known_language
            )
        except taint.SpecError as exc:
            raise RuleLoadError(f"taint/{exc}") from None
        for r in spec.rules:
            if r.id in rule_files:
                raise RuleLoadError(f"taint/{path.name}: rule {r.id!r}: duplicate id (also in {rule_files[r.id]})")
            rule_files[r.id] = f"taint/{path.name}"
        specs.append(spec)
    return specs


def _known_language(lang: str) -> bool:
    try:
        get_language(lang)
    except Exception:
        return False
    return True


_default: RuleSet | None = None
_default_lock = threading.Lock()

VERSION: str = _version_of(RULES_DIR)
