from codeintel.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SymbolKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYMBOL_KIND_UNSPECIFIED: _ClassVar[SymbolKind]
    SYMBOL_KIND_FUNCTION: _ClassVar[SymbolKind]
    SYMBOL_KIND_METHOD: _ClassVar[SymbolKind]
    SYMBOL_KIND_CLASS: _ClassVar[SymbolKind]
    SYMBOL_KIND_INTERFACE: _ClassVar[SymbolKind]
    SYMBOL_KIND_STRUCT: _ClassVar[SymbolKind]
    SYMBOL_KIND_ENUM: _ClassVar[SymbolKind]
    SYMBOL_KIND_TRAIT: _ClassVar[SymbolKind]
    SYMBOL_KIND_MODULE: _ClassVar[SymbolKind]
    SYMBOL_KIND_IMPORT: _ClassVar[SymbolKind]
    SYMBOL_KIND_TYPE: _ClassVar[SymbolKind]
    SYMBOL_KIND_CONSTRUCTOR: _ClassVar[SymbolKind]
    SYMBOL_KIND_IMPL: _ClassVar[SymbolKind]

class SyntaxErrorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNTAX_ERROR_KIND_UNSPECIFIED: _ClassVar[SyntaxErrorKind]
    SYNTAX_ERROR_KIND_ERROR: _ClassVar[SyntaxErrorKind]
    SYNTAX_ERROR_KIND_MISSING: _ClassVar[SyntaxErrorKind]

class ReferenceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFERENCE_KIND_UNSPECIFIED: _ClassVar[ReferenceKind]
    REFERENCE_KIND_READ: _ClassVar[ReferenceKind]
    REFERENCE_KIND_CALL: _ClassVar[ReferenceKind]
    REFERENCE_KIND_TYPE: _ClassVar[ReferenceKind]
    REFERENCE_KIND_INHERIT: _ClassVar[ReferenceKind]
SYMBOL_KIND_UNSPECIFIED: SymbolKind
SYMBOL_KIND_FUNCTION: SymbolKind
SYMBOL_KIND_METHOD: SymbolKind
SYMBOL_KIND_CLASS: SymbolKind
SYMBOL_KIND_INTERFACE: SymbolKind
SYMBOL_KIND_STRUCT: SymbolKind
SYMBOL_KIND_ENUM: SymbolKind
SYMBOL_KIND_TRAIT: SymbolKind
SYMBOL_KIND_MODULE: SymbolKind
SYMBOL_KIND_IMPORT: SymbolKind
SYMBOL_KIND_TYPE: SymbolKind
SYMBOL_KIND_CONSTRUCTOR: SymbolKind
SYMBOL_KIND_IMPL: SymbolKind
SYNTAX_ERROR_KIND_UNSPECIFIED: SyntaxErrorKind
SYNTAX_ERROR_KIND_ERROR: SyntaxErrorKind
SYNTAX_ERROR_KIND_MISSING: SyntaxErrorKind
REFERENCE_KIND_UNSPECIFIED: ReferenceKind
REFERENCE_KIND_READ: ReferenceKind
REFERENCE_KIND_CALL: ReferenceKind
REFERENCE_KIND_TYPE: ReferenceKind
REFERENCE_KIND_INHERIT: ReferenceKind

class ParseOptions(_message.Message):
    __slots__ = ("include_ast", "ast_max_depth", "ast_max_nodes", "ast_named_only", "include_facts", "query")
    INCLUDE_AST_FIELD_NUMBER: _ClassVar[int]
    AST_MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    AST_MAX_NODES_FIELD_NUMBER: _ClassVar[int]
    AST_NAMED_ONLY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FACTS_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    include_ast: bool
    ast_max_depth: int
    ast_max_nodes: int
    ast_named_only: bool
    include_facts: bool
    query: StructuralQuery
    def __init__(self, include_ast: _Optional[bool] = ..., ast_max_depth: _Optional[int] = ..., ast_max_nodes: _Optional[int] = ..., ast_named_only: _Optional[bool] = ..., include_facts: _Optional[bool] = ..., query: _Optional[_Union[StructuralQuery, _Mapping]] = ...) -> None: ...

class StructuralQuery(_message.Message):
    __slots__ = ("query", "pattern", "max_matches")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    MAX_MATCHES_FIELD_NUMBER: _ClassVar[int]
    query: str
    pattern: str
    max_matches: int
    def __init__(self, query: _Optional[str] = ..., pattern: _Optional[str] = ..., max_matches: _Optional[int] = ...) -> None: ...

