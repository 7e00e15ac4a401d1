"""code_query's result: counts first, then the page of matches with their captures, then what the
answer could not see (lines and columns 1-based; columns count UTF-8 bytes of the line)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codeintel.v1 import query_pb2
from mcp_bridge.outputs.graph import SkippedFileOut, skip_reason


class CaptureOut(BaseModel):
    name: str = Field(description="capture name without '@' (a pattern's metavariable without '$'; 'match': all of it)")
    line: int
    column: int
    end_line: int
    end_column: int
    text: str = Field(description="the captured source text, at most 200 bytes")
    text_truncated: bool = False


class MatchOut(BaseModel):
    path: str
    line: int = Field(description="where the match starts (its first capture)")
    pattern_index: int = Field(description="which pattern of the query matched (0-based)")
    captures: list[CaptureOut]


class QueryCompletenessOut(BaseModel):
    """What the answer could not see. Read it before concluding that something does not exist."""

    partial: bool = Field(description="the answer is partial: see `stopped`")
    stopped: list[str] = Field(description="why: 'deadline', 'match limit', 'file limit', 'per-file match limit'")
    files_skipped: dict[str, int] = Field(description="files not searched, by reason")
    skipped: list[SkippedFileOut] = Field(description="some skipped files worth a look, with the reason")
    files_with_errors: int = Field(
        description="searched files with syntax errors: matches in broken parts may be missing"
    )
    files_truncated: int = Field(description="files whose matches were cut at the per-file limit")


class CodeQueryOutput(BaseModel):
    """Result of code_query: counts over all files first, then one page of matches."""

    kind: str = Field(description="'query' (tree-sitter) or 'pattern' (ast-grep)")
    target: str = Field(description="what was searched: a directory, a file or the inline code")
    files_searched: int
    files_with_matches: int
    matches: int = Field(description="matches over all files (not only this page)")
    matches_exact: bool = Field(description="false: a limit or the deadline cut the count (it is a lower bound)")
    files_other_language: int = Field(description="files under the path of another language, not searched")
    languages: list[str]
    returned: int = Field(description="matches on this page")
    results: list[MatchOut]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` (same other arguments) for the next page"
    )
    completeness: QueryCompletenessOut
    notes: list[str] = Field(default_factory=list)


def capture_out(c) -> CaptureOut:
    r = c.range
    return CaptureOut(
        name=c.name,
        line=r.start.line + 1,
        column=r.start.column + 1,
        end_line=r.end.line + 1,
        end_column=r.end.column + 1,
        text=c.text,
        text_truncated=c.text_truncated,
    )


def query_output(kind: str, target: str, resp: query_pb2.CodeQueryResponse) -> CodeQueryOutput:
    s, c = resp.summary, resp.completeness
    results = [
        MatchOut(
            path=m.path,
            line=(m.captures[0].range.start.line + 1) if m.captures else 0,
            pattern_index=m.pattern_index,
            captures=[capture_out(x) for x in m.captures],
        )
        for m in resp.matches
    ]
    return CodeQueryOutput(
        kind=kind,
        target=target,
        files_searched=s.files_searched,
        files_with_matches=s.files_with_matches,
        matches=s.matches,
        matches_exact=s.matches_exact,
        files_other_language=s.files_other_language,
        languages=list(s.languages),
        returned=len(results),
        results=results,
        next_cursor=resp.next_cursor or None,
        completeness=QueryCompletenessOut(
            partial=c.partial,
            stopped=list(c.stopped),
            files_skipped={skip_reason(x.reason): x.count for x in c.files_skipped},
            skipped=[SkippedFileOut(path=f.path, reason=skip_reason(f.reason), detail=f.message) for f in c.skipped],
            files_with_errors=c.files_with_errors,
            files_truncated=c.files_truncated,
        ),
        notes=list(s.notes),
    )


def query_text(out: CodeQueryOutput, max_lines: int = 20) -> str:
    what = "tree-sitter query" if out.kind == "query" else "ast-grep pattern"
    lines = [
        f"The {what} over {out.target}: {out.matches} match{'es' if out.matches != 1 else ''}"
        f"{'' if out.matches_exact else ' (at least)'} in {out.files_with_matches} of {out.files_searched} files "
        f"searched; this page has {out.returned}."
    ]
    c = out.completeness
    if c.partial:
        lines.append(f"Partial: {', '.join(c.stopped)}.")
    if c.files_skipped:
        lines.append("Not searched: " + ", ".join(f"{n} {r}" for r, n in c.files_skipped.items()) + ".")
    if c.files_with_errors:
        lines.append(f"{c.files_with_errors} files have syntax errors (matches in the broken parts may be missing).")
    lines += [f"Note: {n}" for n in out.notes]
    for m in out.results[:max_lines]:
        caps = "  ".join(f"@{x.name}={x.text[:60]!r}" for x in m.captures)
        first = m.captures[0] if m.captures else None
        where = f"{m.path}:{first.line}:{first.column}" if first else m.path
        lines.append(f"- {where} {caps}")
    if len(out.results) > max_lines:
        lines.append(f"... {len(out.results) - max_lines} more on this page in the structured result.")
    if out.next_cursor:
        lines.append(
            f"More matches: call code_query again with cursor={out.next_cursor!r} and the same other arguments."
        )
    return "\n".join(lines)
