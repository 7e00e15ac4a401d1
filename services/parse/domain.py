"""Parse one source file: syntax errors, symbols and (optionally) a flattened AST and the
file's cross-file facts (services.parse.facts).

Plain Python over tree-sitter; the gRPC layer (services.parse.servicer) converts the
dataclasses here to the messages of proto/codeintel/v1/parse.proto.

Every walk over the tree is iterative (TreeCursor or an explicit stack): files may nest
10,000 levels deep and must not hit Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.source import Source, parse
from codeintel.kernel.span import Span, span_of
from codeintel.v1 import parse_pb2
from services.parse import facts as _facts
from services.parse import query as _query
from services.parse import symbols as _symbols
from services.parse.symbols import SymbolInfo

__all__ = [
    "VERSION",
    "DEFAULT_AST_MAX_DEPTH",
    "MAX_AST_DEPTH",
    "DEFAULT_AST_MAX_NODES",
    "MAX_AST_NODES",
    "MAX_ERRORS",
    "MAX_LEAF_TEXT_BYTES",
    "SYMBOL_LANGUAGES",
    "FACT_LANGUAGES",
    "SymbolInfo",
    "SyntaxIssue",
    "AstEntry",
    "ParseOutcome",
    "parse_source",
]

# Bump whenever results for the same input could change (results are cached by version).
VERSION = "parse-1.4.0"

DEFAULT_AST_MAX_DEPTH = 64
MAX_AST_DEPTH = 256
DEFAULT_AST_MAX_NODES = 10000
MAX_AST_NODES = 200000
MAX_ERRORS = 1000
MAX_LEAF_TEXT_BYTES = 256
_ERROR_SNIPPET_CHARS = 40

# Languages with symbol extraction; others still get errors and the AST.
SYMBOL_LANGUAGES: frozenset[str] = _symbols.SUPPORTED_LANGUAGES
# Languages with cross-file facts (include_facts); others get FileFacts(supported=False).
FACT_LANGUAGES: frozenset[str] = _facts.SUPPORTED_LANGUAGES


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    """A syntax error: kind "error" (an ERROR node) or "missing" (a MISSING node)."""

    kind: str
    range: Span
    message: str


@dataclass(frozen=True, slots=True)
class AstEntry:
    """One node of the flattened pre-order AST (see message AstNode)."""

    type: str
    named: bool
    range: Span
    parent_index: int
    field: str
    depth: int
    text: str
    is_error: bool
    is_missing: bool


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """Everything a parse of one file yields (see message ParseResult)."""

    path: str
    language: str
    has_errors: bool
    errors: list[SyntaxIssue]
    symbols: list[SymbolInfo]
    ast: list[AstEntry]
    ast_truncated: bool
    line_count: int
    byte_count: int
    symbols_supported: bool
    # Present only when asked for (include_facts); a protobuf message already, as it is built
    # in one pass and converting it twice would double the cost of the biggest result part.
    facts: parse_pb2.FileFacts | None = None
    # Present only with a query (ParseOptions.query).
    matches: list[_query.Match] | None = None
    matches_truncated: bool = False


def _bound(value: int, default: int, maximum: int) -> int:
    if value <= 0:
        return default
    return min(value, maximum)


def parse_source(
    src: Source,
    *,
    include_ast: bool = False,
    ast_max_depth: int = 0,
    ast_max_nodes: int = 0,
    ast_named_only: bool = False,
    include_facts: bool = False,
    query=None,
    budget: Budget | None = None,
) -> ParseOutcome:
    """Parse `src` (already validated by codeintel.source.prepare) within `budget`. With `query` (a
    StructuralQuery), its matches and no symbols: the symbol pass would double a query's work."""
    budget = budget or unlimited()
    if query is not None and query.pattern and not query.query and not include_ast and not include_facts:
        return _pattern_only(src, query, budget)
    tree = parse(src)
    root = tree.root_node
    content = src.content
    has_errors = root.has_error
    errors = _syntax_errors(tree, content) if has_errors else []
    found, cut = _query.run(tree, content, src.language, query, budget) if query is not None else (None, False)
    syms = _symbols.extract(tree, content, src.language, budget) if query is None or include_facts else None
    facts = _facts.extract(tree, content, src.language, syms or [], budget) if include_facts else None
    if include_ast:
        ast, truncated = _flatten(
            tree,
            content,
            _bound(ast_max_depth, DEFAULT_AST_MAX_DEPTH, MAX_AST_DEPTH),
            _bound(ast_max_nodes, DEFAULT_AST_MAX_NODES, MAX_AST_NODES),
            ast_named_only,
        )
    else:
        ast, truncated = [], False
    return ParseOutcome(
        path=src.path,
        language=src.language,
        has_errors=has_errors,
        errors=errors,
        symbols=syms if syms is not None and query is None else [],
        ast=ast,
        ast_truncated=truncated,
        line_count=src.line_count,
        byte_count=len(content),
        symbols_supported=syms is not None and query is None,
        facts=facts,
        matches=found,
        matches_truncated=cut,
    )


