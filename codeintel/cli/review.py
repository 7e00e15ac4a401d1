"""`codeintel review [REV_RANGE]`: what a change broke or made worse (ReviewService), for people, CI,
pre-commit and agent hooks.

- no REV_RANGE: the working tree (untracked files included) against HEAD; `A..B` and `A` as
  `git diff` reads them (`A..`: A against the working tree); `--staged`: the index against
  REV_RANGE's base (HEAD), what pre-commit checks; `--diff FILE|-`: a unified diff whose after side
  is the working tree under --repo;
- `--hook claude-code`: reads Claude Code's PostToolUse hook JSON from stdin (tool_input.file_path),
  reviews that file against HEAD in its repository (against nothing when untracked), prints a short
  summary on stderr and exits 2 when the review fails (Claude Code feeds stderr back to the model on
  exit 2), 0 otherwise — also when the hook input names no file or the file is not code;
- exit status: 0 reviewed and not failed; 1 the review failed `--fail-on` (CI), or the coordinator
  could not be reached; 2 unusable input (usage, a revision that is not one, a diff that does not
  apply, not a git repository).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format

from codeintel.client import ClientError, SyncCoordinatorClient
from codeintel.kernel import settings, vocab
from codeintel.kernel.settings import Setting
from codeintel.v1 import review_pb2 as r

REVIEW_TIMEOUT_S = 120.0
HOOK_MAX_BYTES = 4 * 1024 * 1024  # the hook reads at most this much of the edited file
INPUT_CODES = frozenset({"INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED", "NOT_FOUND"})
HOOKS = ("claude-code",)

SETTINGS = (
    Setting(
        "--repo",
        "",
        help="the repository (default: the git repository holding the current directory)",
        check=settings.directory,
        metavar="DIR",
    ),
    Setting("--staged", False, help="review the index (what `git commit` would record) against HEAD", switch=True),
    Setting(
        "--diff", None, metavar="FILE", help="review a unified diff (FILE, or - for stdin) against the working tree"
    ),
    Setting(
        "--fail-on",
        None,
        help="exit 1 when the change brings a new finding at or above this severity, or a new syntax error",
        choices=vocab.SEVERITIES,
    ),
    Setting("--min-severity", "info", help="compare findings at or above this severity", choices=vocab.SEVERITIES),
    Setting("--caller-depth", 2, int, "levels of callers to follow (the server caps it at 5)", settings.positive),
    Setting("--no-callers", False, help="do not look up callers and tests in the repository graph", switch=True),
    Setting("--max-items", 50, int, "most items per list (functions, findings, callers...)", settings.positive),
    Setting("--deadline", None, float, "give up after this many seconds (a partial review)", settings.positive),
    Setting("--format", "text", help="output format (json: the ReviewService answer)", choices=("text", "json")),
    Setting(
        "--hook",
        None,
        help="run as an agent hook: claude-code reads the PostToolUse JSON from stdin and exits 2 on failure",
        choices=HOOKS,
    ),
)


class UsageError(Exception):
    """A command line that cannot become a request."""


@dataclass
class Plan:
    root: str  # the repository the coordinator must be allowed to read ("" for none)
    request: r.ReviewChangesRequest
    quiet: bool = False  # nothing to review (a hook about a non-file tool): exit 0 without a call


def _git(cwd: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", cwd, *args], capture_output=True, timeout=30, check=False)


def _toplevel(path: str) -> str | None:
    out = _git(path, "rev-parse", "--show-toplevel")
    return out.stdout.decode().strip() if out.returncode == 0 else None


def _options(args: argparse.Namespace) -> r.ReviewOptions:
    opts = r.ReviewOptions(
        caller_depth=args.caller_depth,
        include_callers=not args.no_callers,
        max_items=args.max_items,
        min_severity=vocab.SEVERITY_VALUES[args.min_severity],
    )
    fail_on = args.fail_on or ("high" if args.hook else None)
    if fail_on:
        opts.fail_on = vocab.SEVERITY_VALUES[fail_on]
    return opts


def _range(spec: str) -> tuple[str, str]:
    if "..." in spec:
        raise UsageError(f"{spec!r}: A...B (from the merge base) is not supported; give A..B or a single revision")
    if ".." in spec:
        base, head = spec.split("..", 1)
        if not base and not head:
            raise UsageError("'..' names no revision")
        return base or "HEAD", head
    return spec, ""


def plan(args: argparse.Namespace, stdin: Any = None) -> Plan | int:
    """The request, or exit status 2 after one line saying what is wrong."""
    try:
        return _build(args, stdin or sys.stdin)
    except UsageError as e:
        print(f"codeintel review: {e}", file=sys.stderr)
        return 2


def _build(args: argparse.Namespace, stdin: Any) -> Plan:
    if args.hook:
        if args.diff is not None or args.staged or args.rev_range:
            raise UsageError("--hook takes its file from the hook's JSON on stdin: no REV_RANGE, --diff or --staged")
        return _hook_plan(args, stdin)
    start = os.path.realpath(args.repo or os.getcwd())
    if args.diff is not None:
        if args.staged or args.rev_range:
            raise UsageError("--diff reviews a diff against the working tree: no REV_RANGE or --staged with it")
        try:
            text = stdin.read() if args.diff == "-" else open(args.diff, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"cannot read the diff {args.diff!r}: {getattr(e, 'strerror', None) or e}") from None
        root = start if args.repo else (_toplevel(start) or start)
        return Plan(root, r.ReviewChangesRequest(root=root, diff=text, options=_options(args)))
    found = start if args.repo else _toplevel(start)
    if found is None:
        raise UsageError(f"{start} is not in a git repository: pass --repo DIR, or --diff FILE")
    root = found
    base, head = _range(args.rev_range) if args.rev_range else ("HEAD", "")
    if args.staged and head:
        raise UsageError("--staged compares the index with one revision: give REV, not A..B")
    revisions = r.RevisionRange(base=base, head=head, staged=args.staged)
    return Plan(root, r.ReviewChangesRequest(root=root, revisions=revisions, options=_options(args)))


def _hook_plan(args: argparse.Namespace, stdin: Any) -> Plan:
    try:
        event = json.loads(stdin.read() or "{}")
    except ValueError as e:
        raise UsageError(f"--hook claude-code: stdin is not the hook's JSON: {e}") from None
    tool_input = event.get("tool_input") if isinstance(event, dict) else None
    path = tool_input.get("file_path") if isinstance(tool_input, dict) else None
    if not isinstance(path, str) or not path:
        return Plan("", r.ReviewChangesRequest(), quiet=True)  # not a file edit (Bash, Read, ...)
    given = event.get("cwd")
    cwd = given if isinstance(given, str) and given else os.getcwd()
    full = os.path.realpath(os.path.join(cwd, path))
    top = _toplevel(os.path.dirname(full)) if os.path.isdir(os.path.dirname(full)) else None
    root = top or os.path.dirname(full)
    rel = os.path.relpath(full, root).replace(os.sep, "/")
    after = None
    if os.path.isfile(full):
        with open(full, "rb") as fh:
            after = fh.read(HOOK_MAX_BYTES)
    before = None
    if top is not None:
        shown = _git(top, "cat-file", "blob", f"HEAD:{rel}")  # untracked or no commit yet: reviewed as new
        before = shown.stdout if shown.returncode == 0 else None
    if before is None and after is None:
        return Plan("", r.ReviewChangesRequest(), quiet=True)
    changed = r.ChangedFile(path=rel, before=before or b"", after=after or b"")
    changed.status = (
        r.CHANGE_STATUS_ADDED
        if before is None
        else r.CHANGE_STATUS_DELETED
        if after is None
        else r.CHANGE_STATUS_MODIFIED
    )
    request = r.ReviewChangesRequest(root=root, files=r.ChangedFiles(files=[changed]), options=_options(args))
    return Plan(root, request)


def run(args: argparse.Namespace, address: str, plan: Plan) -> int:
    timeout = args.deadline or REVIEW_TIMEOUT_S
    with SyncCoordinatorClient(address, timeout_s=timeout, api_key=args.api_key) as client:
        try:
            try:
                resp = client.review_changes(plan.request, timeout_s=timeout)
            except ClientError as e:
                # A hook's file may lie outside what a running coordinator may read: its two versions
                # travel in the request, so review them without the repository (and without callers).
                if not (args.hook and plan.request.root and e.code in ("PERMISSION_DENIED", "FAILED_PRECONDITION")):
                    raise
                plan.request.root = ""
                resp = client.review_changes(plan.request, timeout_s=timeout)
        except ClientError as e:
            print(f"codeintel review: {e.code}: {e.details}", file=sys.stderr)
            if args.hook:  # never block the agent on the review's own trouble: 1 is shown to the user only
                return 1
            return 2 if e.code in INPUT_CODES else 1
    if args.hook:
        if resp.summary.failed:
            print(hook_text(resp), file=sys.stderr)
            return 2
        return 0
    if args.format == "json":
        print(
            json.dumps(
                json_format.MessageToDict(
                    resp, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
                ),
                indent=1,
            )
        )
    else:
        print(text(resp))
    return 1 if resp.summary.failed else 0


# --------------------------------------------------------------------------- text

_CHANGE = {
    r.FUNCTION_CHANGE_KIND_ADDED: "added",
    r.FUNCTION_CHANGE_KIND_REMOVED: "removed",
    r.FUNCTION_CHANGE_KIND_MODIFIED: "changed",
}
_STATUS = {
    r.CHANGE_STATUS_ADDED: "added",
    r.CHANGE_STATUS_MODIFIED: "modified",
    r.CHANGE_STATUS_DELETED: "deleted",
    r.CHANGE_STATUS_RENAMED: "renamed",
}


def _pos(rng) -> str:
    return f"{rng.start.line + 1}:{rng.start.column + 1}"


def _counts(items) -> str:
    return ", ".join(f"{c.count} {vocab.severity_name(c.severity)}" for c in items) or "none"


def summary_lines(resp: r.ReviewChangesResponse) -> list[str]:
    s = resp.summary
    verdict = f"FAILED: {'; '.join(s.fail_reasons)}" if s.failed else "ok"
    return [
        f"review: {s.files_changed} files changed, {s.files_reviewed} reviewed, {s.files_skipped} skipped: {verdict}",
        f"  syntax errors: {s.syntax_errors_new} new, {s.syntax_errors_fixed} fixed",
        f"  functions: {s.functions_changed} changed, {s.functions_added} added, {s.functions_removed} removed; "
        f"complexity up in {s.complexity_increased}, down in {s.complexity_decreased}",
        f"  findings: new {_counts(s.findings_new)}; fixed {_counts(s.findings_fixed)}",
        f"  duplicated blocks introduced: {s.duplicates_introduced}",
        f"  callers reached: {s.callers}, tests reached: {s.tests}"
        + (f"; uses of removed functions left behind: {s.broken_uses}" if s.broken_uses else ""),
    ]


def _function_line(fn: r.ReviewFunction) -> str:
    if fn.change == r.FUNCTION_CHANGE_KIND_MODIFIED:
        cx = (
            f"cyclomatic {fn.before.cyclomatic} -> {fn.after.cyclomatic}, "
            f"cognitive {fn.before.cognitive} -> {fn.after.cognitive}"
        )
    elif fn.change == r.FUNCTION_CHANGE_KIND_ADDED:
        cx = f"cyclomatic {fn.after.cyclomatic}, cognitive {fn.after.cognitive}"
    else:
        cx = f"was cyclomatic {fn.before.cyclomatic}, cognitive {fn.before.cognitive}"
    line = f"  {_CHANGE.get(fn.change, '?')} {fn.qualified_name or fn.name} ({fn.range.start.line + 1}): {cx}"
    if fn.callers:
        shown = ", ".join(f"{c.qualified_name or c.path} ({c.path}:{c.line + 1})" for c in fn.callers[:5])
        more = f" and {fn.callers_total - 5} more" if fn.callers_total > 5 else ""
        line += f"\n    callers: {shown}{more}"
    if fn.tests:
        line += "\n    tests: " + ", ".join(f"{c.path}:{c.line + 1} {c.name}" for c in fn.tests[:10])
    if fn.broken_uses:
        shown = ", ".join(f"{c.path}:{c.line + 1} {c.qualified_name or c.name}" for c in fn.broken_uses[:5])
        more = f" and {fn.broken_uses_total - 5} more" if fn.broken_uses_total > 5 else ""
        line += f"\n    STILL USED (broken by the removal): {shown}{more}"
    if fn.callers_note and not fn.callers:
        line += f"\n    callers: {fn.callers_note}"
    return line


def text(resp: r.ReviewChangesResponse) -> str:
    out = summary_lines(resp)
    for f in resp.files:
        body: list[str] = []
        body += [f"  NEW syntax error {_pos(e.range)}: {e.message}" for e in f.syntax_errors_new]
        body += [f"  fixed syntax error (was {_pos(e.range)}): {e.message}" for e in f.syntax_errors_fixed]
        body += [
            f"  NEW {vocab.severity_name(x.severity)} {x.rule_id} {_pos(x.range)}: {x.message}" for x in f.findings_new
        ]
        body += [
            f"  fixed {vocab.severity_name(x.severity)} {x.rule_id} (was {_pos(x.range)})" for x in f.findings_fixed
        ]
        body += [_function_line(fn) for fn in f.functions]
        body += [
            "  duplicated block introduced ("
            + f"{d.line_count} lines): "
            + ", ".join(f"{o.start.line + 1}-{o.end.line + 1}" for o in d.occurrences)
            for d in f.duplicates_introduced
        ]
        if body:
            moved = f" from {f.old_path}" if f.old_path else ""
            head = f"{f.path} ({_STATUS.get(f.status, '?')}{moved}, +{f.lines_added} -{f.lines_removed})"
            out += ["", head, *body]
    c = resp.completeness
    tail = [f"graph: {c.graph_note}" if c.graph_note else ""]
    if c.files_skipped_total:
        skipped = ", ".join(
            f"{s.path} ({vocab.enum_name(r.ReviewSkipReason, s.reason, 'REVIEW_SKIP_REASON_')})"
            for s in c.files_skipped[:10]
        )
        more = f" and {c.files_skipped_total - 10} more" if c.files_skipped_total > 10 else ""
        tail.append(f"skipped: {skipped}{more}")
    if c.lists_truncated:
        tail.append("lists were cut to --max-items; the summary counts everything")
    if c.partial:
        tail.append(f"PARTIAL: {c.partial_reason} (a larger --deadline reviews everything)")
    tail = [t for t in tail if t]
    if tail:
        out += ["", *tail]
    return "\n".join(out)


def hook_text(resp: r.ReviewChangesResponse) -> str:
    """What an agent reads back after an edit: why the review failed and where, in a few lines."""
    lines = [f"codeintel review: {'; '.join(resp.summary.fail_reasons)}"]
    for f in resp.files:
        lines += [f"{f.path}:{_pos(e.range)}: new syntax error: {e.message}" for e in f.syntax_errors_new[:5]]
        lines += [
            f"{f.path}:{_pos(x.range)}: new {vocab.severity_name(x.severity)} finding {x.rule_id}: {x.message}"
            for x in f.findings_new[:5]
        ]
    return "\n".join(lines)
