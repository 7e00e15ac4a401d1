from codeintel.v1 import common_pb2 as _common_pb2
from codeintel.v1 import coordinator_pb2 as _coordinator_pb2
from codeintel.v1 import parse_pb2 as _parse_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SymbolMatch(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYMBOL_MATCH_UNSPECIFIED: _ClassVar[SymbolMatch]
    SYMBOL_MATCH_EXACT: _ClassVar[SymbolMatch]
    SYMBOL_MATCH_PREFIX: _ClassVar[SymbolMatch]
    SYMBOL_MATCH_FUZZY: _ClassVar[SymbolMatch]

class Resolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOLUTION_UNSPECIFIED: _ClassVar[Resolution]
    RESOLUTION_RESOLVED: _ClassVar[Resolution]
    RESOLUTION_AMBIGUOUS: _ClassVar[Resolution]
    RESOLUTION_NAME_ONLY: _ClassVar[Resolution]

class CallDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALL_DIRECTION_UNSPECIFIED: _ClassVar[CallDirection]
    CALL_DIRECTION_CALLERS: _ClassVar[CallDirection]
    CALL_DIRECTION_CALLEES: _ClassVar[CallDirection]

class ImportDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMPORT_DIRECTION_UNSPECIFIED: _ClassVar[ImportDirection]
    IMPORT_DIRECTION_IMPORTS: _ClassVar[ImportDirection]
    IMPORT_DIRECTION_IMPORTED_BY: _ClassVar[ImportDirection]
SYMBOL_MATCH_UNSPECIFIED: SymbolMatch
SYMBOL_MATCH_EXACT: SymbolMatch
SYMBOL_MATCH_PREFIX: SymbolMatch
SYMBOL_MATCH_FUZZY: SymbolMatch
RESOLUTION_UNSPECIFIED: Resolution
RESOLUTION_RESOLVED: Resolution
RESOLUTION_AMBIGUOUS: Resolution
RESOLUTION_NAME_ONLY: Resolution
CALL_DIRECTION_UNSPECIFIED: CallDirection
CALL_DIRECTION_CALLERS: CallDirection
CALL_DIRECTION_CALLEES: CallDirection
IMPORT_DIRECTION_UNSPECIFIED: ImportDirection
IMPORT_DIRECTION_IMPORTS: ImportDirection
IMPORT_DIRECTION_IMPORTED_BY: ImportDirection

class IndexRepositoryRequest(_message.Message):
    __slots__ = ("root", "include", "exclude", "paths", "max_files", "request_options", "rebuild")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    MAX_FILES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REBUILD_FIELD_NUMBER: _ClassVar[int]
    root: str
    include: _containers.RepeatedScalarFieldContainer[str]
    exclude: _containers.RepeatedScalarFieldContainer[str]
    paths: _containers.RepeatedScalarFieldContainer[str]
    max_files: int
    request_options: _coordinator_pb2.RequestOptions
    rebuild: bool
    def __init__(self, root: _Optional[str] = ..., include: _Optional[_Iterable[str]] = ..., exclude: _Optional[_Iterable[str]] = ..., paths: _Optional[_Iterable[str]] = ..., max_files: _Optional[int] = ..., request_options: _Optional[_Union[_coordinator_pb2.RequestOptions, _Mapping]] = ..., rebuild: _Optional[bool] = ...) -> None: ...

class IndexSummary(_message.Message):
    __slots__ = ("run", "files_written", "files_unchanged", "files_removed", "totals", "store")
    RUN_FIELD_NUMBER: _ClassVar[int]
    FILES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    FILES_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    FILES_REMOVED_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    run: _coordinator_pb2.RepositorySummary
    files_written: int
    files_unchanged: int
    files_removed: int
    totals: GraphCounts
    store: str
    def __init__(self, run: _Optional[_Union[_coordinator_pb2.RepositorySummary, _Mapping]] = ..., files_written: _Optional[int] = ..., files_unchanged: _Optional[int] = ..., files_removed: _Optional[int] = ..., totals: _Optional[_Union[GraphCounts, _Mapping]] = ..., store: _Optional[str] = ...) -> None: ...

class IndexRepositoryResponse(_message.Message):
    __slots__ = ("progress", "skipped", "summary")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: _coordinator_pb2.RepositoryProgress
    skipped: _coordinator_pb2.RepositorySkipped
    summary: IndexSummary
    def __init__(self, progress: _Optional[_Union[_coordinator_pb2.RepositoryProgress, _Mapping]] = ..., skipped: _Optional[_Union[_coordinator_pb2.RepositorySkipped, _Mapping]] = ..., summary: _Optional[_Union[IndexSummary, _Mapping]] = ...) -> None: ...

class GraphCounts(_message.Message):
    __slots__ = ("files", "definitions", "references", "imports")
    FILES_FIELD_NUMBER: _ClassVar[int]
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    IMPORTS_FIELD_NUMBER: _ClassVar[int]
    files: int
    definitions: int
    references: int
    imports: int
    def __init__(self, files: _Optional[int] = ..., definitions: _Optional[int] = ..., references: _Optional[int] = ..., imports: _Optional[int] = ...) -> None: ...

class GraphSkipCount(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: _coordinator_pb2.RepositorySkipReason
    count: int
    def __init__(self, reason: _Optional[_Union[_coordinator_pb2.RepositorySkipReason, str]] = ..., count: _Optional[int] = ...) -> None: ...

class GraphCompleteness(_message.Message):
    __slots__ = ("files_indexed", "files_skipped", "index_partial", "index_stopped", "files_with_errors", "files_truncated", "languages_without_facts", "indexed_at_unix", "truncated")
    FILES_INDEXED_FIELD_NUMBER: _ClassVar[int]
    FILES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    INDEX_PARTIAL_FIELD_NUMBER: _ClassVar[int]
    INDEX_STOPPED_FIELD_NUMBER: _ClassVar[int]
    FILES_WITH_ERRORS_FIELD_NUMBER: _ClassVar[int]
    FILES_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_WITHOUT_FACTS_FIELD_NUMBER: _ClassVar[int]
    INDEXED_AT_UNIX_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    files_indexed: int
    files_skipped: _containers.RepeatedCompositeFieldContainer[GraphSkipCount]
    index_partial: bool
    index_stopped: str
    files_with_errors: int
    files_truncated: int
    languages_without_facts: _containers.RepeatedScalarFieldContainer[str]
    indexed_at_unix: int
    truncated: bool
    def __init__(self, files_indexed: _Optional[int] = ..., files_skipped: _Optional[_Iterable[_Union[GraphSkipCount, _Mapping]]] = ..., index_partial: _Optional[bool] = ..., index_stopped: _Optional[str] = ..., files_with_errors: _Optional[int] = ..., files_truncated: _Optional[int] = ..., languages_without_facts: _Optional[_Iterable[str]] = ..., indexed_at_unix: _Optional[int] = ..., truncated: _Optional[bool] = ...) -> None: ...

class SymbolRef(_message.Message):
    __slots__ = ("name", "qualified_name", "kind", "path", "language", "range", "selection_range")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    SELECTION_RANGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    qualified_name: str
    kind: _parse_pb2.SymbolKind
    path: str
    language: str
    range: _common_pb2.Range
    selection_range: _common_pb2.Range
    def __init__(self, name: _Optional[str] = ..., qualified_name: _Optional[str] = ..., kind: _Optional[_Union[_parse_pb2.SymbolKind, str]] = ..., path: _Optional[str] = ..., language: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., selection_range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ...) -> None: ...

class Page(_message.Message):
    __slots__ = ("page_size", "cursor", "max_bytes")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    cursor: str
    max_bytes: int
    def __init__(self, page_size: _Optional[int] = ..., cursor: _Optional[str] = ..., max_bytes: _Optional[int] = ...) -> None: ...

class SearchSymbolsRequest(_message.Message):
    __slots__ = ("root", "query", "match", "kinds", "languages", "path_prefix", "page")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    PATH_PREFIX_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root: str
    query: str
    match: SymbolMatch
    kinds: _containers.RepeatedScalarFieldContainer[_parse_pb2.SymbolKind]
    languages: _containers.RepeatedScalarFieldContainer[str]
    path_prefix: str
    page: Page
    def __init__(self, root: _Optional[str] = ..., query: _Optional[str] = ..., match: _Optional[_Union[SymbolMatch, str]] = ..., kinds: _Optional[_Iterable[_Union[_parse_pb2.SymbolKind, str]]] = ..., languages: _Optional[_Iterable[str]] = ..., path_prefix: _Optional[str] = ..., page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class SearchSymbolsResponse(_message.Message):
    __slots__ = ("symbols", "total", "next_cursor", "completeness")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedCompositeFieldContainer[SymbolRef]
    total: int
    next_cursor: str
    completeness: GraphCompleteness
    def __init__(self, symbols: _Optional[_Iterable[_Union[SymbolRef, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ..., completeness: _Optional[_Union[GraphCompleteness, _Mapping]] = ...) -> None: ...

class SymbolTarget(_message.Message):
    __slots__ = ("name", "position")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: FilePosition
    def __init__(self, name: _Optional[str] = ..., position: _Optional[_Union[FilePosition, _Mapping]] = ...) -> None: ...

class FilePosition(_message.Message):
    __slots__ = ("path", "position")
    PATH_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    path: str
    position: _common_pb2.Position
    def __init__(self, path: _Optional[str] = ..., position: _Optional[_Union[_common_pb2.Position, _Mapping]] = ...) -> None: ...

class GetDefinitionRequest(_message.Message):
    __slots__ = ("root", "target", "page")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root: str
    target: SymbolTarget
    page: Page
    def __init__(self, root: _Optional[str] = ..., target: _Optional[_Union[SymbolTarget, _Mapping]] = ..., page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class GetDefinitionResponse(_message.Message):
    __slots__ = ("definitions", "resolution", "name", "external", "next_cursor", "completeness")
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    definitions: _containers.RepeatedCompositeFieldContainer[SymbolRef]
    resolution: Resolution
    name: str
    external: str
    next_cursor: str
    completeness: GraphCompleteness
    def __init__(self, definitions: _Optional[_Iterable[_Union[SymbolRef, _Mapping]]] = ..., resolution: _Optional[_Union[Resolution, str]] = ..., name: _Optional[str] = ..., external: _Optional[str] = ..., next_cursor: _Optional[str] = ..., completeness: _Optional[_Union[GraphCompleteness, _Mapping]] = ...) -> None: ...

class FindReferencesRequest(_message.Message):
    __slots__ = ("root", "target", "include_name_only", "page")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_NAME_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root: str
    target: SymbolTarget
    include_name_only: bool
    page: Page
    def __init__(self, root: _Optional[str] = ..., target: _Optional[_Union[SymbolTarget, _Mapping]] = ..., include_name_only: _Optional[bool] = ..., page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class Reference(_message.Message):
    __slots__ = ("path", "range", "kind", "enclosing", "line_text", "resolution")
    PATH_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENCLOSING_FIELD_NUMBER: _ClassVar[int]
    LINE_TEXT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    path: str
    range: _common_pb2.Range
    kind: _parse_pb2.ReferenceKind
    enclosing: SymbolRef
    line_text: str
    resolution: Resolution
    def __init__(self, path: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., kind: _Optional[_Union[_parse_pb2.ReferenceKind, str]] = ..., enclosing: _Optional[_Union[SymbolRef, _Mapping]] = ..., line_text: _Optional[str] = ..., resolution: _Optional[_Union[Resolution, str]] = ...) -> None: ...

class FindReferencesResponse(_message.Message):
    __slots__ = ("symbol", "references", "total", "name_only_omitted", "next_cursor", "completeness")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NAME_ONLY_OMITTED_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    symbol: SymbolRef
    references: _containers.RepeatedCompositeFieldContainer[Reference]
    total: int
    name_only_omitted: int
    next_cursor: str
    completeness: GraphCompleteness
    def __init__(self, symbol: _Optional[_Union[SymbolRef, _Mapping]] = ..., references: _Optional[_Iterable[_Union[Reference, _Mapping]]] = ..., total: _Optional[int] = ..., name_only_omitted: _Optional[int] = ..., next_cursor: _Optional[str] = ..., completeness: _Optional[_Union[GraphCompleteness, _Mapping]] = ...) -> None: ...

class CallHierarchyRequest(_message.Message):
    __slots__ = ("root", "target", "direction", "depth", "max_edges", "include_name_only", "page")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_EDGES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_NAME_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root: str
    target: SymbolTarget
    direction: CallDirection
    depth: int
    max_edges: int
    include_name_only: bool
    page: Page
    def __init__(self, root: _Optional[str] = ..., target: _Optional[_Union[SymbolTarget, _Mapping]] = ..., direction: _Optional[_Union[CallDirection, str]] = ..., depth: _Optional[int] = ..., max_edges: _Optional[int] = ..., include_name_only: _Optional[bool] = ..., page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class CallEdge(_message.Message):
    __slots__ = ("caller", "callee", "depth", "call_sites", "resolution")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    CALLEE_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    CALL_SITES_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    caller: SymbolRef
    callee: SymbolRef
    depth: int
    call_sites: _containers.RepeatedCompositeFieldContainer[_common_pb2.Range]
    resolution: Resolution
    def __init__(self, caller: _Optional[_Union[SymbolRef, _Mapping]] = ..., callee: _Optional[_Union[SymbolRef, _Mapping]] = ..., depth: _Optional[int] = ..., call_sites: _Optional[_Iterable[_Union[_common_pb2.Range, _Mapping]]] = ..., resolution: _Optional[_Union[Resolution, str]] = ...) -> None: ...

class CallHierarchyResponse(_message.Message):
    __slots__ = ("symbol", "edges", "truncated", "completeness", "total", "next_cursor")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    symbol: SymbolRef
    edges: _containers.RepeatedCompositeFieldContainer[CallEdge]
    truncated: bool
    completeness: GraphCompleteness
    total: int
    next_cursor: str
    def __init__(self, symbol: _Optional[_Union[SymbolRef, _Mapping]] = ..., edges: _Optional[_Iterable[_Union[CallEdge, _Mapping]]] = ..., truncated: _Optional[bool] = ..., completeness: _Optional[_Union[GraphCompleteness, _Mapping]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ImportGraphRequest(_message.Message):
    __slots__ = ("root", "path", "direction", "depth", "max_edges", "page")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_EDGES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root: str
    path: str
    direction: ImportDirection
    depth: int
    max_edges: int
    page: Page
    def __init__(self, root: _Optional[str] = ..., path: _Optional[str] = ..., direction: _Optional[_Union[ImportDirection, str]] = ..., depth: _Optional[int] = ..., max_edges: _Optional[int] = ..., page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class ImportEdge(_message.Message):
    __slots__ = ("from_path", "to_path", "module", "external")
    FROM_PATH_FIELD_NUMBER: _ClassVar[int]
    TO_PATH_FIELD_NUMBER: _ClassVar[int]
    MODULE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    from_path: str
    to_path: str
    module: str
    external: bool
    def __init__(self, from_path: _Optional[str] = ..., to_path: _Optional[str] = ..., module: _Optional[str] = ..., external: _Optional[bool] = ...) -> None: ...

class ImportCycle(_message.Message):
    __slots__ = ("paths",)
    PATHS_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, paths: _Optional[_Iterable[str]] = ...) -> None: ...

class ImportGraphResponse(_message.Message):
    __slots__ = ("edges", "cycles", "external_modules", "truncated", "completeness", "total", "next_cursor")
    EDGES_FIELD_NUMBER: _ClassVar[int]
    CYCLES_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_MODULES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    edges: _containers.RepeatedCompositeFieldContainer[ImportEdge]
    cycles: _containers.RepeatedCompositeFieldContainer[ImportCycle]
    external_modules: _containers.RepeatedCompositeFieldContainer[ExternalModule]
    truncated: bool
    completeness: GraphCompleteness
    total: int
    next_cursor: str
    def __init__(self, edges: _Optional[_Iterable[_Union[ImportEdge, _Mapping]]] = ..., cycles: _Optional[_Iterable[_Union[ImportCycle, _Mapping]]] = ..., external_modules: _Optional[_Iterable[_Union[ExternalModule, _Mapping]]] = ..., truncated: _Optional[bool] = ..., completeness: _Optional[_Union[GraphCompleteness, _Mapping]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ExternalModule(_message.Message):
    __slots__ = ("module", "count")
    MODULE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    module: str
    count: int
    def __init__(self, module: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class OutlineRequest(_message.Message):
    __slots__ = ("root", "path", "depth", "page")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root: str
    path: str
    depth: int
    page: Page
    def __init__(self, root: _Optional[str] = ..., path: _Optional[str] = ..., depth: _Optional[int] = ..., page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class OutlineFile(_message.Message):
    __slots__ = ("path", "language", "symbols", "symbols_omitted")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_OMITTED_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    symbols: _containers.RepeatedCompositeFieldContainer[SymbolRef]
    symbols_omitted: int
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., symbols: _Optional[_Iterable[_Union[SymbolRef, _Mapping]]] = ..., symbols_omitted: _Optional[int] = ...) -> None: ...

class OutlineDirectory(_message.Message):
    __slots__ = ("path", "files", "definitions")
    PATH_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    path: str
    files: int
    definitions: int
    def __init__(self, path: _Optional[str] = ..., files: _Optional[int] = ..., definitions: _Optional[int] = ...) -> None: ...

class OutlineResponse(_message.Message):
    __slots__ = ("directories", "files", "total_files", "next_cursor", "completeness")
    DIRECTORIES_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    directories: _containers.RepeatedCompositeFieldContainer[OutlineDirectory]
    files: _containers.RepeatedCompositeFieldContainer[OutlineFile]
    total_files: int
    next_cursor: str
    completeness: GraphCompleteness
    def __init__(self, directories: _Optional[_Iterable[_Union[OutlineDirectory, _Mapping]]] = ..., files: _Optional[_Iterable[_Union[OutlineFile, _Mapping]]] = ..., total_files: _Optional[int] = ..., next_cursor: _Optional[str] = ..., completeness: _Optional[_Union[GraphCompleteness, _Mapping]] = ...) -> None: ...
