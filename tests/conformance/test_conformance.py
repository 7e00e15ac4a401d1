"""Runs the language-neutral conformance suite against our three Python worker services.

Each service is started as a real process; the runner is started as a separate process
too, so it proves it needs nothing of ours (no codeintel imports), only gRPC + reflection.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNER = os.path.join(HERE, "runner.py")


def _start(service: str):
    proc = subprocess.Popen(
        [sys.executable, "-m", f"services.{service}", "--port", "0", "--log-level", "warning"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None  # stdout=PIPE
    line = proc.stdout.readline()
    try:
        ready = json.loads(line)
        assert ready.get("event") == "ready", line
    except (ValueError, AssertionError) as exc:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"services.{service} did not announce readiness: {line!r}") from exc
    return proc, ready["address"]


def _stop(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module", params=["parse", "analyze", "scan"])
def worker(request):
    proc, address = _start(request.param)
    yield request.param, address
    _stop(proc)


def _run(*args: str) -> subprocess.CompletedProcess:
    # A clean environment for the runner: not even our source tree on sys.path.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-I", RUNNER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd="/",
    )


def test_service_conforms(worker):
    service, address = worker
    res = _run("--target", address, "--service", service, "-v")
    assert res.returncode == 0, f"conformance failed for {service}:\n{res.stdout}\n{res.stderr}"
    assert "FAIL" not in res.stdout


def test_runner_reports_a_failing_case(tmp_path):
    proc, address = _start("parse")
    try:
        case = {
            "name": "deliberately wrong language",
            "method": "codeintel.v1.ParseService/Parse",
            "request": {"file": {"path": "a.py", "content_text": "def f():\n    pass\n"}},
            "expect": {"status": "OK", "checks": ["result.language == cobol"]},
        }
        (tmp_path / "wrong.json").write_text(json.dumps({"cases": [case]}))
        res = _run("--target", address, "--service", "parse", "--cases", str(tmp_path))
    finally:
        _stop(proc)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "deliberately wrong language" in res.stdout
    assert "cobol" in res.stdout


def test_runner_imports_none_of_our_code():
    with open(RUNNER, encoding="utf-8") as fh:
        source = fh.read()
    for pkg in ("codeintel", "services", "coordinator", "mcp_bridge"):
        assert f"import {pkg}" not in source and f"from {pkg}" not in source
