"""Graph queries (codeintel.graph.queries) over small multi-file projects indexed by the real Indexer.

The facts are written by hand next to each source (the `Src` builder finds every identifier's span in
the text), so these tests pin the resolution and the answers independently of the extractor; the
end-of-file tests run the real extractor when it is importable. The `store` fixture (conftest) runs
each test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import re
import textwrap
from collections.abc import Mapping

import pytest

from codeintel.graph import Indexer
from codeintel.graph.queries import Queries
from codeintel.kernel import errors, languages
from codeintel.v1 import common_pb2, coordinator_pb2, graph_pb2, parse_pb2

K = parse_pb2
G = graph_pb2
CLASS, FUNC, METHOD, CTOR, STRUCT = (
    K.SYMBOL_KIND_CLASS,
    K.SYMBOL_KIND_FUNCTION,
    K.SYMBOL_KIND_METHOD,
    K.SYMBOL_KIND_CONSTRUCTOR,
    K.SYMBOL_KIND_STRUCT,
)
READ, CALL, TYPE, INHERIT = (
    K.REFERENCE_KIND_READ,
    K.REFERENCE_KIND_CALL,
    K.REFERENCE_KIND_TYPE,
    K.REFERENCE_KIND_INHERIT,
)


# --------------------------------------------------------------------------- hand-written facts


class Src:
    """A source text and its facts; spans are found in the text (`nth` word-boundary occurrence)."""

    def __init__(self, text: str, package: str = ""):
        self.text = textwrap.dedent(text).lstrip("\n")
        self.lines = self.text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line.encode()) + 1)
        self.f = parse_pb2.FileFacts(supported=True, package=package)

    def loc(self, token: str, nth: int = 0) -> common_pb2.Range:
        hits = list(re.finditer(r"(?<![\w$])" + re.escape(token) + r"(?![\w$])", self.text))
        m = hits[nth]
        return self._range(m.start(), m.end())

    def _range(self, start: int, end: int) -> common_pb2.Range:
        def pos(off: int) -> tuple[int, int]:
            line = self.text.count("\n", 0, off)
            return line, off - (self.text.rfind("\n", 0, off) + 1)

        (sl, sc), (el, ec) = pos(start), pos(end)
        return common_pb2.Range(
            start=common_pb2.Position(line=sl, column=sc),
            end=common_pb2.Position(line=el, column=ec),
            start_byte=start,
            end_byte=end,
        )

    def _block(self, sel: common_pb2.Range) -> common_pb2.Range:
        first = sel.start.line
        indent = len(self.lines[first]) - len(self.lines[first].lstrip())
        last = first
        for n in range(first + 1, len(self.lines)):
            line = self.lines[n]
            if not line.strip():
                continue
            ind = len(line) - len(line.lstrip())
            if ind > indent:
                last = n
            elif ind == indent and line.lstrip().startswith(("}", ")")):
                last = n
                break
            else:
                break
        return self._range(self.starts[first] + indent, self.starts[last] + len(self.lines[last]))

    def d(
        self,
        name: str,
        kind: int = FUNC,
        parent: int = -1,
        nth: int = 0,
        qname: str = "",
        bases: tuple[str, ...] = (),
    ) -> int:
        sel = self.loc(name, nth)
        if not qname:
            qname = name if parent < 0 else f"{self.f.definitions[parent].qualified_name}.{name}"
        self.f.definitions.append(
            parse_pb2.FactDefinition(
                name=name,
                kind=kind,  # type: ignore[arg-type]
                range=self._block(sel),
                selection_range=sel,
                qualified_name=qname,
                parent_index=parent,
                bases=bases,
                exported=not name.startswith("_"),
            )
        )
        return len(self.f.definitions) - 1

    def r(self, name: str, nth: int = 0, recv: str = "", enc: int = -1, kind: int = READ) -> None:
        self.f.references.append(
            parse_pb2.FactReference(name=name, range=self.loc(name, nth), kind=kind, receiver=recv, enclosing_index=enc)  # type: ignore[arg-type]
        )

    def i(
        self,
        module: str,
        name: str = "",
        alias: str = "",
        level: int = 0,
        export: bool = False,
        enc: int = -1,
        at: str = "",
    ) -> None:
        r = self.loc(at) if at else common_pb2.Range()
        self.f.imports.append(
            parse_pb2.FactImport(
                module=module, name=name, alias=alias, level=level, is_export=export, enclosing_index=enc, range=r
            )
        )

    def h(self, name: str, type_name: str, enc: int = -1) -> None:
        self.f.type_hints.append(parse_pb2.FactTypeHint(name=name, type_name=type_name, enclosing_index=enc))


@pytest.fixture(params=["hand", "real"])
def facts_source(request) -> str:
    """Where a project's facts come from: the hand-written ones next to the source, or the parse
    worker's extractor run on the same text (the two must answer alike)."""
    if request.param == "real":
        pytest.importorskip("services.parse.facts")
    return request.param


class HandParse:
    """A `send` for the Indexer answering with the hand-written facts (others: no facts)."""

    def __init__(self, files: Mapping[str, Src | str]):
        self.files = files

    async def __call__(self, files, timeout, options=None):
        results = []
        for f in files:
            lang = f.language or languages.from_path(f.path) or ""
            result = parse_pb2.ParseResult(path=f.path, language=lang, byte_count=len(f.content))
            src = self.files.get(f.path)
            if isinstance(src, Src):
                result.facts.CopyFrom(src.f)
            else:
                result.facts.supported = False
            results.append(parse_pb2.ParseFileResult(result=result))
        return coordinator_pb2.CodeIntelServiceParseBatchResponse(
            results=results, info=coordinator_pb2.BatchInfo(cache=[coordinator_pb2.CACHE_STATUS_MISS] * len(files))
        )


def index(store, root, files: Mapping[str, Src | str], source: str = "hand") -> Queries:
    if source == "real":
        texts = {p: (s.text if isinstance(s, Src) else textwrap.dedent(s).lstrip("\n")) for p, s in files.items()}
        return index_real(store, root, texts)
    for path, src in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as fh:
            fh.write(src.text if isinstance(src, Src) else textwrap.dedent(src).lstrip("\n"))
    summary = asyncio.run(Indexer(store, HandParse(files)).run(str(root)))
    assert summary.files_written >= sum(isinstance(s, Src) for s in files.values())
    return Queries(store, str(root))


def name_target(name: str) -> G.SymbolTarget:
    return G.SymbolTarget(name=name)


def pos_target(path: str, line: int, column: int) -> G.SymbolTarget:
    return G.SymbolTarget(position=G.FilePosition(path=path, position=common_pb2.Position(line=line, column=column)))


