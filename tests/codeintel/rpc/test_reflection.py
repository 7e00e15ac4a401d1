"""codeintel.rpc.reflection in a real in-process server, sync and asyncio, over both reflection protocols:
v1alpha through grpcio-reflection's generated stub, v1 through message classes made from the v1 descriptor
the module registers (grpcio-reflection 1.85 ships no v1 stubs). One bidirectional ServerReflectionInfo
stream per test carries all its requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FileDescriptor
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from codeintel.rpc import reflection
from codeintel.v1 import coordinator_pb2, parse_pb2, scan_pb2

SERVICES = ["codeintel.v1.CodeIntelService", "grpc.health.v1.Health"]
NOT_FOUND = grpc.StatusCode.NOT_FOUND.value[0]
POOL = descriptor_pool.Default()


def _v1(name: str) -> Any:
    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(f"{reflection.V1_PACKAGE}.{name}"))


@dataclass(frozen=True)
class Protocol:
    service: str
    request: Any  # the ServerReflectionRequest class
    response: Any  # the ServerReflectionResponse class

    def ask(self, address: str, requests: list[Any]) -> list[Any]:
        with grpc.insecure_channel(address) as channel:
            if self.service == reflection.V1ALPHA_SERVICE_NAME:
                call = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo
            else:
                call = channel.stream_stream(
                    f"/{self.service}/ServerReflectionInfo",
                    request_serializer=self.request.SerializeToString,
                    response_deserializer=self.response.FromString,
                )
            responses = list(call(iter(requests), timeout=10))
        assert len(responses) == len(requests)
        for request, response in zip(requests, responses, strict=True):
            assert isinstance(response, self.response) and response.original_request == request
        return responses


PROTOCOLS = {
    "v1": Protocol(reflection.V1_SERVICE_NAME, _v1("ServerReflectionRequest"), _v1("ServerReflectionResponse")),
    "v1alpha": Protocol(
        reflection.V1ALPHA_SERVICE_NAME, reflection_pb2.ServerReflectionRequest, reflection_pb2.ServerReflectionResponse
    ),
}


@pytest.fixture(params=sorted(PROTOCOLS))
def protocol(request) -> Protocol:
    return PROTOCOLS[request.param]


def _serve_sync() -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    reflection.enable(server, SERVICES)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None)


def _serve_aio() -> Iterator[str]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="aio-server", daemon=True)
    thread.start()

    async def start() -> tuple[grpc.aio.Server, int]:
        server = grpc.aio.server()
        reflection.enable(server, SERVICES)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        return server, port

    server, port = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture(params=["sync", "aio"])
def address(request) -> Iterator[str]:
    yield from (_serve_sync if request.param == "sync" else _serve_aio)()


def closure(file: FileDescriptor) -> set[str]:
    """The file and its transitive dependencies: what a file_descriptor_response must hold."""
    names = {file.name}
    for dependency in file.dependencies:
        names |= closure(dependency)
    return names


def files_of(response: Any) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    assert response.WhichOneof("message_response") == "file_descriptor_response", response
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(b)
        for b in response.file_descriptor_response.file_descriptor_proto
    ]
    return {f.name: f for f in files}


COORDINATOR = coordinator_pb2.DESCRIPTOR
PARSE = parse_pb2.DESCRIPTOR
SCAN = scan_pb2.DESCRIPTOR
DESCRIPTOR_PROTO = descriptor_pb2.DESCRIPTOR
# symbol -> the file that defines it. grpcurl asks for methods and enum values in the `Enum.VALUE` form.
SYMBOLS = {
    "codeintel.v1.CodeIntelService": COORDINATOR,  # top-level, as before
    "codeintel.v1.CodeIntelService.Parse": COORDINATOR,  # method
    "codeintel.v1.ParseOptions.include_ast": PARSE,  # field
    "codeintel.v1.ParseFileResult.outcome": PARSE,  # oneof
    "codeintel.v1.Severity.SEVERITY_HIGH": SCAN,  # enum value through its enum
    "codeintel.v1.SEVERITY_HIGH": SCAN,  # enum value in its proto scope (its real full name)
    "google.protobuf.DescriptorProto.ExtensionRange": DESCRIPTOR_PROTO,  # nested message (ours have none)
    "google.protobuf.FieldDescriptorProto.Type": DESCRIPTOR_PROTO,  # nested enum
    "google.protobuf.FieldDescriptorProto.Type.TYPE_INT32": DESCRIPTOR_PROTO,  # nested enum's value
    "google.protobuf.DescriptorProto.ExtensionRange.start": DESCRIPTOR_PROTO,  # nested message's field
    "grpc.reflection.v1.ServerReflection.ServerReflectionInfo": reflection.V1_DESCRIPTOR,
    "grpc.reflection.v1alpha.ServerReflection": reflection_pb2.DESCRIPTOR,
}
UNKNOWN = [
    "codeintel.v1.CodeIntelService.NoSuchMethod",
    "codeintel.v1.ParseOptions.no_such_field",
    "codeintel.v1.Severity.SEVERITY_NO_SUCH",
    "codeintel.v1.NoSuchMessage",
    "codeintel.v1.CodeIntelService.",
    "codeintel.v1",
    "no.such.Service.Method",
    "",
]


def test_list_services_names_both_reflection_protocols(address, protocol):
    (response,) = protocol.ask(address, [protocol.request(list_services="")])
    listed = [s.name for s in response.list_services_response.service]
    assert listed == sorted([*SERVICES, reflection.V1_SERVICE_NAME, reflection.V1ALPHA_SERVICE_NAME])


def test_every_kind_of_symbol_resolves_to_its_file_with_dependencies(address, protocol):
    requests = [protocol.request(file_containing_symbol=symbol) for symbol in SYMBOLS]
    responses = protocol.ask(address, requests)
    got = {symbol: files_of(response) for symbol, response in zip(SYMBOLS, responses, strict=True)}
    for symbol, file in SYMBOLS.items():
        assert set(got[symbol]) == closure(file), symbol
        assert file.name in got[symbol], symbol

    (service,) = [
        s for s in got["codeintel.v1.CodeIntelService.Parse"][COORDINATOR.name].service if s.name == "CodeIntelService"
    ]
    (parse,) = [m for m in service.method if m.name == "Parse"]
    assert parse.input_type == ".codeintel.v1.CodeIntelServiceParseRequest"
    assert "codeintel/v1/parse.proto" in got["codeintel.v1.CodeIntelService.Parse"]  # a dependency, sent along

    (options,) = [
        m for m in got["codeintel.v1.ParseOptions.include_ast"][PARSE.name].message_type if m.name == "ParseOptions"
    ]
    assert [f.type for f in options.field if f.name == "include_ast"] == [descriptor_pb2.FieldDescriptorProto.TYPE_BOOL]

    (severity,) = [e for e in got["codeintel.v1.Severity.SEVERITY_HIGH"][SCAN.name].enum_type if e.name == "Severity"]
    assert "SEVERITY_HIGH" in [v.name for v in severity.value]

    v1 = got["grpc.reflection.v1.ServerReflection.ServerReflectionInfo"][reflection.V1_FILE]
    assert v1.package == "grpc.reflection.v1" and [s.name for s in v1.service] == ["ServerReflection"]


def test_unknown_symbols_are_not_found(address, protocol):
    responses = protocol.ask(address, [protocol.request(file_containing_symbol=symbol) for symbol in UNKNOWN])
    for symbol, response in zip(UNKNOWN, responses, strict=True):
        assert response.WhichOneof("message_response") == "error_response", symbol
        assert response.error_response.error_code == NOT_FOUND, symbol


def test_the_other_requests_are_the_librarys(address, protocol):
    extension = protocol.request().file_containing_extension  # the version's ExtensionRequest
    extension.containing_type, extension.extension_number = "google.protobuf.FieldOptions", 54321
    requests = [
        protocol.request(file_by_filename="codeintel/v1/parse.proto"),
        protocol.request(file_by_filename="codeintel/v1/nothing.proto"),
        protocol.request(all_extension_numbers_of_type="google.protobuf.FieldOptions"),
        protocol.request(all_extension_numbers_of_type="codeintel.v1.NoSuchMessage"),
        protocol.request(file_containing_extension=extension),
        protocol.request(host="nothing asked"),
    ]
    by_file, no_file, numbers, no_type, no_extension, empty = protocol.ask(address, requests)
    assert set(files_of(by_file)) == closure(PARSE)
    assert numbers.all_extension_numbers_response.base_type_name == "google.protobuf.FieldOptions"
    for response in (no_file, no_type, no_extension):
        assert response.error_response.error_code == NOT_FOUND
    assert empty.error_response.error_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_v1_is_v1alpha_renamed_so_the_bytes_are_the_same():
    v1, v1alpha = descriptor_pb2.FileDescriptorProto(), descriptor_pb2.FileDescriptorProto()
    reflection.V1_DESCRIPTOR.CopyToProto(v1)
    reflection_pb2.DESCRIPTOR.CopyToProto(v1alpha)
    assert (v1.name, v1.package) == (reflection.V1_FILE, "grpc.reflection.v1")
    assert POOL.FindFileByName(reflection.V1_FILE) is reflection.V1_DESCRIPTOR
    for message in v1alpha.message_type:  # the same messages, fields and oneofs, under the v1 package
        for field in message.field:
            if field.HasField("type_name"):
                field.type_name = field.type_name.replace(".grpc.reflection.v1alpha.", ".grpc.reflection.v1.")
    assert list(v1.message_type) == list(v1alpha.message_type)
    (method,) = v1.service[0].method
    assert (method.client_streaming, method.server_streaming) == (True, True)
    assert method.input_type == ".grpc.reflection.v1.ServerReflectionRequest"
