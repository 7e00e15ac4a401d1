"""User-supplied structural searches: compiling tree-sitter queries and checking ast-grep patterns.

Shared by the parse workers (which run them, services.parse.query) and the coordinator (which
checks a query once before it fans out, so a bad one fails the call before any file is sent).
Every refusal is an InvalidQuery naming the request field and the 1-based line:column in the
query text, with the offending text.

tree-sitter 0.26.1's binding evaluates #eq?, #match?, #any-of? and their not-/any- variants
itself and keeps #is?/#is-not?/#set! as pattern settings; any other predicate it accepts and
ignores silently, so a typo (#eqq?) would match everything: such predicates are refused here.

Prefilter: the text a file must contain for a search to find anything in it, so that a search over
a tree parses only the files that can match (as ripgrep-backed tools and Semgrep do). Derived only
where it is sound: the string of an #eq? / #any-of? / #any-eq? predicate on a capture that every
match of its pattern has (quantifier one or one-or-more: a predicate on an absent optional capture
holds), when every pattern of the query has one; every identifier a pattern spells out.

ast-grep accepts a broken pattern and matches nothing (`eval($X` finds no call), so a pattern is
parsed with our own grammar first (metavariables replaced by identifiers of the same length, so
positions stay) and refused when tree-sitter finds an error in it.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

from tree_sitter import Query, QueryError

from codeintel.kernel import languages
from codeintel.kernel.errors import InvalidInput, UnsupportedLanguage

# Languages ast-grep-py 0.51.0 bundles a grammar for; our ids are its ids for all of them.
PATTERN_LANGUAGES: frozenset[str] = frozenset(
    {
        "bash",
        "c",
        "cpp",
        "csharp",
        "css",
        "dart",
        "elixir",
        "go",
        "haskell",
        "hcl",
        "html",
        "java",
        "javascript",
        "json",
        "kotlin",
        "lua",
        "php",
        "python",
        "ruby",
        "rust",
        "scala",
        "solidity",
        "swift",
        "tsx",
        "typescript",
        "yaml",
    }
)

MAX_QUERY_BYTES = 64 * 1024
# Predicates the binding evaluates (or keeps as settings); others are refused.
KNOWN_PREDICATES = frozenset(
    {
        "eq?",
        "not-eq?",
        "any-eq?",
        "any-not-eq?",
        "match?",
        "not-match?",
        "any-match?",
        "any-not-match?",
        "any-of?",
        "not-any-of?",
        "is?",
        "is-not?",
        "set!",
    }
)
_QUERY_ERROR = re.compile(r"^(?P<what>.*?) at row (?P<row>\d+), column (?P<col>\d+): ?(?P<text>.*)$", re.S)
METAVARIABLE = re.compile(r"\$(\$\$)?([A-Z_][A-Z0-9_]*)")  # $NAME, $$$NAME (group 1: a sequence)
# (#eq? @name "text"), (#any-of? @name "a" "b"), (#any-eq? @name "text"): strings without escapes only.
_TEXT_PREDICATE = re.compile(r'\(#(?:eq|any-eq|any-of)\?\s+@([\w.-]+)((?:\s+"[^"\\]*")+)\s*\)')
_STRING = re.compile(r'"([^"\\]*)"')
_MANDATORY = ("", "+")  # capture quantifiers: exactly one, one or more
_CACHE_SIZE = 64


class InvalidQuery(InvalidInput):
    """A query or pattern that cannot run; `field` is the request field it came in."""

    def __init__(self, message: str, field: str):
        super().__init__(message, field=field)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _excerpt(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end >= 0 else len(text)]
    return line[:120]


def _byte_to_char(text: str, row: int, col: int) -> int:
    """Character offset of a 0-based row and byte column (tree-sitter reports bytes)."""
    lines = text.split("\n")
    row = min(row, len(lines) - 1)
    start = sum(len(x) + 1 for x in lines[:row])
    return start + len(lines[row].encode("utf-8")[:col].decode("utf-8", "ignore"))


@dataclass(frozen=True, slots=True)
class Compiled:
    """A query compiled for one language, with its capture names by index."""

    query: Query
    language: str


_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str], Compiled | InvalidQuery] = OrderedDict()


def compile_query(language: str, text: str, field: str = "query") -> Compiled:
    """The query compiled for `language` (an LRU keeps the last few); InvalidQuery when it does not compile."""
    key = (language, text)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is None:
        try:
            hit = _compile(language, text, field)
        except InvalidQuery as exc:
            hit = exc
        with _lock:
            _cache[key] = hit
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if isinstance(hit, InvalidQuery):
        raise InvalidQuery(str(hit), field)
    return hit


def _compile(language: str, text: str, field: str) -> Compiled:
    if not text.strip():
        raise InvalidQuery("query is empty: write a tree-sitter query such as (identifier) @name", field)
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise InvalidQuery(f"query is longer than {MAX_QUERY_BYTES:,} bytes", field)
    _check_predicates(text, field)
    lang = languages.get_parser(language).language
    try:
        query = Query(lang, text)
    except QueryError as exc:
        raise _query_error(str(exc), text, language, field) from None
    return Compiled(query, language)


def _query_error(message: str, text: str, language: str, field: str) -> InvalidQuery:
    m = _QUERY_ERROR.match(message)
    if m is None:  # "Unexpected EOF" has no position: it is the end
        line, col = _line_col(text, len(text))
        return InvalidQuery(
            f"invalid query for {language} at {line}:{col}: {message.strip().lower()} (a parenthesis or "
            "bracket is not closed)",
            field,
        )
    what = m.group("what").strip()
    offset = _byte_to_char(text, int(m.group("row")), int(m.group("col")))
    line, col = _line_col(text, offset)
    bad = m.group("text").strip().splitlines()[0] if m.group("text").strip() else _excerpt(text, offset)
    hint = ""
    lowered = what.lower()
    if "node type" in lowered:
        hint = f"; {bad!r} is not a node type of the {language} grammar" + _did_you_mean(bad, _node_types(language))
        hint += " (the grammar's node-types.json lists them all)"
    elif "field" in lowered:
        hint = f"; {bad!r} is not a field name of the {language} grammar" + _did_you_mean(bad, _fields(language))
    elif "capture" in lowered:
        hint = f"; capture {bad!r} is used in a predicate but not defined in its pattern"
    return InvalidQuery(f"invalid query for {language} at {line}:{col}: {lowered} near {bad!r}{hint}", field)


@functools.cache
def _node_types(language: str) -> tuple[str, ...]:
    lang = languages.get_parser(language).language
    kinds = {lang.node_kind_for_id(i) for i in range(lang.node_kind_count) if lang.node_kind_is_named(i)}
    return tuple(sorted(k for k in kinds if k and not k.startswith("_")))


@functools.cache
def _fields(language: str) -> tuple[str, ...]:
    lang = languages.get_parser(language).language
    return tuple(sorted({lang.field_name_for_id(i) or "" for i in range(1, lang.field_count + 1)} - {""}))


def _did_you_mean(bad: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(bad, known, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _check_predicates(text: str, field: str) -> None:
    """Refuse predicates the binding would ignore. Strings and comments are skipped."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == ";":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif c == "#":
            m = re.compile(r"#([A-Za-z_][\w.-]*[?!]?)").match(text, i)
            name = m.group(1) if m else ""
            if name not in KNOWN_PREDICATES:
                line, col = _line_col(text, i)
                raise InvalidQuery(
                    f"invalid query at {line}:{col}: unknown predicate #{name} (supported: "
                    + ", ".join("#" + p for p in sorted(KNOWN_PREDICATES))
                    + ")",
                    field,
                )
            i = m.end() if m else i + 1
        else:
            i += 1