def at(files: Mapping[str, Src | str], path: str, token: str, nth: int = 0) -> G.SymbolTarget:
    src = files[path]
    assert isinstance(src, Src)
    r = src.loc(token, nth)
    return pos_target(path, r.start.line, r.start.column + 1)


# --------------------------------------------------------------------------- a Python project


def python_project() -> dict[str, Src | str]:
    init = Src(
        """
        from .core import Store
        from .util import *
        """
    )
    init.i("core", "Store", "Store", level=1, at="Store")
    init.i("util", "*", "", level=1, at="util")

    core = Src(
        """
        from . import util

        class Base:
            def close(self):
                pass

        class Store(Base):
            def __init__(self):
                self.db = util.Db()

            def save(self, x):
                self.db.write(x)
                self.close()
                return helper(x)

        def helper(x):
            return len(x)
        """
    )
    core.i("", "util", "util", level=1, at="util")
    base = core.d("Base", CLASS)
    core.d("close", METHOD, base)
    store = core.d("Store", CLASS, bases=("Base",))
    init_m = core.d("__init__", METHOD, store)
    save = core.d("save", METHOD, store)
    helper = core.d("helper", FUNC, nth=1)
    core.r("Base", 1, kind=INHERIT, enc=store)
    core.r("util", 1, enc=init_m)
    core.r("Db", 0, recv="util", enc=init_m, kind=CALL)
    core.h("self.db", "util.Db", init_m)
    core.r("db", 1, recv="self", enc=save)
    core.r("write", 0, recv="self.db", enc=save, kind=CALL)
    core.r("close", 1, recv="self", enc=save, kind=CALL)
    core.r("helper", 0, enc=save, kind=CALL)
    core.r("len", 0, enc=helper, kind=CALL)

    util = Src(
        """
        class Db:
            def write(self, x):
                pass

        def fmt(x):
            from . import core
            return x
        """
    )
    db = util.d("Db", CLASS)
    util.d("write", METHOD, db)
    fmt = util.d("fmt", FUNC)
    util.i("", "core", "core", level=1, enc=fmt, at="core")

    app = Src(
        """
        import pkg
        from pkg import Store
        from pkg.core import helper as h

        def main():
            s = Store()
            s.save(1)
            pkg.Store().save(2)
            h(3)
            return fmt_it()

        def fmt_it():
            from pkg import fmt
            return fmt(main())
        """
    )
    app.i("pkg", "", "pkg", at="pkg")
    app.i("pkg", "Store", "Store", at="Store")
    app.i("pkg.core", "helper", "h", at="h")
    main = app.d("main")
    fmt_it = app.d("fmt_it", nth=1)
    app.i("pkg", "fmt", "fmt", enc=fmt_it, at="fmt")
    app.h("s", "Store", main)
    app.r("Store", 1, enc=main, kind=CALL)
    app.r("save", 0, recv="s", enc=main, kind=CALL)
    app.r("pkg", 3, enc=main)
    app.r("Store", 2, recv="pkg", enc=main, kind=CALL)
    app.r("save", 1, recv="?", enc=main, kind=CALL)
    app.r("h", 1, enc=main, kind=CALL)
    app.r("fmt_it", 0, enc=main, kind=CALL)
    app.r("fmt", 1, enc=fmt_it, kind=CALL)
    app.r("main", 1, enc=fmt_it, kind=CALL)
    return {"pkg/__init__.py": init, "pkg/core.py": core, "pkg/util.py": util, "app.py": app, "README.md": "hi\n"}


@pytest.fixture
def py_project(store, tmp_path, facts_source):
    files = python_project()
    return index(store, tmp_path / "repo", files, facts_source), files


def qnames(symbols) -> list[str]:
    return [s.qualified_name for s in symbols]


def test_never_indexed_root_fails_with_how_to_index(store, tmp_path):
    q = Queries(store, str(tmp_path))
    with pytest.raises(errors.FailedPrecondition, match="index it first"):
        q.search(G.SearchSymbolsRequest(query="x"))
    with pytest.raises(errors.FailedPrecondition):
        q.completeness()
    # a first run that has not finished: answers work and say the index is partial
    store.open_repo(str(tmp_path))
    c = q.search(G.SearchSymbolsRequest(query="x")).completeness
    assert c.index_partial and "first index run" in c.index_stopped and c.files_indexed == 0


def test_definition_through_init_reexports_hints_and_star_imports(py_project):
    q, files = py_project
    # s.save(1): s = Store() -> `from pkg import Store` -> pkg/__init__ re-exports core.Store
    got = q.definition(G.GetDefinitionRequest(target=at(files, "app.py", "save", 0)))
    assert got.name == "save" and got.resolution == G.RESOLUTION_RESOLVED
    assert qnames(got.definitions) == ["pkg.core.Store.save"]
    assert got.definitions[0].path == "pkg/core.py" and got.definitions[0].kind == METHOD
    # pkg.Store through the module binding `import pkg`
    got = q.definition(G.GetDefinitionRequest(target=at(files, "app.py", "Store", 2)))
    assert qnames(got.definitions) == ["pkg.core.Store"]
    # h(3): an aliased import
    assert qnames(q.definition(G.GetDefinitionRequest(target=at(files, "app.py", "h", 1))).definitions) == [
        "pkg.core.helper"
    ]
    # fmt: a function-level import of a name pkg/__init__ gets through `from .util import *`
    assert qnames(q.definition(G.GetDefinitionRequest(target=at(files, "app.py", "fmt", 1))).definitions) == [
        "pkg.util.fmt"
    ]
    # self.db.write: the hint `self.db = util.Db()` from another method, util a submodule of pkg
    assert qnames(q.definition(G.GetDefinitionRequest(target=at(files, "pkg/core.py", "write"))).definitions) == [
        "pkg.util.Db.write"
    ]
    # self.close(): inherited from Base
    assert qnames(q.definition(G.GetDefinitionRequest(target=at(files, "pkg/core.py", "close", 1))).definitions) == [
        "pkg.core.Base.close"
    ]
    # len: a builtin
    got = q.definition(G.GetDefinitionRequest(target=at(files, "pkg/core.py", "len")))
    assert got.external == "builtins.len" and not got.definitions
    # a module binding: `pkg` is the package
    got = q.definition(G.GetDefinitionRequest(target=at(files, "app.py", "pkg", 3)))
    assert [(s.kind, s.path) for s in got.definitions] == [(K.SYMBOL_KIND_MODULE, "pkg/__init__.py")]
    # (...).save(2): an unknown receiver: every `save` by name
    got = q.definition(G.GetDefinitionRequest(target=at(files, "app.py", "save", 1)))
    assert got.resolution == G.RESOLUTION_NAME_ONLY and qnames(got.definitions) == ["pkg.core.Store.save"]
    # the name of a definition is its own definition
    got = q.definition(G.GetDefinitionRequest(target=at(files, "pkg/core.py", "helper", 1)))
    assert qnames(got.definitions) == ["pkg.core.helper"]


