"""Unified diffs: parsing (git's and plain `diff -u`, new, deleted and renamed files, binary patches,
"\\ No newline at end of file") and applying the hunks in reverse to get the before side back.

No I/O here: the caller reads the after side and passes it in. Every refusal is a DiffError (an
InvalidInput naming the `diff` field) that says where the diff stopped making sense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codeintel.kernel import errors

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_EOL = "\\ No newline at end of file"
DEV_NULL = "/dev/null"


class DiffError(errors.InvalidInput):
    """A diff that does not parse or does not apply; the message says where and why."""

    field = "diff"


@dataclass
class Hunk:
    """One @@ block: 1-based starts as in the header; lines as (tag, text) with tag ' ', '-' or '+'."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[tuple[str, str]] = field(default_factory=list)
    old_no_eol: bool = False  # the old side's last line has no newline
    new_no_eol: bool = False

    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"


@dataclass
class FilePatch:
    """The change of one file. `old_path`/`new_path` are None for /dev/null (added / deleted)."""

    old_path: str | None
    new_path: str | None
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    renamed: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def status(self) -> str:
        if self.old_path is None:
            return "added"
        if self.new_path is None:
            return "deleted"
        if self.renamed or self.old_path != self.new_path:
            return "renamed"
        return "modified"


def _unquote(path: str) -> str:
    """git's C-style quoted paths ("a/sp\\303\\244ce") -> text."""
    if len(path) >= 2 and path[0] == '"' and path[-1] == '"':
        raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
        return raw.decode("utf-8", "replace")
    return path


def _strip_prefix(path: str, prefix: str, git: bool) -> str:
    if git and path.startswith(prefix):
        return path[len(prefix) :]
    return path


def _header_path(value: str, prefix: str, git: bool) -> str | None:
    value = value.split("\t", 1)[0]  # plain diff -u: "--- name<TAB>timestamp"
    if not value.startswith('"'):
        value = value.rstrip()
    value = _unquote(value)
    if value == DEV_NULL:
        return None
    return _strip_prefix(value, prefix, git)


def _git_paths(rest: str) -> tuple[str, str]:
    """The two paths of `diff --git a/X b/Y` (unquoted; when unquoted names hold spaces, the two
    halves are equal for anything but a rename, which has its own rename from/to lines)."""
    if rest.startswith('"'):
        end = rest.index('"', 1)
        while rest[end - 1] == "\\":
            end = rest.index('"', end + 1)
        a, b = rest[: end + 1], rest[end + 1 :].strip()
        return _strip_prefix(_unquote(a), "a/", True), _strip_prefix(_unquote(b), "b/", True)
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half] == " " and rest[:half][2:] == rest[half + 1 :][2:]:
        return rest[2:half], rest[half + 3 :]
    a, sep, b = rest.partition(" b/")
    if not sep:
        raise DiffError(f"cannot read the file names of 'diff --git {rest}'")
    return _strip_prefix(a, "a/", True), _unquote(b)


def parse(text: str) -> list[FilePatch]:
    """Every file's patch, in the diff's order. DiffError when the text is not a unified diff."""
    if "\x00" in text:
        raise DiffError("the diff contains a NUL byte; binary changes must be git binary patches")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    patches: list[FilePatch] = []
    cur: FilePatch | None = None
    git = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git "):
            a, b = _git_paths(line[len("diff --git ") :])
            cur = FilePatch(a, b)
            patches.append(cur)
            git = True
            i += 1
            continue
        if cur is not None and git and not cur.hunks:
            if line.startswith("new file mode"):
                cur.old_path = None
            elif line.startswith("deleted file mode"):
                cur.new_path = None
            elif line.startswith("rename from "):
                cur.old_path, cur.renamed = _unquote(line[len("rename from ") :]), True
            elif line.startswith("rename to "):
                cur.new_path, cur.renamed = _unquote(line[len("rename to ") :]), True
            elif line.startswith("Binary files ") or line == "GIT binary patch":
                cur.binary = True
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old = _header_path(line[4:], "a/", git or _both_prefixed(line[4:], lines[i + 1][4:]))
            new = _header_path(lines[i + 1][4:], "b/", git or _both_prefixed(line[4:], lines[i + 1][4:]))
            if cur is None or not git or cur.hunks:
                cur = FilePatch(old, new)
                patches.append(cur)
                git = False
            else:  # the ---/+++ of the current `diff --git` block
                cur.old_path, cur.new_path = old, new
            i += 2
            continue
        if line.startswith("@@"):
            if cur is None:
                raise DiffError(f"line {i + 1}: a hunk ({line[:40]}) before any file header ('--- a/...', '+++ b/...')")
            i = _read_hunk(lines, i, cur)
            continue
        i += 1
    if not patches:
        raise DiffError(
            "no file changes found: expected a unified diff ('diff --git' or '--- a/FILE' / '+++ b/FILE' "
            "headers followed by '@@' hunks), e.g. the output of `git diff` or `diff -u`"
        )
    for p in patches:
        if p.old_path is None and p.new_path is None:
            raise DiffError("a file goes from /dev/null to /dev/null")
        for path in (p.old_path, p.new_path):
            if path is not None and (not path or "\x00" in path):
                raise DiffError("a file header names an empty path")
    return patches


