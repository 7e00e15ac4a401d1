from codeintel.v1 import common_pb2 as _common_pb2
from codeintel.v1 import coordinator_pb2 as _coordinator_pb2
from codeintel.v1 import graph_pb2 as _graph_pb2
from codeintel.v1 import parse_pb2 as _parse_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodeQueryFiles(_message.Message):
    __slots__ = ("files",)
    FILES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ...) -> None: ...

class CodeQueryRequest(_message.Message):
    __slots__ = ("query", "pattern", "language", "files", "root", "include", "exclude", "page", "max_matches", "max_matches_per_file", "max_files", "request_options")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_MATCHES_FIELD_NUMBER: _ClassVar[int]
    MAX_MATCHES_PER_FILE_FIELD_NUMBER: _ClassVar[int]
    MAX_FILES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    query: str
    pattern: str
    language: str
    files: CodeQueryFiles
    root: str
    include: _containers.RepeatedScalarFieldContainer[str]
    exclude: _containers.RepeatedScalarFieldContainer[str]
    page: _graph_pb2.Page
    max_matches: int
    max_matches_per_file: int
    max_files: int
    request_options: _coordinator_pb2.RequestOptions
    def __init__(self, query: _Optional[str] = ..., pattern: _Optional[str] = ..., language: _Optional[str] = ..., files: _Optional[_Union[CodeQueryFiles, _Mapping]] = ..., root: _Optional[str] = ..., include: _Optional[_Iterable[str]] = ..., exclude: _Optional[_Iterable[str]] = ..., page: _Optional[_Union[_graph_pb2.Page, _Mapping]] = ..., max_matches: _Optional[int] = ..., max_matches_per_file: _Optional[int] = ..., max_files: _Optional[int] = ..., request_options: _Optional[_Union[_coordinator_pb2.RequestOptions, _Mapping]] = ...) -> None: ...

class CodeQuerySummary(_message.Message):
    __slots__ = ("files_searched", "files_with_matches", "matches", "matches_exact", "matches_listed", "files_reused", "files_other_language", "languages", "elapsed_seconds", "notes", "files_ruled_out")
    FILES_SEARCHED_FIELD_NUMBER: _ClassVar[int]
    FILES_WITH_MATCHES_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    MATCHES_EXACT_FIELD_NUMBER: _ClassVar[int]
    MATCHES_LISTED_FIELD_NUMBER: _ClassVar[int]
    FILES_REUSED_FIELD_NUMBER: _ClassVar[int]
    FILES_OTHER_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    FILES_RULED_OUT_FIELD_NUMBER: _ClassVar[int]
    files_searched: int
    files_with_matches: int
    matches: int
    matches_exact: bool
    matches_listed: int
    files_reused: int
    files_other_language: int
    languages: _containers.RepeatedScalarFieldContainer[str]
    elapsed_seconds: float
    notes: _containers.RepeatedScalarFieldContainer[str]
    files_ruled_out: int
    def __init__(self, files_searched: _Optional[int] = ..., files_with_matches: _Optional[int] = ..., matches: _Optional[int] = ..., matches_exact: _Optional[bool] = ..., matches_listed: _Optional[int] = ..., files_reused: _Optional[int] = ..., files_other_language: _Optional[int] = ..., languages: _Optional[_Iterable[str]] = ..., elapsed_seconds: _Optional[float] = ..., notes: _Optional[_Iterable[str]] = ..., files_ruled_out: _Optional[int] = ...) -> None: ...

class CodeQueryMatch(_message.Message):
    __slots__ = ("path", "language", "pattern_index", "captures")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PATTERN_INDEX_FIELD_NUMBER: _ClassVar[int]
    CAPTURES_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    pattern_index: int
    captures: _containers.RepeatedCompositeFieldContainer[_parse_pb2.QueryCapture]
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., pattern_index: _Optional[int] = ..., captures: _Optional[_Iterable[_Union[_parse_pb2.QueryCapture, _Mapping]]] = ...) -> None: ...

class CodeQueryCompleteness(_message.Message):
    __slots__ = ("files_skipped", "skipped", "files_with_errors", "files_truncated", "partial", "stopped", "truncated")
    FILES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FILES_WITH_ERRORS_FIELD_NUMBER: _ClassVar[int]
    FILES_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    files_skipped: _containers.RepeatedCompositeFieldContainer[_graph_pb2.GraphSkipCount]
    skipped: _containers.RepeatedCompositeFieldContainer[_coordinator_pb2.RepositorySkippedFile]
    files_with_errors: int
    files_truncated: int
    partial: bool
    stopped: _containers.RepeatedScalarFieldContainer[str]
    truncated: bool
    def __init__(self, files_skipped: _Optional[_Iterable[_Union[_graph_pb2.GraphSkipCount, _Mapping]]] = ..., skipped: _Optional[_Iterable[_Union[_coordinator_pb2.RepositorySkippedFile, _Mapping]]] = ..., files_with_errors: _Optional[int] = ..., files_truncated: _Optional[int] = ..., partial: _Optional[bool] = ..., stopped: _Optional[_Iterable[str]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class CodeQueryResponse(_message.Message):
    __slots__ = ("summary", "matches", "next_cursor", "completeness")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    summary: CodeQuerySummary
    matches: _containers.RepeatedCompositeFieldContainer[CodeQueryMatch]
    next_cursor: str
    completeness: CodeQueryCompleteness
    def __init__(self, summary: _Optional[_Union[CodeQuerySummary, _Mapping]] = ..., matches: _Optional[_Iterable[_Union[CodeQueryMatch, _Mapping]]] = ..., next_cursor: _Optional[str] = ..., completeness: _Optional[_Union[CodeQueryCompleteness, _Mapping]] = ...) -> None: ...
