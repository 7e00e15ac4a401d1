"""Taint specs (taint/spec.py): the shipped specs load; a custom spec directory loads beside custom rules;
every kind of broken spec fails with a message naming the file; the version hashes the specs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codeintel.kernel.source import prepare
from services.scan import engine, taint
from services.scan.rules import RULES_DIR, RuleLoadError
from services.scan.taint import TAINT_DIR


def test_shipped_specs_live_in_the_specs_folder():
    assert TAINT_DIR.name == "specs" and TAINT_DIR.parent.name == "taint"
    shipped = {p.name for p in taint.spec_files(TAINT_DIR)}
    assert {"go.toml", "java.toml", "javascript.toml", "python.toml"} <= shipped


def test_version_covers_taint_specs(tmp_path):
    assert taint.spec_files(TAINT_DIR)
    copy = tmp_path / "taint"
    shutil.copytree(TAINT_DIR, copy)
    before = engine.version_of(RULES_DIR, copy)
    assert before == engine.VERSION  # the shipped version hashes the shipped specs
    assert engine.version_of(RULES_DIR, copy) == before
    spec = copy / "python.toml"
    spec.write_text(spec.read_text() + "\n# changed\n")
    assert engine.version_of(RULES_DIR, copy) != before  # cache keys change with the specs


GOOD_SPEC = """
languages = ["python"]
prefix = "py"
[[sources]]
names = ["request.args"]
message = "request data read here"
[[rules]]
kind = "sql-injection"
cwe = "CWE-89"
severity = "high"
message = "Untrusted input reaches SQL text; use parameters instead of formatting values in."
[[rules.sinks]]
calls = ["*.execute"]
"""


def _spec_dir(tmp_path: Path, body: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.toml").write_text(
        '[[rules]]\nid = "py.test-eval"\nlanguages = ["python"]\ncwe = "CWE-95"\nseverity = "high"\n'
        'confidence = "high"\nmessage = "eval is bad; do not use it on data, ever."\n'
        "query = '((call function: (identifier) @f) @match (#eq? @f \"eval\"))'\n"
    )
    specs = tmp_path / "taint"
    specs.mkdir()
    (specs / "py.toml").write_text(body)
    return rules


def test_custom_taint_directory_loads(tmp_path):
    rules = _spec_dir(tmp_path, GOOD_SPEC)
    rs = engine.RuleSet.load(rules, tmp_path / "taint")
    assert sorted(r.id for r in rs.rules) == ["py.taint.sql-injection", "py.test-eval"]
    out = rs.scan(prepare("a.py", "", b"q = request.args['q']\ncur.execute(q)\n"))
    assert [f.rule_id for f in out.findings] == ["py.taint.sql-injection"]
    assert [r.id for r in engine.RuleSet.load(rules).rules] == ["py.test-eval"]  # no taint unless asked


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s + "colour = 1\n", "unknown key(s) colour"),
        (lambda s: s.replace('"CWE-89"', '"89"'), "cwe must look like"),
        (lambda s: s.replace('severity = "high"', 'severity = "dire"'), "severity must be one of"),
        (lambda s: s.replace('["python"]', '["klingon"]'), "unknown language 'klingon'"),
        (lambda s: s.replace('kind = "sql-injection"', 'kind = "SQL"'), "kind must be"),
        (
            lambda s: s.replace('calls = ["*.execute"]', "args = [0]"),
            "needs calls, properties, returns_from or subscripts",
        ),
        (lambda s: s.replace('calls = ["*.execute"]', 'calls = ["*.execute"]\nargs = [-1]'), "args must be"),
        (lambda s: s + '[[sanitizers]]\nnames = ["int"]\nkinds = ["xss"]\n', "unknown kind(s) xss"),
        (lambda s: s.replace('names = ["request.args"]', 'names = "request.args"'), "names must be a list"),
        (lambda s: s + "[[rules", "not valid TOML"),
        (lambda s: s.replace('prefix = "py"', 'prefix = "py"\nunknown_calls = "guess"'), "unknown_calls must be"),
        (
            lambda s: s.replace(
                'message = "request data', 'not_for = ["sql-injection"]\nonly_for = []\nmessage = "request data'
            ),
            "not_for or only_for, not both",
        ),
        (
            lambda s: s.replace('message = "request data', 'only_for = ["xss"]\nmessage = "request data'),
            "unknown kind(s) xss",
        ),
        (
            lambda s: s.replace('cwe = "CWE-89"', 'cwe = "CWE-89"\nown_sources = "yes"'),
            "own_sources must be true or false",
        ),
        (
            lambda s: s.replace('calls = ["*.execute"]', 'calls = ["*.execute"]\nunless = { "0" = "(" }'),
            "bad regex in unless",
        ),
        (lambda s: s.replace('calls = ["*.execute"]', 'subscripts = ["("]'), "bad regex in subscripts"),
        (
            lambda s: s.replace('calls = ["*.execute"]', 'calls = ["*.execute"]\nreceiver = 1'),
            "receiver must be true or false",
        ),
        (
            lambda s: s.replace('calls = ["*.execute"]', 'calls = ["*.execute"]\nshell_list = "y"'),
            "shell_list must be true or false",
        ),
        (
            lambda s: s.replace('names = ["request.args"]', 'names = ["request.args"]\nsignatures = ["event"]'),
            "signatures must be a list of parameter-name lists",
        ),
    ],
)
def test_spec_errors_name_the_file(tmp_path, edit, message):
    rules = _spec_dir(tmp_path, edit(GOOD_SPEC))
    with pytest.raises(RuleLoadError) as exc:
        engine.RuleSet.load(rules, tmp_path / "taint")
    assert message in str(exc.value) and "taint/py.toml" in str(exc.value)


def test_taint_rule_id_clashing_with_a_pattern_rule_is_rejected(tmp_path):
    rules = _spec_dir(
        tmp_path,
        GOOD_SPEC.replace('kind = "sql-injection"', 'kind = "test-eval"').replace('prefix = "py"', 'prefix = "py"'),
    )
    (rules / "r.toml").write_text((rules / "r.toml").read_text().replace("py.test-eval", "py.taint.test-eval"))
    with pytest.raises(RuleLoadError, match="duplicate id"):
        engine.RuleSet.load(rules, tmp_path / "taint")
