"""`codeintel`: run the local stack, serve MCP, or parse/analyze/scan files from a shell.

    codeintel up [--port 50051] [--workers N]        coordinator + N workers per service
    codeintel mcp [--coordinator HOST:PORT]          MCP over stdio (starts a local stack if needed)
    codeintel parse|analyze|scan PATH... [--format text|json|sarif]
    codeintel rules|stats|workers [--coordinator HOST:PORT]
    codeintel load [--coordinator HOST:PORT] [--concurrency 100] [--duration 30] [--mix parse=1,analyze=1,scan=1]
    codeintel index DIR [--watch] [--rebuild]        the repository graph (persistent, incremental)
    codeintel search|definition|references|callers|callees|imports|outline ... [--repo DIR]
    codeintel review [REV_RANGE] [--staged] [--diff FILE|-] [--fail-on SEVERITY] [--hook claude-code]
    codeintel query 'S-EXPR' PATH... --language L    a tree-sitter query (or --pattern 'eval($X)': ast-grep)

Every flag has an environment variable (`--help` names it): the connection flags CODEINTEL_COORDINATOR,
CODEINTEL_API_KEY and CODEINTEL_WORKERS; `codeintel mcp` the bridge's own (CODEINTEL_TRANSPORT, ...);
other commands CODEINTEL_<COMMAND>_<FLAG>, e.g. CODEINTEL_SCAN_FAIL_ON=high; the flags every graph query
shares CODEINTEL_GRAPH_<FLAG>, e.g. CODEINTEL_GRAPH_REPO. Positions on the command line are 1-based LINE:COL.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

from codeintel.kernel import settings, vocab
from codeintel.kernel.settings import Setting
from codeintel.v1 import parse_pb2

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
                "--rules",
                (),
                metavar="PATH",
                repeat=True,
                help="custom rules: a rule file (*.toml, *.yaml, *.yml) or a directory of them; repeatable. "
                "Directories scanned also use their own .codeintel/rules/",
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
    Setting(
        "--rules",
        (),
        metavar="PATH",
        repeat=True,
        help="custom rules to validate and list with the shipped ones: a rule file or a directory; repeatable",
    ),
    Setting("--format", "text", help="output format", choices=("text", "json")),
)
ADMIN = (Setting("--format", "text", help="output format", choices=("text", "json")),)

# The repository graph: `codeintel index DIR` and the queries on its index.
GRAPH_QUERIES = ("search", "definition", "references", "callers", "callees", "imports", "outline")
GRAPH_ENV_PREFIX = f"{settings.PREFIX}GRAPH_"  # the flags every query shares: CODEINTEL_GRAPH_REPO, ...
SYMBOL_KINDS = tuple(
    vocab.enum_name(parse_pb2.SymbolKind, v, "SYMBOL_KIND_")
    for v in parse_pb2.SymbolKind.values()
    if v not in (parse_pb2.SYMBOL_KIND_UNSPECIFIED, parse_pb2.SYMBOL_KIND_IMPORT)
)
POSITION_HELP = (
    "a name ('save', 'Store.save', 'pkg.mod.Store') or a position PATH:LINE:COL in an indexed file "
    "(1-based line and column, the column counting bytes of the line)"
)
INDEX = (
    Setting(
        "--watch",
        False,
        help="after indexing, keep watching DIR and re-index the files that change, until Ctrl-C",
        switch=True,
    ),
    Setting("--rebuild", False, help="drop the existing index of DIR first (a full rebuild)", switch=True),
    Setting(
        "--include",
        (),
        repeat=True,
        metavar="PATTERN",
        help="gitignore-style pattern relative to DIR: only matching files are indexed; repeatable",
    ),
    Setting(
        "--exclude",
        (),
        repeat=True,
        metavar="PATTERN",
        help="gitignore-style pattern relative to DIR: matching files are skipped; repeatable",
    ),
    Setting(
        "--max-files",
        0,
        int,
        "most files to index (0: the coordinator's limit); over it the index is partial and says so",
        settings.non_negative,
    ),
    Setting(
        "--deadline",
        None,
        float,
        "stop indexing after this many seconds; what was written stays usable, the summary says it is partial",
        settings.positive,
        metavar="SECONDS",
    ),
    Setting("--format", "text", help="output format of the summary", choices=("text", "json")),
)
GRAPH_COMMON = (
    Setting(
        "--repo",
        "",
        help="the indexed repository (default: the current directory)",
        check=settings.directory,
        metavar="DIR",
    ),
    Setting(
        "--page-size",
        50,
        int,
        "most items per answer (callers, callees, imports: edges); the server caps it",
        settings.positive,
    ),
    Setting("--cursor", "", help="the next page: the value a truncated answer printed after 'more: --cursor'"),
    Setting(
        "--format",
        "text",
        help="output format (json: the GraphService answer, 0-based lines and columns)",
        choices=("text", "json"),
    ),
)
GRAPH_DEPTH = {
    "callers": Setting("--depth", 1, int, "levels of callers to follow (the server caps it at 5)", settings.positive),
    "callees": Setting("--depth", 1, int, "levels of callees to follow (the server caps it at 5)", settings.positive),
    "imports": Setting("--depth", 1, int, "levels of imports to follow (the server caps it at 10)", settings.positive),
    "outline": Setting("--depth", 0, int, "symbol nesting: 0 top level only, 1 adds members", settings.non_negative),
}
NAME_ONLY = Setting(
    "--name-only",
    False,
    help="also list uses matched by name only (attributes of objects whose type the index cannot tell)",
    switch=True,
)
GRAPH_FLAGS: dict[str, tuple[Setting, ...]] = {
    "search": (
        Setting("--match", "prefix", help="how names are compared", choices=("exact", "prefix", "fuzzy")),
        Setting("--kind", (), repeat=True, metavar="KIND", help="only these kinds; repeatable", choices=SYMBOL_KINDS),
        Setting("--language", (), repeat=True, metavar="LANG", help="only these languages; repeatable"),
        Setting("--path", "", metavar="PREFIX", help="only files under this path (relative to the repository)"),
    ),
    "definition": (),
    "references": (NAME_ONLY,),
    "callers": (GRAPH_DEPTH["callers"], NAME_ONLY),
    "callees": (GRAPH_DEPTH["callees"], NAME_ONLY),
    "imports": (
        Setting("--reverse", False, help="which files import PATH, instead of what PATH imports", switch=True),
        GRAPH_DEPTH["imports"],
    ),
    "outline": (GRAPH_DEPTH["outline"],),
}
GRAPH_HELP = {
    "search": (
        "search the index for definitions by name",
        "QUERY",
        "a name or part of it; a dotted query ('Store.save') matches qualified names",
    ),
    "definition": ("where a name, or the name at a position, is defined", "NAME_OR_PATH:LINE:COL", POSITION_HELP),
    "references": ("the uses of a definition across the repository", "NAME_OR_PATH:LINE:COL", POSITION_HELP),
    "callers": ("who calls a function, method or class", "SYMBOL", POSITION_HELP),
    "callees": ("what a function, method or class calls", "SYMBOL", POSITION_HELP),
    "imports": (
        "the import graph of a file or directory, with its cycles",
        "PATH",
        "a file or directory of the repository (default: all of it)",
    ),
    "outline": (
        "directories, files and their symbols",
        "PATH",
        "a directory or file of the repository (default: its root)",
    ),
}


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

    sp = c.add("index", "index a repository for the graph queries (search, definition, references, ...)")
    sp.description = (
        "Index DIR into the repository graph: files whose content is unchanged since the last run are reused, "
        "changed and new files are parsed, removed files dropped. A progress bar on stderr, then the summary."
    )
    sp.add_argument("dir", metavar="DIR", help="the repository's directory")
    c.settings("index", CONNECTION, settings.PREFIX)
    c.settings("index", INDEX, _env_prefix("index"))
    for name in GRAPH_QUERIES:
        summary, metavar, arg_help = GRAPH_HELP[name]
        sp = c.add(name, summary)
        sp.description = (
            f"{summary[0].upper()}{summary[1:]}, from the index `codeintel index` wrote. Positions are 1-based "
            "line:column on the command line (as editors show them)."
        )
        dest = {"search": "query", "imports": "path", "outline": "path"}.get(name, "target")
        if name in ("imports", "outline"):
            sp.add_argument(dest, nargs="?", default="", metavar=metavar, help=arg_help)
        else:
            sp.add_argument(dest, metavar=metavar, help=arg_help)
        c.settings(name, GRAPH_COMMON, GRAPH_ENV_PREFIX)
        c.settings(name, GRAPH_FLAGS[name], _env_prefix(name))
        c.settings(name, CONNECTION, settings.PREFIX)

    from codeintel.cli import review

    sp = c.add("review", "review a change: new syntax errors, complexity, findings, duplicates, callers and tests")
    sp.description = (
        "Review what a change broke or made worse (docs/review.md): the working tree against HEAD by default, "
        "REV_RANGE as git diff reads it (A..B, or A against the working tree), --staged for the index, --diff for "
        "a unified diff. Exit status 1 when --fail-on matches, 2 for unusable input."
    )
    sp.add_argument("rev_range", nargs="?", default="", metavar="REV_RANGE", help="A..B, or A (default: HEAD)")
    c.settings("review", review.SETTINGS, _env_prefix("review"))
    c.settings("review", CONNECTION, settings.PREFIX)

    from codeintel.cli import query as query_cli

    sp = c.add("query", "search files and directories with a tree-sitter query or an ast-grep pattern")
    sp.description = (
        "Run a tree-sitter query (S-expression) or, with --pattern, an ast-grep pattern over files and "
        "directories (docs/query.md); the coordinator walks each PATH (honouring .gitignore). The counts "
        "first, then one line per match with its captures; --cursor gives the next page."
    )
    query_cli.add_arguments(sp)
    c.settings("query", query_cli.SETTINGS, _env_prefix("query"))
    c.settings("query", CONNECTION, settings.PREFIX)
    return c


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line: a bad value exits with status 2 and one line naming its flag."""
    c = _commands()
    args = c.parser.parse_args(argv)
    for parser, group, prefix in c.checks[args.command]:
        settings.check(parser, group, args, env_prefix=prefix)
    return args


