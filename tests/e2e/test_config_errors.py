"""Every process refuses a bad setting at start: exit code 2, one line naming the flag, no traceback.

Flags and their CODEINTEL_* environment defaults are both checked (a bad env value is as easy to
deploy as a bad flag). In-process parsing of the coordinator's flags is in
tests/coordinator/test_config.py; `codeintel up`'s autoscaling flags in tests/codeintel/ops/test_supervisor.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

WORKER = ["-m", "services.parse"]
COORD = ["-m", "coordinator", "--parse-workers", "127.0.0.1:1"]
BRIDGE = ["-m", "mcp_bridge", "--coordinator", "127.0.0.1:1", "--transport", "http"]
UP = ["-m", "codeintel", "up", "--workers", "1"]

CASES = [
    # worker
    (WORKER + ["--threads", "0"], {}, "--threads must be a positive number"),
    (WORKER, {"CODEINTEL_THREADS": "many"}, "argument --threads: invalid int value: 'many'"),
    (WORKER + ["--max-file-bytes", "-1"], {}, "--max-file-bytes must be a positive number"),
    (WORKER + ["--max-file-seconds", "nan"], {}, "--max-file-seconds must be a positive number"),
    (WORKER + ["--grace", "-1"], {}, "--grace must be 0 or a positive number"),
    (WORKER, {"CODEINTEL_DRAIN_DELAY": "-2"}, "--drain-delay must be 0 or a positive number"),
    (WORKER + ["--max-connection-age", "-5"], {}, "--max-connection-age must be 0 or a positive number"),
    (WORKER + ["--log-level", "loud"], {}, "--log-level must be one of"),
    # coordinator
    (COORD, {"CODEINTEL_MAX_QUEUE": "lots"}, "argument --max-queue: invalid int value: 'lots'"),
    (COORD + ["--max-queue", "0"], {}, "--max-queue must be a positive number, got 0"),
    (COORD + ["--health-interval", "inf"], {}, "--health-interval must be a positive number, got inf"),
    (
        ["-m", "coordinator", "--parse-workers", "dns:parse-svc"],
        {},
        "argument --parse-workers: worker address 'parse-svc' is not HOST:PORT",
    ),
    (
        ["-m", "coordinator", "--scan-workers", "dns:[::1]:5"],
        {},
        "argument --scan-workers: 'dns:[::1]:5': a dns: entry needs a host name",
    ),
    (
        ["-m", "coordinator"],
        {"CODEINTEL_ANALYZE_WORKERS": "a:0"},
        "argument --analyze-workers: worker address 'a:0' is not HOST:PORT",
    ),
    (["-m", "coordinator"], {}, "no workers configured"),
    (
        ["-m", "coordinator", "--workers-file", "/nonexistent-dir/w.json"],
        {},
        "--workers-file '/nonexistent-dir/w.json': its directory does not exist",
    ),
    (COORD + ["--discovery-interval", "0"], {}, "--discovery-interval must be a positive number, got 0.0"),
    (COORD, {"CODEINTEL_WORKERS_FILE_INTERVAL": "-1"}, "--workers-file-interval must be a positive number, got -1.0"),
    (COORD + ["--max-connection-age", "-1"], {}, "--max-connection-age must be 0 or a positive number, got -1.0"),
    (COORD, {"CODEINTEL_MAX_CONNECTION_AGE": "soon"}, "argument --max-connection-age: invalid float value: 'soon'"),
    (COORD + ["--port", "99999"], {}, "--port must be between 0 and 65535"),
    (COORD + ["--log-level", "loud"], {}, "--log-level must be one of"),
    (COORD + ["--redis-url", "http://cache:6379"], {}, "--redis-url must start with redis://"),
    (
        COORD,
        {"CODEINTEL_RATE_LIMIT_ON_REDIS_ERROR": "maybe"},
        "--rate-limit-on-redis-error must be one of open, closed, got 'maybe'",
    ),
    (COORD + ["--tenants-file", "/nonexistent.toml"], {}, "--tenants-file '/nonexistent.toml' does not exist"),
    # MCP bridge
    (["-m", "mcp_bridge", "--coordinator", "nohost"], {}, "--coordinator must be HOST:PORT, got 'nohost'"),
    (["-m", "mcp_bridge"], {"CODEINTEL_COORDINATOR": ""}, "--coordinator is required (or set CODEINTEL_COORDINATOR)"),
    (BRIDGE + ["--port", "70000"], {}, "--http-port must be between 0 and 65535"),
    (BRIDGE + ["--timeout", "0"], {}, "--timeout must be a positive number"),
    (BRIDGE + ["--max-file-bytes", "-1"], {}, "--max-file-bytes must be a positive number"),
    (BRIDGE + ["--grace", "0"], {}, "--grace must be a positive number"),
    (BRIDGE, {"CODEINTEL_DRAIN_DELAY": "soon"}, "argument --drain-delay: invalid float value: 'soon'"),
    (BRIDGE + ["--drain-delay", "-1"], {}, "--drain-delay must be 0 or a positive number"),
    (BRIDGE + ["--root", "/nonexistent-root"], {}, "--root '/nonexistent-root' is not a directory"),
    (BRIDGE + ["--log-level", "loud"], {}, "--log-level must be one of"),
    # codeintel up
    (UP + ["--port", "70000"], {}, "codeintel up: error: --port must be between 0 and 65535, got 70000"),
    (UP + ["--grace", "-1"], {}, "codeintel up: error: --grace must be a positive number, got -1.0"),
    (UP + ["--drain-delay", "soon"], {}, "codeintel up: error: argument --drain-delay: invalid float value: 'soon'"),
    (UP + ["--min-workers", "3", "--max-workers", "2"], {}, "--max-workers 2 is below --min-workers 3"),
]


@pytest.mark.parametrize("argv,env,message", CASES, ids=[f"{c[0][1]}:{c[2][:40]}" for c in CASES])
def test_bad_value_exits_2_with_one_line_naming_the_flag(argv, env, message):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CODEINTEL_")}
    full_env.update(env)
    r = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, timeout=60, env=full_env, stdin=subprocess.DEVNULL
    )
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    errors = [line for line in r.stderr.splitlines() if message in line]
    assert len(errors) == 1, r.stderr[-2000:]  # the whole message on one line
    # the message is the last thing said: a usage synopsis may precede it, nothing follows it
    assert r.stderr.rstrip().splitlines()[-1] == errors[0]