def check_pattern(language: str, pattern: str, field: str = "pattern") -> None:
    """Refuse an ast-grep pattern that ast-grep cannot use or that does not parse in `language`
    (the verdict is kept for the last few patterns: a worker checks it for every file)."""
    refusal = _pattern_refusal(language, pattern)
    if refusal is not None:
        kind, message = refusal
        raise (UnsupportedLanguage(message) if kind == "language" else InvalidQuery(message, field))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _pattern_refusal(language: str, pattern: str) -> tuple[str, str] | None:
    try:
        _check_pattern(language, pattern, "pattern")
    except UnsupportedLanguage as exc:
        return "language", str(exc)
    except InvalidQuery as exc:
        return "pattern", str(exc)
    return None


def _check_pattern(language: str, pattern: str, field: str) -> None:
    if language not in PATTERN_LANGUAGES:
        raise UnsupportedLanguage(
            f"patterns are not supported for {language}; languages with patterns: {', '.join(sorted(PATTERN_LANGUAGES))}"
            " (use a tree-sitter query instead)"
        )
    if not pattern.strip():
        raise InvalidQuery("pattern is empty: write code with metavariables such as eval($X)", field)
    if len(pattern.encode("utf-8")) > MAX_QUERY_BYTES:
        raise InvalidQuery(f"pattern is longer than {MAX_QUERY_BYTES:,} bytes", field)
    # Same length, so positions in the parsed text are positions in the pattern.
    plain = _plain(pattern)
    error = _pattern_error(language, plain, pattern)
    if error is not None and language in _PATTERN_CONTEXT:
        # Grammars whose files hold declarations only (Go): statements parse inside a function body.
        before, after = _PATTERN_CONTEXT[language]
        error = _pattern_error(language, before + plain + after, pattern, before.count("\n"))
    if error is not None:
        raise InvalidQuery(
            f"invalid pattern for {language} at {error}: it does not parse as {language} code; a pattern must be "
            "valid code, with $NAME / $$$NAME for the parts that vary",
            field,
        )
    try:
        from ast_grep_py import SgRoot

        SgRoot("", language).root().find_all(pattern=pattern)
    except RuntimeError as exc:
        reason = str(exc).split("Stack backtrace")[0].strip().splitlines()[-1].strip()
        reason = re.sub(r"^\d+:\s*", "", reason)
        raise InvalidQuery(f"invalid pattern for {language}: {reason}", field) from None


