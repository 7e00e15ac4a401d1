"""`make bench` end to end: `python -m bench.suite --quick` starts real stacks, fake workers and
clients, and writes a JSON with every figure of the speed-at-scale issue beside its baseline.
Only the shape is checked, never the speeds: that every figure has a measured value and a
baseline from the same run, that both tools of a comparison saw the same files and were timed
the same way, and that the cache-hit figure was a hit. Speed is the benchmark's business."""

from __future__ import annotations

import math
import sys

import pytest

from bench import dispatch, mixed, scan_speed, suite
from tests.bench.bench_run import run_bench

FIGURES = [
    "parse_batched",
    "parse_unary",
    "uncached_8kb_p50",
    "cache_hit_p50",
    "mixed_p99",
    "scan_vs_bandit_stdlib",
    "scan_vs_bandit_app",
    "analyze_vs_lizard",
    "rescan_hits",
    "rescan_time",
    "rescan_time_by_digest",
    "dispatch_cpu",
]
# Printed beside the figures with targets, without a target of their own.
REPORTED = ["mixed_coordinator_cpu", "dispatch"]
LOAD_CLIENTS = [f"{mixed.LOAD_CLIENT} {i}" for i in range(suite.QUICK.mixed_processes)]
PROCESSES = ["coordinator", "parse-0", "parse-1", "analyze-0", "analyze-1", "scan-0", "scan-1", *LOAD_CLIENTS]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    data, stdout = run_bench("bench.suite", ["--quick"], out, timeout=900)
    return data, stdout, out


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@pytest.mark.timeout(900)
def test_quick_run_has_every_figure_with_baseline_and_ratio(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    ids = [f["id"] for f in data["figures"] if not f["id"].startswith("peak_rss.")]
    assert [i for i in ids if i not in REPORTED] == FIGURES and sorted(set(ids) - set(FIGURES)) == sorted(REPORTED)
    for fid in FIGURES + REPORTED + [f"peak_rss.{p}" for p in PROCESSES]:
        f = by_id[fid]
        assert _finite(f["measured"]) and f["measured"] >= 0, f
        assert _finite(f["baseline"]) and f["baseline"] > 0, f
        assert f["ratio"] == pytest.approx(f["measured"] / f["baseline"]), f
        assert f["figure"] and f["baseline_name"] and f["unit"], f
    for fid in FIGURES:  # every issue figure has a target and a verdict
        assert by_id[fid]["target"]["op"] in suite.OPS and isinstance(by_id[fid]["met"], bool), by_id[fid]
    assert all(by_id[f"peak_rss.{p}"]["met"] is None for p in PROCESSES)  # printed, no target
    assert all(by_id[fid]["met"] is None and by_id[fid]["target"] is None for fid in REPORTED)


@pytest.mark.timeout(900)
def test_quick_run_reports_the_coordinators_own_cpu(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    cpu = by_id["dispatch_cpu"]
    assert cpu["unit"] == "ms" and cpu["target"] == {"on": "measured", "op": "<=", "value": dispatch.TARGET_CPU_MS}
    assert cpu["measured"] == pytest.approx(1e3 / cpu["details"]["per_coordinator_cpu_second"])
    assert by_id["dispatch"]["details"]["errors"] == cpu["details"]["errors"]
    mx = by_id["mixed_p99"]["details"]
    files = mx["files"]
    assert files["count"] == suite.QUICK.mixed_files
    assert mixed.MIN_FILE_BYTES <= files["min_bytes"] <= files["max_bytes"] <= mixed.MAX_FILE_BYTES
    assert mx["client_processes"] == suite.QUICK.mixed_processes == len(mx["clients_cpu_percent"])
    assert sum(mx["in_flight_per_process"]) == suite.QUICK.clients
    assert all(v >= 0 for v in mx["clients_cpu_percent"].values())
    assert "application-style files" in by_id["mixed_p99"]["figure"]
    mcpu = by_id["mixed_coordinator_cpu"]
    assert mcpu["measured"] == mx["coordinator_cpu_ms_per_uncached_call"] >= mx["coordinator_cpu_ms_per_call"] >= 0
    assert mcpu["baseline"] == cpu["measured"]


@pytest.mark.timeout(900)
def test_quick_run_counts_work_and_errors(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    assert data["profile"] == "quick" and data["corpus_files"] == suite.QUICK.limit
    assert by_id["mixed_p99"]["details"]["requests"] > 0
    for fid in ("parse_batched", "parse_unary", "mixed_p99", "rescan_hits", "rescan_time_by_digest", "dispatch"):
        assert isinstance(by_id[fid]["details"]["errors"], int), fid
    # 5 % of 40 files changed: the ideal share of reused results is 38/40.
    assert by_id["rescan_hits"]["baseline"] == pytest.approx(38 / 40)
    assert sum(by_id["rescan_hits"]["details"]["statuses"].values()) == 40
    # By digest only the changed files' content is sent; the rest goes as a path and 32 bytes each.
    digest = by_id["rescan_time_by_digest"]["details"]
    assert 0 < digest["content_bytes"] and 40 * 32 < digest["lookup_bytes"] < 40 * 200


@pytest.mark.timeout(900)
def test_quick_run_times_scan_and_bandit_on_the_same_files_the_same_way(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    stdlib, app = by_id["scan_vs_bandit_stdlib"], by_id["scan_vs_bandit_app"]
    assert stdlib["details"]["files"] == data["corpus_files"]  # the same stdlib files as the other figures
    assert app["details"]["files"] == len(scan_speed.app_paths()) > 0
    assert app["details"]["files_per_pass"] == app["details"]["files"] * app["details"]["copies"]
    for f in (stdlib, app):
        d = f["details"]
        assert f["measured"] == pytest.approx(d["files_per_pass"] / d["codeintel_s"])
        assert f["baseline"] == pytest.approx(d["files_per_pass"] / d["bandit_s"])
        # the same number of passes for both, the same warm-up and statistic; Bandit scanned every file
        assert len(d["codeintel_passes_s"]) == len(d["bandit_passes_s"]) == d["reps"] == suite.QUICK.scan_reps
        assert d["warmup_passes"] == scan_speed.WARMUP and d["statistic"].startswith("median")
        assert d["bandit_skipped"] == 0 and d["bandit_findings"] > 0, d
        assert f["target"] == {"on": "ratio", "op": ">=", "value": 10.0}
    assert app["details"]["codeintel_findings"] > 0
    share = (stdlib["details"]["anchored_rules_live_share"], app["details"]["anchored_rules_live_share"])
    assert all(s is None or 0 <= s <= 1 for s in share)


@pytest.mark.timeout(900)
def test_quick_run_cache_hit_is_the_uncached_file_against_a_same_bytes_echo(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    hit, uncached = by_id["cache_hit_p50"]["details"], by_id["uncached_8kb_p50"]["details"]
    assert hit["file"] == uncached["file"]
    assert hit["hit_status"] == "CACHE_STATUS_HIT_L1" and by_id["cache_hit_p50"]["met"] is not None
    assert hit["request_bytes"] > 7000 and hit["response_bytes"] > 0  # the ~8 KB file, not a stub
    assert by_id["cache_hit_p50"]["baseline"] == hit["echo"]["p50_ms"]
    assert hit["hit"]["n"] == hit["echo"]["n"] == hit["echo_empty"]["n"] > 0  # alternated, as many calls each


@pytest.mark.timeout(900)
def test_quick_run_prints_one_table(quick_run):
    data, stdout, out = quick_run
    for f in data["figures"]:
        assert f["figure"][:62] in stdout
    assert f"results written to {out}" in stdout


def test_verdict_follows_the_target_and_the_requirements():
    hit = suite.figure("x", "x", 1.2, 1.0, "ms", "echo", {"on": "ratio", "op": "<=", "value": 1.5})
    assert hit["met"] is True and hit["ratio"] == pytest.approx(1.2)
    slow = suite.figure("x", "x", 2.0, 1.0, "ms", "echo", {"on": "ratio", "op": "<=", "value": 1.5})
    assert slow["met"] is False
    diff = suite.figure("x", "x", 1.5, 1.0, "ms", "direct", {"on": "difference", "op": "<=", "value": 0.6})
    assert diff["met"] is True
    diff_miss = suite.figure("x", "x", 1.7, 1.0, "ms", "direct", {"on": "difference", "op": "<=", "value": 0.6})
    assert diff_miss["met"] is False
    errors = suite.figure(
        "x", "x", 50.0, 10.0, "ms", "one", {"on": "measured", "op": "<", "value": 100}, require={"zero errors": False}
    )
    assert errors["met"] is False
    report = suite.figure("x", "x", 60.0, 40.0, "MB", "idle", None)
    assert report["met"] is None and "(report)" in suite.format_table(
        {
            "figures": [report],
            "corpus_files": 1,
            "corpus_mb": 0.1,
            "profile": "quick",
            "elapsed_s": 1.0,
            "machine": {"loadavg_at_end": (0.0, 0.0, 0.0)},
        }
    )


def test_rescan_changes_the_stated_share_of_files_and_nothing_else():
    from bench import rescan

    files = [(f"m{i}.py", f"x = {i}\n".encode()) for i in range(734)]
    edited, changed = rescan.changed_copy(files, 0.05)
    assert changed == 36  # int(5 % of 734): 95.1 % can be reused
    diff = [i for i, (a, b) in enumerate(zip(files, edited, strict=True)) if a != b]
    assert len(diff) == changed and diff[0] == 0 and diff[-1] > 700  # spread over the whole corpus
    for i in diff:
        assert edited[i][0] == files[i][0] and edited[i][1].startswith(files[i][1])
        assert edited[i][1].endswith(b"\n") and b"# rescan " in edited[i][1]
    again, _ = rescan.changed_copy(files, 0.05)
    assert again[0][1] != edited[0][1]  # a new run never reuses the last run's changed content


def test_profile_summary_groups_samples_by_thread_and_source(tmp_path):
    from bench import profile

    raw = tmp_path / "x.txt"
    raw.write_text(
        "thread (1): MainThread;run (asyncio/runners.py:190);Handle._run (asyncio/events.py:80) 6\n"
        "thread (1): MainThread;run (asyncio/runners.py:190);cache_key (coordinator/cache.py:16) 3\n"
        "thread (2): Thread-1 (_poll_wrapper);Thread.run (threading.py:982) 1\n"
    )
    s = profile.summarize(str(raw))
    assert s["samples"] == 10
    assert dict(s["threads"]) == {"MainThread": 9, "Thread-1 (_poll_wrapper)": 1}
    assert dict(s["self_by_file"]) == {"asyncio/events.py": 6, "coordinator/cache.py": 3, "threading.py": 1}
    assert s["self"][0] == ("Handle._run (asyncio/events.py:80)", 6)


class _FakeTool:
    def __init__(self, name: str, log: list[str]):
        self.name, self.log = name, log

    def prepare(self, paths: list[str]):
        self.log.append(f"prepare {self.name} {len(paths)}")

        def run() -> int:
            self.log.append(f"run {self.name} {len(paths)}")
            return len(paths)

        return run


def test_time_pair_gives_both_tools_the_same_warmup_passes_and_statistic():
    log: list[str] = []
    ticks = iter([0.0, 1.0, 1.0, 3.0, 3.0, 6.0, 6.0, 7.0, 7.0, 9.0, 9.0, 10.0])
    a, b = _FakeTool("a", log), _FakeTool("b", log)
    ta, tb = scan_speed.time_pair([a, b], ["x", "y", "x", "y"], reps=3, warmup=1, clock=lambda: next(ticks))
    # warm-up: one untimed pass each over the distinct files; then the tools alternate
    assert log[:4] == ["prepare a 2", "run a 2", "prepare b 2", "run b 2"]
    assert log[4:] == [f"{v} {t} 4" for _ in range(3) for t in "ab" for v in ("prepare", "run")]
    assert ta.passes == [1.0, 3.0, 2.0] and tb.passes == [2.0, 1.0, 1.0]
    assert ta.seconds == 2.0 and tb.seconds == 1.0  # the median pass, for both
    assert ta.files_per_s == 2.0 and ta.findings == tb.findings == 4


def test_codeintel_pass_starts_from_empty_content_caches_and_empties_them_for_a_copy(monkeypatch):
    cleared: list[int] = []
    monkeypatch.setattr(scan_speed, "content_caches", lambda: [lambda: cleared.append(1)])

    class Rules:
        def __init__(self) -> None:
            self.rules: list = []
            self.prefilter = True
            self.scanned: list[str] = []

        def scan(self, src, exclude_rule_ids=()):
            self.scanned.append(src.path)
            return type("Outcome", (), {"findings": [1]})()

    rules = Rules()
    tool = scan_speed.CodeintelScan(rules)  # type: ignore[arg-type]  # a stand-in with .rules, .prefilter, .scan
    a, b = scan_speed.app_paths()[:2]
    run = tool.prepare([a, b, a, b])
    assert len(cleared) == 1  # before the pass, untimed
    assert run() == 4 and rules.scanned == [a, b, a, b]
    assert len(cleared) == 2  # once more when the copy starts


def test_clear_content_caches_empties_every_functools_cache_of_the_scan_engine():
    from codeintel.kernel.source import prepare
    from services.scan.engine import RuleSet

    path = next(p for p in scan_speed.app_paths() if p.endswith("flask_shop.py"))
    with open(path, "rb") as fh:
        RuleSet.load().scan(prepare(path, "", fh.read()))  # fills whatever the engine caches
    caches = [
        obj
        for name, mod in list(sys.modules.items())
        if mod is not None and name.startswith("services.scan")
        for obj in vars(mod).values()
        # defined there: caches imported from elsewhere (grammar loading) are one-off costs and stay
        if callable(getattr(obj, "cache_info", None)) and getattr(obj, "__module__", "").startswith("services.scan")
    ]
    scan_speed.clear_content_caches()
    assert all(c.cache_info().currsize == 0 for c in caches)


def test_bandit_pass_does_not_accumulate_results():
    path = next(p for p in scan_speed.app_paths() if p.endswith("flask_shop.py"))
    tool = scan_speed.BanditScan()
    first = tool.prepare([path])()
    assert first > 0 and tool.prepare([path])() == first and tool.skipped == []
