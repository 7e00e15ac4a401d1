"""Python ground truth from Jedi (jedi==0.20.1, pinned in requirements/dev.txt).

Per file of a standalone root (bench.graph.projects copies a package under a temp directory):

- declarations: every `def` and `class` of the file, walked with parso (Jedi's parser): a class is
  "class", a def whose nearest enclosing def-or-class is a class is "method" (properties and
  static/class methods included, as in our symbols), every other def is "function". Declarations
  with the same qualified name in one file are one group (property getter + setter, @overload
  stubs + implementation, a def in both branches of an `if`): one symbol, as TypeScript's overloads;
- usages: Jedi's `Script.get_names(all_scopes=True, definitions=False, references=True)` (names that
  are not definitions) minus the names inside `import` / `from ... import` statements. For each,
  `Name.goto(follow_imports=True)`; the targets kept are results of type function, class or
  property, inside the root, whose (path, line, name) is a declaration of the table;
- references: for each declaration, `Script.get_references(line, column, include_builtins=False,
  scope="project")`, keeping results inside the root that are usages above (so the definition itself,
  the other definitions Jedi lists -- e.g. `from .app import Flask` -- and import statements are out).

Jedi runs in worker processes (2 by default); its answers are cached by (project, version, jedi
version, content digest) under bench/results/graph-ref/, so only the first run pays for it.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from bench.graph.reference import CACHE_DIR, Reference, byte_col, cache_path, digest_of, load_cached, save

_JEDI_TARGET_TYPES = ("function", "class", "property")
_project_cache: dict[str, object] = {}


def jedi_version() -> str:
    import jedi  # type: ignore[import-untyped]

    return str(jedi.__version__)


def tool_name() -> str:
    return f"jedi {jedi_version()}"


def _lines(text: str) -> list[str]:
    from parso.utils import split_lines

    return list(split_lines(text))


def _declarations(module) -> list[tuple[int, int, str, str, str]]:
    """(line, char col, name, kind, qualified name in the file) of every def and class."""
    out = []
    stack = [module]
    while stack:
        node = stack.pop()
        if node.type in ("funcdef", "classdef"):
            scope = node.parent
            while scope is not None and scope.type not in ("funcdef", "classdef", "file_input"):
                scope = scope.parent
            if node.type == "classdef":
                kind = "class"
            else:
                kind = "method" if scope is not None and scope.type == "classdef" else "function"
            name = node.name
            qual = [name.value]
            up = node.parent
            while up is not None:
                if up.type in ("funcdef", "classdef"):
                    qual.append(up.name.value)
                up = up.parent
            out.append((name.line, name.column, name.value, kind, ".".join(reversed(qual))))
        children = getattr(node, "children", None)
        if children:
            stack.extend(reversed(children))
    return sorted(out)


def _import_names(module) -> set[tuple[int, int]]:
    """(line, char col) of every name inside an import statement."""
    out: set[tuple[int, int]] = set()
    stack = [(module, False)]
    while stack:
        node, inside = stack.pop()
        inside = inside or node.type in ("import_from", "import_name")
        if node.type == "name" and inside:
            out.add((node.line, node.column))
        for c in getattr(node, "children", ()) or ():
            stack.append((c, inside))
    return out


def _in_root(module_path, root: str) -> str | None:
    if module_path is None:
        return None
    p = os.path.realpath(str(module_path))
    if not p.startswith(root + os.sep):
        return None
    return os.path.relpath(p, root).replace(os.sep, "/")


def extract_file(root: str, rel: str) -> dict:
    """Jedi's answers for one file; positions in characters (converted to bytes by the caller)."""
    import jedi
    import parso

    root = os.path.realpath(root)
    project = _project_cache.get(root)
    if project is None:
        project = _project_cache[root] = jedi.Project(root)
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    module = parso.parse(text)
    decls = _declarations(module)
    imports = _import_names(module)
    script = jedi.Script(text, path=path, project=project)
    usages = []
    for nm in script.get_names(all_scopes=True, definitions=False, references=True):
        if (nm.line, nm.column) in imports:
            continue
        targets = []
        try:
            results = nm.goto(follow_imports=True)
        except Exception:  # noqa: BLE001 - Jedi fails on some names; they just have no answer
            results = []
        for d in results:
            if d.type not in _JEDI_TARGET_TYPES or d.line is None:
                continue
            where = _in_root(d.module_path, root)
            if where is not None:
                targets.append((where, d.line, d.name))
        usages.append((nm.line, nm.column, nm.name, sorted(set(targets))))
    refs = []
    for line, col, _name, _kind, _qual in decls:
        found = []
        try:
            results = script.get_references(line, col, include_builtins=False, scope="project")
        except Exception:  # noqa: BLE001
            results = []
        for r in results:
            where = _in_root(r.module_path, root)
            if where is None or r.line is None or r.column is None:
                continue
            found.append((where, r.line, r.column, r.name))
        refs.append(sorted(set(found)))
    return {"path": rel, "decls": decls, "usages": usages, "refs": refs}