# Text around a pattern for grammars that do not take statements at the top of a file; the prefix
# ends with a newline, so columns stay and lines shift by its line count.
_PATTERN_CONTEXT = {
    "go": ("package p\nfunc _() {\n", "\n}\n"),
    "c": ("void _() {\n", ";\n}\n"),
    "cpp": ("void _() {\n", ";\n}\n"),
}


def _pattern_error(language: str, text: str, pattern: str, skip_lines: int = 0) -> str | None:
    """'line:column (what)' of the first syntax error of `text` (the pattern after `skip_lines`
    lines of context), or None when it parses."""
    tree = languages.get_parser(language).parse(text.encode("utf-8"))
    if not tree.root_node.has_error:
        return None
    node = _first_error(tree.root_node)
    if node is None:
        return None
    row, col = node.start_point
    row = min(max(row - skip_lines, 0), pattern.count("\n"))
    offset = _byte_to_char(pattern, row, col)
    line, column = _line_col(pattern, offset)
    if node.is_missing:
        what = f'missing "{node.type}"'
    else:
        what = f"unexpected {_excerpt(pattern, offset)[column - 1 :][:40]!r}"
    return f"{line}:{column} ({what})"


@functools.lru_cache(maxsize=_CACHE_SIZE)
def pattern_rule(language: str, pattern: str) -> dict:
    """ast-grep's rule for a (checked) pattern: for Go, C and C++ statements and expressions, the
    pattern inside a function body with the kind of the node it is as the selector (ast-grep's
    advice for them: at the top of a file they do not parse as what they are); else the pattern."""
    if language not in _PATTERN_CONTEXT:
        return {"pattern": pattern}
    plain = _plain(pattern)
    before, after = _PATTERN_CONTEXT[language]
    if _pattern_error(language, before + plain + after, pattern, before.count("\n")) is not None:
        return {"pattern": pattern}  # not a statement or expression (e.g. a declaration): as it is
    text = (before + plain + after).encode("utf-8")
    start = len(before.encode("utf-8"))
    end = start + len(plain.rstrip().encode("utf-8"))
    node = languages.get_parser(language).parse(text).root_node.descendant_for_byte_range(start, end)
    # The innermost node that is exactly the pattern (a call, not the statement around it).
    while node is not None and (node.start_byte != start or node.end_byte < end) and node.parent is not None:
        node = node.parent
    if node is None or not node.is_named:
        return {"pattern": pattern}
    return {"pattern": {"context": before + pattern + after, "selector": node.type}}


def _first_error(root):
    """The first ERROR node, or MISSING token other than a statement's ";" (patterns are written
    without it, as ast-grep's examples are), in document order; None when there is none."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or (node.is_missing and node.type != ";"):
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return None


def _plain(pattern: str) -> str:
    """The pattern with each metavariable replaced by an identifier of the same length: code our
    grammar parses, with the pattern's positions."""
    return METAVARIABLE.sub(lambda m: "z" * len(m.group(0)), pattern)


def metavariables(pattern: str) -> list[str]:
    """Names of the capturing metavariables of a pattern, in order of first use ($_ does not capture)."""
    seen: dict[str, None] = {}
    for m in METAVARIABLE.finditer(pattern):
        name = m.group(2)
        if name != "_" and not name.startswith("_"):
            seen.setdefault(name, None)
    return list(seen)


