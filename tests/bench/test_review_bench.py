"""bench.review end to end on a tiny stand-in for the two releases (unpacked sdists already in the
cache directory, so nothing is downloaded): the git repository of two commits, the stack, the rows.
No timing is asserted."""

from __future__ import annotations

import json

from bench import review as bench_review


def test_the_review_bench_runs_on_two_small_versions(tmp_path, capsys):
    cache = tmp_path / "cache"
    old = cache / f"{bench_review.PROJECT}-{bench_review.OLD}" / "src" / "pkg"
    new = cache / f"{bench_review.PROJECT}-{bench_review.NEW}" / "src" / "pkg"
    for d in (old, new):
        d.mkdir(parents=True)
        (d / "__init__.py").write_text("")
    (old / "a.py").write_text("def f(x):\n    return x\n")
    (new / "a.py").write_text("def f(x):\n    if x:\n        return 1\n    return x\n")
    (old / "gone.py").write_text("def g():\n    return 0\n")
    (new / "fresh.py").write_text("from pkg.a import f\n\n\ndef h():\n    return f(1)\n")
    (old / "same.py").write_text("X = 1\n")
    (new / "same.py").write_text("X = 1\n")
    out = tmp_path / "review.json"
    assert bench_review.main(["--runs", "1", "--cache-dir", str(cache), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["files"] == ["src/pkg/a.py", "src/pkg/fresh.py", "src/pkg/gone.py"]
    assert [row["what"] for row in data["rows"]][0].startswith("review, cold worker caches")
    assert len(data["rows"]) == 5 and all(row["seconds"] > 0 for row in data["rows"])
    printed = capsys.readouterr().out
    assert "3 changed .py files (3 reviewed, 1 functions changed, 1 added, 1 removed" in printed