def _extract_all(root: str, paths: list[str], workers: int) -> list[dict]:
    if workers <= 1:
        return [extract_file(root, p) for p in paths]
    # Largest files first so the last worker does not finish alone on a big one.
    order = sorted(paths, key=lambda p: -os.path.getsize(os.path.join(root, p)))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        done = list(pool.map(extract_file, [root] * len(order), order, chunksize=1))
    by_path = {d["path"]: d for d in done}
    return [by_path[p] for p in paths]


def python_files(root: str) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in filenames:
            if fn.endswith(".py"):
                out.append(os.path.relpath(os.path.join(dirpath, fn), root).replace(os.sep, "/"))
    return sorted(out)


def build(root: str, project: str, version: str, workers: int = 2) -> Reference:
    """Jedi's reference table for every .py file under `root` (no cache)."""
    root = os.path.realpath(root)
    paths = python_files(root)
    t0 = time.perf_counter()
    raw = _extract_all(root, paths, workers)
    seconds = time.perf_counter() - t0
    lines: dict[str, list[str]] = {}
    for p in paths:
        with open(os.path.join(root, p), encoding="utf-8") as fh:
            lines[p] = _lines(fh.read())

    def bcol(path: str, line: int, col: int) -> int:
        ls = lines.get(path)
        if ls is None or not 0 < line <= len(ls):
            return col
        return byte_col(ls[line - 1], col)

    ref = Reference(
        tool=tool_name(),
        project=project,
        version=version,
        language="python",
        digest=digest_of(root, paths, __file__),
        files={p: "python" for p in paths},
        seconds=seconds,
    )
    # One group per (file, qualified name): a property's getter and setter, @overload stubs and
    # their implementation, a def in both branches of an if are one symbol (Jedi's go-to lands
    # on one of them, its references may sit on another).
    decl_at: dict[tuple[str, int, str], int] = {}
    group_of_qual: dict[tuple[str, str], int] = {}
    decl_groups: list[int] = []
    for d in raw:
        for line, col, name, kind, qual in d["decls"]:
            gid = group_of_qual.setdefault((d["path"], qual), len(ref.declarations))
            ref.declarations.append((d["path"], line, bcol(d["path"], line, col), name, kind, gid))
            decl_groups.append(gid)
            decl_at.setdefault((d["path"], line, name), gid)
    usage_at: set[tuple[str, int, int]] = set()
    for d in raw:
        for line, col, name, targets in d["usages"]:
            groups = sorted({decl_at[(p, ln, n)] for p, ln, n in targets if (p, ln, n) in decl_at})
            bc = bcol(d["path"], line, col)
            ref.usages.append((d["path"], line, bc, name, groups))
            usage_at.add((d["path"], line, bc))
    i = 0
    for d in raw:
        for found in d["refs"]:
            keep = ref.references.setdefault(decl_groups[i], [])
            for p, line, col, _name in found:
                pos = (p, line, bcol(p, line, col))
                if pos in usage_at:
                    keep.append(pos)
            i += 1
    for gid, uses in ref.references.items():
        ref.references[gid] = sorted(set(uses))
    return ref


def reference_for(
    root: str, project: str, version: str, *, workers: int = 2, cache_dir: str | None = None
) -> Reference:
    """The cached table when its digest matches the files under `root`, else a fresh one (saved)."""
    root = os.path.realpath(root)
    digest = digest_of(root, python_files(root), __file__)
    path = cache_path("python", project, version, tool_name(), cache_dir or CACHE_DIR)
    cached = load_cached(path, digest)
    if cached is not None:
        return cached
    ref = build(root, project, version, workers)
    save(ref, path)
    return ref
