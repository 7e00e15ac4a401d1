"""Custom scan rules (services/scan/custom.py): every field validated with an error naming the file, the
rule and the field; TOML and YAML alike; id collisions; query compile errors with their position;
examples that fail; the limits; and the same rules through a real scan worker process (Scan, ScanBatch,
ListRules: findings under the custom id, filters, suppression, SARIF, INVALID_ARGUMENT with a
BadRequest naming the field)."""

from __future__ import annotations

import json
import sys

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.kernel import procs
from codeintel.kernel.source import prepare
from codeintel.v1 import common_pb2, scan_pb2, scan_pb2_grpc
from services.scan import custom, engine

BASE = engine.RuleSet.load()

TOML = """
[[rules]]
id = "acme.raw-sql"
languages = ["python"]
cwe = "CWE-89"
severity = "high"
confidence = "medium"
message = "SQL text built at run time is passed to db.raw(); pass parameters instead."
query = '''
((call function: (attribute attribute: (identifier) @m) arguments: (argument_list . (_) @arg)) @match
 (#eq? @m "raw"))
'''
predicate = "non_constant"

[[rules.examples]]
language = "python"
vulnerable = "db.raw('select * from t where id = ' + uid)"
safe = "db.raw('select 1')"
"""

YAML = """
rules:
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
        vulnerable: "db.raw('select * from t where id = ' + uid)"
        safe: "db.raw('select 1')"
"""

CODE = b"import subprocess\nuid = input()\ndb.raw('select * from t where id = ' + uid)\ndb.raw('select 1')\n"


def _error(files: list[tuple[str, str]]) -> custom.CustomRuleError:
    with pytest.raises(custom.CustomRuleError) as exc:
        custom.build([custom.RuleText(p, c) for p, c in files], BASE)
    return exc.value


def _yaml(old: str, new: str) -> str:
    assert old in YAML, old
    return YAML.replace(old, new)


# --------------------------------------------------------------------------- validation (domain)


@pytest.mark.parametrize("path, text", [("rules/sql.toml", TOML), ("rules/sql.yaml", YAML), ("sql.yml", YAML)])
def test_toml_and_yaml_give_the_same_rule_and_findings(path, text):
    rs = custom.build([custom.RuleText(path, text)], BASE)
    rule = rs.by_id["acme.raw-sql"]
    assert rule.custom and rule.source == path
    assert (rule.cwe, rule.severity, rule.confidence, rule.owasp) == ("CWE-89", "high", "medium", "A03:2021-Injection")
    out = rs.scan(prepare("app.py", "", CODE))
    mine = [f for f in out.findings if f.rule_id == "acme.raw-sql"]
    assert [f.range.start_line for f in mine] == [2]  # the constant on line 3 (0-based) is not a finding
    assert out.rules_evaluated == len(BASE.rules_for("python")) + 1
    assert BASE.by_id.get("acme.raw-sql") is None  # the shipped set is left as it was


@pytest.mark.parametrize(
    "old, new, field, says",
    [
        ("severity: high", "severity: urgent", "severity", '"urgent" is not one of info, low, medium, high, critical'),
        ("confidence: medium", "confidence: sure", "confidence", '"sure" is not one of low, medium, high'),
        ("cwe: CWE-89", "cwe: 89", "cwe", "must be a non-empty string"),
        ("cwe: CWE-89", "cwe: SQLI", "cwe", 'must look like "CWE-78"'),
        ("cwe: CWE-89", "cwe: CWE-89\n    owasp: A11", "owasp", "is not one"),
        ("languages: [python]", "languages: python", "languages", "must be a non-empty list"),
        ("languages: [python]", "languages: [python, klingon]", "languages", "unknown language 'klingon'"),
        ("    message: SQL", "    colour: red\n    message: SQL", "colour", "unknown field"),
        ("    cwe: CWE-89\n", "", "cwe", "missing (required)"),
        ("predicate: non_constant", "predicate: is_evil", "predicate", 'unknown predicate "is_evil"'),
        ("predicate: non_constant", "predicate: non_constant\n    args: {frob: 1}", "args.frob", "takes no argument"),
        (
            "predicate: non_constant",
            "predicate: non_constant\n    args: {capture: 7}",
            "args.capture",
            "must be a string",
        ),
        ("predicate: non_constant", "predicate: non_constant\n    args: {capture: zz}", "args.capture", "@zz"),
        ("predicate: non_constant", "predicate: file_mentions\n    args: {pattern: '('}", "args.pattern", "regular"),
        ("predicate: non_constant", "args: {capture: arg}", "args", "without a predicate"),
        ("@match", "@hit", "query", "no @match capture"),
        ("      - language: python", "      - language: go", "examples[0].language", "not in the rule's languages"),
        ("        safe:", "        unsafe:", "examples[0].unsafe", "unknown field"),
    ],
)
def test_each_field_error_names_file_rule_and_field(old, new, field, says):
    err = _error([("rules/sql.yaml", _yaml(old, new))])
    assert err.index == 0 and err.field == field
    assert str(err).startswith(f'rules/sql.yaml: rule "acme.raw-sql": field "{field}": ')
    assert says in str(err)


