from codeintel.v1 import analyze_pb2 as _analyze_pb2
from codeintel.v1 import common_pb2 as _common_pb2
from codeintel.v1 import parse_pb2 as _parse_pb2
from codeintel.v1 import scan_pb2 as _scan_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_NORMAL: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]

class CacheStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CACHE_STATUS_UNSPECIFIED: _ClassVar[CacheStatus]
    CACHE_STATUS_MISS: _ClassVar[CacheStatus]
    CACHE_STATUS_HIT_L1: _ClassVar[CacheStatus]
    CACHE_STATUS_HIT_L2: _ClassVar[CacheStatus]
    CACHE_STATUS_MERGED: _ClassVar[CacheStatus]

class LookupStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOOKUP_STATUS_UNSPECIFIED: _ClassVar[LookupStatus]
    LOOKUP_STATUS_FOUND: _ClassVar[LookupStatus]
    LOOKUP_STATUS_NEED_CONTENT: _ClassVar[LookupStatus]

class RepositoryOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPOSITORY_OPERATION_UNSPECIFIED: _ClassVar[RepositoryOperation]
    REPOSITORY_OPERATION_PARSE: _ClassVar[RepositoryOperation]
    REPOSITORY_OPERATION_ANALYZE: _ClassVar[RepositoryOperation]
    REPOSITORY_OPERATION_SCAN: _ClassVar[RepositoryOperation]

class RepositorySkipReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPOSITORY_SKIP_REASON_UNSPECIFIED: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_IGNORED: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_EXCLUDED: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_SYMLINK: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_TOO_LARGE: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_BINARY: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_NOT_UTF8: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_NO_GRAMMAR: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_UNSUPPORTED: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_UNREADABLE: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_TIMED_OUT: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_TOO_COMPLEX: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_FAILED: _ClassVar[RepositorySkipReason]
    REPOSITORY_SKIP_REASON_NOT_PROCESSED: _ClassVar[RepositorySkipReason]

class WorkerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKER_STATE_UNSPECIFIED: _ClassVar[WorkerState]
    WORKER_STATE_SERVING: _ClassVar[WorkerState]
    WORKER_STATE_NOT_SERVING: _ClassVar[WorkerState]
    WORKER_STATE_DOWN: _ClassVar[WorkerState]
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
CACHE_STATUS_UNSPECIFIED: CacheStatus
CACHE_STATUS_MISS: CacheStatus
CACHE_STATUS_HIT_L1: CacheStatus
CACHE_STATUS_HIT_L2: CacheStatus
CACHE_STATUS_MERGED: CacheStatus
LOOKUP_STATUS_UNSPECIFIED: LookupStatus
LOOKUP_STATUS_FOUND: LookupStatus
LOOKUP_STATUS_NEED_CONTENT: LookupStatus
REPOSITORY_OPERATION_UNSPECIFIED: RepositoryOperation
REPOSITORY_OPERATION_PARSE: RepositoryOperation
REPOSITORY_OPERATION_ANALYZE: RepositoryOperation
REPOSITORY_OPERATION_SCAN: RepositoryOperation
REPOSITORY_SKIP_REASON_UNSPECIFIED: RepositorySkipReason
REPOSITORY_SKIP_REASON_IGNORED: RepositorySkipReason
REPOSITORY_SKIP_REASON_EXCLUDED: RepositorySkipReason
REPOSITORY_SKIP_REASON_SYMLINK: RepositorySkipReason
REPOSITORY_SKIP_REASON_TOO_LARGE: RepositorySkipReason
REPOSITORY_SKIP_REASON_BINARY: RepositorySkipReason
REPOSITORY_SKIP_REASON_NOT_UTF8: RepositorySkipReason
REPOSITORY_SKIP_REASON_NO_GRAMMAR: RepositorySkipReason
REPOSITORY_SKIP_REASON_UNSUPPORTED: RepositorySkipReason
REPOSITORY_SKIP_REASON_UNREADABLE: RepositorySkipReason
REPOSITORY_SKIP_REASON_TIMED_OUT: RepositorySkipReason
REPOSITORY_SKIP_REASON_TOO_COMPLEX: RepositorySkipReason
REPOSITORY_SKIP_REASON_FAILED: RepositorySkipReason
REPOSITORY_SKIP_REASON_NOT_PROCESSED: RepositorySkipReason
WORKER_STATE_UNSPECIFIED: WorkerState
WORKER_STATE_SERVING: WorkerState
WORKER_STATE_NOT_SERVING: WorkerState
WORKER_STATE_DOWN: WorkerState

