"""Custom scan rules through a REAL stack (`codeintel up`: coordinator + one worker per service, on
loopback): RunRepository picks up the repository's `.codeintel/rules/` (after the rules sent) and says so
in its summary, a broken rule refuses the run before any event; Scan/ScanBatch/ListRules with custom
rules (a bad set fails the call with a BadRequest naming the field; SARIF lists the custom rules); the
cache never serves one rule set's results for another; tenants are billed the rules' bytes."""

from __future__ import annotations

import json

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, scan_pb2
from codeintel.v1 import coordinator_pb2 as pb
from coordinator.operations import SCAN
from coordinator.tenants import hash_key

KEY, TINY = "ci_rules-acme-key-0123456789", "ci_rules-tiny-key-0123456789"

YAML = """rules:
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
        vulnerable: "db.raw('select ' + x)"
        safe: "db.raw('select 1')"
"""
TOML = """[[rules]]
id = "acme.pickle-load"
languages = ["python"]
cwe = "CWE-502"
severity = "medium"
confidence = "low"
message = "Our wrapper unpickles whatever it is given; load trusted files only."
query = '((call function: (identifier) @f) @match (#eq? @f "load_blob"))'
"""
APP = "db.raw('select * from t where id = ' + uid)\nload_blob(data)\n"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("rules-root")


@pytest.fixture(scope="module")
def stack(root, tmp_path_factory):
    tenants = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    tenants.write_text(f"""
[tiers.standard]
rate = 1000
burst = 1000
[tiers.tiny]
rate = 1000
burst = 1000
bytes_per_second = 10
bytes_burst = 1500
[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(KEY)}"]
[[tenants]]
id = "tiny"
tier = "tiny"
keys = ["{hash_key(TINY)}"]
""")
    s = LocalStack(
        workers=1,
        extra_args=[f"--coordinator-arg=--repo-roots={root}", f"--coordinator-arg=--tenants-file={tenants}"],
    )
    s.start(timeout=120)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def stub(stack):
    ch = grpc.insecure_channel(stack.address)
    yield coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    ch.close()


def _md(key: str = KEY):
    return (("authorization", f"Bearer {key}"),)


def _repo(root, name: str, rules: dict[str, str]):
    repo = root / name
    (repo / ".codeintel" / "rules").mkdir(parents=True)
    (repo / "app.py").write_text(APP)
    for file, text in rules.items():
        (repo / ".codeintel" / "rules" / file).write_text(text)
    return repo


def _violation(err: grpc.RpcError) -> str:
    status = rpc_status.from_call(err)
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status.details)
    return bad.field_violations[0].field


def _run(stub, repo, **options):
    req = pb.CodeIntelServiceRunRepositoryRequest(
        operation=pb.REPOSITORY_OPERATION_SCAN, root=str(repo), scan_options=scan_pb2.ScanOptions(**options)
    )
    return list(stub.RunRepository(req, timeout=60, metadata=_md()))


def test_repository_run_uses_the_repositorys_rules_and_the_ones_sent(stub, root):
    repo = _repo(root, "good", {"sql.yaml": YAML})
    events = _run(stub, repo)
    found = {f.rule_id for e in events if e.HasField("results") for r in e.results.results for f in r.scan.findings}
    assert "acme.raw-sql" in found and "acme.pickle-load" not in found
    summary = events[-1].summary
    assert (summary.custom_rules, summary.custom_rule_files) == (1, 1)
    assert "custom rules: 1 from 1 file" in summary.summary_text
    assert "acme.raw-sql" in json.loads(summary.summary_json)["counts_by_rule"]

    sent = [scan_pb2.RuleFile(path="team.toml", content=TOML)]
    events = _run(stub, repo, custom_rules=sent)
    found = {f.rule_id for e in events if e.HasField("results") for r in e.results.results for f in r.scan.findings}
    assert {"acme.raw-sql", "acme.pickle-load"} <= found
    assert (events[-1].summary.custom_rules, events[-1].summary.custom_rule_files) == (2, 2)


def test_a_broken_repository_rule_refuses_the_run_up_front(stub, root):
    broken = YAML.replace("severity: high", "severity: urgent")
    repo = _repo(root, "broken", {"a.toml": TOML, "sql.yaml": broken})
    req = pb.CodeIntelServiceRunRepositoryRequest(operation=pb.REPOSITORY_OPERATION_SCAN, root=str(repo))
    stream = stub.RunRepository(req, timeout=60, metadata=_md())
    with pytest.raises(grpc.RpcError) as exc:
        next(stream)  # not even the first progress event
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert exc.value.details() == (
        '.codeintel/rules/sql.yaml: rule "acme.raw-sql": field "severity": "urgent" is not one of '
        "info, low, medium, high, critical"
    )
    assert _violation(exc.value) == "scan_options.custom_rules[1]"
    # A parse run over the same tree does not read rules.
    parse = pb.CodeIntelServiceRunRepositoryRequest(operation=pb.REPOSITORY_OPERATION_PARSE, root=str(repo))
    assert list(stub.RunRepository(parse, timeout=60, metadata=_md()))[-1].summary.processed >= 1