def test_a_rule_without_a_valid_id_is_named_by_its_position():
    err = _error([("r.yaml", _yaml("id: acme.raw-sql", "id: Raw SQL"))])
    assert str(err).startswith('r.yaml: rule #1: field "id": "Raw SQL" is not a valid id')
    two = YAML + "  - {id: acme.other, languages: [python], severity: low, confidence: low, message: m, query: q}\n"
    err = _error([("r.yaml", two)])
    assert str(err).startswith('r.yaml: rule "acme.other": field "cwe": missing')


def test_query_compile_errors_say_where():
    err = _error([("q.yaml", _yaml("(#eq? @m", "(#eq? @mm"))])
    assert err.field == "query"
    assert "does not compile for python: Invalid capture name 'mm' at line 2, column 9 of the query" in str(err)
    err = _error([("q.toml", TOML.replace("(call function", "(cal function"))])
    assert "Invalid node type 'cal' at line 1, column 3 of the query" in str(err)  # TOML drops the first newline


def test_syntax_errors_of_the_file_say_where():
    assert "not valid YAML" in str(_error([("r.yaml", "rules: [\n")])) and "line 2" in str(
        _error([("r.yaml", "rules: [\n")])
    )
    assert "not valid TOML" in str(_error([("r.toml", "[[rules]\n")]))
    assert "only one key, `rules:`" not in str(_error([("r.yaml", "- 1\n")]))
    assert "unknown rule file format" in str(_error([("r.json", "{}")]))


def test_ids_must_not_collide_nor_take_a_shipped_prefix():
    err = _error([("r.yaml", _yaml("acme.raw-sql", "py.subprocess-shell-true"))])
    assert err.field == "id" and "collides with a shipped rule" in str(err)
    err = _error([("r.yaml", _yaml("acme.raw-sql", "py.raw-sql"))])
    assert "prefix 'py' is reserved" in str(err) and "acme.raw-sql" in str(err)
    err = _error([("a.toml", TOML), ("b.yaml", YAML)])
    assert err.index == 1 and str(err) == 'b.yaml: rule "acme.raw-sql": field "id": duplicate id (also in a.toml)'


def test_examples_must_behave():
    err = _error([("r.yaml", _yaml("safe: \"db.raw('select 1')\"", "safe: \"db.raw('select ' + x)\""))])
    assert err.field == "examples[0].safe" and "is flagged at line 1" in str(err)
    err = _error(
        [("r.yaml", _yaml("vulnerable: \"db.raw('select * from t where id = ' + uid)\"", 'vulnerable: "x = 1"'))]
    )
    assert err.field == "examples[0].vulnerable" and "is not flagged" in str(err)
    assert str(err).startswith('r.yaml: rule "acme.raw-sql": ')


def test_limits():
    files = [custom.RuleText(f"r{i}.yaml", "rules: []\n") for i in range(custom.MAX_FILES + 1)]
    with pytest.raises(custom.CustomRuleError, match=f"the limit is {custom.MAX_FILES}"):
        custom.build(files, BASE)
    big = "# " + "x" * custom.MAX_BYTES + "\nrules: []\n"
    err = _error([("a.yaml", "rules: []\n"), ("big.yaml", big)])
    assert err.index == 1 and "256 KiB" in str(err)
    one = YAML.split("rules:\n", 1)[1].replace("    examples:", "    x-examples:").split("    x-examples:")[0]
    many = "rules:\n" + "".join(one.replace("acme.raw-sql", f"acme.r{i}") for i in range(custom.MAX_RULES + 1))
    err = _error([("many.yaml", many)])
    assert f"more than {custom.MAX_RULES} custom rules" in str(err)


