"""bench.graph: the correctness harness computes precision and recall as documented (on a 3-file
project whose Jedi answers are computed live, and an answer sheet whose numbers are known), the
TypeScript reference script answers what the language service says, our side runs end to end on a
tiny project, and the speed harness runs on a 10-file directory. No timing is asserted."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from bench.graph import compare, jedi_ref, projects, ts_ref
from bench.graph.compare import NONE, RESOLVED, Def, DefAnswer, RefAnswer
from bench.graph.ours import graph_api

A = """\
def helper(x):
    return x + 1


class Base:
    def run(self):
        return helper(1)
"""
B = """\
from pkg.a import Base, helper
from . import a


class Child(Base):
    def go(self):
        self.run()
        return a.helper(2) + helper(3)


def main():
    c = Child()
    s = "é"; c.go()
"""


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "a.py").write_text(A)
    (root / "pkg" / "b.py").write_text(B, encoding="utf-8")
    return str(root)


def _decl(ref, name):
    return next(d for d in ref.declarations if d[3] == name)


def test_jedi_reference_of_a_tiny_project(tiny):
    ref = jedi_ref.build(tiny, "tiny", "0", workers=1)
    assert {(d[0], d[1], d[3], d[4]) for d in ref.declarations} == {
        ("pkg/a.py", 1, "helper", "function"),
        ("pkg/a.py", 5, "Base", "class"),
        ("pkg/a.py", 6, "run", "method"),
        ("pkg/b.py", 5, "Child", "class"),
        ("pkg/b.py", 6, "go", "method"),
        ("pkg/b.py", 11, "main", "function"),
    }
    targets = {(u[0], u[1], u[2], u[3]): u[4] for u in ref.usages}
    helper, go = _decl(ref, "helper")[5], _decl(ref, "go")[5]
    assert targets[("pkg/b.py", 8, 17, "helper")] == [helper]  # a.helper
    assert targets[("pkg/b.py", 8, 29, "helper")] == [helper]  # helper bound by the import
    # a byte column after a two-byte character: `s = "é"; c.go()` -> go at character 15, byte 16
    assert targets[("pkg/b.py", 13, 16, "go")] == [go]
    # names in import statements are not usages
    assert not any(u[0] == "pkg/b.py" and u[1] in (1, 2) for u in ref.usages)
    assert sorted(ref.references[helper]) == [("pkg/a.py", 7, 15), ("pkg/b.py", 8, 17), ("pkg/b.py", 8, 29)]


def test_precision_and_recall_of_a_known_answer_sheet(tiny):
    """An answer sheet right everywhere except: no answer for `a.helper` (a false negative), the
    class Base claimed for the local `c` (a false positive: Jedi names no function there), and
    FindReferences of helper missing one use and adding the `c` at line 13."""
    ref = jedi_ref.build(tiny, "tiny", "0", workers=1)
    by_group = {d[5]: d for d in ref.declarations}
    truth = {(u[0], u[1], u[2]): u[4] for u in ref.usages}
    helper, base = _decl(ref, "helper")[5], _decl(ref, "Base")[5]

    def definition_at(path, line, col):
        if (path, line, col) == ("pkg/b.py", 8, 17):
            return DefAnswer(NONE)
        if (path, line, col) == ("pkg/b.py", 13, 14):  # `c` in c.go() (byte 14)
            d = by_group[base]
            return DefAnswer(RESOLVED, (Def(d[0], d[1], d[3], "class"),))
        gs = truth.get((path, line, col), [])
        if not gs:
            return DefAnswer(NONE)
        d = by_group[gs[0]]
        return DefAnswer(RESOLVED, (Def(d[0], d[1], d[3], d[4]),))

    def references_of(path, line, col):
        g = next(d[5] for d in ref.declarations if (d[0], d[1], d[2]) == (path, line, col))
        uses = set(ref.references.get(g, []))
        if g == helper:
            uses.discard(("pkg/b.py", 8, 17))
            uses.add(("pkg/b.py", 13, 14))
        return RefAnswer(True, tuple(sorted(uses)))

    s = compare.score(ref, tiny, definition_at, references_of)
    d = s.tally("definition")
    # Jedi: helper x3, Base, run, Child, go -> 7 items; ours: 6 of them right + Base at `c`
    assert (d.ref, d.ours, d.ref_hit, d.ours_hit) == (7, 7, 6, 6)
    assert d.precision == pytest.approx(6 / 7) and d.recall == pytest.approx(6 / 7)
    f = s.tally("definition", "python", "function")
    assert (f.ref, f.ref_hit, f.ours, f.ours_hit) == (3, 2, 2, 2)
    c = s.tally("definition", "python", "class")
    assert (c.ref, c.ref_hit, c.ours, c.ours_hit) == (2, 2, 3, 2)
    r = s.tally("references")
    assert (r.ref, r.ours, r.ref_hit) == (7, 7, 6)
    assert r.precision == pytest.approx(6 / 7) and r.recall == pytest.approx(6 / 7)
    kinds = {(m.query, m.side) for m in s.misses}
    assert kinds == {("definition", "fn"), ("definition", "fp"), ("references", "fn"), ("references", "fp")}
    table = "\n".join(compare.table("t", s, "definition", 0.95, 0.90))
    assert "85.7%" in table and "NO" in table


def test_usage_shape():
    assert compare.usage_shape(b"    self.run()", 9) == "self/this attribute"
    assert compare.usage_shape(b"x = helper(1)", 4) == "bare name"
    assert compare.usage_shape(b"a.b.helper()", 4) == "attribute of a name"
    assert compare.usage_shape(b"super().run()", 8) == "super attribute"
    assert compare.usage_shape(b"f().run()", 4) == "attribute of a call/subscript"


def _ts_available() -> bool:
    try:
        ts_ref.typescript_version()
    except ts_ref.Unavailable:
        return False
    return shutil.which("node") is not None


@pytest.mark.skipif(not _ts_available(), reason="node or node_modules/typescript missing (npm ci)")
def test_typescript_reference_of_a_tiny_project(tmp_path):
    root = tmp_path / "root"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.ts").write_text(
        "export function helper(x: number): number;\n"
        "export function helper(x: string): string;\n"
        "export function helper(x: any): any {\n  return x;\n}\n\n"
        "export class Base {\n  constructor(public n: number) {}\n  run(): number {\n    return helper(1);\n  }\n}\n"
    )
    (root / "src" / "b.ts").write_text(
        "import { Base, helper } from './a';\n\n"
        "export class Child extends Base {\n  go(): number {\n    return helper(2);\n  }\n}\n\n"
        "export const main = () => new Child(1).go();\n"
    )
    (root / "lib.js").write_text("class Thing {\n  hello() { return 1; }\n}\nmodule.exports = { Thing };\n")
    (root / "use.js").write_text("const { Thing } = require('./lib');\nnew Thing().hello();\n")
    ref = ts_ref.build(str(root), "tiny", "0")
    assert ref.files == {
        "src/a.ts": "typescript",
        "src/b.ts": "typescript",
        "lib.js": "javascript",
        "use.js": "javascript",
    }
    helpers = [d for d in ref.declarations if d[3] == "helper"]
    assert len(helpers) == 3 and len({d[5] for d in helpers}) == 1  # overloads: one group
    assert {d[3]: d[4] for d in ref.declarations} == {
        "helper": "function",
        "Base": "class",
        "run": "method",
        "Child": "class",
        "go": "method",
        "main": "function",
        "Thing": "class",
        "hello": "method",
    }
    targets = {(u[0], u[1], u[3]): u[4] for u in ref.usages}
    group = {d[3]: d[5] for d in ref.declarations}
    assert targets[("src/b.ts", 9, "Child")] == [group["Child"]]  # not Base's constructor
    assert targets[("src/b.ts", 5, "helper")] == [group["helper"]]
    assert targets[("use.js", 2, "Thing")] == [group["Thing"]]  # through require + module.exports
    assert targets[("use.js", 2, "hello")] == [group["hello"]]
    assert not any(u[0] == "src/b.ts" and u[1] == 1 for u in ref.usages)  # the import line
    assert ("src/b.ts", 5, 11) in ref.references[group["helper"]]
    assert ("src/b.ts", 3, 27) in ref.references[group["Base"]]


@pytest.mark.skipif(graph_api() is None, reason="codeintel.graph is not there")
def test_our_side_end_to_end_on_the_tiny_project(tiny, tmp_path):
    from bench.graph import correctness

    class Tiny(projects.Project):
        @property
        def version(self) -> str:
            return "0"

    p = Tiny("tiny", "python", tiny, "")
    s, info = correctness.run_project(p, root=tiny, cache_dir=str(tmp_path / "cache"))
    assert info["declarations"] == 6 and info["ours_totals"]["files"] == 3
    for q in ("definition", "references"):
        t = s.tally(q)
        assert t.ref == 7
        assert 0 <= t.ours_hit <= t.ours and 0 <= t.ref_hit <= t.ref
    out: list[str] = []
    correctness.report(s, [info], out=_Lines(out))
    text = "".join(out)
    assert "GetDefinition at every usage" in text and "overall" in text
    assert os.listdir(tmp_path / "cache")  # the Jedi answers were cached there, not in bench/results


class _Lines:
    def __init__(self, out: list[str]):
        self.out = out

    def write(self, s: str) -> int:
        self.out.append(s)
        return len(s)

    def flush(self) -> None:
        return None


@pytest.mark.skipif(graph_api() is None, reason="codeintel.graph is not there")
@pytest.mark.timeout(300)
def test_speed_harness_runs_on_ten_files(tmp_path, capsys):
    from bench.graph import speed

    out = tmp_path / "graph.json"
    assert speed.main(["--in-process", "--limit", "10", "--edits", "2", "--samples", "5", "--json", str(out)]) == 0
    data = json.loads(out.read_text())["speed"]
    assert data["cold"]["files"] == 10 and data["cold"]["totals"]["files"] >= 1
    assert data["edit"]["edits"] == 2
    ids = {f["id"] for f in data["figures"]}
    assert "graph_cold_index" in ids
    for q in ("search", "definition", "references", "callers"):
        assert data["queries"][q]["n"] >= 1
        assert {f"graph_query_{q}_p50", f"graph_query_{q}_p99"} <= ids
    for f in data["figures"]:
        assert f["baseline"] is not None and f["target"] is not None
    assert "cold index" in capsys.readouterr().out


def test_synthetic_repository_links_the_corpus(tmp_path):
    from bench.graph import speed

    src = tmp_path / "src"
    (src / "p").mkdir(parents=True)
    for name in ("a.py", "p/b.py", "p/c.py"):
        (src / name).write_text("x = 1\n")
    n = speed.synthetic(str(tmp_path / "big"), str(src), ["a.py", "p/b.py", "p/c.py"], 7)
    assert n == 9  # three copies of three files
    assert sorted(os.listdir(tmp_path / "big")) == ["pkg000", "pkg001", "pkg002"]
    assert (tmp_path / "big" / "pkg002" / "p" / "c.py").read_text() == "x = 1\n"
