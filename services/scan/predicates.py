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
}
