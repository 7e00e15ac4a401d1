"""Result of the review_changes tool: the output model (its outputSchema), the converter from the
coordinator's ReviewChangesResponse, the byte-budget fitting and the text a model reads.

Summary first (counts over every file, `failed` with its reasons), then one entry per reviewed
file, then `completeness` (skipped files and why, the graph's status, lists cut, a deadline's
partial answer). Lines and columns are 1-based.
"""

from __future__ import annotations

import datetime

from pydantic import BaseModel, Field

from codeintel.kernel.vocab import enum_name, severity_name
from codeintel.v1 import review_pb2 as r


def _change(value: int) -> str:
    return enum_name(r.FunctionChangeKind, value, "FUNCTION_CHANGE_KIND_")


class SummaryOut(BaseModel):
    """The whole review in numbers (every file, whatever the lists below were cut to)."""

    failed: bool = Field(description="the change brought a new finding at or above fail_on, or a new syntax error")
    fail_reasons: list[str]
    files_changed: int
    files_reviewed: int
    files_skipped: int
    syntax_errors_new: int
    syntax_errors_fixed: int
    functions_changed: int
    functions_added: int
    functions_removed: int
    complexity_increased: int = Field(description="changed functions whose cyclomatic or cognitive complexity rose")
    complexity_decreased: int
    findings_new: dict[str, int] = Field(description="new security findings by severity")
    findings_fixed: dict[str, int] = Field(description="findings the change removed, by severity")
    duplicates_introduced: int
    callers: int = Field(description="distinct callers of the changed functions (repository graph)")
    tests: int = Field(description="distinct tests reaching the changed functions (callers in test files)")
    broken_uses: int = Field(
        0, description="uses of removed functions that still name them: what the change breaks (fix or remove them)"
    )


class SyntaxErrorOut(BaseModel):
    line: int
    column: int
    message: str


class FindingOut(BaseModel):
    rule_id: str
    severity: str
    line: int
    column: int
    message: str
    fingerprint: str


class CallerOut(BaseModel):
    name: str
    path: str
    line: int
    depth: int = Field(description="1: calls the function directly; 2: calls a caller; ...")


class FunctionOut(BaseModel):
    name: str
    change: str = Field(description="'added', 'removed' or 'modified'")
    line: int = Field(description="first line (after the change; before it for a removed function)")
    cyclomatic: str = Field(description="before -> after, e.g. '3 -> 7' ('-' where the function does not exist)")
    cognitive: str
    callers: list[CallerOut] = []
    tests: list[CallerOut] = []
    callers_total: int = 0
    callers_note: str | None = None
    broken_uses: list[CallerOut] = Field(
        [], description="for a removed function: the places that still use it (they break with this change)"
    )
    broken_uses_total: int = 0


class DuplicateOut(BaseModel):
    line_count: int
    occurrences: list[str] = Field(description="line ranges 'start-end' of each copy")


class FileOut(BaseModel):
    path: str
    status: str
    old_path: str | None = None
    language: str
    lines_added: int
    lines_removed: int
    syntax_errors_new: list[SyntaxErrorOut] = []
    syntax_errors_fixed: list[SyntaxErrorOut] = []
    findings_new: list[FindingOut] = []
    findings_fixed: list[FindingOut] = []
    functions: list[FunctionOut] = []
    duplicates_introduced: list[DuplicateOut] = []


class SkippedOut(BaseModel):
    path: str
    reason: str
    message: str = ""


class CompletenessOut(BaseModel):
    """What the review could not see."""

    files_skipped: list[SkippedOut]
    files_skipped_total: int
    graph: str = Field(description="'indexed', 'not_indexed' (call index_repository), 'unavailable', 'not_requested'")
    graph_note: str
    indexed_at: str | None = None
    lists_truncated: bool = Field(description="some list was cut (max_items or the result size budget)")
    partial: bool = Field(description="the deadline stopped the work: some files or callers are missing")
    partial_reason: str | None = None


class ReviewOutput(BaseModel):
    repo: str | None
    summary: SummaryOut
    files: list[FileOut]
    files_omitted: int = Field(
        default=0, description="reviewed files left out of `files` to fit the result size budget"
    )
    completeness: CompletenessOut
    base_commit: str | None = None
    head_commit: str | None = None
    notes: list[str] = []


