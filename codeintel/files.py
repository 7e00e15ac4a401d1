"""Collecting source files from paths given on the command line."""

from __future__ import annotations

import os
from collections.abc import Iterator

from codeintel import languages

# Directories that hold dependencies, build output or VCS data rather than the user's code.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache",
                       ".pytest_cache", ".tox", "dist", "build", "target", ".idea", ".vscode"})


def collect(paths: list[str]) -> Iterator[str]:
    """Files named directly, plus files under directories whose language is detectable."""
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for n in sorted(names):
                    if languages.from_path(n):
                        yield os.path.join(root, n)
        else:
            yield p
