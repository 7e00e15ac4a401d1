"""`codeintel parse|analyze|scan DIR...`: directories go through codeintel.repo (the same walk,
batching and summary as the MCP repo tools), with a progress bar on stderr.

stdout keeps the per-file output of each format (text lines, a JSON list of results, or one SARIF
log), so pipes and baselines work as for single files; the summary and the files that could not be
processed go to stderr. Exit status: 1 when a file failed for a reason other than what the
repository itself says (ignored, excluded, no grammar, unsupported language, symlink), when the run
stopped early, or when --fail-on matched; else 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from google.protobuf import json_format

from codeintel import repo
from codeintel.source import DEFAULT_MAX_FILE_BYTES
from codeintel.v1 import analyze_pb2, parse_pb2, scan_pb2

OPERATION = {"parse": "index", "analyze": "analyze", "scan": "scan"}


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
        top = repo.git_toplevel(real) if os.path.isdir(real) else None
        w = repo.walk(base, root=real if os.path.isdir(real) else os.path.dirname(real), display_base=display,
                      pattern=pattern, max_file_bytes=DEFAULT_MAX_FILE_BYTES, gitignore_stop=top or real,
                      language=language)
        out.entries.extend(w.entries)
        out.skipped.extend(w.skipped)
        out.out_of_scope += w.out_of_scope
        out.limit_reached |= w.limit_reached
    return out


def _options(args):
    if args.command == "parse":
        return parse_pb2.ParseOptions(include_ast=args.ast)
    if args.command == "analyze":
        return analyze_pb2.AnalyzeOptions()
    sev = getattr(scan_pb2, f"SEVERITY_{args.min_severity.upper()}")
    return scan_pb2.ScanOptions(min_severity=sev, baseline_fingerprints=args.baseline_prints)


async def _run(args, address: str, walked: repo.WalkResult, results: dict, progress_cb) -> repo.Runner:
    from mcp_bridge.client import BridgeError, CoordinatorClient

    client = CoordinatorClient(address, timeout_s=600, api_key=getattr(args, "api_key", None))
    rpc = {"parse": "parse", "analyze": "analyze", "scan": "scan"}[args.command]
    options = _options(args)

    async def send(files, timeout):
        try:
            return await client.batch(rpc, files, options, args.priority, timeout_s=max(timeout, 0.001))
        except BridgeError as exc:
            raise repo.BatchError(str(exc), deadline=exc.code == "DEADLINE_EXCEEDED",
                                  fatal=exc.code in ("UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT")
                                  ) from None

    async def progress(done, total):
        progress_cb(done, total)

    deadline = time.monotonic() + args.deadline if getattr(args, "deadline", None) else None
    runner = repo.Runner(OPERATION[args.command], send, deadline=deadline, language=args.language,
                         progress=progress, on_result=lambda path, r: results.__setitem__(path, r))
    try:
        await runner.run(walked)
    finally:
        await client.close()
    return runner


def _server_side(args, address: str, bar, task) -> tuple[dict, object, list[tuple[str, str, str]]] | int:
    """The run done by the coordinator (RunRepository): (results by path, summary, failed skips)."""
    import grpc

    from codeintel.v1 import coordinator_pb2 as pb
    from codeintel.v1 import coordinator_pb2_grpc

    op = {"parse": pb.REPOSITORY_OPERATION_PARSE, "analyze": pb.REPOSITORY_OPERATION_ANALYZE,
          "scan": pb.REPOSITORY_OPERATION_SCAN}[args.command]
    benign = {pb.REPOSITORY_SKIP_REASON_IGNORED, pb.REPOSITORY_SKIP_REASON_EXCLUDED, pb.REPOSITORY_SKIP_REASON_SYMLINK,
              pb.REPOSITORY_SKIP_REASON_NO_GRAMMAR, pb.REPOSITORY_SKIP_REASON_UNSUPPORTED}
    metadata = (("authorization", f"Bearer {args.api_key}"),) if getattr(args, "api_key", None) else ()
    results: dict = {}
    failed: list[tuple[str, str, str]] = []
    summary = None
    with grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)]) as ch:
        stub = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        for path in args.paths:
            if not os.path.isdir(path):
                print(f"codeintel {args.command}: --server-side takes directories; {path!r} is not one", file=sys.stderr)
                return 2
            req = pb.CodeIntelServiceRunRepositoryRequest(
                operation=op, root=os.path.abspath(path), **{f"{args.command}_options": _options(args)},
                request_options=pb.RequestOptions(priority=getattr(pb, f"PRIORITY_{args.priority.upper()}")))
            try:
                for event in stub.RunRepository(req, timeout=args.deadline, metadata=metadata):
                    kind = event.WhichOneof("event")
                    if kind == "progress":
                        bar.update(task, completed=event.progress.files_done, total=event.progress.files_total)
                    elif kind == "results":
                        for r in event.results.results:
                            results[os.path.join(path, r.path)] = getattr(r, r.WhichOneof("result"))
                    elif kind == "skipped":
                        failed += [(os.path.join(path, s.path), pb.RepositorySkipReason.Name(s.reason), s.message)
                                   for s in event.skipped.files if s.reason not in benign]
                    else:
                        summary = event.summary
            except grpc.RpcError as e:
                print(f"codeintel {args.command}: {e.code().name}: {e.details()}", file=sys.stderr)
                return 1
    return results, summary, failed


def run(args, address: str) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from codeintel import client_cli

    if getattr(args, "deadline", None) is not None and not args.deadline > 0:
        print(f"codeintel {args.command}: --deadline must be a positive number of seconds", file=sys.stderr)
        return 2
    if getattr(args, "server_side", False):
        with Progress(TextColumn(f"{args.command}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            out = _server_side(args, address, bar, bar.add_task(args.command, total=None))
        if isinstance(out, int):
            return out
        results, summary, failed = out
        _print_results(args, [results[p] for p in sorted(results)])
        if summary is not None:
            print(summary.summary_text, file=sys.stderr)
        for path, reason, message in sorted(failed):
            print(f"{path}: {reason.removeprefix('REPOSITORY_SKIP_REASON_').lower()}" + (f": {message}" if message else ""),
                  file=sys.stderr)
        return 1 if failed or summary is None or not summary.complete else 0
    walked = _walk(args.paths, args.language)
    results: dict[str, object] = {}
    console = Console(stderr=True)
    with Progress(TextColumn(f"{args.command}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(args.command, total=len(walked.entries))
        try:
            runner = asyncio.run(_run(args, address, walked, results,
                                      lambda done, total: bar.update(task, completed=done, total=total)))
        except KeyboardInterrupt:
            print(f"codeintel {args.command}: interrupted", file=sys.stderr)
            return 130
    ordered = [results[p] for p in sorted(results)]
    _print_results(args, ordered)
    report = runner.report
    label = " ".join(args.paths)
    print(repo.summary_text(repo.summary(report, runner.aggregator, label)), file=sys.stderr)
    failed = [s for s in report.skipped if s.reason not in repo.BENIGN]
    for s in sorted(failed, key=lambda s: s.path):
        print(f"{s.path}: {s.reason}" + (f": {s.detail}" if s.detail else ""), file=sys.stderr)
    if args.command == "scan" and args.write_baseline:
        n = client_cli.write_baseline(args.write_baseline, ordered)
        print(f"codeintel scan: wrote {n} fingerprints to {args.write_baseline}", file=sys.stderr)
    status = 1 if failed or report.stopped else 0
    if args.command == "scan" and args.fail_on:
        floor = client_cli.SEVERITIES.index(args.fail_on) + 1
        if any(f.severity >= floor for r in ordered for f in r.findings):
            status = 1
    return status


def _print_results(args, ordered: list) -> None:
    from codeintel import client_cli

    if args.format == "json":
        print(json.dumps([json_format.MessageToDict(r, preserving_proto_field_name=True) for r in ordered], indent=1))
    elif args.format == "sarif":
        from codeintel.sarif import build_sarif

        print(json.dumps(build_sarif(ordered, tool_version=""), indent=1))
    else:
        for r in ordered:
            out = client_cli._text(args.command, r)
            if out:
                print(out)
