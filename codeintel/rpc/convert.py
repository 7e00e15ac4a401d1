"""Plain-data spans to protobuf; shared by the servicers."""

from __future__ import annotations

from codeintel.kernel.span import Span
from codeintel.v1 import common_pb2


def range_pb(span: Span) -> common_pb2.Range:
    return common_pb2.Range(
        start=common_pb2.Position(line=span.start_line, column=span.start_col),
        end=common_pb2.Position(line=span.end_line, column=span.end_col),
        start_byte=span.start_byte,
        end_byte=span.end_byte,
    )