def _span(rng) -> tuple[int, int]:
    return rng.start.line + 1, rng.start.column + 1


def _err(e) -> SyntaxErrorOut:
    line, col = _span(e.range)
    return SyntaxErrorOut(line=line, column=col, message=e.message)


def _finding(x: r.ReviewFinding) -> FindingOut:
    line, col = _span(x.range)
    return FindingOut(
        rule_id=x.rule_id,
        severity=severity_name(x.severity),
        line=line,
        column=col,
        message=x.message,
        fingerprint=x.fingerprint,
    )


def _caller(c: r.ReviewCaller) -> CallerOut:
    return CallerOut(name=c.qualified_name or c.name or "(file level)", path=c.path, line=c.line + 1, depth=c.depth)


def _arrow(fn: r.ReviewFunction, attr: str) -> str:
    b = str(getattr(fn.before, attr)) if fn.HasField("before") else "-"
    a = str(getattr(fn.after, attr)) if fn.HasField("after") else "-"
    return f"{b} -> {a}"


def _function(fn: r.ReviewFunction) -> FunctionOut:
    return FunctionOut(
        name=fn.qualified_name or fn.name,
        change=_change(fn.change),
        line=fn.range.start.line + 1,
        cyclomatic=_arrow(fn, "cyclomatic"),
        cognitive=_arrow(fn, "cognitive"),
        callers=[_caller(c) for c in fn.callers],
        tests=[_caller(c) for c in fn.tests],
        callers_total=fn.callers_total,
        callers_note=fn.callers_note or None,
        broken_uses=[_caller(c) for c in fn.broken_uses],
        broken_uses_total=fn.broken_uses_total,
    )


def review_output(repo: str | None, resp: r.ReviewChangesResponse) -> ReviewOutput:
    s, c = resp.summary, resp.completeness
    when = None
    if c.indexed_at_unix:
        when = datetime.datetime.fromtimestamp(c.indexed_at_unix, datetime.UTC).isoformat(timespec="seconds")
    return ReviewOutput(
        repo=repo,
        summary=SummaryOut(
            failed=s.failed,
            fail_reasons=list(s.fail_reasons),
            files_changed=s.files_changed,
            files_reviewed=s.files_reviewed,
            files_skipped=s.files_skipped,
            syntax_errors_new=s.syntax_errors_new,
            syntax_errors_fixed=s.syntax_errors_fixed,
            functions_changed=s.functions_changed,
            functions_added=s.functions_added,
            functions_removed=s.functions_removed,
            complexity_increased=s.complexity_increased,
            complexity_decreased=s.complexity_decreased,
            findings_new={severity_name(x.severity): x.count for x in s.findings_new},
            findings_fixed={severity_name(x.severity): x.count for x in s.findings_fixed},
            duplicates_introduced=s.duplicates_introduced,
            callers=s.callers,
            tests=s.tests,
            broken_uses=s.broken_uses,
        ),
        files=[
            FileOut(
                path=f.path,
                status=enum_name(r.ChangeStatus, f.status, "CHANGE_STATUS_"),
                old_path=f.old_path or None,
                language=f.language,
                lines_added=f.lines_added,
                lines_removed=f.lines_removed,
                syntax_errors_new=[_err(e) for e in f.syntax_errors_new],
                syntax_errors_fixed=[_err(e) for e in f.syntax_errors_fixed],
                findings_new=[_finding(x) for x in f.findings_new],
                findings_fixed=[_finding(x) for x in f.findings_fixed],
                functions=[_function(fn) for fn in f.functions],
                duplicates_introduced=[
                    DuplicateOut(
                        line_count=d.line_count,
                        occurrences=[f"{o.start.line + 1}-{o.end.line + 1}" for o in d.occurrences],
                    )
                    for d in f.duplicates_introduced
                ],
            )
            for f in resp.files
        ],
        completeness=CompletenessOut(
            files_skipped=[
                SkippedOut(
                    path=x.path,
                    reason=enum_name(r.ReviewSkipReason, x.reason, "REVIEW_SKIP_REASON_"),
                    message=x.message,
                )
                for x in c.files_skipped
            ],
            files_skipped_total=c.files_skipped_total,
            graph=enum_name(r.ReviewGraphStatus, c.graph_status, "REVIEW_GRAPH_STATUS_"),
            graph_note=c.graph_note,
            indexed_at=when,
            lists_truncated=c.lists_truncated,
            partial=c.partial,
            partial_reason=c.partial_reason or None,
        ),
        base_commit=resp.base_commit or None,
        head_commit=resp.head_commit or None,
    )


