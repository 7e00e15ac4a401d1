"""Cross-file function summaries for a repository scan: what pass 1 gathers and what pass 2 sends.

A scan of more than one file of a taint language runs in two passes (codeintel.repo.runner). Pass 1
asks the workers for every such file's function summaries (ScanOptions.summarize: no findings).
Pass 2 scans every file with the summaries of the *other* files that its text could call: those
whose simple name (the part after the last dot) occurs in it as a word, of the same language
family, and is not the name of a function the file defines itself (its calls resolve there; and
files that all define `main` would otherwise each get a different set, one request apiece). So a file's request stays small, and its options -- part of the coordinator's cache key --
change only when a summary it could use changes; a file that can use none is sent with the run's
own options (the same cache entry as a one-pass scan).

Holds: TAINT_LANGUAGES, take (the run's options when they ask for it), two_passes, Gathered (pass 1's summaries, pass 2's options per file),
SUMMARIZE, MAX_SUMMARIES, MAX_DEFINITIONS, PER_FILE. Domain code: no grpc here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from codeintel.repo.walk import Entry
from codeintel.v1 import scan_pb2

# The languages with a taint spec (services/scan/taint/specs; a test keeps the two in step).
TAINT_LANGUAGES = frozenset({"go", "java", "javascript", "python", "tsx", "typescript"})
_FAMILY = {"typescript": "javascript", "tsx": "javascript"}
MAX_SUMMARIES = 20_000  # ScanOptions.summaries per request (scan.proto)
# A name defined in more files than this says little about which one a call means (`get`, `main`,
# `handler`): such names are not sent (a call of one stays an unknown call), which also keeps a
# request from carrying a summary of every file of the repository.
MAX_DEFINITIONS = 8
PER_FILE = 1_000  # summaries sent with one file's scan, at most
SUMMARIZE = scan_pb2.ScanOptions(summarize=True)  # pass 1: the run's own options do not matter
_WORD = re.compile(rb"[A-Za-z_$][A-Za-z0-9_$]*")


def take(options: Any) -> Any:
    """The run's ScanOptions when they ask for a cross-file scan (`cross_file`), else None. The flag is
    cleared on them: it is for this run, not for the workers (nor their cache keys)."""
    if not isinstance(options, scan_pb2.ScanOptions) or not options.cross_file:
        return None
    options.cross_file = False
    return options


def family(language: str) -> str:
    return _FAMILY.get(language, language)


def two_passes(entries: Sequence[Entry]) -> bool:
    """Whether a scan of `entries` gains from summaries: more than one file of a taint language."""
    return sum(1 for e in entries if e.language in TAINT_LANGUAGES) > 1


def taint_entries(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.language in TAINT_LANGUAGES]


class Gathered:
    """Pass 1's summaries by file, and pass 2's options for each file."""

    def __init__(self) -> None:
        self._by_file: dict[str, tuple[str, list[Any]]] = {}  # path -> (language family, summaries)
        self._by_simple: dict[str, list[tuple[str, Any]]] | None = None
        self.sent = 0  # files sent in pass 1
        self.files_using = 0  # files sent with summaries in pass 2
        self.truncated = 0  # files that could use more than PER_FILE (the first ones were sent)

    def add(self, path: str, result: Any) -> None:
        """One file's pass-1 result (a ScanResult)."""
        if result.summaries:
            self._by_file[path] = (family(result.language), list(result.summaries))
            self._by_simple = None

    @property
    def functions(self) -> int:
        return sum(len(s) for _, s in self._by_file.values())

    @property
    def files(self) -> int:
        return len(self._by_file)

    def _index(self) -> dict[str, list[tuple[str, Any]]]:
        if self._by_simple is None:
            index: dict[str, list[tuple[str, Any]]] = {}
            for path in sorted(self._by_file):  # a stable order: equal sets serialise alike
                for s in self._by_file[path][1]:
                    index.setdefault(s.name.rsplit(".", 1)[-1], []).append((path, s))
            self._by_simple = index
        return self._by_simple

    def for_file(self, path: str, language: str, content: bytes) -> list[Any]:
        """The summaries of other files that `content` could call, in a stable order (by file, then
        document order), at most PER_FILE; names defined in more than MAX_DEFINITIONS files left out."""
        if not self._by_file or (language and language not in TAINT_LANGUAGES):
            return []
        index = self._index()
        fam = family(language) if language else self._by_file.get(path, ("", []))[0]
        own = {s.name.rsplit(".", 1)[-1] for s in self._by_file.get(path, ("", []))[1]}
        words = ({w.decode("ascii") for w in set(_WORD.findall(content))} & index.keys()) - own
        picked = [
            (src, s)
            for w in words
            if len(index[w]) <= MAX_DEFINITIONS
            for src, s in index[w]
            if src != path and (not fam or family(s.language) == fam)
        ]
        picked.sort(key=lambda p: (p[0], p[1].line, p[1].name))
        if len(picked) > PER_FILE:
            self.truncated += 1
            picked = picked[:PER_FILE]
        return [s for _, s in picked]

    def options_for(self, base: Any, summaries: list[Any]) -> Any:
        """`base` (the run's ScanOptions) with `summaries`; `base` itself when there are none."""
        if not summaries:
            return base
        self.files_using += 1
        out = scan_pb2.ScanOptions()
        out.CopyFrom(base)
        out.summaries.extend(summaries)
        return out

    def note(self) -> str:
        text = (
            f"cross-file summaries used: {self.functions} function summaries from {self.files} of the "
            f"{self.sent} files summarised (pass 1), sent with the scans of {self.files_using} files (pass 2)"
        )
        if self.truncated:
            text += f"; {self.truncated} files could use more than {PER_FILE:,} and got the first ones"
        return text
