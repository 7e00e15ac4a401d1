"""Wire-compatible views of the messages whose results the coordinator only forwards.

A worker's response carries each result (ParseResult, AnalyzeResult, ScanResult) as a
length-delimited field; the coordinator caches those bytes and hands them on inside its own
response. Reading a result into Python objects and writing it out again (out of the worker's
response, then into the caller's) cost more coordinator CPU than routing the call. A view is the
contract's message with the same field numbers, where the fields named in `raw` are `bytes`
instead of messages: protobuf reads and writes it in C, the nested message is never parsed, and
the bytes on the wire are the ones the contract's own types read and write
(tests/coordinator/test_wire.py checks both directions).

Views are derived from the contract's descriptors, so a field added to a response is carried
without a change here.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from codeintel.v1 import analyze_pb2, coordinator_pb2, parse_pb2, scan_pb2

_PACKAGE = "codeintel.coordinator.wire"
_RAW = frozenset({"result", "error", "info"})  # message fields carried as bytes

_pool = descriptor_pool.DescriptorPool()
_file = descriptor_pb2.FileDescriptorProto(name="codeintel/coordinator/wire_views.proto", package=_PACKAGE)
_views: dict[str, str] = {}  # contract message full name -> view name


def _declare(desc) -> str:
    """Add the view of `desc` (and of the repeated message fields it holds) to the file; its name."""
    known = _views.get(desc.full_name)
    if known is not None:
        return known
    name = desc.full_name.replace(".", "_")
    _views[desc.full_name] = name
    proto = descriptor_pb2.DescriptorProto()
    desc.CopyToProto(proto)
    proto.name = name
    for field, fdesc in zip(proto.field, desc.fields, strict=True):
        if fdesc.message_type is None:
            if fdesc.enum_type is not None:  # the same varint on the wire
                field.type = descriptor_pb2.FieldDescriptorProto.TYPE_INT32
                field.ClearField("type_name")
            continue
        if field.name in _RAW or field.label != field.LABEL_REPEATED:
            field.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
            field.ClearField("type_name")
        else:  # repeated per-file results: a view of their own
            field.type_name = f".{_PACKAGE}.{_declare(fdesc.message_type)}"
    _file.message_type.append(proto)
    return name


_CONTRACT: dict[str, tuple[Any, ...]] = {
    "parse": (
        parse_pb2.ParseResponse,
        parse_pb2.ParseBatchResponse,
        coordinator_pb2.CodeIntelServiceParseResponse,
        coordinator_pb2.CodeIntelServiceParseBatchResponse,
    ),
    "analyze": (
        analyze_pb2.AnalyzeResponse,
        analyze_pb2.AnalyzeBatchResponse,
        coordinator_pb2.CodeIntelServiceAnalyzeResponse,
        coordinator_pb2.CodeIntelServiceAnalyzeBatchResponse,
    ),
    "scan": (
        scan_pb2.ScanResponse,
        scan_pb2.ScanBatchResponse,
        coordinator_pb2.CodeIntelServiceScanResponse,
        coordinator_pb2.CodeIntelServiceScanBatchResponse,
    ),
}
for _classes in _CONTRACT.values():
    for _cls in _classes:
        _declare(_cls.DESCRIPTOR)
_pool.Add(_file)


def view_of(contract_cls) -> Any:
    """The view class of a contract message class."""
    name = _views[contract_cls.DESCRIPTOR.full_name]
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))


class Views:
    """The four views of one operation: the worker's unary and batch responses (read), the
    coordinator's unary and batch responses (written)."""

    def __init__(self, worker_unary, worker_batch, unary, batch):
        self.worker_unary: Any = view_of(worker_unary)
        self.worker_batch: Any = view_of(worker_batch)
        self.unary: Any = view_of(unary)
        self.batch: Any = view_of(batch)
        self.file_result: Any = message_factory.GetMessageClass(
            self.batch.DESCRIPTOR.fields_by_name["results"].message_type
        )


BY_OPERATION = {op: Views(*classes) for op, classes in _CONTRACT.items()}