def check(language: str, query: str, pattern: str, prefix: str = "") -> None:
    """Exactly one of query/pattern, valid for `language`; `prefix` is prepended to field names."""
    if bool(query) == bool(pattern):
        raise InvalidQuery(
            "pass exactly one of query (a tree-sitter query) and pattern (an ast-grep pattern)", prefix + "query"
        )
    if query:
        compile_query(language, query, prefix + "query")
    else:
        check_pattern(language, pattern, prefix + "pattern")


class CharOffsets:
    """ast-grep's character offsets in `content` as ours: byte offsets, rows and byte columns (the
    parse workers' pattern captures and the scanner's pattern rules both need them)."""

    def __init__(self, content: bytes):
        self.ascii = content.isascii()
        self.byte_line_starts = [0] + [m.end() for m in re.finditer(b"\n", content)]
        if not self.ascii:
            self.text = content.decode("utf-8", "surrogatepass")
            self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def point(self, index: int) -> tuple[int, int, int]:
        """(row, byte column, byte offset) of a character offset."""
        if self.ascii:
            row = bisect_right(self.byte_line_starts, index) - 1
            return row, index - self.byte_line_starts[row], index
        row = bisect_right(self.line_starts, index) - 1
        col = len(self.text[self.line_starts[row] : index].encode("utf-8", "surrogatepass"))
        return row, col, self.byte_line_starts[row] + col

    def byte(self, index: int) -> int:
        """The byte offset of a character offset."""
        return index if self.ascii else self.point(index)[2]


@dataclass(frozen=True)
class Prefilter:
    """Text a file must hold for a search to match in it: every clause, by one of its strings."""

    clauses: tuple[tuple[bytes, ...], ...]

    def could_match(self, content: bytes) -> bool:
        return all(any(s in content for s in clause) for clause in self.clauses)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def prefilter(language: str, query: str, pattern: str) -> Prefilter | None:
    """The prefilter of a (checked) query or pattern for `language`; None when no text is needed."""
    clauses = _query_clauses(language, query) if query else _pattern_clauses(language, pattern)
    return Prefilter(clauses) if clauses else None


def _query_clauses(language: str, text: str) -> tuple[tuple[bytes, ...], ...]:
    q = compile_query(language, text).query
    names = {q.capture_name(k): k for k in range(q.capture_count)}
    raw = text.encode("utf-8")
    needed: set[bytes] = set()
    for i in range(q.pattern_count):
        source = raw[q.start_byte_for_pattern(i) : q.end_byte_for_pattern(i)].decode("utf-8", "replace")
        best: set[bytes] | None = None
        for m in _TEXT_PREDICATE.finditer(source):
            k = names.get(m.group(1))
            if k is None or _quantifier(q, i, k) not in _MANDATORY:
                continue
            strings = {s.encode("utf-8") for s in _STRING.findall(m.group(2))}
            if strings and all(strings) and (best is None or min(map(len, strings)) > min(map(len, best))):
                best = strings
        if best is None:
            return ()  # a pattern that needs no particular text: every file may match
        needed |= best
    return (tuple(sorted(needed)),)


def _quantifier(q: Query, pattern: int, capture: int) -> str:
    try:
        return q.capture_quantifier(pattern, capture)
    except SystemError:  # 0.26.1 raises for "zero" (the capture is not in this pattern)
        return "zero"


def _pattern_clauses(language: str, pattern: str) -> tuple[tuple[bytes, ...], ...]:
    plain = _plain(pattern)
    before, after = "", ""
    if _pattern_error(language, plain, pattern) is not None and language in _PATTERN_CONTEXT:
        before, after = _PATTERN_CONTEXT[language]
    text = (before + plain + after).encode("utf-8")
    lo, hi = len(before.encode("utf-8")), len((before + plain).encode("utf-8"))
    raw = pattern.encode("utf-8")
    words: set[bytes] = set()
    stack = [languages.get_parser(language).parse(text).root_node]
    while stack:
        node = stack.pop()
        if node.child_count:
            stack.extend(node.children)
        elif node.is_named and "identifier" in node.type and lo <= node.start_byte and node.end_byte <= hi:
            word = raw[node.start_byte - lo : node.end_byte - lo]
            if len(word) > 1 and b"$" not in word:  # a metavariable's stand-in is not text to find
                words.add(word)
    return tuple((w,) for w in sorted(words))