def test_the_cache_compiles_each_set_once_and_remembers_failures():
    cache = custom.CustomRuleCache(BASE, size=2)
    a, b = [custom.RuleText("a.yaml", YAML)], [custom.RuleText("b.toml", TOML)]
    assert cache.get([]) is BASE
    first = cache.get(a)
    assert cache.get(list(a)) is first and cache.builds == 1
    cache.get(b)
    bad = [custom.RuleText("bad.yaml", "rules: [")]
    for _ in range(2):
        with pytest.raises(custom.CustomRuleError):
            cache.get(bad)
    assert cache.builds == 3  # a, b, bad: each once
    cache.get(a)  # evicted (size 2): compiled again
    assert cache.builds == 4


# --------------------------------------------------------------------------- a real scan worker


@pytest.fixture(scope="module")
def scan_stub():
    proc = procs.spawn([sys.executable, "-m", "services.scan", "--port", "0"])
    try:
        address = procs.wait_ready(proc, 60)["address"]
        ch = grpc.insecure_channel(address)
        yield scan_pb2_grpc.ScanServiceStub(ch)
        ch.close()
    finally:
        procs.terminate([proc], 10)


def _violation(err: grpc.RpcError) -> tuple[str, str]:
    status = rpc_status.from_call(err)
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    return bad.field_violations[0].field, bad.field_violations[0].description


def _file(path: str = "app.py", content: bytes = CODE) -> common_pb2.SourceFile:
    return common_pb2.SourceFile(path=path, content=content)


def test_worker_scan_reports_custom_findings_and_sarif(scan_stub):
    rules = [scan_pb2.RuleFile(path=".codeintel/rules/sql.yaml", content=YAML)]
    resp = scan_stub.Scan(
        scan_pb2.ScanRequest(file=_file(), options=scan_pb2.ScanOptions(custom_rules=rules, include_sarif=True)),
        timeout=30,
    )
    mine = [f for f in resp.result.findings if f.rule_id == "acme.raw-sql"]
    assert len(mine) == 1 and mine[0].cwe == "CWE-89" and mine[0].severity == scan_pb2.SEVERITY_HIGH
    assert len(mine[0].fingerprint) == 64
    listed = scan_stub.ListRules(scan_pb2.ListRulesRequest(language="python"), timeout=30)
    assert resp.result.rules_evaluated == len(listed.rules) + 1
    driver = json.loads(resp.sarif_json)["runs"][0]["tool"]["driver"]
    (desc,) = [r for r in driver["rules"] if r["id"] == "acme.raw-sql"]
    assert "custom" in desc["properties"]["tags"] and desc["properties"]["source"] == ".codeintel/rules/sql.yaml"
    assert desc["defaultConfiguration"]["level"] == "error"
    results = json.loads(resp.sarif_json)["runs"][0]["results"]
    assert [r["ruleIndex"] for r in results if r["ruleId"] == "acme.raw-sql"] == [driver["rules"].index(desc)]


def test_worker_filters_and_suppression_apply_to_custom_rules(scan_stub):
    rules = [scan_pb2.RuleFile(path="sql.toml", content=TOML)]

    def ids(content: bytes = CODE, **opts) -> list[str]:
        options = scan_pb2.ScanOptions(custom_rules=rules, **opts)
        resp = scan_stub.Scan(scan_pb2.ScanRequest(file=_file(content=content), options=options), timeout=30)
        return [f.rule_id for f in resp.result.findings]

    assert ids(rule_ids=["acme.raw-sql"]) == ["acme.raw-sql"]
    assert "acme.raw-sql" not in ids(exclude_rule_ids=["acme.raw-sql"])
    assert ids(rule_ids=["acme.raw-sql"], min_severity=scan_pb2.SEVERITY_CRITICAL) == []
    ignored = CODE.replace(b"+ uid)\n", b"+ uid)  # codeintel-ignore acme.raw-sql\n")
    assert ids(ignored, rule_ids=["acme.raw-sql"]) == []
    first = scan_stub.Scan(
        scan_pb2.ScanRequest(file=_file(), options=scan_pb2.ScanOptions(custom_rules=rules, rule_ids=["acme.raw-sql"])),
        timeout=30,
    ).result.findings[0]
    assert ids(rule_ids=["acme.raw-sql"], baseline_fingerprints=[first.fingerprint]) == []


