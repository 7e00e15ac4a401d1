"""Listing a repository's files: .gitignore, default excludes, globs, symbolic links, reasons.

`walk` lists the files under a directory, honouring .gitignore files (nested ones too, and those
of ancestor directories up to the root), default excludes (VCS data, node_modules, virtualenvs,
build output) and include/exclude globs. Symbolic links are never followed out of the root, and
never into directories (no cycles, no double counting). Every file that is not sent has a `Skip`
with a reason; nothing is dropped silently.

A path the caller names is processed even when an enclosing repository's .gitignore ignores it
(as grep, ripgrep and linters do): naming it is the request. The walk says so in `notes`; the
.gitignore rules still apply to what lies below it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pathspec

from codeintel.kernel import languages
from codeintel.v1 import common_pb2

# Skip reasons (bounded set: they are summary keys).
IGNORED = "ignored by .gitignore"
EXCLUDED = "excluded"  # default excludes and exclude globs
SYMLINK = "symbolic link not followed"
TOO_LARGE = "too large"
BINARY = "binary"
NOT_UTF8 = "not UTF-8"
NO_GRAMMAR = "no grammar"
UNSUPPORTED = "unsupported for this operation"
UNREADABLE = "unreadable"
TIMED_OUT = "timed out"
TOO_COMPLEX = "too complex"
FAILED = "failed"
NOT_PROCESSED = "not processed"  # deadline, cancellation, fatal error: the run stopped first

# Reasons that are a property of the repository, not a failure of the run (the CLI exits 0 on them).
BENIGN = frozenset({IGNORED, EXCLUDED, SYMLINK, NO_GRAMMAR, UNSUPPORTED})

# Directories that hold dependencies, build output or VCS data rather than the user's code.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".tox",
        "dist",
        "build",
        "target",
        ".idea",
        ".vscode",
    }
)

_GLOB_CHARS = re.compile(r"[*?\[]")
_SHEBANG_PROBE = 256


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Entry:
    """A file to send: where to read it, how to show it, its size when listed."""

    real_path: str
    display: str
    size: int
    language: str  # detected from the name or a shebang; "" when only the server can tell


@dataclass
class WalkResult:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    out_of_scope: int = 0  # files not matching the include globs / the path's glob (not listed)
    limit_reached: bool = False
    notes: list[str] = field(default_factory=list)  # what the caller should know, e.g. a named path was ignored

    def extend(self, other: WalkResult) -> None:
        """Fold another walk (of another named path) into this one."""
        self.entries.extend(other.entries)
        self.skipped.extend(other.skipped)
        self.out_of_scope += other.out_of_scope
        self.limit_reached |= other.limit_reached
        self.notes.extend(other.notes)


def split_glob(path: str) -> tuple[str, str | None]:
    """('src', '**/*.py') for 'src/**/*.py'; (path, None) when `path` has no glob characters."""
    parts = path.replace(os.sep, "/").split("/")
    for i, part in enumerate(parts):
        if _GLOB_CHARS.search(part):
            base = "/".join(parts[:i]) or ("/" if path.startswith("/") else ".")
            return base, "/".join(parts[i:])
    return path, None


def _spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    # GitIgnoreSpec is pathspec's gitwildmatch with git's own edge cases (the 'gitwildmatch'
    # factory name is deprecated in pathspec 1.x in favour of it).
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _read_gitignore(directory: str) -> pathspec.GitIgnoreSpec | None:
    path = os.path.join(directory, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    spec = _spec(lines)
    return spec if len(spec) else None


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _ancestor_specs(base: str, stop: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
    """.gitignore files of the directories above `base`, up to and including `stop` (outermost first)."""
    specs = []
    cur = os.path.dirname(base)
    while _within(cur, stop) and cur != base:
        spec = _read_gitignore(cur)
        if spec is not None:
            specs.append((cur, spec))
        if cur == stop or os.path.dirname(cur) == cur:
            break
        cur = os.path.dirname(cur)
    return list(reversed(specs))


def _named_path_rules(
    stack: list[tuple[str, pathspec.GitIgnoreSpec]], base: str
) -> tuple[list[tuple[str, pathspec.GitIgnoreSpec]], list[str]]:
    """Ancestor .gitignore rules for a walk of the named directory `base`: without the patterns that
    ignore `base` itself or a directory between a .gitignore and `base` (the caller named it, so it is
    processed), with the rules about what lies below it kept. Also the patterns dropped, as
    "DIR/.gitignore: PATTERN" lines, for the note that says so."""
    out: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    dropped: list[str] = []
    for directory, spec in stack:
        # The directories from just below this .gitignore down to base, as git matches them.
        rels = []
        rel = os.path.relpath(base, directory).replace(os.sep, "/")
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            rels.append("/".join(parts[:i]) + "/")
        keep = []
        for pattern in spec.patterns:
            if pattern.include and any(pattern.match_file(r) for r in rels):
                dropped.append(f"{directory.rstrip(os.sep)}/.gitignore: {getattr(pattern, 'pattern', pattern)}")
            else:
                keep.append(pattern)
        out.append((directory, spec if len(keep) == len(spec.patterns) else pathspec.GitIgnoreSpec(keep)))
    return out, dropped


def git_toplevel(directory: str) -> str | None:
    """The nearest directory at or above `directory` holding `.git`, or None."""
    cur = directory
    while True:
        if os.path.exists(os.path.join(cur, ".git")):
            return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def _ignored(stack: list[tuple[str, pathspec.GitIgnoreSpec]], path: str, is_dir: bool) -> bool:
    """Git's verdict: the deepest .gitignore with a matching pattern decides (last match within it)."""
    for directory, spec in reversed(stack):
        rel = os.path.relpath(path, directory).replace(os.sep, "/") + ("/" if is_dir else "")
        verdict = spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False


