"""The allowed-roots policy on a real directory tree."""

from __future__ import annotations

import os

import pytest

from mcp_bridge.paths import PathError, PathPolicy

LIMIT = 1024 * 1024


@pytest.fixture
def policy(workdir):
    root, _ = workdir
    return PathPolicy([str(root)], LIMIT)


def test_relative_path_inside_is_read(policy, workdir):
    loaded = policy.read("src/app.py")
    assert loaded.display_path == "src/app.py"
    assert b"def run(user_input)" in loaded.content
    assert loaded.real_path == os.path.realpath(workdir[0] / "src" / "app.py")


def test_absolute_path_inside_is_read(policy, workdir):
    assert policy.read(str(workdir[0] / "src" / "app.py")).display_path == "src/app.py"


def test_dotdot_inside_stays_allowed(policy):
    assert policy.read("src/../src/app.py").display_path == "src/app.py"


def test_dotdot_escape_is_refused(policy):
    with pytest.raises(PathError, match="outside the allowed roots"):
        policy.read("../outside/secret.py")


def test_absolute_outside_is_refused(policy, workdir):
    with pytest.raises(PathError, match="outside the allowed roots"):
        policy.read(str(workdir[1] / "secret.py"))
    with pytest.raises(PathError, match="outside the allowed roots"):
        policy.read("/etc/passwd")


def test_symlink_to_outside_is_refused(policy):
    with pytest.raises(PathError, match="outside the allowed roots") as exc:
        policy.read("link_out.py")
    assert "symbolic link" in str(exc.value)


def test_symlink_inside_is_allowed(policy):
    loaded = policy.read("link_in.py")
    assert loaded.display_path == "src/app.py"
    assert b"class Store" in loaded.content


def test_symlinked_root_is_resolved(workdir, tmp_path):
    root, _ = workdir
    alias = tmp_path / "alias"
    os.symlink(root, alias)
    policy = PathPolicy([str(alias)], LIMIT)
    assert policy.read("src/app.py").display_path == "src/app.py"
    assert policy.read(str(alias / "src" / "app.py")).display_path == "src/app.py"


def test_directory_is_refused(policy):
    with pytest.raises(PathError, match="is a directory"):
        policy.read("src")


def test_missing_file_is_refused(policy):
    with pytest.raises(PathError, match="file not found"):
        policy.read("src/nope.py")


def test_missing_file_outside_is_refused_as_outside(policy):
    with pytest.raises(PathError, match="outside the allowed roots"):
        policy.read("../../nope.py")


def test_empty_path_is_refused(policy):
    with pytest.raises(PathError, match="empty"):
        policy.read("  ")


def test_too_large_is_refused(policy):
    with pytest.raises(PathError, match="too large") as exc:
        policy.read("big.py")
    assert f"{LIMIT:,}" in str(exc.value)


def test_exactly_at_limit_is_read(tmp_path):
    (tmp_path / "edge.py").write_bytes(b"a" * 100)
    assert len(PathPolicy([str(tmp_path)], 100).read("edge.py").content) == 100
    with pytest.raises(PathError, match="too large"):
        PathPolicy([str(tmp_path)], 99).read("edge.py")


def test_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    with pytest.raises(PathError, match="not a regular file"):
        PathPolicy([str(tmp_path)], LIMIT).read("pipe.py")


def test_several_roots(workdir, tmp_path):
    root, outside = workdir
    policy = PathPolicy([str(tmp_path), str(outside)], LIMIT)
    assert policy.read("secret.py").content.startswith(b"PASSWORD")  # found under the second root
    with pytest.raises(PathError, match="outside"):
        policy.read(str(root / "src" / "app.py"))


def test_root_must_be_a_directory(workdir):
    with pytest.raises(ValueError):
        PathPolicy([str(workdir[0] / "notes.txt")], LIMIT)
