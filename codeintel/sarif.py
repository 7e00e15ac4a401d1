"""SARIF 2.1.0 logs from scan results (protobuf codeintel.v1.ScanResult messages).

Used by the scan service and by the coordinator, which builds logs from results it has
cached, so the input is protobuf rather than the scan engine's dataclasses.

Columns: the contract's columns are zero-based UTF-8 byte offsets. SARIF columns are
1-based, and their unit is set by run.columnKind, which only offers "utf16CodeUnits"
(the default) and "unicodeCodePoints". Without the file content a byte column cannot be
converted to either, so regions carry startLine/endLine only (plus byteOffset/byteLength,
which SARIF defines in bytes) - never a column that claims a unit it is not in. The
finding's snippet (its whole source lines) goes in a contextRegion over those lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

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
    scan_pb2.SEVERITY_CRITICAL: "9.5", scan_pb2.SEVERITY_HIGH: "8.0", scan_pb2.SEVERITY_MEDIUM: "5.5",
    scan_pb2.SEVERITY_LOW: "3.0", scan_pb2.SEVERITY_INFO: "1.0",
}


def _severity_name(value: int) -> str:
    return scan_pb2.Severity.Name(value).removeprefix("SEVERITY_").lower()


def _confidence_name(value: int) -> str:
    return scan_pb2.Confidence.Name(value).removeprefix("CONFIDENCE_").lower()


def _cwe_tag(cwe: str) -> str | None:
    num = cwe.upper().removeprefix("CWE-")
    return f"external/cwe/cwe-{num}" if num.isdigit() else None


def _short(message: str) -> str:
    """First sentence of a rule message (SARIF shortDescription)."""
    first = message.strip().split(". ", 1)[0].rstrip(".")
    return (first[:197] + "...") if len(first) > 200 else first + "."


def _region(f) -> dict:
    r = f.range
    region = {"startLine": r.start.line + 1, "endLine": max(r.end.line, r.start.line) + 1}
    if r.end_byte >= r.start_byte and (r.start_byte or r.end_byte):
        region["byteOffset"] = r.start_byte
        region["byteLength"] = r.end_byte - r.start_byte
    return region


def _location(path: str, f) -> dict:
    physical: dict = {"artifactLocation": {"uri": _uri(path)} if path else {}, "region": _region(f)}
    if f.snippet:  # the snippet is the whole source line(s), so it belongs to a context region
        physical["contextRegion"] = {
            "startLine": f.range.start.line + 1,
            "endLine": max(f.range.end.line, f.range.start.line) + 1,
            "snippet": {"text": f.snippet},
        }
    return {"physicalLocation": physical}


def _uri(path: str) -> str:
    """A relative URI reference for a display path (separators normalised, unsafe bytes escaped)."""
    return quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")


def build_sarif(results: Iterable[scan_pb2.ScanResult], *, tool_version: str) -> dict:
    """One SARIF 2.1.0 log (a JSON-ready dict) with one run over all `results`."""
    rules: list[dict] = []
    rule_index: dict[str, int] = {}
    sarif_results: list[dict] = []
    for res in results:
        for f in res.findings:
            idx = rule_index.get(f.rule_id)
            if idx is None:
                idx = rule_index[f.rule_id] = len(rules)
                tags = ["security"]
                if (tag := _cwe_tag(f.cwe)) is not None:
                    tags.append(tag)
                rules.append({
                    "id": f.rule_id,
                    "shortDescription": {"text": _short(f.message)},
                    "fullDescription": {"text": f.message},
                    "defaultConfiguration": {"level": _LEVEL.get(f.severity, "warning")},
                    "properties": {
                        "tags": tags,
                        "precision": {"high": "high", "medium": "medium", "low": "low"}.get(
                            _confidence_name(f.confidence), "medium"),
                        "security-severity": _SECURITY_SEVERITY.get(f.severity, "5.5"),
                    },
                })
            item = {
                "ruleId": f.rule_id,
                "ruleIndex": idx,
                "level": _LEVEL.get(f.severity, "warning"),
                "message": {"text": f.message},
                "locations": [_location(res.path, f)],
                "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
                "properties": {
                    "severity": _severity_name(f.severity),
                    "confidence": _confidence_name(f.confidence),
                    "cwe": f.cwe,
                },
            }
            if f.suppressed:
                item["suppressions"] = [{"kind": "inSource"}]
            sarif_results.append(item)
    driver: dict = {"name": TOOL_NAME, "rules": rules}
    if tool_version:
        driver["version"] = tool_version
    return {
        "$schema": SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": driver},
            "results": sarif_results,
        }],
    }
