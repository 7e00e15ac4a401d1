"""Halstead measures and the maintainability index.

Tokens are the leaves of the syntax tree. Operators are the anonymous tokens:
keywords, punctuation and operator symbols (`def`, `(`, `:`, `+=`, `if`, ...),
told apart by token kind. Operands are the named leaves, identifiers and literals
(`x`, `42`, `True`, `self`, a type name), told apart by their text; a string
literal (string-like node, see services.analyze.languages `literals`) is one
operand however many parts the grammar gives it. Comments and docstrings are no
tokens.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

__all__ = ["Halstead", "halstead", "halstead_of", "maintainability_index"]


@dataclass(frozen=True, slots=True)
class Halstead:
    distinct_operators: int  # n1
    distinct_operands: int  # n2
    total_operators: int  # N1
    total_operands: int  # N2
    volume: float  # (N1 + N2) * log2(n1 + n2)
    difficulty: float  # (n1 / 2) * (N2 / n2)
    effort: float  # difficulty * volume


EMPTY = Halstead(0, 0, 0, 0, 0.0, 0.0, 0.0)


def halstead(operators: Counter, operands: Counter) -> Halstead:
    """Halstead measures from operator and operand counts (0 where undefined)."""
    return halstead_of(len(operators), len(operands), sum(operators.values()), sum(operands.values()))


def halstead_of(n1: int, n2: int, big_n1: int, big_n2: int) -> Halstead:
    """Halstead measures from distinct (n1, n2) and total (N1, N2) operator and operand counts."""
    vocabulary = n1 + n2
    if vocabulary == 0:
        return EMPTY
    volume = (big_n1 + big_n2) * math.log2(vocabulary) if vocabulary > 1 else 0.0
    difficulty = (n1 / 2) * (big_n2 / n2) if n2 else 0.0
    return Halstead(n1, n2, big_n1, big_n2, volume, difficulty, difficulty * volume)


def maintainability_index(volume: float, complexity: int, code_lines: int) -> float:
    """Visual Studio's 0..100 rescaling of the classic (Oman/Coleman) index.

    max(0, (171 - 5.2 ln V - 0.23 CC - 16.2 ln LOC) * 100 / 171), LOC = code lines
    (neither blank nor comment-only). A zero volume or line count contributes
    ln 1 = 0 rather than an undefined logarithm.
    """
    raw = 171 - 5.2 * math.log(max(volume, 1.0)) - 0.23 * complexity - 16.2 * math.log(max(code_lines, 1))
    return max(0.0, raw * 100 / 171)
