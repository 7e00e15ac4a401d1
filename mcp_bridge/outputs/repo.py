"""Results of the repository tools: repo_scan, repo_analyze and repo_index.

Jobs:
- ``RepoOutputBase``: what every repository result has first (file counts, skipped files and
  their reasons, languages, cursors of the next pages);
- the summary and detail-record models of each operation (``RepoScanOutput``, ``RepoAnalyzeOutput``,
  ``RepoIndexOutput``), looked up by operation name in ``OUTPUTS``.

codeintel.repo builds the summaries and detail records as dicts; these models validate and
order them (field order is the JSON order of the result).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class FileCountsOut(BaseModel):
    files_found: int = Field(description="files considered: processed + skipped + not processed")
    processed: int
    computed: int = Field(description="processed files computed by workers in this run")
    reused: int = Field(description="processed files answered from the coordinator's cache (unchanged content)")
    skipped: int = Field(description="files with no result, each listed in `skipped` with its reason")
    not_processed: int = Field(description="files the run did not get to (deadline, cancellation, fatal error)")
    out_of_scope: int = Field(description="files not matching the path's glob or the include patterns (not listed)")
    directories_skipped: int = Field(description="directories skipped whole (listed in `skipped`, ending in '/')")


class SkippedOut(BaseModel):
    path: str = Field(description="a file, or a directory (ending in '/') skipped whole")
    reason: str
    detail: str = ""


class RepoOutputBase(BaseModel):
    operation: str
    path: str
    complete: bool = Field(description="every file found was processed or skipped for a reason of its own")
    stopped: str | None = Field(default=None, description="why the run ended early, e.g. 'deadline'")
    notes: list[str] = Field(
        default_factory=list,
        description="what else to know, e.g. that .gitignore ignores the path (named, so processed)",
    )
    files: FileCountsOut
    skipped_by_reason: dict[str, int]
    languages: dict[str, int] = Field(description="processed files per language")
    elapsed_s: float
    batches: int
    details_total: int
    details_offset: int
    next_cursor: str | None = Field(default=None, description="pass as `cursor` for the next page of details")
    skipped: list[SkippedOut]
    skipped_total: int
    skipped_offset: int
    next_skipped_cursor: str | None = Field(default=None, description="pass as `cursor` for more skipped files")
    cursor_expires_s: float | None = Field(default=None, description="seconds the cursors stay valid")


class FindingRecord(BaseModel):
    path: str
    line: int
    column: int
    end_line: int
    severity: str
    confidence: str
    rule_id: str
    cwe: str
    owasp: str = ""
    message: str
    snippet: str = ""
    fingerprint: str


class WorstFile(BaseModel):
    path: str
    critical: int
    high: int
    total: int


class RepoScanOutput(RepoOutputBase):
    """Result of repo_scan: counts first, findings (most severe first) paginated."""

    total_findings: int
    counts_by_severity: dict[str, int]
    counts_by_cwe: dict[str, int]
    counts_by_rule: dict[str, int]
    suppressed_count: int
    worst_files: list[WorstFile] = Field(description="files with the most critical+high findings")
    details: list[FindingRecord] = Field(description="findings: severity, then path, line, column")


class HotFunction(BaseModel):
    path: str
    function: str
    start_line: int
    end_line: int
    cyclomatic_complexity: int
    cognitive_complexity: int
    length_lines: int
    maintainability_index: float


class LowMaintainabilityFile(BaseModel):
    path: str
    maintainability_index: float
    code_lines: int
    functions: int


class FileMetricsRecord(BaseModel):
    path: str
    language: str
    lines: int
    code_lines: int
    functions: int
    classes: int
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    max_cognitive_complexity: int
    maintainability_index: float
    duplicates: int
    has_syntax_errors: bool


class RepoAnalyzeOutput(RepoOutputBase):
    """Result of repo_analyze: totals and hot spots first, per-file metrics (by path) paginated."""

    lines: dict[str, int]
    functions: int
    classes: int
    duplicated_blocks: int
    most_complex_functions: list[HotFunction]
    longest_functions: list[HotFunction]
    lowest_maintainability_files: list[LowMaintainabilityFile]
    details: list[FileMetricsRecord] = Field(description="per-file metrics, by path")


class SymbolRecord(BaseModel):
    path: str
    kind: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    depth: int
    parent: str | None = None


class RepoIndexOutput(RepoOutputBase):
    """Result of repo_index: symbol counts first, symbols (by path, document order) paginated."""

    total_symbols: int
    symbols_by_kind: dict[str, int]
    files_with_syntax_errors: int
    files_without_symbol_support: int
    details: list[SymbolRecord] = Field(description="symbols by path, in document order")


RepoOutput = RepoScanOutput | RepoAnalyzeOutput | RepoIndexOutput
OUTPUTS: dict[str, type[RepoScanOutput] | type[RepoAnalyzeOutput] | type[RepoIndexOutput]] = {
    "scan": RepoScanOutput,
    "analyze": RepoAnalyzeOutput,
    "index": RepoIndexOutput,
}
