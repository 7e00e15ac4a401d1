"""Build services/analyze/_fastwalk (the analyze walk in C) for this virtualenv's Python.

    python scripts/build_fastwalk.py      (run by `make install`)

The extension walks py-tree-sitter trees with tree-sitter's C API, which py-tree-sitter's own
module does not export: it is compiled together with the tree-sitter core sources of the very
release py-tree-sitter was built from (its PyPI sdist, fetched with pip), so the tree layouts match.
Optional: when there is no C compiler or no sdist, this says so and exits 0, and analyze uses its
pure-Python walk (same results, slower).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "services", "analyze", "_fastwalk.c")
TARGET = os.path.join(ROOT, "services", "analyze", "_fastwalk" + sysconfig.get_config_var("EXT_SUFFIX"))


def _core_sources(workdir: str) -> str:
    """Directory of the tree-sitter core (lib/) in the sdist of the installed py-tree-sitter."""
    release = version("tree-sitter")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        + ["--dest", workdir, f"tree-sitter=={release}"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    (archive,) = glob.glob(os.path.join(workdir, "tree_sitter-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    (lib,) = glob.glob(os.path.join(workdir, "tree_sitter-*", "tree_sitter", "core", "lib"))
    return lib


def main() -> int:
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        print("build_fastwalk: no C compiler; analyze will use its pure-Python walk", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as work:
        try:
            lib = _core_sources(work)
        except (subprocess.CalledProcessError, ValueError, OSError) as exc:
            print(
                f"build_fastwalk: no tree-sitter sources ({exc}); analyze will use its pure-Python walk",
                file=sys.stderr,
            )
            return 0
        out = os.path.join(work, os.path.basename(TARGET))
        # The flags and macros of py-tree-sitter's own build (its setup.py).
        cmd = [
            cc,
            "-O2",
            "-std=c11",
            "-shared",
            "-fPIC",
            "-fvisibility=hidden",
            "-Werror=implicit-function-declaration",
        ]
        cmd += ["-D_POSIX_C_SOURCE=200112L", "-D_DEFAULT_SOURCE", "-DTREE_SITTER_HIDE_SYMBOLS"]
        with open(SOURCE, "rb") as fh:
            cmd.append(f'-DFASTWALK_SOURCE_SHA256="{hashlib.sha256(fh.read()).hexdigest()}"')
        cmd += ["-I", os.path.join(lib, "include"), "-I", os.path.join(lib, "src")]
        cmd += ["-I", sysconfig.get_paths()["include"], SOURCE, os.path.join(lib, "src", "lib.c"), "-o", out]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(
                f"build_fastwalk: compiling failed; analyze will use its pure-Python walk\n{done.stderr}",
                file=sys.stderr,
            )
            return 0
        shutil.move(out, TARGET)  # whole: a process importing it never sees half a file
    print(f"build_fastwalk: built {os.path.relpath(TARGET, ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
