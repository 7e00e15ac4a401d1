"""Temporary git repositories for the review tests (made with the real `git` in tmp_path)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


def git(root: Path, *args: str, input: bytes | None = None) -> str:
    out = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, input=input)
    return out.stdout.decode()


def init(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "review@example.invalid")
    git(root, "config", "user.name", "review tests")
    git(root, "config", "commit.gpgsign", "false")
    return root


def write(root: Path, files: Mapping[str, str | bytes | None]) -> None:
    """Write (or, for None, delete) files under root."""
    for rel, data in files.items():
        path = root / rel
        if data is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())


def commit(root: Path, message: str = "change") -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()
