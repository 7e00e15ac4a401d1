from codeintel.v1 import analyze_pb2 as _analyze_pb2
from codeintel.v1 import common_pb2 as _common_pb2
from codeintel.v1 import coordinator_pb2 as _coordinator_pb2
from codeintel.v1 import parse_pb2 as _parse_pb2
from codeintel.v1 import scan_pb2 as _scan_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_STATUS_UNSPECIFIED: _ClassVar[ChangeStatus]
    CHANGE_STATUS_ADDED: _ClassVar[ChangeStatus]
    CHANGE_STATUS_MODIFIED: _ClassVar[ChangeStatus]
    CHANGE_STATUS_DELETED: _ClassVar[ChangeStatus]
    CHANGE_STATUS_RENAMED: _ClassVar[ChangeStatus]

class FunctionChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUNCTION_CHANGE_KIND_UNSPECIFIED: _ClassVar[FunctionChangeKind]
    FUNCTION_CHANGE_KIND_ADDED: _ClassVar[FunctionChangeKind]
    FUNCTION_CHANGE_KIND_REMOVED: _ClassVar[FunctionChangeKind]
    FUNCTION_CHANGE_KIND_MODIFIED: _ClassVar[FunctionChangeKind]

class ReviewSkipReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_SKIP_REASON_UNSPECIFIED: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_BINARY: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_TOO_LARGE: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_UNSUPPORTED_LANGUAGE: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_LIMIT: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_DEADLINE: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_ERROR: _ClassVar[ReviewSkipReason]
    REVIEW_SKIP_REASON_INVALID_ENCODING: _ClassVar[ReviewSkipReason]

class ReviewGraphStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_GRAPH_STATUS_UNSPECIFIED: _ClassVar[ReviewGraphStatus]
    REVIEW_GRAPH_STATUS_NOT_REQUESTED: _ClassVar[ReviewGraphStatus]
    REVIEW_GRAPH_STATUS_UNAVAILABLE: _ClassVar[ReviewGraphStatus]
    REVIEW_GRAPH_STATUS_NOT_INDEXED: _ClassVar[ReviewGraphStatus]
    REVIEW_GRAPH_STATUS_INDEXED: _ClassVar[ReviewGraphStatus]
CHANGE_STATUS_UNSPECIFIED: ChangeStatus
CHANGE_STATUS_ADDED: ChangeStatus
CHANGE_STATUS_MODIFIED: ChangeStatus
CHANGE_STATUS_DELETED: ChangeStatus
CHANGE_STATUS_RENAMED: ChangeStatus
FUNCTION_CHANGE_KIND_UNSPECIFIED: FunctionChangeKind
FUNCTION_CHANGE_KIND_ADDED: FunctionChangeKind
FUNCTION_CHANGE_KIND_REMOVED: FunctionChangeKind
FUNCTION_CHANGE_KIND_MODIFIED: FunctionChangeKind
REVIEW_SKIP_REASON_UNSPECIFIED: ReviewSkipReason
REVIEW_SKIP_REASON_BINARY: ReviewSkipReason
REVIEW_SKIP_REASON_TOO_LARGE: ReviewSkipReason
REVIEW_SKIP_REASON_UNSUPPORTED_LANGUAGE: ReviewSkipReason
REVIEW_SKIP_REASON_LIMIT: ReviewSkipReason
REVIEW_SKIP_REASON_DEADLINE: ReviewSkipReason
REVIEW_SKIP_REASON_ERROR: ReviewSkipReason
REVIEW_SKIP_REASON_INVALID_ENCODING: ReviewSkipReason
REVIEW_GRAPH_STATUS_UNSPECIFIED: ReviewGraphStatus
REVIEW_GRAPH_STATUS_NOT_REQUESTED: ReviewGraphStatus
REVIEW_GRAPH_STATUS_UNAVAILABLE: ReviewGraphStatus
REVIEW_GRAPH_STATUS_NOT_INDEXED: ReviewGraphStatus
REVIEW_GRAPH_STATUS_INDEXED: ReviewGraphStatus

class RevisionRange(_message.Message):
    __slots__ = ("base", "head", "staged")
    BASE_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    STAGED_FIELD_NUMBER: _ClassVar[int]
    base: str
    head: str
    staged: bool
    def __init__(self, base: _Optional[str] = ..., head: _Optional[str] = ..., staged: _Optional[bool] = ...) -> None: ...

