"""bench.quality.owasp: OWASP's scoring (TPR - FPR per category, mean of categories) on a small
edition made here, through the real scan engine and the service's SARIF; agreement with the
corpora's reference scorer where it is present; a clear skip where the corpora are not."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.quality import owasp

SERVLET = """class {name} extends HttpServlet {{
  public void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {{
    String param = request.getParameter("p");
    String bar = {value};
    statement.executeQuery("SELECT * FROM t WHERE a = '" + bar + "'");
  }}
}}
"""

# name, category, real vulnerability, cwe, the value that reaches the query
CASES = [
    ("BenchmarkTest00001", "sqli", True, 89, "param"),  # found: TP
    ("BenchmarkTest00002", "sqli", True, 89, '"constant"'),  # labelled real, nothing reaches: FN
    ("BenchmarkTest00003", "sqli", False, 89, '"constant"'),  # TN
    ("BenchmarkTest00004", "sqli", False, 89, "param.trim()"),  # labelled safe, flagged: FP
    ("BenchmarkTest00005", "xss", True, 79, "param"),  # an SQL finding is no XSS finding: FN
    ("BenchmarkTest00006", "sqli", True, 89, 'new Wrap(request).valueOf("p")'),  # a helper in another file
]

HELPER = """package org.owasp.benchmark.helpers;
public class Wrap {
  private final HttpServletRequest r;
  public Wrap(HttpServletRequest r) { this.r = r; }
  public String valueOf(String name) { return r.getParameter(name); }
}
"""


def _edition(tmp_path: Path) -> Path:
    base = tmp_path / "owasp-benchmark-java"
    cases = base / "src/main/java/org/owasp/benchmark/testcode"
    cases.mkdir(parents=True)
    lines = ["# test name, category, real vulnerability, cwe"]
    for name, cat, real, cwe, value in CASES:
        (cases / f"{name}.java").write_text(SERVLET.format(name=name, value=value))
        lines.append(f"{name},{cat},{str(real).lower()},{cwe}")
    (base / "expectedresults-1.2.csv").write_text("\n".join(lines) + "\n")
    helpers = base / "src/main/java/org/owasp/benchmark/helpers"
    helpers.mkdir(parents=True)
    (helpers / "Wrap.java").write_text(HELPER)
    return tmp_path


def test_scores_an_edition_through_the_engine_and_its_sarif(tmp_path):
    corpora = _edition(tmp_path)
    out = io.StringIO()
    figures = owasp.run(corpora, ["java"], workers=1, sarif_dir=tmp_path / "sarif", p=lambda *a: print(*a, file=out))
    cats = {c["category"]: c for c in figures["java"]["categories"]}
    # one file at a time the helper's request data is out of sight: 1 of 3 real ones found
    assert (cats["sqli"]["TP"], cats["sqli"]["FN"], cats["sqli"]["FP"], cats["sqli"]["TN"]) == (1, 2, 1, 1)
    assert (cats["xss"]["TP"], cats["xss"]["FN"]) == (0, 1)
    assert cats["sqli"]["score"] == pytest.approx(1 / 3 - 1 / 2)
    assert (tmp_path / "sarif" / "owasp-java.sarif").is_file()
    assert figures["java"]["reference_score"] is None  # no score_owasp.py beside this edition: said so
    assert "reference scorer: not run" in out.getvalue()


def test_a_cross_file_run_follows_the_helper(tmp_path):
    corpora = _edition(tmp_path)
    figures = owasp.run(corpora, ["java"], workers=1, sarif_dir=tmp_path, p=lambda *a: None, cross_file=True)
    sqli = next(c for c in figures["java-cross-file"]["categories"] if c["category"] == "sqli")
    assert (sqli["TP"], sqli["FN"], sqli["FP"], sqli["TN"]) == (2, 1, 1, 1)
    assert (tmp_path / "owasp-java-cross-file.sarif").is_file()


def test_agrees_with_the_reference_scorer_when_it_is_there(tmp_path):
    reference = owasp.DEFAULT_CORPORA / "score_owasp.py"
    if not reference.is_file():
        pytest.skip(f"no reference scorer at {reference} (the corpora live outside the repository)")
    corpora = _edition(tmp_path)
    shutil.copy(reference, corpora / "score_owasp.py")
    figures = owasp.run(corpora, ["java"], workers=1, sarif_dir=tmp_path, p=lambda *a: None)
    assert figures["java"]["reference_score"] == pytest.approx(figures["java"]["score"], abs=0.0005)
    # and the reference scorer reads the SARIF the service writes (the result's CWE property)
    done = subprocess.run(
        [
            sys.executable,
            str(reference),
            str(corpora / "owasp-benchmark-java/expectedresults-1.2.csv"),
            str(tmp_path / "owasp-java.sarif"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sqli" in done.stdout and "TP    1 FN    2 FP    1 TN    1" in done.stdout


def test_missing_corpora_are_a_clear_skip(tmp_path):
    said: list[str] = []
    assert owasp.run(tmp_path / "nowhere", ["java", "python"], workers=1, sarif_dir=None, p=said.append) == {}
    assert said and "skipped, no corpora at" in said[0]
    (tmp_path / "c").mkdir()
    assert owasp.run(tmp_path / "c", ["python"], workers=1, sarif_dir=None, p=said.append) == {}
    assert "skipped" in said[-1] and "expectedresults-0.1.csv" in said[-1]


def test_equivalent_cwes_count_as_the_category():
    cases = [
        owasp.Case("BenchmarkTest00001", "pathtraver", True, 22),
        owasp.Case("BenchmarkTest00002", "hash", True, 328),
    ]
    s = owasp.score(cases, {"BenchmarkTest00001": {23}, "BenchmarkTest00002": {916}})
    assert s.total["TP"] == 2 and s.mean == pytest.approx(1.0)
