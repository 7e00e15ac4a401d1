"""SARIF 2.1.0 logs built from hand-made protobuf ScanResults."""

from __future__ import annotations

import json

from codeintel.kernel.sarif import build_sarif
from codeintel.v1 import common_pb2, scan_pb2


def _finding(
    rule_id="py.eval-non-constant",
    cwe="CWE-95",
    sev=scan_pb2.SEVERITY_HIGH,
    conf=scan_pb2.CONFIDENCE_MEDIUM,
    line=2,
    suppressed=False,
    fp="ab" * 32,
):
    return scan_pb2.Finding(
        rule_id=rule_id,
        cwe=cwe,
        severity=sev,
        confidence=conf,
        range=common_pb2.Range(
            start=common_pb2.Position(line=line, column=4),
            end=common_pb2.Position(line=line, column=14),
            start_byte=40,
            end_byte=50,
        ),
        message="eval of data runs code. Use ast.literal_eval instead.",
        snippet="    eval(data)",
        fingerprint=fp,
        suppressed=suppressed,
    )


def _results():
    return [
        scan_pb2.ScanResult(
            path="src/app.py",
            language="python",
            findings=[
                _finding(),
                _finding(rule_id="py.weak-hash", cwe="CWE-328", sev=scan_pb2.SEVERITY_MEDIUM, line=5, fp="cd" * 32),
                _finding(line=9, suppressed=True, fp="ef" * 32),
            ],
        ),
        scan_pb2.ScanResult(
            path="web/my file.js",
            language="javascript",
            findings=[
                _finding(
                    rule_id="js.bind-all-interfaces",
                    cwe="CWE-1327",
                    sev=scan_pb2.SEVERITY_LOW,
                    line=0,
                    conf=scan_pb2.CONFIDENCE_LOW,
                    fp="01" * 32,
                ),
                _finding(
                    rule_id="common.known-key-format",
                    cwe="CWE-798",
                    sev=scan_pb2.SEVERITY_CRITICAL,
                    conf=scan_pb2.CONFIDENCE_HIGH,
                    fp="23" * 32,
                ),
            ],
        ),
        scan_pb2.ScanResult(path="empty.py", language="python"),
    ]


def _check_minimal_schema(log: dict) -> None:
    """The parts of the SARIF 2.1.0 schema this log uses, checked by hand (no download)."""
    assert set(log) == {"$schema", "version", "runs"}
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        assert "informationUri" not in driver
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids))
        for r in driver["rules"]:
            assert r["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
            assert isinstance(r["shortDescription"]["text"], str)
        for res in run["results"]:
            assert res["level"] in ("none", "note", "warning", "error")
            assert isinstance(res["message"]["text"], str) and res["message"]["text"]
            assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
            for loc in res["locations"]:
                region = loc["physicalLocation"]["region"]
                assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"]
                if "startColumn" in region:  # columns (UTF-16) only together with the byte range they restate
                    assert region["startColumn"] >= 1 and "byteOffset" in region
            for s in res.get("suppressions", []):
                assert s["kind"] in ("inSource", "external")
    json.dumps(log)  # JSON-serialisable


def test_log_structure():
    log = build_sarif(_results(), tool_version="scan-1.0.0+abc")
    _check_minimal_schema(log)
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "codeintel" and driver["version"] == "1.0.0" and driver["semanticVersion"] == "1.0.0+abc"
    assert driver["properties"]["serviceVersion"] == "scan-1.0.0+abc"
    assert [r["id"] for r in driver["rules"]] == [
        "py.eval-non-constant",
        "py.weak-hash",
        "js.bind-all-interfaces",
        "common.known-key-format",
    ]
    eval_rule = driver["rules"][0]
    assert "external/cwe/cwe-95" in eval_rule["properties"]["tags"]
    assert eval_rule["shortDescription"]["text"] == "eval of data runs code."
    assert eval_rule["defaultConfiguration"]["level"] == "error"
    assert len(log["runs"][0]["results"]) == 5


def test_results_levels_locations_fingerprints():
    results = build_sarif(_results(), tool_version="v")["runs"][0]["results"]
    first = results[0]
    assert first["ruleId"] == "py.eval-non-constant" and first["ruleIndex"] == 0
    assert first["level"] == "error"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/app.py"
    assert loc["region"] == {
        "startLine": 3,
        "startColumn": 5,
        "endLine": 3,
        "endColumn": 15,
        "byteOffset": 40,
        "byteLength": 10,
    }
    assert loc["contextRegion"] == {
        "startLine": 3,
        "endLine": 3,
        "byteOffset": 36,
        "byteLength": 14,
        "snippet": {"text": "    eval(data)"},
    }
    assert first["partialFingerprints"] == {"codeintel/v1": "ab" * 32}
    assert first["properties"] == {"severity": "high", "confidence": "medium", "cwe": "CWE-95"}
    assert "suppressions" not in first
    assert [r["level"] for r in results] == ["error", "warning", "error", "note", "error"]
    assert results[2]["suppressions"] == [{"kind": "inSource"}]
    assert results[2]["ruleIndex"] == 0  # same rule, same index
    assert results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "web/my%20file.js"
    assert results[3]["properties"]["confidence"] == "low"


def test_empty_input_and_empty_version():
    log = build_sarif([], tool_version="")
    _check_minimal_schema(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
    assert "version" not in log["runs"][0]["tool"]["driver"]


def test_accepts_any_iterable_of_results():
    log = build_sarif((r for r in _results()), tool_version="v")
    assert len(log["runs"][0]["results"]) == 5
