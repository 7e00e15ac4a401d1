"""What the reference tools say, in one shape for every language, cached on disk.

Shape (a `Reference`; JSON in bench/results/graph-ref/<lang>-<project>-<version>-<tool>.json):

- declarations: every function, class and method declared in the project, as the reference tool
  sees them: (path, line, col, name, kind, group). `line` is 1-based, `col` a 0-based BYTE column
  of the name (what our ranges use). `group` joins the declarations of one symbol (TypeScript
  overload signatures and their implementation); in Python every declaration is its own group.
- usages: every identifier that is a use, not a declaration: (path, line, col, name, groups), where
  `groups` are the declaration groups the tool's go-to-definition lands on (only groups of the
  table above: a use that lands on a variable, a parameter or outside the project has none).
  Names in import and export statements are not uses (our facts do not list them either).
- references: per group, the uses the tool's find-references lists, restricted to the usages above
  (so declaration names and import names are out on both sides).

Both sides are compared against this table (bench.graph.compare).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

from bench.graph.projects import REPO

CACHE_DIR = os.path.join(REPO, "bench", "results", "graph-ref")
KINDS = ("function", "class", "method")


@dataclass
class Reference:
    tool: str
    project: str
    version: str
    language: str  # "python" or "js"
    digest: str  # sha256 over the project's files: a cache entry for other content is not reused
    files: dict[str, str] = field(default_factory=dict)  # path -> language
    declarations: list[tuple[str, int, int, str, str, int]] = field(default_factory=list)
    usages: list[tuple[str, int, int, str, list[int]]] = field(default_factory=list)
    references: dict[int, list[tuple[str, int, int]]] = field(default_factory=dict)
    seconds: float = 0.0  # what the reference tool took (not part of any figure of ours)

    def to_json(self) -> dict:
        return {
            "tool": self.tool,
            "project": self.project,
            "version": self.version,
            "language": self.language,
            "digest": self.digest,
            "files": self.files,
            "declarations": [list(d) for d in self.declarations],
            "usages": [list(u) for u in self.usages],
            "references": {str(k): [list(r) for r in v] for k, v in self.references.items()},
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, d: dict) -> Reference:
        return cls(
            tool=d["tool"],
            project=d["project"],
            version=d["version"],
            language=d["language"],
            digest=d["digest"],
            files=dict(d["files"]),
            declarations=[(a, int(b), int(c), n, k, int(g)) for a, b, c, n, k, g in d["declarations"]],
            usages=[(a, int(b), int(c), n, [int(x) for x in gs]) for a, b, c, n, gs in d["usages"]],
            references={int(k): [(a, int(b), int(c)) for a, b, c in v] for k, v in d["references"].items()},
            seconds=float(d.get("seconds", 0.0)),
        )


def digest_of(root: str, paths: list[str], method: str = "") -> str:
    """sha256 over the files (and `method`: the extracting script, so a change to it is a new entry)."""
    h = hashlib.sha256()
    if method:
        with open(method, "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    for p in sorted(paths):
        h.update(p.encode() + b"\0")
        with open(os.path.join(root, p), "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def cache_path(language: str, project: str, version: str, tool: str, cache_dir: str = CACHE_DIR) -> str:
    safe = tool.replace(" ", "-")
    return os.path.join(cache_dir, f"{language}-{project}-{version}-{safe}.json")


def load_cached(path: str, digest: str) -> Reference | None:
    try:
        with open(path) as fh:
            ref = Reference.from_json(json.load(fh))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ref if ref.digest == digest else None


def save(ref: Reference, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(ref.to_json(), fh, separators=(",", ":"))
    os.replace(tmp, path)


def byte_col(line_text: str, char_col: int) -> int:
    """The byte column of character column `char_col` in `line_text` (UTF-8)."""
    return len(line_text[:char_col].encode("utf-8", "surrogatepass"))