class RequestOptions(_message.Message):
    __slots__ = ("priority", "bypass_cache")
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    BYPASS_CACHE_FIELD_NUMBER: _ClassVar[int]
    priority: Priority
    bypass_cache: bool
    def __init__(self, priority: _Optional[_Union[Priority, str]] = ..., bypass_cache: _Optional[bool] = ...) -> None: ...

class ResponseInfo(_message.Message):
    __slots__ = ("cache", "worker", "service_version", "attempts", "queue_wait_ms", "priority", "priority_clamped", "tenant")
    CACHE_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_CLAMPED_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    cache: CacheStatus
    worker: str
    service_version: str
    attempts: int
    queue_wait_ms: float
    priority: Priority
    priority_clamped: bool
    tenant: str
    def __init__(self, cache: _Optional[_Union[CacheStatus, str]] = ..., worker: _Optional[str] = ..., service_version: _Optional[str] = ..., attempts: _Optional[int] = ..., queue_wait_ms: _Optional[float] = ..., priority: _Optional[_Union[Priority, str]] = ..., priority_clamped: _Optional[bool] = ..., tenant: _Optional[str] = ...) -> None: ...

class BatchInfo(_message.Message):
    __slots__ = ("cache", "cache_hits", "computed", "attempts", "queue_wait_ms", "priority", "priority_clamped", "tenant")
    CACHE_FIELD_NUMBER: _ClassVar[int]
    CACHE_HITS_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_CLAMPED_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    cache: _containers.RepeatedScalarFieldContainer[CacheStatus]
    cache_hits: int
    computed: int
    attempts: int
    queue_wait_ms: float
    priority: Priority
    priority_clamped: bool
    tenant: str
    def __init__(self, cache: _Optional[_Iterable[_Union[CacheStatus, str]]] = ..., cache_hits: _Optional[int] = ..., computed: _Optional[int] = ..., attempts: _Optional[int] = ..., queue_wait_ms: _Optional[float] = ..., priority: _Optional[_Union[Priority, str]] = ..., priority_clamped: _Optional[bool] = ..., tenant: _Optional[str] = ...) -> None: ...

