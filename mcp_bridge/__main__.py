"""`python -m mcp_bridge --coordinator HOST:PORT [--transport stdio|http] [--root DIR ...]`.

Every flag has a CODEINTEL_* variable (`--help` lists them; mcp_bridge.config.bridge_settings); a bad
value stops the process with exit status 2 and one line naming the flag.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from codeintel.kernel import procs, settings
from codeintel.observability import logs
from mcp_bridge import config


def main(argv: Sequence[str] | None = None) -> int:
    procs.die_with_parent()  # started by a codeintel process (or a test): never outlive it
    p = argparse.ArgumentParser(
        prog="python -m mcp_bridge",
        description="MCP server exposing the codeintel coordinator (parse, analyze, scan, metrics).",
    )
    args = settings.parse(p, config.bridge_settings(), argv)
    # codeintel's log format (CODEINTEL_LOG_FORMAT=json for JSON lines), with trace ids when tracing is on.
    logs.setup(args.log_level.upper())
    bridge, serve = config.from_namespace(args)
    from mcp_bridge.server import run

    try:
        run(bridge, serve)
    except KeyboardInterrupt:
        pass
    except ValueError as exc:  # bad configuration found late, e.g. a root that vanished
        print(f"mcp_bridge: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