def test_definition_by_name_and_errors(py_project):
    q, files = py_project
    for name, want in [
        ("save", ["pkg.core.Store.save"]),
        ("Store.save", ["pkg.core.Store.save"]),
        ("pkg.core.Store", ["pkg.core.Store"]),
        ("Store.close", ["pkg.core.Base.close"]),  # inherited member
    ]:
        got = q.definition(G.GetDefinitionRequest(target=name_target(name)))
        assert qnames(got.definitions) == want, name
        assert got.resolution == G.RESOLUTION_RESOLVED
    got = q.definition(G.GetDefinitionRequest(target=name_target("pkg.util")))
    assert got.definitions[0].kind == K.SYMBOL_KIND_MODULE and got.definitions[0].path == "pkg/util.py"
    with pytest.raises(errors.NotFound):
        q.definition(G.GetDefinitionRequest(target=name_target("nope")))
    with pytest.raises(errors.NotFound, match="no identifier"):
        q.definition(G.GetDefinitionRequest(target=pos_target("app.py", 3, 0)))
    with pytest.raises(errors.InvalidInput, match="not an indexed file"):
        q.definition(G.GetDefinitionRequest(target=pos_target("missing.py", 0, 0)))
    with pytest.raises(errors.InvalidInput, match="outside"):
        q.definition(G.GetDefinitionRequest(target=pos_target("../etc/passwd", 0, 0)))
    with pytest.raises(errors.InvalidInput, match="empty"):
        q.definition(G.GetDefinitionRequest())


def test_references_resolved_aliases_and_name_only(py_project):
    q, files = py_project
    got = q.references(G.FindReferencesRequest(target=name_target("Store.save")))
    assert got.symbol.qualified_name == "pkg.core.Store.save"
    assert [(r.path, r.range.start.line, r.resolution) for r in got.references] == [
        ("app.py", 6, G.RESOLUTION_RESOLVED)
    ]
    assert got.total == 1 and got.name_only_omitted == 1
    ref = got.references[0]
    assert ref.line_text == "s.save(1)" and ref.kind == CALL
    assert ref.enclosing.qualified_name == "app.main"
    with_loose = q.references(G.FindReferencesRequest(target=name_target("Store.save"), include_name_only=True))
    assert [(r.range.start.line, r.resolution) for r in with_loose.references] == [
        (6, G.RESOLUTION_RESOLVED),
        (7, G.RESOLUTION_NAME_ONLY),
    ]
    assert with_loose.name_only_omitted == 0
    # helper: called directly in core.py and through the alias h in app.py
    got = q.references(G.FindReferencesRequest(target=name_target("helper")))
    assert [(r.path, r.line_text) for r in got.references] == [("app.py", "h(3)"), ("pkg/core.py", "return helper(x)")]
    # a position on a use is the same symbol
    got2 = q.references(G.FindReferencesRequest(target=at(files, "app.py", "h", 1)))
    assert [r.path for r in got2.references] == ["app.py", "pkg/core.py"]
    # class references: the import lines are not references, the uses are
    got = q.references(G.FindReferencesRequest(target=name_target("Base")))
    assert [(r.path, r.kind) for r in got.references] == [("pkg/core.py", INHERIT)]
    assert got.references[0].enclosing.qualified_name == "pkg.core.Store"


def test_references_file_level_enclosing_and_edited_file_line(store, tmp_path):
    src = Src(
        """
        def f():
            pass

        f()
        """
    )
    src.d("f")
    src.r("f", 1, kind=CALL)
    q = index(store, tmp_path / "r", {"m.py": src})
    got = q.references(G.FindReferencesRequest(target=name_target("f")))
    ref = got.references[0]
    assert ref.enclosing.name == "" and ref.enclosing.path == "m.py" and ref.line_text == "f()"
    # the file changed on disk since indexing: the answer shows the current line, nothing else
    with open(tmp_path / "r" / "m.py", "w") as fh:
        fh.write("x = 1\n")
    ref = q.references(G.FindReferencesRequest(target=name_target("f"))).references[0]
    assert ref.line_text == "" and ref.range.start.line == 3


def test_ambiguous_names_are_refused_with_candidates(store, tmp_path):
    a = Src("def run():\n    pass\n")
    a.d("run")
    b = Src("class Job:\n    def run(self):\n        pass\n")
    job = b.d("Job", CLASS)
    b.d("run", METHOD, job)
    q = index(store, tmp_path / "r", {"a.py": a, "b.py": b})
    with pytest.raises(errors.InvalidInput) as exc:
        q.references(G.FindReferencesRequest(target=name_target("run")))
    assert "a.run (a.py:1)" in str(exc.value) and "b.Job.run (b.py:2)" in str(exc.value)
    with pytest.raises(errors.InvalidInput, match="ambiguous"):
        q.calls(G.CallHierarchyRequest(target=name_target("run")))
    # a definition query lists both
    got = q.definition(G.GetDefinitionRequest(target=name_target("run")))
    assert got.resolution == G.RESOLUTION_AMBIGUOUS and qnames(got.definitions) == ["a.run", "b.Job.run"]
    assert q.references(G.FindReferencesRequest(target=name_target("Job.run"))).symbol.qualified_name == "b.Job.run"


def test_call_hierarchy_callers_callees_depth_and_recursion(py_project):
    q, _ = py_project
    got = q.calls(G.CallHierarchyRequest(target=name_target("helper"), depth=3))
    edges = [(e.depth, e.caller.qualified_name, e.callee.qualified_name, len(e.call_sites)) for e in got.edges]
    assert sorted(edges) == sorted(
        [
            (1, "app.main", "pkg.core.helper", 1),
            (1, "pkg.core.Store.save", "pkg.core.helper", 1),
            (2, "app.fmt_it", "app.main", 1),
            (2, "app.main", "pkg.core.Store.save", 1),
            (3, "app.main", "app.fmt_it", 1),
        ]
    )
    assert [e.depth for e in got.edges] == sorted(e.depth for e in got.edges)
    assert not got.truncated
    # name-only calls join on request: (...).save(2)
    loose = q.calls(G.CallHierarchyRequest(target=name_target("Store.save"), include_name_only=True))
    (edge,) = loose.edges
    assert edge.resolution == G.RESOLUTION_NAME_ONLY and len(edge.call_sites) == 2
    # depth 1 with more above: truncated
    assert q.calls(G.CallHierarchyRequest(target=name_target("helper"), depth=1)).truncated
    # max_edges cuts too
    cut = q.calls(G.CallHierarchyRequest(target=name_target("helper"), depth=3, max_edges=1))
    assert len(cut.edges) == 1 and cut.truncated

    got = q.calls(G.CallHierarchyRequest(target=name_target("main"), direction=G.CALL_DIRECTION_CALLEES, depth=2))
    by_depth = {(e.depth, e.caller.qualified_name, e.callee.qualified_name) for e in got.edges}
    assert {
        (1, "app.main", "pkg.core.Store"),
        (1, "app.main", "pkg.core.Store.save"),
        (1, "app.main", "pkg.core.helper"),
        (1, "app.main", "app.fmt_it"),
        (2, "app.fmt_it", "pkg.util.fmt"),
        (2, "pkg.core.helper", "builtins.len"),
        (2, "pkg.core.Store.save", "pkg.util.Db.write"),
        (2, "pkg.core.Store.save", "pkg.core.Base.close"),
    } <= by_depth
    assert (2, "app.fmt_it", "app.main") in by_depth  # recursion shows as an edge, not a loop
    ext = next(e for e in got.edges if e.callee.qualified_name == "builtins.len")
    assert ext.callee.name == "len" and not ext.callee.path


