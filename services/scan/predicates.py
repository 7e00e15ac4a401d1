"""Rule predicates: checks on a query's captures that a tree-sitter query cannot express, e.g. "this
argument is not a constant string". A rule names one in its TOML (`predicate = "non_constant"`,
options in `args`); the loader checks the name and the option names against PREDICATES.

Holds: the predicate functions (_p_*), each taking the match's captures (name -> nodes) and its
options as keywords and answering whether the match is a finding; shannon_entropy; PREDICATES, the
registry by name with the options each predicate takes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from services.scan.redos import redos_prone
from services.scan.syntax import (
    ancestors,
    call_arguments,
    constant_prefix,
    file_text,
    int_value,
    is_constant,
    numeric_holes_only,
    regex_text,
    string_value,
)

__all__ = ["PREDICATES", "Predicate", "shannon_entropy"]


def _first(captures: dict, name: str):
    """The first node captured as `name`, or None."""
    nodes = captures.get(name)
    return nodes[0] if nodes else None


def _p_non_constant(
    captures: dict, *, capture: str = "arg", file_pattern: str = "", numbers_are_constant: bool = False
) -> bool:
    """Any node captured as `capture` is not a constant expression (and, when `file_pattern`
    is given, the file matches that regex, e.g. it imports the library the rule is about).
    With `numbers_are_constant`, concatenations whose only run-time parts are numbers count as constant."""
    nodes = [
        n
        for n in captures.get(capture, ())
        if not is_constant(n) and not (numbers_are_constant and numeric_holes_only(n))
    ]
    if not nodes:
        return False
    return not file_pattern or re.search(file_pattern.encode(), file_text(nodes[0])) is not None


def _p_file_mentions(captures: dict, *, capture: str = "match", pattern: str = "") -> bool:
    """The file containing the capture matches the regex `pattern` (e.g. an import)."""
    node = _first(captures, capture)
    return node is not None and re.search(pattern.encode(), file_text(node)) is not None


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
    for top in ancestors(node):
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
    value = string_value(node) if node is not None else None
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
    value = string_value(node) if node is not None else None
    if value is None or not (min_length <= len(value) <= 512) or not _TOKENISH.match(value):
        return False
    if not (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)) or _SAMPLE_WORDS.search(value):
        return False
    return shannon_entropy(value) >= min_entropy


def _p_keyword_unsafe(
    captures: dict, *, capture: str = "args", name: str | list = "", safe: str = "", position: int = -1
) -> bool:
    """Keyword `name` (or any of a list of names) is missing from the call / literal (and not passed
    positionally at `position`), or its value does not match the regex `safe` (empty: any value is
    fine). Calls with *args / **kwargs / ...spread get the benefit of the doubt when it is missing."""
    node = _first(captures, capture)
    if node is None:
        return False
    kw, pos, splat = call_arguments(node)
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


def _p_int_below(captures: dict, *, capture: str = "size", limit: int = 2048) -> bool:
    """The captured integer literal is below `limit` (e.g. an RSA key size under 2048 bits)."""
    node = _first(captures, capture)
    value = int_value(node) if node is not None else None
    return value is not None and value < limit


# A URL whose constant start fixes scheme and host (or a same-origin path) cannot be pointed
# at another server by the rest of the expression.
_FIXED_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://[^/?#@\s]+[/?#]|/(?![/\\]))")


def _p_url_non_constant(captures: dict, *, capture: str = "url") -> bool:
    """The captured URL is built at run time and its host is not fixed by a constant prefix."""
    node = _first(captures, capture)
    if node is None or is_constant(node):
        return False
    return _FIXED_HOST.match(constant_prefix(node)) is None


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
    m = re.match(r"^http://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]+)", constant_prefix(node), re.I)
    if m is None or m.group(1).endswith((".", "-")):
        return False  # no host, or one whose name goes on in a value computed at run time
    return _LOCAL_HOST.match(m.group(1)) is None


def _p_redos_regex(captures: dict, *, capture: str = "pattern") -> bool:
    """The captured regex literal / constant pattern string is prone to exponential backtracking."""
    node = _first(captures, capture)
    text = regex_text(node) if node is not None else None
    return text is not None and redos_prone(text)


# Java: where a local variable's value comes from. Method-like scopes (the outermost one below the
# class body holds the locals a use can see), declarations that bind a name without a known value,
# and calls that read configuration with a default: `props.getProperty(key, default)`,
# `map.getOrDefault(key, default)`, `config.getString(key, default)`, `prefs.get(key, default)`.
_JAVA_LOCAL_SCOPES = frozenset(
    {"method_declaration", "constructor_declaration", "lambda_expression", "static_initializer"}
)
_JAVA_TYPE_BODIES = frozenset({"class_body", "interface_body", "enum_body"})
_JAVA_TYPE_DECLARATIONS = frozenset(
    {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}
)
_JAVA_OPAQUE_BINDINGS = frozenset({"formal_parameter", "catch_formal_parameter", "enhanced_for_statement"})
_DEFAULT_LOOKUPS = frozenset({b"getProperty", b"getOrDefault", b"getString", b"get"})
_SAME_TEXT_CALLS = frozenset({b"trim", b"strip", b"toUpperCase", b"toLowerCase", b"intern"})
_MAX_RESOLVE = 32  # expressions looked at per capture: bounds chains and cycles (a = b; b = a)


def _java_local_definition(ident):
    """(found, value node or None) for a Java identifier: the nearest definition before it in its
    method -- `T x = v`, `x = v` -- (value None for parameters, loop variables, `x += ...`); found is
    False when the method does not bind the name."""
    scope = None
    for a in ancestors(ident):
        if a.type in _JAVA_TYPE_BODIES:
            break
        if a.type in _JAVA_LOCAL_SCOPES:
            scope = a
    if scope is None:
        return False, None
    name, use = ident.text, ident.start_byte
    best = None  # (start byte, value)
    stack = [scope]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _JAVA_TYPE_BODIES:
            continue  # a local or anonymous class has its own names
        at, value = None, None
        if t == "variable_declarator" and n.parent is not None and n.parent.type == "local_variable_declaration":
            key = n.child_by_field_name("name")
            if key is not None and key.text == name:
                at, value = n.start_byte, n.child_by_field_name("value")
        elif t == "assignment_expression":
            left, op = n.child_by_field_name("left"), n.child_by_field_name("operator")
            if left is not None and left.type == "identifier" and left.text == name:
                at = n.start_byte
                value = n.child_by_field_name("right") if op is not None and op.text == b"=" else None
        elif t in _JAVA_OPAQUE_BINDINGS:
            key = n.child_by_field_name("name")
            if key is not None and key.text == name:
                at = n.start_byte
        if at is not None and at < use and (best is None or at > best[0]):
            best = (at, value)
        stack.extend(n.named_children)
    return (False, None) if best is None else (True, best[1])


def _java_field_value(body, name: bytes):
    """The initial value of field `name` declared in the class / interface body `body`, when the
    field is final, an interface constant, or never assigned in that body; else None."""
    for member in body.named_children:
        if member.type not in ("field_declaration", "constant_declaration"):
            continue
        for d in member.children_by_field_name("declarator"):
            key = d.child_by_field_name("name")
            if key is None or key.text != name:
                continue
            mods = next((c for c in member.children if c.type == "modifiers"), None)
            final = member.type == "constant_declaration" or (mods is not None and b"final" in mods.text.split())
            if not final and _assigned_in(body, name):
                return None
            return d.child_by_field_name("value")
    return None


def _assigned_in(body, name: bytes) -> bool:
    """Whether `name` or `this.name` is assigned anywhere in `body`."""
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "assignment_expression":
            left = n.child_by_field_name("left")
            if left is not None and (
                (left.type == "identifier" and left.text == name)
                or (left.type == "field_access" and left.text == b"this." + name)
            ):
                return True
        stack.extend(n.named_children)
    return False


def _java_named_type_body(node, cls: bytes):
    """The body of the class / interface / enum named `cls` declared in the file containing `node`."""
    top = node
    for above in ancestors(node):
        top = above
    stack = [top]
    while stack:
        n = stack.pop()
        if n.type in _JAVA_TYPE_DECLARATIONS:
            key = n.child_by_field_name("name")
            if key is not None and key.text == cls:
                return n.child_by_field_name("body")
        stack.extend(n.named_children)
    return None


def _java_string_candidates(node) -> list[str]:
    """The constant strings a Java expression may hold, as far as its file says: a literal (or a
    concatenation of them); a local variable's nearest preceding definition in the method; a final or
    never-reassigned field of an enclosing class (`X`, `this.X`, `Cls.X` for a class in the file);
    both arms of `c ? a : b`; the default of a configuration read (`getProperty(key, default)`,
    `getOrDefault`, `getString`, 2-argument `get`; `Optional.orElse(default)`); through trim() /
    toUpperCase() and the like. Parameters and other run-time values contribute nothing."""
    found: list[str] = []
    work = [node]
    for _ in range(_MAX_RESOLVE):
        if not work:
            break
        n = work.pop()
        value = string_value(n)
        if value is not None:
            found.append(value)
            continue
        t = n.type
        if t == "parenthesized_expression":
            work.extend(c for c in n.named_children if c.type not in ("line_comment", "block_comment"))
        elif t == "ternary_expression":
            work.extend(
                c for c in (n.child_by_field_name("consequence"), n.child_by_field_name("alternative")) if c is not None
            )
        elif t == "method_invocation":
            fn, args, obj = (n.child_by_field_name(f) for f in ("name", "arguments", "object"))
            given = [c for c in args.named_children if c.type not in ("line_comment", "block_comment")] if args else []
            if fn is None:
                continue
            if fn.text in _DEFAULT_LOOKUPS and len(given) == 2:
                work.append(given[1])
            elif fn.text == b"orElse" and len(given) == 1:
                work.append(given[0])
            elif fn.text in _SAME_TEXT_CALLS and not given and obj is not None:
                work.append(obj)
        elif t == "identifier":
            found_local, value = _java_local_definition(n)
            if found_local:
                if value is not None:
                    work.append(value)
                continue
            for body in (a for a in ancestors(n) if a.type in _JAVA_TYPE_BODIES):
                value = _java_field_value(body, n.text)
                if value is not None:
                    work.append(value)
                    break
        elif t == "field_access":
            obj, field = n.child_by_field_name("object"), n.child_by_field_name("field")
            if obj is None or field is None:
                continue
            if obj.type == "this":
                body = next((a for a in ancestors(n) if a.type in _JAVA_TYPE_BODIES), None)
            elif obj.type == "identifier":
                body = _java_named_type_body(n, obj.text)
            else:
                body = None
            value = _java_field_value(body, field.text) if body is not None else None
            if value is not None:
                work.append(value)
    return found


def _p_resolves_to(captures: dict, *, capture: str = "value", pattern: str = "") -> bool:
    """A constant string the captured Java expression may hold (see _java_string_candidates: a
    literal, a local or constant initialised with one, a configuration read's default, either arm
    of a conditional) matches the regex `pattern` in full. A match of one of the rule's patterns
    that has no such capture (e.g. a call that is weak by its name alone) is left to the query."""
    nodes = captures.get(capture)
    if not nodes:
        return True
    rx = re.compile(pattern)
    return any(rx.fullmatch(v) for v in _java_string_candidates(nodes[0]))


@dataclass(frozen=True, slots=True)
class Predicate:
    """A predicate function and the option names it takes (a rule's `args` must be among them)."""

    func: Callable[..., bool]
    args: frozenset[str]


PREDICATES: dict[str, Predicate] = {
    "non_constant": Predicate(_p_non_constant, frozenset({"capture", "file_pattern", "numbers_are_constant"})),
    "secret_value": Predicate(_p_secret_value, frozenset({"capture", "name", "min_length"})),
    "high_entropy": Predicate(_p_high_entropy, frozenset({"capture", "min_length", "min_entropy"})),
    "keyword_unsafe": Predicate(_p_keyword_unsafe, frozenset({"capture", "name", "safe", "position"})),
    "file_mentions": Predicate(_p_file_mentions, frozenset({"capture", "pattern"})),
    "scope_lacks": Predicate(_p_scope_lacks, frozenset({"capture", "pattern", "scope"})),
    "int_below": Predicate(_p_int_below, frozenset({"capture", "limit"})),
    "url_non_constant": Predicate(_p_url_non_constant, frozenset({"capture"})),
    "cleartext_url": Predicate(_p_cleartext_url, frozenset({"capture"})),
    "redos_regex": Predicate(_p_redos_regex, frozenset({"capture"})),
    "resolves_to": Predicate(_p_resolves_to, frozenset({"capture", "pattern"})),
}
