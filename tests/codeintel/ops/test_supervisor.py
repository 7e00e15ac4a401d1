"""`codeintel up` as real processes: bounded shutdown with a worker stuck in a long call, and
autoscaling a parse pool up under load and back down when idle, with no failed call and no
process left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest

from codeintel.cli.main import parse_args
from codeintel.ops.stack import LocalStack
from codeintel.ops.supervisor import config_from_args, shutdown_seconds
from codeintel.v1 import analyze_pb2, analyze_pb2_grpc, common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c

STDLIB = os.path.dirname(os.__file__)


# -- the process tree, from /proc ---------------------------------------------------------------
def _stat(pid: int) -> tuple[str, int, float] | None:
    """(state, parent pid, CPU seconds) of a live process, None when it is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] in ("Z", "X"):
        return None
    return fields[0], int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    st = _stat(pid)
    assert st is not None, f"process {pid} is gone"
    return st[2]


def descendants(root: int) -> set[int]:
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                parents[int(name)] = st[1]
    out, todo = set(), [root]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pids) -> list[int]:
    return [p for p in pids if _stat(p) is not None]


def kill_all(pids) -> None:
    for p in alive(pids):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


# -- configuration ---------------------------------------------------------------------------
def config(*argv: str):
    return config_from_args(parse_args(["up", *argv]))


def test_bounds_default_to_the_start_count_so_autoscaling_is_opt_in():
    cfg = config("--workers", "2")
    assert {s: (b.min, b.max) for s, b in cfg.bounds.items()} == {s: (2, 2) for s in ("parse", "analyze", "scan")}


def test_per_service_bounds_override_the_global_ones():
    cfg = config("--workers", "1", "--max-workers", "2", "--parse-max-workers", "4", "--scan-workers", "0")
    assert (cfg.bounds["parse"].min, cfg.bounds["parse"].max) == (1, 4)
    assert (cfg.bounds["analyze"].min, cfg.bounds["analyze"].max) == (1, 2)
    assert cfg.workers["scan"] == 0 and cfg.bounds["scan"].max == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ("--workers", "5", "--max-workers", "3"),
            "start count 5 (--workers/--parse-workers) is above --max-workers 3",
        ),
        (("--workers", "1", "--min-workers", "2"), "below --min-workers 2"),
        (("--min-workers", "3", "--max-workers", "2"), "--max-workers 2 is below --min-workers 3"),
        (("--min-workers", "0", "--max-workers", "2"), "--min-workers must be >= 1"),
        (("--max-workers", "0"), "--max-workers must be >= 1"),
        (("--worker-arg=--grace=5",), "--grace is set by `codeintel up` itself"),
        (("--coordinator-arg=--workers-file=/tmp/x",), "--workers-file is set by `codeintel up` itself"),
    ],
)
def test_inconsistent_flags_are_refused_with_the_flags_named(argv, message):
    with pytest.raises(ValueError) as ei:
        config(*argv)
    assert message in str(ei.value)


@pytest.mark.parametrize(
    "argv, env, message",
    [
        (("--grace", "-1"), {}, "--grace must be a positive number, got -1.0"),
        (("--grace", "soon"), {}, "argument --grace: invalid float value: 'soon'"),
        ((), {"CODEINTEL_GRACE": "0"}, "--grace must be a positive number, got 0.0"),
        (("--scale-up-samples", "1.5"), {}, "argument --scale-up-samples: invalid int value: '1.5'"),
        (("--scale-up-samples", "0"), {}, "--scale-up-samples must be a whole number >= 1, got 0"),
        (("--scale-up-queue-per-worker", "0"), {}, "--scale-up-queue-per-worker must be a positive number"),
        ((), {"CODEINTEL_UP_PORT": "99999"}, "--port must be between 0 and 65535, got 99999"),
    ],
)
def test_bad_values_exit_2_naming_the_flag(argv, env, message, monkeypatch, capsys):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SystemExit) as ei:
        config(*argv)
    assert ei.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1]