def _sniff_language(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SHEBANG_PROBE)
    except OSError:
        return None
    return languages.from_shebang(head)


def walk(
    path: str,
    *,
    root: str,
    display_base: str = "",
    pattern: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    max_file_bytes: int = 2 * 1024 * 1024,
    max_files: int = 100_000,
    gitignore_stop: str | None = None,
    language: str = "",
) -> WalkResult:
    """List the files of the directory (or single file) `path`, which lies inside `root`.

    display paths are `display_base` joined with the path relative to `path`, '/'-separated.
    `pattern` (the glob part of a path like 'src/**/*.py') and `include` keep matching files only;
    `exclude` skips matching files and directories. .gitignore files of `path` and its
    subdirectories apply, and those of its ancestors up to `gitignore_stop` (default: `root`).
    `language` (a caller override) makes every file a candidate regardless of its name.
    """
    out = WalkResult()
    base = os.path.realpath(path)
    root = os.path.realpath(root)

    def show(rel: str) -> str:
        return posixpath.join(display_base, rel) if display_base else rel

    if os.path.isfile(base):
        _add_file(out, base, display_base or os.path.basename(base), os.stat(base).st_size, max_file_bytes, language)
        return out
    scope = _spec(["/" + pattern]) if pattern else None
    wanted = _spec(include) if include else None
    unwanted = _spec(exclude) if exclude else None
    stack = _ancestor_specs(base, os.path.realpath(gitignore_stop or root))
    if stack and _ignored(stack, base, True):
        stack, dropped = _named_path_rules(stack, base)
        out.notes.append(
            f"{display_base or '.'} is ignored by .gitignore ({'; '.join(dropped)}) and was processed because it "
            "was named; .gitignore rules about the files inside it still apply"
        )

    def visit(directory: str, rel_dir: str) -> None:
        spec = _read_gitignore(directory)
        pushed = spec is not None
        if spec is not None:
            stack.append((directory, spec))
        try:
            try:
                with os.scandir(directory) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                out.skipped.append(
                    Skip(show(rel_dir) + "/" if rel_dir else show("."), UNREADABLE, exc.strerror or "cannot list")
                )
                return
            for item in items:
                if out.limit_reached:
                    return
                rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
                full = os.path.join(directory, item.name)
                try:
                    is_link = item.is_symlink()
                    is_dir = item.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_link:
                    real = os.path.realpath(full)
                    if not _within(real, root):
                        out.skipped.append(Skip(show(rel), SYMLINK, "it points outside the root"))
                        continue
                    if os.path.isdir(real):
                        out.skipped.append(Skip(show(rel) + "/", SYMLINK, "it points to a directory"))
                        continue
                    if not os.path.isfile(real):
                        continue
                if is_dir:
                    if item.name in SKIP_DIRS or os.path.exists(os.path.join(full, "pyvenv.cfg")):
                        out.skipped.append(Skip(show(rel) + "/", EXCLUDED, "default exclude"))
                    elif _ignored(stack, full, True):
                        out.skipped.append(Skip(show(rel) + "/", IGNORED))
                    elif unwanted is not None and unwanted.match_file(rel + "/"):
                        out.skipped.append(Skip(show(rel) + "/", EXCLUDED, "exclude pattern"))
                    else:
                        visit(full, rel)
                    continue
                if is_link:
                    full_real = os.path.realpath(full)
                else:
                    if not item.is_file(follow_symlinks=False):
                        continue  # sockets, fifos, devices: not source files
                    full_real = full
                if (scope is not None and not scope.match_file(rel)) or (
                    wanted is not None and not wanted.match_file(rel)
                ):
                    out.out_of_scope += 1
                    continue
                if _ignored(stack, full, False):
                    out.skipped.append(Skip(show(rel), IGNORED))
                    continue
                if unwanted is not None and unwanted.match_file(rel):
                    out.skipped.append(Skip(show(rel), EXCLUDED, "exclude pattern"))
                    continue
                try:
                    size = os.stat(full_real).st_size
                except OSError as exc:
                    out.skipped.append(Skip(show(rel), UNREADABLE, exc.strerror or ""))
                    continue
                if len(out.entries) >= max_files:
                    out.limit_reached = True
                    return
                _add_file(out, full_real, show(rel), size, max_file_bytes, language)
        finally:
            if pushed:
                stack.pop()

    visit(base, "")
    return out


