"""The quality benchmark's corpus is well-formed and its scoring is right (bench/quality.py)."""

from __future__ import annotations

import io
import json
import os
import shutil

import pytest

from bench import quality as q
from codeintel.kernel.languages import get_parser

MINIMUMS = {"python": 120, "javascript": 80, "typescript": 50, "go": 70, "java": 70}


@pytest.fixture(scope="module")
def corpus():
    return q.load_corpus()


def _walk_errors(root) -> list[tuple[int, int, str]]:
    """(line, column, type) of every ERROR / MISSING node, found with an explicit stack."""
    out, stack = [], [root]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            out.append((n.start_point[0] + 1, n.start_point[1] + 1, n.type))
        stack.extend(n.children)
    return out


def test_every_corpus_file_parses_in_its_language():
    paths = q.corpus_paths()
    assert {lang for _, lang in paths} == set(q.LANGUAGES)
    for path, lang in paths:
        with open(path, "rb") as fh:
            tree = get_parser(lang).parse(fh.read())
        errors = _walk_errors(tree.root_node)
        assert not errors, f"{os.path.relpath(path, q.CORPUS)}: syntax errors at {errors[:5]}"


def test_every_label_names_a_known_class_and_ends_code(corpus):
    # load_corpus raises CorpusError otherwise; check the parsed labels as well.
    for cf in corpus:
        for lab in cf.expects + cf.safes + cf.flows:
            for group in lab.groups:
                assert set(group) <= set(q.CLASSES), f"{cf.path}:{lab.line}: {group}"
            assert lab.end >= lab.line


def test_unknown_class_and_comment_only_label_are_rejected(tmp_path):
    d = tmp_path / "python"
    d.mkdir()
    (d / "a.py").write_text("x = eval(y)  # expect: code-injektion\n")
    with pytest.raises(q.CorpusError, match="a.py:1: unknown class"):
        q.load_corpus(str(tmp_path))
    (d / "a.py").write_text("# expect: code-injection\nx = eval(y)\n")
    with pytest.raises(q.CorpusError, match="comment line"):
        q.load_corpus(str(tmp_path))
    (d / "a.py").write_text("x = y  # flow: code-injection\n")
    with pytest.raises(q.CorpusError, match="no `expect: code-injection` below"):
        q.load_corpus(str(tmp_path))


def test_each_applicable_class_has_a_vulnerable_case_and_a_safe_twin_per_language(corpus):
    counts = q.label_counts(corpus)
    gaps = []
    for lang in q.LANGUAGES:
        for cls in q.CLASSES:
            if cls in q.NOT_APPLICABLE.get(lang, ()):
                assert counts[lang]["expect"][cls] == 0, f"{lang} has a case for inapplicable {cls}"
                continue
            if counts[lang]["expect"][cls] == 0:
                gaps.append(f"{lang}: no vulnerable {cls}")
            if counts[lang]["safe"][cls] == 0:
                gaps.append(f"{lang}: no safe {cls}")
    assert not gaps, gaps


def test_label_counts_meet_the_minimums(corpus):
    counts = q.label_counts(corpus)
    totals = {lang: sum(counts[lang]["expect"].values()) + sum(counts[lang]["safe"].values()) for lang in q.LANGUAGES}
    for lang, minimum in MINIMUMS.items():
        assert totals[lang] >= minimum, f"{lang}: {totals[lang]} labelled cases, want >= {minimum}"
    assert sum(totals.values()) >= 400
    for lang in q.LANGUAGES:  # both kinds well represented, not only one
        assert sum(counts[lang]["safe"].values()) >= totals[lang] // 4, lang


SYNTHETIC = """\
import os
import subprocess


def handler(request):
    name = request.args["name"]
    subprocess.run(  # expect: command-injection
        "ls " + name,
        shell=True,
    )
    subprocess.run(["ls", "--", name])  # safe: command-injection
    cmd = "cat " + name  # flow: command-injection
    os.system(cmd)  # expect: command-injection
    eval(name)  # expect: code-injection, xss
    open("/tmp/x", "w")  # expect: file-permissions | path-traversal
    return name
"""


def _synthetic(tmp_path) -> q.CorpusFile:
    d = tmp_path / "python"
    d.mkdir()
    (d / "app.py").write_text(SYNTHETIC)
    [cf] = q.load_corpus(str(tmp_path))
    return cf


def _f(line: int, cls: str) -> q.Finding:
    return q.Finding(line, cls, "rule", "CWE-1", "high", "high")


def test_labels_span_their_statement(tmp_path):
    cf = _synthetic(tmp_path)
    spans = [(lab.line, lab.end, lab.groups) for lab in cf.expects]
    assert spans == [
        (7, 10, [("command-injection",)]),
        (13, 13, [("command-injection",)]),
        (14, 14, [("code-injection",), ("xss",)]),
        (15, 15, [("file-permissions", "path-traversal")]),
    ]
    assert [(s.line, s.end) for s in cf.safes] == [(11, 11)]
    assert [(f.line, f.targets) for f in cf.flows] == [(12, [(1, 0)])]