def _size(out: ReviewOutput) -> int:
    return len(out.model_dump_json(by_alias=True))


def fit(out: ReviewOutput, max_bytes: int) -> bool:
    """Cut `out` until its JSON fits in max_bytes: callers first, then the longest per-file lists,
    then whole files from the end (counted in files_omitted). Whether anything was cut."""
    cut = False
    while _size(out) > max_bytes:
        cut = True
        fns = [fn for f in out.files for fn in f.functions if fn.callers or fn.tests]
        longest_callers = max((len(fn.callers) for fn in fns), default=0)
        if longest_callers > 1:
            for fn in fns:
                fn.callers = fn.callers[: max(1, longest_callers // 2)]
                fn.tests = fn.tests[: max(1, longest_callers // 2)]
            continue
        lists = [
            (len(getattr(f, name)), f, name)
            for f in out.files
            for name in ("functions", "findings_fixed", "syntax_errors_fixed", "duplicates_introduced", "findings_new")
        ]
        n, f, name = max(lists, key=lambda t: t[0], default=(0, None, ""))
        if n > 4 and f is not None:
            setattr(f, name, getattr(f, name)[: n // 2])
            continue
        if len(out.files) > 1:
            out.files.pop()
            out.files_omitted += 1
            continue
        break
    if cut:
        out.completeness.lists_truncated = True
    return cut


def review_text(out: ReviewOutput) -> str:
    s = out.summary
    verdict = "FAILED: " + "; ".join(s.fail_reasons) if s.failed else "ok"

    def sev(d: dict[str, int]) -> str:
        return ", ".join(f"{n} {k}" for k, n in d.items()) or "none"

    lines = [
        f"Review: {s.files_changed} files changed, {s.files_reviewed} reviewed, {s.files_skipped} skipped: {verdict}",
        f"Syntax errors: {s.syntax_errors_new} new, {s.syntax_errors_fixed} fixed. Functions: {s.functions_changed} "
        f"changed, {s.functions_added} added, {s.functions_removed} removed; complexity up in "
        f"{s.complexity_increased}, down in {s.complexity_decreased}.",
        f"Findings: new {sev(s.findings_new)}; fixed {sev(s.findings_fixed)}. Duplicated blocks introduced: "
        f"{s.duplicates_introduced}. Callers reached: {s.callers}, tests reached: {s.tests}."
        + (f" Uses of removed functions left behind: {s.broken_uses}." if s.broken_uses else ""),
    ]
    for f in out.files:
        items = [f"{f.path}:{e.line}:{e.column}: NEW syntax error: {e.message}" for e in f.syntax_errors_new]
        items += [f"{f.path}:{x.line}:{x.column}: NEW {x.severity} {x.rule_id}: {x.message}" for x in f.findings_new]
        for fn in f.functions:
            if fn.change == "modified" and fn.cyclomatic.split(" -> ")[0] == fn.cyclomatic.split(" -> ")[1]:
                continue
            tests = f"; tests: {', '.join(t.name for t in fn.tests[:5])}" if fn.tests else ""
            items.append(f"{f.path}:{fn.line}: {fn.change} {fn.name}: cyclomatic {fn.cyclomatic}{tests}")
            items += [
                f"{u.path}:{u.line}: still uses removed {fn.name} (in {u.name}): update or remove it"
                for u in fn.broken_uses
            ]
        lines += items
    c = out.completeness
    lines.append(f"Graph: {c.graph_note}.")
    if c.files_skipped_total:
        lines.append(f"Skipped {c.files_skipped_total} files (see completeness.files_skipped).")
    if c.partial:
        lines.append(f"PARTIAL: {c.partial_reason}; pass a larger deadline_s.")
    lines += out.notes
    return "\n".join(lines)