def _both_prefixed(old: str, new: str) -> bool:
    return (old.startswith("a/") or old.startswith(DEV_NULL)) and (new.startswith("b/") or new.startswith(DEV_NULL))


def _read_hunk(lines: list[str], i: int, cur: FilePatch) -> int:
    m = _HUNK.match(lines[i])
    if m is None:
        raise DiffError(f"line {i + 1}: malformed hunk header {lines[i][:60]!r}; expected '@@ -A,B +C,D @@'")
    hunk = Hunk(
        int(m[1]),
        1 if m[2] is None else int(m[2]),
        int(m[3]),
        1 if m[4] is None else int(m[4]),
    )
    old_left, new_left = hunk.old_len, hunk.new_len
    i += 1
    last = ""
    while old_left > 0 or new_left > 0:
        if i >= len(lines):
            raise DiffError(
                f"the hunk {hunk.header()} of {cur.path} ends early: {old_left} old and {new_left} new lines "
                "missing (a truncated or hand-edited diff?)"
            )
        line = lines[i]
        tag, body = (line[:1], line[1:]) if line else (" ", "")  # some tools strip a blank context line's space
        if tag == "\\":
            if last in ("-", " "):
                hunk.old_no_eol = True
            if last in ("+", " "):
                hunk.new_no_eol = True
            i += 1
            continue
        if tag == " " and old_left > 0 and new_left > 0:
            old_left, new_left = old_left - 1, new_left - 1
        elif tag == "-" and old_left > 0:
            old_left -= 1
        elif tag == "+" and new_left > 0:
            new_left -= 1
        else:
            raise DiffError(
                f"line {i + 1}: {line[:60]!r} does not fit the hunk {hunk.header()} of {cur.path} "
                f"({old_left} old and {new_left} new lines were still expected)"
            )
        hunk.lines.append((tag, body))
        last = tag
        i += 1
    while i < len(lines) and lines[i].startswith(_NO_EOL[:2]):  # the marker after the hunk's last line
        if last in ("-", " "):
            hunk.old_no_eol = True
        if last in ("+", " "):
            hunk.new_no_eol = True
        i += 1
    if cur.hunks and hunk.old_start < cur.hunks[-1].old_start:
        raise DiffError(f"the hunks of {cur.path} are out of order ({hunk.header()})")
    cur.hunks.append(hunk)
    return i


def split_lines(text: str) -> tuple[list[str], bool]:
    """(lines without their newline, whether the text ends with one)."""
    if not text:
        return [], True
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
        return parts, True
    return parts, False


def join_lines(lines: list[str], eol: bool) -> str:
    if not lines:
        return ""
    return "\n".join(lines) + ("\n" if eol else "")


def reverse_apply(patch: FilePatch, after: str) -> str:
    """The before side: `after` (the working tree's file) with `patch`'s hunks applied in reverse.
    DiffError when the context and added lines are not what `after` holds there."""
    if patch.new_path is None:
        if after:
            raise DiffError(f"the diff deletes {patch.path}, but it still exists")
        return _side(patch, "-")
    lines, eol = split_lines(after)
    out: list[str] = []
    pos = 0  # next line of `lines` to copy
    before_eol = eol
    for h in patch.hunks:
        start = h.new_start if h.new_len == 0 else h.new_start - 1
        expected = [text for tag, text in h.lines if tag in (" ", "+")]
        got = lines[start : start + len(expected)]
        if start < pos or got != expected:
            where = next((n for n, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), len(got))
            raise DiffError(
                f"the hunk {h.header()} of {patch.path} does not apply: line {start + where + 1} of the file under "
                "the root is not what the diff says it is (the file changed since the diff was made, or the diff "
                "is against another directory)"
            )
        out.extend(lines[pos:start])
        out.extend(text for tag, text in h.lines if tag in (" ", "-"))
        pos = start + len(expected)
        if h.new_no_eol and eol and pos == len(lines):
            raise DiffError(f"the diff says {patch.path} has no newline at its end, but it has one")
        if pos == len(lines):
            before_eol = not h.old_no_eol
    out.extend(lines[pos:])
    if patch.old_path is None:
        if out:
            raise DiffError(f"the diff adds {patch.path}, but the file under the root holds more than the diff adds")
        return ""
    return join_lines(out, before_eol)


def _side(patch: FilePatch, tag: str) -> str:
    lines: list[str] = []
    eol = True
    for h in patch.hunks:
        lines.extend(text for t, text in h.lines if t in (" ", tag))
        eol = not (h.old_no_eol if tag == "-" else h.new_no_eol)
    return join_lines(lines, eol)
