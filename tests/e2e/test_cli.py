"""The `codeintel` CLI as a user runs it: a real subprocess against real services."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def cli(*args, cwd=None, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "codeintel", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "app.py").write_text("import os\n\ndef run(cmd):\n    if cmd:\n        os.system(cmd)\n")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "view.js").write_text("function show(el, h) { el.innerHTML = h; }\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.js").write_text("function dep() {}\n")
    (tmp_path / "notes.txt").write_text("not code")
    return tmp_path


def test_parse_directory_json(stack, project):
    r = cli("parse", str(project), "--coordinator", stack.address, "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert sorted(x["path"].rsplit("/", 1)[-1] for x in out) == ["app.py", "view.js"]  # node_modules skipped
    app = next(x for x in out if x["path"].endswith("app.py"))
    assert any(s["name"] == "run" for s in app["symbols"])


def test_analyze_text(stack, project):
    r = cli("analyze", str(project / "app.py"), "--coordinator", stack.address)
    assert r.returncode == 0, r.stderr
    assert "run  cc=2 cognitive=1 nesting=1" in r.stdout
    assert "max cognitive 1" in r.stdout and "0 duplicated blocks" in r.stdout


def test_scan_sarif_and_fail_on(stack, project):
    r = cli("scan", str(project), "--coordinator", stack.address, "--format", "sarif")
    assert r.returncode == 0, r.stderr
    log = json.loads(r.stdout)
    assert log["version"] == "2.1.0"
    rules = {res["ruleId"] for res in log["runs"][0]["results"]}
    assert len(rules) >= 2  # the shell call and the innerHTML sink
    r = cli("scan", str(project), "--coordinator", stack.address, "--fail-on", "high")
    assert r.returncode == 1 and "CWE-78" in r.stdout


def test_baseline_reports_only_new_findings(stack, project, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("baselines")  # outside the scanned project
    base = tmp_path / "baseline.json"
    r = cli("scan", str(project), "--coordinator", stack.address, "--write-baseline", str(base))
    assert r.returncode == 0 and "CWE-78" in r.stdout, r.stderr
    assert len(json.loads(base.read_text())["fingerprints"]) >= 2
    r = cli("scan", str(project), "--coordinator", stack.address, "--baseline", str(base), "--fail-on", "low")
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout  # everything accepted
    (project / "new.py").write_text("import os\nos.system(user_cmd)\n")
    r = cli("scan", str(project), "--coordinator", stack.address, "--baseline", str(base), "--fail-on", "high")
    assert r.returncode == 1 and "new.py" in r.stdout and "app.py" not in r.stdout
    # an earlier SARIF log works as a baseline too
    sarif = tmp_path / "old.sarif"
    sarif.write_text(cli("scan", str(project), "--coordinator", stack.address, "--format", "sarif").stdout)
    r = cli("scan", str(project), "--coordinator", stack.address, "--baseline", str(sarif))
    assert r.returncode == 0 and r.stdout.strip() == ""
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    r = cli("scan", str(project), "--coordinator", stack.address, "--baseline", str(bad))
    assert r.returncode == 2 and "expected" in r.stderr and "Traceback" not in r.stderr


def test_rules_listing(stack):
    r = cli("rules", "--coordinator", stack.address, "--language", "python")
    assert r.returncode == 0, r.stderr
    assert "py.subprocess-shell-true" in r.stdout and "A03:2021-Injection" in r.stdout
    assert "js." not in r.stdout.split("rules (")[0].replace("common.", "")
    r = cli("rules", "--coordinator", stack.address, "--format", "json")
    assert len(json.loads(r.stdout)["rules"]) >= 50
    r = cli("rules", "--coordinator", stack.address, "--language", "cobol")
    assert r.returncode == 1 and "INVALID_ARGUMENT" in r.stderr


def test_unreadable_and_bad_files_are_reported(stack, project):
    (project / "blob.py").write_bytes(b"\x00\x01")
    r = cli("parse", str(project / "blob.py"), str(project / "missing.py"), "--coordinator", stack.address)
    assert r.returncode == 1
    assert "binary" in r.stderr and "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_cli_starts_its_own_stack(project):
    r = cli("parse", str(project / "app.py"), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["language"] == "python"


def test_stats_and_workers(stack):
    r = cli("workers", "--coordinator", stack.address, "--format", "json")
    assert r.returncode == 0 and len(json.loads(r.stdout)["workers"]) == 6
    r = cli("stats", "--coordinator", stack.address, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["workersTotal"] == 6
