"""bench.mixed and bench.dispatch in tiny configurations against real processes (a LocalStack,
fake workers, a coordinator, client processes). Only structure and invariants are checked: the
merged report accounts for every call of every client process, the files follow the stated rule,
the CPU figures are there and consistent. Never speed."""

from __future__ import annotations

import os

import pytest

from bench import dispatch, mixed
from codeintel.ops.load import LoadConfig, LoadError, LoadRun, merge_reports, percentile
from tests.bench.bench_run import run_bench


def test_app_files_follow_the_size_rule_and_are_the_same_every_time():
    files = mixed.app_files(40)
    assert len(files) == 40 and files == mixed.app_files(40)
    assert [p for p, _ in files] == sorted(p for p, _ in files)
    assert len({p for p, _ in files}) == 40
    for path, data in files:
        assert path.endswith(".py") and not os.path.isabs(path), path
        assert mixed.MIN_FILE_BYTES <= len(data) <= mixed.MAX_FILE_BYTES, (path, len(data))
    everything = mixed.app_files(10**6)
    assert {p for p, _ in files} <= {p for p, _ in everything}
    # the handlers of the quality corpus and the installed frameworks both contribute
    tops = {p.split("/")[0] for p, _ in everything}
    assert "python" in tops and tops & set(mixed.APP_PACKAGES), tops
    s = mixed.size_summary(files)
    sizes = sorted(len(d) for _, d in files)
    assert s["count"] == 40 and s["total_bytes"] == sum(sizes)
    assert s["min_bytes"] == sizes[0] <= s["median_bytes"] <= s["p90_bytes"] <= s["max_bytes"] == sizes[-1]


def test_in_flight_calls_are_split_evenly_over_processes():
    for total, parts in [(100, 4), (7, 3), (2, 5), (1, 1)]:
        shares = mixed.split(total, parts)
        assert sum(shares) == total and min(shares) >= 1 and max(shares) - min(shares) <= 1
        assert len(shares) == min(parts, total)


def _report_with(latencies_ms: list[float], cache: dict[str, int]) -> dict:
    run = LoadRun(LoadConfig(address="127.0.0.1:1", concurrency=2, keep_samples=True, mix={"parse": 1.0}))
    run.stats["parse"].latencies = [ms / 1e3 for ms in latencies_ms]
    run.stats["parse"].cache.update(cache)
    run.stats["parse"].files = len(latencies_ms)
    run.elapsed = 1.0
    return run.report(1)


def test_merged_percentiles_are_over_every_call_not_an_average_of_percentiles():
    fast = _report_with([1.0] * 99, {"hit_l1": 99})
    slow = _report_with([50.0] * 99, {"miss": 99})
    merged = merge_reports(LoadConfig(address="127.0.0.1:1", mix={"parse": 1.0}), [fast, slow])
    everything = sorted([1.0] * 99 + [50.0] * 99)
    assert merged["runs"] == 2 and merged["concurrency"] == 4 and merged["channels"] == 2
    assert merged["ok"] == merged["requests"] == 198 and merged["errors"] == 0
    assert merged["latency"]["count"] == 198
    assert merged["latency"]["p50_ms"] == pytest.approx(percentile(everything, 0.5))
    assert merged["latency"]["p99_ms"] == pytest.approx(50.0)  # the mean of the two p99s would be 25.5
    assert merged["cache"]["hit_l1"] == 99 and merged["cache"]["miss"] == 99 and merged["cache"]["hit_share"] == 0.5
    assert "samples" not in merged
    with pytest.raises(LoadError):
        merge_reports(LoadConfig(address="127.0.0.1:1"), [{k: v for k, v in fast.items() if k != "samples"}])


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mixed") / "mixed.json"
    args = ["--workers", "1", "--concurrency", "6", "--processes", "3", "--duration", "1", "--files", "6"]
    return run_bench("bench.mixed", args, out, timeout=300)


@pytest.mark.timeout(300)
def test_mixed_load_merges_every_client_process(mixed_run):
    data, _ = mixed_run
    load, per = data["load"], data["per_process"]
    assert data["processes"] == len(per) == 3 and data["in_flight_per_process"] == [2, 2, 2]
    assert [p["concurrency"] for p in per] == [2, 2, 2] and load["concurrency"] == 6 and load["runs"] == 3
    assert load["requests"] == sum(p["requests"] for p in per) > 0
    assert load["ok"] == sum(p["ok"] for p in per) == load["latency"]["count"]
    assert load["errors"] == sum(p["errors"] for p in per)
    statuses = {k: v for k, v in load["cache"].items() if not k.endswith("_share")}
    assert sum(statuses.values()) == load["ok"]  # every answer has its cache status
    assert data["uncached_calls"] == statuses.get("miss", 0)
    assert load["chosen"]["repeat"] + load["chosen"]["unique"] == load["requests"]


@pytest.mark.timeout(300)
def test_mixed_load_reports_the_files_and_every_process_cpu(mixed_run):
    data, stdout = mixed_run
    files = data["files"]
    assert files["count"] == 6 == data["load"]["files"]
    assert mixed.MIN_FILE_BYTES <= files["min_bytes"] <= files["median_bytes"] <= files["max_bytes"]
    assert files["max_bytes"] <= mixed.MAX_FILE_BYTES
    procs_ = data["memory"]
    clients = [f"{mixed.LOAD_CLIENT} {i}" for i in range(3)]
    assert set(clients) | {"supervisor", "coordinator"} <= set(procs_)
    assert [procs_[c]["cpu_seconds"] for c in clients] == [p["cpu_seconds"] for p in data["per_process"]]
    for m in procs_.values():
        assert m["cpu_seconds"] >= 0 and m["cpu_percent"] >= 0 and m["pid"] > 0, m
    coord = data["coordinator_cpu_s"]
    assert coord == procs_["coordinator"]["cpu_seconds"] >= 0
    assert data["coordinator_cpu_ms_per_call"] == pytest.approx(1e3 * coord / data["load"]["ok"])
    if data["uncached_calls"]:
        assert data["coordinator_cpu_ms_per_uncached_call"] == pytest.approx(1e3 * coord / data["uncached_calls"])
        assert data["coordinator_cpu_ms_per_uncached_call"] >= data["coordinator_cpu_ms_per_call"]
    assert "coordinator CPU per call (ms)" in stdout and "client processes: 3 (2 + 2 + 2 in flight)" in stdout


@pytest.mark.timeout(300)
def test_dispatch_prints_the_coordinator_cpu_per_dispatch(tmp_path):
    args = ["--workers", "2", "--clients", "2", "--concurrency", "4", "--duration", "1"]
    r, stdout = run_bench("bench.dispatch", args, tmp_path / "dispatch.json", timeout=300)
    assert r["ok"] > 0 and r["errors"] == 0 and r["clients"] == 2
    per = r["coordinator_cpu_ms_per_dispatch"]
    assert per >= 0 and r["direct"]["fake_workers_cpu_ms_per_call"] >= 0
    # the same CPU, two ways: ms per dispatch and dispatches per CPU-second
    if per > 0:
        assert r["dispatches_per_coordinator_cpu_second"] == pytest.approx(1e3 / per, rel=1e-6)
    assert "coordinator CPU per dispatch (ms)" in stdout
    assert "client CPU (2 processes" in stdout and "client processes x in flight" in stdout
    assert dispatch.TARGET_CPU_MS == 0.25
