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
