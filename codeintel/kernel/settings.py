"""One settings mechanism for every codeintel process: flags with CODEINTEL_* environment defaults.

A process declares each setting once, as a `Setting` (flag, type, default, check, help).
`add()` puts them on an argparse parser with their defaults taken from the environment
(CODEINTEL_<FLAG>, e.g. --max-queue <- CODEINTEL_MAX_QUEUE, unless a setting names its own
variables), and `check()` checks every parsed value the same way whether it came from a flag or
from the environment. A bad value stops the process at start with exit status 2 and one line
that names the flag and says what it must be (argparse's `error`); `--help` shows each flag's
variable and default. Processes: the workers (codeintel.rpc.worker), the coordinator
(coordinator.config), the MCP bridge (mcp_bridge.config) and the `codeintel` CLI, whose
command-specific flags read CODEINTEL_<COMMAND>_<FLAG> (e.g. CODEINTEL_SCAN_FAIL_ON).
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

PREFIX = "CODEINTEL_"

# What is wrong with a value, as the rest of the sentence after the flag ("must be a positive
# number, got -1"), or None when the value is fine.
Check = Callable[[Any], str | None]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def positive(value: Any) -> str | None:
    if isinstance(value, int | float) and math.isfinite(value) and value > 0:
        return None
    return f"must be a positive number, got {value!r}"


def non_negative(value: Any) -> str | None:
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return None
    return f"must be 0 or a positive number, got {value!r}"


def port(value: Any) -> str | None:
    return None if 0 <= value <= 65535 else f"must be between 0 and 65535, got {value!r}"


def log_level(value: Any) -> str | None:
    if str(value).lower() in LOG_LEVELS:
        return None
    return f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}"


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}, got {value!r}"

    return check


def host_port(value: Any) -> str | None:
    host, sep, number = str(value).rpartition(":")
    if sep and host and number.isdigit() and 0 < int(number) < 65536:
        return None
    return f"must be HOST:PORT, got {value!r}"


def directory(value: Any) -> str | None:
    return None if not value or os.path.isdir(value) else f"{value!r} is not a directory"


def existing_file(value: Any) -> str | None:
    return None if not value or os.path.isfile(value) else f"{value!r} does not exist"


def parent_directory(value: Any) -> str | None:
    if not value or os.path.isdir(os.path.dirname(os.path.abspath(value))):
        return None
    return f"{value!r}: its directory does not exist"


def switch(text: str) -> bool:
    """An on/off value from the environment: 1/0, true/false, yes/no, on/off."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{text!r} is not one of 1/0, true/false, yes/no, on/off")


@dataclass(frozen=True)
class Setting:
    """One flag of a process, with its environment variable(s)."""

    flag: str  # "--max-queue"
    default: Any = None
    type: Callable[[str], Any] = str
    help: str = ""
    check: Check | None = None
    # Environment variables read for the default, first set wins; None: CODEINTEL_<FLAG>.
    env: tuple[str, ...] | None = None
    repeat: bool = False  # may be given several times; the variable holds a comma-separated list
    # A flag without a value. `default` is the setting's value without the flag; the flag turns it to
    # `not default` (e.g. --no-l2-cache turns l2_cache off); the variable sets the value itself.
    switch: bool = False
    dest: str | None = None  # the attribute name; default: the flag without dashes ("max_queue")
    metavar: str | None = None
    choices: tuple[str, ...] | None = None  # the values allowed (checked for variables too, unlike argparse's)
    aliases: tuple[str, ...] = ()  # further spellings of the flag
    required: bool = False

    @property
    def name(self) -> str:
        return self.dest or self.flag.lstrip("-").replace("-", "_")

    def variables(self, env_prefix: str = PREFIX) -> tuple[str, ...]:
        """CODEINTEL_<FLAG> unless the setting names its variables; a switch that turns something off
        (--no-l2-cache) is read from the positive name (CODEINTEL_L2_CACHE=0)."""
        if self.env is not None:
            return self.env
        name = self.flag.lstrip("-")
        if self.switch and name.startswith("no-"):
            name = name.removeprefix("no-")
        return (env_prefix + name.replace("-", "_").upper(),)


def _from_env(setting: Setting, env: Mapping[str, str], env_prefix: str) -> tuple[str, str] | None:
    for var in setting.variables(env_prefix):
        if var in env:
            return var, env[var]
    return None


