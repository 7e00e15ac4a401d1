"""The scan engine: loading, filters, suppression, fingerprints, robustness and speed-ups."""

from __future__ import annotations

import glob
import sys
from pathlib import Path

import pytest

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
    assert set(engine.SEVERITIES) == {"info", "low", "medium", "high", "critical"}
    assert engine.CONFIDENCES == ("low", "medium", "high")


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


@pytest.mark.parametrize(
    "comment",
    [
        b"# nosec",
        b"# codeintel-ignore",
        b"# codeintel-ignore: py.eval-non-constant",
        b"# codeintel-ignore: py.weak-hash, py.eval-non-constant",
        b"#nosec B307",
    ],
)
def test_suppression_on_same_line(comment):
    code = b"x = eval(data)  " + comment + b"\n"
    out = scan(code)
    assert out.findings == [] and out.suppressed_count == 1
    out = scan(code, include_suppressed=True)
    assert [f.suppressed for f in out.findings] == [True] and out.suppressed_count == 1


def test_suppression_on_line_above_and_for_other_rules():
    assert scan(b"# nosec\nx = eval(data)\n").suppressed_count == 1
    assert scan(b"# codeintel-ignore: py.eval-non-constant\nx = eval(data)\n").findings == []
    # Naming another rule does not suppress this one.
    out = scan(b"x = eval(data)  # codeintel-ignore: py.weak-hash\n")
    assert ids(out) == ["py.eval-non-constant"] and out.suppressed_count == 0
    # A trailing comment on the code line above belongs to that line.
    out = scan(b"y = 1  # nosec\nx = eval(data)\n")
    assert ids(out) == ["py.eval-non-constant"]
    # The marker inside a string is not a comment.
    assert ids(scan(b'x = eval(data + "nosec")\n')) == ["py.eval-non-constant"]


def test_js_suppression_comments():
    assert scan(b"eval(code); // nosec\n", path="a.js").suppressed_count == 1
    assert scan(b"// codeintel-ignore: js.eval-non-constant\neval(code);\n", path="a.js").findings == []
    assert scan(b"eval(code); // codeintel-ignore: js.new-function\n", path="a.js").suppressed_count == 0


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


def _write_rule(tmp_path: Path, body: str) -> Path:
    (tmp_path / "r.toml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD = """[[rules]]
id = "py.test-eval"
languages = ["python"]
cwe = "CWE-95"
severity = "high"
confidence = "high"
message = "eval is bad; do not use it on data."
query = '((call function: (identifier) @f) @match (#eq? @f "eval"))'
"""


def test_load_from_directory(tmp_path):
    rs = engine.RuleSet.load(_write_rule(tmp_path, GOOD))
    assert [r.id for r in rs.rules] == ["py.test-eval"] and rs.languages == frozenset({"python"})
    assert [f.rule_id for f in rs.scan(prepare("a.py", "", b"eval(1)\n")).findings] == ["py.test-eval"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("[[rules]\nid = 1", "not valid TOML"),
        (GOOD + 'colour = "red"\n', "unknown field(s) colour"),
        (GOOD.replace('"python"]', '"python", "javascript"]'), "does not compile for javascript"),
        (GOOD + 'predicate = "is_evil"\n', "unknown predicate 'is_evil'"),
        (GOOD + 'predicate = "non_constant"\nargs = { capture = "f", frobnicate = 1 }\n', "frobnicate"),
        (GOOD.replace('severity = "high"', 'severity = "severe"'), "severity must be one of"),
        (GOOD.replace('"CWE-95"', '"95"'), "cwe must look like"),
        (GOOD.replace("@match ", ""), "no @match capture"),
        (GOOD + GOOD, "duplicate id"),
        (GOOD.replace('["python"]', '["klingon"]'), "unknown language"),
    ],
)
def test_load_errors_name_file_and_rule(tmp_path, body, message):
    with pytest.raises(engine.RuleLoadError) as exc:
        engine.RuleSet.load(_write_rule(tmp_path, body))
    assert message in str(exc.value)
    assert "r.toml" in str(exc.value)
    if "TOML" not in message:
        assert "py.test-eval" in str(exc.value)


@pytest.mark.parametrize("gap,share", [(256, 1.0), (1, 1e9), (1, 0.0)])
def test_prefilter_gives_identical_findings(monkeypatch, gap, share):
    """Prefiltered scans (ranged runs merged or one per occurrence, or whole-file walks) find exactly
    what one query over the whole file finds, on every rule example."""
    full = engine.RuleSet.load(engine.RULES_DIR)
    assert full is not RULES and RULES.prefilter
    full.prefilter = False
    monkeypatch.setattr(engine, "_RANGE_GAP", gap)
    monkeypatch.setattr(engine, "_FULL_WALK_SHARE", share)
    ext = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "go": "go", "java": "java"}
    for e in RULES.examples:
        for code in e.vulnerable + e.safe:
            src = prepare(f"x.{ext[e.language]}", e.language, code.encode())
            assert RULES.scan(src) == full.scan(src), (e.rule_id, code)
            padded = prepare(src.path, e.language, b"\n" * 300 + code.encode() + b"\n" * 300)
            assert RULES.scan(padded) == full.scan(padded), (e.rule_id, code)


STDLIB = sorted(glob.glob(str(Path(sys.base_prefix) / "lib" / "python3.*" / "*.py")))


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


@pytest.mark.skipif(not STDLIB, reason="no CPython standard library sources here")
def test_prefilter_gives_identical_findings_on_stdlib():
    full = engine.RuleSet.load(engine.RULES_DIR)
    full.prefilter = False
    for p in STDLIB[::8]:
        src = prepare(p, "", Path(p).read_bytes())
        assert RULES.scan(src, include_suppressed=True) == full.scan(src, include_suppressed=True), p


@pytest.mark.parametrize(
    "comment,suppressed",
    [
        (b"# codeintel-ignore py.eval-non-constant", True),
        (b"# codeintel-ignore py.weak-hash py.eval-non-constant", True),
        (b"# codeintel-ignore py.weak-hash", False),
        (b"# codeintel-ignore because the input is trusted", True),  # no rule ids: every rule
    ],
)
def test_ignore_without_colon(comment, suppressed):
    out = scan(b"x = eval(data)  " + comment + b"\n")
    assert (out.suppressed_count == 1) is suppressed and (out.findings == []) is suppressed


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"^(\w+\s?)*$",
        r"(.*)*x",
        r"(\d|\w)*",
        r"([a-z0-9]+)*@",
        r"^(\w+\d)+$",
        r"(.|\s)+$",
    ],
)
def test_redos_prone_patterns_are_reported(pattern):
    assert engine.redos_prone(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[a-z]+$",
        r"^(a|b)*$",
        r"\d{1,3}(\.\d{1,3}){3}",
        r"(?>a+)+",
        r"^\w+@\w+\.com$",
        r"(a++)+",
        "(" * 100 + "a" + ")" * 100,
        "[",
    ],
)
def test_linear_patterns_are_not_reported(pattern):
    assert not engine.redos_prone(pattern)
