"""`codeintel load` against real local stacks: counts, exit codes, clean errors."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys

import grpc
import pytest

from codeintel.ops.load import LoadConfig, LoadRun, parse_mix, percentile, run_load
from codeintel.ops.stack import LocalStack
from codeintel.v1 import coordinator_pb2, coordinator_pb2_grpc
from coordinator.tenants import hash_key

KEY = "ci_load-test-key-0123456789"


def load(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codeintel", "load", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def stack():
    with LocalStack(workers=1) as s:
        yield s.address


@pytest.fixture(scope="module")
def tenant_stack(tmp_path_factory):
    path = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    path.write_text(
        f"[tiers.t]\nrate = 0\nbytes_per_second = 0\nmax_concurrent = 0\n\n"
        f'[[tenants]]\nid = "acme"\ntier = "t"\nkeys = ["{hash_key(KEY)}"]\n'
    )
    with LocalStack(
        workers=1,
        extra_args=["--analyze-workers", "0", "--scan-workers", "0", f"--coordinator-arg=--tenants-file={path}"],
    ) as s:
        yield s.address


def test_closed_loop_mixes_the_three_tools_without_errors(stack, tmp_path):
    out = tmp_path / "r.json"
    r = load("--coordinator", stack, "--concurrency", "6", "--duration", "2", "--json", str(out))
    assert r.returncode == 0, r.stderr
    rep = json.loads(out.read_text())
    assert rep["errors"] == 0 and rep["errors_by_code"] == {}
    assert rep["ok"] == rep["requests"] >= 6  # every client sent at least its first call
    assert set(rep["operations"]) <= {"parse", "analyze", "scan"}
    for op in rep["operations"].values():
        la = op["latency"]
        assert op["ok"] == 0 or 0 < la["p50_ms"] <= la["p90_ms"] <= la["p99_ms"] <= la["max_ms"]
    # cache "mixed": each call repeats a warmed file (the L1 cache answers) or carries unique content
    # (a miss), and the report accounts for every one of them.
    # (How the choice splits is test_mixed_cache_mode_repeats_half_the_calls' business.)
    chosen, cache = rep["chosen"], rep["cache"]
    assert chosen["repeat"] + chosen["unique"] == rep["requests"]
    assert cache.get("hit_l1", 0) == chosen["repeat"] and cache.get("miss", 0) == chosen["unique"]
    assert rep["files_per_s"] > 0 and rep["throughput_rps"] >= rep["files_per_s"]
    assert "overall" in r.stdout and "p99 ms" in r.stdout


def test_mixed_cache_mode_repeats_half_the_calls():
    """The choice itself, without a server: seeded, so the counts are the same on every run."""
    run = LoadRun(LoadConfig(address="127.0.0.1:1", cache="mixed", seed=1))
    run.usable = {op: list(run.files) for op in ("parse", "analyze", "scan")}
    originals = {f.path: f.content for f in run.files}
    picks = [run._pick() for _ in range(2000)]
    assert sum(run.chosen.values()) == 2000 and 900 <= run.chosen["unique"] <= 1100
    repeated = sum(1 for _, req in picks if req.file.content == originals[req.file.path])
    bypassed = sum(1 for _, req in picks if req.request_options.bypass_cache)
    # a unique call carries a unique trailing comment (or, without line comments, bypasses the cache)
    assert repeated == run.chosen["repeat"] + bypassed
    assert len({req.file.content for _, req in picks if req.file.content != originals[req.file.path]}) == (
        run.chosen["unique"] - bypassed
    )


def _parse_calls_received(address: str) -> int:
    with grpc.insecure_channel(address) as ch:
        stats = coordinator_pb2_grpc.AdminServiceStub(ch).GetStats(coordinator_pb2.GetStatsRequest(), timeout=10)
    return next(o.requests for o in stats.operations if o.operation == "parse")


def test_cache_hit_mode_is_served_from_the_cache_and_open_loop_keeps_its_rate(stack, tmp_path):
    rate, duration = 100, 1.5
    out = tmp_path / "r.json"
    before = _parse_calls_received(stack)
    r = load(
        "--coordinator",
        stack,
        "--mix",
        "parse=1",
        "--cache",
        "hit",
        "--rate",
        str(rate),
        "--duration",
        str(duration),
        "--concurrency",
        "20",
        "--json",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    rep = json.loads(out.read_text())
    assert rep["mode"] == "open loop 100/s"
    assert list(rep["operations"]) == ["parse"]
    assert rep["errors"] == 0 and rep["ok"] == rep["requests"]
    # The schedule has one slot every 1/rate s over the duration: each slot is a call started, or one
    # dropped because `concurrency` calls were still in flight (a slow machine drops more; the sum
    # does not move).
    slots = math.ceil(rate * duration)
    assert rep["requests"] + rep["dropped"] == slots
    # No call starts before its slot, so the run lasts at least until the last slot however fast
    # the machine (a loop that did not keep to the schedule would be done far sooner).
    assert rep["elapsed_s"] >= (slots - 1) / rate
    # The coordinator received each call started, plus the warm-up pass (every file once), no more.
    assert _parse_calls_received(stack) - before == rep["requests"] + rep["files"]
    assert rep["cache"]["hit_share"] == 1.0


def test_an_unreachable_coordinator_is_a_clear_error_with_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = load("--coordinator", f"127.0.0.1:{port}", "--duration", "1")
    assert r.returncode == 2
    assert f"cannot reach the coordinator at 127.0.0.1:{port}" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_wrong_api_key_is_counted_as_unauthenticated(tenant_stack, tmp_path):
    out = tmp_path / "r.json"
    r = load(
        "--coordinator",
        tenant_stack,
        "--api-key",
        "ci_wrong-key",
        "--mix",
        "parse=1",
        "--concurrency",
        "2",
        "--duration",
        "1",
        "--json",
        str(out),
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    rep = json.loads(out.read_text())
    assert rep["ok"] == 0 and rep["errors"] > 0
    assert rep["errors_by_code"] == {"UNAUTHENTICATED": rep["errors"]}
    assert "UNAUTHENTICATED=" in r.stdout


def test_the_right_api_key_is_sent_with_every_call(tenant_stack, tmp_path):
    out = tmp_path / "r.json"
    r = load(
        "--coordinator",
        tenant_stack,
        "--api-key",
        KEY,
        "--mix",
        "parse=1",
        "--concurrency",
        "2",
        "--duration",
        "1",
        "--json",
        str(out),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(out.read_text())
    assert rep["errors"] == 0 and rep["ok"] > 0


def test_a_bad_mix_is_refused_before_any_call():
    r = load("--coordinator", "127.0.0.1:1", "--mix", "parse=1,lint=2")
    assert r.returncode == 2 and "unknown operation 'lint'" in r.stderr
    with pytest.raises(ValueError, match="no operation"):
        parse_mix("parse=0")
    assert parse_mix("scan=2") == {"parse": 0.0, "analyze": 0.0, "scan": 2.0}


def test_percentile_is_nearest_rank():
    values = [float(i) for i in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0)) == (50.0, 99.0, 100.0)
    assert percentile([], 0.5) == 0.0


def test_on_ready_runs_between_the_warm_up_and_the_timed_calls_and_samples_are_kept(stack):
    before = _parse_calls_received(stack)
    seen: list[int] = []
    cfg = LoadConfig(
        address=stack,
        concurrency=2,
        duration=0.5,
        mix=parse_mix("parse=1"),
        seed=3,
        keep_samples=True,
        on_ready=lambda: seen.append(_parse_calls_received(stack)),
    )
    rep = run_load(cfg)
    # called once, when the coordinator had received the warm-up pass (every file once) and nothing more
    assert seen == [before + rep["files"]]
    raw = rep["samples"]["operations"]["parse"]
    assert len(raw["latencies"]) == rep["ok"] == raw["files"] and sum(raw["cache"].values()) == rep["ok"]
    assert rep["samples"]["chosen"] == rep["chosen"] and rep["samples"]["dropped"] == rep["dropped"] == 0
    assert "samples" not in run_load(LoadConfig(address=stack, concurrency=1, duration=0.2, mix=parse_mix("parse=1")))