def test_import_graph_and_cycles(py_project):
    q, _ = py_project
    got = q.imports(G.ImportGraphRequest(path="app.py", depth=1))
    assert sorted((e.from_path, e.to_path, e.module) for e in got.edges) == [
        ("app.py", "pkg/__init__.py", "pkg"),
        ("app.py", "pkg/core.py", "pkg.core"),
    ]
    assert got.truncated  # depth 1 left imports unexplored
    got = q.imports(G.ImportGraphRequest(path="", depth=3))
    pairs = {(e.from_path, e.to_path) for e in got.edges}
    assert ("pkg/core.py", "pkg/util.py") in pairs and ("pkg/util.py", "pkg/core.py") in pairs
    assert ("pkg/__init__.py", "pkg/core.py") in pairs and ("pkg/__init__.py", "pkg/util.py") in pairs
    assert [list(c.paths) for c in got.cycles] == [["pkg/core.py", "pkg/util.py"]]
    assert not got.external_modules
    by = q.imports(G.ImportGraphRequest(path="pkg/core.py", direction=G.IMPORT_DIRECTION_IMPORTED_BY, depth=2))
    importers = {(e.from_path, e.to_path) for e in by.edges}
    assert {("app.py", "pkg/core.py"), ("pkg/__init__.py", "pkg/core.py"), ("pkg/util.py", "pkg/core.py")} <= importers
    assert ("app.py", "pkg/__init__.py") in importers  # level 2
    with pytest.raises(errors.InvalidInput):
        q.imports(G.ImportGraphRequest(path="nope"))


def test_outline(py_project):
    q, _ = py_project
    got = q.outline(G.OutlineRequest())
    assert [(d.path, d.files, d.definitions) for d in got.directories] == [("pkg/", 3, 9)]
    assert [f.path for f in got.files] == ["app.py"] and got.total_files == 1
    assert qnames(got.files[0].symbols) == ["app.main", "app.fmt_it"]
    top = q.outline(G.OutlineRequest(path="pkg/core.py"))
    (f,) = top.files
    assert qnames(f.symbols) == ["pkg.core.Base", "pkg.core.Store", "pkg.core.helper"] and f.symbols_omitted == 3
    deep = q.outline(G.OutlineRequest(path="pkg/core.py", depth=1)).files[0]
    assert [s.name for s in deep.symbols] == ["Base", "Store", "helper", "close", "__init__", "save"]
    assert deep.symbols_omitted == 0
    pkg = q.outline(G.OutlineRequest(path="pkg"))
    assert [f.path for f in pkg.files] == ["pkg/__init__.py", "pkg/core.py", "pkg/util.py"]
    assert not pkg.directories


def test_search_modes_filters_and_ranking(py_project):
    q, _ = py_project
    got = q.search(G.SearchSymbolsRequest(query="Store", match=G.SYMBOL_MATCH_EXACT))
    assert qnames(got.symbols) == ["pkg.core.Store"] and got.total == 1
    assert not q.search(G.SearchSymbolsRequest(query="store", match=G.SYMBOL_MATCH_EXACT)).symbols
    got = q.search(G.SearchSymbolsRequest(query="s"))  # prefix, case-insensitive, shorter first
    assert [s.name for s in got.symbols] == ["save", "Store"]
    got = q.search(G.SearchSymbolsRequest(query="hlp", match=G.SYMBOL_MATCH_FUZZY))
    assert [s.name for s in got.symbols] == ["helper"]
    got = q.search(G.SearchSymbolsRequest(query="db", match=G.SYMBOL_MATCH_FUZZY))
    assert [s.name for s in got.symbols][0] == "Db"
    got = q.search(G.SearchSymbolsRequest(query="Store.sa"))  # dotted: the qualifier must match
    assert qnames(got.symbols) == ["pkg.core.Store.save"]
    got = q.search(G.SearchSymbolsRequest(query="f", kinds=[FUNC]))
    assert [s.name for s in got.symbols] == ["fmt", "fmt_it"]
    got = q.search(G.SearchSymbolsRequest(query="f", path_prefix="pkg"))
    assert [s.name for s in got.symbols] == ["fmt"]
    got = q.search(G.SearchSymbolsRequest(query="f", languages=["go"]))
    assert not got.symbols and got.total == 0
    c = got.completeness
    assert c.files_indexed == 4 and c.indexed_at_unix > 0 and not c.index_partial and not c.truncated
    assert [(s.reason, s.count) for s in c.files_skipped] == [(coordinator_pb2.REPOSITORY_SKIP_REASON_UNSUPPORTED, 1)]


