"""`python -m mcp_bridge --coordinator HOST:PORT [--transport stdio|http] [--root DIR ...]`."""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys

from codeintel.observability import logs
from mcp_bridge.config import DEFAULT_MAX_FILE_BYTES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m mcp_bridge",
        description="MCP server exposing the codeintel coordinator (parse, analyze, scan, metrics).",
    )
    p.add_argument(
        "--coordinator",
        default=os.environ.get("CODEINTEL_COORDINATOR"),
        help="coordinator address HOST:PORT (default: $CODEINTEL_COORDINATOR)",
    )
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="MCP transport (default stdio)")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765); the endpoint is /mcp")
    p.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="DIR",
        help="directory whose files the `path` argument may read; repeatable (default: the working directory)",
    )
    p.add_argument("--timeout", type=float, default=30.0, help="deadline of each coordinator call, seconds")
    p.add_argument(
        "--api-key",
        default=os.environ.get("CODEINTEL_API_KEY"),
        help="coordinator API key, sent as a bearer token (default: $CODEINTEL_API_KEY)",
    )
    p.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES, help="largest file/code accepted")
    p.add_argument("--log-level", default="WARNING", help="log level (logs go to stderr)")
    p.add_argument(
        "--drain-delay",
        type=float,
        default=os.environ.get("CODEINTEL_DRAIN_DELAY", "0.5"),
        help="HTTP: seconds still serving after SIGTERM while /readyz says 503 (balancers notice)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=os.environ.get("CODEINTEL_GRACE", "30"),
        help="HTTP: seconds tool calls in flight get to finish after SIGTERM",
    )
    args = p.parse_args(argv)
    if not args.coordinator:
        p.error("--coordinator HOST:PORT is required (or set CODEINTEL_COORDINATOR)")
    _validate(p, args)
    return args


def _validate(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """One clear usage error (exit 2) per bad value, before anything starts."""
    host, sep, port = args.coordinator.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        p.error(f"--coordinator must be HOST:PORT, got {args.coordinator!r}")
    if not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    for flag, value in (
        ("--timeout", args.timeout),
        ("--max-file-bytes", args.max_file_bytes),
        ("--grace", args.grace),
    ):
        if not value > 0 or not math.isfinite(value):
            p.error(f"{flag} must be a positive number, got {value!r}")
    if not args.drain_delay >= 0 or not math.isfinite(args.drain_delay):
        p.error(f"--drain-delay must be 0 or a positive number, got {args.drain_delay!r}")
    for root in args.root:
        if not os.path.isdir(root):
            p.error(f"--root {root!r} is not a directory")
    if not isinstance(logging.getLevelName(str(args.log_level).upper()), int):
        p.error(f"--log-level must be one of debug, info, warning, error, critical, got {args.log_level!r}")


def main(argv: list[str] | None = None) -> int:
    from codeintel.kernel import procs

    procs.die_with_parent()  # started by a codeintel process (or a test): never outlive it
    args = parse_args(argv)
    level = str(args.log_level).upper()
    # codeintel's log format (CODEINTEL_LOG_FORMAT=json for JSON lines), with trace ids when tracing is on.
    logs.setup(level if isinstance(logging.getLevelName(level), int) else "WARNING")
    from mcp_bridge.server import run

    try:
        run(
            args.coordinator,
            transport=args.transport,
            host=args.host,
            port=args.port,
            roots=args.root,
            timeout_s=args.timeout,
            api_key=args.api_key,
            max_file_bytes=args.max_file_bytes,
            drain_delay=args.drain_delay,
            grace=args.grace,
        )
    except KeyboardInterrupt:
        pass
    except ValueError as exc:  # bad configuration, e.g. a --root that is not a directory
        print(f"mcp_bridge: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