def test_worker_refuses_a_bad_rule_set_naming_the_field(scan_stub):
    good = scan_pb2.RuleFile(path="a.toml", content=TOML.replace("acme.raw-sql", "acme.raw-sql-2"))
    bad = scan_pb2.RuleFile(path="rules/sql.yaml", content=_yaml("severity: high", "severity: urgent"))
    files = [_file(), _file("b.py", b"x = 1\n")]
    with pytest.raises(grpc.RpcError) as exc:  # the whole batch fails, not each file
        scan_stub.ScanBatch(
            scan_pb2.ScanBatchRequest(files=files, options=scan_pb2.ScanOptions(custom_rules=[good, bad])), timeout=30
        )
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    field, description = _violation(exc.value)
    assert field == "options.custom_rules[1]"
    assert description == (
        'rules/sql.yaml: rule "acme.raw-sql": field "severity": "urgent" is not one of info, low, medium, high, critical'
    )
    with pytest.raises(grpc.RpcError) as exc:
        scan_stub.ListRules(scan_pb2.ListRulesRequest(custom_rules=[bad]), timeout=30)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT and _violation(exc.value)[0] == "custom_rules[0]"


def test_worker_lists_custom_rules(scan_stub):
    rules = [scan_pb2.RuleFile(path="sql.yaml", content=YAML)]
    listed = scan_stub.ListRules(scan_pb2.ListRulesRequest(custom_rules=rules), timeout=30)
    mine = [r for r in listed.rules if r.custom]
    assert [(r.id, r.source, list(r.languages)) for r in mine] == [("acme.raw-sql", "sql.yaml", ["python"])]
    assert not any(r.custom for r in listed.rules if r.id != "acme.raw-sql")
    assert [r.id for r in listed.rules] == sorted(r.id for r in listed.rules)
    batch = scan_stub.ScanBatch(
        scan_pb2.ScanBatchRequest(
            files=[_file(), _file("b.py", b"x = 1\n")], options=scan_pb2.ScanOptions(custom_rules=rules)
        ),
        timeout=30,
    )
    assert [[f.rule_id for f in r.result.findings if f.rule_id.startswith("acme.")] for r in batch.results] == [
        ["acme.raw-sql"],
        [],
    ]


def test_building_stops_at_the_deadline_and_is_not_remembered():
    from codeintel.kernel import errors
    from codeintel.kernel.budget import Budget

    cache = custom.CustomRuleCache(BASE)
    files = [custom.RuleText("a.yaml", YAML)]
    with pytest.raises(errors.DeadlineExceeded, match="compiled and checked"):
        cache.get(files, Budget(10.0, caller_remaining=0.0))  # the caller's time is already up
    with pytest.raises(errors.InvalidInput, match="server's limit of 0 s"):
        custom.build(files, BASE, Budget(0.0))
    assert "acme.raw-sql" in cache.get(files, Budget(10.0, caller_remaining=10.0)).by_id  # built now
    assert cache.builds == 2


def test_the_documented_examples_are_valid_and_the_same_rule():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "scanner.md").read_text()
    section = doc[doc.index("## Custom rules") :]
    found = re.findall(r"```(toml|yaml)\n(.*?)```", section, re.S)
    assert len(found) == 3  # the rule in TOML and YAML, then as an ast-grep pattern
    assert "acme.popen" in custom.build([custom.RuleText("doc.yaml", found[2][1])], BASE).by_id
    blocks = dict(found[:2])
    assert set(blocks) == {"toml", "yaml"}
    built = [custom.build([custom.RuleText(f"doc.{k}", v)], BASE).by_id["acme.raw-sql"] for k, v in blocks.items()]
    assert built[0].query.strip() == built[1].query.strip()
    assert [(r.cwe, r.severity, r.confidence, r.message, r.predicate) for r in built] == [
        (r.cwe, r.severity, r.confidence, r.message, r.predicate) for r in built[::-1]
    ]


PATTERN = """rules:
  - id: acme.popen
    languages: [python]
    cwe: CWE-78
    severity: high
    confidence: medium
    message: os.popen runs a shell; pass a list to subprocess.run instead.
    pattern: os.popen($CMD)
    predicate: non_constant
    args: {capture: CMD}
    examples:
      - language: python
        vulnerable: "os.popen('ls ' + d)"
        safe: "os.popen('ls')"
"""


