from codeintel.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AnalyzeOptions(_message.Message):
    __slots__ = ("file_only",)
    FILE_ONLY_FIELD_NUMBER: _ClassVar[int]
    file_only: bool
    def __init__(self, file_only: _Optional[bool] = ...) -> None: ...

class LineCounts(_message.Message):
    __slots__ = ("total", "code", "comment", "blank")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    BLANK_FIELD_NUMBER: _ClassVar[int]
    total: int
    code: int
    comment: int
    blank: int
    def __init__(self, total: _Optional[int] = ..., code: _Optional[int] = ..., comment: _Optional[int] = ..., blank: _Optional[int] = ...) -> None: ...

class FunctionMetrics(_message.Message):
    __slots__ = ("name", "qualified_name", "range", "cyclomatic_complexity", "max_nesting_depth", "parameter_count", "length_lines", "code_lines")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    CYCLOMATIC_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    MAX_NESTING_DEPTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_COUNT_FIELD_NUMBER: _ClassVar[int]
    LENGTH_LINES_FIELD_NUMBER: _ClassVar[int]
    CODE_LINES_FIELD_NUMBER: _ClassVar[int]
    name: str
    qualified_name: str
    range: _common_pb2.Range
    cyclomatic_complexity: int
    max_nesting_depth: int
    parameter_count: int
    length_lines: int
    code_lines: int
    def __init__(self, name: _Optional[str] = ..., qualified_name: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., cyclomatic_complexity: _Optional[int] = ..., max_nesting_depth: _Optional[int] = ..., parameter_count: _Optional[int] = ..., length_lines: _Optional[int] = ..., code_lines: _Optional[int] = ...) -> None: ...

class AnalyzeResult(_message.Message):
    __slots__ = ("path", "language", "lines", "function_count", "class_count", "functions", "max_cyclomatic_complexity", "average_cyclomatic_complexity", "has_syntax_errors")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLASS_COUNT_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_CYCLOMATIC_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_CYCLOMATIC_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    HAS_SYNTAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    lines: LineCounts
    function_count: int
    class_count: int
    functions: _containers.RepeatedCompositeFieldContainer[FunctionMetrics]
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    has_syntax_errors: bool
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., lines: _Optional[_Union[LineCounts, _Mapping]] = ..., function_count: _Optional[int] = ..., class_count: _Optional[int] = ..., functions: _Optional[_Iterable[_Union[FunctionMetrics, _Mapping]]] = ..., max_cyclomatic_complexity: _Optional[int] = ..., average_cyclomatic_complexity: _Optional[float] = ..., has_syntax_errors: _Optional[bool] = ...) -> None: ...

class AnalyzeRequest(_message.Message):
    __slots__ = ("file", "options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: _common_pb2.SourceFile
    options: AnalyzeOptions
    def __init__(self, file: _Optional[_Union[_common_pb2.SourceFile, _Mapping]] = ..., options: _Optional[_Union[AnalyzeOptions, _Mapping]] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("result", "service_version")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    result: AnalyzeResult
    service_version: str
    def __init__(self, result: _Optional[_Union[AnalyzeResult, _Mapping]] = ..., service_version: _Optional[str] = ...) -> None: ...

class AnalyzeBatchRequest(_message.Message):
    __slots__ = ("files", "options")
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    options: AnalyzeOptions
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ..., options: _Optional[_Union[AnalyzeOptions, _Mapping]] = ...) -> None: ...

class AnalyzeFileResult(_message.Message):
    __slots__ = ("result", "error")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    result: AnalyzeResult
    error: _common_pb2.FileError
    def __init__(self, result: _Optional[_Union[AnalyzeResult, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.FileError, _Mapping]] = ...) -> None: ...

class AnalyzeBatchResponse(_message.Message):
    __slots__ = ("results", "service_version")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AnalyzeFileResult]
    service_version: str
    def __init__(self, results: _Optional[_Iterable[_Union[AnalyzeFileResult, _Mapping]]] = ..., service_version: _Optional[str] = ...) -> None: ...