def test_pagination_cursors_and_max_bytes(store, tmp_path):
    src = Src("\n".join(f"def item{n:03d}():\n    pass\n" for n in range(120)))
    for n in range(120):
        src.d(f"item{n:03d}")
    q = index(store, tmp_path / "r", {"m.py": src})
    seen: list[str] = []
    req = G.SearchSymbolsRequest(query="item", page=G.Page(page_size=7))
    while True:
        got = q.search(req)
        assert got.total == 120
        seen.extend(s.name for s in got.symbols)
        assert got.completeness.truncated == bool(got.next_cursor)
        if not got.next_cursor:
            break
        req.page.cursor = got.next_cursor
    assert seen == [f"item{n:03d}" for n in range(120)]
    # a byte budget smaller than a page stops early and the cursor continues from there
    small = q.search(G.SearchSymbolsRequest(query="item", page=G.Page(page_size=100, max_bytes=400)))
    assert 0 < len(small.symbols) < 10 and small.completeness.truncated and small.next_cursor
    rest = q.search(G.SearchSymbolsRequest(query="item", page=G.Page(page_size=1000, cursor=small.next_cursor)))
    assert [s.name for s in small.symbols] + [s.name for s in rest.symbols] == seen
    # one item larger than the budget still comes (progress guaranteed)
    one = q.search(G.SearchSymbolsRequest(query="item", page=G.Page(max_bytes=1)))
    assert len(one.symbols) == 1
    # default page size
    assert len(q.search(G.SearchSymbolsRequest(query="item")).symbols) == 50
    # fuzzy pages the same way
    fz = q.search(G.SearchSymbolsRequest(query="im9", match=G.SYMBOL_MATCH_FUZZY, page=G.Page(page_size=3)))
    fz2 = q.search(
        G.SearchSymbolsRequest(
            query="im9", match=G.SYMBOL_MATCH_FUZZY, page=G.Page(page_size=100, cursor=fz.next_cursor)
        )
    )
    names = [s.name for s in fz.symbols] + [s.name for s in fz2.symbols]
    assert len(names) == len(set(names)) == fz.total
    # cursors: malformed, or from another query
    for bad in ["@@@", "Zm9v", got.next_cursor or small.next_cursor]:
        with pytest.raises(errors.InvalidInput, match="cursor"):
            q.search(G.SearchSymbolsRequest(query="ite", page=G.Page(cursor=bad)))


def test_reference_pages_cover_everything_once(store, tmp_path):
    lines = ["def target():", "    pass", ""] + [f"target()  # {n}" for n in range(30)]
    src = Src("\n".join(lines) + "\n")
    src.d("target")
    for n in range(30):
        src.r("target", n + 1, kind=CALL)
    q = index(store, tmp_path / "r", {"m.py": src})
    got_lines: list[int] = []
    cursor = ""
    cursors = []
    while True:
        got = q.references(
            G.FindReferencesRequest(target=name_target("target"), page=G.Page(page_size=4, cursor=cursor))
        )
        assert got.total == 30
        got_lines.extend(r.range.start.line for r in got.references)
        cursor = got.next_cursor
        if not cursor:
            break
        cursors.append(cursor)
    assert got_lines == list(range(3, 33)) and len(cursors) == 7
    with pytest.raises(errors.InvalidInput, match="another query"):
        q.references(
            G.FindReferencesRequest(
                target=name_target("target"), include_name_only=True, page=G.Page(cursor=cursors[0])
            )
        )


# --------------------------------------------------------------------------- JS / TS


def ts_project() -> dict[str, Src | str]:
    index_ts = Src(
        """
        export * from './store';
        export { default as Db } from './db';
        """
    )
    index_ts.i("./store", "*", "", export=True, at="store")
    index_ts.i("./db", "default", "Db", export=True, at="Db")

    db = Src(
        """
        export default class Db {
          write() {}
        }
        """
    )
    dbc = db.d("Db", CLASS)
    db.d("write", METHOD, dbc)
    db.i("", "Db", "default", export=True, at="Db")

    store = Src(
        """
        import Db from './db';
        export class Base {
          close() {}
        }
        export class Store extends Base {
          db: Db;
          constructor() {
            super();
            this.db = new Db();
          }
          save() {
            this.db.write();
            this.close();
          }
        }
        """
    )
    store.i("./db", "default", "Db", at="Db")
    base = store.d("Base", CLASS)
    store.d("close", METHOD, base)
    st = store.d("Store", CLASS, bases=("Base",))
    ctor = store.d("constructor", CTOR, st)
    save = store.d("save", METHOD, st)
    store.r("Base", 1, kind=INHERIT, enc=st)
    store.r("Db", 1, kind=TYPE, enc=st)
    store.h("this.db", "Db", st)
    store.r("Db", 2, kind=CALL, enc=ctor)
    store.r("write", 0, recv="this.db", kind=CALL, enc=save)
    store.r("close", 1, recv="this", kind=CALL, enc=save)

    app = Src(
        """
        import { Store } from '.';
        import * as S from './store';
        import { Db as D } from './index';
        const s = new Store();
        s.save();
        new S.Store().save();
        const d = new D();
        d.write();
        """
    )
    app.i(".", "Store", "Store", at="Store")
    app.i("./store", "", "S", at="S")
    app.i("./index", "Db", "D", at="D")
    app.h("s", "Store")
    app.h("d", "D")
    app.r("Store", 1, kind=CALL)
    app.r("save", 0, recv="s", kind=CALL)
    app.r("Store", 2, recv="S", kind=CALL)
    app.r("save", 1, recv="?", kind=CALL)
    app.r("D", 1, kind=CALL)
    app.r("write", 0, recv="d", kind=CALL)
    return {"src/index.ts": index_ts, "src/db.ts": db, "src/store.ts": store, "src/app.ts": app}


def test_typescript_imports_reexports_index_files_and_members(store, tmp_path, facts_source):
    files = ts_project()
    q = index(store, tmp_path / "r", files, facts_source)

    def defn(path: str, token: str, nth: int = 0) -> list[str]:
        return qnames(q.definition(G.GetDefinitionRequest(target=at(files, path, token, nth))).definitions)

    assert defn("src/app.ts", "Store", 1) == ["src/store.ts:Store"]  # '.' -> src/index -> export *
    assert defn("src/app.ts", "save", 0) == ["src/store.ts:Store.save"]
    assert defn("src/app.ts", "Store", 2) == ["src/store.ts:Store"]  # namespace import
    assert defn("src/app.ts", "D", 1) == ["src/db.ts:Db"]  # export { default as Db } + default class
    assert defn("src/app.ts", "write", 0) == ["src/db.ts:Db.write"]
    assert defn("src/store.ts", "write", 0) == ["src/db.ts:Db.write"]  # this.db: a field type
    assert defn("src/store.ts", "close", 1) == ["src/store.ts:Base.close"]  # inherited through extends

    refs = q.references(G.FindReferencesRequest(target=name_target("Store.save")))
    assert [(r.path, r.line_text) for r in refs.references] == [("src/app.ts", "s.save();")]
    assert refs.name_only_omitted == 1
    callers = q.calls(G.CallHierarchyRequest(target=name_target("Db.write")))
    assert sorted((e.caller.qualified_name or e.caller.path) for e in callers.edges) == [
        "src/app.ts",
        "src/store.ts:Store.save",
    ]
    # constructor calls: `new Db()` calls the class
    ctor_callers = q.calls(G.CallHierarchyRequest(target=name_target("src/db.ts:Db")))
    assert {e.caller.qualified_name or e.caller.path for e in ctor_callers.edges} == {
        "src/store.ts:Store.constructor",
        "src/app.ts",
    }
    graph = q.imports(G.ImportGraphRequest(path="src/app.ts", depth=2))
    pairs = {(e.from_path, e.to_path, e.module) for e in graph.edges}
    assert ("src/app.ts", "src/index.ts", ".") in pairs and ("src/index.ts", "src/db.ts", "./db") in pairs
    assert ("src/app.ts", "src/store.ts", "./store") in pairs


