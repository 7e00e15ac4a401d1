"""A run's summary as plain data (the bridge, the CLI and RunRepository render it) and as text."""

from __future__ import annotations

import json

from codeintel.repo.aggregate import Aggregator
from codeintel.repo.runner import RunReport
from codeintel.repo.walk import (
    BENIGN,
    BINARY,
    EXCLUDED,
    FAILED,
    IGNORED,
    NO_GRAMMAR,
    NOT_PROCESSED,
    NOT_UTF8,
    SYMLINK,
    TIMED_OUT,
    TOO_COMPLEX,
    TOO_LARGE,
    UNREADABLE,
    UNSUPPORTED,
)
from codeintel.v1 import coordinator_pb2 as pb

# Skip reason -> RepositorySkipReason (what RunRepository and the repository graph report).
SKIP_REASONS: dict[str, pb.RepositorySkipReason] = {
    IGNORED: pb.REPOSITORY_SKIP_REASON_IGNORED,
    EXCLUDED: pb.REPOSITORY_SKIP_REASON_EXCLUDED,
    SYMLINK: pb.REPOSITORY_SKIP_REASON_SYMLINK,
    TOO_LARGE: pb.REPOSITORY_SKIP_REASON_TOO_LARGE,
    BINARY: pb.REPOSITORY_SKIP_REASON_BINARY,
    NOT_UTF8: pb.REPOSITORY_SKIP_REASON_NOT_UTF8,
    NO_GRAMMAR: pb.REPOSITORY_SKIP_REASON_NO_GRAMMAR,
    UNSUPPORTED: pb.REPOSITORY_SKIP_REASON_UNSUPPORTED,
    UNREADABLE: pb.REPOSITORY_SKIP_REASON_UNREADABLE,
    TIMED_OUT: pb.REPOSITORY_SKIP_REASON_TIMED_OUT,
    TOO_COMPLEX: pb.REPOSITORY_SKIP_REASON_TOO_COMPLEX,
    FAILED: pb.REPOSITORY_SKIP_REASON_FAILED,
    NOT_PROCESSED: pb.REPOSITORY_SKIP_REASON_NOT_PROCESSED,
}


def skip_reason(reason: str) -> pb.RepositorySkipReason:
    """The RepositorySkipReason of a skip reason (FAILED for one this code does not know)."""
    return SKIP_REASONS.get(reason, pb.REPOSITORY_SKIP_REASON_FAILED)


# The walk's BENIGN reasons as RepositorySkipReasons: skips nobody needs listed one by one.
BENIGN_SKIP_REASONS: frozenset[pb.RepositorySkipReason] = frozenset(skip_reason(r) for r in BENIGN)