def test_scan_batch_refuses_a_bad_rule_set_as_a_whole(stub):
    bad = scan_pb2.RuleFile(path="x.yaml", content=YAML.replace("(#eq? @m", "(#eq? @mm"))
    req = pb.CodeIntelServiceScanBatchRequest(
        files=[common_pb2.SourceFile(path="a.py", content=APP.encode())],
        options=scan_pb2.ScanOptions(custom_rules=[bad]),
    )
    with pytest.raises(grpc.RpcError) as exc:
        stub.ScanBatch(req, timeout=30, metadata=_md())
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violation(exc.value) == "options.custom_rules[0]"
    details = exc.value.details() or ""
    assert 'x.yaml: rule "acme.raw-sql": field "query"' in details and "at line 2, column 9 of the query" in details
    with pytest.raises(grpc.RpcError) as exc:
        stub.ListRules(pb.CodeIntelServiceListRulesRequest(custom_rules=[bad]), timeout=30, metadata=_md())
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT and _violation(exc.value) == "custom_rules[0]"


def test_scan_batch_sarif_lists_the_custom_rules(stub):
    rules = [scan_pb2.RuleFile(path="sql.yaml", content=YAML), scan_pb2.RuleFile(path="t.toml", content=TOML)]
    req = pb.CodeIntelServiceScanBatchRequest(
        files=[common_pb2.SourceFile(path="a.py", content=b"db.raw('x' + y)\n")],
        options=scan_pb2.ScanOptions(custom_rules=rules, include_sarif=True),
    )
    resp = stub.ScanBatch(req, timeout=30, metadata=_md())
    assert [f.rule_id for f in resp.results[0].result.findings] == ["acme.raw-sql"]
    driver = json.loads(resp.sarif_json)["runs"][0]["tool"]["driver"]
    listed = {r["id"]: r["properties"].get("source") for r in driver["rules"]}
    assert listed == {"acme.raw-sql": "sql.yaml", "acme.pickle-load": "t.toml"}  # run, found or not
    rules_resp = stub.ListRules(
        pb.CodeIntelServiceListRulesRequest(language="python", custom_rules=rules), timeout=30, metadata=_md()
    )
    assert sorted(r.id for r in rules_resp.rules if r.custom) == ["acme.pickle-load", "acme.raw-sql"]


def test_the_cache_never_shares_results_between_rule_sets(stub):
    file = common_pb2.SourceFile(path="c.py", content=APP.encode())

    def scan(rules):
        resp = stub.Scan(
            pb.CodeIntelServiceScanRequest(file=file, options=scan_pb2.ScanOptions(custom_rules=rules)),
            timeout=30,
            metadata=_md(),
        )
        return {f.rule_id for f in resp.result.findings if f.rule_id.startswith("acme.")}, resp.info.cache

    a = [scan_pb2.RuleFile(path="a.yaml", content=YAML)]
    b = [scan_pb2.RuleFile(path="b.toml", content=TOML)]
    assert scan(a) == ({"acme.raw-sql"}, pb.CACHE_STATUS_MISS)
    assert scan(a) == ({"acme.raw-sql"}, pb.CACHE_STATUS_HIT_L1)
    assert scan(b) == ({"acme.pickle-load"}, pb.CACHE_STATUS_MISS)
    assert scan([]) == (set(), pb.CACHE_STATUS_MISS)
    renamed = [scan_pb2.RuleFile(path="other.yaml", content=YAML)]  # the path is part of the rule set too
    assert scan(renamed)[1] == pb.CACHE_STATUS_MISS
    # The key is built from the options as sent: each distinct rule set gives distinct bytes.
    keys = {SCAN.cache_options(scan_pb2.ScanOptions(custom_rules=r)) for r in (a, b, [], renamed)}
    assert len(keys) == 4


def test_tenants_are_billed_the_rules_bytes(stub):
    # The tiny tier admits 1500 bytes at once and 10 more per second: one such call fits, a second does not.
    padded = TOML + "# " + "x" * (1000 - len(TOML)) + "\n"
    req = pb.CodeIntelServiceListRulesRequest(custom_rules=[scan_pb2.RuleFile(path="t.toml", content=padded)])
    first = stub.ListRules(req, timeout=30, metadata=_md(TINY))
    assert [r.id for r in first.rules if r.custom] == ["acme.pickle-load"]
    with pytest.raises(grpc.RpcError) as exc:
        stub.ListRules(req, timeout=30, metadata=_md(TINY))
    assert exc.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "bytes" in (exc.value.details() or "")
    plain = stub.ListRules(pb.CodeIntelServiceListRulesRequest(), timeout=30, metadata=_md(TINY))  # costs no bytes
    assert not any(r.custom for r in plain.rules)


def test_an_unreadable_repository_rule_file_refuses_the_run(stub, root):
    repo = _repo(root, "latin", {})
    (repo / ".codeintel" / "rules" / "old.yaml").write_bytes(b"rules: []\n# caf\xe9\n")
    req = pb.CodeIntelServiceRunRepositoryRequest(operation=pb.REPOSITORY_OPERATION_SCAN, root=str(repo))
    with pytest.raises(grpc.RpcError) as exc:
        list(stub.RunRepository(req, timeout=60, metadata=_md()))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert exc.value.details() == ".codeintel/rules/old.yaml: not UTF-8 (byte 15)"
    assert _violation(exc.value) == "scan_options.custom_rules"
