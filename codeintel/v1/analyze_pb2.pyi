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
    __slots__ = ("name", "qualified_name", "range", "cyclomatic_complexity", "max_nesting_depth", "parameter_count", "length_lines", "code_lines", "cognitive_complexity", "halstead", "maintainability_index")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    CYCLOMATIC_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    MAX_NESTING_DEPTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_COUNT_FIELD_NUMBER: _ClassVar[int]
    LENGTH_LINES_FIELD_NUMBER: _ClassVar[int]
    CODE_LINES_FIELD_NUMBER: _ClassVar[int]
    COGNITIVE_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    HALSTEAD_FIELD_NUMBER: _ClassVar[int]
    MAINTAINABILITY_INDEX_FIELD_NUMBER: _ClassVar[int]
    name: str
    qualified_name: str
    range: _common_pb2.Range
    cyclomatic_complexity: int
    max_nesting_depth: int
    parameter_count: int
    length_lines: int
    code_lines: int
    cognitive_complexity: int
    halstead: Halstead
    maintainability_index: float
    def __init__(self, name: _Optional[str] = ..., qualified_name: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., cyclomatic_complexity: _Optional[int] = ..., max_nesting_depth: _Optional[int] = ..., parameter_count: _Optional[int] = ..., length_lines: _Optional[int] = ..., code_lines: _Optional[int] = ..., cognitive_complexity: _Optional[int] = ..., halstead: _Optional[_Union[Halstead, _Mapping]] = ..., maintainability_index: _Optional[float] = ...) -> None: ...

class Halstead(_message.Message):
    __slots__ = ("distinct_operators", "distinct_operands", "total_operators", "total_operands", "volume", "difficulty", "effort")
    DISTINCT_OPERATORS_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_OPERANDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OPERATORS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OPERANDS_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    EFFORT_FIELD_NUMBER: _ClassVar[int]
    distinct_operators: int
    distinct_operands: int
    total_operators: int
    total_operands: int
    volume: float
    difficulty: float
    effort: float
    def __init__(self, distinct_operators: _Optional[int] = ..., distinct_operands: _Optional[int] = ..., total_operators: _Optional[int] = ..., total_operands: _Optional[int] = ..., volume: _Optional[float] = ..., difficulty: _Optional[float] = ..., effort: _Optional[float] = ...) -> None: ...

class DuplicateBlock(_message.Message):
    __slots__ = ("occurrences", "line_count", "token_count")
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    occurrences: _containers.RepeatedCompositeFieldContainer[_common_pb2.Range]
    line_count: int
    token_count: int
    def __init__(self, occurrences: _Optional[_Iterable[_Union[_common_pb2.Range, _Mapping]]] = ..., line_count: _Optional[int] = ..., token_count: _Optional[int] = ...) -> None: ...

class AnalyzeResult(_message.Message):
    __slots__ = ("path", "language", "lines", "function_count", "class_count", "functions", "max_cyclomatic_complexity", "average_cyclomatic_complexity", "has_syntax_errors", "halstead", "maintainability_index", "max_cognitive_complexity", "duplicates")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLASS_COUNT_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_CYCLOMATIC_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_CYCLOMATIC_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    HAS_SYNTAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    HALSTEAD_FIELD_NUMBER: _ClassVar[int]
    MAINTAINABILITY_INDEX_FIELD_NUMBER: _ClassVar[int]
    MAX_COGNITIVE_COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    lines: LineCounts
    function_count: int
    class_count: int
    functions: _containers.RepeatedCompositeFieldContainer[FunctionMetrics]
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    has_syntax_errors: bool
    halstead: Halstead
    maintainability_index: float
    max_cognitive_complexity: int
    duplicates: _containers.RepeatedCompositeFieldContainer[DuplicateBlock]
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., lines: _Optional[_Union[LineCounts, _Mapping]] = ..., function_count: _Optional[int] = ..., class_count: _Optional[int] = ..., functions: _Optional[_Iterable[_Union[FunctionMetrics, _Mapping]]] = ..., max_cyclomatic_complexity: _Optional[int] = ..., average_cyclomatic_complexity: _Optional[float] = ..., has_syntax_errors: _Optional[bool] = ..., halstead: _Optional[_Union[Halstead, _Mapping]] = ..., maintainability_index: _Optional[float] = ..., max_cognitive_complexity: _Optional[int] = ..., duplicates: _Optional[_Iterable[_Union[DuplicateBlock, _Mapping]]] = ...) -> None: ...

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
