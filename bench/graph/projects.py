"""The real projects the correctness bench runs on, and how each becomes a standalone root.

Python: the installed sources of flask and requests (requirements/dev.txt pins them); each package
directory is copied under a fresh temp root (`ROOT/flask/...`), so the root holds one import root
with the package in it, like a checkout. JavaScript: commander and ws (CommonJS, classes,
`require`); TypeScript: rxjs, whose npm package ships its TypeScript sources in src/. All three
are pinned in package.json (devDependencies) and land in node_modules with `npm ci`. Only source
files are copied: no tests, no declaration files (*.d.ts), no build output.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import json
import os
import shutil
import sysconfig
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_MODULES = os.path.join(REPO, "node_modules")


@dataclass(frozen=True)
class Project:
    name: str
    language: str  # "python" or "js" (javascript and typescript files, one TS language service)
    source: str  # directory copied
    dest: str  # where it lands under the root ("" = the root itself)
    include: tuple[str, ...] = ()  # fnmatch patterns on paths relative to `source`; empty = everything
    exclude: tuple[str, ...] = field(default=("*/__pycache__/*", "*.pyc", "*.d.ts", "*.d.mts", "*.d.cts"))

    @property
    def version(self) -> str:
        if self.language == "python":
            return importlib.metadata.version(self.name)
        with open(os.path.join(self.source, "package.json")) as fh:
            return str(json.load(fh)["version"])

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    def available(self) -> bool:
        return os.path.isdir(self.source)

    def files(self) -> list[str]:
        """Paths relative to `source` that are copied, sorted."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.source):
            dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "node_modules"))
            for fn in filenames:
                rel = os.path.relpath(os.path.join(dirpath, fn), self.source).replace(os.sep, "/")
                if self.include and not any(fnmatch.fnmatch(rel, p) for p in self.include):
                    continue
                if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch("/" + rel, p) for p in self.exclude):
                    continue
                out.append(rel)
        return sorted(out)

    def materialize(self, root: str) -> str:
        """Copy the project's files under `root` (created); returns `root`."""
        for rel in self.files():
            dst = os.path.join(root, self.dest, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(self.source, rel), dst)
        return root


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


def _py(name: str) -> Project:
    return Project(name, "python", os.path.join(_site_packages(), name), name, include=("*.py",))


PYTHON = [_py("flask"), _py("requests")]
JS = [
    Project(
        "commander",
        "js",
        os.path.join(NODE_MODULES, "commander"),
        "",
        include=("index.js", "esm.mjs", "lib/*.js"),
    ),
    Project(
        "ws",
        "js",
        os.path.join(NODE_MODULES, "ws"),
        "",
        include=("index.js", "wrapper.mjs", "lib/*.js"),
    ),
    Project("rxjs", "js", os.path.join(NODE_MODULES, "rxjs"), "", include=("src/*.ts",)),
]
ALL = PYTHON + JS


def by_name(names: list[str]) -> list[Project]:
    known = {p.name: p for p in ALL}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown project(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]


def language_of(path: str) -> str:
    ext = os.path.splitext(path)[1]
    return {
        ".py": "python",
        ".js": "javascript",
        ".mjs": "javascript",
        ".cjs": "javascript",
        ".ts": "typescript",
        ".tsx": "tsx",
    }.get(ext, "")