OUT_OF_SCOPE = "out of scope"  # PathFilter only: not matching the include globs (counted, never a skip)


class PathFilter:
    """Would `walk(root, ...)` list this file? The same answer for one path at a time, without
    walking: default excludes, .gitignore files (the root's and those below it; above it up to
    `gitignore_stop`), include and exclude globs, symbolic links leaving the root.

    For callers that hear of single files (a file watcher, a re-index of named files). .gitignore
    files are read once and kept; `forget()` drops them after one changes.
    """

    def __init__(
        self,
        root: str,
        *,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        gitignore_stop: str | None = None,
    ):
        self.root = os.path.realpath(root)
        self._stop = os.path.realpath(gitignore_stop or root)
        self._wanted = _spec(include) if include else None
        self._unwanted = _spec(exclude) if exclude else None
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        self._above: list[tuple[str, pathspec.GitIgnoreSpec]] | None = None

    def forget(self) -> None:
        self._specs.clear()
        self._above = None

    def _gitignore(self, directory: str) -> pathspec.GitIgnoreSpec | None:
        if directory not in self._specs:
            self._specs[directory] = _read_gitignore(directory)
        return self._specs[directory]

    def check(self, rel: str) -> Skip | None:
        """None when the walk would list `rel` ('/'-separated, relative to the root) as a file to
        send (its name and size still decide: see `walk`); otherwise the Skip the walk would give it
        or its directory, or a Skip with reason OUT_OF_SCOPE."""
        if self._above is None:
            above = _ancestor_specs(self.root, self._stop)
            if above and _ignored(above, self.root, True):  # as walk does for a root it was asked to walk
                above, _ = _named_path_rules(above, self.root)
            self._above = above
        stack = list(self._above)
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            return Skip(rel, EXCLUDED, "not a file under the root")
        directory = self.root
        spec = self._gitignore(directory)
        if spec is not None:
            stack.append((directory, spec))
        for i, name in enumerate(parts[:-1]):
            directory = os.path.join(directory, name)
            rel_dir = "/".join(parts[: i + 1])
            if os.path.islink(directory):
                return Skip(rel_dir + "/", SYMLINK, "it points to a directory")
            if name in SKIP_DIRS or os.path.exists(os.path.join(directory, "pyvenv.cfg")):
                return Skip(rel_dir + "/", EXCLUDED, "default exclude")
            if _ignored(stack, directory, True):
                return Skip(rel_dir + "/", IGNORED)
            if self._unwanted is not None and self._unwanted.match_file(rel_dir + "/"):
                return Skip(rel_dir + "/", EXCLUDED, "exclude pattern")
            spec = self._gitignore(directory)
            if spec is not None:
                stack.append((directory, spec))
        rel = "/".join(parts)
        full = os.path.join(self.root, *parts)
        if os.path.islink(full):
            real = os.path.realpath(full)
            if not _within(real, self.root):
                return Skip(rel, SYMLINK, "it points outside the root")
            if os.path.isdir(real):
                return Skip(rel + "/", SYMLINK, "it points to a directory")
        if self._wanted is not None and not self._wanted.match_file(rel):
            return Skip(rel, OUT_OF_SCOPE)
        if _ignored(stack, full, False):
            return Skip(rel, IGNORED)
        if self._unwanted is not None and self._unwanted.match_file(rel):
            return Skip(rel, EXCLUDED, "exclude pattern")
        return None


