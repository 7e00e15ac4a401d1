import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FileErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_ERROR_CODE_UNSPECIFIED: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_TOO_LARGE: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_BINARY: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_INVALID_ENCODING: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_UNKNOWN_LANGUAGE: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_DEADLINE_EXCEEDED: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_UNAVAILABLE: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_INTERNAL: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_INVALID_ARGUMENT: _ClassVar[FileErrorCode]
    FILE_ERROR_CODE_TOO_COMPLEX: _ClassVar[FileErrorCode]
FILE_ERROR_CODE_UNSPECIFIED: FileErrorCode
FILE_ERROR_CODE_TOO_LARGE: FileErrorCode
FILE_ERROR_CODE_BINARY: FileErrorCode
FILE_ERROR_CODE_INVALID_ENCODING: FileErrorCode
FILE_ERROR_CODE_UNKNOWN_LANGUAGE: FileErrorCode
FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE: FileErrorCode
FILE_ERROR_CODE_DEADLINE_EXCEEDED: FileErrorCode
FILE_ERROR_CODE_UNAVAILABLE: FileErrorCode
FILE_ERROR_CODE_INTERNAL: FileErrorCode
FILE_ERROR_CODE_INVALID_ARGUMENT: FileErrorCode
FILE_ERROR_CODE_TOO_COMPLEX: FileErrorCode

class Position(_message.Message):
    __slots__ = ("line", "column")
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    line: int
    column: int
    def __init__(self, line: _Optional[int] = ..., column: _Optional[int] = ...) -> None: ...

class Range(_message.Message):
    __slots__ = ("start", "end", "start_byte", "end_byte")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    START_BYTE_FIELD_NUMBER: _ClassVar[int]
    END_BYTE_FIELD_NUMBER: _ClassVar[int]
    start: Position
    end: Position
    start_byte: int
    end_byte: int
    def __init__(self, start: _Optional[_Union[Position, _Mapping]] = ..., end: _Optional[_Union[Position, _Mapping]] = ..., start_byte: _Optional[int] = ..., end_byte: _Optional[int] = ...) -> None: ...

class SourceFile(_message.Message):
    __slots__ = ("path", "language", "content")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    content: bytes
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class FileError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: FileErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[FileErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class ServiceInfo(_message.Message):
    __slots__ = ("service", "version", "languages", "max_file_bytes", "max_batch_files", "implementation", "max_file_work")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    MAX_FILE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FILES_FIELD_NUMBER: _ClassVar[int]
    IMPLEMENTATION_FIELD_NUMBER: _ClassVar[int]
    MAX_FILE_WORK_FIELD_NUMBER: _ClassVar[int]
    service: str
    version: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    max_file_bytes: int
    max_batch_files: int
    implementation: str
    max_file_work: _duration_pb2.Duration
    def __init__(self, service: _Optional[str] = ..., version: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., max_file_bytes: _Optional[int] = ..., max_batch_files: _Optional[int] = ..., implementation: _Optional[str] = ..., max_file_work: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetServiceInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServiceInfoResponse(_message.Message):
    __slots__ = ("services",)
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[ServiceInfo]
    def __init__(self, services: _Optional[_Iterable[_Union[ServiceInfo, _Mapping]]] = ...) -> None: ...
