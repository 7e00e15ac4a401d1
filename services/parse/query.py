"""Running a user-supplied structural search over one parsed file (ParseOptions.query).

Two kinds, both compiled/checked by codeintel.kernel.structural (shared with the coordinator):

- a tree-sitter query runs with codeintel.kernel.query.matches (linear time even on broken
  files, within the file's Budget); the binding evaluates the text predicates itself;
- an ast-grep pattern runs with ast_grep_py (`find_all(pattern=...)`) on the same text; each
  named metavariable becomes a capture, and the whole match is the capture "match". ast-grep
  reports positions in characters: they are turned into bytes here, as every Range counts bytes.

Matches come out in document order, at most `max_matches` (the result says when it cut them);
capture text is cut at MAX_CAPTURE_TEXT_BYTES at a character boundary. No grpc here.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeintel.kernel import structural
from codeintel.kernel.budget import Budget
from codeintel.kernel.query import matches as run_query
from codeintel.kernel.span import Span

DEFAULT_MAX_MATCHES = 1000
MAX_MATCHES = 10_000
MAX_CAPTURE_TEXT_BYTES = 200


@dataclass(frozen=True, slots=True)
class Capture:
    name: str
    range: Span
    text: str
    text_truncated: bool


@dataclass(frozen=True, slots=True)
class Match:
    pattern_index: int
    captures: list[Capture]


def bound(max_matches: int) -> int:
    return DEFAULT_MAX_MATCHES if max_matches <= 0 else min(max_matches, MAX_MATCHES)


def _text(content: bytes, start: int, end: int) -> tuple[str, bool]:
    if end - start <= MAX_CAPTURE_TEXT_BYTES:
        return content[start:end].decode("utf-8", "replace"), False
    cut = start + MAX_CAPTURE_TEXT_BYTES
    while cut > start and (content[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
        cut -= 1
    return content[start:cut].decode("utf-8", "replace"), True


def run(tree, content: bytes, language: str, spec, budget: Budget) -> tuple[list[Match], bool]:
    """(matches in document order, whether they were cut at the limit) of `spec` (a
    StructuralQuery message or anything with query/pattern/max_matches) over one file."""
    structural.check(language, spec.query, spec.pattern, "options.query.")
    limit = bound(spec.max_matches)
    if spec.query:
        return _tree_sitter(tree, content, language, spec.query, limit, budget)
    found, cut, _ = _ast_grep(content, language, spec.pattern, limit, budget)
    return found, cut


def run_pattern(content: bytes, language: str, spec, budget: Budget) -> tuple[list[Match], bool, bool]:
    """A pattern alone, on ast-grep's own parse (no tree-sitter parse of ours: a second parse would
    double the work): (matches, cut at the limit, whether ast-grep's tree has an ERROR node)."""
    structural.check(language, spec.query, spec.pattern, "options.query.")
    return _ast_grep(content, language, spec.pattern, bound(spec.max_matches), budget)


def _capture(name: str, node, content: bytes) -> Capture:
    s, e = node.start_point, node.end_point
    sb, eb = node.start_byte, node.end_byte
    text, cut = _text(content, sb, eb)
    return Capture(name, Span(s[0], s[1], e[0], e[1], sb, eb), text, cut)


def _tree_sitter(tree, content, language, text, limit, budget) -> tuple[list[Match], bool]:
    compiled = structural.compile_query(language, text, "options.query.query")
    found = run_query(compiled.query, tree.root_node, budget, "the query")
    keyed = []
    seen: set[tuple] = set()
    for index, caps in found:
        nodes = [(node.start_byte, node.end_byte, name, node) for name, ns in caps.items() for node in ns]
        nodes.sort(key=lambda t: (t[0], -t[1], t[2]))
        ident = (index, tuple((a, b, n) for a, b, n, _ in nodes))
        if ident in seen:  # a big ERROR node's ancestors can be matched from two byte ranges
            continue
        seen.add(ident)
        first = nodes[0][:2] if nodes else (0, 0)
        keyed.append(((first[0], -first[1], index), index, nodes))
    keyed.sort(key=lambda k: k[0])
    truncated = len(keyed) > limit
    out = [
        Match(index, [_capture(name, node, content) for _, _, name, node in nodes]) for _, index, nodes in keyed[:limit]
    ]
    return out, truncated


def _ast_grep(
    content: bytes, language: str, pattern: str, limit: int, budget: Budget
) -> tuple[list[Match], bool, bool]:
    from ast_grep_py import SgRoot

    if budget():
        raise budget.error("the pattern search")
    root = SgRoot(content.decode("utf-8"), language).root()
    found = root.find_all(**structural.pattern_rule(language, pattern))
    if budget():
        raise budget.error("the pattern search")
    names = structural.metavariables(pattern)
    offsets = structural.CharOffsets(content)
    out: list[Match] = []

    def cap(name, node) -> Capture:
        r = node.range()
        srow, scol, sb = offsets.point(r.start.index)
        erow, ecol, eb = offsets.point(r.end.index)
        text, cut = _text(content, sb, eb)
        return Capture(name, Span(srow, scol, erow, ecol, sb, eb), text, cut)

    for node in found[:limit]:
        caps = [cap("match", node)]
        for name in names:
            one = node.get_match(name)
            if one is not None:
                caps.append(cap(name, one))
            else:
                caps.extend(cap(name, n) for n in node.get_multiple_matches(name) if n.is_named())
        caps[1:] = sorted(caps[1:], key=lambda c: (c.range.start_byte, c.name))
        out.append(Match(0, caps))
    return out, len(found) > limit, root.find(kind="ERROR") is not None
