"""Anchors: identifiers (or literal bytes) a file must contain for a rule's query to match it.

A pattern is anchored by a text predicate on one of its captures: `#eq?` / `#any-of?` with
identifier values, or a `#match?` regex that can only match text holding one of a few words
as whole tokens (`^(app|application)$`, `\\brequest\\.`, `^['"]SECRET_KEY['"]$`) or, failing
that, one of a few literals (`0\\.0\\.0\\.0`, `://`). A rule is anchored when every one of its
patterns is; a file without any of the rule's anchors cannot match it, and each of the rule's
matches contains an occurrence of one.

A case-insensitive regex (`(?i)(password|api_?key)$`) is anchored by FOLDED literals: lower-case
ASCII runs that the lower-cased text of any match holds. That holds only for ASCII text (Python's
re folds `K`, KELVIN SIGN, to `k`, and `ſ` to `s`), so a file with any non-ASCII byte runs such a
rule over the whole file (matching.ranged_runs).

Soundness rests on one assumption about the grammars: in a tree without syntax errors an
identifier (or any node) starts and ends at a boundary of a run of ASCII word characters. (A
number literal directly followed by a name, `0xffname`, lexes as two tokens but is a syntax
error in every language we ship rules for; the engine does not prefilter trees with errors.)
Predicates on optional captures (`?`, `*`: they hold over zero nodes) anchor nothing. Tests
compare prefiltered scans with full ones over every rule example.
"""

from __future__ import annotations

import importlib
import re
from typing import NamedTuple

# The parse tree of `re`: stable across 3.11-3.13. Looked up by name because typeshed has no stubs for
# these private modules (their attributes are Any to the type checker).
_sre = importlib.import_module("re._constants")
_sre_parse = importlib.import_module("re._parser")

__all__ = [
    "Anchor",
    "TOKEN",
    "SUBSTRING",
    "FOLDED",
    "pattern_anchors",
    "regex_needles",
    "tokens_in",
    "occurrences",
    "merge",
    "occurrence_ranges",
]

TOKEN = "token"  # an identifier that occurs as a whole token
SUBSTRING = "substring"  # bytes that occur anywhere (a literal inside a regex, e.g. `0.0.0.0`, `://`)
FOLDED = "folded"  # lower-case ASCII bytes that occur anywhere in the lower-cased (ASCII) file
_MIN_LITERAL = 3


class Anchor(NamedTuple):
    kind: str  # TOKEN, SUBSTRING or FOLDED
    text: bytes


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TEXT_PREDICATE = re.compile(r'\(#(?:eq|any-of)\?\s+@([\w.-]+)((?:\s+"(?:[^"\\]|\\.)*")+)\s*\)')
_MATCH_PREDICATE = re.compile(r'\(#match\?\s+@([\w.-]+)\s+"((?:[^"\\]|\\.)*)"\s*\)')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
WORD_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# Every byte that is not an ASCII word character becomes a space: bytes.split() then yields the runs.
_TO_RUNS = bytes(b if b in WORD_CHARS else 0x20 for b in range(256))

_MAX_EXPANSIONS = 64
# Items of an expanded regex: a character (str of length 1), a boundary, or unknown text.
_EDGE = "edge"  # ^, $, \b, or a class of non-word characters only
_WILD = "wild"  # anything, maybe empty, maybe word characters


