"""SARIF output checked by outside validators: the SARIF 2.1.0 JSON schema and Microsoft's SARIF
multitool (`Sarif.Multitool validate`, from the sarif-sdk), both installed by `make install` (npm
package @microsoft/sarif-multitool, which ships the schema and the validator)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from codeintel.kernel.sarif import build_sarif
from codeintel.kernel.source import prepare
from services.scan import engine
from services.scan.servicer import result_pb

REPO = Path(__file__).resolve().parents[3]
TOOL_DIR = REPO / "node_modules" / "@microsoft" / "sarif-multitool-linux"
SCHEMA = TOOL_DIR / "sarif-2.1.0.json"
MULTITOOL = TOOL_DIR / "Sarif.Multitool"
_EXT = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "go": "go", "java": "java"}


@pytest.fixture(scope="module")
def log() -> dict:
    """One SARIF log over every rule's vulnerable examples (every rule appears, with findings)."""
    rules = engine.RuleSet.load()
    results = []
    for i, ex in enumerate(rules.examples):
        for j, code in enumerate(ex.vulnerable):
            src = prepare(f"src/{ex.rule_id}/{i}_{j}.{_EXT.get(ex.language, 'txt')}", ex.language, code.encode())
            results.append(result_pb(rules.scan(src, include_suppressed=True)))
    assert sum(len(r.findings) for r in results) >= len(rules.examples)
    return build_sarif(results, tool_version=engine.VERSION)


def test_schema_validates(log):
    assert SCHEMA.is_file(), f"{SCHEMA} missing: run `make install` (npm install)"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])


def test_taint_findings_carry_code_flows_that_validate():
    rules = engine.RuleSet.load()
    code = (
        b"from flask import request\ndef view(cur):\n    name = request.args.get('name')\n"
        b"    q = f\"SELECT * FROM users WHERE name = '{name}'\"\n    cur.execute(q)\n"
    )
    result = result_pb(rules.scan(prepare("src/app.py", "", code), rule_ids=["py.taint.sql-injection"]))
    sarif = build_sarif([result], tool_version=engine.VERSION)
    (item,) = sarif["runs"][0]["results"]
    steps = item["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "request data read here",
        "flows into `name`",
        "flows into `q`",
        "reaches cur.execute()",
    ]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [3, 3, 4, 5]
    assert steps[-1]["location"]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(sarif))
    assert not errors, errors[:3]
    broken = json.loads(json.dumps(sarif))
    del broken["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_the_shared_log_has_code_flows(log):
    """The log the multitool checks includes data-flow findings, so their codeFlows are validated too."""
    assert any("codeFlows" in r for r in log["runs"][0]["results"])


def test_a_broken_log_fails_the_schema(log):
    """The schema check can fail: a result without a message is rejected."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(log))
    del broken["runs"][0]["results"][0]["message"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def _validate(log: dict, tmp_path: Path) -> list[dict]:
    assert MULTITOOL.is_file(), f"{MULTITOOL} missing: run `make install` (npm install)"
    src, out = tmp_path / "scan.sarif", tmp_path / "validation.sarif"
    src.write_text(json.dumps(log), encoding="utf-8")
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    proc = subprocess.run(
        [
            str(MULTITOOL),
            "validate",
            str(src),
            "--output",
            str(out),
            "--log",
            "ForceOverwrite",
            "--level",
            "Error",
            "Warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.is_file(), f"multitool failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    return json.loads(out.read_text(encoding="utf-8-sig"))["runs"][0].get("results", [])


# Warnings we accept, with the reason: the project has no public web page to point tools at yet.
ACCEPTED_WARNINGS = {"Warning_ProvideToolnformationUri"}


def test_microsoft_multitool_finds_no_errors_or_warnings(log, tmp_path):
    problems = [
        r
        for r in _validate(log, tmp_path)
        if r.get("level", "warning") in ("error", "warning") and r["message"].get("id") not in ACCEPTED_WARNINGS
    ]
    assert not problems, "\n".join(
        f"{r['ruleId']} {r['message'].get('id', '')} {r['message'].get('arguments', '')}" for r in problems[:20]
    )


def test_microsoft_multitool_catches_a_broken_log(log, tmp_path):
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["ruleIndex"] = 10_000  # points past the rules array
    assert any(r.get("level", "warning") == "error" for r in _validate(broken, tmp_path))


def test_custom_rules_are_listed_and_the_log_validates(tmp_path):
    """Custom rules: every one in the driver's rules (tagged, with its file), found or not; results
    point at them by index; the schema and the multitool accept the log."""
    from services.scan import custom
    from services.scan.servicer import custom_rules_pb

    text = """rules:
  - id: acme.load-blob
    languages: [python]
    cwe: CWE-502
    severity: medium
    confidence: low
    message: load_blob unpickles what it is given. Load trusted files only.
    query: '((call function: (identifier) @f) @match (#eq? @f "load_blob"))'
  - id: acme.never
    languages: [python]
    cwe: CWE-78
    severity: low
    confidence: low
    message: never_called is never called here.
    query: '((call function: (identifier) @f) @match (#eq? @f "never_called"))'
"""
    rules = custom.build([custom.RuleText(".codeintel/rules/team.yaml", text)], engine.RuleSet.load())
    result = result_pb(rules.scan(prepare("src/a.py", "", b"import os\nload_blob(d)\nos.system(c)\n")))
    sarif = build_sarif([result], tool_version=engine.VERSION, custom_rules=custom_rules_pb(rules))
    driver = sarif["runs"][0]["tool"]["driver"]
    mine = {d["id"]: d for d in driver["rules"] if "custom" in d["properties"]["tags"]}
    assert sorted(mine) == ["acme.load-blob", "acme.never"]
    assert {d["properties"]["source"] for d in mine.values()} == {".codeintel/rules/team.yaml"}
    assert mine["acme.load-blob"]["shortDescription"]["text"] == "load_blob unpickles what it is given."
    indexed = {r["ruleId"]: driver["rules"][r["ruleIndex"]]["id"] for r in sarif["runs"][0]["results"]}
    assert indexed["acme.load-blob"] == "acme.load-blob" and len(indexed) >= 2  # and the shipped shell finding
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(sarif))
    problems = [
        r
        for r in _validate(sarif, tmp_path)
        if r.get("level", "warning") in ("error", "warning") and r["message"].get("id") not in ACCEPTED_WARNINGS
    ]
    assert not problems, problems[:3]
