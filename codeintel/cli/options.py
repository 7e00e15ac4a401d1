"""Operation options and exit decisions from the per-file commands' flags."""

from __future__ import annotations

import argparse
from typing import Any

from codeintel.kernel import vocab
from codeintel.v1 import analyze_pb2, parse_pb2, scan_pb2


def options(args: argparse.Namespace) -> parse_pb2.ParseOptions | analyze_pb2.AnalyzeOptions | scan_pb2.ScanOptions:
    """The operation's options from the command's flags."""
    if args.command == "parse":
        return parse_pb2.ParseOptions(include_ast=args.ast)
    if args.command == "analyze":
        return analyze_pb2.AnalyzeOptions()
    return scan_pb2.ScanOptions(
        min_severity=vocab.SEVERITY_VALUES[args.min_severity],
        baseline_fingerprints=args.baseline_prints,
        cross_file=bool(getattr(args, "cross_file", False)),
        custom_rules=getattr(args, "rule_files", ()),
    )


def fails_on(args: argparse.Namespace, results: list[Any]) -> bool:
    """--fail-on: a finding at or above the given severity."""
    if args.command != "scan" or not args.fail_on:
        return False
    return any(vocab.at_least(f.severity, args.fail_on) for r in results for f in r.findings)
