"""Server reflection for our gRPC servers: both protocol versions, and every symbol grpcurl may ask about.

grpcio-reflection 1.85 (`grpc_reflection.v1alpha.reflection`) falls short in two ways, which this module fixes:

* `file_containing_symbol` is answered by `DescriptorPool.FindFileContainingSymbol` alone, and the pool knows
  messages, enums, services, fields, oneofs, nested types and enum values in their proto scope
  (`codeintel.v1.SEVERITY_HIGH`), but not a service method (`codeintel.v1.CodeIntelService.Parse`) nor an enum
  value named through its enum (`codeintel.v1.Severity.SEVERITY_HIGH`, the name grpcurl asks for). So
  `grpcurl describe` of either said "Symbol not found". `find_file_containing_symbol` resolves those members
  through their service, enum or message.
* it serves only `grpc.reflection.v1alpha.ServerReflection` and ships no v1 proto, while newer clients try
  `grpc.reflection.v1.ServerReflection` first. v1 is v1alpha renamed (same messages, same field numbers, so the
  same bytes on the wire): the v1 service runs the very same servicer with the v1alpha message classes, and
  the v1 file (`grpc/reflection/v1/reflection.proto`, built here from the v1alpha one) is added to the default
  descriptor pool so reflection can describe itself under both names.

Everything else (list_services, file_by_filename, extensions, errors) is the library's own code.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha._base import BaseReflectionServicer

V1ALPHA_SERVICE_NAME: str = reflection.SERVICE_NAME
V1_PACKAGE = "grpc.reflection.v1"
V1_FILE = "grpc/reflection/v1/reflection.proto"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
SERVICE_NAMES = (V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME)

# A member the pool does not resolve by itself: (pool finder of its scope, the scope's tables of members).
_SCOPES = (
    ("FindServiceByName", ("methods_by_name",)),
    ("FindEnumTypeByName", ("values_by_name",)),
    (
        "FindMessageTypeByName",
        (
            "fields_by_name",
            "oneofs_by_name",
            "nested_types_by_name",
            "enum_types_by_name",
            "enum_values_by_name",
            "extensions_by_name",
        ),
    ),
)


def find_file_containing_symbol(pool: descriptor_pool.DescriptorPool, name: str) -> FileDescriptor:
    """The file defining the fully-qualified `name`: whatever the pool resolves, plus service methods
    (`pkg.Service.Method`), enum values named through their enum (`pkg.Enum.VALUE`) and any message member.
    KeyError if there is no such symbol."""
    try:
        return pool.FindFileContainingSymbol(name)
    except KeyError:
        pass
    scope, _, member = name.rpartition(".")
    if scope and member:
        for finder, tables in _SCOPES:
            try:
                container = getattr(pool, finder)(scope)
            except KeyError:
                continue
            if any(member in getattr(container, table) for table in tables):
                file: FileDescriptor = container.file
                return file
    raise KeyError(name)


def _v1_file(pool: descriptor_pool.DescriptorPool) -> FileDescriptor:
    """grpc/reflection/v1/reflection.proto in `pool`: the v1alpha file under the v1 names and options."""
    try:
        return pool.FindFileByName(V1_FILE)
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    old, new = f".{proto.package}.", f".{V1_PACKAGE}."
    proto.name, proto.package = V1_FILE, V1_PACKAGE
    for message in proto.message_type:  # the reflection messages are all top-level
        for field in message.field:
            if field.type_name.startswith(old):
                field.type_name = new + field.type_name[len(old) :]
    for service in proto.service:
        for method in service.method:
            method.input_type = new + method.input_type[len(old) :]
            method.output_type = new + method.output_type[len(old) :]
    proto.options.Clear()  # v1alpha's are its Go/Java names and `deprecated`
    proto.options.go_package = "google.golang.org/grpc/reflection/grpc_reflection_v1"
    proto.options.java_package = "io.grpc.reflection.v1"
    proto.options.java_outer_classname = "ServerReflectionProto"
    proto.options.java_multiple_files = True
    return pool.AddSerializedFile(proto.SerializeToString())


V1_DESCRIPTOR = _v1_file(descriptor_pool.Default())


class _SymbolLookup(BaseReflectionServicer):
    """file_containing_symbol through find_file_containing_symbol; the answer is built as the library does."""

    def _file_containing_symbol(self, request, fully_qualified_name):
        try:
            file = find_file_containing_symbol(self._pool, fully_qualified_name)
        except KeyError:
            return super()._file_containing_symbol(request, fully_qualified_name)  # the library's NOT_FOUND
        return self._file_by_filename(request, file.name)  # the file and its transitive dependencies


class _Servicer(_SymbolLookup, reflection.ReflectionServicer):
    pass


class _AsyncServicer(_SymbolLookup, reflection.aio.ReflectionServicer):
    pass


def enable(server: grpc.Server | grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Serve reflection v1 and v1alpha on `server` (sync or asyncio; before it starts), over the default
    descriptor pool. `service_names` are what list_services answers; both reflection services are added."""
    names = dict.fromkeys([*service_names, *SERVICE_NAMES])
    servicer_class = _AsyncServicer if isinstance(server, grpc.aio.Server) else _Servicer
    servicer = servicer_class(names)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    handlers = {
        "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
        )
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(V1_SERVICE_NAME, handlers),))
    server.add_registered_method_handlers(V1_SERVICE_NAME, handlers)
