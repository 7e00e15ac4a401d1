"""codeintel.repo.crossfile: which other files' summaries go with a file's scan -- only names its text
uses, of its language family, not its own, not names so common they say nothing -- and the options
(cache key) of a file that can use none stay the run's own."""

from __future__ import annotations

from codeintel.repo import crossfile
from codeintel.v1 import scan_pb2


def _result(language: str, *names: str) -> scan_pb2.ScanResult:
    return scan_pb2.ScanResult(
        language=language, summaries=[scan_pb2.FunctionSummary(name=n, language=language) for n in names]
    )


def test_a_file_gets_the_summaries_of_names_it_uses_from_other_files():
    g = crossfile.Gathered()
    g.add("helpers/Wrap.java", _result("java", "Wrap.getTheParameter", "Wrap.other"))
    g.add("Main.java", _result("java", "Main.doGet"))
    g.add("util.py", _result("python", "util.getTheParameter"))
    got = g.for_file("Main.java", "java", b"class Main { void doGet() { w.getTheParameter(1); } }")
    assert [s.name for s in got] == ["Wrap.getTheParameter"]  # not Wrap.other (unused), not python's
    assert g.for_file("helpers/Wrap.java", "java", b"getTheParameter other") == []  # its own names
    base = scan_pb2.ScanOptions(include_sarif=True)
    assert g.options_for(base, []) is base  # nothing to use: the run's options, the same cache key
    opts = g.options_for(base, got)
    assert opts.include_sarif and [s.name for s in opts.summaries] == ["Wrap.getTheParameter"]


def test_names_defined_in_many_files_are_not_sent():
    g = crossfile.Gathered()
    for i in range(crossfile.MAX_DEFINITIONS + 1):
        g.add(f"m{i}.py", _result("python", f"m{i}.handle", f"m{i}.unique{i}"))
    got = g.for_file("main.py", "python", b"handle(x); unique3(y)")
    assert [s.name for s in got] == ["m3.unique3"]


def test_a_file_gets_at_most_per_file_summaries_and_the_note_says_so():
    g = crossfile.Gathered()
    names = [f"f{i}" for i in range(crossfile.PER_FILE + 5)]
    g.add("lib.js", _result("javascript", *names))
    got = g.for_file("app.ts", "typescript", " ".join(names).encode())  # TypeScript calls JavaScript
    assert len(got) == crossfile.PER_FILE and g.truncated == 1
    assert f"more than {crossfile.PER_FILE:,}" in g.note()
