r"""ReDoS: regular expressions whose backtracking is exponential in the input length (the
`redos_regex` predicate asks redos_prone about each constant pattern a rule captures).

The pattern is parsed into groups, alternatives and quantified atoms. It is reported when a
group repeated without (small) bound can split the same input into iterations in many ways:
  * its body holds a part that matches variable-length text and every other part of the
    body is optional or can match the same characters: (a+)+, (.*)*, (\w+\s?)*, (\w+\d)+;
  * or two single-character alternatives overlap: (\w|\d)*, (.|\s)+, (a|a)*.
Character sets are compared on a sample alphabet by matching each sample with Python's `re`.
Possessive quantifiers and atomic groups do not backtrack and are not reported. Patterns the
parser does not understand, or longer than _RX_MAX_LENGTH, are not reported either.

Holds: redos_prone, and the small parser (_rx_parse -> _RxItem trees) and item facts it uses.
"""

from __future__ import annotations

import functools
import re

__all__ = ["redos_prone"]

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
            m = _RX_QUANT.match(p, i) if c == "{" else None  # never None for "{": the elif matched it
            hi: int | None
            if m is not None:
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
    """Whether a regular expression backtracks exponentially on some inputs (see the module docstring)."""
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
