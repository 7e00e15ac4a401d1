"""Unified diffs: parsed and applied in reverse, on diffs the real `git diff` and `diff -u` wrote
(modified, new, deleted and renamed files, no newline at end, binary), and refusals of diffs that
do not parse or do not apply."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeintel.kernel import errors
from codeintel.review import DiffError, from_diff, reverse_apply
from codeintel.review import diff as diffs
from tests.codeintel.review.gitrepo import commit, git, init, write

BEFORE: dict[str, str | bytes] = {
    "app.py": "import os\n\n\ndef main():\n    return 1\n" + "".join(f"# line {i}\n" for i in range(30)) + "x = 1\n",
    "gone.py": "def old():\n    pass\n",
    "moved.py": "".join(f"value_{i} = {i}\n" for i in range(20)),
    "tail.txt": "no newline at the end",
    "logo.bin": b"\x89PNG\x00\x01",
}
AFTER: dict[str, str | bytes | None] = {
    "app.py": "import os\nimport sys\n\n\ndef main():\n    return 2\n"
    + "".join(f"# line {i}\n" for i in range(30))
    + "x = 2\n",
    "gone.py": None,
    "moved.py": None,
    "renamed/moved.py": "".join(f"value_{i} = {i}\n" for i in range(20)) + "value_20 = 20\n",
    "new.py": "def fresh():\n    return 'new'\n",
    "tail.txt": "still no newline, but other text",
    "logo.bin": b"\x89PNG\x00\x02",
}


def _b(value: str | bytes | None) -> bytes:
    return value.encode() if isinstance(value, str) else value or b""


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    write(root, BEFORE)
    commit(root, "before")
    write(root, AFTER)
    git(root, "add", "-A")  # new and renamed files show in `git diff --cached`
    return root


def test_git_diff_parses_every_kind_of_file_change(repo):
    patches = {p.path: p for p in diffs.parse(git(repo, "diff", "--cached", "-M"))}
    assert {k: p.status for k, p in patches.items()} == {
        "app.py": "modified",
        "gone.py": "deleted",
        "renamed/moved.py": "renamed",
        "new.py": "added",
        "tail.txt": "modified",
        "logo.bin": "modified",
    }
    assert patches["renamed/moved.py"].old_path == "moved.py"
    assert patches["logo.bin"].binary
    assert len(patches["app.py"].hunks) == 2  # the two edits are far apart
    tail = patches["tail.txt"].hunks[0]
    assert tail.old_no_eol and tail.new_no_eol


def test_reverse_apply_gives_back_the_committed_version(repo):
    text = git(repo, "diff", "--cached", "-M")
    checked = 0
    for patch in diffs.parse(text):
        if patch.binary:
            continue
        after = (repo / patch.new_path).read_text() if patch.new_path else ""
        before = reverse_apply(patch, after)
        expected = BEFORE.get(patch.old_path or "", "")
        assert before == expected, patch.path
        checked += 1
    assert checked == 5


def test_plain_diff_u_output(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("one\ntwo\nthree\n")
    b.write_text("one\n2\nthree\nfour")
    out = subprocess.run(["diff", "-u", str(a), str(b)], capture_output=True, text=True).stdout
    [patch] = diffs.parse(out)
    assert patch.old_path == str(a) and patch.new_path == str(b)  # timestamps after the tab are dropped
    assert reverse_apply(patch, b.read_text()) == a.read_text()


def test_from_diff_reads_the_after_side_under_the_root(repo):
    change = from_diff(str(repo), git(repo, "diff", "--cached", "-M"))
    by = {p.path: p for p in change.pairs}
    assert by["app.py"].before == _b(BEFORE["app.py"])
    assert by["app.py"].after == _b(AFTER["app.py"])
    assert by["new.py"].before is None
    assert by["gone.py"].after is None and by["gone.py"].before == _b(BEFORE["gone.py"])
    assert by["renamed/moved.py"].old_path == "moved.py"
    assert all(p.working_tree for p in change.pairs)


def test_a_diff_that_no_longer_applies_is_refused(repo):
    text = git(repo, "diff", "--cached", "-M")
    (repo / "app.py").write_text("something else entirely\n")
    with pytest.raises(DiffError, match=r"app\.py.*does not apply"):
        from_diff(str(repo), text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no file changes found"),
        ("hello, this is not a diff\n", "no file changes found"),
        ("@@ -1 +1 @@\n-a\n+b\n", "before any file header"),
        ("--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-a\n+b\n", "ends early"),
        ("--- a/x.py\n+++ b/x.py\n@@ -x +1 @@\n", "malformed hunk header"),
        ("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n*a\n", "does not fit the hunk"),
        ("--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "inside the root"),
    ],
)
def test_malformed_diffs_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(errors.InvalidInput, match=message) as info:
        from_diff(str(tmp_path), text)
    assert getattr(info.value, "field", None) == "diff"


def test_a_changed_file_missing_under_the_root_is_refused(tmp_path):
    with pytest.raises(DiffError, match="no such file"):
        from_diff(str(tmp_path), "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n")


def test_a_deleted_file_that_still_exists_is_refused(tmp_path):
    (tmp_path / "x.py").write_text("a\n")
    with pytest.raises(DiffError, match="still exists"):
        from_diff(str(tmp_path), "--- a/x.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "--- a/x.py",
                    "+++ b/x.py",
                    "@@ -1,2 +1,2 @@",
                    "@@ -1 +1 @@",
                    "diff --git a/x.py b/x.py",
                    "\\ No newline",
                ]
            ),
            st.text(alphabet=" +-@\\abc\t", max_size=8),
        ),
        max_size=12,
    )
)
def test_any_text_is_a_patch_list_or_a_diff_error(lines):
    text = "\n".join(lines)
    try:
        patches = diffs.parse(text)
    except errors.InvalidInput:
        return
    for p in patches:
        try:
            reverse_apply(p, "")
        except errors.InvalidInput:
            pass
