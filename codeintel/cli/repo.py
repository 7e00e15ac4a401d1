"""`codeintel parse|analyze|scan DIR...`: directories go through codeintel.repo (the same walk,
batching and summary as the MCP repo tools), with a progress bar on stderr.

stdout keeps the per-file output of each format (text lines, a JSON list of results, or one SARIF
log), so pipes and baselines work as for single files; the summary and the files that could not be
processed go to stderr. Exit status: 1 when a file failed for a reason other than what the
repository itself says (ignored, excluded, no grammar, unsupported language, symlink), when the run
stopped early, or when --fail-on matched; else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from codeintel import repo
from codeintel.cli import output
from codeintel.cli.baseline import write_baseline
from codeintel.cli.options import fails_on, options
from codeintel.client import ClientError, CoordinatorClient, SyncCoordinatorClient
from codeintel.client.requests import request_options
from codeintel.kernel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.v1 import coordinator_pb2 as pb

OPERATION = {"parse": "index", "analyze": "analyze", "scan": "scan"}
BATCH_TIMEOUT_S = 600.0


def wants_repo(paths: list[str]) -> bool:
    """Directories and globs go through the repository runner; plain files keep the direct path."""
    return any(os.path.isdir(p) or repo.split_glob(p)[1] is not None for p in paths)


def _walk(paths: list[str], language: str) -> repo.WalkResult:
    out = repo.WalkResult()
    for p in paths:
        base, pattern = repo.split_glob(p)
        if not os.path.exists(base):
            out.skipped.append(repo.Skip(p, repo.UNREADABLE, "no such file or directory"))
            continue
        real = os.path.realpath(base)
        display = "" if (pattern and base == ".") else base.rstrip("/") or "/"
        # The .gitignore files of the enclosing repository apply too (up to its top).
        top = repo.git_toplevel(real) if os.path.isdir(real) else None
        w = repo.walk(
            base,
            root=real if os.path.isdir(real) else os.path.dirname(real),
            display_base=display,
            pattern=pattern,
            max_file_bytes=DEFAULT_MAX_FILE_BYTES,
            gitignore_stop=top or real,
            language=language,
        )
        out.extend(w)
    return out


async def _run(
    args: argparse.Namespace,
    address: str,
    walked: repo.WalkResult,
    results: dict[str, Any],
    progress_cb: Callable[[int, int], None],
) -> repo.Runner:
    client = CoordinatorClient(address, timeout_s=BATCH_TIMEOUT_S, api_key=args.api_key)
    opts = options(args)
    cross_file = repo.cross_file_options(opts)  # two passes: summaries, then scans
    send = client.repo_sender(args.command, opts, args.priority)

    async def progress(done: int, total: int) -> None:
        progress_cb(done, total)

    deadline = time.monotonic() + args.deadline if args.deadline else None
    runner = repo.Runner(
        OPERATION[args.command],
        send,
        deadline=deadline,
        language=args.language,
        progress=progress,
        on_result=lambda path, r: results.__setitem__(path, r),
        cross_file=cross_file,  # two passes: cross-file summaries, then the scans
    )
    try:
        await runner.run(walked)
    finally:
        await client.close()
    return runner


def _server_side(
    args: argparse.Namespace, address: str, bar: Progress, task: TaskID
) -> tuple[dict[str, Any], Any, list[tuple[str, str, str]]] | int:
    """The run done by the coordinator (RunRepository): (results by path, summary, failed skips)."""
    op = {
        "parse": pb.REPOSITORY_OPERATION_PARSE,
        "analyze": pb.REPOSITORY_OPERATION_ANALYZE,
        "scan": pb.REPOSITORY_OPERATION_SCAN,
    }[args.command]
    results: dict[str, Any] = {}
    failed: list[tuple[str, str, str]] = []
    summary = None
    with SyncCoordinatorClient(address, api_key=args.api_key) as client:
        for path in args.paths:
            if not os.path.isdir(path):
                print(
                    f"codeintel {args.command}: --server-side takes directories; {path!r} is not one", file=sys.stderr
                )
                return 2
            req = pb.CodeIntelServiceRunRepositoryRequest(
                operation=op, root=os.path.abspath(path), request_options=request_options(args.priority)
            )
            getattr(req, f"{args.command}_options").CopyFrom(options(args))
            try:
                for event in client.run_repository(req, timeout_s=args.deadline):
                    kind = event.WhichOneof("event")
                    if kind == "progress":
                        bar.update(task, completed=event.progress.files_done, total=event.progress.files_total)
                    elif kind == "results":
                        for r in event.results.results:
                            results[os.path.join(path, r.path)] = getattr(r, r.WhichOneof("result"))
                    elif kind == "skipped":
                        failed += [
                            (os.path.join(path, s.path), pb.RepositorySkipReason.Name(s.reason), s.message)
                            for s in event.skipped.files
                            if s.reason not in repo.BENIGN_SKIP_REASONS
                        ]
                    else:
                        summary = event.summary
            except ClientError as e:
                return output.call_failed(args.command, e)
    return results, summary, failed


def progress_bar(command: str) -> Progress:
    """The progress bar of the repository commands (on stderr, gone when done)."""
    return Progress(
        TextColumn(command),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def run(args: argparse.Namespace, address: str) -> int:
    return _run_server_side(args, address) if args.server_side else _run_here(args, address)


def _run_server_side(args: argparse.Namespace, address: str) -> int:
    with progress_bar(args.command) as bar:
        out = _server_side(args, address, bar, bar.add_task(args.command, total=None))
    if isinstance(out, int):
        return out
    results, summary, failed = out
    output.print_results(
        args.command, args.format, [results[p] for p in sorted(results)], getattr(args, "custom_rules", ())
    )
    if summary is not None:
        print(summary.summary_text, file=sys.stderr)
    for path, reason, message in sorted(failed):
        reason = reason.removeprefix("REPOSITORY_SKIP_REASON_").lower()
        print(f"{path}: {reason}" + (f": {message}" if message else ""), file=sys.stderr)
    return 1 if failed or summary is None or not summary.complete else 0


def _run_here(args: argparse.Namespace, address: str) -> int:
    walked = _walk(args.paths, args.language)
    results: dict[str, Any] = {}
    with progress_bar(args.command) as bar:
        task = bar.add_task(args.command, total=len(walked.entries))
        try:
            runner = asyncio.run(
                _run(args, address, walked, results, lambda done, total: bar.update(task, completed=done, total=total))
            )
        except KeyboardInterrupt:
            print(f"codeintel {args.command}: interrupted", file=sys.stderr)
            return 130
    ordered = [results[p] for p in sorted(results)]
    output.print_results(args.command, args.format, ordered, getattr(args, "custom_rules", ()))
    report = runner.report
    label = " ".join(args.paths)
    print(repo.summary_text(repo.summary(report, runner.aggregator, label)), file=sys.stderr)
    if getattr(args, "rule_files", None):
        n, files = len(args.custom_rules), len(args.rule_files)
        print(f"custom rules: {n} from {files} file{'s' if files != 1 else ''}", file=sys.stderr)
    failed = [s for s in report.skipped if s.reason not in repo.BENIGN]
    for s in sorted(failed, key=lambda s: s.path):
        print(f"{s.path}: {s.reason}" + (f": {s.detail}" if s.detail else ""), file=sys.stderr)
    if args.command == "scan" and args.write_baseline:
        n = write_baseline(args.write_baseline, ordered)
        print(f"codeintel scan: wrote {n} fingerprints to {args.write_baseline}", file=sys.stderr)
    return 1 if failed or report.stopped or fails_on(args, ordered) else 0
