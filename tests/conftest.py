"""Shared fixtures: real processes on loopback, stopped (and drained) after use."""

from __future__ import annotations

import os
import sys

import grpc
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codeintel.ops.stack import LocalStack  # noqa: E402


@pytest.fixture(scope="session")
def repo_root(tmp_path_factory):
    """A small repository the shared stack's coordinator may walk (its --repo-roots): RunRepository."""
    root = tmp_path_factory.mktemp("repo")
    (root / "app").mkdir()
    (root / "app" / "main.py").write_text("import os\n\ndef run(cmd):\n    os.system(cmd)\n")
    (root / "web.js").write_text("function f(a) { return eval(a); }\n")
    (root / ".gitignore").write_text("build/\n")
    return str(root)


@pytest.fixture(scope="session")
def stack(repo_root, tmp_path_factory):
    """One coordinator and two workers per service, shared by the end-to-end tests."""
    # The graph store in a temp dir: an index run (the fuzzing does some) never writes to ~/.cache.
    store = tmp_path_factory.mktemp("graph-store")
    s = LocalStack(
        workers=2,
        extra_args=[
            f"--coordinator-arg=--repo-roots={repo_root}",
            f"--coordinator-arg=--graph-store=sqlite:///{store}",
        ],
    )
    s.start(timeout=120)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def channel(stack):
    ch = grpc.insecure_channel(stack.address, options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])
    yield ch
    ch.close()
