"""The scan engine (engine.py): the shipped rule set, finding fields, filters, fingerprints and robustness.
Loading from a directory: test_loader.py; suppression: test_suppression.py; the prefilter: test_matching.py."""

from __future__ import annotations

import glob
import sys
import sysconfig
from pathlib import Path

import pytest

from codeintel.kernel import vocab
from codeintel.kernel.errors import InvalidInput, UnsupportedLanguage
from codeintel.kernel.source import prepare
from services.scan import engine

RULES = engine.RuleSet.load()

VULN_PY = b"""import os, subprocess, hashlib, yaml
def handler(cmd, name):
    os.system("ls " + cmd)
    subprocess.run(f"echo {name}", shell=True)
    h = hashlib.md5(name.encode())
    return yaml.load(name)
"""


def scan(code: bytes, path="app.py", language="", **kw) -> engine.ScanOutcome:
    return RULES.scan(prepare(path, language, code), **kw)


def ids(outcome) -> list[str]:
    return [f.rule_id for f in outcome.findings]


def test_load_is_cached_and_versioned():
    assert engine.RuleSet.load() is RULES
    assert engine.VERSION.startswith("scan-1.0.0+") and len(engine.VERSION) > len("scan-1.0.0+")
    assert set(vocab.SEVERITIES) == {"info", "low", "medium", "high", "critical"}  # what rules and filters use
    assert vocab.CONFIDENCES == ("low", "medium", "high")


def test_finding_fields():
    out = scan(VULN_PY)
    assert out.path == "app.py" and out.language == "python" and not out.has_syntax_errors
    assert ids(out) == ["py.os-system-non-constant", "py.subprocess-shell-true", "py.weak-hash", "py.yaml-unsafe-load"]
    assert out.rules_evaluated == len(RULES.rules_for("python"))
    f = out.findings[0]
    assert f.cwe == "CWE-78" and f.severity == "high" and f.confidence == "high"
    assert (f.range.start_line, f.range.start_col) == (2, 4)
    assert VULN_PY[f.range.start_byte : f.range.end_byte] == b'os.system("ls " + cmd)'
    assert f.snippet == '    os.system("ls " + cmd)'
    assert len(f.fingerprint) == 64 and not f.suppressed
    assert "subprocess" in f.message


def test_snippet_is_at_most_200_bytes_and_valid_utf8():
    code = ("x = eval(data)  # " + "é" * 300 + "\n").encode()
    f = scan(code).findings[0]
    assert len(f.snippet.encode()) <= 200
    assert f.snippet.startswith("x = eval(data)")


def test_min_severity_and_confidence_filters():
    assert ids(scan(VULN_PY, min_severity="high")) == [
        "py.os-system-non-constant",
        "py.subprocess-shell-true",
        "py.yaml-unsafe-load",
    ]
    assert ids(scan(VULN_PY, min_severity="critical")) == []
    out = scan(b"import random\nreset_token = random.random()\nimport os\nos.system(x)\n")
    assert ids(out) == ["py.insecure-random-secret", "py.os-system-non-constant"]
    out = scan(b"import random\nreset_token = random.random()\nimport os\nos.system(x)\n", min_confidence="medium")
    assert ids(out) == ["py.os-system-non-constant"]
    assert out.rules_evaluated < len(RULES.rules_for("python"))
    with pytest.raises(InvalidInput, match="severity"):
        scan(VULN_PY, min_severity="urgent")


def test_rule_ids_and_exclude():
    out = scan(VULN_PY, rule_ids=["py.weak-hash"])
    assert ids(out) == ["py.weak-hash"] and out.rules_evaluated == 1
    out = scan(VULN_PY, exclude_rule_ids=["py.weak-hash", "py.yaml-unsafe-load"])
    assert ids(out) == ["py.os-system-non-constant", "py.subprocess-shell-true"]
    # A rule for another language evaluates nothing here.
    assert scan(VULN_PY, rule_ids=["js.eval-non-constant"]).rules_evaluated == 0


