"""Comparisons of two versions, on real parse / analyze / scan results computed in-process by the
workers' own domain code: functions paired by qualified name, syntax errors and findings new and
fixed, duplicated blocks introduced; test-file detection; name positions."""

from __future__ import annotations

import pytest

from codeintel import review
from codeintel.kernel.source import prepare
from codeintel.v1 import review_pb2
from services.analyze.domain import analyze_source
from services.parse.domain import parse_source


def _analyze(text: str):
    from services.analyze.servicer import result_pb  # the message the workers send

    return result_pb(analyze_source(prepare("m.py", "python", text.encode())))


BEFORE = """\
class Store:
    def save(self, item):
        return item

    def load(self):
        return 1


def gone():
    return 0


def same(x):
    return x
"""
AFTER = """\
import os


class Store:
    def save(self, item):
        if item:
            for x in item:
                if x:
                    return x
        return item

    def load(self):
        return 1


def same(x):
    return x


def fresh():
    return 2
"""


def test_functions_pair_by_qualified_name_and_report_complexity_moves():
    fns = {
        f.qualified_name: f
        for f in review.compare_functions(_analyze(BEFORE), _analyze(AFTER), BEFORE.encode(), AFTER.encode())
    }
    assert set(fns) == {"Store.save", "gone", "fresh"}  # load and same moved but did not change
    save = fns["Store.save"]
    assert save.change == review_pb2.FUNCTION_CHANGE_KIND_MODIFIED
    assert save.before.cyclomatic == 1 and save.after.cyclomatic == 4
    assert save.after.cognitive > save.before.cognitive
    assert review.complexity_delta(save) == 1
    assert fns["gone"].change == review_pb2.FUNCTION_CHANGE_KIND_REMOVED
    assert fns["fresh"].change == review_pb2.FUNCTION_CHANGE_KIND_ADDED and not fns["fresh"].HasField("before")


def test_syntax_errors_new_and_fixed_ignore_moves():
    before = "def a(:\n    pass\n"
    after = "\n\ndef a(:\n    pass\n\ndef b(\n"
    pb = parse_source(prepare("m.py", "python", before.encode()))
    pa = parse_source(prepare("m.py", "python", after.encode()))
    from services.parse.servicer import result_pb as to_result

    new, fixed = review.compare_syntax(
        to_result(pb), to_result(pa), review.split_lines(before)[0], review.split_lines(after)[0]
    )
    assert [e.range.start.line for e in new] == [5] and fixed == []
    new, fixed = review.compare_syntax(
        to_result(pa), to_result(pb), review.split_lines(after)[0], review.split_lines(before)[0]
    )
    assert new == [] and [e.range.start.line for e in fixed] == [5]


def test_duplicates_introduced_by_normalised_content():
    block = "".join(f"    total = total + values[{i}] * {i}\n" for i in range(8))
    one = f"def f(values):\n    total = 0\n{block}    return total\n"
    two = one + f"\n\ndef g(values):\n    total = 0\n{block}    return total\n"
    assert not _analyze(one).duplicates
    dups = review.introduced_duplicates(_analyze(one), _analyze(two), [], review.split_lines(two)[0])
    assert len(dups) == len(_analyze(two).duplicates) > 0
    again = review.introduced_duplicates(
        _analyze(two), _analyze("\n" + two), review.split_lines(two)[0], review.split_lines("\n" + two)[0]
    )
    assert again == []  # the same duplicate, one line lower: not introduced


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/unit/helpers.py", True),
        ("pkg/test_store.py", True),
        ("pkg/store_test.py", True),
        ("cmd/server_test.go", True),
        ("src/main/java/StoreTest.java", True),
        ("src/test/java/org/Store.java", True),
        ("web/app.test.ts", True),
        ("web/app.spec.js", True),
        ("web/__tests__/app.js", True),
        ("pkg/store.py", False),
        ("pkg/testing_utils_x.py", False),
        ("web/contest.ts", False),
        ("src/main/java/Tester.java", False),
    ],
)
def test_test_file_detection(path, expected):
    assert review.is_test_path(path) is expected


def test_name_position_skips_decorators_and_counts_bytes():
    lines = ["@decorate(name='run')", "def rün_it(): pass", "x = 'é'; def_y = 1"]
    rng = review_pb2.ReviewFunction().range
    rng.start.line, rng.end.line = 0, 1
    assert review.name_position(lines, rng, "rün_it") == (1, 4)
    assert review.name_position(lines, rng, "missing") is None
