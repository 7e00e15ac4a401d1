"""GraphService against a REAL stack (`codeintel up`: coordinator + one worker per service, as
subprocesses on loopback) with --repo-roots, an SQLite graph store in a temporary directory,
--graph-watch and tenants: index runs as streams (progress, skips, summary), incremental re-runs,
every query, the root and path checks, admission, and the watcher keeping an index fresh."""

from __future__ import annotations

import time

import grpc
import pytest

from codeintel.ops.stack import LocalStack
from codeintel.v1 import common_pb2, coordinator_pb2_grpc, graph_pb2_grpc, parse_pb2
from codeintel.v1 import coordinator_pb2 as pb
from codeintel.v1 import graph_pb2 as g
from coordinator.tenants import hash_key

KEY = "ci_graph-key-0123456789abcdef"

PROJECT: dict[str, str | bytes] = {
    "pkg/__init__.py": "from .util import helper\n",
    "pkg/util.py": "def helper(x):\n    return x + 1\n\n\ndef unused():\n    pass\n",
    "pkg/store.py": (
        "from pkg.util import helper\n\n\n"
        "class Base:\n    def close(self):\n        pass\n\n\n"
        "class Store(Base):\n"
        "    def save(self, item):\n        return helper(item)\n\n"
        "    def flush(self):\n        self.save(1)\n        self.close()\n"
    ),
    "main.py": (
        "from pkg import helper\nfrom pkg.store import Store\n\n\n"
        "def main():\n    s = Store()\n    s.flush()\n    return helper(2)\n"
    ),
    "web/app.ts": "import { fmt } from './fmt';\nexport function render(x: number): string {\n  return fmt(x);\n}\n",
    "web/fmt.ts": "export function fmt(x: number): string {\n  return String(x);\n}\n",
    "vendored.py": b"\x00\x01\x02binary",
}


def _write(root, rel: str, data: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    return tmp_path_factory.mktemp("allowed"), tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="module")
def graph_stack(roots, tmp_path_factory):
    tenants = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    tenants.write_text(f"""
[tiers.standard]
rate = 1000
burst = 1000
[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(KEY)}"]
""")
    store = tmp_path_factory.mktemp("graph-store")
    stack = LocalStack(
        workers=1,
        extra_args=[
            f"--coordinator-arg=--repo-roots={roots[0]}",
            f"--coordinator-arg=--tenants-file={tenants}",
            f"--coordinator-arg=--graph-store=sqlite:///{store}",
            "--coordinator-arg=--graph-watch",
        ],
    )
    stack.start(timeout=120)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def stub(graph_stack):
    ch = grpc.insecure_channel(graph_stack.address)
    yield graph_pb2_grpc.GraphServiceStub(ch)
    ch.close()


MD = (("authorization", f"Bearer {KEY}"),)


def _index(stub, root, **kw) -> list[g.IndexRepositoryResponse]:
    return list(stub.IndexRepository(g.IndexRepositoryRequest(root=str(root), **kw), timeout=120, metadata=MD))


def _code(call, *args) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as e:
        result = call(*args, timeout=30, metadata=MD)
        if not isinstance(result, g.SearchSymbolsResponse | g.GetDefinitionResponse):
            list(result)  # a stream: the status comes with the first read
    return e.value.code(), e.value.details() or ""


@pytest.fixture(scope="module")
def project(roots, stub):
    root = roots[0] / "project"
    for rel, data in PROJECT.items():
        _write(root, rel, data)
    events = _index(stub, root)
    return root, events


def test_an_index_run_streams_progress_first_skips_as_they_come_and_one_summary_last(project):
    root, events = project
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "progress" and kinds[-1] == "summary" and kinds.count("summary") == 1
    summary = events[-1].summary
    indexable = [p for p in PROJECT if p != "vendored.py"]
    assert summary.files_written == len(indexable)
    assert summary.totals.files == len(indexable)
    assert summary.totals.definitions >= 8 and summary.totals.references > 0
    assert summary.run.complete and not summary.run.stopped
    skipped = [f for e in events if e.HasField("skipped") for f in e.skipped.files]
    assert [(f.path, f.reason) for f in skipped if f.path == "vendored.py"] == [
        ("vendored.py", pb.REPOSITORY_SKIP_REASON_BINARY)
    ]
    assert summary.store.startswith("sqlite:")


def test_index_runs_keep_their_facts_out_of_the_l1_cache_other_calls_still_use_it(project, graph_stack):
    root, _ = project
    ch = grpc.insecure_channel(graph_stack.address)
    try:
        admin = coordinator_pb2_grpc.AdminServiceStub(ch)

        def l1():
            stats = admin.GetStats(pb.GetStatsRequest(), timeout=10, metadata=MD)
            return next(c for c in stats.caches if c.tier == "l1")

        assert l1().entries == 0  # the index run's facts live in the index, not here too
        # A ParseBatch (facts included, like an index run's) is cached as before and answered from L1.
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        req = pb.CodeIntelServiceParseBatchRequest(
            files=[common_pb2.SourceFile(path="pkg/util.py", content=(root / "pkg" / "util.py").read_bytes())],
            options=parse_pb2.ParseOptions(include_facts=True),
        )
        first = api.ParseBatch(req, timeout=30, metadata=MD)
        assert l1().entries == 1
        second = api.ParseBatch(req, timeout=30, metadata=MD)
        assert list(second.info.cache) == [pb.CACHE_STATUS_HIT_L1]
        assert second.results[0].result == first.results[0].result
    finally:
        ch.close()


