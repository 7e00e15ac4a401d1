"""SARIF 2.1.0 logs from scan results (protobuf codeintel.v1.ScanResult messages).

Used by the scan service and by the coordinator, which builds logs from results it has
cached, so the input is protobuf rather than the scan engine's dataclasses.

Regions: the contract's columns are zero-based UTF-8 byte offsets; SARIF columns are 1-based
UTF-16 code units (run.columnKind "utf16CodeUnits"). A finding's snippet holds its whole source
lines (up to 200 bytes), which is enough to convert the columns; the region then carries lines,
columns and byteOffset/byteLength (all describing the same text), and the snippet goes in a
contextRegion over the whole lines when that is strictly bigger, else in the region itself. When
the snippet was cut short, the region is the whole lines (startLine/endLine alone) — never a
column in a unit it is not in, never two descriptions that disagree. Microsoft's SARIF multitool
validates our logs in tests (tests/codeintel/kernel/test_sarif_validation.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

from codeintel.kernel import vocab
from codeintel.v1 import scan_pb2

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "codeintel"
FINGERPRINT_KEY = "codeintel/v1"

_LEVEL = {
    scan_pb2.SEVERITY_CRITICAL: "error",
    scan_pb2.SEVERITY_HIGH: "error",
    scan_pb2.SEVERITY_MEDIUM: "warning",
    scan_pb2.SEVERITY_LOW: "note",
    scan_pb2.SEVERITY_INFO: "note",
    scan_pb2.SEVERITY_UNSPECIFIED: "warning",
}
# GitHub code scanning reads properties["security-severity"] (a CVSS-like score) to rank alerts.
_SECURITY_SEVERITY = {
    scan_pb2.SEVERITY_CRITICAL: "9.5",
    scan_pb2.SEVERITY_HIGH: "8.0",
    scan_pb2.SEVERITY_MEDIUM: "5.5",
    scan_pb2.SEVERITY_LOW: "3.0",
    scan_pb2.SEVERITY_INFO: "1.0",
}


def _cwe_tag(cwe: str) -> str | None:
    num = cwe.upper().removeprefix("CWE-")
    return f"external/cwe/cwe-{num}" if num.isdigit() else None


def _short(message: str) -> str:
    """First sentence of a rule message (SARIF shortDescription)."""
    first = message.strip().split(". ", 1)[0].rstrip(".")
    return (first[:197] + "...") if len(first) > 200 else first + "."


def _utf16_len(data: bytes) -> int:
    return len(data.decode("utf-8", "replace").encode("utf-16-le")) // 2


def _location(path: str, f) -> dict:
    physical: dict = {"artifactLocation": {"uri": _uri(path)} if path else {}}
    r = f.range
    start_line, end_line = r.start.line + 1, max(r.end.line, r.start.line) + 1
    snippet = f.snippet.encode("utf-8")
    line_start = r.start_byte - r.start.column  # columns are byte offsets within the line
    end_in_snippet = r.end_byte - line_start
    if not snippet or line_start < 0 or r.end_byte < r.start_byte or end_in_snippet > len(snippet):
        physical["region"] = {"startLine": start_line, "endLine": end_line}  # whole lines
        return {"physicalLocation": physical}
    end_line_start = snippet.rfind(b"\n", 0, end_in_snippet) + 1
    region = {
        "startLine": start_line,
        "startColumn": _utf16_len(snippet[: r.start.column]) + 1,
        "endLine": end_line,
        "endColumn": _utf16_len(snippet[end_line_start:end_in_snippet]) + 1,
        "byteOffset": r.start_byte,
        "byteLength": r.end_byte - r.start_byte,
    }
    if r.start.column == 0 and end_in_snippet == len(snippet):
        region["snippet"] = {"text": f.snippet}  # the finding is its whole lines
    else:
        physical["contextRegion"] = {
            "startLine": start_line,
            "endLine": end_line,
            "byteOffset": line_start,
            "byteLength": len(snippet),
            "snippet": {"text": f.snippet},
        }
    physical["region"] = region
    return {"physicalLocation": physical}


def _code_flow(path: str, f) -> dict:
    """A data-flow finding's path (source first, sink last) as one SARIF threadFlow. Steps carry
    whole-line regions: their columns are UTF-8 bytes and the text to convert them is not at hand."""
    locations = []
    for step in f.flow:
        r = step.range
        physical: dict = {
            "artifactLocation": {"uri": _uri(path)} if path else {},
            "region": {"startLine": r.start.line + 1, "endLine": max(r.end.line, r.start.line) + 1},
        }
        locations.append({"location": {"physicalLocation": physical, "message": {"text": step.message}}})
    return {"threadFlows": [{"locations": locations}]}


def _uri(path: str) -> str:
    """A relative URI reference for a display path (separators normalised, unsafe bytes escaped)."""
    return quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")


def _rule_descriptor(
    rule_id: str, message: str, cwe: str, severity: scan_pb2.Severity, confidence: scan_pb2.Confidence
) -> dict:
    tags = ["security"]
    if (tag := _cwe_tag(cwe)) is not None:
        tags.append(tag)
    return {
        "id": rule_id,
        "shortDescription": {"text": _short(message)},
        "fullDescription": {"text": message},
        "defaultConfiguration": {"level": _LEVEL.get(severity, "warning")},
        "properties": {
            "tags": tags,
            "precision": {"high": "high", "medium": "medium", "low": "low"}.get(
                vocab.confidence_name(confidence), "medium"
            ),
            "security-severity": _SECURITY_SEVERITY.get(severity, "5.5"),
        },
    }


def build_sarif(
    results: Iterable[scan_pb2.ScanResult], *, tool_version: str, custom_rules: Iterable[scan_pb2.Rule] = ()
) -> dict:
    """One SARIF 2.1.0 log (a JSON-ready dict) with one run over all `results`. The driver lists the
    rules that found something and every one of `custom_rules` (the caller's own rules: they were
    run, found or not), the latter tagged "custom" with their file in properties.source."""
    rules: list[dict] = []
    rule_index: dict[str, int] = {}
    sarif_results: list[dict] = []
    for r in custom_rules:
        if r.id in rule_index:
            continue
        descriptor = _rule_descriptor(r.id, r.description, r.cwe, r.severity, r.confidence)
        descriptor["properties"]["tags"].append("custom")
        descriptor["properties"]["source"] = r.source
        rule_index[r.id] = len(rules)
        rules.append(descriptor)
    for res in results:
        for f in res.findings:
            idx = rule_index.get(f.rule_id)
            if idx is None:
                idx = rule_index[f.rule_id] = len(rules)
                rules.append(_rule_descriptor(f.rule_id, f.message, f.cwe, f.severity, f.confidence))
            item = {
                "ruleId": f.rule_id,
                "ruleIndex": idx,
                "level": _LEVEL.get(f.severity, "warning"),
                "message": {"text": f.message},
                "locations": [_location(res.path, f)],
                "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
                "properties": {
                    "severity": vocab.severity_name(f.severity),
                    "confidence": vocab.confidence_name(f.confidence),
                    "cwe": f.cwe,
                },
            }
            if f.flow:
                item["codeFlows"] = [_code_flow(res.path, f)]
            if f.suppressed:  # a baseline lives outside the source; inline comments inside it
                kind = "external" if f.suppression == scan_pb2.SUPPRESSION_BASELINE else "inSource"
                item["suppressions"] = [{"kind": kind}]
            sarif_results.append(item)
    driver: dict = {"name": TOOL_NAME, "rules": rules}
    if tool_version:  # e.g. "scan-1.0.0+3f2a...": SARIF wants numbers in version, semver in semanticVersion
        semantic = tool_version.split("-", 1)[-1]
        if semantic[:1].isdigit():
            driver["version"] = semantic.split("+", 1)[0]
            driver["semanticVersion"] = semantic
        else:
            driver["version"] = tool_version
        driver["properties"] = {"serviceVersion": tool_version}  # what responses report as service_version
    return {
        "$schema": SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "utf16CodeUnits",
                "results": sarif_results,
            }
        ],
    }


def sarif_json(results: Iterable[scan_pb2.ScanResult], version: str, custom_rules: Iterable[scan_pb2.Rule] = ()) -> str:
    """The SARIF log of `results` as compact JSON (what ScanResponse.sarif_json carries)."""
    return json.dumps(build_sarif(results, tool_version=version, custom_rules=custom_rules), separators=(",", ":"))
