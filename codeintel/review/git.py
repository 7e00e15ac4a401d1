"""Git access for reviews: `git -C ROOT ...` as a subprocess (no shell), with a timeout and errors
that say what to do.

- revisions are checked before git sees them: a value that could be read as an option
  (`--output=...`) or holds characters no ref or revision expression uses is refused, and the
  rest is resolved with `rev-parse --verify --end-of-options`;
- changed files come from `git diff --name-status -z -M` (renames followed), limited to ROOT
  and relative to it (`--relative`), so a review of a subdirectory sees only its files;
- contents of a revision (or the index) come from one `git cat-file --batch` process.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from codeintel.kernel import errors

TIMEOUT_S = 20.0
# What a commit-ish may be made of: ref names, hashes, ~ ^ @{...} suffixes.
_REVISION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./~^@{}+=:-]*$")
_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",  # a review never writes the index (status would refresh it)
    "LC_ALL": "C",
}


class RevisionError(errors.InvalidInput):
    """A revision that is not one (the field says which)."""

    def __init__(self, message: str, field: str):
        super().__init__(message, field=field)


@dataclass(frozen=True)
class Change:
    """One changed file: status "added" / "modified" / "deleted" / "renamed"; paths relative to the root."""

    status: str
    path: str
    old_path: str | None = None


def _git(root: str, *args: str, stdin: bytes | None = None, timeout: float = TIMEOUT_S) -> bytes:
    env = {**os.environ, **_ENV}
    try:
        proc = subprocess.run(
            ["git", "-C", root, "--no-pager", "-c", "core.quotepath=off", *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise errors.FailedPrecondition("git is not installed on the coordinator's machine") from None
    except subprocess.TimeoutExpired:
        raise errors.DeadlineExceeded(f"git {args[0]} took longer than {timeout:g} s in {root}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in msg:
            raise errors.FailedPrecondition(
                f"{root} is not in a git repository: review a diff or files instead, or `git init` it"
            )
        raise GitFailed(msg or f"git {args[0]} failed with exit status {proc.returncode}")
    return proc.stdout


class GitFailed(errors.CodeIntelError):
    """git refused for a reason not foreseen here; the message is git's."""


def toplevel(root: str) -> str:
    """The repository's top directory; FailedPrecondition when `root` is in none."""
    return _git(root, "rev-parse", "--show-toplevel").decode().strip()


def check_revision(value: str, field: str) -> str:
    """`value` when it may be passed to git as a revision; RevisionError otherwise."""
    if not value:
        raise RevisionError("an empty revision", field)
    if value.startswith("-"):
        raise RevisionError(f"{value!r} is not a revision (it would be read as an option)", field)
    if len(value) > 256 or not _REVISION.fullmatch(value) or ".." in value:
        raise RevisionError(
            f"{value!r} is not a revision: give a branch, tag, commit hash or an expression like HEAD~2"
            + (" (a range A..B is two fields: base and head)" if ".." in value else ""),
            field,
        )
    return value


def resolve(root: str, value: str, field: str) -> str:
    """The commit id `value` names; RevisionError when it names none."""
    check_revision(value, field)
    try:
        out = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{value}^{{commit}}")
    except GitFailed:
        out = b""
    commit = out.decode().strip()
    if not commit:
        raise RevisionError(f"unknown revision {value!r} in {root}: no commit has that name", field)
    return commit


def changes(root: str, base: str, head: str | None, staged: bool) -> list[Change]:
    """The files that differ between `base` and `head` (a commit; None: the working tree, or the index
    with `staged`), below `root`, paths relative to it, renames followed."""
    args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", "--relative"]
    if staged:
        args.append("--cached")
    args += [base] + ([head] if head else []) + ["--", "."]
    fields = _git(root, *args).decode("utf-8", "surrogateescape").split("\x00")
    out: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i]
        if code[:1] in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
            out.append(Change("renamed" if code[0] == "R" else "added", new, old if code[0] == "R" else None))
            continue
        path = fields[i + 1]
        i += 2
        status = {"A": "added", "D": "deleted"}.get(code[:1], "modified")
        out.append(Change(status, path))
    if not staged and head is None:
        out += [Change("added", p) for p in untracked(root)]
    out.sort(key=lambda c: c.path)
    return out


def untracked(root: str) -> list[str]:
    """Files under `root` git does not track and does not ignore (new files of the working tree)."""
    raw = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    return [p for p in raw.decode("utf-8", "surrogateescape").split("\x00") if p]


def prefix(root: str) -> str:
    """`root` relative to the repository's top directory ('' or 'sub/dir/')."""
    return _git(root, "rev-parse", "--show-prefix").decode().strip()


def blobs(root: str, specs: list[str]) -> list[bytes | None]:
    """The contents of `rev:path` specs (":path" for the index; paths relative to `root`), None for
    ones that do not exist, with one `git cat-file --batch` process."""
    if not specs:
        return []
    top = prefix(root)
    lines = []
    for spec in specs:
        rev, _, path = spec.partition(":")
        if "\n" in path:
            raise errors.InvalidInput(f"a path with a newline: {path!r}")
        lines.append(f"{rev}:{top}{path}")
    raw = _git(root, "cat-file", "--batch", stdin=("\n".join(lines) + "\n").encode())
    out: list[bytes | None] = []
    pos = 0
    for _ in specs:
        nl = raw.index(b"\n", pos)
        header = raw[pos:nl].split(b" ")
        pos = nl + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            out.append(raw[pos : pos + size])
            pos += size + 1
        elif len(header) == 3:  # a tree or a submodule's commit: not a file's content
            pos += int(header[2]) + 1
            out.append(None)
        else:  # "<spec> missing" / "ambiguous"
            out.append(None)
    return out
