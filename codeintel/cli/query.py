"""`codeintel query`: a tree-sitter query or an ast-grep pattern over files and directories
(QueryService.CodeQuery): command line -> request -> text or JSON.

    codeintel query '(call function: (identifier) @fn (#eq? @fn "open"))' src/ --language python
    codeintel query --pattern 'eval($X)' src/ --language python

- ``plan(args)``: the requests (one per PATH), built and the query checked before any coordinator is
  reached: an invalid query prints its position and gives exit status 2, as does a usage error;
- ``run(args, address, plans)``: the calls. The coordinator walks each PATH itself (the local stack
  the command starts may walk them; a --coordinator must have them under its --repo-roots). Text:
  the counts first, then one line per match (path:line:col and the captures), then how to get the
  next page; JSON: the CodeQuery answers as they are. A failed call gives exit status 1 (2 when
  the server refused the query).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format

from codeintel.cli import output
from codeintel.client import ClientError, SyncCoordinatorClient
from codeintel.client.requests import request_options
from codeintel.kernel import errors, languages, settings, structural
from codeintel.kernel.settings import Setting
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import graph_pb2, query_pb2

TIMEOUT_S = 300.0
TEXT_CHARS = 80

SETTINGS = (
    Setting("--pattern", "", help="an ast-grep pattern such as 'eval($X)' instead of a tree-sitter query"),
    Setting("--language", "", help="the language the query or pattern is written for (required)"),
    Setting(
        "--include",
        (),
        repeat=True,
        metavar="PATTERN",
        help="gitignore-style pattern relative to PATH: only matching files are searched; repeatable",
    ),
    Setting(
        "--exclude",
        (),
        repeat=True,
        metavar="PATTERN",
        help="gitignore-style pattern relative to PATH: matching files are skipped; repeatable",
    ),
    Setting("--page-size", 50, int, "matches per page (at most 1000)", settings.positive),
    Setting("--cursor", "", help="next_cursor of a previous answer: its next page (one PATH only)"),
    Setting("--max-matches", 0, int, "most matches kept over all files (0: the server's default, 10,000)"),
    Setting("--format", "text", help="output format", choices=("text", "json")),
    Setting("--priority", "normal", help="queue priority", choices=("low", "normal", "high")),
    Setting("--deadline", None, float, "stop after this many seconds and list what was found", settings.positive),
)


@dataclass
class Plan:
    roots: list[str]  # real paths the coordinator walks (a local stack is allowed these)
    requests: list[query_pb2.CodeQueryRequest]


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "args",
        nargs="+",
        metavar="QUERY PATH",
        help="the tree-sitter query (omit it with --pattern), then the files or directories to search",
    )


def plan(args: argparse.Namespace) -> Plan | int:
    """The requests, or exit status 2 after one line on stderr (a usage error or an invalid query)."""
    words = list(args.args)
    query = "" if args.pattern else words.pop(0)
    if not words:
        return _usage("name at least one file or directory to search")
    if not args.language:
        return _usage("--language is required: a query is written for one grammar (e.g. --language python)")
    lang = languages.normalize(args.language)
    if lang not in languages.SUPPORTED:
        return _usage(f"unknown language {args.language!r}; known: {', '.join(sorted(languages.SUPPORTED))}")
    if args.cursor and len(words) > 1:
        return _usage("--cursor pages through one PATH's answer: name that PATH alone")
    try:
        structural.check(lang, query, args.pattern)
    except errors.InvalidInput as exc:
        return _usage(str(exc))
    roots, requests = [], []
    for path in words:
        real = os.path.realpath(path)
        if not os.path.exists(real):
            return _usage(f"{path} does not exist")
        roots.append(real if os.path.isdir(real) else os.path.dirname(real))
        requests.append(
            query_pb2.CodeQueryRequest(
                query=query,
                pattern=args.pattern,
                language=lang,
                root=real,
                include=list(args.include),
                exclude=list(args.exclude),
                page=graph_pb2.Page(page_size=args.page_size, cursor=args.cursor),
                max_matches=max(0, args.max_matches),
                request_options=request_options(args.priority),
            )
        )
    return Plan(roots, requests)


def _usage(message: str) -> int:
    print(f"codeintel query: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace, address: str, plan: Plan) -> int:
    answers = []
    timeout = args.deadline or TIMEOUT_S
    with SyncCoordinatorClient(address, timeout_s=timeout, api_key=args.api_key) as client:
        for request in plan.requests:
            try:
                answers.append((request.root, client.code_query(request, timeout_s=timeout)))
            except ClientError as e:
                if e.code == "INVALID_ARGUMENT":
                    print(f"codeintel query: {e.details}", file=sys.stderr)
                    return 2
                return output.call_failed("query", e)
    if args.format == "json":
        data = [
            json_format.MessageToDict(r, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
            | {"root": root}
            for root, r in answers
        ]
        print(json.dumps(data if len(data) > 1 else data[0], indent=1))
        return 0
    for root, r in answers:
        print(text(root, r, multiple=len(answers) > 1))
    return 0


def _short(s: str) -> str:
    s = s.replace("\n", "⏎")
    return s if len(s) <= TEXT_CHARS else s[: TEXT_CHARS - 1] + "…"


def text(root: str, r: query_pb2.CodeQueryResponse, *, multiple: bool = False) -> str:
    s, c = r.summary, r.completeness
    lines = [
        f"{s.matches:,} match{'es' if s.matches != 1 else ''} in {s.files_with_matches:,} of {s.files_searched:,} "
        f"files searched ({', '.join(s.languages) or 'no files'})"
        + ("" if s.matches_exact else " (at least)")
        + (f" under {root}" if multiple else "")
    ]
    if c.partial:
        lines.append(f"partial: {', '.join(c.stopped)}")
    skipped = sum(x.count for x in c.files_skipped)
    if skipped:
        reasons = ", ".join(f"{x.count} {_reason(x.reason)}" for x in c.files_skipped)
        lines.append(f"skipped: {reasons}")
    if c.files_with_errors:
        lines.append(
            f"{c.files_with_errors} searched files have syntax errors (matches in the broken parts may be missing)"
        )
    lines.extend(f"note: {n}" for n in s.notes)
    for m in r.matches:
        first = m.captures[0] if m.captures else None
        where = f"{m.path}:{first.range.start.line + 1}:{first.range.start.column + 1}" if first else m.path
        caps = "  ".join(f"@{cap.name}={_short(cap.text)}" for cap in m.captures)
        index = f"[{m.pattern_index}] " if m.pattern_index else ""
        lines.append(f"{where}: {index}{caps}")
    if r.next_cursor:
        lines.append(f"more: repeat with --cursor {r.next_cursor}")
    return "\n".join(lines)


def _reason(reason: Any) -> str:
    return pb.RepositorySkipReason.Name(reason).removeprefix("REPOSITORY_SKIP_REASON_").lower().replace("_", " ")