class CodeIntelServiceParseRequest(_message.Message):
    __slots__ = ("file", "options", "request_options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: _common_pb2.SourceFile
    options: _parse_pb2.ParseOptions
    request_options: RequestOptions
    def __init__(self, file: _Optional[_Union[_common_pb2.SourceFile, _Mapping]] = ..., options: _Optional[_Union[_parse_pb2.ParseOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class CodeIntelServiceParseResponse(_message.Message):
    __slots__ = ("result", "info")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    result: _parse_pb2.ParseResult
    info: ResponseInfo
    def __init__(self, result: _Optional[_Union[_parse_pb2.ParseResult, _Mapping]] = ..., info: _Optional[_Union[ResponseInfo, _Mapping]] = ...) -> None: ...

class CodeIntelServiceParseBatchRequest(_message.Message):
    __slots__ = ("files", "options", "request_options")
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    options: _parse_pb2.ParseOptions
    request_options: RequestOptions
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ..., options: _Optional[_Union[_parse_pb2.ParseOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class CodeIntelServiceParseBatchResponse(_message.Message):
    __slots__ = ("results", "info")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_parse_pb2.ParseFileResult]
    info: BatchInfo
    def __init__(self, results: _Optional[_Iterable[_Union[_parse_pb2.ParseFileResult, _Mapping]]] = ..., info: _Optional[_Union[BatchInfo, _Mapping]] = ...) -> None: ...

class CodeIntelServiceAnalyzeRequest(_message.Message):
    __slots__ = ("file", "options", "request_options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: _common_pb2.SourceFile
    options: _analyze_pb2.AnalyzeOptions
    request_options: RequestOptions
    def __init__(self, file: _Optional[_Union[_common_pb2.SourceFile, _Mapping]] = ..., options: _Optional[_Union[_analyze_pb2.AnalyzeOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class CodeIntelServiceAnalyzeResponse(_message.Message):
    __slots__ = ("result", "info")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    result: _analyze_pb2.AnalyzeResult
    info: ResponseInfo
    def __init__(self, result: _Optional[_Union[_analyze_pb2.AnalyzeResult, _Mapping]] = ..., info: _Optional[_Union[ResponseInfo, _Mapping]] = ...) -> None: ...

class CodeIntelServiceAnalyzeBatchRequest(_message.Message):
    __slots__ = ("files", "options", "request_options")
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    options: _analyze_pb2.AnalyzeOptions
    request_options: RequestOptions
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ..., options: _Optional[_Union[_analyze_pb2.AnalyzeOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class CodeIntelServiceAnalyzeBatchResponse(_message.Message):
    __slots__ = ("results", "info")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_analyze_pb2.AnalyzeFileResult]
    info: BatchInfo
    def __init__(self, results: _Optional[_Iterable[_Union[_analyze_pb2.AnalyzeFileResult, _Mapping]]] = ..., info: _Optional[_Union[BatchInfo, _Mapping]] = ...) -> None: ...

class CodeIntelServiceScanRequest(_message.Message):
    __slots__ = ("file", "options", "request_options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: _common_pb2.SourceFile
    options: _scan_pb2.ScanOptions
    request_options: RequestOptions
    def __init__(self, file: _Optional[_Union[_common_pb2.SourceFile, _Mapping]] = ..., options: _Optional[_Union[_scan_pb2.ScanOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class CodeIntelServiceScanResponse(_message.Message):
    __slots__ = ("result", "sarif_json", "info")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SARIF_JSON_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    result: _scan_pb2.ScanResult
    sarif_json: str
    info: ResponseInfo
    def __init__(self, result: _Optional[_Union[_scan_pb2.ScanResult, _Mapping]] = ..., sarif_json: _Optional[str] = ..., info: _Optional[_Union[ResponseInfo, _Mapping]] = ...) -> None: ...

class CodeIntelServiceListRulesRequest(_message.Message):
    __slots__ = ("language", "custom_rules")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RULES_FIELD_NUMBER: _ClassVar[int]
    language: str
    custom_rules: _containers.RepeatedCompositeFieldContainer[_scan_pb2.RuleFile]
    def __init__(self, language: _Optional[str] = ..., custom_rules: _Optional[_Iterable[_Union[_scan_pb2.RuleFile, _Mapping]]] = ...) -> None: ...

class CodeIntelServiceListRulesResponse(_message.Message):
    __slots__ = ("rules", "service_version")
    RULES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[_scan_pb2.Rule]
    service_version: str
    def __init__(self, rules: _Optional[_Iterable[_Union[_scan_pb2.Rule, _Mapping]]] = ..., service_version: _Optional[str] = ...) -> None: ...

class CodeIntelServiceScanBatchRequest(_message.Message):
    __slots__ = ("files", "options", "request_options")
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    options: _scan_pb2.ScanOptions
    request_options: RequestOptions
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ..., options: _Optional[_Union[_scan_pb2.ScanOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class CodeIntelServiceScanBatchResponse(_message.Message):
    __slots__ = ("results", "sarif_json", "info")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SARIF_JSON_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_scan_pb2.ScanFileResult]
    sarif_json: str
    info: BatchInfo
    def __init__(self, results: _Optional[_Iterable[_Union[_scan_pb2.ScanFileResult, _Mapping]]] = ..., sarif_json: _Optional[str] = ..., info: _Optional[_Union[BatchInfo, _Mapping]] = ...) -> None: ...

class FileDigest(_message.Message):
    __slots__ = ("path", "language", "sha256")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    sha256: bytes
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., sha256: _Optional[bytes] = ...) -> None: ...

class CodeIntelServiceLookupBatchRequest(_message.Message):
    __slots__ = ("operation", "files", "parse_options", "analyze_options", "scan_options", "request_options")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    PARSE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ANALYZE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SCAN_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    operation: RepositoryOperation
    files: _containers.RepeatedCompositeFieldContainer[FileDigest]
    parse_options: _parse_pb2.ParseOptions
    analyze_options: _analyze_pb2.AnalyzeOptions
    scan_options: _scan_pb2.ScanOptions
    request_options: RequestOptions
    def __init__(self, operation: _Optional[_Union[RepositoryOperation, str]] = ..., files: _Optional[_Iterable[_Union[FileDigest, _Mapping]]] = ..., parse_options: _Optional[_Union[_parse_pb2.ParseOptions, _Mapping]] = ..., analyze_options: _Optional[_Union[_analyze_pb2.AnalyzeOptions, _Mapping]] = ..., scan_options: _Optional[_Union[_scan_pb2.ScanOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class LookupFileResult(_message.Message):
    __slots__ = ("status", "cache", "parse", "analyze", "scan")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    PARSE_FIELD_NUMBER: _ClassVar[int]
    ANALYZE_FIELD_NUMBER: _ClassVar[int]
    SCAN_FIELD_NUMBER: _ClassVar[int]
    status: LookupStatus
    cache: CacheStatus
    parse: _parse_pb2.ParseResult
    analyze: _analyze_pb2.AnalyzeResult
    scan: _scan_pb2.ScanResult
    def __init__(self, status: _Optional[_Union[LookupStatus, str]] = ..., cache: _Optional[_Union[CacheStatus, str]] = ..., parse: _Optional[_Union[_parse_pb2.ParseResult, _Mapping]] = ..., analyze: _Optional[_Union[_analyze_pb2.AnalyzeResult, _Mapping]] = ..., scan: _Optional[_Union[_scan_pb2.ScanResult, _Mapping]] = ...) -> None: ...

class CodeIntelServiceLookupBatchResponse(_message.Message):
    __slots__ = ("results", "found", "need_content", "partial", "tenant")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    NEED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[LookupFileResult]
    found: int
    need_content: int
    partial: bool
    tenant: str
    def __init__(self, results: _Optional[_Iterable[_Union[LookupFileResult, _Mapping]]] = ..., found: _Optional[int] = ..., need_content: _Optional[int] = ..., partial: _Optional[bool] = ..., tenant: _Optional[str] = ...) -> None: ...

class CodeIntelServiceRunRepositoryRequest(_message.Message):
    __slots__ = ("operation", "root", "include", "exclude", "parse_options", "analyze_options", "scan_options", "request_options")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    PARSE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ANALYZE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SCAN_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    operation: RepositoryOperation
    root: str
    include: _containers.RepeatedScalarFieldContainer[str]
    exclude: _containers.RepeatedScalarFieldContainer[str]
    parse_options: _parse_pb2.ParseOptions
    analyze_options: _analyze_pb2.AnalyzeOptions
    scan_options: _scan_pb2.ScanOptions
    request_options: RequestOptions
    def __init__(self, operation: _Optional[_Union[RepositoryOperation, str]] = ..., root: _Optional[str] = ..., include: _Optional[_Iterable[str]] = ..., exclude: _Optional[_Iterable[str]] = ..., parse_options: _Optional[_Union[_parse_pb2.ParseOptions, _Mapping]] = ..., analyze_options: _Optional[_Union[_analyze_pb2.AnalyzeOptions, _Mapping]] = ..., scan_options: _Optional[_Union[_scan_pb2.ScanOptions, _Mapping]] = ..., request_options: _Optional[_Union[RequestOptions, _Mapping]] = ...) -> None: ...

class RepositoryProgress(_message.Message):
    __slots__ = ("files_done", "files_total", "processed", "reused", "computed", "skipped")
    FILES_DONE_FIELD_NUMBER: _ClassVar[int]
    FILES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    REUSED_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    files_done: int
    files_total: int
    processed: int
    reused: int
    computed: int
    skipped: int
    def __init__(self, files_done: _Optional[int] = ..., files_total: _Optional[int] = ..., processed: _Optional[int] = ..., reused: _Optional[int] = ..., computed: _Optional[int] = ..., skipped: _Optional[int] = ...) -> None: ...

class RepositoryFileResult(_message.Message):
    __slots__ = ("path", "cache", "parse", "analyze", "scan")
    PATH_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    PARSE_FIELD_NUMBER: _ClassVar[int]
    ANALYZE_FIELD_NUMBER: _ClassVar[int]
    SCAN_FIELD_NUMBER: _ClassVar[int]
    path: str
    cache: CacheStatus
    parse: _parse_pb2.ParseResult
    analyze: _analyze_pb2.AnalyzeResult
    scan: _scan_pb2.ScanResult
    def __init__(self, path: _Optional[str] = ..., cache: _Optional[_Union[CacheStatus, str]] = ..., parse: _Optional[_Union[_parse_pb2.ParseResult, _Mapping]] = ..., analyze: _Optional[_Union[_analyze_pb2.AnalyzeResult, _Mapping]] = ..., scan: _Optional[_Union[_scan_pb2.ScanResult, _Mapping]] = ...) -> None: ...

class RepositoryResults(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RepositoryFileResult]
    def __init__(self, results: _Optional[_Iterable[_Union[RepositoryFileResult, _Mapping]]] = ...) -> None: ...

class RepositorySkippedFile(_message.Message):
    __slots__ = ("path", "reason", "message")
    PATH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    path: str
    reason: RepositorySkipReason
    message: str
    def __init__(self, path: _Optional[str] = ..., reason: _Optional[_Union[RepositorySkipReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class RepositorySkipped(_message.Message):
    __slots__ = ("files",)
    FILES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[RepositorySkippedFile]
    def __init__(self, files: _Optional[_Iterable[_Union[RepositorySkippedFile, _Mapping]]] = ...) -> None: ...

class RepositorySkipCount(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: RepositorySkipReason
    count: int
    def __init__(self, reason: _Optional[_Union[RepositorySkipReason, str]] = ..., count: _Optional[int] = ...) -> None: ...

class RepositorySummary(_message.Message):
    __slots__ = ("files_found", "processed", "computed", "reused", "skipped", "not_processed", "out_of_scope", "directories_skipped", "skipped_by_reason", "complete", "stopped", "elapsed_seconds", "batches", "summary_text", "summary_json", "custom_rules", "custom_rule_files")
    FILES_FOUND_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_FIELD_NUMBER: _ClassVar[int]
    REUSED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    NOT_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    OUT_OF_SCOPE_FIELD_NUMBER: _ClassVar[int]
    DIRECTORIES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_BY_REASON_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_TEXT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_JSON_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RULES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RULE_FILES_FIELD_NUMBER: _ClassVar[int]
    files_found: int
    processed: int
    computed: int
    reused: int
    skipped: int
    not_processed: int
    out_of_scope: int
    directories_skipped: int
    skipped_by_reason: _containers.RepeatedCompositeFieldContainer[RepositorySkipCount]
    complete: bool
    stopped: str
    elapsed_seconds: float
    batches: int
    summary_text: str
    summary_json: str
    custom_rules: int
    custom_rule_files: int
    def __init__(self, files_found: _Optional[int] = ..., processed: _Optional[int] = ..., computed: _Optional[int] = ..., reused: _Optional[int] = ..., skipped: _Optional[int] = ..., not_processed: _Optional[int] = ..., out_of_scope: _Optional[int] = ..., directories_skipped: _Optional[int] = ..., skipped_by_reason: _Optional[_Iterable[_Union[RepositorySkipCount, _Mapping]]] = ..., complete: _Optional[bool] = ..., stopped: _Optional[str] = ..., elapsed_seconds: _Optional[float] = ..., batches: _Optional[int] = ..., summary_text: _Optional[str] = ..., summary_json: _Optional[str] = ..., custom_rules: _Optional[int] = ..., custom_rule_files: _Optional[int] = ...) -> None: ...

class CodeIntelServiceRunRepositoryResponse(_message.Message):
    __slots__ = ("progress", "results", "skipped", "summary")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: RepositoryProgress
    results: RepositoryResults
    skipped: RepositorySkipped
    summary: RepositorySummary
    def __init__(self, progress: _Optional[_Union[RepositoryProgress, _Mapping]] = ..., results: _Optional[_Union[RepositoryResults, _Mapping]] = ..., skipped: _Optional[_Union[RepositorySkipped, _Mapping]] = ..., summary: _Optional[_Union[RepositorySummary, _Mapping]] = ...) -> None: ...

class Worker(_message.Message):
    __slots__ = ("service", "address", "state", "version", "in_flight", "calls", "failures", "last_error", "last_check_unix_ms", "source", "draining")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECK_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    service: str
    address: str
    state: WorkerState
    version: str
    in_flight: int
    calls: int
    failures: int
    last_error: str
    last_check_unix_ms: int
    source: str
    draining: bool
    def __init__(self, service: _Optional[str] = ..., address: _Optional[str] = ..., state: _Optional[_Union[WorkerState, str]] = ..., version: _Optional[str] = ..., in_flight: _Optional[int] = ..., calls: _Optional[int] = ..., failures: _Optional[int] = ..., last_error: _Optional[str] = ..., last_check_unix_ms: _Optional[int] = ..., source: _Optional[str] = ..., draining: _Optional[bool] = ...) -> None: ...

class OperationStats(_message.Message):
    __slots__ = ("operation", "requests", "files", "errors", "cache_hits_l1", "cache_hits_l2", "cache_misses", "merged", "retries", "rejected", "queue_depth", "in_flight", "latency_p50_ms", "latency_p99_ms", "queue_wait_p50_ms", "queue_wait_p95_ms")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    CACHE_HITS_L1_FIELD_NUMBER: _ClassVar[int]
    CACHE_HITS_L2_FIELD_NUMBER: _ClassVar[int]
    CACHE_MISSES_FIELD_NUMBER: _ClassVar[int]
    MERGED_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_MS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_WAIT_P50_MS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_WAIT_P95_MS_FIELD_NUMBER: _ClassVar[int]
    operation: str
    requests: int
    files: int
    errors: int
    cache_hits_l1: int
    cache_hits_l2: int
    cache_misses: int
    merged: int
    retries: int
    rejected: int
    queue_depth: int
    in_flight: int
    latency_p50_ms: float
    latency_p99_ms: float
    queue_wait_p50_ms: float
    queue_wait_p95_ms: float
    def __init__(self, operation: _Optional[str] = ..., requests: _Optional[int] = ..., files: _Optional[int] = ..., errors: _Optional[int] = ..., cache_hits_l1: _Optional[int] = ..., cache_hits_l2: _Optional[int] = ..., cache_misses: _Optional[int] = ..., merged: _Optional[int] = ..., retries: _Optional[int] = ..., rejected: _Optional[int] = ..., queue_depth: _Optional[int] = ..., in_flight: _Optional[int] = ..., latency_p50_ms: _Optional[float] = ..., latency_p99_ms: _Optional[float] = ..., queue_wait_p50_ms: _Optional[float] = ..., queue_wait_p95_ms: _Optional[float] = ...) -> None: ...

class CacheStats(_message.Message):
    __slots__ = ("tier", "entries", "bytes", "max_bytes", "hits", "misses", "evictions", "errors", "dropped_writes")
    TIER_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    EVICTIONS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_WRITES_FIELD_NUMBER: _ClassVar[int]
    tier: str
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int
    errors: int
    dropped_writes: int
    def __init__(self, tier: _Optional[str] = ..., entries: _Optional[int] = ..., bytes: _Optional[int] = ..., max_bytes: _Optional[int] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ..., evictions: _Optional[int] = ..., errors: _Optional[int] = ..., dropped_writes: _Optional[int] = ...) -> None: ...

class AdmissionStats(_message.Message):
    __slots__ = ("authentication", "limiter", "unauthenticated", "rejected_requests", "rejected_bytes", "rejected_concurrency", "priority_clamped", "store_errors", "fail_open_admits", "fail_open")
    AUTHENTICATION_FIELD_NUMBER: _ClassVar[int]
    LIMITER_FIELD_NUMBER: _ClassVar[int]
    UNAUTHENTICATED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_BYTES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_CLAMPED_FIELD_NUMBER: _ClassVar[int]
    STORE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    FAIL_OPEN_ADMITS_FIELD_NUMBER: _ClassVar[int]
    FAIL_OPEN_FIELD_NUMBER: _ClassVar[int]
    authentication: bool
    limiter: str
    unauthenticated: int
    rejected_requests: int
    rejected_bytes: int
    rejected_concurrency: int
    priority_clamped: int
    store_errors: int
    fail_open_admits: int
    fail_open: bool
    def __init__(self, authentication: _Optional[bool] = ..., limiter: _Optional[str] = ..., unauthenticated: _Optional[int] = ..., rejected_requests: _Optional[int] = ..., rejected_bytes: _Optional[int] = ..., rejected_concurrency: _Optional[int] = ..., priority_clamped: _Optional[int] = ..., store_errors: _Optional[int] = ..., fail_open_admits: _Optional[int] = ..., fail_open: _Optional[bool] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("version", "uptime_seconds", "operations", "caches", "workers_total", "workers_serving", "admission")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    CACHES_FIELD_NUMBER: _ClassVar[int]
    WORKERS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    WORKERS_SERVING_FIELD_NUMBER: _ClassVar[int]
    ADMISSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    uptime_seconds: float
    operations: _containers.RepeatedCompositeFieldContainer[OperationStats]
    caches: _containers.RepeatedCompositeFieldContainer[CacheStats]
    workers_total: int
    workers_serving: int
    admission: AdmissionStats
    def __init__(self, version: _Optional[str] = ..., uptime_seconds: _Optional[float] = ..., operations: _Optional[_Iterable[_Union[OperationStats, _Mapping]]] = ..., caches: _Optional[_Iterable[_Union[CacheStats, _Mapping]]] = ..., workers_total: _Optional[int] = ..., workers_serving: _Optional[int] = ..., admission: _Optional[_Union[AdmissionStats, _Mapping]] = ...) -> None: ...

class ListWorkersRequest(_message.Message):
    __slots__ = ("service",)
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service: str
    def __init__(self, service: _Optional[str] = ...) -> None: ...

class ListWorkersResponse(_message.Message):
    __slots__ = ("workers",)
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    workers: _containers.RepeatedCompositeFieldContainer[Worker]
    def __init__(self, workers: _Optional[_Iterable[_Union[Worker, _Mapping]]] = ...) -> None: ...
