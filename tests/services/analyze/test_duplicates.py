"""Duplicated-block detection within one file (real parses, hand-checked line ranges)."""

from __future__ import annotations

import time

from codeintel.kernel.source import prepare
from services.analyze.domain import analyze_source
from services.analyze.duplicates import MAX_OCCURRENCES

FIRST = """\
def first(items, limit):
    total = 0
    for item in items:
        if item.value > limit:
            total += item.value * 2
        else:
            total -= item.value
    result = compute(total, items, limit)
    return result + len(items)
"""

# The same code with other names (a type-2 clone) and a comment inside.
SECOND = """\
def second(things, bound):
    # a comment between copies
    acc = 0
    for thing in things:
        if thing.value > bound:
            acc += thing.value * 2
        else:
            acc -= thing.value
    result = compute(acc, things, bound)
    return result + len(things)
"""


def dups(code: str, lang: str = "python"):
    return analyze_source(prepare("", lang, code.encode())).duplicates


def test_renamed_copy_is_found_with_line_ranges():
    (block,) = dups(FIRST + "\n\n" + SECOND)
    # tokens per line: 8 + 3 + 5 + 7 + 7 + 2 + 5 + 10 + 7
    assert (block.line_count, block.token_count) == (9, 54)
    a, b = block.occurrences
    assert (a.start_line, a.start_col, a.end_line, a.end_col) == (0, 0, 8, 30)
    assert (b.start_line, b.end_line) == (11, 20)  # the comment line is inside, not counted


def test_three_copies_make_one_block():
    (block,) = dups("\n".join([FIRST, SECOND, FIRST.replace("first", "third")]))
    assert [o.start_line for o in block.occurrences] == [0, 10, 21]


def test_different_operator_or_keyword_breaks_the_match():
    changed = SECOND.replace("if thing.value > bound", "while thing.value < bound")
    assert dups(FIRST + "\n" + changed) == []


def test_short_blocks_are_not_reported():
    five = "".join(f"x{i} = compute(a, b, c, d, e, f, g, h)\n" for i in range(5))
    assert dups(five + "\n" + five) == []  # 5 lines, fewer than 6


def test_other_languages():
    js = """\
function f(a, b) {
  let total = 0;
  for (const x of a) {
    if (x.value > b) { total += x.value * 2; }
    else { total -= x.value; }
  }
  return compute(total, a, b) + a.length;
}
"""
    (block,) = dups(js + js.replace("function f", "function g"), "javascript")
    assert [o.start_line for o in block.occurrences] == [0, 8]


def test_back_to_back_copies_and_two_mib_are_bounded():
    unit = FIRST.replace("first", "fn")
    copies = (2 * 1024 * 1024) // len(unit)
    code = unit * copies
    started = time.monotonic()
    blocks = dups(code)
    assert time.monotonic() - started < 60
    (block,) = blocks  # one block of one copy, not every rotation of it
    assert block.line_count == 9
    assert len(block.occurrences) == MAX_OCCURRENCES
    assert [o.start_line for o in block.occurrences[:3]] == [0, 9, 18]


def test_given_line_starts_give_the_same_blocks():
    import re
    from itertools import accumulate

    from services.analyze.duplicates import find_duplicates

    block = [f"v{i} = w{i} + {i} * (u{i} - t{i})" for i in range(8)]
    content = ("\n".join(block + ["other()"] + block) + "\n").encode()
    kinds, starts = [], []
    for r, line in enumerate(content.split(b"\n")):
        offset = sum(len(x) + 1 for x in content.split(b"\n")[:r])
        for col, word in enumerate(re.finditer(rb"\S+", line)):
            kinds.append(r % 9 * 10 + col)  # by block line and column: the two copies match
            starts.append(offset + word.start())
    line_starts = list(accumulate((len(line) + 1 for line in content.split(b"\n")), initial=0))
    found = find_duplicates(content, kinds, starts)
    assert found == find_duplicates(content, kinds, starts, line_starts=line_starts)
    assert [[o.start_line for o in b.occurrences] for b in found] == [[0, 9]]
