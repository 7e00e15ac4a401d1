"""Repository work: a directory (or glob) in, a bounded summary plus ordered detail records out.

Three steps, shared by the MCP bridge (repo_scan / repo_analyze / repo_index) and the CLI:

1. `walk` lists the files under a directory, honouring .gitignore files (nested ones too, and
   those of ancestor directories up to the root), default excludes (VCS data, node_modules,
   virtualenvs, build output) and include/exclude globs. Symbolic links are never followed out
   of the root, and never into directories (no cycles, no double counting). Every file that is
   not sent has a `Skip` with a reason; nothing is dropped silently.
2. `Runner` reads the files batch by batch (by file count and bytes), skips what the workers
   would refuse anyway (too large, binary, not UTF-8), sends the rest through a caller-supplied
   `send` coroutine (the coordinator's ParseBatch/AnalyzeBatch/ScanBatch) with several batches
   in flight, and stops sending at the deadline. Per-file failures become skips ("timed out",
   "too complex", ...). Files answered from a cache are counted as reused, the rest as computed.
3. An aggregator per operation folds results into summary counts (severity/CWE/rule, hot spots,
   symbol kinds) and detail records in a stable order, for pagination.

Domain code: no grpc here. `send` raises `BatchError` for a batch that failed as a whole.
"""

from __future__ import annotations

import asyncio
import heapq
import os
import posixpath
import re
import stat
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pathspec

from codeintel import languages
from codeintel.files import SKIP_DIRS
from codeintel.v1 import common_pb2, parse_pb2, scan_pb2

OPERATIONS = ("scan", "analyze", "index")

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

_FILE_ERROR_REASONS = {
    common_pb2.FILE_ERROR_CODE_TOO_LARGE: TOO_LARGE,
    common_pb2.FILE_ERROR_CODE_BINARY: BINARY,
    common_pb2.FILE_ERROR_CODE_INVALID_ENCODING: NOT_UTF8,
    common_pb2.FILE_ERROR_CODE_UNKNOWN_LANGUAGE: NO_GRAMMAR,
    common_pb2.FILE_ERROR_CODE_UNSUPPORTED_LANGUAGE: UNSUPPORTED,
    common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED: TIMED_OUT,
    common_pb2.FILE_ERROR_CODE_TOO_COMPLEX: TOO_COMPLEX,
}
# Reasons that are a property of the repository, not a failure of the run (the CLI exits 0 on them).
BENIGN = frozenset({IGNORED, EXCLUDED, SYMLINK, NO_GRAMMAR, UNSUPPORTED})

_REUSED = frozenset({2, 3, 4})  # CacheStatus HIT_L1, HIT_L2, MERGED (coordinator.proto)
_GLOB_CHARS = re.compile(r"[*?\[]")
_SHEBANG_PROBE = 256


class BatchError(Exception):
    """A whole batch failed. `deadline`: it ran out of time; `fatal`: no later batch can succeed
    (bad credentials, refused request), so the run stops."""

    def __init__(self, message: str, *, deadline: bool = False, fatal: bool = False):
        super().__init__(message)
        self.deadline = deadline
        self.fatal = fatal


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


# --------------------------------------------------------------------------- walking


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


def walk(path: str, *, root: str, display_base: str = "", pattern: str | None = None,
         include: Sequence[str] = (), exclude: Sequence[str] = (), max_file_bytes: int = 2 * 1024 * 1024,
         max_files: int = 100_000, gitignore_stop: str | None = None, language: str = "") -> WalkResult:
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

    def visit(directory: str, rel_dir: str) -> None:
        spec = _read_gitignore(directory)
        pushed = spec is not None
        if pushed:
            stack.append((directory, spec))
        try:
            try:
                with os.scandir(directory) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                out.skipped.append(Skip(show(rel_dir) + "/" if rel_dir else show("."), UNREADABLE,
                                        exc.strerror or "cannot list"))
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
                if (scope is not None and not scope.match_file(rel)) or (wanted is not None and not wanted.match_file(rel)):
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


def read_source(entry: Entry, max_file_bytes: int, language_override: str) -> tuple[common_pb2.SourceFile | None, Skip | None]:
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
    out, cur, size = [], [], 0
    for e in entries:
        if cur and (len(cur) >= max_files or size + e.size > max_bytes):
            out.append(cur)
            cur, size = [], 0
        cur.append(e)
        size += e.size
    if cur:
        out.append(cur)
    return out


# --------------------------------------------------------------------------- aggregation

