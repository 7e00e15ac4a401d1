"""`python -m mcp_bridge --coordinator HOST:PORT [--transport stdio|http] [--root DIR ...]`."""

from __future__ import annotations

import argparse
import logging
import os
import sys

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
    args = p.parse_args(argv)
    if not args.coordinator:
        p.error("--coordinator HOST:PORT is required (or set CODEINTEL_COORDINATOR)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
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
        )
    except KeyboardInterrupt:
        pass
    except ValueError as exc:  # bad configuration, e.g. a --root that is not a directory
        print(f"mcp_bridge: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