@contextlib.contextmanager
def coordinator_address(args: argparse.Namespace, repo_roots: Sequence[str] = ()) -> Iterator[str]:
    """The coordinator to talk to: --coordinator, or a local stack started for the command (whose
    coordinator may walk and index `repo_roots`: RunRepository and the repository graph)."""
    if args.coordinator:
        yield args.coordinator
        return
    from codeintel.ops.stack import LocalStack

    roots = [os.path.realpath(r) for r in repo_roots]
    extra = [f"--coordinator-arg=--repo-roots={','.join(roots)}"] if roots else []
    with LocalStack(workers=args.workers, extra_args=extra) as stack:
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
        # A local stack's coordinator may index the roots the bridge serves (the repository graph).
        with coordinator_address(args, tuple(args.root) or (os.getcwd(),)) as address:
            bridge, serve = bridge_config.from_namespace(args, coordinator=address)
            run(bridge, serve)
        return 0
    if args.command == "load":
        from codeintel.ops import load

        with coordinator_address(args) as address:
            return load.run_cli(args, address)
    if args.command == "index" or args.command in GRAPH_QUERIES:
        from codeintel.cli import graph

        plan = graph.plan(args)  # usage errors (a bad position, a path outside the repository) end here
        if isinstance(plan, int):
            return plan
        # A local stack's coordinator may index (and answer for) the repository.
        with coordinator_address(args, (plan.root,)) as address:
            return graph.run(args, address, plan)
    if args.command == "review":
        from codeintel.cli import review

        review_plan = review.plan(args)  # usage errors end here, before a stack is started
        if isinstance(review_plan, int):
            return review_plan
        if review_plan.quiet:
            return 0
        # A local stack's coordinator may read (and answer for) the repository.
        with coordinator_address(args, (review_plan.root,) if review_plan.root else ()) as address:
            return review.run(args, address, review_plan)
    if args.command == "query":
        from codeintel.cli import query as query_cli

        query_plan = query_cli.plan(args)  # usage errors and an invalid query (with its position) end here
        if isinstance(query_plan, int):
            return query_plan
        # A local stack's coordinator may walk the paths searched.
        with coordinator_address(args, query_plan.roots) as address:
            return query_cli.run(args, address, query_plan)

    from codeintel.cli import commands

    with coordinator_address(args) as address:
        return commands.run(args, address)
