"""JavaScript / TypeScript ground truth: bench/graph/tsls.cjs (the TypeScript language service,
npm `typescript` pinned in package.json) run by node over a standalone root; its JSON is a
bench.graph.reference.Reference, cached by (project, version, typescript version, content digest)
under bench/results/graph-ref/. See tsls.cjs for what counts as a declaration, a usage and a
reference."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

from bench.graph.projects import NODE_MODULES, REPO
from bench.graph.reference import CACHE_DIR, Reference, cache_path, digest_of, load_cached, save

SCRIPT = os.path.join(REPO, "bench", "graph", "tsls.cjs")
EXTS = (".ts", ".tsx", ".js", ".mjs", ".cjs")


class Unavailable(RuntimeError):
    """node or the typescript package is missing (`npm ci` installs it)."""


def typescript_version() -> str:
    try:
        with open(os.path.join(NODE_MODULES, "typescript", "package.json")) as fh:
            return str(json.load(fh)["version"])
    except OSError as exc:
        raise Unavailable("node_modules/typescript is missing: run `npm ci`") from exc


def tool_name() -> str:
    return f"typescript {typescript_version()}"


def source_files(root: str) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "node_modules")
        for fn in filenames:
            if fn.endswith(EXTS) and not fn.endswith((".d.ts", ".d.mts", ".d.cts")):
                out.append(os.path.relpath(os.path.join(dirpath, fn), root).replace(os.sep, "/"))
    return sorted(out)


def build(root: str, project: str, version: str, *, timeout: float = 1800) -> Reference:
    node = shutil.which("node")
    if node is None:
        raise Unavailable("node is not on PATH")
    typescript_version()
    root = os.path.realpath(root)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ref.json")
        proc = subprocess.run(
            [node, "--max-old-space-size=4096", SCRIPT, root, out],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tsls.cjs failed ({proc.returncode}): {proc.stderr[-2000:]}")
        with open(out) as fh:
            d = json.load(fh)
    d.update(project=project, version=version, language="js", digest=digest_of(root, source_files(root), SCRIPT))
    return Reference.from_json(d)


def reference_for(root: str, project: str, version: str, *, cache_dir: str | None = None) -> Reference:
    root = os.path.realpath(root)
    digest = digest_of(root, source_files(root), SCRIPT)
    path = cache_path("js", project, version, tool_name(), cache_dir or CACHE_DIR)
    cached = load_cached(path, digest)
    if cached is not None:
        return cached
    ref = build(root, project, version)
    save(ref, path)
    return ref