def summary(report: RunReport, aggregator: Aggregator, path: str) -> dict:
    """The summary of a run, as plain data (the bridge and the CLI render it)."""
    return {
        "operation": report.operation,
        "path": path,
        "complete": report.stopped is None and report.not_processed == 0,
        "stopped": report.stopped,
        "files": report.as_dict(),
        "skipped_by_reason": report.skipped_by_reason(),
        "languages": dict(sorted(aggregator.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "elapsed_s": round(report.elapsed_s, 3),
        "batches": report.batches,
        "notes": list(report.notes),
        **({"cross_file": report.cross_file} if report.cross_file is not None else {}),
        **aggregator.summary(),
    }


def summary_text(s: dict, *, max_items: int = 10) -> str:
    """A few lines a person or a model reads first."""
    f = s["files"]
    head = (
        f"{s['operation']} of {s['path'] or '.'}: {f['processed']} files processed "
        f"({f['computed']} computed, {f['reused']} reused from cache), {f['skipped']} skipped, "
        f"{f['not_processed']} not processed; {s['elapsed_s']:.2f} s."
    )
    lines = [head]
    lines.extend(f"Note: {note}." for note in s.get("notes") or ())
    if s["stopped"]:
        lines.append(f"Stopped early ({s['stopped']}): {f['not_processed']} files were not processed.")
    if s["skipped_by_reason"]:
        dirs = f" ({f['directories_skipped']} of them directories)" if f["directories_skipped"] else ""
        lines.append("Skipped: " + ", ".join(f"{n} {r}" for r, n in s["skipped_by_reason"].items()) + f"{dirs}.")
        if IGNORED in s["skipped_by_reason"]:
            lines.append(
                "Files and directories that .gitignore ignores are not processed; name one as the path "
                "(a file, or the ignored directory itself) to process it anyway."
            )
    if s["languages"]:
        lines.append(
            "Languages: " + ", ".join(f"{lang} {n}" for lang, n in list(s["languages"].items())[:max_items]) + "."
        )
    op = s["operation"]
    if op == "scan":
        if s["total_findings"]:
            sev = ", ".join(f"{n} {k}" for k, n in s["counts_by_severity"].items())
            lines.append(f"{s['total_findings']} findings ({sev}).")
            lines.append(
                "By CWE: " + ", ".join(f"{k} {n}" for k, n in list(s["counts_by_cwe"].items())[:max_items]) + "."
            )
            lines.append(
                "Top rules: " + ", ".join(f"{k} {n}" for k, n in list(s["counts_by_rule"].items())[:max_items]) + "."
            )
            for w in s["worst_files"][:5]:
                lines.append(f"- {w['path']}: {w['critical']} critical, {w['high']} high, {w['total']} total")
        else:
            lines.append("No findings.")
    elif op == "analyze":
        ln = s["lines"]
        lines.append(
            f"{ln['total']} lines ({ln['code']} code), {s['functions']} functions, {s['classes']} classes, "
            f"{s['duplicated_blocks']} duplicated blocks."
        )
        for fn in s["most_complex_functions"][:5]:
            lines.append(
                f"- {fn['path']}:{fn['start_line']} {fn['function']}: complexity "
                f"{fn['cyclomatic_complexity']}, cognitive {fn['cognitive_complexity']}"
            )
        for fl in s["lowest_maintainability_files"][:3]:
            lines.append(f"- low maintainability: {fl['path']} ({fl['maintainability_index']:.1f}/100)")
    elif op == "index":
        kinds = ", ".join(f"{n} {k}" for k, n in list(s["symbols_by_kind"].items())[:max_items])
        lines.append(
            f"{s['total_symbols']} symbols ({kinds}); {s['files_with_syntax_errors']} files with syntax errors."
        )
    return "\n".join(lines)


_COMMON = {"operation", "path", "complete", "stopped", "files", "skipped_by_reason", "elapsed_s", "batches"}


def summary_message(
    report: RunReport, aggregator: Aggregator, path: str, *, extra_text: str = "", extra: dict | None = None
) -> pb.RepositorySummary:
    """A run's summary as the RepositorySummary message; `extra_text` is appended to the text and
    `extra` merged into summary_json (what a caller adds about its own work)."""
    s = summary(report, aggregator, path)
    f = s["files"]
    text = summary_text(s)
    data = {k: v for k, v in s.items() if k not in _COMMON}
    if extra:
        data.update(extra)
    return pb.RepositorySummary(
        files_found=f["files_found"],
        processed=f["processed"],
        computed=f["computed"],
        reused=f["reused"],
        skipped=f["skipped"],
        not_processed=f["not_processed"],
        out_of_scope=f["out_of_scope"],
        directories_skipped=f["directories_skipped"],
        skipped_by_reason=[
            pb.RepositorySkipCount(reason=skip_reason(r), count=n) for r, n in s["skipped_by_reason"].items()
        ],
        complete=s["complete"],
        stopped=s["stopped"] or "",
        elapsed_seconds=report.elapsed_s,
        batches=report.batches,
        summary_text=text + ("\n" + extra_text if extra_text else ""),
        summary_json=json.dumps(data, separators=(",", ":")),
    )
