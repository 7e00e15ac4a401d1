"""`codeintel index` and the repository-graph queries as a user runs them: the real CLI in a
subprocess against a real coordinator and parse workers (LocalStack), on a small project of
Python, JavaScript and Go files in a temporary directory; text and JSON output, pages, usage
errors, a repository never indexed, `--watch` picking up an edit, and a CLI-started local stack."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codeintel.ops.stack import LocalStack

TIMEOUT = 180

FILES = {
    "pkg/__init__.py": "",
    "pkg/store.py": (
        "class Store:\n    def save(self, item):\n        return item\n\n\ndef make_store():\n    return Store()\n"
    ),
    "pkg/app.py": (
        "from pkg.store import Store, make_store\n"
        "\n"
        "\n"
        "def main():\n"
        "    s = make_store()\n"
        "    s.save(1)\n"
        "    return Store()\n"
        "\n"
        "\n"
        "def helper():\n"
        "    return main()\n"
    ),
    "web/util.js": 'export function greet(name) {\n  return "hi " + name;\n}\n',
    "web/main.js": 'import { greet } from "./util";\n\nexport function run() {\n  return greet("x");\n}\n',
    "go.mod": "module example.com/demo\n\ngo 1.21\n",
    "server/server.go": "package server\n\nfunc Serve() int {\n\treturn 1\n}\n",
    "main.go": 'package main\n\nimport "example.com/demo/server"\n\nfunc main() {\n\tserver.Serve()\n}\n',
    "notes.txt": "not code\n",
}
SOURCES = [p for p in FILES if p.endswith((".py", ".js", ".go"))]


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def position(root: Path, rel: str, needle: str, nth: int = 0) -> str:
    """PATH:LINE:COL (1-based) of the nth occurrence of `needle` in a file of the project."""
    text = (root / rel).read_text()
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return f"{rel}:{line}:{col}"


def cli(*args: str, cwd=None, env=None, timeout=TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codeintel", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The directory the coordinator may index (its --repo-roots); projects are made inside."""
    return tmp_path_factory.mktemp("graph-cli")


@pytest.fixture(scope="module")
def graph_stack(base, tmp_path_factory):
    store = tmp_path_factory.mktemp("graph-store")
    s = LocalStack(
        workers=1,
        extra_args=[
            f"--coordinator-arg=--repo-roots={os.path.realpath(base)}",
            f"--coordinator-arg=--graph-store=sqlite:///{store}",
        ],
    )
    s.start(timeout=120)
    yield s.address
    s.stop()


@pytest.fixture(scope="module")
def project(base, graph_stack) -> Path:
    """The sample project, indexed once for the query tests."""
    root = base / "project"
    write(root, FILES)
    r = cli("index", str(root), "--coordinator", graph_stack)
    assert r.returncode == 0, r.stderr
    return root


def query(address: str, root: Path, *args: str) -> subprocess.CompletedProcess:
    return cli(*args, "--coordinator", address, "--repo", str(root), cwd=root)


def edge_lines(stdout: str) -> list[str]:
    """The edges of a callers/callees answer (its lines after the summary)."""
    return [line for line in stdout.splitlines()[2:] if not line.startswith(("more: ", "cut ", "index: "))]


def as_json(r: subprocess.CompletedProcess) -> dict:
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# --------------------------------------------------------------------------- index


def test_index_text_then_incremental_json(graph_stack, base):
    root = base / "indexed"
    write(root, FILES)
    r = cli("index", str(root), "--coordinator", graph_stack)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"indexed {os.path.realpath(root)} in ")
    assert f"{len(SOURCES)} files written, 0 unchanged, 0 removed" in lines[0]
    assert any(line.startswith("index: ") and "definitions" in line and "references" in line for line in lines)
    assert any(line.startswith("store: sqlite") for line in lines)
    assert "Traceback" not in r.stderr

    # Nothing changed: every file reused. One edited, one removed: only those touched.
    again = as_json(cli("index", str(root), "--coordinator", graph_stack, "--format", "json"))
    assert again.get("files_written", 0) == 0 and again["files_unchanged"] == len(SOURCES)
    assert again["totals"]["files"] == len(SOURCES) and again["totals"]["definitions"] >= 8
    (root / "pkg" / "app.py").write_text(FILES["pkg/app.py"] + "\n\ndef extra():\n    return helper()\n")
    (root / "web" / "util.js").unlink()
    third = as_json(cli("index", str(root), "--coordinator", graph_stack, "--format", "json"))
    assert third["files_written"] == 1 and third["files_removed"] == 1
    assert third["files_unchanged"] == len(SOURCES) - 2