class ChangedFile(_message.Message):
    __slots__ = ("path", "language", "before", "after", "status", "old_path")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OLD_PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    before: bytes
    after: bytes
    status: ChangeStatus
    old_path: str
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., before: _Optional[bytes] = ..., after: _Optional[bytes] = ..., status: _Optional[_Union[ChangeStatus, str]] = ..., old_path: _Optional[str] = ...) -> None: ...

class ChangedFiles(_message.Message):
    __slots__ = ("files",)
    FILES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[ChangedFile]
    def __init__(self, files: _Optional[_Iterable[_Union[ChangedFile, _Mapping]]] = ...) -> None: ...

class ReviewOptions(_message.Message):
    __slots__ = ("fail_on", "caller_depth", "include_callers", "max_files", "max_items", "min_severity")
    FAIL_ON_FIELD_NUMBER: _ClassVar[int]
    CALLER_DEPTH_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CALLERS_FIELD_NUMBER: _ClassVar[int]
    MAX_FILES_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    fail_on: _scan_pb2.Severity
    caller_depth: int
    include_callers: bool
    max_files: int
    max_items: int
    min_severity: _scan_pb2.Severity
    def __init__(self, fail_on: _Optional[_Union[_scan_pb2.Severity, str]] = ..., caller_depth: _Optional[int] = ..., include_callers: _Optional[bool] = ..., max_files: _Optional[int] = ..., max_items: _Optional[int] = ..., min_severity: _Optional[_Union[_scan_pb2.Severity, str]] = ...) -> None: ...

class ReviewChangesRequest(_message.Message):
    __slots__ = ("root", "diff", "revisions", "files", "options", "request_options")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    root: str
    diff: str
    revisions: RevisionRange
    files: ChangedFiles
    options: ReviewOptions
    request_options: _coordinator_pb2.RequestOptions
    def __init__(self, root: _Optional[str] = ..., diff: _Optional[str] = ..., revisions: _Optional[_Union[RevisionRange, _Mapping]] = ..., files: _Optional[_Union[ChangedFiles, _Mapping]] = ..., options: _Optional[_Union[ReviewOptions, _Mapping]] = ..., request_options: _Optional[_Union[_coordinator_pb2.RequestOptions, _Mapping]] = ...) -> None: ...

