"""A change as pairs of file versions: from a unified diff (after side read under the root, before
side reconstructed), from a git revision range, or from files the caller sends with both versions.

Paths are relative to the root, '/'-separated, and never leave it (`..`, absolute paths and
symbolic links out of the root are refused). Blocking I/O: call from a thread.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass

from codeintel.kernel import errors
from codeintel.review import diff as diffs
from codeintel.review import git

STATUSES = ("added", "modified", "deleted", "renamed")


class ChangeError(errors.InvalidInput):
    """Bad input naming the request field it concerns."""

    def __init__(self, message: str, field: str):
        super().__init__(message, field=field)


@dataclass
class Pair:
    """One changed file: both versions as bytes (None: the file does not exist on that side)."""

    path: str
    status: str
    before: bytes | None
    after: bytes | None
    old_path: str = ""
    language: str = ""
    # The after side is the working tree's file: the graph's index (of the working tree) describes it.
    working_tree: bool = False


@dataclass
class Change:
    pairs: list[Pair]
    base_commit: str = ""
    head_commit: str = ""


def clean_path(path: str, field: str) -> str:
    """`path` as a root-relative '/'-separated path; ChangeError when it is empty or leaves the root."""
    if not path or "\x00" in path:
        raise ChangeError("an empty path, or one with a NUL character", field)
    p = posixpath.normpath(path.replace("\\", "/"))
    if p.startswith("/") or p == ".." or p.startswith("../") or p == ".":
        raise ChangeError(f"{path!r} is not a path inside the root (relative, without '..')", field)
    return p


def _read(root: str, rel: str, field: str) -> bytes | None:
    full = os.path.join(root, rel)
    real = os.path.realpath(full)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise ChangeError(f"{rel!r} resolves outside the root {root}", field)
    if not os.path.lexists(full):
        return None
    if not os.path.isfile(real):
        raise ChangeError(f"{rel!r} under {root} is not a regular file", field)
    with open(real, "rb") as fh:
        return fh.read()


def _worktree(root: str, rel: str) -> bytes | None:
    """A tracked path's working-tree content as git sees it: a symbolic link is its target's name (git
    stores it so), a directory (a submodule) or a missing file is None."""
    full = os.path.join(root, rel)
    parent = os.path.realpath(os.path.dirname(full))
    if parent != root and not parent.startswith(root.rstrip(os.sep) + os.sep):
        raise ChangeError(f"{rel!r} resolves outside the root {root}", "revisions")
    if os.path.islink(full):
        return os.readlink(full).encode("utf-8", "surrogateescape")
    if not os.path.isfile(full):
        return None
    with open(full, "rb") as fh:
        return fh.read()


def from_diff(root: str, text: str) -> Change:
    """Pairs from a unified diff whose after side is the working tree under `root` (paths in the
    diff relative to it). DiffError when the diff does not parse or does not apply."""
    pairs = []
    seen: set[str] = set()
    for patch in diffs.parse(text):
        path = clean_path(patch.path, "diff")
        if path in seen:
            raise diffs.DiffError(f"{path} appears twice in the diff")
        seen.add(path)
        old = clean_path(patch.old_path, "diff") if patch.old_path else ""
        after = _read(root, path, "diff") if patch.new_path is not None else None
        if patch.new_path is not None and after is None:
            raise diffs.DiffError(f"the diff changes {path}, but there is no such file under {root}")
        if patch.new_path is None and _read(root, path, "diff") is not None:
            raise diffs.DiffError(f"the diff deletes {path}, but it still exists under {root}")
        if patch.binary:
            pairs.append(Pair(path, patch.status, b"\x00", after, old, working_tree=True))
            continue
        after_text = _text(after or b"", path)
        if after_text is None:  # not UTF-8: the workers will say so for the after side
            pairs.append(Pair(path, patch.status, after, after, old, working_tree=True))
            continue
        before = diffs.reverse_apply(patch, after_text)
        pairs.append(
            Pair(
                path,
                patch.status,
                None if patch.old_path is None else before.encode(),
                after,
                old if patch.status == "renamed" else "",
                working_tree=True,
            )
        )
    return Change(pairs)


def _text(data: bytes, path: str) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def from_revisions(root: str, base: str, head: str, staged: bool) -> Change:
    """Pairs between commit `base` (empty: HEAD) and `head` (empty: the working tree, or the index
    with `staged`)."""
    if staged and head:
        raise ChangeError("staged compares the index with base: leave head empty", "revisions.head")
    git.toplevel(root)  # FailedPrecondition: not a git repository
    base_commit = git.resolve(root, base or "HEAD", "revisions.base")
    head_commit = git.resolve(root, head, "revisions.head") if head else ""
    found = git.changes(root, base_commit, head_commit or None, staged)
    specs: list[str] = []
    for c in found:
        if c.status != "added":
            specs.append(f"{base_commit}:{c.old_path or c.path}")
        if c.status != "deleted" and (head_commit or staged):
            specs.append(f"{head_commit}:{c.path}" if head_commit else f":{c.path}")
    contents = iter(git.blobs(root, specs))
    pairs = []
    for c in found:
        before = next(contents) if c.status != "added" else None
        if c.status == "deleted":
            after = None
        elif head_commit or staged:
            after = next(contents)
        else:
            after = _worktree(root, c.path)
        # A committed or staged after side the working tree still holds is as good as the working tree
        # (the graph's index describes it).
        working = not head_commit and not staged
        if not working and after is not None:
            try:
                working = _worktree(root, c.path) == after
            except (ChangeError, OSError):
                working = False
        pairs.append(Pair(c.path, c.status, before, after, c.old_path or "", working_tree=working))
    return Change(pairs, base_commit, head_commit)


def from_files(files, root: str) -> Change:
    """Pairs from ChangedFile messages (both versions in the request)."""
    pairs = []
    seen: set[str] = set()
    for n, f in enumerate(files):
        field = f"files.files[{n}]"
        path = clean_path(f.path, f"{field}.path")
        if path in seen:
            raise ChangeError(f"{path} is listed twice", f"{field}.path")
        seen.add(path)
        status = {1: "added", 2: "modified", 3: "deleted", 4: "renamed"}.get(f.status, "")
        if not status:
            status = "added" if not f.before else "deleted" if not f.after else "modified"
        before = None if status == "added" else bytes(f.before)
        after = None if status == "deleted" else bytes(f.after)
        working = False
        if root and after is not None:
            try:
                working = _read(root, path, f"{field}.path") == after
            except ChangeError:
                raise
            except OSError:
                working = False
        old = clean_path(f.old_path, f"{field}.old_path") if f.old_path else ""
        pairs.append(Pair(path, status, before, after, old, f.language, working_tree=working))
    return Change(pairs)
