"""bench.query end to end on the first 40 files of the standard library: the corpus copy, the stack,
every search cold and cached, the table. No timing is asserted."""

from __future__ import annotations

import json

from bench import query as bench_query


def test_the_query_bench_runs_on_a_small_corpus(tmp_path, capsys):
    out = tmp_path / "query.json"
    assert bench_query.main(["--limit", "40", "--reps", "1", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["files"] == 40
    keys = [f["id"] for f in data["figures"]]
    assert keys == ["query.cold", "query.warm", "pattern.cold", "pattern.warm", "every-def.cold", "every-def.warm"]
    printed = capsys.readouterr()
    assert "figure" in printed.out and "every def, no prefilter" in printed.out
    assert "ruled out by text without a parse" in printed.err
