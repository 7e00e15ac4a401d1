"""`codeintel`: run the local stack, serve MCP, or parse/analyze/scan files from a shell.

codeintel up [--port 50051] [--workers N]        coordinator + N workers per service
codeintel mcp [--coordinator HOST:PORT]          MCP over stdio (starts a local stack if needed)
codeintel parse|analyze|scan PATH... [--format text|json|sarif]
codeintel stats|workers [--coordinator HOST:PORT]
codeintel load [--coordinator HOST:PORT] [--concurrency 100] [--duration 30] [--mix parse=1,analyze=1,scan=1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

SERVICES = ("parse", "analyze", "scan")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--coordinator",
        default=os.environ.get("CODEINTEL_COORDINATOR", ""),
        help="HOST:PORT of a running coordinator (default: start a local stack)",
    )
    p.add_argument("--workers", type=int, default=1, help="workers per service for a local stack")
    p.add_argument(
        "--api-key",
        default=os.environ.get("CODEINTEL_API_KEY") or None,
        help="API key for a coordinator with tenants, sent as 'authorization: Bearer' (default: $CODEINTEL_API_KEY)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeintel", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the coordinator and worker processes in the foreground")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=50051, help="coordinator port (0: any free port)")
    up.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes per service at start (default: the CPU count, within the bounds)",
    )
    for s in SERVICES:
        up.add_argument(f"--{s}-workers", type=int, default=None, help=f"override --workers for {s}")
    up.add_argument(
        "--coordinator-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra flag passed to the coordinator, e.g. --coordinator-arg=--max-queue=500",
    )
    up.add_argument("--worker-arg", action="append", default=[], metavar="ARG", help="extra flag for every worker")
    from codeintel.ops.supervisor import add_arguments as add_up_arguments

    add_up_arguments(up)  # --min-workers/--max-workers, --grace, --scale-* thresholds

    mcp = sub.add_parser("mcp", help="serve MCP (stdio by default)")
    _add_common(mcp)
    mcp.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    mcp.add_argument("--http-host", default="127.0.0.1")
    mcp.add_argument("--http-port", type=int, default=8765)
    mcp.add_argument("--root", action="append", default=[], help="directory tools may read (repeatable; default: cwd)")

    for s in SERVICES:
        sp = sub.add_parser(s, help=f"{s} files or directories")
        sp.add_argument("paths", nargs="+", metavar="PATH")
        _add_common(sp)
        sp.add_argument("--language", default="", help="language of every file (default: detect)")
        sp.add_argument(
            "--format", choices=("text", "json", "sarif") if s == "scan" else ("text", "json"), default="text"
        )
        sp.add_argument("--priority", choices=("low", "normal", "high"), default="normal")
        sp.add_argument(
            "--deadline",
            type=float,
            default=None,
            metavar="SECONDS",
            help="directories: stop the work after this many seconds and report what was not processed",
        )
        sp.add_argument(
            "--server-side",
            action="store_true",
            help="directories on the coordinator's machine: let it walk and read them (RunRepository; "
            "the coordinator needs --repo-roots covering them)",
        )
        if s == "scan":
            sp.add_argument("--min-severity", choices=("info", "low", "medium", "high", "critical"), default="info")
            sp.add_argument(
                "--fail-on",
                choices=("info", "low", "medium", "high", "critical"),
                default=None,
                help="exit 1 when a finding at or above this severity is found",
            )
            sp.add_argument(
                "--baseline",
                metavar="FILE",
                default=None,
                help="accepted findings (a file written by --write-baseline, or an earlier SARIF log): "
                "report only new ones",
            )
            sp.add_argument(
                "--write-baseline",
                metavar="FILE",
                default=None,
                help="write the fingerprints of this scan's findings to FILE",
            )
        if s == "parse":
            sp.add_argument("--ast", action="store_true", help="include the syntax tree (json format)")

    rules = sub.add_parser("rules", help="list the scan rules")
    _add_common(rules)
    rules.add_argument("--language", default="", help="only rules for this language")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    load = sub.add_parser("load", help="load-test a coordinator: throughput, latency percentiles, errors")
    _add_common(load)
    load.add_argument("--concurrency", type=int, default=100, help="clients (closed loop) or most calls in flight")
    load.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    load.add_argument("--mix", default="parse=1,analyze=1,scan=1", help="operation weights, e.g. parse=3,scan=1")
    load.add_argument(
        "--files",
        default="",
        metavar="DIR_OR_GLOB",
        help="source files to send (default: built-in snippets in several languages)",
    )
    load.add_argument(
        "--cache",
        choices=("hit", "miss", "mixed"),
        default="mixed",
        help="hit: repeat warmed files; miss: unique content per call; mixed: half each",
    )
    load.add_argument("--rate", type=float, default=None, help="calls per second (open loop; default: closed loop)")
    load.add_argument("--priority", choices=("low", "normal", "high"), default="normal")
    load.add_argument("--clients-per-channel", type=int, default=25, help="clients sharing one gRPC channel")
    load.add_argument("--deadline", type=float, default=10.0, help="seconds per call")
    load.add_argument("--json", default="", metavar="PATH", help="also write the report as JSON")

    for name in ("stats", "workers"):
        sp = sub.add_parser(name, help=f"show the coordinator's {name}")
        _add_common(sp)
        sp.add_argument("--format", choices=("text", "json"), default="text")
    return p


@contextlib.contextmanager
def coordinator_address(args):
    if args.coordinator:
        yield args.coordinator
        return
    from codeintel.ops.stack import LocalStack

    with LocalStack(workers=args.workers) as stack:
        yield stack.address


def main(argv: list[str] | None = None) -> int:
    from codeintel.kernel import procs

    procs.die_with_parent()
    args = build_parser().parse_args(argv)
    if args.command == "up":
        from codeintel.ops.supervisor import config_from_args, run_forever

        if not 0 <= args.port <= 65535:  # checked here: the coordinator would only fail after the workers start
            print(f"codeintel up: --port must be between 0 and 65535, got {args.port}", file=sys.stderr)
            return 2
        try:
            config = config_from_args(args)
        except ValueError as e:
            print(f"codeintel up: {e}", file=sys.stderr)
            return 2
        run_forever(config)
        return 0
    if args.command == "mcp":
        from mcp_bridge.server import run

        with coordinator_address(args) as address:
            run(
                address,
                transport=args.transport,
                host=args.http_host,
                port=args.http_port,
                roots=args.root or None,
                api_key=args.api_key,
            )
        return 0
    if args.command == "load":
        from codeintel.ops import load

        with coordinator_address(args) as address:
            return load.run_cli(args, address)
    from codeintel.cli import commands

    with coordinator_address(args) as address:
        return commands.run(args, address)
