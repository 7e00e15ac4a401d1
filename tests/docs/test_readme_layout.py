"""The README's Layout section matches the tree: every path it names exists, and every package is named."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("codeintel", "coordinator", "mcp_bridge", "services")


def _layout_section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Layout\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _first_column_paths(section: str) -> list[str]:
    """The paths of the table's first column, braces expanded (`services/{parse,scan}/`)."""
    paths = []
    for row in re.findall(r"^\| (.+?) \|", section, re.M):
        for cell in re.findall(r"`([^`]+)`", row):
            m = re.fullmatch(r"(.*)\{(.+)\}(.*)", cell)
            paths += [f"{m[1]}{part}{m[3]}" for part in m[2].split(",")] if m else [cell]
    return [p for p in paths if p not in ("path",)]


def test_every_path_the_layout_names_exists():
    paths = _first_column_paths(_layout_section())
    assert len(paths) > 10
    for p in paths:
        assert (ROOT / p).exists(), f"README Layout names {p!r}, which does not exist"


def _rows(section: str) -> dict[str, str]:
    """First-column path -> the row's description."""
    out = {}
    for first, rest in re.findall(r"^\| (.+?) \| (.+) \|$", section, re.M):
        for p in _first_column_paths(f"| {first} |"):
            out[p] = rest
    return out


def test_every_package_is_in_the_layout():
    rows = _rows(_layout_section())
    named = set(rows)
    for top in PACKAGES:
        for dirpath, dirnames, filenames in os.walk(ROOT / top):
            dirnames[:] = [d for d in dirnames if d not in ("__pycache__", "v1", "rules", "specs")]
            rel = Path(dirpath).relative_to(ROOT).as_posix() + "/"
            if "__init__.py" not in filenames or rel.count("/") > 2:
                continue  # packages two levels down belong to their parent's row (e.g. the scan taint package)
            if rel.count("/") == 1 and any(n.startswith(rel) and n != rel for n in named):
                continue  # a top-level package described by the rows of its subpackages
            parent, name = rel.rstrip("/").rsplit("/", 1) if rel.count("/") == 2 else ("", "")
            described = parent and f"`{name}/`" in rows.get(parent + "/", "")  # named in its parent's row
            assert rel in named or described, f"the package {rel} is not in the README's Layout table"