def _add_file(out: WalkResult, real: str, display: str, size: int, max_file_bytes: int, language: str) -> None:
    lang = languages.normalize(language) if language else (languages.from_path(display) or "")
    if not lang:
        lang = _sniff_language(real) or ""
        if not lang:
            out.skipped.append(Skip(display, NO_GRAMMAR, "no language known for this file name or shebang"))
            return
    if size > max_file_bytes:
        out.skipped.append(Skip(display, TOO_LARGE, f"{size:,} bytes; the limit is {max_file_bytes:,}"))
        return
    out.entries.append(Entry(real, display, size, lang))


# --------------------------------------------------------------------------- reading


def read_source(
    entry: Entry, max_file_bytes: int, language_override: str
) -> tuple[common_pb2.SourceFile | None, Skip | None]:
    """The SourceFile to send, or the reason not to send it (what the workers would refuse anyway)."""
    try:
        with open(entry.real_path, "rb") as fh:
            content = fh.read(max_file_bytes + 1)
    except OSError as exc:
        return None, Skip(entry.display, UNREADABLE, exc.strerror or "")
    if len(content) > max_file_bytes:
        return None, Skip(entry.display, TOO_LARGE, f"more than {max_file_bytes:,} bytes")
    if b"\x00" in content:
        return None, Skip(entry.display, BINARY, "contains NUL bytes")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Skip(entry.display, NOT_UTF8, f"bad byte at offset {exc.start}")
    # The language override only: detection stays the server's (same cache keys as single-file calls).
    return common_pb2.SourceFile(path=entry.display, language=language_override, content=content), None


def batches(entries: Sequence[Entry], max_files: int, max_bytes: int) -> list[list[Entry]]:
    out: list[list[Entry]] = []
    cur: list[Entry] = []
    size = 0
    for e in entries:
        if cur and (len(cur) >= max_files or size + e.size > max_bytes):
            out.append(cur)
            cur, size = [], 0
        cur.append(e)
        size += e.size
    if cur:
        out.append(cur)
    return out