def test_index_include_exclude_max_files_and_rebuild(graph_stack, base):
    root = base / "limited"
    write(root, FILES)
    r = cli("index", str(root), "--coordinator", graph_stack, "--include", "*.py", "--format", "json")
    summary = as_json(r)
    assert summary["totals"]["files"] == 3  # pkg/__init__.py, pkg/store.py, pkg/app.py
    r = cli("index", str(root), "--coordinator", graph_stack, "--max-files", "2")
    assert r.returncode == 1, r.stdout + r.stderr  # partial: says so, exit 1
    assert "PARTIAL" in r.stdout
    r = cli("index", str(root), "--coordinator", graph_stack, "--rebuild", "--exclude", "web/", "--format", "json")
    summary = as_json(r)
    assert summary.get("files_unchanged", 0) == 0  # dropped first: everything written again
    assert summary["totals"]["files"] == len(SOURCES) - 2


def test_index_usage_and_refusal(graph_stack, tmp_path_factory):
    r = cli("index", "/no/such/dir", "--coordinator", graph_stack)
    assert r.returncode == 2 and "not a directory" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    outside = tmp_path_factory.mktemp("outside-roots")
    write(outside, {"a.py": "x = 1\n"})
    r = cli("index", str(outside), "--coordinator", graph_stack)
    assert r.returncode == 1 and "PERMISSION_DENIED" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- queries


def test_search_text_json_and_pages(graph_stack, project):
    r = query(graph_stack, project, "search", "Sto")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("search 'Sto' (prefix): ") and "definition" in lines[0]
    assert lines[1].startswith("index: ") and "files indexed" in lines[1]
    assert any(line.startswith("pkg/store.py:1:7  class  ") and "Store" in line for line in lines[2:])

    data = as_json(query(graph_stack, project, "search", "save", "--match", "exact", "--format", "json"))
    (sym,) = data["symbols"]
    assert sym["name"] == "save" and sym["kind"] == "SYMBOL_KIND_METHOD" and sym["path"] == "pkg/store.py"
    assert sym["selection_range"]["start"]["line"] == 1  # json: the protocol's 0-based lines

    data = as_json(query(graph_stack, project, "search", "s", "--kind", "function", "--format", "json"))
    assert data["symbols"] and {s["kind"] for s in data["symbols"]} == {"SYMBOL_KIND_FUNCTION"}
    data = as_json(query(graph_stack, project, "search", "serve", "--language", "go", "--format", "json"))
    assert {s["language"] for s in data["symbols"]} == {"go"}
    data = as_json(query(graph_stack, project, "search", "r", "--path", "web/", "--match", "fuzzy", "--format", "json"))
    assert data["symbols"] and all(s["path"].startswith("web/") for s in data["symbols"])

    # Page by page with the cursor the text prints, until no more.
    seen, cursor = [], None
    for _ in range(20):
        r = query(
            graph_stack,
            project,
            "search",
            "e",
            "--match",
            "fuzzy",
            "--page-size",
            "2",
            *(("--cursor", cursor) if cursor else ()),
        )
        assert r.returncode == 0, r.stderr
        seen += [line for line in r.stdout.splitlines()[2:] if not line.startswith("more: ")]
        more = [line for line in r.stdout.splitlines() if line.startswith("more: --cursor ")]
        if not more:
            break
        cursor = more[0].removeprefix("more: --cursor ")
    everything = ("search", "e", "--match", "fuzzy", "--page-size", "1000", "--format", "json")
    total = as_json(query(graph_stack, project, *everything))["total"]
    assert len(seen) == len(set(seen)) == total >= 4