def test_a_pattern_rule_finds_with_byte_ranges_and_its_predicate():
    rs = custom.build([custom.RuleText("p.yaml", PATTERN)], BASE)
    code = "x = '😀é'  # non-ASCII before the match\nos.popen('ls ' + d)\nos.popen('ls')  # constant: no finding\n"
    mine = [f for f in rs.scan(prepare("a.py", "", code.encode())).findings if f.rule_id == "acme.popen"]
    assert [(f.range.start_line, f.range.start_col, f.range.end_col) for f in mine] == [(1, 0, 19)]
    assert mine[0].snippet == "os.popen('ls ' + d)"
    first = "x = '😀é'; os.popen('ls ' + d)\n"  # the match after multi-byte characters on its own line
    (f,) = [f for f in rs.scan(prepare("a.py", "", first.encode())).findings if f.rule_id == "acme.popen"]
    assert first.encode()[f.range.start_byte : f.range.end_byte] == b"os.popen('ls ' + d)"


@pytest.mark.parametrize(
    "old, new, field, says",
    [
        ("capture: CMD", "capture: X", "args.capture", "metavariables: $CMD"),
        ("pattern: os.popen($CMD)", "pattern: os.popen($CMD)\n    query: '(call) @match'", "pattern", "not both"),
        ("    pattern: os.popen($CMD)\n", "", "query", "missing"),
        ("languages: [python]", "languages: [python, ruby]", "languages", "pattern rules support"),
    ],
)
def test_pattern_rule_errors(old, new, field, says):
    err = _error([("p.yaml", PATTERN.replace(old, new))])
    assert err.field == field and says in str(err), str(err)


def test_a_pattern_rule_needs_an_example_that_it_matches():
    no_examples = PATTERN.split("    examples:")[0]
    assert _error([("p.yaml", no_examples)]).field == "examples"
    other = PATTERN.replace("pattern: os.popen($CMD)", "pattern: os.system($CMD)")  # valid, but not what it means
    err = _error([("p.yaml", other)])
    assert err.field == "examples[0].vulnerable" and "is not flagged" in str(err), str(err)


GO_PATTERN = """rules:
  - id: acme.go-exit
    languages: [go]
    cwe: CWE-705
    owasp: A04:2021-Insecure Design
    severity: low
    confidence: high
    message: os.Exit skips deferred calls; return an error to main instead.
    pattern: os.Exit($CODE)
    examples:
      - language: go
        vulnerable: "package main\\nimport \\"os\\"\\nfunc main() {\\n\\tos.Exit(1)\\n}\\n"
        safe: "package main\\nfunc main() {\\n\\treturn\\n}\\n"
"""


def test_a_go_statement_pattern_runs_inside_a_function_body():
    """As code_query runs it: at the top of a Go file a call does not parse as one, inside a body it does."""
    rs = custom.build([custom.RuleText("go.yaml", GO_PATTERN)], BASE)
    code = b'package main\n\nimport "os"\n\nfunc main() {\n\tdefer cleanup()\n\tos.Exit(2)\n}\n'
    mine = [f for f in rs.scan(prepare("main.go", "", code)).findings if f.rule_id == "acme.go-exit"]
    assert [(f.range.start_line, f.range.start_col, f.snippet.strip()) for f in mine] == [(6, 1, "os.Exit(2)")]


def test_a_pattern_that_is_not_code_is_refused_with_its_position():
    """ast-grep would match nothing with it; the check code_query makes refuses it instead."""
    broken = PATTERN.replace("pattern: os.popen($CMD)", "pattern: 'os.popen(('")
    err = _error([("p.yaml", broken)])
    assert err.field == "pattern" and "invalid pattern for python at 1:" in str(err), str(err)


def test_worker_runs_a_pattern_rule(scan_stub):
    options = scan_pb2.ScanOptions(custom_rules=[scan_pb2.RuleFile(path="p.yaml", content=PATTERN)])
    resp = scan_stub.Scan(
        scan_pb2.ScanRequest(file=_file(content=b"import os\nos.popen(cmd)\n"), options=options), timeout=30
    )
    assert [(f.rule_id, f.range.start.line) for f in resp.result.findings if f.rule_id.startswith("acme.")] == [
        ("acme.popen", 1)
    ]
