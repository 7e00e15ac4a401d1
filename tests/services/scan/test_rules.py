"""Every shipped rule: it loads, compiles for each listed language, and its examples behave.

Examples live next to each rule in services/scan/rules/*.toml ([[rules.examples]]): each
`vulnerable` snippet must trigger the rule, each `safe` twin must not.
"""

from __future__ import annotations

import pytest

from codeintel.kernel import vocab
from codeintel.kernel.source import prepare
from services.scan import engine

RULES = engine.RuleSet.load()
EXAMPLES = {(e.rule_id, e.language): e for e in RULES.examples}
_EXT = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "go": "go", "java": "java"}


def _hits(rule_id: str, language: str, code: str) -> list[engine.FindingInfo]:
    src = prepare(f"example.{_EXT[language]}", language, code.encode())
    return RULES.scan(src, rule_ids=[rule_id], include_suppressed=True).findings


def test_at_least_30_rules_over_python_and_javascript_family():
    assert len(RULES.rules) >= 30
    assert len(RULES.rules_for("python")) >= 15
    assert len(RULES.rules_for("javascript")) >= 15
    assert {"python", "javascript", "typescript", "tsx"} <= RULES.languages


PATTERN_RULES = [r for r in RULES.rules if not r.dataflow]  # taint rules have no query


@pytest.mark.parametrize("rule", PATTERN_RULES, ids=lambda r: r.id)
def test_rule_compiles_for_every_listed_language(rule):
    from tree_sitter import Query

    from codeintel.kernel.languages import get_language

    for lang in rule.languages:
        q = Query(get_language(lang), rule.query)
        assert q.pattern_count >= 1
        assert "match" in {q.capture_name(i) for i in range(q.capture_count)}


def test_combined_queries_compile_and_map_every_pattern():
    for lang in sorted(RULES.languages):
        compiled = RULES._compiled_for(lang)
        assert compiled.query.pattern_count == len(compiled.pattern_rule)
        assert {r.id for r in compiled.pattern_rule} == {r.id for r in RULES.rules_for(lang) if not r.dataflow}


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_metadata_is_meaningful(rule):
    assert rule.cwe.startswith("CWE-")
    assert rule.severity in vocab.SEVERITIES and rule.confidence in vocab.CONFIDENCES
    assert len(rule.message) >= 40, "the message says what is wrong and how to fix it"
    prefix = rule.id.split(".")[0]
    assert prefix in ("py", "js", "go", "java", "common")
    if prefix == "py":
        assert rule.languages == ("python",)
    if prefix in ("go", "java"):
        assert rule.languages == (prefix,)
    if prefix == "js":
        assert set(rule.languages) <= {"javascript", "typescript", "tsx"}


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_every_rule_has_vulnerable_and_safe_examples(rule):
    mine = [e for e in RULES.examples if e.rule_id == rule.id]
    assert any(e.vulnerable for e in mine), f"{rule.id} has no vulnerable example"
    assert any(e.safe for e in mine), f"{rule.id} has no safe twin"


@pytest.mark.parametrize("example", RULES.examples, ids=lambda e: f"{e.rule_id}[{e.language}]")
def test_examples(example):
    flow = RULES.by_id[example.rule_id].dataflow
    for code in example.vulnerable:
        hits = _hits(example.rule_id, example.language, code)
        assert hits, f"{example.rule_id} missed vulnerable {example.language} example:\n{code}"
        for f in hits:
            assert f.rule_id == example.rule_id and not f.suppressed
            if flow:  # a taint finding shows its path: source first, the sink call last
                assert len(f.flow) >= 2 and f.flow[-1].range == f.range, f.flow
                assert f.flow[0].message.endswith("read here") and f.flow[-1].message.startswith("reaches ")
    for code in example.safe:
        hits = _hits(example.rule_id, example.language, code)
        assert not hits, f"{example.rule_id} flagged safe {example.language} example:\n{code}\n{hits}"


def test_constant_sink_arguments_are_not_findings():
    src = prepare(
        "a.py",
        "",
        b'import os, subprocess\nos.system("ls")\nsubprocess.run(["ls"], shell=False)\n'
        b'eval("1 + 2")\nos.popen("uptime")\n',
    )
    assert RULES.scan(src).findings == []


def test_vulnerable_examples_of_js_rules_also_trigger_in_typescript_grammars():
    # The typescript and tsx grammars differ from javascript's: a rule listing them must
    # still find its javascript example there (when the snippet is valid TypeScript, no JSX).
    for e in RULES.examples:
        if e.language != "javascript" or "<" in "".join(e.vulnerable):
            continue
        rule = RULES.by_id[e.rule_id]
        for lang in ("typescript", "tsx"):
            if lang in rule.languages:
                for code in e.vulnerable:
                    assert _hits(e.rule_id, lang, code), f"{e.rule_id} misses its example as {lang}"


def test_taint_rules_are_listed_with_dataflow_and_high_confidence():
    flows = [r for r in RULES.rules if r.dataflow]
    assert {"py.taint.sql-injection", "js.taint.command-injection"} <= {r.id for r in flows}
    for r in flows:
        assert r.confidence == "high" and r.query == "" and r.predicate is None
        assert r in RULES.describe(r.languages[0])
