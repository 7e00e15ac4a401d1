"""Source spans as plain data (domain code never touches protobuf or gRPC)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open span; lines and columns zero-based, columns in UTF-8 bytes."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    start_byte: int
    end_byte: int


def span_of(node) -> Span:
    """Span of a tree_sitter.Node."""
    s, e = node.start_point, node.end_point
    return Span(s[0], s[1], e[0], e[1], node.start_byte, node.end_byte)
