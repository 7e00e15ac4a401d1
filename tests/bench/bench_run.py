"""Running a bench module as `python -m bench.X ... --json OUT` from the repository root, as a
person would: the tests then check the JSON and the printed table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_bench(module: str, args: list[str], out, timeout: float) -> tuple[dict, str]:
    """The JSON the module wrote to `out`, and what it printed; a failed run fails the test with its stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(out) as fh:
        return json.load(fh), proc.stdout
