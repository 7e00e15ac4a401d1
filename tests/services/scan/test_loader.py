"""Loading rules from a directory (loader.py, rules.py): a good rule file loads and scans; every
kind of broken rule fails at load with a message naming the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeintel.kernel.source import prepare
from services.scan import engine
from services.scan.rules import RuleLoadError


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
        (GOOD + 'colour = "red"\n', 'field "colour": unknown field'),
        (GOOD.replace('"python"]', '"python", "javascript"]'), 'field "query": does not compile for javascript'),
        (GOOD + 'predicate = "is_evil"\n', 'field "predicate": unknown predicate "is_evil"'),
        (GOOD + 'predicate = "non_constant"\nargs = { capture = "f", frobnicate = 1 }\n', "frobnicate"),
        (GOOD.replace('severity = "high"', 'severity = "severe"'), 'field "severity": "severe" is not one of'),
        (GOOD.replace('"CWE-95"', '"95"'), 'field "cwe": "95" must look like'),
        (GOOD.replace("@match ", ""), 'field "query": has no @match capture'),
        (GOOD + GOOD, "duplicate id"),
        (GOOD.replace('["python"]', '["klingon"]'), "unknown language"),
    ],
)
def test_load_errors_name_file_and_rule(tmp_path, body, message):
    with pytest.raises(RuleLoadError) as exc:
        engine.RuleSet.load(_write_rule(tmp_path, body))
    assert message in str(exc.value)
    assert "r.toml" in str(exc.value)
    if "TOML" not in message:
        assert "py.test-eval" in str(exc.value)
