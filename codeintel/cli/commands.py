"""The parse/analyze/scan/rules/stats/workers commands: files -> coordinator batches -> output.

Directories and globs go through codeintel.cli.repo (the repository walk, progress, summary);
plain files are read here and sent in batches. Exit status: 0 when every file was processed,
1 when a file failed, a call failed or --fail-on matched, 2 for unusable input (e.g. a baseline, or a
custom rule (--rules, a directory's .codeintel/rules/) that the scan service refuses: checked first).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator

from google.protobuf import json_format

from codeintel.cli import output
from codeintel.cli import repo as repo_cli
from codeintel.cli.baseline import BaselineError, read_baseline, write_baseline
from codeintel.cli.options import fails_on, options
from codeintel.client import ClientError, SyncCoordinatorClient
from codeintel.repo import rules as repo_rules
from codeintel.repo.rules import RuleFileError
from codeintel.v1 import common_pb2

BATCH_FILES = 500
BATCH_BYTES = 32 * 1024 * 1024
MAX_READ = 64 * 1024 * 1024
BATCH_TIMEOUT_S = 600.0


def _batches(paths: list[str], language: str, errors: list[tuple[str, str]]) -> Iterator[list[common_pb2.SourceFile]]:
    files: list[common_pb2.SourceFile] = []
    size = 0
    for path in paths:
        try:
            with open(path, "rb") as fh:
                content = fh.read(MAX_READ)
        except OSError as e:
            errors.append((path, f"cannot read: {e.strerror}"))
            continue
        if files and (len(files) >= BATCH_FILES or size + len(content) > BATCH_BYTES):
            yield files
            files, size = [], 0
        files.append(common_pb2.SourceFile(path=path, language=language, content=content))
        size += len(content)
    if files:
        yield files


def _rule_files(args: argparse.Namespace) -> list:
    """--rules files and directories, then (scan, not --server-side: there the coordinator reads them)
    the .codeintel/rules/ of each directory named. Raises RuleFileError."""
    files = repo_rules.read_rule_paths(args.rules or ())
    if args.command == "scan" and not args.server_side:
        seen: set[str] = set()
        for p in args.paths:
            real = os.path.realpath(p)
            if os.path.isdir(p) and real not in seen:
                seen.add(real)
                own = repo_rules.read_rule_files(p)
                for f in own:
                    f.path = os.path.join(p, f.path)  # as the user would name it
                files += own
    return files


def _check_rules(args: argparse.Namespace, address: str) -> int:
    """Custom rules read and checked by the scan service before any file is read: a bad rule ends the
    command (exit 2) with the error naming the file, the rule and the field. Keeps the files in
    args.rule_files and their rules (for SARIF) in args.custom_rules."""
    args.rule_files, args.custom_rules = [], []
    try:
        args.rule_files = _rule_files(args)
    except RuleFileError as e:
        print(f"codeintel {args.command}: {e}", file=sys.stderr)
        return 2
    if not args.rule_files:
        return 0
    with SyncCoordinatorClient(address, api_key=args.api_key) as client:
        try:
            listed = client.list_rules("", timeout_s=60, custom_rules=args.rule_files)
        except ClientError as e:
            output.call_failed(args.command, e)
            return 2 if e.code == "INVALID_ARGUMENT" else 1
    args.custom_rules = [r for r in listed.rules if r.custom]
    return 0


def run(args: argparse.Namespace, address: str) -> int:
    if args.command in ("stats", "workers", "rules"):
        return _admin(args, address)
    if args.command == "scan":
        try:
            args.baseline_prints = read_baseline(args.baseline) if args.baseline else []
        except BaselineError as e:
            print(f"codeintel scan: {e}", file=sys.stderr)
            return 2
        status = _check_rules(args, address)
        if status:
            return status
    if repo_cli.wants_repo(args.paths):  # directories and globs: .gitignore, skips with reasons, progress
        return repo_cli.run(args, address)
    with SyncCoordinatorClient(address, timeout_s=BATCH_TIMEOUT_S, api_key=args.api_key) as client:
        return _files(args, client)


def _admin(args: argparse.Namespace, address: str) -> int:
    """stats, workers and rules: one call, its answer as text or JSON. `rules --rules` refused as
    invalid exits 2 (unusable input), like a bad --rules path."""
    files: list = []
    with SyncCoordinatorClient(address, api_key=args.api_key) as client:
        try:
            if args.command == "stats":
                stats = client.get_stats(10)
                print(json_format.MessageToJson(stats) if args.format == "json" else output.stats_text(stats))
            elif args.command == "workers":
                workers = client.list_workers(timeout_s=10)
                print(json_format.MessageToJson(workers) if args.format == "json" else output.workers_text(workers))
            else:
                try:
                    files = repo_rules.read_rule_paths(args.rules or ())
                except RuleFileError as e:
                    print(f"codeintel rules: {e}", file=sys.stderr)
                    return 2
                rules = client.list_rules(args.language, timeout_s=60, custom_rules=files)
                if args.format == "json":
                    print(json_format.MessageToJson(rules, preserving_proto_field_name=True))
                else:
                    print(output.rules_text(rules))
        except ClientError as e:
            output.call_failed(args.command, e)
            return 2 if files and e.code == "INVALID_ARGUMENT" else 1
    return 0


def _files(args: argparse.Namespace, client: SyncCoordinatorClient) -> int:
    errors: list[tuple[str, str]] = []
    results = []
    try:
        for files in _batches(args.paths, args.language, errors):
            resp = client.batch(args.command, files, options(args), args.priority)
            if len(resp.results) != len(files):  # the contract: one result per file, in request order
                print(
                    f"codeintel {args.command}: the coordinator answered {len(resp.results)} results for "
                    f"{len(files)} files",
                    file=sys.stderr,
                )
                return 1
            for f, r in zip(files, resp.results, strict=True):
                if r.HasField("result"):
                    results.append(r.result)
                else:
                    errors.append((f.path, r.error.message))
    except ClientError as e:
        return output.call_failed(args.command, e)
    output.print_results(args.command, args.format, results, getattr(args, "custom_rules", ()))
    if args.command == "scan" and args.write_baseline:
        n = write_baseline(args.write_baseline, results)
        print(f"codeintel scan: wrote {n} fingerprints to {args.write_baseline}", file=sys.stderr)
    for path, msg in errors:
        print(f"{path}: error: {msg}", file=sys.stderr)
    return 1 if errors or fails_on(args, results) else 0