SEVERITIES = ["info", "low", "medium", "high", "critical"]
_HOT = 10


def _sev(value: int) -> str:
    try:
        return scan_pb2.Severity.Name(value).removeprefix("SEVERITY_").lower()
    except ValueError:
        return "unspecified"


class Aggregator:
    """Folds per-file results into summary counts and detail records (one kind per operation)."""

    operation = ""

    def __init__(self) -> None:
        self.records: list[tuple[tuple, dict]] = []
        self.languages: Counter[str] = Counter()

    def add(self, path: str, result) -> None:
        self.languages[result.language] += 1
        self._add(path, result)

    def _add(self, path: str, result) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def details(self) -> list[dict]:
        return [rec for _, rec in sorted(self.records, key=lambda kr: kr[0])]

    def summary(self) -> dict:
        return {}


class ScanAggregator(Aggregator):
    operation = "scan"

    def __init__(self) -> None:
        super().__init__()
        self.by_severity: Counter[str] = Counter()
        self.by_cwe: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.per_file: dict[str, Counter[str]] = {}
        self.suppressed = 0

    def _add(self, path, result) -> None:
        self.suppressed += result.suppressed_count
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        for f in result.findings:
            sev = _sev(f.severity)
            self.by_severity[sev] += 1
            self.by_cwe[f.cwe or "none"] += 1
            self.by_rule[f.rule_id] += 1
            self.per_file.setdefault(path, Counter())[sev] += 1
            line, col = f.range.start.line + 1, f.range.start.column + 1
            self.records.append(((-rank.get(sev, -1), path, line, col, f.rule_id), {
                "path": path, "line": line, "column": col, "end_line": f.range.end.line + 1,
                "severity": sev, "confidence": _name(scan_pb2.Confidence, f.confidence, "CONFIDENCE_"),
                "rule_id": f.rule_id, "cwe": f.cwe, "owasp": f.owasp, "message": f.message,
                "snippet": f.snippet[:200], "fingerprint": f.fingerprint,
            }))

    def summary(self) -> dict:
        worst = sorted(self.per_file.items(),
                       key=lambda kv: (-(kv[1]["critical"] + kv[1]["high"]), -sum(kv[1].values()), kv[0]))[:_HOT]
        return {
            "total_findings": sum(self.by_severity.values()),
            "counts_by_severity": {s: self.by_severity[s] for s in reversed(SEVERITIES) if self.by_severity[s]},
            "counts_by_cwe": dict(sorted(self.by_cwe.items(), key=lambda kv: (-kv[1], kv[0]))),
            "counts_by_rule": dict(sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "suppressed_count": self.suppressed,
            "worst_files": [{"path": p, "critical": c["critical"], "high": c["high"], "total": sum(c.values())}
                            for p, c in worst],
        }


class AnalyzeAggregator(Aggregator):
    operation = "analyze"

    def __init__(self) -> None:
        super().__init__()
        self.lines = Counter()
        self.functions = 0
        self.classes = 0
        self.duplicates = 0
        self._complex: list[tuple] = []  # min-heaps of the top _HOT
        self._long: list[tuple] = []
        self._low_mi: list[tuple] = []
        self._seq = 0

    def _push(self, heap: list, key: tuple, item: dict) -> None:
        self._seq += 1
        entry = (key, -self._seq, item)  # -seq: on ties the earlier file wins (stable across runs by path order)
        if len(heap) < _HOT:
            heapq.heappush(heap, entry)
        elif entry[:2] > heap[0][:2]:
            heapq.heapreplace(heap, entry)

    def _add(self, path, r) -> None:
        for k in ("total", "code", "comment", "blank"):
            self.lines[k] += getattr(r.lines, k)
        self.functions += r.function_count
        self.classes += r.class_count
        self.duplicates += len(r.duplicates)
        for f in r.functions:
            item = {"path": path, "function": f.qualified_name or f.name, "start_line": f.range.start.line + 1,
                    "end_line": f.range.end.line + 1, "cyclomatic_complexity": f.cyclomatic_complexity,
                    "cognitive_complexity": f.cognitive_complexity, "length_lines": f.length_lines,
                    "maintainability_index": round(f.maintainability_index, 2)}
            self._push(self._complex, (f.cyclomatic_complexity, f.cognitive_complexity), item)
            self._push(self._long, (f.length_lines,), item)
        if r.lines.code > 0:
            self._push(self._low_mi, (-round(r.maintainability_index, 2),),
                       {"path": path, "maintainability_index": round(r.maintainability_index, 2),
                        "code_lines": r.lines.code, "functions": r.function_count})
        self.records.append(((path,), {
            "path": path, "language": r.language, "lines": r.lines.total, "code_lines": r.lines.code,
            "functions": r.function_count, "classes": r.class_count,
            "max_cyclomatic_complexity": r.max_cyclomatic_complexity,
            "average_cyclomatic_complexity": round(r.average_cyclomatic_complexity, 3),
            "max_cognitive_complexity": r.max_cognitive_complexity,
            "maintainability_index": round(r.maintainability_index, 2), "duplicates": len(r.duplicates),
            "has_syntax_errors": r.has_syntax_errors,
        }))

    @staticmethod
    def _top(heap: list) -> list[dict]:
        ordered = sorted(heap, key=lambda e: (e[0], e[1]), reverse=True)
        return [item for _, _, item in ordered]

    def summary(self) -> dict:
        return {
            "lines": {k: self.lines[k] for k in ("total", "code", "comment", "blank")},
            "functions": self.functions, "classes": self.classes, "duplicated_blocks": self.duplicates,
            "most_complex_functions": self._top(self._complex),
            "longest_functions": self._top(self._long),
            "lowest_maintainability_files": self._top(self._low_mi),
        }


class IndexAggregator(Aggregator):
    operation = "index"

    def __init__(self) -> None:
        super().__init__()
        self.by_kind: Counter[str] = Counter()
        self.with_errors = 0
        self.without_symbols = 0

    def _add(self, path, r) -> None:
        self.with_errors += bool(r.has_errors)
        self.without_symbols += not r.symbols_supported
        qnames = [s.qualified_name or s.name for s in r.symbols]
        for i, s in enumerate(r.symbols):
            kind = _KINDS.get(s.kind) or _name(parse_pb2.SymbolKind, s.kind, "SYMBOL_KIND_")
            self.by_kind[kind] += 1
            self.records.append(((path, i), {
                "path": path, "kind": kind, "name": s.name, "qualified_name": qnames[i],
                "start_line": s.range.start.line + 1, "end_line": s.range.end.line + 1, "depth": s.depth,
                "parent": qnames[s.parent_index] if 0 <= s.parent_index < len(qnames) else None,
            }))

    def summary(self) -> dict:
        return {
            "total_symbols": sum(self.by_kind.values()),
            "symbols_by_kind": dict(sorted(self.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
            "files_with_syntax_errors": self.with_errors,
            "files_without_symbol_support": self.without_symbols,
        }


def _name(enum_type, value: int, prefix: str) -> str:
    try:
        return enum_type.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return "unspecified"


_KINDS = {v: k.removeprefix("SYMBOL_KIND_").lower() for k, v in parse_pb2.SymbolKind.items()}

AGGREGATORS = {"scan": ScanAggregator, "analyze": AnalyzeAggregator, "index": IndexAggregator}


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class RunLimits:
    batch_files: int = 64
    batch_bytes: int = 4 * 1024 * 1024
    in_flight: int = 4
    batch_timeout_s: float = 60.0
    max_file_bytes: int = 2 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("batch_files", "batch_bytes", "in_flight", "max_file_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not self.batch_timeout_s > 0:
            raise ValueError(f"batch_timeout_s must be positive, got {self.batch_timeout_s!r}")


Send = Callable[[list[common_pb2.SourceFile], float], Awaitable[object]]
Progress = Callable[[int, int], Awaitable[None]]


@dataclass
class RunReport:
    """Counts of one run; `skipped` holds every file that produced no result, with its reason."""

    operation: str
    files_found: int = 0  # files considered (sent or skipped; excludes directories skipped whole)
    processed: int = 0
    computed: int = 0
    reused: int = 0
    batches: int = 0
    skipped: list[Skip] = field(default_factory=list)
    out_of_scope: int = 0
    stopped: str | None = None  # why the run ended early: "deadline", "cancelled", a fatal error, "file limit"
    elapsed_s: float = 0.0

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(s.reason for s in self.skipped).items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def not_processed(self) -> int:
        return sum(1 for s in self.skipped if s.reason == NOT_PROCESSED)

    def as_dict(self) -> dict:
        return {
            "files_found": self.files_found, "processed": self.processed, "computed": self.computed,
            "reused": self.reused,
            "skipped": sum(1 for s in self.skipped if s.reason != NOT_PROCESSED and not s.path.endswith("/")),
            "not_processed": self.not_processed, "out_of_scope": self.out_of_scope,
            "directories_skipped": sum(1 for s in self.skipped if s.path.endswith("/")),
        }


class Runner:
    """Sends a walk's entries in batches, several in flight, and folds the outcomes."""

    def __init__(self, operation: str, send: Send, *, limits: RunLimits = RunLimits(), deadline: float | None = None,
                 language: str = "", progress: Progress | None = None,
                 on_result: Callable[[str, object], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        if operation not in AGGREGATORS:
            raise ValueError(f"unknown operation {operation!r}")
        self.operation = operation
        self.send = send
        self.limits = limits
        self.deadline = deadline  # on `clock`
        self.language = language
        self.progress = progress
        self.on_result = on_result
        self.clock = clock
        self.aggregator: Aggregator = AGGREGATORS[operation]()
        self.report = RunReport(operation)
        self._unsupported: set[str] = set()  # languages the workers refused in this run: not sent again
        self._done = 0
        self._total = 0

    def _remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def _past_deadline(self) -> bool:
        # A little slack: an RPC whose timeout was the time remaining fails just before it.
        remaining = self._remaining()
        return remaining is not None and remaining <= 0.05

    async def run(self, walked: WalkResult) -> RunReport:
        t0 = self.clock()
        rep = self.report
        rep.skipped.extend(walked.skipped)
        rep.out_of_scope = walked.out_of_scope
        rep.files_found = len(walked.entries) + sum(1 for s in walked.skipped if not s.path.endswith("/"))
        if walked.limit_reached:
            rep.stopped = "file limit"
        todo = batches(walked.entries, self.limits.batch_files, self.limits.batch_bytes)
        self._total = len(walked.entries)
        pending: set[asyncio.Task] = set()
        next_batch = 0
        try:
            while True:
                while len(pending) < self.limits.in_flight and next_batch < len(todo) and rep.stopped in (None, "file limit"):
                    remaining = self._remaining()
                    if remaining is not None and remaining <= 0:
                        rep.stopped = "deadline"
                        break
                    pending.add(asyncio.ensure_future(self._one(todo[next_batch])))
                    next_batch += 1
                if not pending:
                    break
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        except BaseException:
            rep.stopped = "cancelled"
            for task in pending:
                task.cancel()  # in-flight batches are abandoned: their RPCs are cancelled
            await asyncio.gather(*pending, return_exceptions=True)
            raise
        finally:
            why = {"deadline": "the deadline passed before it was sent", "cancelled": "the run was cancelled"}
            for batch in todo[next_batch:]:
                for e in batch:
                    rep.skipped.append(Skip(e.display, NOT_PROCESSED, why.get(rep.stopped or "", rep.stopped or "")))
            rep.elapsed_s = self.clock() - t0
        return rep

    async def _one(self, batch: list[Entry]) -> None:
        try:
            await self._batch(batch)
        finally:
            self._done += len(batch)
        if self.progress is not None:  # once per batch, cumulative
            await self.progress(self._done, self._total)

    async def _batch(self, batch: list[Entry]) -> None:
        rep = self.report
        to_read = []
        for e in batch:
            if e.language in self._unsupported and not self.language:
                rep.skipped.append(Skip(e.display, UNSUPPORTED, f"{e.language} is not supported by {self.operation}"))
            else:
                to_read.append(e)
        limit, lang = self.limits.max_file_bytes, self.language
        read = await asyncio.to_thread(lambda: [read_source(e, limit, lang) for e in to_read])
        sources, sent = [], []
        for e, (src, skip) in zip(to_read, read):
            if skip is not None:
                rep.skipped.append(skip)
            else:
                sources.append(src)
                sent.append(e)
        if not sources:
            return
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            for e in sent:
                rep.skipped.append(Skip(e.display, NOT_PROCESSED, "the deadline passed before it was sent"))
            if rep.stopped in (None, "file limit"):  # the batch was already scheduled: the run still stopped early
                rep.stopped = "deadline"
            return
        timeout = self.limits.batch_timeout_s if remaining is None else min(remaining, self.limits.batch_timeout_s)
        rep.batches += 1
        try:
            resp = await self.send(sources, timeout)
        except BatchError as exc:
            at_deadline = exc.deadline and self._past_deadline()
            for e in sent:
                if at_deadline:
                    rep.skipped.append(Skip(e.display, NOT_PROCESSED, "the deadline passed while it was in flight"))
                else:
                    rep.skipped.append(Skip(e.display, TIMED_OUT if exc.deadline else FAILED, str(exc)))
            if exc.fatal:
                rep.stopped = str(exc)
            elif at_deadline:
                rep.stopped = "deadline"
            return
        self._fold(sent, resp)

    def _fold(self, sent: list[Entry], resp) -> None:
        rep = self.report
        caches = list(resp.info.cache)
        for i, (e, r) in enumerate(zip(sent, resp.results)):
            if r.HasField("result"):
                rep.processed += 1
                if i < len(caches) and caches[i] in _REUSED:
                    rep.reused += 1
                else:
                    rep.computed += 1
                self.aggregator.add(e.display, r.result)
                if self.on_result is not None:
                    self.on_result(e.display, r.result)
                continue
            reason = _FILE_ERROR_REASONS.get(r.error.code, FAILED)
            if reason == TIMED_OUT and self._past_deadline():
                reason = NOT_PROCESSED  # the run's deadline cut the batch: the run stopped early
                if rep.stopped in (None, "file limit"):
                    rep.stopped = "deadline"
            if reason == UNSUPPORTED and e.language:
                self._unsupported.add(e.language)
            rep.skipped.append(Skip(e.display, reason, r.error.message))


def summary(report: RunReport, aggregator: Aggregator, path: str) -> dict:
    """The summary of a run, as plain data (the bridge and the CLI render it)."""
    return {
        "operation": report.operation,
        "path": path,
        "complete": report.stopped is None and report.not_processed == 0,
        "stopped": report.stopped,
        "files": report.as_dict(),
        "skipped_by_reason": report.skipped_by_reason(),
        "languages": dict(sorted(aggregator.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "elapsed_s": round(report.elapsed_s, 3),
        "batches": report.batches,
        **aggregator.summary(),
    }


def summary_text(s: dict, *, max_items: int = 10) -> str:
    """A few lines a person or a model reads first."""
    f = s["files"]
    head = (f"{s['operation']} of {s['path'] or '.'}: {f['processed']} files processed "
            f"({f['computed']} computed, {f['reused']} reused from cache), {f['skipped']} skipped, "
            f"{f['not_processed']} not processed; {s['elapsed_s']:.2f} s.")
    lines = [head]
    if s["stopped"]:
        lines.append(f"Stopped early ({s['stopped']}): {f['not_processed']} files were not processed.")
    if s["skipped_by_reason"]:
        dirs = f" ({f['directories_skipped']} of them directories)" if f["directories_skipped"] else ""
        lines.append("Skipped: " + ", ".join(f"{n} {r}" for r, n in s["skipped_by_reason"].items()) + f"{dirs}.")
    if s["languages"]:
        lines.append("Languages: " + ", ".join(f"{lang} {n}" for lang, n in list(s["languages"].items())[:max_items]) + ".")
    op = s["operation"]
    if op == "scan":
        if s["total_findings"]:
            sev = ", ".join(f"{n} {k}" for k, n in s["counts_by_severity"].items())
            lines.append(f"{s['total_findings']} findings ({sev}).")
            lines.append("By CWE: " + ", ".join(f"{k} {n}" for k, n in list(s["counts_by_cwe"].items())[:max_items]) + ".")
            lines.append("Top rules: " + ", ".join(f"{k} {n}" for k, n in list(s["counts_by_rule"].items())[:max_items]) + ".")
            for w in s["worst_files"][:5]:
                lines.append(f"- {w['path']}: {w['critical']} critical, {w['high']} high, {w['total']} total")
        else:
            lines.append("No findings.")
    elif op == "analyze":
        ln = s["lines"]
        lines.append(f"{ln['total']} lines ({ln['code']} code), {s['functions']} functions, {s['classes']} classes, "
                     f"{s['duplicated_blocks']} duplicated blocks.")
        for fn in s["most_complex_functions"][:5]:
            lines.append(f"- {fn['path']}:{fn['start_line']} {fn['function']}: complexity "
                         f"{fn['cyclomatic_complexity']}, cognitive {fn['cognitive_complexity']}")
        for fl in s["lowest_maintainability_files"][:3]:
            lines.append(f"- low maintainability: {fl['path']} ({fl['maintainability_index']:.1f}/100)")
    elif op == "index":
        kinds = ", ".join(f"{n} {k}" for k, n in list(s["symbols_by_kind"].items())[:max_items])
        lines.append(f"{s['total_symbols']} symbols ({kinds}); {s['files_with_syntax_errors']} files with syntax errors.")
    return "\n".join(lines)