def test_flags_read_their_variables(monkeypatch):
    monkeypatch.setenv("CODEINTEL_UP_WORKERS", "2")
    monkeypatch.setenv("CODEINTEL_UP_WORKER_ARG", "--threads=2,--max-file-seconds=5")
    monkeypatch.setenv("CODEINTEL_DRAIN_DELAY", "0.25")
    cfg = config()
    assert cfg.workers == {"parse": 2, "analyze": 2, "scan": 2}
    assert cfg.worker_args == ("--threads=2", "--max-file-seconds=5") and cfg.drain_delay == 0.25
    assert config("--worker-arg=--threads=3").worker_args == ("--threads=3",)  # a flag replaces the variable


def test_codeintel_up_reports_a_bad_flag_without_a_traceback():
    out = subprocess.run(
        [sys.executable, "-m", "codeintel", "up", "--port", "0", "--min-workers", "3", "--max-workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "codeintel up: parse: --max-workers 2 is below --min-workers 3" in out.stderr
    assert "Traceback" not in out.stderr


def test_local_stack_refuses_timing_flags_it_must_know():
    with pytest.raises(ValueError, match="LocalStack"):
        LocalStack(extra_args=["--grace=3"])


# -- shutdown with a worker stuck in a long call ---------------------------------------------------
def _big_files(n: int) -> list[common_pb2.SourceFile]:
    """n different ~2 MB Python files (stdlib modules concatenated): seconds of analysis each."""
    parts, size = [], 0
    for name in sorted(os.listdir(STDLIB)):
        if name.endswith(".py"):
            with open(os.path.join(STDLIB, name), "rb") as fh:
                data = fh.read()
            if size + len(data) > 1_900_000:
                break
            parts.append(data)
            size += len(data)
    body = b"\n".join(parts)
    return [common_pb2.SourceFile(path=f"big{i}.py", content=b"# %d\n" % i + body) for i in range(n)]


def test_stop_kills_a_worker_stuck_past_its_grace_and_leaves_no_process():
    stack = LocalStack(workers=1, grace=1.0, extra_args=["--parse-workers", "0", "--scan-workers", "0"])
    stack.start(timeout=120)
    supervisor = stack.proc
    assert supervisor is not None  # start() launched it
    tree = descendants(supervisor.pid)
    try:
        worker_pid = stack.info["pids"]["analyze-0"]
        assert worker_pid in tree
        # Straight to the worker: one call that analyses 16 files of ~2 MB, far longer than the
        # whole shutdown chain (about shutdown_seconds(1.0, 0.5) = 9 s), so only a SIGKILL ends it.
        ch = grpc.insecure_channel(
            stack.info["workers"]["analyze-0"], options=[("grpc.max_send_message_length", 64 * 1024 * 1024)]
        )
        stub = analyze_pb2_grpc.AnalyzeServiceStub(ch)
        outcome = {}

        def call():
            try:
                outcome["response"] = stub.AnalyzeBatch(
                    analyze_pb2.AnalyzeBatchRequest(files=_big_files(16)), timeout=300
                )
            except grpc.RpcError as e:
                outcome["error"] = e.code()

        caller = threading.Thread(target=call, daemon=True)
        cpu0 = _cpu_seconds(worker_pid)
        caller.start()
        while _cpu_seconds(worker_pid) < cpu0 + 1.0:  # the worker is busy with our call
            assert caller.is_alive(), f"the call ended before the worker got busy: {outcome}"
            time.sleep(0.1)

        stack.stop()

        assert supervisor.returncode == 0, "the supervisor must finish its own shutdown, not be killed"
        assert not alive(tree), f"processes outlived stop(): {alive(tree)}"
        caller.join(timeout=30)
        assert "response" not in outcome, "the call should have been cut off by the kill"
        ch.close()
    finally:
        stack.stop()
        kill_all(tree)


def test_shutdown_budget_nests_inside_local_stack_stop():
    stack = LocalStack(grace=1.0, drain_delay=0.5)
    assert stack.stop_seconds > shutdown_seconds(1.0, 0.5)


# -- autoscaling, end to end -----------------------------------------------------------------
def _serving_parse(admin) -> list[str]:
    return [
        w.address
        for w in admin.ListWorkers(c.ListWorkersRequest(service="parse"), timeout=5).workers
        if w.state == c.WORKER_STATE_SERVING and not w.draining
    ]


def _parse_processes(supervisor_pid: int) -> list[int]:
    out = []
    for pid in descendants(supervisor_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"services.parse" in fh.read():
                    out.append(pid)
        except OSError:
            pass
    return out


def _wait_for(condition, what: str, limit: float = 90.0) -> None:
    end = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < end, f"gave up waiting: {what}"
        time.sleep(0.2)


def test_parse_pool_grows_under_load_and_shrinks_back_without_failed_calls():
    stack = LocalStack(
        workers=1,
        grace=5.0,
        extra_args=[
            "--analyze-workers",
            "0",
            "--scan-workers",
            "0",
            "--parse-min-workers",
            "1",
            "--parse-max-workers",
            "3",
            "--scale-interval",
            "0.25",
            "--scale-up-queue-per-worker",
            "1",
            "--scale-up-samples",
            "2",
            "--scale-up-cooldown",
            "0.5",
            "--scale-down-samples",
            "8",
            "--scale-down-cooldown",
            "1",
        ],
    )
    stack.start(timeout=120)
    supervisor = stack.proc
    assert supervisor is not None  # start() launched it
    seen = set(descendants(supervisor.pid))
    ch = grpc.insecure_channel(stack.address)
    api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    admin = coordinator_pb2_grpc.AdminServiceStub(ch)
    stop_load = threading.Event()
    calls, failures = [0], []
    lock = threading.Lock()
    body = b"".join(b"def f%d(a, b):\n    return a + b\n" % j for j in range(600))

    def client(n: int) -> None:
        i = 0
        while not stop_load.is_set():
            i += 1
            req = c.CodeIntelServiceParseRequest(
                file=common_pb2.SourceFile(path=f"c{n}_{i}.py", content=b"# %d %d\n" % (n, i) + body)
            )  # unique: no cache hits
            try:
                api.Parse(req, timeout=60)
            except grpc.RpcError as e:
                with lock:
                    failures.append(f"{e.code().name}: {e.details()}")
            with lock:
                calls[0] += 1

    try:
        assert stack.info["pools"]["parse"] == {"current": 1, "min": 1, "max": 3}
        assert len(_serving_parse(admin)) == 1
        clients = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(16)]
        for t in clients:
            t.start()
        # Grows to the maximum while loaded, never beyond it.
        peak = [0]

        def grown():
            n = len(_serving_parse(admin))
            peak[0] = max(peak[0], n)
            seen.update(descendants(supervisor.pid))
            return n == 3

        _wait_for(grown, "the parse pool to grow to 3 under load")
        time.sleep(2)  # keep loading at the maximum: the pool must stay within it
        assert len(_serving_parse(admin)) == 3 and len(_parse_processes(supervisor.pid)) == 3
        # 16 closed-loop clients, 3 workers x 2 slots: work queues, and GetStats shows its wait.
        loaded = next(o for o in admin.GetStats(c.GetStatsRequest(), timeout=5).operations if o.operation == "parse")
        assert loaded.queue_wait_p95_ms > 0 and loaded.queue_wait_p95_ms >= loaded.queue_wait_p50_ms
        stop_load.set()
        for t in clients:
            t.join(timeout=120)
        # Idle: back down to the minimum, and the removed workers' processes are gone.
        _wait_for(
            lambda: len(_serving_parse(admin)) == 1 and len(_parse_processes(supervisor.pid)) == 1,
            "the parse pool to shrink back to 1 when idle",
        )
        assert peak[0] == 3
        assert calls[0] > 0 and failures == [], f"{len(failures)} failed calls: {failures[:5]}"
        stats = admin.GetStats(c.GetStatsRequest(), timeout=5)
        parse = next(o for o in stats.operations if o.operation == "parse")
        assert parse.errors == 0 and parse.requests >= calls[0]
        # One more call on the shrunken pool.
        assert api.Parse(
            c.CodeIntelServiceParseRequest(
                file=common_pb2.SourceFile(path="after.py", content=b"def after():\n    pass\n")
            ),
            timeout=30,
        ).result.symbols
    finally:
        stop_load.set()
        ch.close()
        stack.stop()
        assert supervisor.returncode == 0
        assert not alive(seen), f"processes outlived stop(): {alive(seen)}"
        kill_all(seen)