def test_unknown_rule_id_is_invalid_input_with_hint():
    with pytest.raises(InvalidInput) as exc:
        scan(VULN_PY, rule_ids=["py.weak-hsh"])
    assert "py.weak-hsh" in str(exc.value) and "did you mean py.weak-hash" in str(exc.value)
    with pytest.raises(InvalidInput) as exc:
        scan(VULN_PY, rule_ids=["zzz"])
    # No near miss: no suggestion, and never the whole list (it would not fit a status message).
    assert "did you mean" not in str(exc.value) and "ListRules" in str(exc.value) and len(str(exc.value)) < 300


def test_unsupported_language():
    with pytest.raises(UnsupportedLanguage, match="python"):
        scan(b"fn main() {}\n", path="main.rs")  # Go and Java have rules now; Rust has none


def test_fingerprints_stable_when_lines_inserted_above_and_duplicates_differ():
    code = b"def f(data):\n    return eval(data)\n\ndef g(data):\n    return eval(data)\n"
    before = scan(code)
    after = scan(b"import os\n\n\n# a comment\n" + code)
    assert [f.fingerprint for f in before.findings] == [f.fingerprint for f in after.findings]
    assert [f.range.start_line + 4 for f in before.findings] == [f.range.start_line for f in after.findings]
    fps = [f.fingerprint for f in before.findings]
    assert len(fps) == 2 and fps[0] != fps[1]
    # Whitespace inside the match does not matter; the path does.
    assert scan(b"def f(data):\n    return eval(  data )\n").findings[0].fingerprint != fps[0]  # text differs
    assert scan(b"x=eval(data)\n").findings[0].fingerprint == scan(b"y = eval(data)\n").findings[0].fingerprint
    assert (
        scan(b"x=eval(data)\n", path="b.py").findings[0].fingerprint != scan(b"x=eval(data)\n").findings[0].fingerprint
    )


def test_deep_nesting_does_not_recurse():
    depth = 10_000
    code = b"x = eval(" + b"(" * depth + b"a" + b")" * depth + b")\n"
    out = scan(code)
    assert "py.eval-non-constant" in ids(out)
    js = b"eval(" + b"[" * depth + b"a" + b"]" * depth + b");\n"
    scan(js, path="deep.js")  # must not raise RecursionError
    const = b"x = eval(" + b"(" * depth + b"'1'" + b")" * depth + b")\n"
    assert "py.eval-non-constant" not in ids(scan(const))
    assert sys.getrecursionlimit() < depth


def test_syntax_errors_are_reported_and_scan_goes_on():
    out = scan(b"def f(:\n    pass\nos.system(cmd)\n")
    assert out.has_syntax_errors


def test_typescript_and_tsx_are_scanned():
    assert ids(scan(b"const x: string = eval(input);\n", path="a.ts")) == ["js.eval-non-constant"]
    out = scan(
        b"export const C = (p: {h: string}) => <div dangerouslySetInnerHTML={{ __html: p.h }} />;\n", path="a.tsx"
    )
    assert ids(out) == ["js.react-dangerously-set-inner-html"]


STDLIB = sorted(glob.glob(str(Path(sysconfig.get_paths()["stdlib"]) / "*.py")))


@pytest.mark.skipif(not STDLIB, reason="no CPython standard library sources here")
def test_stdlib_corpus_scans_without_errors_and_few_findings():
    srcs = [prepare(p, "", Path(p).read_bytes()) for p in STDLIB[:60]]
    total = 0
    for s in srcs:
        out = RULES.scan(s)
        total += len(out.findings)
        for f in out.findings:
            assert f.rule_id in RULES.by_id and f.range.end_byte >= f.range.start_byte
    assert total < 5 * len(srcs)  # the rules are not noisy on ordinary code
