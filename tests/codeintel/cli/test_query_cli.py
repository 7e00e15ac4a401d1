"""`codeintel query` as a user runs it: the real CLI in a subprocess against a real coordinator and
parse worker (LocalStack with --repo-roots), and once with the local stack the CLI starts itself:
text and JSON output, a pattern, paging with --cursor, and an invalid query (exit 2, its position)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codeintel.ops.stack import LocalStack

TIMEOUT = 180
OPEN = '(call function: (identifier) @fn (#eq? @fn "open")) @call'
FILES = {
    "src/a.py": "f = open('a')\n\n\ndef g(p):\n    return open(p)\n",
    "src/b.py": "eval(input())\n",
    "src/c.js": "open('js');\n",
}


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codeintel", *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = Path(os.path.realpath(tmp_path_factory.mktemp("query-cli")))
    for rel, body in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    return root


@pytest.fixture(scope="module")
def address(base):
    s = LocalStack(
        workers=1,
        extra_args=["--analyze-workers", "0", "--scan-workers", "0", f"--coordinator-arg=--repo-roots={base}"],
    )
    s.start(timeout=120)
    yield s.address
    s.stop()


def test_text_output_counts_first_then_one_line_per_match(address, base):
    r = cli("query", OPEN, str(base / "src"), "--language", "python", "--coordinator", address)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "2 matches in 1 of 2 files searched (python)"
    assert lines[1:] == ["a.py:1:5: @call=open('a')  @fn=open", "a.py:5:12: @call=open(p)  @fn=open"]


def test_a_pattern_as_json(address, base):
    r = cli(
        "query",
        "--pattern",
        "eval($X)",
        str(base / "src"),
        "--language",
        "python",
        "--format",
        "json",
        "--coordinator",
        address,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["matches"] == 1 and data["root"] == str(base / "src")
    (m,) = data["matches"]
    assert [(c["name"], c["text"]) for c in m["captures"]] == [("match", "eval(input())"), ("X", "input()")]


def test_paging_with_the_cursor(address, base):
    first = cli("query", OPEN, str(base / "src"), "--language", "python", "--page-size", "1", "--coordinator", address)
    assert first.returncode == 0, first.stderr
    more = [line for line in first.stdout.splitlines() if line.startswith("more: repeat with --cursor ")]
    assert len(more) == 1 and "a.py:1:5" in first.stdout and "a.py:5:12" not in first.stdout
    cursor = more[0].rsplit(" ", 1)[1]
    second = cli(
        "query",
        OPEN,
        str(base / "src"),
        "--language",
        "python",
        "--page-size",
        "1",
        "--cursor",
        cursor,
        "--coordinator",
        address,
    )
    assert second.returncode == 0, second.stderr
    assert "a.py:5:12" in second.stdout and "more:" not in second.stdout
    other = cli(
        "query", "(call) @c", str(base / "src"), "--language", "python", "--cursor", cursor, "--coordinator", address
    )
    assert other.returncode == 2 and "another query" in other.stderr


def test_an_invalid_query_exits_2_with_its_position(base):
    # Checked before any coordinator is reached: no --coordinator, and no stack is started.
    r = cli("query", "(call function: (identifer) @fn)", str(base), "--language", "python")
    assert r.returncode == 2 and r.stdout == ""
    assert "at 1:18" in r.stderr and "'identifier'" in r.stderr and "Traceback" not in r.stderr
    r = cli("query", "--pattern", "eval($X", str(base), "--language", "python")
    assert r.returncode == 2 and "invalid pattern" in r.stderr
    r = cli("query", OPEN, str(base))
    assert r.returncode == 2 and "--language" in r.stderr


def test_the_local_stack_may_walk_the_paths_it_is_given(base):
    r = cli("query", OPEN, "src", "--language", "python", cwd=base)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "2 matches in 1 of 2 files searched (python)"
