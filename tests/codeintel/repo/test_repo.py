"""codeintel.repo on real temporary directories: the walk (.gitignore, default excludes, symlinks,
globs), read-time classification, batching, and runs against the real coordinator of the shared
`stack` fixture (tests/conftest.py): summaries, skips with reasons, cache reuse on re-runs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid

import pytest

from codeintel import repo
from codeintel.client import ClientError, CoordinatorClient
from codeintel.kernel import vocab
from codeintel.v1 import analyze_pb2, common_pb2, coordinator_pb2, parse_pb2, scan_pb2


def write(root, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def reasons(walked_or_report) -> dict[str, str]:
    return {s.path: s.reason for s in walked_or_report.skipped}


def entries(walked) -> list[str]:
    return [e.display for e in walked.entries]


@pytest.fixture
def tree(tmp_path):
    """root/ is the allowed root; outside/ is not."""
    root = tmp_path / "root"
    write(root, ".gitignore", "*.log\nbuild-out/\n/top_only.py\n!keep.log\n")
    write(root, "app.py", "def main():\n    return 1\n")
    write(root, "top_only.py", "x = 1\n")
    write(root, "debug.log", "log\n")
    write(root, "keep.log", "kept\n")
    write(root, "build-out/gen.py", "x = 1\n")
    write(root, "pkg/top_only.py", "y = 2\n")  # '/top_only.py' is anchored at the root: this one stays
    write(root, "pkg/.gitignore", "secret.py\n!debug2.log\n")
    write(root, "pkg/secret.py", "k = 3\n")
    write(root, "pkg/debug2.log", "re-included by the nested .gitignore\n")
    write(root, "pkg/mod.js", "function f() { return 1; }\n")
    write(root, "node_modules/dep/index.js", "module.exports = 1;\n")
    write(root, ".git/HEAD", "ref: refs/heads/main\n")
    write(root, "myenv/pyvenv.cfg", "home = /usr/bin\n")
    write(root, "myenv/lib/site.py", "z = 1\n")
    write(root, "build/out.py", "z = 1\n")
    write(root, "README", "no extension, no shebang\n")
    write(root, "notes.txt", "plain text\n")
    write(root, "tool", "#!/usr/bin/env python3\nprint('hi')\n")
    outside = tmp_path / "outside"
    write(outside, "secret.py", "PASSWORD = 'hunter2'\n")
    os.symlink(outside / "secret.py", root / "link_out.py")
    os.symlink(root / "app.py", root / "link_in.py")
    os.symlink(root / "pkg", root / "pkg_link")
    return root


def test_walk_honours_gitignore_default_excludes_and_symlinks(tree):
    w = repo.walk(str(tree), root=str(tree))
    got = {e.display: e.language for e in w.entries}
    # .log has no grammar: the re-included logs are skipped for that reason, not as ignored
    assert got == {
        "app.py": "python",
        "link_in.py": "python",
        "pkg/mod.js": "javascript",
        "pkg/top_only.py": "python",
        "tool": "python",
    }
    assert entries(w) == sorted(got)  # stable order: sorted walk
    assert reasons(w) == {
        "debug.log": repo.IGNORED,
        "top_only.py": repo.IGNORED,
        "build-out/": repo.IGNORED,
        "pkg/secret.py": repo.IGNORED,
        "keep.log": repo.NO_GRAMMAR,
        "pkg/debug2.log": repo.NO_GRAMMAR,
        "README": repo.NO_GRAMMAR,
        "notes.txt": repo.NO_GRAMMAR,
        ".gitignore": repo.NO_GRAMMAR,  # reported like any other file
        "pkg/.gitignore": repo.NO_GRAMMAR,
        "node_modules/": repo.EXCLUDED,
        ".git/": repo.EXCLUDED,
        "myenv/": repo.EXCLUDED,
        "build/": repo.EXCLUDED,
        "link_out.py": repo.SYMLINK,
        "pkg_link/": repo.SYMLINK,
    }
    # the symlink inside the root is read through its target
    link = next(e for e in w.entries if e.display == "link_in.py")
    assert link.real_path == str(tree / "app.py")


def test_walking_a_subdirectory_applies_the_ancestors_gitignore(tree):
    write(tree, "pkg/sub/trace.log", "x\n")
    write(tree, "pkg/sub/ok.py", "x = 1\n")
    w = repo.walk(str(tree / "pkg"), root=str(tree), display_base="pkg")
    assert entries(w) == ["pkg/mod.js", "pkg/sub/ok.py", "pkg/top_only.py"]
    assert reasons(w)["pkg/sub/trace.log"] == repo.IGNORED  # root .gitignore: *.log
    assert reasons(w)["pkg/secret.py"] == repo.IGNORED
    # ... but never above the root it was given
    w = repo.walk(str(tree / "pkg"), root=str(tree / "pkg"), display_base="")
    assert reasons(w)["sub/trace.log"] == repo.NO_GRAMMAR  # not ignored: the root's *.log is out of reach


def test_a_named_directory_is_walked_even_when_gitignore_ignores_it(tree):
    write(tree, "build-out/deeper/more.py", "y = 2\n")
    write(tree, "build-out/trace.log", "x\n")
    w = repo.walk(str(tree / "build-out"), root=str(tree), display_base="build-out")
    assert entries(w) == ["build-out/deeper/more.py", "build-out/gen.py"]
    assert reasons(w) == {"build-out/trace.log": repo.IGNORED}  # the rules about what lies inside still apply
    assert len(w.notes) == 1 and "build-out is ignored by .gitignore" in w.notes[0]
    assert f"{tree}/.gitignore: build-out/" in w.notes[0] and "processed because it was named" in w.notes[0]
    # a directory below the ignored one is named just the same
    w = repo.walk(str(tree / "build-out" / "deeper"), root=str(tree), display_base="build-out/deeper")
    assert entries(w) == ["build-out/deeper/more.py"] and len(w.notes) == 1
    # a directory nobody ignores: no note, and the walk inside is unchanged
    w = repo.walk(str(tree / "pkg"), root=str(tree), display_base="pkg")
    assert w.notes == [] and reasons(w)["pkg/secret.py"] == repo.IGNORED


def test_the_summary_says_how_to_process_ignored_files(tree):
    w = repo.walk(str(tree / "build-out"), root=str(tree), display_base="build-out")
    report = repo.RunReport("scan", notes=list(w.notes), skipped=[repo.Skip("build-out/x.log", repo.IGNORED)])
    text = repo.summary_text(repo.summary(report, repo.ScanAggregator(), "build-out"))
    assert "Note: build-out is ignored by .gitignore" in text
    assert "name one as the path (a file, or the ignored directory itself) to process it anyway" in text
    assert repo.summary(report, repo.ScanAggregator(), "build-out")["notes"] == w.notes


def test_globs_include_and_exclude(tree):
    write(tree, "src/a.py", "a = 1\n")
    write(tree, "src/deep/b.py", "b = 1\n")
    write(tree, "src/deep/c.js", "var c = 1;\n")
    write(tree, "src/tests/test_a.py", "t = 1\n")
    assert repo.split_glob("src/**/*.py") == ("src", "**/*.py")
    assert repo.split_glob("*.py") == (".", "*.py")
    assert repo.split_glob("src/deep") == ("src/deep", None)
    base, pattern = repo.split_glob("src/*.py")
    w = repo.walk(str(tree / base), root=str(tree), display_base=base, pattern=pattern)
    assert entries(w) == ["src/a.py"]  # a glob without ** is not recursive
    assert w.out_of_scope == 3
    w = repo.walk(str(tree / "src"), root=str(tree), display_base="src", pattern="**/*.py", exclude=["tests/"])
    assert entries(w) == ["src/a.py", "src/deep/b.py"]
    assert reasons(w) == {"src/tests/": repo.EXCLUDED}
    w = repo.walk(str(tree / "src"), root=str(tree), display_base="src", include=["*.js"])
    assert entries(w) == ["src/deep/c.js"] and w.out_of_scope == 3


def test_read_time_classification_and_size_limit(tmp_path):
    write(tmp_path, "ok.py", "é = 1\n")
    write(tmp_path, "bom.py", b"\xef\xbb\xbfx = 1\n")
    write(tmp_path, "blob.py", b"\x7fELF\x00\x01")
    write(tmp_path, "latin.py", b"name = '\xe9'\n")
    write(tmp_path, "big.py", b"x = 1\n" * 400)
    w = repo.walk(str(tmp_path), root=str(tmp_path), max_file_bytes=1000)
    assert reasons(w) == {"big.py": repo.TOO_LARGE}
    got = {}
    for e in w.entries:
        src, skip = repo.read_source(e, 1000, "")
        if skip is not None:
            got[e.display] = skip.reason
        else:
            assert src is not None, e.display  # read_source returns the file or why it was skipped
            got[e.display] = src.path
    assert got == {"ok.py": "ok.py", "bom.py": "bom.py", "blob.py": repo.BINARY, "latin.py": repo.NOT_UTF8}


def test_file_limit_stops_the_walk(tmp_path):
    for i in range(10):
        write(tmp_path, f"m{i}.py", f"x = {i}\n")
    w = repo.walk(str(tmp_path), root=str(tmp_path), max_files=4)
    assert len(w.entries) == 4 and w.limit_reached


def test_batches_by_count_and_bytes():
    es = [repo.Entry(f"/x/{i}", f"{i}.py", size, "python") for i, size in enumerate([10, 10, 10, 500, 10, 10, 10])]
    assert [[e.display for e in b] for b in repo.batches(es, 3, 10_000)] == [
        ["0.py", "1.py", "2.py"],
        ["3.py", "4.py", "5.py"],
        ["6.py"],
    ]
    assert [len(b) for b in repo.batches(es, 100, 530)] == [4, 3]  # 30 + 500 fits in 530 ...
    assert [len(b) for b in repo.batches(es, 100, 529)] == [3, 3, 1]  # ... not in 529
    with pytest.raises(ValueError, match="in_flight"):
        repo.RunLimits(in_flight=0)


# --------------------------------------------------------------------------- runs against the real stack

OPTIONS = {"scan": scan_pb2.ScanOptions(), "analyze": analyze_pb2.AnalyzeOptions(), "index": parse_pb2.ParseOptions()}
RPC = {"scan": "scan", "analyze": "analyze", "index": "parse"}
TEST_LIMITS = repo.RunLimits(batch_files=4, in_flight=2)


async def run_repo(
    address: str,
    directory,
    operation: str,
    *,
    limits: repo.RunLimits = TEST_LIMITS,
    deadline=None,
    progress=None,
):
    client = CoordinatorClient(address)
    calls = []

    async def send(files, timeout):
        calls.append(len(files))
        try:
            return await client.batch(RPC[operation], files, OPTIONS[operation], timeout_s=timeout)
        except ClientError as exc:
            raise repo.BatchError(str(exc), deadline=exc.code == "DEADLINE_EXCEEDED") from None

    try:
        walked = repo.walk(str(directory), root=str(directory))
        runner = repo.Runner(operation, send, limits=limits, deadline=deadline, progress=progress)
        report = await runner.run(walked)
        return report, runner.aggregator, calls
    finally:
        await client.close()


def vulnerable_project(root, n: int, tag: str) -> None:
    for i in range(n):
        write(
            root,
            f"svc/m{i:02d}.py",
            f"import os\nimport pickle\n# {tag}\n\ndef run_{i}(cmd, blob):\n    os.system(cmd)\n"
            f"    return pickle.loads(blob)\n",
        )


def test_scan_run_summary_batches_and_skips(stack, tmp_path):
    tag = uuid.uuid4().hex  # content never seen by the shared stack: computed, not reused
    vulnerable_project(tmp_path, 10, tag)
    write(tmp_path, "web/view.js", f"// {tag}\nfunction show(el, h) {{ el.innerHTML = h; }}\n")
    write(tmp_path, "data/config.json", '{"a": 1}\n')  # parses, but no scan rules for json
    write(tmp_path, "data/more.json", '{"b": 2}\n')
    write(tmp_path, "blob.py", b"\x00\x01")
    write(tmp_path, "notes.txt", "text\n")
    progress = []

    async def on_progress(done, total):
        progress.append((done, total))

    report, agg, calls = asyncio.run(run_repo(stack.address, tmp_path, "scan", progress=on_progress))
    s = repo.summary(report, agg, ".")
    assert s["complete"] and s["stopped"] is None
    assert s["files"] == {
        "files_found": 15,
        "processed": 11,
        "computed": 11,
        "reused": 0,
        "skipped": 4,
        "not_processed": 0,
        "out_of_scope": 0,
        "directories_skipped": 0,
    }
    assert reasons(report) == {
        "blob.py": repo.BINARY,
        "notes.txt": repo.NO_GRAMMAR,
        "data/config.json": repo.UNSUPPORTED,
        "data/more.json": repo.UNSUPPORTED,
    }
    assert s["counts_by_cwe"]["CWE-78"] == 10 and s["counts_by_cwe"]["CWE-502"] == 10
    assert s["total_findings"] == sum(s["counts_by_severity"].values()) == len(agg.details())
    assert (
        s["worst_files"][0]["path"].startswith("svc/m")
        and s["worst_files"][0]["high"] + s["worst_files"][0]["critical"] >= 1
    )
    assert s["languages"] == {"python": 10, "javascript": 1}
    # 14 files to send, 4 per batch; the binary file is dropped before sending
    assert sum(calls) <= 13 and max(calls) <= 4 and report.batches == len(calls)
    assert progress[-1] == (14, 14) and [p for p, _ in progress] == sorted(p for p, _ in progress)
    details = agg.details()
    ranks = [vocab.SEVERITIES.index(d["severity"]) for d in details]
    assert ranks == sorted(ranks, reverse=True)  # most severe first
    assert "findings" in repo.summary_text(s) and "CWE-78" in repo.summary_text(s)


def test_rerun_after_edits_recomputes_only_the_edited_files(stack, tmp_path):
    tag = uuid.uuid4().hex
    vulnerable_project(tmp_path, 20, tag)
    for op in ("scan", "analyze", "index"):
        report, _, _ = asyncio.run(run_repo(stack.address, tmp_path, op))
        assert (report.computed, report.reused) == (20, 0), op
        report, _, _ = asyncio.run(run_repo(stack.address, tmp_path, op))
        assert (report.computed, report.reused) == (0, 20), op
    edited = ["svc/m03.py", "svc/m11.py", "svc/m17.py"]
    for rel in edited:
        (tmp_path / rel).write_text((tmp_path / rel).read_text() + "\n\ndef added():\n    return 2\n")
    for op in ("scan", "analyze", "index"):
        report, computed = asyncio.run(_run_recording_misses(stack.address, tmp_path, op))
        assert (report.computed, report.reused, report.processed) == (3, 17, 20), op
        assert computed == set(edited), op


async def _run_recording_misses(address: str, directory, operation: str) -> tuple[repo.RunReport, set[str]]:
    """A run of `operation` over `directory`, and the paths the coordinator computed (cache misses)."""
    client = CoordinatorClient(address)
    computed: set[str] = set()

    async def send(files: list[common_pb2.SourceFile], timeout: float):
        resp = await client.batch(RPC[operation], files, OPTIONS[operation], timeout_s=timeout)
        # one cache status per file, in the order of the files
        computed.update(
            f.path for f, c in zip(files, resp.info.cache, strict=True) if c == coordinator_pb2.CACHE_STATUS_MISS
        )
        return resp

    try:
        runner = repo.Runner(operation, send, limits=repo.RunLimits(batch_files=7))
        report = await runner.run(repo.walk(str(directory), root=str(directory)))
    finally:
        await client.close()
    return report, computed


def test_a_passed_deadline_sends_nothing_and_reports_every_file(stack, tmp_path):
    vulnerable_project(tmp_path, 6, uuid.uuid4().hex)
    report, agg, calls = asyncio.run(run_repo(stack.address, tmp_path, "scan", deadline=0.0))
    assert calls == [] and report.stopped == "deadline" and report.processed == 0
    assert report.not_processed == 6 and set(reasons(report).values()) == {repo.NOT_PROCESSED}
    s = repo.summary(report, agg, ".")
    assert s["complete"] is False and s["files"]["not_processed"] == 6
    assert "Stopped early (deadline): 6 files were not processed." in repo.summary_text(s)


def test_fatal_batch_errors_stop_the_run(tmp_path):
    vulnerable_project(tmp_path, 9, "x")
    calls = []

    async def send(files, timeout):  # a coordinator refusing the caller (what UNAUTHENTICATED maps to)
        calls.append(len(files))
        raise repo.BatchError("the API key was refused", fatal=True)

    runner = repo.Runner("scan", send, limits=repo.RunLimits(batch_files=3, in_flight=1))
    report = asyncio.run(runner.run(repo.walk(str(tmp_path), root=str(tmp_path))))
    assert calls == [3] and report.stopped == "the API key was refused"
    assert reasons(report) == {
        **{f"svc/m{i:02d}.py": repo.FAILED for i in range(3)},
        **{f"svc/m{i:02d}.py": repo.NOT_PROCESSED for i in range(3, 9)},
    }


def test_analyze_and_index_summaries(stack, tmp_path):
    tag = uuid.uuid4().hex
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(12))
    write(
        tmp_path,
        "hot.py",
        f"# {tag}\ndef hot(x):\n{branches}\n    return -1\n\n\nclass K:\n    def m(self):\n        pass\n",
    )
    write(tmp_path, "cold.py", f"# {tag}\ndef cold():\n    return 0\n")
    write(tmp_path, "lib.go", f"// {tag}\npackage lib\n\nfunc Go() int {{ return 1 }}\n")
    report, agg, _ = asyncio.run(run_repo(stack.address, tmp_path, "analyze"))
    s = repo.summary(report, agg, ".")
    assert s["most_complex_functions"][0]["function"] == "hot"
    assert s["most_complex_functions"][0]["cyclomatic_complexity"] == 13
    assert s["longest_functions"][0]["function"] == "hot"
    assert s["functions"] == 4 and s["classes"] == 1
    assert [d["path"] for d in agg.details()] == ["cold.py", "hot.py", "lib.go"]
    report, agg, _ = asyncio.run(run_repo(stack.address, tmp_path, "index"))
    s = repo.summary(report, agg, ".")
    assert s["symbols_by_kind"] == {"function": 3, "class": 1, "method": 1}
    assert [(d["path"], d["qualified_name"]) for d in agg.details()] == [
        ("cold.py", "cold"),
        ("hot.py", "hot"),
        ("hot.py", "K"),
        ("hot.py", "K.m"),
        ("lib.go", "Go"),
    ]


# --------------------------------------------------------------------------- the CLI on directories


def cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "codeintel", *args], capture_output=True, text=True, timeout=180)


def test_cli_processes_a_directory_its_repository_ignores_and_says_so(stack, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\n")
    tag = uuid.uuid4().hex
    write(tmp_path, "generated/handler.py", f"import os\n# {tag}\ndef run(cmd):\n    os.system(cmd)\n")
    r = cli("scan", str(tmp_path / "generated"), "--coordinator", stack.address)
    assert r.returncode == 0, r.stderr
    assert "CWE-78" in r.stdout and "1 files processed" in r.stderr
    assert "is ignored by .gitignore" in r.stderr and "processed because it was named" in r.stderr
    # the repository as a whole still leaves it out, and says how to include it
    r = cli("scan", str(tmp_path), "--coordinator", stack.address)
    assert r.returncode == 0 and "CWE-78" not in r.stdout, r.stderr
    assert "1 ignored by .gitignore" in r.stderr and "to process it anyway" in r.stderr


def test_cli_directory_summary_skips_json_and_deadline(stack, tmp_path):
    import json

    tag = uuid.uuid4().hex
    vulnerable_project(tmp_path, 3, tag)
    write(tmp_path, ".gitignore", "*.gen.py\n")
    write(tmp_path, "svc/skip.gen.py", "import os\nos.system(cmd)\n")
    write(tmp_path, "notes.txt", "text\n")
    r = cli("scan", str(tmp_path), "--coordinator", stack.address)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("CWE-78") == 3 and "skip.gen.py" not in r.stdout  # per-finding lines on stdout
    assert "3 files processed (3 computed, 0 reused from cache), 3 skipped" in r.stderr
    assert "1 ignored by .gitignore" in r.stderr and "Traceback" not in r.stderr
    r = cli("analyze", str(tmp_path), "--coordinator", stack.address, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert [x["path"] for x in json.loads(r.stdout)] == [f"{tmp_path}/svc/m{i:02d}.py" for i in range(3)]
    write(tmp_path, "blob.py", b"\x00\x01")
    r = cli("parse", str(tmp_path), "--coordinator", stack.address)
    assert r.returncode == 1 and f"{tmp_path}/blob.py: binary" in r.stderr  # a content failure: exit 1
    assert "3 reused from cache" not in r.stderr  # parse had not seen these files yet
    r = cli("scan", str(tmp_path), "--coordinator", stack.address)
    assert "0 computed, 3 reused from cache" in r.stderr
    r = cli("scan", str(tmp_path), "--coordinator", stack.address, "--deadline", "0.000001")
    assert (
        r.returncode == 1 and "Stopped early (deadline): 4 files were not processed." in r.stderr
    )  # blob.py never read
    r = cli("scan", str(tmp_path), "--coordinator", stack.address, "--deadline", "-1")
    assert r.returncode == 2 and "--deadline must be a positive" in r.stderr
