"""`make bench` end to end: `python -m bench.suite --quick` starts real stacks, fake workers and
clients, and writes a JSON with every figure of the speed-at-scale issue beside its baseline.
Only the shape is checked, never the values: speed is the benchmark's business, not a test's."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from bench import suite

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = [
    "parse_batched",
    "parse_unary",
    "uncached_8kb_p50",
    "cache_hit_p50",
    "mixed_p99",
    "scan_vs_bandit",
    "analyze_vs_lizard",
    "rescan_hits",
    "rescan_time",
    "dispatch",
]
PROCESSES = ["coordinator", "parse-0", "parse-1", "analyze-0", "analyze-1", "scan-0", "scan-1", "load client"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.suite", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(out) as fh:
        return json.load(fh), proc.stdout, out


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@pytest.mark.timeout(900)
def test_quick_run_has_every_figure_with_baseline_and_ratio(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    assert [f["id"] for f in data["figures"] if not f["id"].startswith("peak_rss.")] == FIGURES
    for fid in FIGURES + [f"peak_rss.{p}" for p in PROCESSES]:
        f = by_id[fid]
        assert _finite(f["measured"]) and f["measured"] >= 0, f
        assert _finite(f["baseline"]) and f["baseline"] > 0, f
        assert f["ratio"] == pytest.approx(f["measured"] / f["baseline"]), f
        assert f["figure"] and f["baseline_name"] and f["unit"], f
    for fid in FIGURES:  # every issue figure has a target and a verdict
        assert by_id[fid]["target"]["op"] in suite.OPS and isinstance(by_id[fid]["met"], bool), by_id[fid]
    assert all(by_id[f"peak_rss.{p}"]["met"] is None for p in PROCESSES)  # printed, no target


@pytest.mark.timeout(900)
def test_quick_run_counts_work_and_errors(quick_run):
    data, _, _ = quick_run
    by_id = {f["id"]: f for f in data["figures"]}
    assert data["profile"] == "quick" and data["corpus_files"] == suite.QUICK.limit
    assert by_id["mixed_p99"]["details"]["requests"] > 0
    for fid in ("parse_batched", "parse_unary", "mixed_p99", "rescan_hits", "dispatch"):
        assert isinstance(by_id[fid]["details"]["errors"], int), fid
    # 5 % of 40 files changed: the ideal share of reused results is 38/40.
    assert by_id["rescan_hits"]["baseline"] == pytest.approx(38 / 40)
    assert sum(by_id["rescan_hits"]["details"]["statuses"].values()) == 40


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
    diff = [i for i, (a, b) in enumerate(zip(files, edited)) if a != b]
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