def _pattern_only(src: Source, query, budget: Budget) -> ParseOutcome:
    """An ast-grep pattern alone: ast-grep parses the file itself, so ours is skipped (half the work).
    The result then lists no syntax errors; has_errors says whether ast-grep's tree has ERROR nodes."""
    found, cut, has_errors = _query.run_pattern(src.content, src.language, query, budget)
    return ParseOutcome(
        path=src.path,
        language=src.language,
        has_errors=has_errors,
        errors=[],
        symbols=[],
        ast=[],
        ast_truncated=False,
        line_count=src.line_count,
        byte_count=len(src.content),
        symbols_supported=False,
        matches=found,
        matches_truncated=cut,
    )


def _snippet(content: bytes, start: int, end: int, chars: int) -> str:
    """The first `chars` characters of content[start:end]."""
    raw = content[start : min(end, start + chars * 4)]
    return raw.decode("utf-8", "replace")[:chars]


def _syntax_errors(tree, content: bytes) -> list[SyntaxIssue]:
    """ERROR and MISSING nodes in document order (at most MAX_ERRORS).

    Only subtrees that contain an error are entered.
    """
    out: list[SyntaxIssue] = []
    cursor = tree.walk()
    while True:
        node = cursor.node
        if node.is_missing:
            s = node.start_point
            b = node.start_byte
            out.append(SyntaxIssue("missing", Span(s[0], s[1], s[0], s[1], b, b), f'missing "{node.type}"'))
        elif node.is_error:
            text = _snippet(content, node.start_byte, node.end_byte, _ERROR_SNIPPET_CHARS)
            out.append(SyntaxIssue("error", span_of(node), f'unexpected "{text}"'))
        elif node.has_error and not any(c.has_error for c in node.children):
            # The error is a MISSING token the grammar hides (no visible node carries it):
            # report it where it must go, at the end of the innermost erroneous node.
            out.append(_hidden_missing(node))
        if len(out) >= MAX_ERRORS:
            return out
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


_HIDDEN_MISSING = re.compile(r'\(MISSING "?([^")\s]+)"?\)')


def _hidden_missing(node) -> SyntaxIssue:
    name = ""
    if node.end_byte - node.start_byte <= 4096:  # the S-expression of a small node is cheap
        m = _HIDDEN_MISSING.search(str(node))
        if m:
            name = m.group(1)
    e = node.end_point
    b = node.end_byte
    return SyntaxIssue("missing", Span(e[0], e[1], e[0], e[1], b, b), f'missing "{name}"' if name else "missing token")


def _leaf_text(content: bytes, start: int, end: int) -> str:
    if end - start > MAX_LEAF_TEXT_BYTES:
        cut = start + MAX_LEAF_TEXT_BYTES
        # Back up to a character boundary (never split a UTF-8 sequence).
        while cut > start and (content[cut] & 0xC0) == 0x80:
            cut -= 1
        end = cut
    return content[start:end].decode("utf-8", "replace")


def _flatten(tree, content: bytes, max_depth: int, max_nodes: int, named_only: bool):
    """Pre-order list of AstEntry bounded by depth and count; and whether it was cut."""
    out: list[AstEntry] = []
    append = out.append
    truncated = False
    cursor = tree.walk()
    goto_first_child = cursor.goto_first_child
    goto_next_sibling = cursor.goto_next_sibling
    goto_parent = cursor.goto_parent
    parents: list[int] = []  # parent index to restore when climbing back to each level
    parent = -1
    depth = 0
    while True:
        node = cursor.node
        if named_only and not node.is_named:
            mine = parent  # skipped: its children (if any) hang on the nearest kept ancestor
        else:
            if len(out) >= max_nodes:
                truncated = True
                break
            mine = len(out)
            s, e = node.start_point, node.end_point
            sb, eb = node.start_byte, node.end_byte
            leaf = node.child_count == 0
            append(
                AstEntry(
                    node.type,
                    node.is_named,
                    Span(s[0], s[1], e[0], e[1], sb, eb),
                    parent,
                    cursor.field_name or "",
                    depth,
                    _leaf_text(content, sb, eb) if leaf and eb > sb else "",
                    node.is_error,
                    node.is_missing,
                )
            )
        if node.child_count:
            if depth < max_depth:
                goto_first_child()
                parents.append(parent)
                parent = mine
                depth += 1
                continue
            if not named_only or node.named_child_count:
                truncated = True
        while not goto_next_sibling():
            if not goto_parent():
                return out, truncated
            depth -= 1
            parent = parents.pop()
    return out, truncated
