"""Git access on temporary repositories: revisions checked before git sees them, changed files of a
range (renames, untracked files, a subdirectory root), the index for pre-commit, and the errors."""

from __future__ import annotations

import pytest

from codeintel.kernel import errors
from codeintel.review import from_revisions
from codeintel.review import git as g
from tests.codeintel.review.gitrepo import commit, git, init, write


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    write(root, {"a.py": "x = 1\n", "sub/b.py": "y = 1\n", "old.py": "".join(f"v{i} = {i}\n" for i in range(20))})
    first = commit(root, "one")
    write(root, {"a.py": "x = 2\n", "old.py": None, "new.py": "".join(f"v{i} = {i}\n" for i in range(20))})
    second = commit(root, "two")
    return root, first, second


@pytest.mark.parametrize("bad", ["--output=/tmp/x", "-p", "HEAD..main", "a b", "HEAD;rm", "$(id)", "x\n"])
def test_revisions_that_could_be_options_or_worse_are_refused(bad):
    with pytest.raises(g.RevisionError) as info:
        g.check_revision(bad, "revisions.base")
    assert info.value.field == "revisions.base"


def test_unknown_revision(repo):
    root, *_ = repo
    with pytest.raises(g.RevisionError, match="unknown revision 'nope'"):
        g.resolve(str(root), "nope", "revisions.head")


def test_not_a_git_repository(tmp_path):
    with pytest.raises(errors.FailedPrecondition, match="not in a git repository"):
        from_revisions(str(tmp_path), "", "", False)


def test_a_commit_range_with_a_rename(repo):
    root, first, second = repo
    change = from_revisions(str(root), first, second, False)
    assert change.base_commit == first and change.head_commit == second
    by = {p.path: p for p in change.pairs}
    assert set(by) == {"a.py", "new.py"}
    assert by["new.py"].status == "renamed" and by["new.py"].old_path == "old.py"
    assert by["a.py"].before == b"x = 1\n" and by["a.py"].after == b"x = 2\n"
    # the working tree still holds head's versions: the graph's index describes them
    assert all(p.working_tree for p in change.pairs)
    write(root, {"a.py": "x = 'edited since'\n"})
    again = {p.path: p.working_tree for p in from_revisions(str(root), first, second, False).pairs}
    assert again == {"a.py": False, "new.py": True}


def test_working_tree_against_head_includes_untracked_files(repo):
    root, _, second = repo
    write(root, {"a.py": "x = 3\n", "fresh.py": "z = 1\n"})
    change = from_revisions(str(root), "", "", False)
    assert change.base_commit == second
    by = {p.path: p for p in change.pairs}
    assert by["fresh.py"].status == "added" and by["fresh.py"].before is None
    assert by["a.py"].after == b"x = 3\n" and by["a.py"].working_tree


def test_staged_is_the_index_not_the_working_tree(repo):
    root, *_ = repo
    write(root, {"a.py": "x = 'staged'\n"})
    git(root, "add", "a.py")
    write(root, {"a.py": "x = 'not staged'\n"})
    change = from_revisions(str(root), "HEAD", "", True)
    [pair] = change.pairs
    assert pair.after == b"x = 'staged'\n" and not pair.working_tree


def test_a_subdirectory_root_sees_only_its_files(repo):
    root, first, _ = repo
    write(root, {"sub/b.py": "y = 2\n", "a.py": "x = 9\n"})
    change = from_revisions(str(root / "sub"), first, "", False)
    assert [(p.path, p.before, p.after) for p in change.pairs] == [("b.py", b"y = 1\n", b"y = 2\n")]


def test_blobs_of_missing_paths_are_none(repo):
    root, first, _ = repo
    assert g.blobs(str(root), [f"{first}:a.py", f"{first}:nope.py", f"{first}:sub"]) == [b"x = 1\n", None, None]


def test_a_symbolic_link_is_its_target_name_as_git_stores_it(repo):
    root, *_ = repo
    (root / "link.py").symlink_to("/etc/passwd")  # outside the root: never read through
    change = from_revisions(str(root), "", "", False)
    [pair] = [p for p in change.pairs if p.path == "link.py"]
    assert pair.after == b"/etc/passwd" and pair.status == "added"