def test_definition_by_name_and_position(graph_stack, project):
    r = query(graph_stack, project, "definition", "make_store")
    assert r.returncode == 0, r.stderr
    assert "pkg/store.py:6:5  function  " in r.stdout and r.stdout.splitlines()[1].startswith("index: ")

    at = position(project, "pkg/app.py", "Store()")  # the call in main()
    data = as_json(query(graph_stack, project, "definition", at, "--format", "json"))
    assert data["name"] == "Store"
    assert [(d["path"], d["kind"]) for d in data["definitions"]] == [("pkg/store.py", "SYMBOL_KIND_CLASS")]

    # A path relative to the current directory works as well as one relative to --repo.
    r = cli(
        "definition",
        position(project, "pkg/app.py", "make_store()"),
        "--coordinator",
        graph_stack,
        "--repo",
        str(project),
        cwd=project,
    )
    assert r.returncode == 0 and "pkg/store.py:6:5" in r.stdout, r.stderr
    r = cli("definition", "app.py:5:9", "--coordinator", graph_stack, "--repo", str(project), cwd=project / "pkg")
    assert r.returncode == 0 and "pkg/store.py:6:5" in r.stdout, r.stderr

    # Across languages: JavaScript imports and Go packages.
    r = query(graph_stack, project, "definition", position(project, "web/main.js", "greet(", 0))
    assert r.returncode == 0 and "web/util.js:1:17  function" in r.stdout, r.stdout + r.stderr
    r = query(graph_stack, project, "definition", position(project, "main.go", "Serve"))
    assert r.returncode == 0 and "server/server.go:3:6  function" in r.stdout, r.stdout + r.stderr


def test_references(graph_stack, project):
    r = query(graph_stack, project, "references", "make_store")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("references of pkg/store.py:6:5  function") and ": 1 use;" in lines[0]
    assert any(line.startswith("pkg/app.py:5:9  call  in ") and "main" in line for line in lines)
    data = as_json(
        query(graph_stack, project, "references", position(project, "pkg/store.py", "Store:"), "--format", "json")
    )
    assert data["symbol"]["name"] == "Store"
    paths = {(x["path"], x["range"]["start"]["line"]) for x in data["references"]}
    assert ("pkg/app.py", 6) in paths and ("pkg/store.py", 6) in paths
    # `s.save(1)`: s comes from make_store(), whose type the index may not tell: --name-only lists it then.
    plain = as_json(query(graph_stack, project, "references", "Store.save", "--format", "json"))
    named = as_json(query(graph_stack, project, "references", "Store.save", "--name-only", "--format", "json"))
    assert plain.get("total", 0) + plain.get("name_only_omitted", 0) == named["total"] >= 1


def test_callers_callees_and_edge_pages(graph_stack, project):
    r = query(graph_stack, project, "callers", "make_store")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("callers of pkg/store.py:6:5  function")
    assert any(line.startswith("pkg/app.py:4:5  function") and "-> " in line for line in r.stdout.splitlines())

    r = query(graph_stack, project, "callers", "make_store", "--depth", "2")
    callers = [line for line in r.stdout.splitlines() if line.startswith(("pkg/", "  pkg/"))]
    assert any("helper" in line and line.startswith("  ") for line in callers), r.stdout

    data = as_json(query(graph_stack, project, "callees", "pkg.app.main", "--format", "json"))
    callees = {e["callee"]["name"] for e in data["edges"]}
    assert {"make_store", "Store"} <= callees, data
    assert data["next_cursor"] == ""

    # One edge per page; the cursor walks the rest; a cursor of another query is refused.
    first = query(graph_stack, project, "callees", "pkg.app.main", "--page-size", "1")
    cursor = next(line for line in first.stdout.splitlines() if line.startswith("more: --cursor ")).split()[-1]
    second = query(graph_stack, project, "callees", "pkg.app.main", "--page-size", "1", "--cursor", cursor)
    assert second.returncode == 0, second.stderr
    assert edge_lines(first.stdout) and edge_lines(second.stdout)
    assert not set(edge_lines(first.stdout)) & set(edge_lines(second.stdout))
    wrong = query(graph_stack, project, "callers", "pkg.app.main", "--cursor", cursor)
    assert wrong.returncode == 1 and "INVALID_ARGUMENT" in wrong.stderr and "another query" in wrong.stderr


