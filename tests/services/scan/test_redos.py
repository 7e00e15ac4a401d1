"""The ReDoS analyser (redos.py): patterns that backtrack exponentially are reported, linear ones
(possessive, atomic, bounded, unparseable) are not."""

from __future__ import annotations

import pytest

from services.scan.redos import redos_prone


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"^(\w+\s?)*$",
        r"(.*)*x",
        r"(\d|\w)*",
        r"([a-z0-9]+)*@",
        r"^(\w+\d)+$",
        r"(.|\s)+$",
    ],
)
def test_redos_prone_patterns_are_reported(pattern):
    assert redos_prone(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[a-z]+$",
        r"^(a|b)*$",
        r"\d{1,3}(\.\d{1,3}){3}",
        r"(?>a+)+",
        r"^\w+@\w+\.com$",
        r"(a++)+",
        "(" * 100 + "a" + ")" * 100,
        "[",
    ],
)
def test_linear_patterns_are_not_reported(pattern):
    assert not redos_prone(pattern)