# --------------------------------------------------------------------------- Go


def go_project() -> dict[str, Src | str]:
    model = Src(
        """
        package store

        type DB struct{}

        func (d *DB) Get() string {
            return helper()
        }
        """,
        package="store",
    )
    model.d("DB", STRUCT)
    get = model.d("Get", METHOD, qname="DB.Get")
    model.h("d", "DB", get)
    model.r("DB", 1, enc=get, kind=TYPE)
    model.r("helper", 0, enc=get, kind=CALL)

    util = Src(
        """
        package store

        func helper() string {
            return "x"
        }

        func New() *DB {
            return &DB{}
        }
        """,
        package="store",
    )
    util.d("helper")
    new = util.d("New")
    util.r("DB", 0, enc=new, kind=TYPE)
    util.r("DB", 1, enc=new)

    main = Src(
        """
        package main

        import (
            "fmt"
            "example.com/app/pkg/store"
        )

        func main() {
            db := store.New()
            var d store.DB
            fmt.Println(d.Get(), db, len("x"))
        }
        """,
        package="main",
    )
    main.i("fmt", "", "fmt", at="fmt")
    main.i("example.com/app/pkg/store", "", "store", at="store")
    mfn = main.d("main", FUNC, nth=1)
    main.h("d", "store.DB", mfn)
    main.r("New", 0, recv="store", enc=mfn, kind=CALL)
    main.r("DB", 0, recv="store", enc=mfn, kind=TYPE)
    main.r("Println", 0, recv="fmt", enc=mfn, kind=CALL)
    main.r("Get", 0, recv="d", enc=mfn, kind=CALL)
    main.r("len", 0, enc=mfn, kind=CALL)
    return {
        "go.mod": "module example.com/app\n\ngo 1.22\n",
        "pkg/store/model.go": model,
        "pkg/store/util.go": util,
        "cmd/app/main.go": main,
    }


def test_go_packages_across_files_receivers_and_imports(store, tmp_path, facts_source):
    files = go_project()
    q = index(store, tmp_path / "r", files, facts_source)

    def defn(path: str, token: str, nth: int = 0) -> G.GetDefinitionResponse:
        return q.definition(G.GetDefinitionRequest(target=at(files, path, token, nth)))

    assert qnames(defn("pkg/store/model.go", "helper").definitions) == ["pkg/store.helper"]  # same package, other file
    assert qnames(defn("cmd/app/main.go", "New").definitions) == ["pkg/store.New"]
    assert qnames(defn("cmd/app/main.go", "Get").definitions) == ["pkg/store.DB.Get"]
    assert defn("cmd/app/main.go", "Println").external == "fmt.Println"
    assert defn("cmd/app/main.go", "len").external == "builtin.len"
    refs = q.references(G.FindReferencesRequest(target=name_target("DB")))
    assert sorted((r.path, r.range.start.line) for r in refs.references) == [
        ("cmd/app/main.go", 9),
        ("pkg/store/model.go", 4),
        ("pkg/store/util.go", 6),
        ("pkg/store/util.go", 7),
    ]
    graph = q.imports(G.ImportGraphRequest(path="cmd", depth=1))
    assert {(e.from_path, e.to_path, e.module, e.external) for e in graph.edges} == {
        ("cmd/app/main.go", "pkg/store/", "example.com/app/pkg/store", False),
        ("cmd/app/main.go", "", "fmt", True),
    }
    assert [(m.module, m.count) for m in graph.external_modules] == [("fmt", 1)]
    callers = q.calls(G.CallHierarchyRequest(target=name_target("helper"), depth=2))
    assert [(e.depth, e.caller.qualified_name) for e in callers.edges] == [
        (1, "pkg/store.DB.Get"),
        (2, "cmd/app.main"),
    ]


# --------------------------------------------------------------------------- Java


def java_project() -> dict[str, Src | str]:
    helper = Src(
        """
        package com.acme.util;

        public class Helper {
            public static void go() {}
        }
        """,
        package="com.acme.util",
    )
    h = helper.d("Helper", CLASS)
    helper.d("go", METHOD, h)

    base = Src(
        """
        package com.acme.app;

        public class Base {
            void start() {}
        }
        """,
        package="com.acme.app",
    )
    b = base.d("Base", CLASS)
    base.d("start", METHOD, b)

    svc = Src(
        """
        package com.acme.app;

        import com.acme.util.Helper;

        public class Service extends Base {
            Helper h;
            void run() {
                start();
                h.go();
                Helper.go();
                this.stop();
                String s = String.valueOf(1);
            }
            void stop() {
                super.start();
            }
        }
        """,
        package="com.acme.app",
    )
    svc.i("com.acme.util", "Helper", "Helper", at="Helper")
    s = svc.d("Service", CLASS, bases=("Base",))
    run = svc.d("run", METHOD, s)
    stop = svc.d("stop", METHOD, s)
    svc.r("Base", 0, kind=INHERIT, enc=s)
    svc.r("Helper", 1, kind=TYPE, enc=s)
    svc.h("this.h", "Helper", s)
    svc.h("h", "Helper", s)
    svc.r("start", 0, enc=run, kind=CALL)
    svc.r("go", 0, recv="h", enc=run, kind=CALL)
    svc.r("go", 1, recv="Helper", enc=run, kind=CALL)
    svc.r("stop", 0, recv="this", enc=run, kind=CALL)
    svc.r("String", 0, enc=run, kind=TYPE)
    svc.r("start", 1, recv="super", enc=stop, kind=CALL)
    return {
        "src/com/acme/util/Helper.java": helper,
        "src/com/acme/app/Base.java": base,
        "src/com/acme/app/Service.java": svc,
    }


def test_java_imports_same_package_inheritance_and_fields(store, tmp_path, facts_source):
    files = java_project()
    q = index(store, tmp_path / "r", files, facts_source)
    path = "src/com/acme/app/Service.java"

    def defn(token: str, nth: int = 0) -> G.GetDefinitionResponse:
        return q.definition(G.GetDefinitionRequest(target=at(files, path, token, nth)))

    assert qnames(defn("start", 0).definitions) == ["com.acme.app.Base.start"]  # inherited, bare
    assert qnames(defn("start", 1).definitions) == ["com.acme.app.Base.start"]  # super.start()
    assert qnames(defn("go", 0).definitions) == ["com.acme.util.Helper.go"]  # a typed field
    assert qnames(defn("go", 1).definitions) == ["com.acme.util.Helper.go"]  # static call via import
    assert qnames(defn("stop", 0).definitions) == ["com.acme.app.Service.stop"]
    assert qnames(defn("Base").definitions) == ["com.acme.app.Base"]  # same package, no import
    assert defn("String").external == "java.lang.String"
    refs = q.references(G.FindReferencesRequest(target=name_target("Base.start")))
    assert [r.range.start.line for r in refs.references] == [7, 14]
    graph = q.imports(G.ImportGraphRequest(path=path))
    assert [(e.to_path, e.module) for e in graph.edges] == [("src/com/acme/util/Helper.java", "com.acme.util")]
    by = q.imports(G.ImportGraphRequest(path="src/com/acme/util/Helper.java", direction=G.IMPORT_DIRECTION_IMPORTED_BY))
    assert [e.from_path for e in by.edges] == [path]


