"""Duplicated blocks within one file, from the token stream of the metrics walk.

A type-2 clone detector at line granularity: every token is reduced to its kind
(so identifiers and literals match whatever their text; keywords and operators
must be equal), each code line becomes the hash of its token kinds, and runs of
at least `min_lines` consecutive code lines that repeat elsewhere in the file are
found through a hash index of `min_lines`-line windows, then extended to the
longest matching run (equal line hashes are taken as equal lines: 64-bit hashes). Runs holding fewer than `min_tokens` tokens are dropped,
as are overlapping occurrences (self-similar runs such as long tables of
identical lines). Comment and blank lines are skipped, so a comment between two
copies does not hide them. Work and memory are linear in the number of tokens
and code lines; at most MAX_BLOCKS blocks are reported (the largest), each with at
most MAX_OCCURRENCES occurrences (the first). A run repeated back to back (period
p) is reported as one block of p lines with an occurrence per copy.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, compress, pairwise, repeat
from operator import sub

from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.span import Span

__all__ = ["DuplicateBlock", "find_duplicates", "MIN_TOKENS", "MIN_LINES", "MAX_BLOCKS"]

MIN_TOKENS = 50
MIN_LINES = 6
MAX_BLOCKS = 200
MAX_OCCURRENCES = 100


@dataclass(frozen=True, slots=True)
class DuplicateBlock:
    occurrences: list[Span]  # document order, at least two
    line_count: int  # code lines in each occurrence
    token_count: int  # tokens in each occurrence


def find_duplicates(
    content: bytes,
    kinds: list[int],
    starts: list[int],
    *,
    min_tokens: int = MIN_TOKENS,
    min_lines: int = MIN_LINES,
    budget: Budget | None = None,
    line_starts: list[int] | None = None,
) -> list[DuplicateBlock]:
    """Blocks repeated within `content`, given each token's kind and start byte (in order).

    `line_starts` (the start byte of each line, then one past the end) saves recomputing it.
    """
    if len(kinds) < 2 * min_tokens:
        return []
    budget = budget or unlimited()
    if line_starts is None:
        line_starts = list(accumulate((len(line) + 1 for line in content.split(b"\n")), initial=0))
    # Token index range of each line (a token belongs to the line it starts on).
    bounds = list(map(bisect_left, repeat(starts), line_starts))
    sizes_by_line = list(map(sub, bounds[1:], bounds))
    # All per-line work below runs in C (map / compress): files have hundreds of thousands of lines.
    lines = list(compress(range(len(sizes_by_line)), sizes_by_line))  # 0-based rows of code lines
    counts = list(filter(None, sizes_by_line))  # tokens on each code line
    lows = list(compress(bounds, sizes_by_line))  # index of each code line's first token
    first = list(map(starts.__getitem__, lows))  # start byte of each code line's first token
    highs = list(compress(bounds[1:], sizes_by_line))
    # Slices of a tuple are tuples: one copy per line instead of a list and then a tuple.
    hashes = list(map(hash, map(tuple(kinds).__getitem__, map(slice, lows, highs))))
    n = len(hashes)
    w = min_lines
    if n < 2 * w:
        return []
    if budget():
        raise budget.error("duplicate detection")
    # The window starting at each code line (zip stops at the last full window).
    windows = list(map(hash, zip(*(hashes[k:] for k in range(w)), strict=False)))
    repeated = {key for key, count in Counter(windows).items() if count > 1}
    if not repeated:
        return []
    index: dict[int, list[int]] = {}
    for s in [s for s, key in enumerate(windows) if key in repeated]:
        index.setdefault(windows[s], []).append(s)

    pairs = sorted((a, b) for found in index.values() for a, b in pairwise(found) if b - a >= w)
    blocks: dict[tuple[int, int], set[int]] = {}  # (content hash, code lines) -> starts
    sizes: dict[tuple[int, int], int] = {}
    reach: dict[int, int] = {}  # offset b - a -> first line past the matches found at that offset
    steps = 0
    for a, b in pairs:
        d = b - a
        if a < reach.get(d, 0):
            continue  # inside a match already found (a longer copy, or a periodic repetition)
        length = w
        while b + length < n and length < d and hashes[a + length] == hashes[b + length]:
            length += 1
        reach[d] = a + length
        steps += length
        if steps > 4095:
            steps = 0
            if budget():
                raise budget.error("duplicate detection")
        tokens = sum(counts[a : a + length])
        if tokens < min_tokens:
            continue
        key = (hash(tuple(hashes[a : a + length])), length)
        blocks.setdefault(key, set()).update((a, b))
        sizes[key] = tokens

    ranked = sorted(blocks, key=lambda k: (-sizes[k], min(blocks[k])))[:MAX_BLOCKS]
    result = []
    for key in ranked:
        length = key[1]
        occ = []
        for s in sorted(blocks[key])[:MAX_OCCURRENCES]:
            r0, r1 = lines[s], lines[s + length - 1]
            end = line_starts[r1 + 1] - 1 if r1 + 1 < len(line_starts) else len(content)
            occ.append(Span(r0, first[s] - line_starts[r0], r1, end - line_starts[r1], first[s], end))
        result.append(DuplicateBlock(occ, length, sizes[key]))
    result.sort(key=lambda b: b.occurrences[0].start_byte)
    return result
