"""A run's summary as plain data (the bridge, the CLI and RunRepository render it) and as text."""

from __future__ import annotations

from codeintel.repo.aggregate import Aggregator
from codeintel.repo.runner import RunReport
from codeintel.repo.walk import IGNORED


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
