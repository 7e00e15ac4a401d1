from codeintel.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_LOW: _ClassVar[Severity]
    SEVERITY_MEDIUM: _ClassVar[Severity]
    SEVERITY_HIGH: _ClassVar[Severity]
    SEVERITY_CRITICAL: _ClassVar[Severity]

class Confidence(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIDENCE_UNSPECIFIED: _ClassVar[Confidence]
    CONFIDENCE_LOW: _ClassVar[Confidence]
    CONFIDENCE_MEDIUM: _ClassVar[Confidence]
    CONFIDENCE_HIGH: _ClassVar[Confidence]

class Suppression(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPPRESSION_UNSPECIFIED: _ClassVar[Suppression]
    SUPPRESSION_INLINE: _ClassVar[Suppression]
    SUPPRESSION_BASELINE: _ClassVar[Suppression]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_LOW: Severity
SEVERITY_MEDIUM: Severity
SEVERITY_HIGH: Severity
SEVERITY_CRITICAL: Severity
CONFIDENCE_UNSPECIFIED: Confidence
CONFIDENCE_LOW: Confidence
CONFIDENCE_MEDIUM: Confidence
CONFIDENCE_HIGH: Confidence
SUPPRESSION_UNSPECIFIED: Suppression
SUPPRESSION_INLINE: Suppression
SUPPRESSION_BASELINE: Suppression

class ScanOptions(_message.Message):
    __slots__ = ("min_severity", "min_confidence", "rule_ids", "exclude_rule_ids", "include_sarif", "include_suppressed", "baseline_fingerprints", "summarize", "summaries", "cross_file", "custom_rules")
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SARIF_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FINGERPRINTS_FIELD_NUMBER: _ClassVar[int]
    SUMMARIZE_FIELD_NUMBER: _ClassVar[int]
    SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    CROSS_FILE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RULES_FIELD_NUMBER: _ClassVar[int]
    min_severity: Severity
    min_confidence: Confidence
    rule_ids: _containers.RepeatedScalarFieldContainer[str]
    exclude_rule_ids: _containers.RepeatedScalarFieldContainer[str]
    include_sarif: bool
    include_suppressed: bool
    baseline_fingerprints: _containers.RepeatedScalarFieldContainer[str]
    summarize: bool
    summaries: _containers.RepeatedCompositeFieldContainer[FunctionSummary]
    cross_file: bool
    custom_rules: _containers.RepeatedCompositeFieldContainer[RuleFile]
    def __init__(self, min_severity: _Optional[_Union[Severity, str]] = ..., min_confidence: _Optional[_Union[Confidence, str]] = ..., rule_ids: _Optional[_Iterable[str]] = ..., exclude_rule_ids: _Optional[_Iterable[str]] = ..., include_sarif: _Optional[bool] = ..., include_suppressed: _Optional[bool] = ..., baseline_fingerprints: _Optional[_Iterable[str]] = ..., summarize: _Optional[bool] = ..., summaries: _Optional[_Iterable[_Union[FunctionSummary, _Mapping]]] = ..., cross_file: _Optional[bool] = ..., custom_rules: _Optional[_Iterable[_Union[RuleFile, _Mapping]]] = ...) -> None: ...

class RuleFile(_message.Message):
    __slots__ = ("path", "content")
    PATH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    path: str
    content: str
    def __init__(self, path: _Optional[str] = ..., content: _Optional[str] = ...) -> None: ...

class ParameterFlow(_message.Message):
    __slots__ = ("position", "sanitized_kinds")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SANITIZED_KINDS_FIELD_NUMBER: _ClassVar[int]
    position: int
    sanitized_kinds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, position: _Optional[int] = ..., sanitized_kinds: _Optional[_Iterable[str]] = ...) -> None: ...

class FunctionSummary(_message.Message):
    __slots__ = ("name", "language", "parameters", "source_kinds", "source_message", "path", "line")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_KINDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    name: str
    language: str
    parameters: _containers.RepeatedCompositeFieldContainer[ParameterFlow]
    source_kinds: _containers.RepeatedScalarFieldContainer[str]
    source_message: str
    path: str
    line: int
    def __init__(self, name: _Optional[str] = ..., language: _Optional[str] = ..., parameters: _Optional[_Iterable[_Union[ParameterFlow, _Mapping]]] = ..., source_kinds: _Optional[_Iterable[str]] = ..., source_message: _Optional[str] = ..., path: _Optional[str] = ..., line: _Optional[int] = ...) -> None: ...

class FlowStep(_message.Message):
    __slots__ = ("range", "message")
    RANGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    range: _common_pb2.Range
    message: str
    def __init__(self, range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("rule_id", "cwe", "severity", "confidence", "range", "message", "snippet", "fingerprint", "suppressed", "owasp", "suppression", "flow")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CWE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    OWASP_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSION_FIELD_NUMBER: _ClassVar[int]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    cwe: str
    severity: Severity
    confidence: Confidence
    range: _common_pb2.Range
    message: str
    snippet: str
    fingerprint: str
    suppressed: bool
    owasp: str
    suppression: Suppression
    flow: _containers.RepeatedCompositeFieldContainer[FlowStep]
    def __init__(self, rule_id: _Optional[str] = ..., cwe: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., confidence: _Optional[_Union[Confidence, str]] = ..., range: _Optional[_Union[_common_pb2.Range, _Mapping]] = ..., message: _Optional[str] = ..., snippet: _Optional[str] = ..., fingerprint: _Optional[str] = ..., suppressed: _Optional[bool] = ..., owasp: _Optional[str] = ..., suppression: _Optional[_Union[Suppression, str]] = ..., flow: _Optional[_Iterable[_Union[FlowStep, _Mapping]]] = ...) -> None: ...

class ScanResult(_message.Message):
    __slots__ = ("path", "language", "findings", "suppressed_count", "rules_evaluated", "has_syntax_errors", "summaries")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RULES_EVALUATED_FIELD_NUMBER: _ClassVar[int]
    HAS_SYNTAX_ERRORS_FIELD_NUMBER: _ClassVar[int]
    SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    path: str
    language: str
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    suppressed_count: int
    rules_evaluated: int
    has_syntax_errors: bool
    summaries: _containers.RepeatedCompositeFieldContainer[FunctionSummary]
    def __init__(self, path: _Optional[str] = ..., language: _Optional[str] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., suppressed_count: _Optional[int] = ..., rules_evaluated: _Optional[int] = ..., has_syntax_errors: _Optional[bool] = ..., summaries: _Optional[_Iterable[_Union[FunctionSummary, _Mapping]]] = ...) -> None: ...

class ScanRequest(_message.Message):
    __slots__ = ("file", "options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: _common_pb2.SourceFile
    options: ScanOptions
    def __init__(self, file: _Optional[_Union[_common_pb2.SourceFile, _Mapping]] = ..., options: _Optional[_Union[ScanOptions, _Mapping]] = ...) -> None: ...

class ScanResponse(_message.Message):
    __slots__ = ("result", "sarif_json", "service_version")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SARIF_JSON_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    result: ScanResult
    sarif_json: str
    service_version: str
    def __init__(self, result: _Optional[_Union[ScanResult, _Mapping]] = ..., sarif_json: _Optional[str] = ..., service_version: _Optional[str] = ...) -> None: ...

class ScanBatchRequest(_message.Message):
    __slots__ = ("files", "options")
    FILES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceFile]
    options: ScanOptions
    def __init__(self, files: _Optional[_Iterable[_Union[_common_pb2.SourceFile, _Mapping]]] = ..., options: _Optional[_Union[ScanOptions, _Mapping]] = ...) -> None: ...

class ScanFileResult(_message.Message):
    __slots__ = ("result", "error")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    result: ScanResult
    error: _common_pb2.FileError
    def __init__(self, result: _Optional[_Union[ScanResult, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.FileError, _Mapping]] = ...) -> None: ...

class ScanBatchResponse(_message.Message):
    __slots__ = ("results", "sarif_json", "service_version")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SARIF_JSON_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScanFileResult]
    sarif_json: str
    service_version: str
    def __init__(self, results: _Optional[_Iterable[_Union[ScanFileResult, _Mapping]]] = ..., sarif_json: _Optional[str] = ..., service_version: _Optional[str] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("id", "languages", "cwe", "owasp", "severity", "confidence", "description", "dataflow", "custom", "source")
    ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    CWE_FIELD_NUMBER: _ClassVar[int]
    OWASP_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATAFLOW_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    cwe: str
    owasp: str
    severity: Severity
    confidence: Confidence
    description: str
    dataflow: bool
    custom: bool
    source: str
    def __init__(self, id: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., cwe: _Optional[str] = ..., owasp: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., confidence: _Optional[_Union[Confidence, str]] = ..., description: _Optional[str] = ..., dataflow: _Optional[bool] = ..., custom: _Optional[bool] = ..., source: _Optional[str] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("language", "custom_rules")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_RULES_FIELD_NUMBER: _ClassVar[int]
    language: str
    custom_rules: _containers.RepeatedCompositeFieldContainer[RuleFile]
    def __init__(self, language: _Optional[str] = ..., custom_rules: _Optional[_Iterable[_Union[RuleFile, _Mapping]]] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules", "service_version")
    RULES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    service_version: str
    def __init__(self, rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ..., service_version: _Optional[str] = ...) -> None: ...
