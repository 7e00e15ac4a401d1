"""codeintel.kernel.settings: flags with CODEINTEL_* defaults, one check for flag and variable alike."""

from __future__ import annotations

import argparse

import pytest

from codeintel.kernel import settings
from codeintel.kernel.settings import Setting

SETTINGS = (
    Setting("--max-queue", 10, int, "queued items", settings.positive),
    Setting("--grace", 30.0, float, "seconds", settings.non_negative, env=("CODEINTEL_GRACE", "GRACE")),
    Setting("--mode", "open", help="what to do", choices=("open", "closed")),
    Setting("--root", (), help="roots", repeat=True, check=settings.directory),
    Setting("--no-cache", True, help="no cache", switch=True, dest="cache"),
    Setting("--address", None, help="HOST:PORT", check=settings.host_port, required=True),
)


def parse(argv: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str] | None = None) -> argparse.Namespace:
    return settings.parse(argparse.ArgumentParser(prog="proc"), SETTINGS, argv, env=env)


def fails(argv: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as ei:
        parse(argv, env)
    assert ei.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("proc: error: ")
    return lines[-1].removeprefix("proc: error: ")


def test_defaults_variables_and_flags_in_that_order(tmp_path):
    a = parse(["--address", "h:1"], {})
    assert (a.max_queue, a.grace, a.mode, a.root, a.cache, a.address) == (10, 30.0, "open", [], True, "h:1")
    env = {
        "CODEINTEL_MAX_QUEUE": "7",
        "GRACE": "2",
        "CODEINTEL_MODE": "closed",
        "CODEINTEL_ROOT": f"{tmp_path}, /",
        "CODEINTEL_CACHE": "off",
        "CODEINTEL_ADDRESS": "e:2",
    }
    a = parse([], env)
    assert (a.max_queue, a.grace, a.mode, a.root, a.address) == (7, 2.0, "closed", [str(tmp_path), "/"], "e:2")
    assert a.cache is False  # --no-cache is read from the positive name: CODEINTEL_CACHE=off
    a = parse(["--max-queue", "3", "--root", "/", "--no-cache", "--address", "f:3"], env)
    assert (a.max_queue, a.root, a.cache, a.address) == (3, ["/"], False, "f:3")  # flags win, repeat replaces


def test_the_first_variable_set_wins():
    assert parse(["--address", "h:1"], {"CODEINTEL_GRACE": "1", "GRACE": "2"}).grace == 1.0


@pytest.mark.parametrize(
    "argv, env, message",
    [
        (["--max-queue", "0"], {}, "--max-queue must be a positive number, got 0"),
        ([], {"CODEINTEL_MAX_QUEUE": "0"}, "--max-queue must be a positive number, got 0"),
        ([], {"CODEINTEL_MAX_QUEUE": "many"}, "argument --max-queue: invalid int value: 'many'"),
        ([], {"GRACE": "nan"}, "--grace must be 0 or a positive number, got nan"),
        ([], {"CODEINTEL_MODE": "maybe"}, "--mode must be one of open, closed, got 'maybe'"),
        (["--root", "/no/such/dir"], {}, "--root '/no/such/dir' is not a directory"),
        ([], {"CODEINTEL_ROOT": "/,/no/such/dir"}, "--root '/no/such/dir' is not a directory"),
        ([], {"CODEINTEL_CACHE": "maybe"}, "--no-cache: CODEINTEL_CACHE 'maybe' is not one of"),
        (["--address", "nohost"], {}, "--address must be HOST:PORT, got 'nohost'"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_flag(argv, env, message, capsys):
    assert message in fails([*argv, *(["--address", "h:1"] if "--address" not in argv else [])], env, capsys)


def test_a_required_setting_names_its_variable(capsys):
    assert fails([], {}, capsys) == "--address is required (or set CODEINTEL_ADDRESS)"
    assert fails([], {"CODEINTEL_ADDRESS": ""}, capsys) == "--address is required (or set CODEINTEL_ADDRESS)"


def test_help_names_each_variable(capsys):
    with pytest.raises(SystemExit):
        parse(["--help"], {})
    out = " ".join(capsys.readouterr().out.split())
    for var in (
        "CODEINTEL_MAX_QUEUE",
        "CODEINTEL_GRACE/GRACE",
        "CODEINTEL_MODE",
        "CODEINTEL_ROOT",
        "CODEINTEL_ADDRESS",
    ):
        assert f"env {var})" in out


def test_from_env_raises_instead_of_exiting():
    only_env = SETTINGS[:3]
    assert settings.from_env(only_env, {"CODEINTEL_MAX_QUEUE": "5"}).max_queue == 5
    with pytest.raises(settings.SettingError, match="--max-queue must be a positive number, got -1"):
        settings.from_env(only_env, {"CODEINTEL_MAX_QUEUE": "-1"})


def test_an_env_prefix_namespaces_a_command():
    p = argparse.ArgumentParser(prog="codeintel scan")
    group = (Setting("--fail-on", None, choices=("low", "high")),)
    settings.add(
        p, group, env={"CODEINTEL_SCAN_FAIL_ON": "high", "CODEINTEL_FAIL_ON": "low"}, env_prefix="CODEINTEL_SCAN_"
    )
    assert settings.check(p, group, p.parse_args([]), env_prefix="CODEINTEL_SCAN_").fail_on == "high"
