"""Query-time resolution (codeintel.graph.links) on rows written straight into a store: re-export
chains and cycles, the depth limit, submodules and module shifting, index files, class bases
breadth first, the SUPER flag, language fallbacks and external modules."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from codeintel.graph import FileWrite, open_store
from codeintel.graph.links import External, Links, ModuleHit
from codeintel.graph.resolve import SUPER
from codeintel.v1 import parse_pb2

CLASS, FUNC, METHOD = parse_pb2.SYMBOL_KIND_CLASS, parse_pb2.SYMBOL_KIND_FUNCTION, parse_pb2.SYMBOL_KIND_METHOD
INHERIT = parse_pb2.REFERENCE_KIND_INHERIT


def fw(
    path: str,
    module: str,
    *,
    language: str = "python",
    defs: Sequence[tuple] = (),
    refs: Sequence[tuple] = (),
    imports: Sequence[tuple] = (),
) -> FileWrite:
    """defs: (name, kind, parent, bases); refs: (name, kind, enclosing, tmod, tname, flags, start byte);
    imports: (module, name, alias, tmod[, is_export])."""
    rows: list[tuple] = []
    for i, (name, kind, parent, bases) in enumerate(defs):
        qname = name if parent < 0 else f"{rows[parent][3]}.{name}"
        rows.append(
            (
                i,
                name,
                name.lower(),
                qname,
                module,
                kind,
                parent,
                1,
                "\n".join(bases),
                i,
                0,
                i + 1,
                0,
                i * 100,
                i * 100 + 99,
                i,
                0,
                i,
                5,
                i * 100,
                i * 100 + 5,
            )
        )
    return FileWrite(
        path=path,
        language=language,
        module=module,
        scope=module,
        size=1,
        mtime_ns=1,
        sha256="x",
        defs=rows,
        refs=[(n, k, e, "", tm, tn, fl, 0, 0, 0, 0, sb, sb + 1) for n, k, e, tm, tn, fl, sb in refs],
        imports=[(module, m, 0, n, a, int(x[0]) if x else 0, -1, tm, 0) for m, n, a, tm, *x in imports],
    )


@pytest.fixture
def links(sqlite_url, tmp_path):
    store = open_store(sqlite_url)
    repo = store.open_repo(str(tmp_path))

    def make(*writes: FileWrite) -> Links:
        store.replace_files(repo, list(writes))
        return Links(repo, repo.id)

    yield make
    store.close()


def names(res) -> list[str]:
    assert isinstance(res, tuple), res
    return [f"{d.scope}:{d.qname}" for d in res]


def test_reexport_chains_cycles_and_the_depth_limit(links):
    chain = [fw(f"m{n}.py", f"m{n}", imports=[(f"m{n + 1}", "x", "x", f"m{n + 1}")]) for n in range(11)]
    chain.append(fw("m11.py", "m11", defs=[("x", FUNC, -1, ())]))
    cyc = [
        fw("a.py", "a", imports=[("b", "y", "y", "b")]),
        fw("b.py", "b", imports=[("a", "y", "y", "a")]),
    ]
    lk = links(*chain, *cyc)
    assert lk.resolve("m0", "x", 0) is None  # 11 hops: past the limit of 8
    assert names(lk.resolve("m5", "x", 0)) == ["m11:x"]  # 6 hops: the miss above is not remembered
    assert lk.resolve("a", "y", 0) is None  # a cycle ends, it does not loop
    assert lk.resolve("b", "y", 0) is None


def test_submodules_module_shifting_index_files_and_externals(links):
    lk = links(
        fw("pkg/__init__.py", "pkg"),
        fw("pkg/sub.py", "pkg.sub", defs=[("f", FUNC, -1, ())]),
        fw("src/com/acme/C.java", "com.acme", language="java", defs=[("C", CLASS, -1, ()), ("m", METHOD, 0, ())]),
        fw("src/lib/index.ts", "src/lib/index", language="typescript", defs=[("x", FUNC, -1, ())]),
    )
    assert names(lk.resolve("pkg", "sub.f", 0)) == ["pkg.sub:f"]  # `import pkg` then pkg.sub.f
    assert names(lk.resolve("com.acme.C", "m", 0)) == ["com.acme:C.m"]  # import static com.acme.C.m
    assert names(lk.resolve("src/lib", "x", 0)) == ["src/lib/index:x"]
    assert lk.resolve("numpy", "array", 0) == External("numpy", "array")
    assert lk.resolve("pkg.nothing", "f", 0) is None  # the package exists: the name does not
    hit = lk.resolve("pkg", "", 0)
    assert isinstance(hit, ModuleHit) and [f.path for f in hit.files] == ["pkg/__init__.py"]
    assert lk.resolve(None, None, 0) is None


def test_members_walk_bases_breadth_first_and_super_skips_the_class(links):
    # class X: f ; class A(X) ; class B: f ; class C(A, B): f ; class Loop1(Loop2) ; class Loop2(Loop1)
    lk = links(
        fw(
            "m.py",
            "m",
            defs=[
                ("X", CLASS, -1, ()),
                ("f", METHOD, 0, ()),
                ("A", CLASS, -1, ("X",)),
                ("B", CLASS, -1, ()),
                ("f", METHOD, 3, ()),
                ("C", CLASS, -1, ("A", "B")),
                ("f", METHOD, 5, ()),
                ("Loop1", CLASS, -1, ("Loop2",)),
                ("Loop2", CLASS, -1, ("Loop1",)),
                ("D", CLASS, -1, ("base.Remote",)),
            ],
            refs=[
                ("X", INHERIT, 2, "m", "X", 0, 200),
                ("A", INHERIT, 5, "m", "A", 0, 500),
                ("B", INHERIT, 5, "m", "B", 0, 501),
                ("Loop2", INHERIT, 7, "m", "Loop2", 0, 700),
                ("Loop1", INHERIT, 8, "m", "Loop1", 0, 800),
                ("Remote", INHERIT, 9, "base", "Remote", 0, 900),
            ],
        )
    )
    assert names(lk.resolve("m", "C.f", 0)) == ["m:C.f"]  # its own first
    assert names(lk.resolve("m", "C.f", SUPER)) == ["m:B.f"]  # bases only: B (level 1) before X (level 2)
    assert names(lk.resolve("m", "A.f", 0)) == ["m:X.f"]
    assert lk.resolve("m", "Loop1.f", 0) is None  # inheritance cycles end
    assert lk.resolve("m", "D.run", 0) == External("base", "Remote.run")  # a base outside the repository
    assert lk.resolve("m", "X.f.g", 0) is None  # an attribute of a method is not followed


def test_language_fallbacks(links):
    lk = links(
        fw("p/a.go", "p", language="go", defs=[("helper", FUNC, -1, ())]),
        fw("src/q/A.java", "q", language="java", defs=[("A", CLASS, -1, ())]),
    )
    assert names(lk.resolve("p", "helper", 0)) == ["p:helper"]
    assert lk.resolve("p", "len", 0) == External("builtin", "len")
    assert lk.resolve("q", "String", 0) == External("java.lang", "String")
    assert lk.resolve("q", "Nope", 0) is None


def test_python_and_js_bindings_follow_reexports(links):
    lk = links(
        fw("pkg/__init__.py", "pkg", imports=[("core", "Store", "Store", "pkg.core"), ("os", "", "os", "os")]),
        fw("pkg/core.py", "pkg.core", defs=[("Store", CLASS, -1, ())]),
        fw(
            "src/db.ts",
            "src/db",
            language="typescript",
            defs=[("Db", CLASS, -1, ())],
            imports=[("", "Db", "default", "src/db", True)],
        ),
        fw(
            "src/index.ts",
            "src/index",
            language="typescript",
            imports=[("./db", "default", "Db", "src/db", True), ("./other", "*", "", "src/other", True)],
        ),
        fw("src/other.ts", "src/other", language="typescript", defs=[("o", FUNC, -1, ())]),
    )
    assert names(lk.resolve("pkg", "Store", 0)) == ["pkg.core:Store"]
    assert lk.resolve("pkg", "os.sep", 0) == External("os", "sep")
    assert names(lk.resolve("src", "Db", 0)) == ["src/db:Db"]  # '.' -> index -> export { default as Db }
    assert names(lk.resolve("src/index", "o", 0)) == ["src/other:o"]  # export *