def test_scoring_counts_tp_fn_fp(tmp_path):
    cf = _synthetic(tmp_path)
    findings = [
        _f(8, "command-injection"),  # inside the multi-line call labelled on line 7: TP
        _f(8, "command-injection"),  # duplicate: no second TP, no FP
        _f(11, "command-injection"),  # the safe twin: FP
        _f(12, "command-injection"),  # flow line: credits the expect on line 13
        _f(14, "code-injection"),  # one of two classes on line 14: TP, xss stays FN
        _f(15, "path-traversal"),  # an alternative: TP for the file-permissions case
        _f(15, "path-traversal"),  # counted once
        _f(16, "ssrf"),  # unlabelled line: FP
        _f(16, "ssrf"),  # duplicate on a line: one FP
        _f(5, "other"),  # CWE outside the table: neither TP nor FP
    ]
    s = q.score(cf, findings)
    got = {k: (c.tp, c.fp, c.fn) for k, c in s.per_class.items()}
    assert got == {
        "command-injection": (2, 1, 0),
        "code-injection": (1, 0, 0),
        "xss": (0, 0, 1),
        "file-permissions": (1, 0, 0),
        "ssrf": (0, 1, 0),
    }
    assert s.fp_on_safe_twin == 1
    assert [f.line for f in s.other] == [5]
    assert ("FN", 14, "xss", "not reported") in s.misses
    assert [m[:3] for m in s.misses if m[0] == "FP"] == [("FP", 11, "command-injection"), ("FP", 16, "ssrf")]


def test_scoring_with_no_findings_is_all_fn(tmp_path):
    cf = _synthetic(tmp_path)
    s = q.score(cf, [])
    total = q.Counts()
    for c in s.per_class.values():
        total.add(c)
    assert (total.tp, total.fp, total.fn) == (0, 0, 5)
    assert total.recall == 0.0 and total.precision is None


def test_cwe_and_bandit_classes():
    assert q.class_of_cwe("CWE-89") == "sql-injection"
    assert q.class_of_cwe("CWE-943") == "nosql-injection"
    assert q.class_of_cwe("CWE-400") == "other"  # resource exhaustion is not ReDoS
    assert q.class_of_cwe("CWE-1333") == "redos"
    assert q.class_of_cwe("") == "other"
    assert q.BANDIT_OVERRIDES["B307"] == "code-injection"
    assert q.BANDIT_OVERRIDES["B314"] == "xxe"


def test_main_runs_end_to_end_on_a_small_subset(tmp_path):
    sub = tmp_path / "corpus"
    for lang, name in (("python", "flask_shop.py"), ("javascript", "koa_api.js"), ("go", "files.go")):
        (sub / lang).mkdir(parents=True)
        shutil.copy(os.path.join(q.CORPUS, lang, name), sub / lang / name)
    out = io.StringIO()
    json_path = tmp_path / "out" / "quality.json"
    # Bandit is a dev dependency (installed with the venv): the comparison must run, not quietly drop out.
    import bandit

    result = q.run(
        reps=1,
        json_path=str(json_path),
        list_misses=True,
        corpus=str(sub),
        repeat=1,
        stdlib=5,
        use_bandit=True,
        out=out,
    )
    text = out.getvalue()
    for heading in ("Per language", "Per class", "Overall", "Speed", "Targets"):
        assert heading in text
    on_disk = json.loads(json_path.read_text())
    assert on_disk["corpus"] == result["corpus"]
    assert set(on_disk["corpus"]) == {"python", "javascript", "go"}
    ci = on_disk["codeintel"]["overall"]
    labelled = sum(v["vulnerable"] for v in on_disk["corpus"].values())
    assert ci["tp"] + ci["fn"] == labelled
    assert on_disk["speed"]["python_corpus"]["codeintel_files_per_s"] > 0
    assert on_disk["speed"]["stdlib"]["files"] == 5
    assert "bandit is not installed" not in text
    assert on_disk["bandit"]["version"] == bandit.__version__
    bd = on_disk["bandit"]["python"]
    assert bd["tp"] + bd["fn"] == on_disk["corpus"]["python"]["vulnerable"] > 0
    assert bd["tp"] > 0  # bandit did scan the files: it finds some of the labelled flaws
    assert on_disk["speed"]["python_corpus"]["bandit_files_per_s"] > 0
    assert "bandit: false negatives and false positives" in text
    # every listed miss points at a real corpus line
    for m in on_disk["misses"]["codeintel"]:
        assert m["line"] >= 1 and m["kind"] in ("FN", "FP")