class FindingCount(_message.Message):
    __slots__ = ("severity", "count")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    severity: _scan_pb2.Severity
    count: int
    def __init__(self, severity: _Optional[_Union[_scan_pb2.Severity, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ReviewSummary(_message.Message):
    __slots__ = ("files_changed", "files_reviewed", "files_skipped", "syntax_errors_new", "syntax_errors_fixed", "functions_changed", "functions_added", "functions_removed", "complexity_increased", "complexity_decreased", "findings_new", "findings_fixed", "duplicates_introduced", "callers", "tests", "failed", "fail_reasons", "broken_uses")
    FILES_CHANGED_FIELD_NUMBER: _ClassVar[int]
    FILES_REVIEWED_FIELD_NUMBER: _ClassVar[int]
    FILES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    SYNTAX_ERRORS_NEW_FIELD_NUMBER: _ClassVar[int]
    SYNTAX_ERRORS_FIXED_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_ADDED_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_REMOVED_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_INCREASED_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_DECREASED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_NEW_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIXED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_INTRODUCED_FIELD_NUMBER: _ClassVar[int]
    CALLERS_FIELD_NUMBER: _ClassVar[int]
    TESTS_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    FAIL_REASONS_FIELD_NUMBER: _ClassVar[int]
    BROKEN_USES_FIELD_NUMBER: _ClassVar[int]
    files_changed: int
    files_reviewed: int
    files_skipped: int
    syntax_errors_new: int
    syntax_errors_fixed: int
    functions_changed: int
    functions_added: int
    functions_removed: int
    complexity_increased: int
    complexity_decreased: int
    findings_new: _containers.RepeatedCompositeFieldContainer[FindingCount]
    findings_fixed: _containers.RepeatedCompositeFieldContainer[FindingCount]
    duplicates_introduced: int
    callers: int
    tests: int
    failed: bool
    fail_reasons: _containers.RepeatedScalarFieldContainer[str]
    broken_uses: int
    def __init__(self, files_changed: _Optional[int] = ..., files_reviewed: _Optional[int] = ..., files_skipped: _Optional[int] = ..., syntax_errors_new: _Optional[int] = ..., syntax_errors_fixed: _Optional[int] = ..., functions_changed: _Optional[int] = ..., functions_added: _Optional[int] = ..., functions_removed: _Optional[int] = ..., complexity_increased: _Optional[int] = ..., complexity_decreased: _Optional[int] = ..., findings_new: _Optional[_Iterable[_Union[FindingCount, _Mapping]]] = ..., findings_fixed: _Optional[_Iterable[_Union[FindingCount, _Mapping]]] = ..., duplicates_introduced: _Optional[int] = ..., callers: _Optional[int] = ..., tests: _Optional[int] = ..., failed: _Optional[bool] = ..., fail_reasons: _Optional[_Iterable[str]] = ..., broken_uses: _Optional[int] = ...) -> None: ...

class Complexity(_message.Message):
    __slots__ = ("cyclomatic", "cognitive")
    CYCLOMATIC_FIELD_NUMBER: _ClassVar[int]
    COGNITIVE_FIELD_NUMBER: _ClassVar[int]
    cyclomatic: int
    cognitive: int
    def __init__(self, cyclomatic: _Optional[int] = ..., cognitive: _Optional[int] = ...) -> None: ...

class ReviewCaller(_message.Message):
    __slots__ = ("name", "qualified_name", "path", "line", "depth")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    name: str
    qualified_name: str
    path: str
    line: int
    depth: int
    def __init__(self, name: _Optional[str] = ..., qualified_name: _Optional[str] = ..., path: _Optional[str] = ..., line: _Optional[int] = ..., depth: _Optional[int] = ...) -> None: ...

class ReviewFunction(_message.Message):
    __slots__ = ("name", "qualified_name", "change", "range", "before", "after", "callers", "tests", "callers_total", "callers_note", "broken_uses", "broken_uses_total")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    CALLERS_FIELD_NUMBER: _ClassVar[int]
    TESTS_FIELD_NUMBER: _ClassVar[int]
    CALLERS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    CALLERS_NOTE_FIELD_NUMBER: _ClassVar[int]
    BROKEN_USES_FIELD_NUMBER: _ClassVar[int]
    BROKEN_USES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    name: str
    qualified_name: str
    change: FunctionChangeKind
    range: _common_pb2.Range
    before: Complexity
    after: Complexity
    callers: _containers.RepeatedCompositeFieldContainer[ReviewCaller]
    tests: _containers.RepeatedCompositeFieldContainer[ReviewCaller]
    callers_total: int
    callers_note: str
    broken_uses: _containers.RepeatedCompositeFieldContainer[ReviewCaller]
    broken_uses_total: int
    def __init__(self, name: _Optional[str] = ..., qualified_name: _Optional[str] = ..., change: _Optional[_Union[FunctionChangeKind, str]] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., before: _Optional[_Union[Complexity, _Mapping]] = ..., after: _Optional[_Union[Complexity, _Mapping]] = ..., callers: _Optional[_Iterable[_Union[ReviewCaller, _Mapping]]] = ..., tests: _Optional[_Iterable[_Union[ReviewCaller, _Mapping]]] = ..., callers_total: _Optional[int] = ..., callers_note: _Optional[str] = ..., broken_uses: _Optional[_Iterable[_Union[ReviewCaller, _Mapping]]] = ..., broken_uses_total: _Optional[int] = ...) -> None: ...

class ReviewFinding(_message.Message):
    __slots__ = ("rule_id", "severity", "range", "message", "fingerprint", "cwe")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    CWE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    severity: _scan_pb2.Severity
    range: _common_pb2.Range
    message: str
    fingerprint: str
    cwe: str
    def __init__(self, rule_id: _Optional[str] = ..., severity: _Optional[_Union[_scan_pb2.Severity, str]] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., message: _Optional[str] = ..., fingerprint: _Optional[str] = ..., cwe: _Optional[str] = ...) -> None: ...

class ReviewFile(_message.Message):
    __slots__ = ("path", "old_path", "language", "status", "lines_added", "lines_removed", "syntax_errors_new", "syntax_errors_fixed", "functions", "findings_new", "findings_fixed", "duplicates_introduced")
    PATH_FIELD_NUMBER: _ClassVar[int]
    OLD_PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LINES_ADDED_FIELD_NUMBER: _ClassVar[int]
    LINES_REMOVED_FIELD_NUMBER: _ClassVar[int]
    SYNTAX_ERRORS_NEW_FIELD_NUMBER: _ClassVar[int]
    SYNTAX_ERRORS_FIXED_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_NEW_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIXED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_INTRODUCED_FIELD_NUMBER: _ClassVar[int]
    path: str
    old_path: str
    language: str
    status: ChangeStatus
    lines_added: int
    lines_removed: int
    syntax_errors_new: _containers.RepeatedCompositeFieldContainer[_parse_pb2.SyntaxError]
    syntax_errors_fixed: _containers.RepeatedCompositeFieldContainer[_parse_pb2.SyntaxError]
    functions: _containers.RepeatedCompositeFieldContainer[ReviewFunction]
    findings_new: _containers.RepeatedCompositeFieldContainer[ReviewFinding]
    findings_fixed: _containers.RepeatedCompositeFieldContainer[ReviewFinding]
    duplicates_introduced: _containers.RepeatedCompositeFieldContainer[_analyze_pb2.DuplicateBlock]
    def __init__(self, path: _Optional[str] = ..., old_path: _Optional[str] = ..., language: _Optional[str] = ..., status: _Optional[_Union[ChangeStatus, str]] = ..., lines_added: _Optional[int] = ..., lines_removed: _Optional[int] = ..., syntax_errors_new: _Optional[_Iterable[_Union[_parse_pb2.SyntaxError, _Mapping]]] = ..., syntax_errors_fixed: _Optional[_Iterable[_Union[_parse_pb2.SyntaxError, _Mapping]]] = ..., functions: _Optional[_Iterable[_Union[ReviewFunction, _Mapping]]] = ..., findings_new: _Optional[_Iterable[_Union[ReviewFinding, _Mapping]]] = ..., findings_fixed: _Optional[_Iterable[_Union[ReviewFinding, _Mapping]]] = ..., duplicates_introduced: _Optional[_Iterable[_Union[_analyze_pb2.DuplicateBlock, _Mapping]]] = ...) -> None: ...

class ReviewSkippedFile(_message.Message):
    __slots__ = ("path", "reason", "message")
    PATH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    path: str
    reason: ReviewSkipReason
    message: str
    def __init__(self, path: _Optional[str] = ..., reason: _Optional[_Union[ReviewSkipReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class ReviewCompleteness(_message.Message):
    __slots__ = ("files_skipped", "graph_status", "graph_note", "indexed_at_unix", "lists_truncated", "partial", "partial_reason", "files_skipped_total")
    FILES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    GRAPH_STATUS_FIELD_NUMBER: _ClassVar[int]
    GRAPH_NOTE_FIELD_NUMBER: _ClassVar[int]
    INDEXED_AT_UNIX_FIELD_NUMBER: _ClassVar[int]
    LISTS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_REASON_FIELD_NUMBER: _ClassVar[int]
    FILES_SKIPPED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    files_skipped: _containers.RepeatedCompositeFieldContainer[ReviewSkippedFile]
    graph_status: ReviewGraphStatus
    graph_note: str
    indexed_at_unix: int
    lists_truncated: bool
    partial: bool
    partial_reason: str
    files_skipped_total: int
    def __init__(self, files_skipped: _Optional[_Iterable[_Union[ReviewSkippedFile, _Mapping]]] = ..., graph_status: _Optional[_Union[ReviewGraphStatus, str]] = ..., graph_note: _Optional[str] = ..., indexed_at_unix: _Optional[int] = ..., lists_truncated: _Optional[bool] = ..., partial: _Optional[bool] = ..., partial_reason: _Optional[str] = ..., files_skipped_total: _Optional[int] = ...) -> None: ...

class ReviewChangesResponse(_message.Message):
    __slots__ = ("summary", "files", "completeness", "base_commit", "head_commit")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    BASE_COMMIT_FIELD_NUMBER: _ClassVar[int]
    HEAD_COMMIT_FIELD_NUMBER: _ClassVar[int]
    summary: ReviewSummary
    files: _containers.RepeatedCompositeFieldContainer[ReviewFile]
    completeness: ReviewCompleteness
    base_commit: str
    head_commit: str
    def __init__(self, summary: _Optional[_Union[ReviewSummary, _Mapping]] = ..., files: _Optional[_Iterable[_Union[ReviewFile, _Mapping]]] = ..., completeness: _Optional[_Union[ReviewCompleteness, _Mapping]] = ..., base_commit: _Optional[str] = ..., head_commit: _Optional[str] = ...) -> None: ...
