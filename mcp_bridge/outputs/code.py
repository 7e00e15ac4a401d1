"""Results of the single-file tools: code_parse, code_analyze and vulnerability_scan.

Jobs:
- the output models (``ParseOutput``, ``AnalyzeOutput``, ``ScanOutput`` and their parts);
- the converters from the coordinator's responses: ``parse_output``, ``analyze_output``,
  ``scan_output`` (1-based positions, findings most severe first, long data-flow paths shortened).

The converters return every item; mcp_bridge.bounds cuts them to the result budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from codeintel.kernel.vocab import confidence_name, enum_name, severity_name, severity_rank
from codeintel.v1 import coordinator_pb2, parse_pb2, scan_pb2
from mcp_bridge.outputs.common import ServedBy, served_by

# --------------------------------------------------------------------------- code_parse


class SymbolOut(BaseModel):
    name: str
    kind: str = Field(description="function, method, class, interface, struct, enum, trait, module, import, ...")
    qualified_name: str
    start_line: int
    end_line: int
    depth: int = Field(description="0 at top level")
    parent: str | None = Field(default=None, description="qualified name of the enclosing symbol")


class SyntaxErrorOut(BaseModel):
    kind: str = Field(description="'error' (unparseable text) or 'missing' (expected token absent)")
    message: str
    line: int
    column: int


class AstNodeOut(BaseModel):
    index: int
    type: str
    named: bool
    parent: int = Field(description="index of the parent node, -1 for the root")
    depth: int
    field: str | None = None
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str | None = Field(default=None, description="source text of leaf nodes (<= 256 bytes)")
    is_error: bool = False
    is_missing: bool = False


class ParseOutput(BaseModel):
    """Result of code_parse."""

    path: str
    language: str
    line_count: int
    byte_count: int
    has_errors: bool = Field(description="whether the source has syntax errors")
    symbols_supported: bool = Field(description="false: symbols are not extracted for this language")
    symbols: list[SymbolOut]
    total_symbols: int
    returned_symbols: int
    syntax_errors: list[SyntaxErrorOut]
    total_syntax_errors: int
    returned_syntax_errors: int
    ast: list[AstNodeOut] | None = Field(default=None, description="pre-order syntax tree, only with include_ast")
    returned_ast_nodes: int = 0
    ast_truncated: bool = Field(default=False, description="the AST was cut by depth/node limits")
    truncated: bool = Field(description="true when any list above holds fewer items than exist")
    served_by: ServedBy


def parse_output(resp: coordinator_pb2.CodeIntelServiceParseResponse, *, include_ast: bool) -> ParseOutput:
    r = resp.result
    qnames = [s.qualified_name or s.name for s in r.symbols]
    symbols = [
        SymbolOut(
            name=s.name,
            kind=enum_name(parse_pb2.SymbolKind, s.kind, "SYMBOL_KIND_"),
            qualified_name=s.qualified_name or s.name,
            start_line=s.range.start.line + 1,
            end_line=s.range.end.line + 1,
            depth=s.depth,
            parent=qnames[s.parent_index] if 0 <= s.parent_index < len(qnames) else None,
        )
        for s in r.symbols
    ]
    errors = [
        SyntaxErrorOut(
            kind=enum_name(parse_pb2.SyntaxErrorKind, e.kind, "SYNTAX_ERROR_KIND_"),
            message=e.message,
            line=e.range.start.line + 1,
            column=e.range.start.column + 1,
        )
        for e in r.errors
    ]
    ast = None
    if include_ast:
        ast = [
            AstNodeOut(
                index=i,
                type=n.type,
                named=n.named,
                parent=n.parent_index,
                depth=n.depth,
                field=n.field or None,
                start_line=n.range.start.line + 1,
                start_column=n.range.start.column + 1,
                end_line=n.range.end.line + 1,
                end_column=n.range.end.column + 1,
                text=n.text or None,
                is_error=n.is_error,
                is_missing=n.is_missing,
            )
            for i, n in enumerate(r.ast)
        ]
    return ParseOutput(
        path=r.path,
        language=r.language,
        line_count=r.line_count,
        byte_count=r.byte_count,
        has_errors=r.has_errors,
        symbols_supported=r.symbols_supported,
        symbols=symbols,
        total_symbols=len(symbols),
        returned_symbols=len(symbols),
        syntax_errors=errors,
        total_syntax_errors=len(errors),
        returned_syntax_errors=len(errors),
        ast=ast,
        returned_ast_nodes=len(ast or ()),
        ast_truncated=r.ast_truncated,
        truncated=r.ast_truncated,
        served_by=served_by(resp.info),
    )


# --------------------------------------------------------------------------- code_analyze


class LineCountsOut(BaseModel):
    total: int
    code: int
    comment: int
    blank: int


class FunctionOut(BaseModel):
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    cyclomatic_complexity: int
    cognitive_complexity: int
    max_nesting_depth: int
    parameter_count: int
    length_lines: int
    code_lines: int
    halstead_volume: float
    maintainability_index: float = Field(description="0..100, higher is easier to maintain (Visual Studio scale)")


class LineRangeOut(BaseModel):
    start_line: int
    end_line: int


class DuplicateOut(BaseModel):
    occurrences: list[LineRangeOut] = Field(description="1-based line ranges of each copy, in document order")
    line_count: int
    token_count: int


class AnalyzeOutput(BaseModel):
    """Result of code_analyze."""

    path: str
    language: str
    lines: LineCountsOut
    function_count: int
    class_count: int
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    max_cognitive_complexity: int
    maintainability_index: float
    halstead_volume: float
    has_syntax_errors: bool
    duplicates: list[DuplicateOut] = Field(
        default_factory=list, description="blocks of >= 6 lines / 50 tokens repeated within the file"
    )
    total_duplicates: int = 0
    returned_duplicates: int = 0
    functions: list[FunctionOut] = Field(
        description="per-function metrics in document order; when truncated, the most complex are kept"
    )
    total_functions: int
    returned_functions: int
    truncated: bool
    served_by: ServedBy


def analyze_output(resp: coordinator_pb2.CodeIntelServiceAnalyzeResponse) -> AnalyzeOutput:
    r = resp.result
    functions = [
        FunctionOut(
            name=f.name,
            qualified_name=f.qualified_name or f.name,
            start_line=f.range.start.line + 1,
            end_line=f.range.end.line + 1,
            cyclomatic_complexity=f.cyclomatic_complexity,
            cognitive_complexity=f.cognitive_complexity,
            max_nesting_depth=f.max_nesting_depth,
            parameter_count=f.parameter_count,
            length_lines=f.length_lines,
            code_lines=f.code_lines,
            halstead_volume=round(f.halstead.volume, 2),
            maintainability_index=round(f.maintainability_index, 2),
        )
        for f in r.functions
    ]
    duplicates = [
        DuplicateOut(
            occurrences=[LineRangeOut(start_line=o.start.line + 1, end_line=o.end.line + 1) for o in d.occurrences],
            line_count=d.line_count,
            token_count=d.token_count,
        )
        for d in r.duplicates
    ]
    return AnalyzeOutput(
        path=r.path,
        language=r.language,
        lines=LineCountsOut(total=r.lines.total, code=r.lines.code, comment=r.lines.comment, blank=r.lines.blank),
        function_count=r.function_count,
        class_count=r.class_count,
        max_cyclomatic_complexity=r.max_cyclomatic_complexity,
        average_cyclomatic_complexity=round(r.average_cyclomatic_complexity, 3),
        max_cognitive_complexity=r.max_cognitive_complexity,
        maintainability_index=round(r.maintainability_index, 2),
        halstead_volume=round(r.halstead.volume, 2),
        has_syntax_errors=r.has_syntax_errors,
        duplicates=duplicates,
        total_duplicates=len(duplicates),
        returned_duplicates=len(duplicates),
        functions=functions,
        total_functions=len(functions),
        returned_functions=len(functions),
        truncated=False,
        served_by=served_by(resp.info),
    )


# --------------------------------------------------------------------------- vulnerability_scan

MAX_FLOW_STEPS = 12


class FlowStepOut(BaseModel):
    line: int
    column: int
    message: str


class FindingOut(BaseModel):
    rule_id: str
    cwe: str = Field(description="e.g. 'CWE-78'")
    owasp: str = Field(default="", description="OWASP Top 10 (2021) category, e.g. 'A03:2021-Injection'")
    severity: str = Field(description="info, low, medium, high or critical")
    confidence: str = Field(description="low, medium or high")
    line: int
    column: int
    end_line: int
    message: str = Field(description="what is wrong and how to fix it")
    snippet: str
    fingerprint: str
    suppressed: bool = False
    suppression: str | None = Field(default=None, description="'inline' or 'baseline' when suppressed")
    flow: list[FlowStepOut] = Field(
        default_factory=list,
        description="for data-flow findings: how untrusted input reaches the sink, source first, sink last",
    )


def _flow(steps: Sequence[scan_pb2.FlowStep]) -> list[FlowStepOut]:
    out = [FlowStepOut(line=s.range.start.line + 1, column=s.range.start.column + 1, message=s.message) for s in steps]
    if len(out) > MAX_FLOW_STEPS:  # keep the source, the last steps and the sink
        out = (
            out[:1]
            + [
                FlowStepOut(
                    line=out[1].line,
                    column=out[1].column,
                    message=f"... {len(out) - MAX_FLOW_STEPS + 1} steps omitted ...",
                )
            ]
            + out[-(MAX_FLOW_STEPS - 2) :]
        )
    return out


class ScanOutput(BaseModel):
    """Result of vulnerability_scan."""

    path: str
    language: str
    findings: list[FindingOut] = Field(description="most severe first, then in document order")
    total_findings: int
    returned_findings: int
    counts_by_severity: dict[str, int]
    suppressed_count: int
    rules_evaluated: int
    has_syntax_errors: bool
    sarif: dict[str, Any] | None = Field(default=None, description="SARIF 2.1.0 log, only with include_sarif")
    sarif_omitted_reason: str | None = None
    truncated: bool
    served_by: ServedBy


def scan_output(resp: coordinator_pb2.CodeIntelServiceScanResponse) -> ScanOutput:
    r = resp.result
    findings = [
        FindingOut(
            rule_id=f.rule_id,
            cwe=f.cwe,
            severity=severity_name(f.severity),
            confidence=confidence_name(f.confidence),
            line=f.range.start.line + 1,
            column=f.range.start.column + 1,
            end_line=f.range.end.line + 1,
            message=f.message,
            snippet=f.snippet,
            fingerprint=f.fingerprint,
            suppressed=f.suppressed,
            owasp=f.owasp,
            suppression=enum_name(scan_pb2.Suppression, f.suppression, "SUPPRESSION_") if f.suppressed else None,
            flow=_flow(f.flow),
        )
        for f in r.findings
    ]
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.line, f.column))
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return ScanOutput(
        path=r.path,
        language=r.language,
        findings=findings,
        total_findings=len(findings),
        returned_findings=len(findings),
        counts_by_severity=counts,
        suppressed_count=r.suppressed_count,
        rules_evaluated=r.rules_evaluated,
        has_syntax_errors=r.has_syntax_errors,
        truncated=False,
        served_by=served_by(resp.info),
    )