def test_definitions_references_callers_and_imports_cross_files(project, stub):
    root, _ = project
    d = stub.GetDefinition(
        g.GetDefinitionRequest(root=str(root), target=g.SymbolTarget(name="helper")), timeout=10, metadata=MD
    )
    assert [(s.path, s.name) for s in d.definitions] == [("pkg/util.py", "helper")]
    # By position: `helper` in main.py's last line, "    return helper(2)" (zero-based line 7, column 12)
    at = g.FilePosition(path="main.py", position=common_pb2.Position(line=7, column=12))
    d2 = stub.GetDefinition(
        g.GetDefinitionRequest(root=str(root), target=g.SymbolTarget(position=at)), timeout=10, metadata=MD
    )
    assert [(s.path, s.name) for s in d2.definitions] == [("pkg/util.py", "helper")]

    refs = stub.FindReferences(
        g.FindReferencesRequest(root=str(root), target=g.SymbolTarget(name="helper")), timeout=10, metadata=MD
    )
    where = {(r.path, r.range.start.line) for r in refs.references}
    assert ("pkg/store.py", 10) in where and ("main.py", 7) in where
    enclosing = {(r.path, r.enclosing.qualified_name) for r in refs.references}
    assert ("pkg/store.py", "pkg.store.Store.save") in enclosing
    assert refs.total == len(refs.references)

    calls = stub.CallHierarchy(
        g.CallHierarchyRequest(
            root=str(root), target=g.SymbolTarget(name="helper"), direction=g.CALL_DIRECTION_CALLERS, depth=3
        ),
        timeout=10,
        metadata=MD,
    )
    callers = {(e.depth, e.caller.qualified_name) for e in calls.edges}
    assert (1, "pkg.store.Store.save") in callers and (1, "main.main") in callers
    assert (2, "pkg.store.Store.flush") in callers  # flush -> self.save -> helper

    ts = stub.FindReferences(
        g.FindReferencesRequest(root=str(root), target=g.SymbolTarget(name="fmt")), timeout=10, metadata=MD
    )
    assert [(r.path, r.range.start.line) for r in ts.references] == [("web/app.ts", 2)]

    imports = stub.ImportGraph(g.ImportGraphRequest(root=str(root), path="main.py"), timeout=10, metadata=MD)
    assert {(e.from_path, e.to_path) for e in imports.edges} >= {("main.py", "pkg/__init__.py")}


def test_search_outline_and_completeness(project, stub):
    root, _ = project
    found = stub.SearchSymbols(
        g.SearchSymbolsRequest(root=str(root), query="sto", match=g.SYMBOL_MATCH_PREFIX), timeout=10, metadata=MD
    )
    assert [s.name for s in found.symbols] == ["Store"]
    c = found.completeness
    assert c.files_indexed == len(PROJECT) - 1
    assert {(s.reason, s.count) for s in c.files_skipped} == {(pb.REPOSITORY_SKIP_REASON_BINARY, 1)}
    assert not c.index_partial
    out = stub.Outline(g.OutlineRequest(root=str(root)), timeout=10, metadata=MD)
    assert {d.path for d in out.directories} == {"pkg/", "web/"}
    assert [f.path for f in out.files] == ["main.py"]


def test_a_second_run_reuses_unchanged_files_and_rewrites_only_the_edited_one(project, stub):
    root, _ = project
    again = _index(stub, root)[-1].summary
    assert (again.files_written, again.files_removed) == (0, 0)
    assert again.files_unchanged == len(PROJECT) - 1
    _write(root, "pkg/util.py", str(PROJECT["pkg/util.py"]) + "\n\ndef added():\n    return helper(0)\n")
    (root / "web" / "fmt.ts").unlink()
    edited = _index(stub, root)[-1].summary
    assert (edited.files_written, edited.files_removed) == (1, 1)
    d = stub.GetDefinition(
        g.GetDefinitionRequest(root=str(root), target=g.SymbolTarget(name="added")), timeout=10, metadata=MD
    )
    assert [s.path for s in d.definitions] == ["pkg/util.py"]


def test_roots_paths_and_callers_are_checked_before_any_work(roots, stub, project):
    allowed, outside = roots
    code, msg = _code(stub.IndexRepository, g.IndexRepositoryRequest(root=str(outside)))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "outside the allowed roots" in msg
    code, msg = _code(stub.IndexRepository, g.IndexRepositoryRequest(root=str(allowed / "nope")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, msg = _code(stub.IndexRepository, g.IndexRepositoryRequest(root=str(project[0]), paths=["../../etc/passwd"]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "outside the repository root" in msg
    never = allowed / "never-indexed"
    never.mkdir()
    code, msg = _code(stub.SearchSymbols, g.SearchSymbolsRequest(root=str(never), query="x"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "index" in msg
    with pytest.raises(grpc.RpcError) as e:
        stub.SearchSymbols(g.SearchSymbolsRequest(root=str(project[0]), query="x"), timeout=10)  # no key
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_watcher_reindexes_a_saved_file(project, stub):
    root, _ = project
    _write(root, "watched.py", "def appears_after_save():\n    return 1\n")
    deadline = time.monotonic() + 60
    found: list[str] = []
    while time.monotonic() < deadline and not found:
        d = stub.SearchSymbols(
            g.SearchSymbolsRequest(root=str(root), query="appears_after_save", match=g.SYMBOL_MATCH_EXACT),
            timeout=10,
            metadata=MD,
        )
        found = [s.path for s in d.symbols]
        if not found:
            time.sleep(0.05)  # polling the condition: the verdict does not depend on how long it takes
    assert found == ["watched.py"]