class QueryCapture(_message.Message):
    __slots__ = ("name", "range", "text", "text_truncated")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TEXT_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    name: str
    range: _common_pb2.Range
    text: str
    text_truncated: bool
    def __init__(self, name: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., text: _Optional[str] = ..., text_truncated: _Optional[bool] = ...) -> None: ...

class QueryMatch(_message.Message):
    __slots__ = ("pattern_index", "captures")
    PATTERN_INDEX_FIELD_NUMBER: _ClassVar[int]
    CAPTURES_FIELD_NUMBER: _ClassVar[int]
    pattern_index: int
    captures: _containers.RepeatedCompositeFieldContainer[QueryCapture]
    def __init__(self, pattern_index: _Optional[int] = ..., captures: _Optional[_Iterable[_Union[QueryCapture, _Mapping]]] = ...) -> None: ...

class Symbol(_message.Message):
    __slots__ = ("name", "kind", "range", "selection_range", "qualified_name", "parent_index", "depth")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    SELECTION_RANGE_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_INDEX_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: SymbolKind
    range: _common_pb2.Range
    selection_range: _common_pb2.Range
    qualified_name: str
    parent_index: int
    depth: int
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[SymbolKind, str]] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., selection_range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., qualified_name: _Optional[str] = ..., parent_index: _Optional[int] = ..., depth: _Optional[int] = ...) -> None: ...

class SyntaxError(_message.Message):
    __slots__ = ("kind", "range", "message")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    kind: SyntaxErrorKind
    range: _common_pb2.Range
    message: str
    def __init__(self, kind: _Optional[_Union[SyntaxErrorKind, str]] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class AstNode(_message.Message):
    __slots__ = ("type", "named", "range", "parent_index", "field", "depth", "text", "is_error", "is_missing")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAMED_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    PARENT_INDEX_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    IS_MISSING_FIELD_NUMBER: _ClassVar[int]
    type: str
    named: bool
    range: _common_pb2.Range
    parent_index: int
    field: str
    depth: int
    text: str
    is_error: bool
    is_missing: bool
    def __init__(self, type: _Optional[str] = ..., named: _Optional[bool] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., parent_index: _Optional[int] = ..., field: _Optional[str] = ..., depth: _Optional[int] = ..., text: _Optional[str] = ..., is_error: _Optional[bool] = ..., is_missing: _Optional[bool] = ...) -> None: ...

class ParseResult(_message.Message):
    __slots__ = ("path", "language", "has_errors", "errors", "symbols", "ast", "ast_truncated", "line_count", "byte_count", "symbols_supported", "facts", "matches", "matches_truncated")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    HAS_ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    AST_FIELD_NUMBER: _ClassVar[int]
    AST_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    BYTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    MATCHES_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    has_errors: bool
    errors: _containers.RepeatedCompositeFieldContainer[SyntaxError]
    symbols: _containers.RepeatedCompositeFieldContainer[Symbol]
    ast: _containers.RepeatedCompositeFieldContainer[AstNode]
    ast_truncated: bool
    line_count: int
    byte_count: int
    symbols_supported: bool
    facts: FileFacts
    matches: _containers.RepeatedCompositeFieldContainer[QueryMatch]
    matches_truncated: bool
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., has_errors: _Optional[bool] = ..., errors: _Optional[_Iterable[_Union[SyntaxError, _Mapping]]] = ..., symbols: _Optional[_Iterable[_Union[Symbol, _Mapping]]] = ..., ast: _Optional[_Iterable[_Union[AstNode, _Mapping]]] = ..., ast_truncated: _Optional[bool] = ..., line_count: _Optional[int] = ..., byte_count: _Optional[int] = ..., symbols_supported: _Optional[bool] = ..., facts: _Optional[_Union[FileFacts, _Mapping]] = ..., matches: _Optional[_Iterable[_Union[QueryMatch, _Mapping]]] = ..., matches_truncated: _Optional[bool] = ...) -> None: ...

class FactDefinition(_message.Message):
    __slots__ = ("name", "kind", "range", "selection_range", "qualified_name", "parent_index", "bases", "exported")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    SELECTION_RANGE_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_INDEX_FIELD_NUMBER: _ClassVar[int]
    BASES_FIELD_NUMBER: _ClassVar[int]
    EXPORTED_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: SymbolKind
    range: _common_pb2.Range
    selection_range: _common_pb2.Range
    qualified_name: str
    parent_index: int
    bases: _containers.RepeatedScalarFieldContainer[str]
    exported: bool
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[SymbolKind, str]] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., selection_range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., qualified_name: _Optional[str] = ..., parent_index: _Optional[int] = ..., bases: _Optional[_Iterable[str]] = ..., exported: _Optional[bool] = ...) -> None: ...

