"""ReviewService against a REAL stack (`codeintel up`: coordinator + one worker per service, as
subprocesses on loopback) with --repo-roots, tenants and an SQLite graph store: reviews of git
revision ranges, of diffs and of files sent with both versions; syntax errors, complexity, findings
and duplicates compared; callers and tests from an indexed repository; fail_on; the refusals
(outside the roots, not a git repository, a bad revision, a malformed diff, no key) and a deadline
that leaves a partial answer."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeintel.ops.stack import LocalStack
from codeintel.v1 import graph_pb2, graph_pb2_grpc, review_pb2_grpc, scan_pb2
from codeintel.v1 import review_pb2 as r
from coordinator.tenants import hash_key
from tests.codeintel.review.gitrepo import commit, git, init, write

KEY = "ci_review-key-0123456789abcdef"
MD = (("authorization", f"Bearer {KEY}"),)
TINY = "ci_review-tiny-0123456789abcdef"  # a tenant whose byte budget one review overdraws

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": "def helper(x):\n    return x + 1\n\n\ndef untouched(y):\n    return y\n",
    "pkg/app.py": "from pkg.util import helper\n\n\ndef run(v):\n    return helper(v)\n\n\ndef main():\n    return run(1)\n",
    "tests/test_util.py": "from pkg.util import helper\n\n\ndef test_helper():\n    assert helper(1) == 2\n",
    "README.md": "# project\n",
}
# helper gets branches and a shell call built from its argument; a new broken function; app.py untouched.
CHANGED_UTIL = (
    "import os\n\n\n"
    "def helper(x):\n"
    "    if x > 1:\n"
    "        for i in range(x):\n"
    "            if i % 2:\n"
    "                os.system('echo ' + str(x))\n"
    "    return x + 1\n\n\n"
    "def untouched(y):\n    return y\n\n\n"
    "def broken(:\n    pass\n"
)


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    return tmp_path_factory.mktemp("allowed"), tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="module")
def stack(roots, tmp_path_factory):
    tenants = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    tenants.write_text(f"""
