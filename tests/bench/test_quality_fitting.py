"""bench.quality.fitting: the quality corpus holds no statement copied from a rule's own examples
(a corpus fitted to the rules scores what the rules were written against), and a copy is caught."""

from __future__ import annotations

import shutil

from bench.quality import fitting
from bench.quality.labels import CORPUS


def test_the_corpus_copies_no_rule_example():
    found = fitting.overlaps()
    assert found == [], "\n".join(f"{o.path}:{o.line} {o.text!r} <- {o.example}" for o in found)


def test_a_copied_statement_is_found(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    example = next(e for e in fitting.load_examples() if e.kind == "vulnerable" and "taint/specs/python" in e.source)
    statement = max(example.lines, key=len)
    target = corpus / "python" / "copied.py"
    target.write_text(f"def handler(request, cur):\n    {statement}  # expect: sql-injection\n")
    found = fitting.overlaps(str(corpus))
    assert [(o.path.replace("\\", "/"), o.line, o.label) for o in found] == [("python/copied.py", 2, "expect")]
