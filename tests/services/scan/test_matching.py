"""The anchor prefilter (matching.py): prefiltered scans find exactly what one query over the whole
file finds, whatever the range gap and the whole-walk share."""

from __future__ import annotations

import glob
import sysconfig
from pathlib import Path

import pytest

from codeintel.kernel.source import prepare
from services.scan import engine, matching
from services.scan.rules import RULES_DIR

RULES = engine.RuleSet.load()

STDLIB = sorted(glob.glob(str(Path(sysconfig.get_paths()["stdlib"]) / "*.py")))


@pytest.mark.parametrize("gap,share", [(256, 1.0), (1, 1e9), (1, 0.0)])
def test_prefilter_gives_identical_findings(monkeypatch, gap, share):
    """Prefiltered scans (ranged runs merged or one per occurrence, or whole-file walks) find exactly
    what one query over the whole file finds, on every rule example."""
    full = engine.RuleSet.load(RULES_DIR)
    assert full is not RULES and RULES.prefilter
    full.prefilter = False
    monkeypatch.setattr(matching, "_RANGE_GAP", gap)
    monkeypatch.setattr(matching, "_FULL_WALK_SHARE", share)
    ext = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "go": "go", "java": "java"}
    for e in RULES.examples:
        for code in e.vulnerable + e.safe:
            src = prepare(f"x.{ext[e.language]}", e.language, code.encode())
            assert RULES.scan(src) == full.scan(src), (e.rule_id, code)
            padded = prepare(src.path, e.language, b"\n" * 300 + code.encode() + b"\n" * 300)
            assert RULES.scan(padded) == full.scan(padded), (e.rule_id, code)


@pytest.mark.skipif(not STDLIB, reason="no CPython standard library sources here")
def test_prefilter_gives_identical_findings_on_stdlib():
    full = engine.RuleSet.load(RULES_DIR)
    full.prefilter = False
    for p in STDLIB[::8]:
        src = prepare(p, "", Path(p).read_bytes())
        assert RULES.scan(src, include_suppressed=True) == full.scan(src, include_suppressed=True), p


@pytest.mark.parametrize(
    "code",
    [
        'API_KEY = "q8ZtR3wX9vB2nM5kL7jH4gF6dS1aP0oI"\n',
        'client(Auth_Token="q8ZtR3wX9vB2nM5kL7jH4gF6dS1aP0oI")\n',
        'CONFIG = {"Client_Secret": "hunter2hunter2"}\n',
        "def f(PassWord='hunter2hunter2'):\n    pass\n",
        # U+212A KELVIN SIGN: re's case-insensitive `key` matches it, a lower-cased byte search does
        # not, so a non-ASCII file runs the case-insensitive rules over all of it
        'API_\u212aEY = "q8ZtR3wX9vB2nM5kL7jH4gF6dS1aP0oI"\n',
        '# caf\u00e9\nAPI_KEY = "q8ZtR3wX9vB2nM5kL7jH4gF6dS1aP0oI"\n',
    ],
)
def test_case_insensitive_anchors_find_what_the_full_query_finds(code):
    """Rules anchored by FOLDED literals (case-insensitive #match? regexes): ranged runs around their
    lower-cased occurrences find what one query over the whole file finds, in any spelling."""
    full = engine.RuleSet.load(RULES_DIR)
    full.prefilter = False
    plan = RULES._plan_for("python")
    assert {"py.hardcoded-secret", "py.high-entropy-secret"} <= {
        rid for rid, (found, _) in plan.anchored.items() if any(a.kind == "folded" for a in found)
    }
    src = prepare("x.py", "python", b"x = 1\n" * 200 + code.encode() + b"y = 2\n" * 200)
    got = RULES.scan(src)
    assert got.findings  # each snippet is a finding of one of the secret rules
    assert got == full.scan(src)