def add(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    settings: Iterable[Setting],
    *,
    env: Mapping[str, str] | None = None,
    env_prefix: str = PREFIX,
) -> None:
    """Add `settings` to `parser`, their defaults read from the environment (`env`, default os.environ).

    A value from the environment is handed to argparse as a string default, so argparse converts it
    with the flag's type and reports a bad one as "argument --flag: invalid int value: ..."."""
    env = os.environ if env is None else env
    for s in settings:
        found = _from_env(s, env, env_prefix)
        variables = "/".join(s.variables(env_prefix))
        default_text = "" if s.default in (None, "", (), []) else f"default {s.default!r}; "
        help_text = f"{s.help} ({default_text}env {variables})" if s.help else f"({default_text}env {variables})"
        flags = [s.flag, *s.aliases]
        if s.switch:
            default: Any = s.default
            if found is not None:
                try:
                    default = switch(found[1])
                except ValueError as e:  # reported by check(), where the parser can stop the process
                    parser.set_defaults(**{f"_{s.name}_error": f"{s.flag}: {found[0]} {e}"})
            parser.add_argument(
                *flags,
                dest=s.name,
                action="store_false" if s.default else "store_true",
                default=default,
                help=help_text,
            )
            continue
        if s.repeat:
            default_list = list(s.default or ())
            if found is not None:
                default_list = [part.strip() for part in found[1].split(",") if part.strip()]
            parser.add_argument(*flags, dest=s.name, action="append", default=None, metavar=s.metavar, help=help_text)
            parser.set_defaults(**{f"_{s.name}_default": default_list})
            continue
        default = found[1] if found is not None else s.default
        metavar = s.metavar or ("{" + ",".join(s.choices) + "}" if s.choices else None)
        parser.add_argument(*flags, dest=s.name, type=s.type, default=default, metavar=metavar, help=help_text)


def check(
    parser: argparse.ArgumentParser,
    settings: Iterable[Setting],
    args: argparse.Namespace,
    *,
    env_prefix: str = PREFIX,
) -> argparse.Namespace:
    """Convert and check every value of `args` (flag or environment alike); the first bad one ends the
    process with exit status 2 and one line naming its flag."""
    for s in settings:
        # What add() left beside the values: a bad switch variable, a repeated flag's default list.
        error = vars(args).pop(f"_{s.name}_error", None)
        if error:
            parser.error(error)
        if s.repeat:
            given = getattr(args, s.name, None)
            from_env = vars(args).pop(f"_{s.name}_default", [])
            try:
                value: Any = [s.type(v) for v in (given if given is not None else from_env)]
            except (TypeError, ValueError, argparse.ArgumentTypeError) as e:
                parser.error(f"argument {s.flag}: {e}")
            setattr(args, s.name, value)
            items = value
        else:
            value = getattr(args, s.name, None)
            # argparse converts string defaults only when they are strings; a typed default is used as is.
            items = [value]
        if s.required and value in (None, "", []):
            parser.error(f"{s.flag} is required (or set {' / '.join(s.variables(env_prefix))})")
        checks = [c for c in (one_of(*s.choices) if s.choices else None, s.check) if c is not None]
        for check_value in checks:
            for item in items:
                if item is None or (item == "" and not s.required):
                    continue
                problem = check_value(item)
                if problem:
                    parser.error(f"{s.flag} {problem}")
    return args


def parse(
    parser: argparse.ArgumentParser,
    settings: Sequence[Setting],
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> argparse.Namespace:
    """`add`, parse `argv`, `check`: the whole life of a process's flags."""
    add(parser, settings, env=env)
    return check(parser, settings, parser.parse_args(argv))


def listen(defaults: Any) -> tuple[Setting, ...]:
    """--host and --port of a server process; `defaults` has `host` and `port` attributes."""
    return (
        Setting("--host", defaults.host, help="bind address (0.0.0.0 in containers)"),
        Setting("--port", defaults.port, int, "port; 0 picks a free one", port),
    )


def serving(defaults: Any, *, grace_check: Check = non_negative) -> tuple[Setting, ...]:
    """The drain, connection-age, log and /metrics flags every gRPC server process shares; `defaults`
    has the attributes of the same names (drain_delay, grace, ...)."""
    return (
        Setting(
            "--drain-delay",
            defaults.drain_delay,
            float,
            "seconds still accepting work after SIGTERM while balancers notice",
            non_negative,
        ),
        Setting("--grace", defaults.grace, float, "seconds calls in flight get to finish after SIGTERM", grace_check),
        Setting(
            "--max-connection-age",
            defaults.max_connection_age,
            float,
            "seconds before clients must reconnect (rebalances load onto new replicas); 0 = never",
            non_negative,
        ),
        Setting("--log-level", defaults.log_level, help="log level", check=log_level),
        Setting("--metrics-port", defaults.metrics_port, int, "serve Prometheus /metrics on this port (0 = off)", port),
        Setting("--metrics-host", defaults.metrics_host, help="bind address of /metrics (default: the same as --host)"),
    )


def check_metrics_port(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """/metrics cannot share the gRPC port on the same address."""
    if args.metrics_port and args.metrics_port == args.port and (args.metrics_host or args.host) == args.host:
        parser.error("--metrics-port must differ from --port")


class SettingError(ValueError):
    """A bad setting value outside a command line (e.g. read by a library from the environment)."""


def from_env(settings: Sequence[Setting], env: Mapping[str, str] | None = None) -> argparse.Namespace:
    """The values of `settings` from the environment alone (defaults where unset), checked as on a
    command line; SettingError (a ValueError) with the same one-line message for a bad value."""

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise SettingError(message)

    return parse(_Parser(add_help=False), settings, [], env=env)