# --------------------------------------------------------------------------- the real extractor, end to end


class RealParse:
    """A `send` that parses in-process with the parse worker's own code (facts included)."""

    async def __call__(self, files, timeout, options=None):
        from codeintel.kernel.source import prepare
        from services.parse.domain import parse_source

        results = []
        for f in files:
            lang = f.language or languages.from_path(f.path) or ""
            o = parse_source(prepare(f.path, lang, f.content), include_facts=True)
            result = parse_pb2.ParseResult(path=f.path, language=o.language, has_errors=o.has_errors)
            if o.facts is not None:
                result.facts.CopyFrom(o.facts)
            results.append(parse_pb2.ParseFileResult(result=result))
        return coordinator_pb2.CodeIntelServiceParseBatchResponse(
            results=results, info=coordinator_pb2.BatchInfo(cache=[coordinator_pb2.CACHE_STATUS_MISS] * len(files))
        )


def index_real(store, root, files: Mapping[str, str]) -> Queries:
    pytest.importorskip("services.parse.facts")
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as fh:
            fh.write(textwrap.dedent(text).lstrip("\n"))
    asyncio.run(Indexer(store, RealParse()).run(str(root)))
    return Queries(store, str(root))


REAL_PY = {
    "pkg/__init__.py": """
        from .core import Store
        from .util import *
        """,
    "pkg/core.py": """
        from . import util


        class Base:
            def close(self):
                pass


        class Store(Base):
            def __init__(self):
                self.db = util.Db()

            def save(self, x):
                self.db.write(x)
                self.close()
                return helper(x)

            def reset(self):
                super().close()


        def helper(x):
            def inner(y):
                return len(y)

            return inner(x)


        def shadow(helper):
            return helper(1)
        """,
    "pkg/util.py": """
        class Db:
            def write(self, x):
                pass


        def fmt(x):
            from . import core

            return x
        """,
    "app.py": """
        import pkg
        from pkg import Store
        from pkg.core import helper as h
        import pkg.util


        def main(store: Store):
            s = Store()
            s.save(1)
            store.save(2)
            pkg.Store().save(3)
            pkg.util.Db().write(4)
            h(3)
            return fmt_it()


        def fmt_it():
            from pkg import fmt

            return fmt(main(None))
        """,
}


def line_of(q: Queries, ref: G.Reference) -> tuple[str, str]:
    return ref.path, ref.line_text


def test_real_python_extractor_end_to_end(store, tmp_path):
    q = index_real(store, tmp_path / "r", REAL_PY)
    refs = q.references(G.FindReferencesRequest(target=name_target("Store.save")))
    assert [line_of(q, r) for r in refs.references] == [("app.py", "s.save(1)"), ("app.py", "store.save(2)")]
    assert refs.name_only_omitted == 1  # pkg.Store().save(3): a call result
    # helper: the module's function, not shadow's parameter; the alias h counts
    refs = q.references(G.FindReferencesRequest(target=name_target("pkg.core.helper")))
    assert [line_of(q, r) for r in refs.references] == [("app.py", "h(3)"), ("pkg/core.py", "return helper(x)")]
    refs = q.references(G.FindReferencesRequest(target=name_target("Base.close")))
    assert sorted(r.line_text for r in refs.references) == ["self.close()", "super().close()"]
    refs = q.references(G.FindReferencesRequest(target=name_target("pkg.util.Db")))
    assert sorted(r.line_text for r in refs.references) == ["pkg.util.Db().write(4)", "self.db = util.Db()"]
    callers = q.calls(G.CallHierarchyRequest(target=name_target("helper"), depth=2))
    assert {(e.depth, e.caller.qualified_name, e.callee.qualified_name) for e in callers.edges} == {
        (1, "pkg.core.Store.save", "pkg.core.helper"),
        (1, "app.main", "pkg.core.helper"),
        (2, "app.main", "pkg.core.Store.save"),
        (2, "app.fmt_it", "app.main"),
    }
    callees = q.calls(G.CallHierarchyRequest(target=name_target("helper"), direction=G.CALL_DIRECTION_CALLEES, depth=2))
    assert {(e.depth, e.callee.qualified_name) for e in callees.edges} == {
        (1, "pkg.core.helper.inner"),
        (2, "builtins.len"),
    }
    graph = q.imports(G.ImportGraphRequest(depth=2))
    assert [list(c.paths) for c in graph.cycles] == [["pkg/core.py", "pkg/util.py"]]
    out = q.outline(G.OutlineRequest(path="pkg/core.py", depth=1))
    assert [s.name for s in out.files[0].symbols][:4] == ["Base", "Store", "helper", "shadow"]


# --------------------------------------------------------------------------- one symbol, many definitions


def test_overloads_and_property_accessors_are_one_resolved_symbol(store, tmp_path):
    files = {
        "src/of.ts": """
            export function of(a: number): number;
            export function of(a: string): string;
            export function of(a: any): any {
              return a;
            }
            """,
        "src/use.ts": """
            import { of } from './of';
            export const x = of(1);
            """,
        "pkg/__init__.py": "",
        "pkg/m.py": """
            from typing import overload


            class C:
                @property
                def p(self):
                    return 1

                @p.setter
                def p(self, v):
                    pass


            @overload
            def f(x: int) -> int: ...
            @overload
            def f(x: str) -> str: ...
            def f(x):
                return x


            def use(c: C):
                return f(c.p)
            """,
    }
    q = index_real(store, tmp_path / "r", files)

    def definition(path: str, line: int, col: int) -> G.GetDefinitionResponse:
        return q.definition(G.GetDefinitionRequest(target=pos_target(path, line, col)))

    got = definition("src/use.ts", 1, 17)  # of(1): the implementation, after the overloads
    assert got.resolution == G.RESOLUTION_RESOLVED
    assert [(d.path, d.selection_range.start.line) for d in got.definitions] == [("src/of.ts", 2)]
    got = definition("pkg/m.py", 22, 12)  # f(...): the function after its @overload stubs
    assert got.resolution == G.RESOLUTION_RESOLVED
    assert [d.selection_range.start.line for d in got.definitions] == [17]
    got = definition("pkg/m.py", 22, 16)  # c.p: the property's getter
    assert got.resolution == G.RESOLUTION_RESOLVED
    assert [d.selection_range.start.line for d in got.definitions] == [5]
    # by name too, and the references of the symbol are resolved ones
    got = q.definition(G.GetDefinitionRequest(target=name_target("pkg.m.C.p")))
    assert got.resolution == G.RESOLUTION_RESOLVED and len(got.definitions) == 1
    refs = q.references(G.FindReferencesRequest(target=name_target("src/of.ts:of")))
    assert {(r.path, r.resolution) for r in refs.references} == {("src/use.ts", G.RESOLUTION_RESOLVED)}