def test_imports_and_outline(graph_stack, project):
    r = query(graph_stack, project, "imports", "pkg/app.py")
    assert r.returncode == 0, r.stderr
    assert "pkg/app.py -> pkg/store.py" in r.stdout
    r = query(graph_stack, project, "imports", "pkg/store.py", "--reverse")
    assert "pkg/app.py -> pkg/store.py" in r.stdout and r.stdout.startswith("files importing pkg/store.py")
    data = as_json(query(graph_stack, project, "imports", "--format", "json"))
    edges = {(e["from_path"], e.get("to_path", "")) for e in data["edges"]}
    assert ("web/main.js", "web/util.js") in edges and ("main.go", "server/") in edges  # Go: the package directory

    r = query(graph_stack, project, "outline")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("outline of the repository:") and lines[1].startswith("index: ")
    assert any(line.startswith("pkg/  3 files") for line in lines), r.stdout
    r = query(graph_stack, project, "outline", "pkg", "--depth", "1")
    assert "pkg/store.py  python" in r.stdout
    assert any(line.strip().startswith("2:9  method  ") for line in r.stdout.splitlines()), r.stdout


def test_bad_positions_and_paths(graph_stack, project):
    for bad in ("pkg/app.py:0:1", "pkg/app.py:3:0", "pkg/app.py:x:1", "pkg/app.py:4"):
        r = query(graph_stack, project, "definition", bad)
        assert r.returncode == 2, (bad, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "1-based" in query(graph_stack, project, "definition", "pkg/app.py:0:1").stderr
    r = query(graph_stack, project, "references", "/etc/hosts:1:1")
    assert r.returncode == 2 and "outside the repository" in r.stderr
    r = query(graph_stack, project, "definition", "pkg/app.py:999:1")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    r = query(graph_stack, project, "definition", "no_such_name_anywhere")
    assert r.returncode == 1 and "NOT_FOUND" in r.stderr
    r = query(graph_stack, project, "search", "x", "--cursor", "garbage!")
    assert r.returncode == 1 and "cursor" in r.stderr
    r = query(graph_stack, project, "search", "x", "--kind", "gizmo")
    assert r.returncode == 2 and "--kind" in r.stderr


def test_never_indexed_repository(graph_stack, base):
    root = base / "never"
    write(root, {"a.py": "def f():\n    return 1\n"})
    for args in (("search", "f"), ("definition", "f"), ("outline",)):
        r = query(graph_stack, root, *args)
        assert r.returncode == 1, r.stdout
        assert "FAILED_PRECONDITION" in r.stderr and "codeintel index" in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


# --------------------------------------------------------------------------- --watch


class Lines:
    """The lines a child writes to one stream, collected by a thread; wait for one with a timeout."""

    def __init__(self, stream):
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120) -> str:
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line with {text!r} within {timeout} s; saw {self.seen}")
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line


def test_watch_reindexes_edits_until_ctrl_c(graph_stack, base):
    root = base / "watched"
    write(root, FILES)
    proc = subprocess.Popen(
        [sys.executable, "-m", "codeintel", "index", str(root), "--watch", "--coordinator", graph_stack],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = Lines(proc.stdout), Lines(proc.stderr)
        out.wait_for(f"{len(SOURCES)} files written")
        err.wait_for("watching")
        (root / "pkg" / "store.py").write_text(FILES["pkg/store.py"] + "\n\ndef fresh_function():\n    return 2\n")
        line = out.wait_for("re-indexed")
        assert "pkg/store.py" in line and "1 written" in line
        r = query(graph_stack, root, "search", "fresh_function", "--match", "exact")
        assert "pkg/store.py:10:5  function" in r.stdout, r.stdout + r.stderr
        (root / "web" / "main.js").unlink()
        line = out.wait_for("re-indexed")
        assert "web/main.js" in line and "1 removed" in line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        err.wait_for("stopped watching", timeout=10)
        assert not any("Traceback" in x for x in err.seen + out.seen), err.seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- a local stack per command


def test_commands_start_a_local_stack_that_may_index_the_repository(tmp_path):
    root = tmp_path / "solo"
    write(root, FILES)
    env = {"CODEINTEL_GRAPH_DIR": str(tmp_path / "graph-dir"), "CODEINTEL_COORDINATOR": ""}
    r = cli("index", str(root), "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files_written"] == len(SOURCES)
    # The index persists: the next command's stack answers from it (CODEINTEL_GRAPH_REPO names the repository).
    r = cli("definition", "Store", env={**env, "CODEINTEL_GRAPH_REPO": str(root)})
    assert r.returncode == 0 and "pkg/store.py:1:7  class" in r.stdout, r.stderr
    assert os.listdir(tmp_path / "graph-dir")
