"""`codeintel`: run the local stack, serve MCP, or parse/analyze/scan files from a shell.

    codeintel up [--port 50051] [--workers N]        coordinator + N workers per service
    codeintel mcp [--coordinator HOST:PORT]          MCP over stdio (starts a local stack if needed)
    codeintel parse|analyze|scan PATH... [--format text|json|sarif]
    codeintel rules|stats|workers [--coordinator HOST:PORT]
    codeintel load [--coordinator HOST:PORT] [--concurrency 100] [--duration 30] [--mix parse=1,analyze=1,scan=1]

Every flag has an environment variable (`--help` names it): the connection flags CODEINTEL_COORDINATOR,
CODEINTEL_API_KEY and CODEINTEL_WORKERS; `codeintel mcp` the bridge's own (CODEINTEL_TRANSPORT, ...);
other commands CODEINTEL_<COMMAND>_<FLAG>, e.g. CODEINTEL_SCAN_FAIL_ON=high.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence

from codeintel.kernel import settings, vocab
from codeintel.kernel.settings import Setting

SERVICES = ("parse", "analyze", "scan")

# How to reach a coordinator; shared by every command that talks to one.
CONNECTION = (
    Setting(
        "--coordinator",
        "",
        help="HOST:PORT of a running coordinator (default: start a local stack)",
        check=settings.host_port,
    ),
    Setting("--workers", 1, int, "workers per service for a local stack", settings.positive),
    Setting("--api-key", None, help="API key for a coordinator with tenants, sent as 'authorization: Bearer'"),
)


def _file_settings(command: str) -> tuple[Setting, ...]:
    out = [
        Setting("--language", "", help="language of every file (default: detect)"),
        Setting(
            "--format",
            "text",
            help="output format",
            choices=("text", "json", "sarif") if command == "scan" else ("text", "json"),
        ),
        Setting("--priority", "normal", help="queue priority", choices=vocab.PRIORITIES),
        Setting(
            "--deadline",
            None,
            float,
            "directories: stop the work after this many seconds and report what was not processed",
            settings.positive,
            metavar="SECONDS",
        ),
        Setting(
            "--server-side",
            False,
            help="directories on the coordinator's machine: let it walk and read them "
            "(RunRepository; the coordinator needs --repo-roots covering them)",
            switch=True,
        ),
    ]
    if command == "scan":
        out += [
            Setting(
                "--min-severity", "info", help="report findings at or above this severity", choices=vocab.SEVERITIES
            ),
            Setting(
                "--fail-on",
                None,
                help="exit 1 when a finding at or above this severity is found",
                choices=vocab.SEVERITIES,
            ),
            Setting(
                "--baseline",
                None,
                metavar="FILE",
                help="accepted findings (a file written by --write-baseline, "
                "or an earlier SARIF log): report only new ones",
            ),
            Setting(
                "--write-baseline", None, metavar="FILE", help="write the fingerprints of this scan's findings to FILE"
            ),
            Setting(
                "--cross-file",
                False,
                help="directories: summarise every file's functions first, then follow untrusted data into "
                "helpers defined in other files (a second pass over the files of taint languages)",
                switch=True,
            ),
        ]
    if command == "parse":
        out.append(Setting("--ast", False, help="include the syntax tree (json format)", switch=True))
    return tuple(out)


LOAD = (
    Setting("--concurrency", 100, int, "clients (closed loop) or most calls in flight", settings.positive),
    Setting("--duration", 30.0, float, "seconds of load", settings.positive),
    Setting("--mix", "parse=1,analyze=1,scan=1", help="operation weights, e.g. parse=3,scan=1"),
    Setting(
        "--files",
        "",
        metavar="DIR_OR_GLOB",
        help="source files to send (default: built-in snippets in several languages)",
    ),
    Setting(
        "--cache",
        "mixed",
        help="hit: repeat warmed files; miss: unique content per call; mixed: half each",
        choices=("hit", "miss", "mixed"),
    ),
    Setting("--rate", None, float, "calls per second (open loop; default: closed loop)", settings.positive),
    Setting("--priority", "normal", help="queue priority", choices=vocab.PRIORITIES),
    Setting("--clients-per-channel", 25, int, "clients sharing one gRPC channel", settings.positive),
    Setting("--deadline", 10.0, float, "seconds per call", settings.positive),
    Setting("--json", "", metavar="PATH", help="also write the report as JSON"),
    Setting("--seed", None, int, "seed of the choices of operation, file and cache mode (default: random)"),
)
RULES = (
    Setting("--language", "", help="only rules for this language"),
    Setting("--format", "text", help="output format", choices=("text", "json")),
)
ADMIN = (Setting("--format", "text", help="output format", choices=("text", "json")),)


def _env_prefix(command: str) -> str:
    return f"{settings.PREFIX}{command.upper()}_"


class _Commands:
    """The subcommand parsers and the settings each one checks after parsing."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser(
            prog="codeintel", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        self._sub = self.parser.add_subparsers(dest="command", required=True)
        self.checks: dict[str, list[tuple[argparse.ArgumentParser, tuple[Setting, ...], str]]] = {}
        self.parsers: dict[str, argparse.ArgumentParser] = {}

    def add(self, command: str, help_text: str) -> argparse.ArgumentParser:
        sp = self._sub.add_parser(command, help=help_text)
        self.parsers[command] = sp
        self.checks[command] = []
        return sp

    def settings(self, command: str, group: tuple[Setting, ...], env_prefix: str, title: str = "") -> None:
        """Add `group` to `command`'s flags (under a help heading `title`, if given); checked after parsing."""
        sp = self.parsers[command]
        settings.add(sp.add_argument_group(title) if title else sp, group, env_prefix=env_prefix)
        self.checks[command].append((sp, group, env_prefix))


