"""Module and scope keys: what other files call an indexed file, and which names it shares.

A file's module key is how imports name it; its scope key groups the files whose top-level names
are visible to one another without an import (a Go package directory, a Java package). Keys are
computed from the path (and, for Java, the declared package) only, so they are stable across runs
and need no other file's facts:

- Python: the dotted path from the outermost directory holding ``__init__.py`` above the file
  (``pkg/sub/mod.py`` -> ``pkg.sub.mod``, ``pkg/__init__.py`` -> ``pkg``). Directories without
  ``__init__.py`` below a package continue the path (PEP 420 namespace subpackages:
  ``pkg/ns/mod.py`` -> ``pkg.ns.mod`` when only ``pkg/`` has one); a file with no package above it
  (a loose script, ``tools/gen.py`` with no ``__init__.py`` in ``tools/`` or above) is a top-level
  module named by its stem. When the package reaches the root and the root itself is a package,
  the root's directory name leads (indexing an installed package).
- JavaScript / TypeScript: the path without its extension (``src/util``, ``src/util/index``);
  ``.d.ts`` counts as the extension.
- Go: the package directory (``pkg/server``; ``.`` for the root); all files of a package share one
  scope. Import paths under the root go.mod's module path map onto it (`go_package`).
- Java: the declared package (``com.acme.util``; ``""`` for the default package), which is also the
  scope: top-level classes of one package see one another.
- Other languages (no facts): the path without its extension.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

_JS_EXTENSIONS = (".d.ts", ".d.mts", ".d.cts", ".tsx", ".ts", ".mts", ".cts", ".jsx", ".js", ".mjs", ".cjs")
_JS_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})
GO_ROOT = "."

_GO_MODULE = re.compile(r"^\s*module\s+(\"[^\"]+\"|\S+)", re.MULTILINE)


def _strip_extension(path: str) -> str:
    stem, ext = posixpath.splitext(path)
    return stem if ext and "/" not in ext else path


def python_module(path: str, is_package_dir: Callable[[str], bool], root_name: str = "") -> str:
    """Dotted module of the Python file `path` ('/'-separated, relative to the root).

    `is_package_dir(rel_dir)` says whether the directory (relative, "" for the root) holds an
    ``__init__.py``; the caller memoises it.
    """
    directory, name = posixpath.split(path)
    stem = _strip_extension(name)
    parts: list[str] = [] if stem == "__init__" else [stem]
    # The directories from the file's own up to the root, and the outermost one holding an
    # __init__.py: everything below it is a package, regular or a PEP 420 namespace subpackage
    # (a directory without __init__.py inside a package: ``pkg/sub/`` -> ``pkg.sub``).
    dirs: list[str] = []
    cur = directory
    top = -1
    while True:
        dirs.append(cur)
        if is_package_dir(cur):
            top = len(dirs) - 1
        if not cur:
            break
        cur = posixpath.dirname(cur)
    for d in dirs[: top + 1]:
        if d:
            parts.append(posixpath.basename(d))
        elif root_name:
            parts.append(root_name)
    if not parts:  # the root's own __init__.py with no name for the root
        return root_name or "__init__"
    return ".".join(reversed(parts))


def js_module(path: str) -> str:
    lower = path.lower()
    for ext in _JS_EXTENSIONS:
        if lower.endswith(ext) and len(path) > len(ext):
            return path[: -len(ext)]
    return _strip_extension(path)


def go_package_dir(path: str) -> str:
    return posixpath.dirname(path) or GO_ROOT


def module_key(
    path: str,
    language: str,
    is_package_dir: Callable[[str], bool],
    go_module: str = "",
    *,
    package: str = "",
    root_name: str = "",
) -> tuple[str, str]:
    """(module key, scope key) of one indexed file. See the module docstring for the rules.

    `go_module` (the root go.mod's module path) does not change a Go file's key, which is its
    directory; it is how the resolver maps import paths onto keys (`go_package`). `package` is the
    file's declared package (FileFacts.package): a Java file's module and scope.
    """
    if language == "python":
        module = python_module(path, is_package_dir, root_name)
        return module, module
    if language in _JS_LANGUAGES:
        module = js_module(path)
        return module, module
    if language == "go":
        directory = go_package_dir(path)
        return directory, directory
    if language == "java":
        return package, package
    module = _strip_extension(path)
    return module, module


def go_package(import_path: str, go_module: str) -> str | None:
    """The module key of a Go import path inside the repository, or None when it is outside.

    ``go_package("x.y/z/pkg/server", "x.y/z") == "pkg/server"``; the module path itself is the root
    package (``"."``).
    """
    if not go_module:
        return None
    if import_path == go_module:
        return GO_ROOT
    if import_path.startswith(go_module + "/"):
        return import_path[len(go_module) + 1 :]
    return None


def read_go_module(go_mod_text: str) -> str:
    """The module path declared by a go.mod file's text ("" when there is none)."""
    m = _GO_MODULE.search(go_mod_text)
    return m.group(1).strip('"') if m else ""
