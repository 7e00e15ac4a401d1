"""Baselines: the fingerprints of accepted findings, so a scan reports only new ones."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from codeintel.kernel.sarif import FINGERPRINT_KEY


class BaselineError(ValueError):
    """A baseline file that cannot be used; the message says why."""


def read_baseline(path: str) -> list[str]:
    """Fingerprints from a baseline file (ours: {"fingerprints": [...]}) or a SARIF log (partialFingerprints)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as e:
        raise BaselineError(f"cannot read baseline {path}: {e.strerror}") from None
    except ValueError as e:
        raise BaselineError(f"baseline {path} is not JSON: {e}") from None
    if isinstance(data, dict) and isinstance(data.get("fingerprints"), list):
        prints = data["fingerprints"]
    elif isinstance(data, dict) and isinstance(data.get("runs"), list):
        prints = [
            res.get("partialFingerprints", {}).get(FINGERPRINT_KEY)
            for run in data["runs"]
            for res in run.get("results", [])
        ]
        prints = [p for p in prints if p]
    else:
        raise BaselineError(f'baseline {path}: expected {{"fingerprints": [...]}} or a SARIF log')
    if not all(isinstance(p, str) for p in prints):
        raise BaselineError(f"baseline {path}: fingerprints must be strings")
    return sorted(set(prints))


def write_baseline(path: str, results: Iterable[Any]) -> int:
    """Write the fingerprints of every finding in `results`; returns how many."""
    prints = sorted({f.fingerprint for r in results for f in r.findings})
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"tool": "codeintel", "fingerprints": prints}, fh, indent=1)
        fh.write("\n")
    return len(prints)
