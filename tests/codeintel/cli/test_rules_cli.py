"""`codeintel scan --rules` and `codeintel rules --rules` as a user runs them: the real CLI in a
subprocess against the shared real stack; custom findings in text and SARIF, a directory's own
.codeintel/rules/, and a broken rule ending the command with the error naming file, rule and field."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

YAML = """rules:
  - id: acme.raw-sql
    languages: [python]
    cwe: CWE-89
    severity: high
    confidence: medium
    message: SQL text built at run time is passed to db.raw(); pass parameters instead.
    query: |
      ((call function: (attribute attribute: (identifier) @m) arguments: (argument_list . (_) @arg)) @match
       (#eq? @m "raw"))
    predicate: non_constant
    examples:
      - language: python
        vulnerable: "db.raw('select ' + x)"
        safe: "db.raw('select 1')"
"""
TOML = """[[rules]]
id = "acme.load-blob"
languages = ["python"]
cwe = "CWE-502"
severity = "medium"
confidence = "low"
message = "Our wrapper unpickles whatever it is given; load trusted files only."
query = '((call function: (identifier) @f) @match (#eq? @f "load_blob"))'
"""


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "codeintel", *args], capture_output=True, text=True, timeout=180, cwd=cwd
    )


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "app.py").write_text("db.raw('select ' + uid)\nload_blob(data)\n")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "sql.yaml").write_text(YAML)
    return tmp_path


def test_scan_with_rules_reports_custom_findings(stack, project):
    app = str(project / "proj" / "app.py")
    r = cli("scan", app, "--coordinator", stack.address, "--rules", str(project / "rules"))
    assert r.returncode == 0, r.stderr
    assert "acme.raw-sql" in r.stdout and "acme.load-blob" not in r.stdout
    (project / "blob.toml").write_text(TOML)
    r = cli(
        "scan", app, "--coordinator", stack.address, "--format", "sarif",
        "--rules", str(project / "rules" / "sql.yaml"), "--rules", str(project / "blob.toml"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    run = json.loads(r.stdout)["runs"][0]
    assert sorted(x["ruleId"] for x in run["results"] if x["ruleId"].startswith("acme.")) == [
        "acme.load-blob",
        "acme.raw-sql",
    ]
    custom = [d for d in run["tool"]["driver"]["rules"] if "custom" in d["properties"]["tags"]]
    assert sorted(d["id"] for d in custom) == ["acme.load-blob", "acme.raw-sql"]


def test_a_directory_scan_uses_its_own_rules(stack, project):
    rules_dir = project / "proj" / ".codeintel" / "rules"
    rules_dir.mkdir(parents=True)
    (rules_dir / "blob.toml").write_text(TOML)
    r = cli("scan", str(project / "proj"), "--coordinator", stack.address, "--format", "json")
    assert r.returncode == 0, r.stderr
    found = {f["rule_id"] for res in json.loads(r.stdout) for f in res.get("findings", [])}
    assert "acme.load-blob" in found and "acme.raw-sql" not in found
    assert "custom rules: 1 from 1 file" in r.stderr


def test_a_broken_rule_ends_the_command_naming_the_field(stack, project):
    (project / "rules" / "sql.yaml").write_text(YAML.replace("severity: high", "severity: urgent"))
    app = str(project / "proj" / "app.py")
    r = cli("scan", app, "--coordinator", stack.address, "--rules", str(project / "rules"))
    assert r.returncode == 2 and r.stdout == ""
    assert 'sql.yaml: rule "acme.raw-sql": field "severity": "urgent" is not one of' in r.stderr
    r = cli("rules", "--coordinator", stack.address, "--rules", str(project / "rules" / "sql.yaml"))
    assert r.returncode == 2 and 'field "severity"' in r.stderr
    r = cli("rules", "--coordinator", stack.address, "--rules", str(project / "missing.yaml"))
    assert r.returncode == 2 and "missing.yaml: no such rule file or directory" in r.stderr


def test_rules_lists_and_marks_custom_rules(stack, project):
    r = cli("rules", "--coordinator", stack.address, "--language", "python", "--rules", str(project / "rules"))
    assert r.returncode == 0, r.stderr
    (line,) = [x for x in r.stdout.splitlines() if x.startswith("acme.")]
    assert line.split()[:3] == ["acme.raw-sql", "CWE-89", "high"] and line.endswith("sql.yaml")
    assert ", 1 custom (" in r.stdout.splitlines()[-1]