def _commands() -> _Commands:
    from codeintel.ops import autoscale, supervisor
    from mcp_bridge import config as bridge_config

    c = _Commands()
    c.add("up", "run the coordinator and worker processes in the foreground")
    c.settings("up", supervisor.UP_SETTINGS, supervisor.UP_ENV_PREFIX)  # pools, child flags, drain timings
    c.settings("up", autoscale.SETTINGS, settings.PREFIX, autoscale.GROUP_TITLE)  # CODEINTEL_SCALE_*

    c.add("mcp", "serve MCP (stdio by default)")
    c.settings("mcp", bridge_config.bridge_settings(coordinator_required=False), settings.PREFIX)
    c.settings("mcp", CONNECTION[1:2], settings.PREFIX)  # --workers; --coordinator/--api-key are the bridge's

    for s in SERVICES:
        sp = c.add(s, f"{s} files or directories")
        sp.add_argument("paths", nargs="+", metavar="PATH")
        c.settings(s, CONNECTION, settings.PREFIX)
        c.settings(s, _file_settings(s), _env_prefix(s))
    c.add("rules", "list the scan rules")
    c.settings("rules", CONNECTION, settings.PREFIX)
    c.settings("rules", RULES, _env_prefix("rules"))
    c.add("load", "load-test a coordinator: throughput, latency percentiles, errors")
    c.settings("load", CONNECTION, settings.PREFIX)
    c.settings("load", LOAD, _env_prefix("load"))
    for name in ("stats", "workers"):
        c.add(name, f"show the coordinator's {name}")
        c.settings(name, CONNECTION, settings.PREFIX)
        c.settings(name, ADMIN, _env_prefix(name))
    return c


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line: a bad value exits with status 2 and one line naming its flag."""
    c = _commands()
    args = c.parser.parse_args(argv)
    for parser, group, prefix in c.checks[args.command]:
        settings.check(parser, group, args, env_prefix=prefix)
    return args


@contextlib.contextmanager
def coordinator_address(args: argparse.Namespace) -> Iterator[str]:
    if args.coordinator:
        yield args.coordinator
        return
    from codeintel.ops.stack import LocalStack

    with LocalStack(workers=args.workers) as stack:
        yield stack.address


def main(argv: Sequence[str] | None = None) -> int:
    from codeintel.kernel import procs

    procs.die_with_parent()
    args = parse_args(argv)
    if args.command == "up":
        from codeintel.ops.supervisor import config_from_args, run_forever

        try:
            config = config_from_args(args)
        except ValueError as e:
            print(f"codeintel up: {e}", file=sys.stderr)
            return 2
        run_forever(config)
        return 0
    if args.command == "mcp":
        from codeintel.observability import logs
        from mcp_bridge import config as bridge_config
        from mcp_bridge.server import run

        logs.setup(args.log_level.upper())
        with coordinator_address(args) as address:
            bridge, serve = bridge_config.from_namespace(args, coordinator=address)
            run(bridge, serve)
        return 0
    if args.command == "load":
        from codeintel.ops import load

        with coordinator_address(args) as address:
            return load.run_cli(args, address)
    from codeintel.cli import commands

    with coordinator_address(args) as address:
        return commands.run(args, address)
