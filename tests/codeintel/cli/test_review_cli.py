"""`codeintel review` as a user, CI, pre-commit and Claude Code run it: the real CLI in a subprocess
against a real stack (LocalStack) with temporary git repositories; exit codes (0 ok, 1 failed
--fail-on, 2 unusable input), text and JSON, REV_RANGE, --staged, --diff -, and --hook claude-code
with the hook's JSON on stdin (also with a local stack the CLI starts itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codeintel.ops.stack import LocalStack
from tests.codeintel.review.gitrepo import commit, git, init, write

TIMEOUT = 180
CLEAN = "def helper(x):\n    return x + 1\n"
RISKY = "import os\n\n\ndef helper(x):\n    if x:\n        os.system('echo ' + x)\n    return x + 1\n"
BROKEN = "def helper(x:\n    return x + 1\n"


def cli(*args: str, cwd=None, stdin: str | None = None, timeout=TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codeintel", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        input=stdin,
        env={**os.environ, "CODEINTEL_LOG_LEVEL": "WARNING"},
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return Path(os.path.realpath(tmp_path_factory.mktemp("review-cli")))


@pytest.fixture(scope="module")
def address(base, tmp_path_factory):
    store = tmp_path_factory.mktemp("review-cli-graph")
    s = LocalStack(
        workers=1,
        extra_args=[f"--coordinator-arg=--repo-roots={base}", f"--coordinator-arg=--graph-store=sqlite:///{store}"],
    )
    s.start(timeout=120)
    yield s.address
    s.stop()


def _repo(base: Path, name: str) -> Path:
    root = init(base / name)
    write(root, {"pkg/util.py": CLEAN, "README.md": "# x\n"})
    commit(root, "initial")
    return root


def review(address: str, root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return cli("review", *args, "--coordinator", address, cwd=root, stdin=stdin)


def test_working_tree_fail_on_high_exits_1_and_says_why(address, base):
    root = _repo(base, "fail")
    write(root, {"pkg/util.py": RISKY})
    r = review(address, root, "--fail-on", "high")
    assert r.returncode == 1, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("review: 1 files changed, 1 reviewed, 0 skipped: FAILED: 1 new finding at or above high")
    assert "NEW high py.os-system-non-constant 6:" in r.stdout
    assert "changed helper (4): cyclomatic 1 -> 2" in r.stdout
    assert "Traceback" not in r.stderr
    # without --fail-on the same change is reported, not failed
    ok = review(address, root, "--format", "json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["summary"]["failed"] is False and data["summary"]["findings_new"][0]["count"] == 1


def test_a_removed_function_still_used_is_listed_where_it_is_used(address, base):
    root = _repo(base, "removal")
    write(
        root,
        {"pkg/__init__.py": "", "pkg/app.py": "from pkg.util import helper\n\n\ndef run(v):\n    return helper(v)\n"},
    )
    commit(root, "app")
    indexed = cli("index", str(root), "--coordinator", address)
    assert indexed.returncode == 0, indexed.stderr
    write(root, {"pkg/util.py": "def other():\n    return 0\n"})
    r = review(address, root)
    assert r.returncode == 0, r.stderr
    assert "callers reached: 0, tests reached: 0; uses of removed functions left behind: 1" in r.stdout
    assert "STILL USED (broken by the removal): pkg/app.py:5 pkg.app.run" in r.stdout


def test_staged_reviews_the_index_for_pre_commit(address, base):
    root = _repo(base, "staged")
    write(root, {"pkg/util.py": CLEAN + "\n\ndef more():\n    return 2\n"})
    git(root, "add", "pkg/util.py")
    write(root, {"pkg/util.py": BROKEN})  # not staged: not what would be committed
    r = review(address, root, "--staged", "--fail-on", "high")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 added" in r.stdout.splitlines()[2]
    git(root, "add", "pkg/util.py")
    r = review(address, root, "--staged", "--fail-on", "high")
    assert r.returncode == 1 and "new syntax error" in r.stdout.splitlines()[0]


def test_a_commit_range_and_a_single_base(address, base):
    root = _repo(base, "range")
    first = git(root, "rev-parse", "HEAD").strip()
    write(root, {"pkg/util.py": RISKY})
    second = commit(root, "risky")
    r = review(address, root, f"{first}..{second}", "--format", "json")
    data = json.loads(r.stdout)
    assert (data["base_commit"], data["head_commit"]) == (first, second)
    assert data["summary"]["files_reviewed"] == 1
    # A alone: A against the working tree (clean now: the same as HEAD)
    r = review(address, root, first, "--format", "json")
    assert json.loads(r.stdout)["summary"]["findings_new"][0]["count"] == 1


def test_a_diff_on_stdin(address, base):
    root = _repo(base, "diff")
    write(root, {"pkg/util.py": BROKEN})
    diff = git(root, "diff")
    r = review(address, root, "--diff", "-", "--fail-on", "critical", stdin=diff)
    assert r.returncode == 1 and "new syntax error" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("HEAD...main",), "not supported"),
        (("no-such-revision",), "unknown revision"),
        (("--staged", "HEAD..HEAD~1"), "--staged compares the index with one revision"),
        (("--diff", "/nonexistent/x.diff"), "cannot read the diff"),
    ],
)
def test_usage_errors_exit_2(address, base, args, message):
    root = base / "usage"
    if not root.exists():
        _repo(base, "usage")
    r = review(address, root, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_not_a_git_repository_exits_2(address, base):
    plain = base / "plain"
    plain.mkdir()
    r = review(address, plain, "--repo", str(plain))
    assert r.returncode == 2 and "not in a git repository" in r.stderr


def _hook_input(path: Path, cwd: Path) -> str:
    return json.dumps(
        {
            "session_id": "s",
            "hook_event_name": "PostToolUse",
            "tool_name": "Edit",
            "cwd": str(cwd),
            "tool_input": {"file_path": str(path), "old_string": "a", "new_string": "b"},
            "tool_response": {"success": True},
        }
    )


def test_claude_code_hook_exits_2_with_the_reason_on_stderr(address, base):
    root = _repo(base, "hook")
    write(root, {"pkg/util.py": BROKEN})
    r = review(address, root, "--hook", "claude-code", stdin=_hook_input(root / "pkg/util.py", root))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "new syntax error" in r.stderr and "pkg/util.py:1:" in r.stderr
    write(root, {"pkg/util.py": CLEAN + "\n\ndef ok():\n    return 1\n"})
    r = review(address, root, "--hook", "claude-code", stdin=_hook_input(root / "pkg/util.py", root))
    assert r.returncode == 0 and r.stderr == ""


def test_claude_code_hook_ignores_tools_without_a_file_and_refuses_bad_json(address, base):
    root = base
    r = review(address, root, "--hook", "claude-code", stdin=json.dumps({"tool_input": {"command": "ls"}}))
    assert r.returncode == 0 and r.stderr == ""
    r = review(address, root, "--hook", "claude-code", stdin="{not json")
    assert r.returncode == 2 and "not the hook's JSON" in r.stderr


def test_claude_code_hook_with_its_own_local_stack_on_an_untracked_file(tmp_path):
    # No --coordinator: the CLI starts a local stack whose coordinator must be allowed the repository.
    root = init(tmp_path / "own")
    commit(root, "empty")
    write(root, {"new.py": "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n"})
    r = cli("review", "--hook", "claude-code", cwd=root, stdin=_hook_input(root / "new.py", root))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "new high finding" in r.stderr or "new critical finding" in r.stderr


def test_claude_code_hook_on_a_file_the_coordinator_may_not_read_reviews_it_without_the_repository(address, tmp_path):
    # tmp_path lies outside the running coordinator's --repo-roots: the file's versions travel in the request.
    root = init(tmp_path / "elsewhere")
    write(root, {"mod.py": CLEAN})
    commit(root, "initial")
    write(root, {"mod.py": BROKEN})
    r = review(address, root, "--hook", "claude-code", stdin=_hook_input(root / "mod.py", root))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "mod.py:1:" in r.stderr and "new syntax error" in r.stderr