[tiers.standard]
rate = 1000
burst = 1000
[tiers.tiny]
rate = 1000
burst = 1000
bytes_per_second = 10
bytes_burst = 100
[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(KEY)}"]
[[tenants]]
id = "tiny"
tier = "tiny"
keys = ["{hash_key(TINY)}"]
""")
    store = tmp_path_factory.mktemp("graph-store")
    s = LocalStack(
        workers=1,
        extra_args=[
            f"--coordinator-arg=--repo-roots={roots[0]}",
            f"--coordinator-arg=--tenants-file={tenants}",
            f"--coordinator-arg=--graph-store=sqlite:///{store}",
        ],
    )
    s.start(timeout=120)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def channel(stack):
    ch = grpc.insecure_channel(stack.address)
    yield ch
    ch.close()


@pytest.fixture(scope="module")
def stub(channel):
    return review_pb2_grpc.ReviewServiceStub(channel)


def _repo(roots, name: str, files=PROJECT):
    root = init(roots[0] / name)
    write(root, files)
    commit(root, "initial")
    return root


def _review(stub, timeout: float = 60, **kw) -> r.ReviewChangesResponse:
    return stub.ReviewChanges(r.ReviewChangesRequest(**kw), timeout=timeout, metadata=MD)


def _error(stub, **kw) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as e:
        _review(stub, **kw)
    return e.value


def _violations(err) -> list[str]:
    status = rpc_status.from_call(err)
    assert status is not None, "no rich status"
    out = []
    for d in status.details:
        if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            d.Unpack(bad)
            out += [v.field for v in bad.field_violations]
    return out


def _file(resp, path):
    return next(f for f in resp.files if f.path == path)


def test_working_tree_review_finds_new_errors_complexity_and_findings_and_fails_on_high(roots, stub):
    root = _repo(roots, "worktree")
    write(root, {"pkg/util.py": CHANGED_UTIL})
    resp = _review(
        stub, root=str(root), revisions=r.RevisionRange(), options=r.ReviewOptions(fail_on=scan_pb2.SEVERITY_HIGH)
    )
    s = resp.summary
    assert (s.files_changed, s.files_reviewed, s.files_skipped) == (1, 1, 0)
    assert s.syntax_errors_new == 1 and s.syntax_errors_fixed == 0
    assert (s.functions_changed, s.functions_added, s.functions_removed) == (1, 1, 0)
    assert s.complexity_increased == 1 and s.complexity_decreased == 0
    assert [(c.severity, c.count) for c in s.findings_new] == [(scan_pb2.SEVERITY_HIGH, 1)]
    assert s.failed and len(s.fail_reasons) == 2
    f = _file(resp, "pkg/util.py")
    assert f.status == r.CHANGE_STATUS_MODIFIED
    assert [e.range.start.line for e in f.syntax_errors_new] == [CHANGED_UTIL.splitlines().index("def broken(:")]
    helper = next(fn for fn in f.functions if fn.name == "helper")
    assert helper.change == r.FUNCTION_CHANGE_KIND_MODIFIED
    assert (helper.before.cyclomatic, helper.after.cyclomatic) == (1, 4)
    assert helper.after.cognitive > helper.before.cognitive
    [finding] = f.findings_new
    assert finding.fingerprint and finding.range.start.line == CHANGED_UTIL.splitlines().index(
        "                os.system('echo ' + str(x))"
    )
    assert resp.base_commit == git(root, "rev-parse", "HEAD").strip() and resp.head_commit == ""
    # not indexed: the answer says how to get callers
    assert resp.completeness.graph_status == r.REVIEW_GRAPH_STATUS_NOT_INDEXED
    assert "index the repository" in resp.completeness.graph_note


def test_without_fail_on_it_never_fails_and_a_fix_shows_as_fixed(roots, stub):
    root = _repo(roots, "fixing", {**PROJECT, "pkg/util.py": CHANGED_UTIL})
    write(root, {"pkg/util.py": PROJECT["pkg/util.py"]})
    resp = _review(stub, root=str(root), revisions=r.RevisionRange(base="HEAD"))
    s = resp.summary
    assert not s.failed and not s.fail_reasons
    assert s.syntax_errors_fixed == 1 and s.syntax_errors_new == 0
    assert [(c.severity, c.count) for c in s.findings_fixed] == [(scan_pb2.SEVERITY_HIGH, 1)]
    assert s.functions_removed == 1 and s.complexity_decreased == 1


def test_a_commit_range_and_the_index_for_pre_commit(roots, stub):
    root = _repo(roots, "range")
    first = git(root, "rev-parse", "HEAD").strip()
    write(root, {"pkg/new_mod.py": "def added(a, b):\n    return a if a > b else b\n"})
    second = commit(root, "add a module")
    resp = _review(stub, root=str(root), revisions=r.RevisionRange(base=first, head=second))
    assert (resp.base_commit, resp.head_commit) == (first, second)
    [f] = resp.files
    assert f.status == r.CHANGE_STATUS_ADDED and [fn.change for fn in f.functions] == [r.FUNCTION_CHANGE_KIND_ADDED]
    # staged: the index, not the working tree
    write(root, {"pkg/app.py": PROJECT["pkg/app.py"] + "\n\ndef staged():\n    return 0\n"})
    git(root, "add", "pkg/app.py")
    write(root, {"pkg/app.py": "def broken(:\n"})
    staged = _review(stub, root=str(root), revisions=r.RevisionRange(staged=True))
    assert staged.summary.syntax_errors_new == 0 and staged.summary.functions_added == 1


def test_a_diff_review_reconstructs_the_before_side(roots, stub):
    root = _repo(roots, "diffmode")
    write(root, {"pkg/util.py": CHANGED_UTIL, "pkg/extra.py": "def extra():\n    return eval(input())\n"})
    git(root, "add", "-A")
    diff = git(root, "diff", "--cached")
    resp = _review(stub, root=str(root), diff=diff)
    assert resp.summary.files_changed == 2 and resp.summary.syntax_errors_new == 1
    assert _file(resp, "pkg/extra.py").status == r.CHANGE_STATUS_ADDED
    assert _file(resp, "pkg/extra.py").findings_new  # eval of input: new
    assert _file(resp, "pkg/util.py").findings_new


def test_files_mode_needs_no_root_and_bounds_lists(stub):
    before = "".join(f"def f{i}(x):\n    return x\n\n\n" for i in range(8))
    after = "".join(f"def f{i}(x):\n    if x:\n        return x\n    return {i}\n\n\n" for i in range(8))
    resp = _review(
        stub,
        files=r.ChangedFiles(files=[r.ChangedFile(path="m.py", before=before.encode(), after=after.encode())]),
        options=r.ReviewOptions(max_items=3),
    )
    assert resp.summary.functions_changed == 8 and resp.summary.complexity_increased == 8  # all counted
    assert len(resp.files[0].functions) == 3 and resp.completeness.lists_truncated  # three listed
    assert resp.completeness.graph_status == r.REVIEW_GRAPH_STATUS_UNAVAILABLE


def test_binary_and_unknown_files_are_skipped_with_their_reason(stub):
    resp = _review(
        stub,
        files=r.ChangedFiles(
            files=[
                r.ChangedFile(path="img.png", before=b"\x89PNG\x00a", after=b"\x89PNG\x00b"),
                r.ChangedFile(path="notes.unknownext", before=b"a\n", after=b"b\n"),
                r.ChangedFile(path="ok.py", after=b"x = 1\n"),
            ]
        ),
    )
    reasons = {f.path: f.reason for f in resp.completeness.files_skipped}
    assert reasons == {
        "img.png": r.REVIEW_SKIP_REASON_BINARY,
        "notes.unknownext": r.REVIEW_SKIP_REASON_UNSUPPORTED_LANGUAGE,
    }
    assert resp.summary.files_reviewed == 1 and resp.summary.files_skipped == 2


def test_callers_and_tests_come_from_the_indexed_repository(roots, stub, channel):
    root = _repo(roots, "indexed")
    graph = graph_pb2_grpc.GraphServiceStub(channel)
    list(graph.IndexRepository(graph_pb2.IndexRepositoryRequest(root=str(root)), timeout=120, metadata=MD))
    write(root, {"pkg/util.py": CHANGED_UTIL})
    resp = _review(stub, root=str(root), revisions=r.RevisionRange(), options=r.ReviewOptions(caller_depth=2))
    assert resp.completeness.graph_status == r.REVIEW_GRAPH_STATUS_INDEXED
    assert resp.completeness.indexed_at_unix > 0
    helper = next(fn for fn in _file(resp, "pkg/util.py").functions if fn.name == "helper")
    callers = {(c.qualified_name, c.depth) for c in helper.callers}
    assert ("pkg.app.run", 1) in callers and ("pkg.app.main", 2) in callers
    assert [c.path for c in helper.tests] == ["tests/test_util.py"]
    assert resp.summary.tests == 1 and resp.summary.callers >= 3
    # depth 1: main (a caller of a caller) is not reached
    shallow = _review(stub, root=str(root), revisions=r.RevisionRange(), options=r.ReviewOptions(caller_depth=1))
    helper1 = next(fn for fn in _file(shallow, "pkg/util.py").functions if fn.name == "helper")
    assert {c.depth for c in helper1.callers} == {1}
    off = _review(stub, root=str(root), revisions=r.RevisionRange(), options=r.ReviewOptions(include_callers=False))
    assert off.completeness.graph_status == r.REVIEW_GRAPH_STATUS_NOT_REQUESTED
    assert all(not fn.callers for f in off.files for fn in f.functions)


def test_a_removed_function_still_used_elsewhere_is_what_the_change_breaks(roots, stub, channel):
    """helper is removed while pkg/app.py and the test still call it: the index after the change has
    their uses leading nowhere. untouched is removed too, but nothing uses it."""
    root = _repo(roots, "removal")
    graph = graph_pb2_grpc.GraphServiceStub(channel)
    list(graph.IndexRepository(graph_pb2.IndexRepositoryRequest(root=str(root)), timeout=120, metadata=MD))
    write(root, {"pkg/util.py": "def kept(z):\n    return z\n"})
    resp = _review(stub, root=str(root), revisions=r.RevisionRange())
    functions = {fn.name: fn for fn in _file(resp, "pkg/util.py").functions}
    helper, untouched = functions["helper"], functions["untouched"]
    assert helper.change == untouched.change == r.FUNCTION_CHANGE_KIND_REMOVED
    assert [(u.path, u.qualified_name, u.line) for u in helper.broken_uses] == [
        ("pkg/app.py", "pkg.app.run", PROJECT["pkg/app.py"].splitlines().index("    return helper(v)")),
        (
            "tests/test_util.py",
            "test_util.test_helper",
            PROJECT["tests/test_util.py"].splitlines().index("    assert helper(1) == 2"),
        ),
    ]
    assert helper.broken_uses_total == 2 and not untouched.broken_uses and untouched.broken_uses_total == 0
    assert resp.summary.broken_uses == 2
    # Callers updated with the removal: nothing is broken.
    write(
        root,
        {"pkg/app.py": "def run(v):\n    return v\n\n\ndef main():\n    return run(1)\n", "tests/test_util.py": ""},
    )
    fixed = _review(stub, root=str(root), revisions=r.RevisionRange())
    assert fixed.summary.broken_uses == 0


def test_a_root_outside_the_allowed_roots_is_refused(roots, stub):
    outside = init(roots[1] / "repo")
    err = _error(stub, root=str(outside), revisions=r.RevisionRange())
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


def test_not_a_git_repository(roots, stub):
    plain = roots[0] / "plain"
    plain.mkdir()
    err = _error(stub, root=str(plain), revisions=r.RevisionRange())
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "not in a git repository" in (err.details() or "")


@pytest.mark.parametrize(
    ("rr", "field"),
    [
        (r.RevisionRange(base="--output=/tmp/owned"), "revisions.base"),
        (r.RevisionRange(base="no-such-branch"), "revisions.base"),
        (r.RevisionRange(head="HEAD..main"), "revisions.head"),
        (r.RevisionRange(head="HEAD", staged=True), "revisions.head"),
    ],
)
def test_bad_revisions_are_invalid_argument_naming_the_field(roots, stub, rr, field):
    root = roots[0] / "revs"
    if not root.exists():
        _repo(roots, "revs")
    err = _error(stub, root=str(root), revisions=rr)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violations(err) == [field]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"diff": "this is not a diff"}, "diff"),
        ({"diff": "--- a/pkg/util.py\n+++ b/pkg/util.py\n@@ -1,2 +1,2 @@\n-nothing like this\n+or this\n"}, "diff"),
        ({}, "change"),
        ({"files": r.ChangedFiles(files=[r.ChangedFile(path="../escape.py", after=b"x")])}, "files.files[0].path"),
    ],
)
def test_malformed_input_is_invalid_argument_with_bad_request(roots, stub, kw, field):
    root = roots[0] / "malformed"
    if not root.exists():
        _repo(roots, "malformed")
    err = _error(stub, root=str(root), **kw)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violations(err) == [field]


def test_a_diff_needs_a_root(stub):
    err = _error(stub, diff="--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and _violations(err) == ["root"]


def test_no_key_no_review(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.ReviewChanges(r.ReviewChangesRequest(files=r.ChangedFiles()), timeout=10)
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_deadline_too_short_for_the_work_gives_a_partial_answer(stub):
    # 0.1 s is all the coordinator keeps back to send the answer: no time is left for the workers.
    files = [r.ChangedFile(path=f"m{i}.py", before=b"x = 1\n", after=f"x = {i}\n".encode()) for i in range(5)]
    resp = _review(stub, timeout=0.1, files=r.ChangedFiles(files=files))
    assert resp.completeness.partial and "deadline" in resp.completeness.partial_reason
    assert resp.summary.files_reviewed == 0 and resp.summary.files_skipped == 5
    assert {f.reason for f in resp.completeness.files_skipped} == {r.REVIEW_SKIP_REASON_DEADLINE}


RULE = """rules:
  - id: acme.no-print
    languages: [python]
    cwe: CWE-532
    severity: medium
    confidence: high
    message: print() in library code leaks data to stdout; use the logging module.
    query: |
      (call function: (identifier) @fn (#eq? @fn "print")) @match
"""


def test_the_repository_rules_find_what_they_find_before_and_after(roots, stub):
    """`.codeintel/rules/` is applied to both versions: a print added is a new finding under the rule's
    own id, the one that was already there is not reported at all."""
    files = {**PROJECT, ".codeintel/rules/house.yaml": RULE}
    files["pkg/util.py"] = "def helper(x):\n    print(x)\n    return x + 1\n"
    root = _repo(roots, "house-rules", files)
    write(root, {"pkg/util.py": "def helper(x):\n    print(x)\n    print('again', x)\n    return x + 1\n"})
    resp = _review(
        stub, root=str(root), revisions=r.RevisionRange(), options=r.ReviewOptions(fail_on=scan_pb2.SEVERITY_MEDIUM)
    )
    [finding] = _file(resp, "pkg/util.py").findings_new
    assert (finding.rule_id, finding.range.start.line) == ("acme.no-print", 2)
    assert resp.summary.failed


def test_a_broken_repository_rule_refuses_the_review_naming_the_rule_and_field(roots, stub):
    root = _repo(roots, "broken-rules", {**PROJECT, ".codeintel/rules/house.yaml": RULE.replace("medium", "urgent")})
    write(root, {"pkg/util.py": CHANGED_UTIL})
    err = _error(stub, root=str(root), revisions=r.RevisionRange())
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = err.details() or ""
    assert "acme.no-print" in details and "severity" in details and "house.yaml" in details
    assert _violations(err) == ["root"]


def test_a_review_is_billed_to_the_tenant_like_batch_calls(roots, stub):
    """Both versions of every file are billed to the tenant's byte budget: the first review (from an
    idle budget) goes through and overdraws it; the next is refused with RetryInfo; others go on."""
    root = _repo(roots, "billed")
    write(root, {"pkg/util.py": CHANGED_UTIL})
    tiny = (("authorization", f"Bearer {TINY}"),)
    req = r.ReviewChangesRequest(root=str(root), revisions=r.RevisionRange())
    assert stub.ReviewChanges(req, timeout=60, metadata=tiny).summary.files_reviewed == 1
    with pytest.raises(grpc.RpcError) as e:
        stub.ReviewChanges(req, timeout=60, metadata=tiny)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "bytes" in (e.value.details() or "")
    status = rpc_status.from_call(e.value)
    assert status is not None and any(d.Is(error_details_pb2.RetryInfo.DESCRIPTOR) for d in status.details)
    assert _review(stub, root=str(root), revisions=r.RevisionRange()).summary.files_reviewed == 1