def test_module_level_variables_resolve_through_their_type(store, tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/wrappers.py": """
            class Request:
                def path(self):
                    return "/"
            """,
        "pkg/globals.py": """
            from .wrappers import Request

            request: Request = make_proxy()
            """,
        "pkg/app.py": """
            from .globals import request


            def handle():
                return request.path()
            """,
    }
    q = index_real(store, tmp_path / "r", files)
    got = q.definition(G.GetDefinitionRequest(target=pos_target("pkg/app.py", 4, 20)))
    assert got.resolution == G.RESOLUTION_RESOLVED
    assert [d.qualified_name for d in got.definitions] == ["pkg.wrappers.Request.path"]
    refs = q.references(G.FindReferencesRequest(target=name_target("Request.path")))
    assert [(r.path, r.resolution) for r in refs.references] == [("pkg/app.py", G.RESOLUTION_RESOLVED)]
    assert refs.name_only_omitted == 0
    # the variable itself is not its type (nor any definition)
    with pytest.raises(errors.NotFound):
        q.definition(G.GetDefinitionRequest(target=pos_target("pkg/app.py", 4, 12)))


def test_commonjs_module_exports(store, tmp_path):
    # The export rows a CommonJS file contributes: `module.exports = Sender` (alias "module.exports")
    # and `module.exports = { mask: _mask }` (like `export { _mask as mask }`).
    sender = Src(
        """
        class Sender {
          send() {}
        }
        module.exports = Sender;
        """
    )
    sender.d("Sender", CLASS)
    sender.d("send", METHOD, 0)
    sender.i("", name="Sender", alias="module.exports", export=True, at="Sender")
    util = Src(
        """
        function _mask(a) {}
        module.exports = { mask: _mask };
        """
    )
    util.d("_mask")
    util.i("", name="_mask", alias="mask", export=True, at="mask")
    app = Src(
        """
        const Sender = require('./sender');
        const { mask } = require('./util');
        const s = new Sender();
        s.send();
        mask(1);
        """
    )
    app.i("./sender", alias="Sender", at="Sender")
    app.i("./util", name="mask", alias="mask", at="mask")
    app.r("Sender", 1, kind=CALL)
    app.h("s", "Sender")
    app.r("send", recv="s", kind=CALL)
    app.r("mask", 1, kind=CALL)
    files = {"lib/sender.js": sender, "lib/util.js": util, "lib/app.js": app}
    q = index(store, tmp_path / "r", files)

    def target(token: str, nth: int) -> list[str]:
        got = q.definition(G.GetDefinitionRequest(target=at(files, "lib/app.js", token, nth)))
        assert got.resolution == G.RESOLUTION_RESOLVED
        return [d.qualified_name for d in got.definitions]

    assert target("Sender", 1) == ["lib/sender.js:Sender"]  # require() binds the class, not the module
    assert target("send", 0) == ["lib/sender.js:Sender.send"]
    assert target("mask", 1) == ["lib/util.js:_mask"]  # the export's rename is followed


def test_commonjs_module_exports_through_the_real_extractor(store, tmp_path):
    # The export row of `module.exports = Store` comes from services.parse.facts itself.
    files = {
        "lib/a.js": """
            class Store {
              save() {}
            }
            module.exports = Store;
            """,
        "lib/b.js": """
            const Store = require('./a');
            new Store().save();
            const s = new Store();
            s.save();
            """,
    }
    q = index_real(store, tmp_path / "r", files)

    def definition(line: int, column: int) -> tuple[int, list[tuple[str, str]]]:
        got = q.definition(G.GetDefinitionRequest(target=pos_target("lib/b.js", line, column)))
        return got.resolution, [(d.qualified_name, d.path) for d in got.definitions]

    resolved = G.RESOLUTION_RESOLVED
    assert definition(1, 5) == (resolved, [("lib/a.js:Store", "lib/a.js")])  # the class, not the module
    assert definition(2, 15) == (resolved, [("lib/a.js:Store", "lib/a.js")])
    assert definition(3, 3) == (resolved, [("lib/a.js:Store.save", "lib/a.js")])
    # a call's result is typed nowhere: by name, the one candidate
    assert definition(1, 14) == (G.RESOLUTION_NAME_ONLY, [("lib/a.js:Store.save", "lib/a.js")])
    refs = q.references(G.FindReferencesRequest(target=pos_target("lib/a.js", 0, 7)))
    assert [(r.path, r.range.start.line, r.resolution) for r in refs.references] == [
        ("lib/a.js", 3, resolved),  # module.exports = Store
        ("lib/b.js", 1, resolved),
        ("lib/b.js", 2, resolved),
    ]
    refs = q.references(G.FindReferencesRequest(target=name_target("Store.save")))
    assert [(r.path, r.range.start.line, r.resolution) for r in refs.references] == [("lib/b.js", 3, resolved)]


def test_attributes_typed_in_a_base_class_file(store, tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/provider.py": """
            class Provider:
                def dumps(self):
                    return ""
            """,
        "pkg/base.py": """
            from .provider import Provider


            class App:
                def __init__(self):
                    self.json: Provider = Provider()
            """,
        "pkg/app.py": """
            from .base import App


            class Flask(App):
                def run(self):
                    self.other.dumps()
                    return self.json.dumps()
            """,
    }
    q = index_real(store, tmp_path / "r", files)
    got = q.definition(G.GetDefinitionRequest(target=pos_target("pkg/app.py", 6, 27)))
    assert got.resolution == G.RESOLUTION_RESOLVED
    assert [d.qualified_name for d in got.definitions] == ["pkg.provider.Provider.dumps"]
    # an attribute typed nowhere stays name-only
    got = q.definition(G.GetDefinitionRequest(target=pos_target("pkg/app.py", 5, 20)))
    assert got.resolution == G.RESOLUTION_NAME_ONLY
    refs = q.references(G.FindReferencesRequest(target=name_target("Provider.dumps")))
    assert [r.line_text for r in refs.references] == ["return self.json.dumps()"]
    assert refs.name_only_omitted == 1
