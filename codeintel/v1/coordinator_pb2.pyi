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
    __slots__ = ("language",)
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    language: str
    def __init__(self, language: _Optional[str] = ...) -> None: ...

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
