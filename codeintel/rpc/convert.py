"""Plain-data spans to protobuf; shared by the servicers."""

from __future__ import annotations

from typing import Any

from codeintel.kernel.span import Span


def range_pb(span: Span) -> dict[str, Any]:
    """A common.v1 Range as the value of a message field in a constructor (`range=range_pb(s)`, or
    an element of a repeated Range). A dict, not a Range: protobuf then builds the nested messages
    in place, half the cost of building a Range and two Positions and copying them in (a result
    holds one or two ranges per symbol, finding and AST node)."""
    return {
        "start": {"line": span.start_line, "column": span.start_col},
        "end": {"line": span.end_line, "column": span.end_col},
        "start_byte": span.start_byte,
        "end_byte": span.end_byte,
    }