class FactReference(_message.Message):
    __slots__ = ("name", "range", "kind", "enclosing_index", "receiver")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENCLOSING_INDEX_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_FIELD_NUMBER: _ClassVar[int]
    name: str
    range: _common_pb2.Range
    kind: ReferenceKind
    enclosing_index: int
    receiver: str
    def __init__(self, name: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., kind: _Optional[_Union[ReferenceKind, str]] = ..., enclosing_index: _Optional[int] = ..., receiver: _Optional[str] = ...) -> None: ...

class FactImport(_message.Message):
    __slots__ = ("module", "name", "alias", "level", "range", "is_export", "enclosing_index")
    MODULE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    IS_EXPORT_FIELD_NUMBER: _ClassVar[int]
    ENCLOSING_INDEX_FIELD_NUMBER: _ClassVar[int]
    module: str
    name: str
    alias: str
    level: int
    range: _common_pb2.Range
    is_export: bool
    enclosing_index: int
    def __init__(self, module: _Optional[str] = ..., name: _Optional[str] = ..., alias: _Optional[str] = ..., level: _Optional[int] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., is_export: _Optional[bool] = ..., enclosing_index: _Optional[int] = ...) -> None: ...

class FactTypeHint(_message.Message):
    __slots__ = ("name", "type_name", "enclosing_index")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_NAME_FIELD_NUMBER: _ClassVar[int]
    ENCLOSING_INDEX_FIELD_NUMBER: _ClassVar[int]
    name: str
    type_name: str
    enclosing_index: int
    def __init__(self, name: _Optional[str] = ..., type_name: _Optional[str] = ..., enclosing_index: _Optional[int] = ...) -> None: ...

class FileFacts(_message.Message):
    __slots__ = ("supported", "definitions", "references", "imports", "type_hints", "package", "truncated", "references_dropped")
    SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    IMPORTS_FIELD_NUMBER: _ClassVar[int]
    TYPE_HINTS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    supported: bool
    definitions: _containers.RepeatedCompositeFieldContainer[FactDefinition]
    references: _containers.RepeatedCompositeFieldContainer[FactReference]
    imports: _containers.RepeatedCompositeFieldContainer[FactImport]
    type_hints: _containers.RepeatedCompositeFieldContainer[FactTypeHint]
    package: str
    truncated: bool
    references_dropped: int
    def __init__(self, supported: _Optional[bool] = ..., definitions: _Optional[_Iterable[_Union[FactDefinition, _Mapping]]] = ..., references: _Optional[_Iterable[_Union[FactReference, _Mapping]]] = ..., imports: _Optional[_Iterable[_Union[FactImport, _Mapping]]] = ..., type_hints: _Optional[_Iterable[_Union[FactTypeHint, _Mapping]]] = ..., package: _Optional[str] = ..., truncated: _Optional[bool] = ..., references_dropped: _Optional[int] = ...) -> None: ...

class ParseRequest(_message.Message):
    __slots__ = ("file", "options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: _common_pb2.SourceFile
    options: ParseOptions
    def __init__(self, file: _Optional[_Union[_common_pb2.SourceFile, _Mapping]] = ..., options: _Optional[_Union[ParseOptions, _Mapping]] = ...) -> None: ...

class ParseResponse(_message.Message):
    __slots__ = ("result", "service_version")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    result: ParseResult
    service_version: str
    def __init__(self, result: _Optional[_Union[ParseResult, _Mapping]] = ..., service_version: _Optional[str] = ...) -> None: ...

class ParseBatchRequest(_message.Message):
    __slots__ = ("files", "options")
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    options: ParseOptions
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ..., options: _Optional[_Union[ParseOptions, _Mapping]] = ...) -> None: ...

class ParseFileResult(_message.Message):
    __slots__ = ("result", "error")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    result: ParseResult
    error: _common_pb2.FileError
    def __init__(self, result: _Optional[_Union[ParseResult, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.FileError, _Mapping]] = ...) -> None: ...

class ParseBatchResponse(_message.Message):
    __slots__ = ("results", "service_version")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ParseFileResult]
    service_version: str
    def __init__(self, results: _Optional[_Iterable[_Union[ParseFileResult, _Mapping]]] = ..., service_version: _Optional[str] = ...) -> None: ...