def _unquote(s: str) -> str:
    """A query string literal's value (tree-sitter query strings escape like C: \\\\, \\", \\n)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(m.group(1), m.group(1)), s)


def _expand(items, out_limit: int) -> list[list] | None:
    """The alternatives a parsed regex sequence can spell, as item lists; None when there are too many."""
    alts: list[list] = [[]]
    for op, av in items:
        choices: list[list] | None
        if op is _sre.LITERAL:
            choices = [[chr(av)]]
        elif op is _sre.AT:
            edge = av in (
                _sre.AT_BEGINNING,
                _sre.AT_BEGINNING_STRING,
                _sre.AT_END,
                _sre.AT_END_STRING,
                _sre.AT_BOUNDARY,
            )
            choices = [[_EDGE if edge else _WILD]]
        elif op is _sre.IN:
            choices = _class_choices(av)
        elif op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            choices = (
                [[_WILD]] if add_flags & (_sre.SRE_FLAG_IGNORECASE | _sre.SRE_FLAG_VERBOSE) else _expand(sub, out_limit)
            )
        elif op is _sre.BRANCH:
            choices = []
            for alt in av[1]:
                sub = _expand(alt, out_limit)
                if sub is None:
                    return None
                choices.extend(sub)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] == av[1] == 1:
            choices = _expand(av[2], out_limit)
        else:  # repeats, ., \w, back-references, look-arounds: unknown text
            choices = [[_WILD]]
        if choices is None or len(alts) * len(choices) > out_limit:
            return None
        alts = [a + c for a in alts for c in choices]
    return alts


def _class_choices(members) -> list[list]:
    """A character class as alternatives: its literals when few, an edge when it holds only
    non-word characters (`['"]`, `[^.\\w]`), else unknown."""
    if members and members[0][0] is _sre.NEGATE:
        rest = members[1:]
        if any(op is _sre.CATEGORY and av is _sre.CATEGORY_WORD for op, av in rest):
            return [[_EDGE]]
        return [[_WILD]]
    if all(op is _sre.LITERAL for op, _ in members):
        chars = [chr(av) for _, av in members]
        if all(not _is_word(c) for c in chars):
            return [[_EDGE]]
        if len(chars) <= 8:
            return [[c] for c in chars]
    return [[_WILD]]


def _is_word(c: str) -> bool:
    return len(c) == 1 and (c.isalnum() or c == "_")


def _bounded_words(items: list) -> list[str]:
    """Runs of word characters in one expanded alternative with an edge or a non-word character on both sides."""
    words = []
    i, n = 0, len(items)
    while i < n:
        if isinstance(items[i], str) and len(items[i]) == 1 and _is_word(items[i]):
            j = i
            while j < n and len(items[j]) == 1 and _is_word(items[j]):
                j += 1
            left = items[i - 1] if i else None
            right = items[j] if j < n else None
            if all(x is not None and x != _WILD for x in (left, right)):
                words.append("".join(items[i:j]))
            i = j
        else:
            i += 1
    return words


def _literal_runs(items: list) -> list[str]:
    """Runs of literal characters (any) in one expanded alternative."""
    runs, cur = [], []
    for x in items + [_WILD]:
        if len(x) == 1:
            cur.append(x)
        elif cur:
            runs.append("".join(cur))
            cur = []
    return runs


def regex_needles(regex: str) -> list[Anchor] | None:
    """Anchors of which any text `regex` matches (re.search) holds one: per alternative of the regex
    a word it holds as a whole token, else a literal run of at least _MIN_LITERAL characters. None
    when the regex does not pin any (open-ended, too many alternatives). A regex case-insensitive as
    a whole gets FOLDED literal runs (ASCII only) instead."""
    try:
        parsed = _sre_parse.parse(regex)
    except (re.error, ValueError, OverflowError, RecursionError):
        return None
    if parsed.state.flags & _sre.SRE_FLAG_VERBOSE:
        return None
    alts = _expand(list(parsed), _MAX_EXPANSIONS)
    if alts is None:
        return None
    if parsed.state.flags & _sre.SRE_FLAG_IGNORECASE:
        return _folded_needles(alts)
    found: set[Anchor] = set()
    for alt in alts:
        words = [w for w in _bounded_words(alt) if _IDENT.match(w) and w.isascii()]
        if words:
            found.add(Anchor(TOKEN, max(words, key=len).encode()))
            continue
        runs = [r for r in _literal_runs(alt) if len(r.encode()) >= _MIN_LITERAL]
        if not runs:
            return None
        found.add(Anchor(SUBSTRING, max(runs, key=len).encode()))
    return sorted(found)


def _folded_needles(alts: list[list]) -> list[Anchor] | None:
    """FOLDED anchors of a case-insensitive regex's alternatives: per alternative its longest literal
    run, lower-cased; None when one has no ASCII run of at least _MIN_LITERAL characters. Words are
    not used: a TOKEN is looked up with its case."""
    found: set[Anchor] = set()
    for alt in alts:
        runs = [r.lower() for r in _literal_runs(alt) if r.isascii() and len(r) >= _MIN_LITERAL]
        if not runs:
            return None
        found.add(Anchor(FOLDED, max(runs, key=len).encode()))
    return sorted(found)


def pattern_anchors(pattern: str, optional: frozenset[str] = frozenset()) -> list[Anchor] | None:
    """The anchor words of one query pattern (its text), or None when it has none. Predicates on
    `optional` captures (quantified `?` or `*`: they hold over zero nodes) anchor nothing. Of several
    anchoring predicates the one with the longest shortest word is kept (rarer in files)."""
    best: list[Anchor] | None = None
    best_rank: tuple = ()
    candidates: list[list[Anchor]] = []
    for m in _TEXT_PREDICATE.finditer(pattern):
        values = [_unquote(v) for v in _STRING.findall(m.group(2))]
        if m.group(1) not in optional and values and all(_IDENT.match(v) for v in values):
            candidates.append([Anchor(TOKEN, v.encode()) for v in values])
    for m in _MATCH_PREDICATE.finditer(pattern):
        needles = regex_needles(_unquote(m.group(2))) if m.group(1) not in optional else None
        if needles:
            candidates.append(needles)
    for words in candidates:  # tokens first: a set look-up is cheaper than a substring search
        rank = (all(a.kind == TOKEN for a in words), min(len(a.text) for a in words))
        if best is None or rank > best_rank:
            best, best_rank = words, rank
    return best


def tokens_in(content: bytes, words: frozenset[bytes]) -> frozenset[bytes]:
    """The `words` that occur in `content` as runs of ASCII word characters."""
    return words.intersection(content.translate(_TO_RUNS).split())


def occurrences(content: bytes, anchor: Anchor) -> list[tuple[int, int]]:
    """Byte ranges of the anchor's occurrences, in order (a TOKEN counts where it can be a token:
    neither preceded nor followed by a word character)."""
    kind, w = anchor
    found = []
    n, k = len(content), len(w)
    i = content.find(w)
    while i >= 0:
        j = i + k
        if kind != TOKEN or ((j == n or content[j] not in WORD_CHARS) and (i == 0 or content[i - 1] not in WORD_CHARS)):
            found.append((i, j))
        i = content.find(w, i + 1)
    return found


def merge(spots: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Sorted ranges covering `spots`, those fewer than `gap` bytes apart merged."""
    ranges: list[list[int]] = []
    for s, e in sorted(spots):
        if ranges and s - ranges[-1][1] < gap:
            if e > ranges[-1][1]:
                ranges[-1][1] = e
        else:
            ranges.append([s, e])
    return [(s, e) for s, e in ranges]


def occurrence_ranges(content: bytes, needles, gap: int) -> list[tuple[int, int]]:
    """Ranges covering every occurrence of the anchors `needles`, merged as by `merge`."""
    return merge([spot for a in needles for spot in occurrences(content, a)], gap)
