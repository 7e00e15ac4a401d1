"""repo_scan / repo_analyze / repo_index through the SDK MCP client (in-process, JSON-RPC over memory
streams) against the REAL coordinator and workers of the shared `stack` fixture (tests/conftest.py),
on temporary directories: progress notifications, cancellation, the deadline, pagination, skipped
files with reasons, cache reuse, result bounds."""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from typing import Any

import anyio
import pytest
from mcp import Client

from codeintel.v1 import common_pb2, coordinator_pb2, coordinator_pb2_grpc
from mcp_bridge.config import BridgeConfig
from mcp_bridge.server import build_server
from mcp_bridge.tools.repo import RepoTools

pytestmark = pytest.mark.anyio

REPO_TOOLS = {"repo_scan", "repo_analyze", "repo_index"}


def _server(address: str, root, **kw):
    return build_server(BridgeConfig(coordinator=address, roots=(str(root),), **kw))


def _write(root, rel: str, data: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def _text(r) -> str:
    return "\n".join(c.text for c in r.content if getattr(c, "type", "") == "text")


def _size(r) -> int:
    return len(json.dumps(r.structured_content, separators=(",", ":")).encode())


def vulnerable(root, n: int, *, body_lines: int = 0, subdir: str = "svc") -> None:
    """n python files, each with a shell-injection and a pickle finding; content unique to this call."""
    tag = uuid.uuid4().hex
    filler = "".join(
        f"\ndef helper_{j}(x):\n    if x > {j}:\n        return x - {j}\n    return x\n" for j in range(body_lines // 5)
    )
    for i in range(n):
        _write(
            root,
            f"{subdir}/m{i:03d}.py",
            f"import os\nimport pickle\n# {tag}\n\n\ndef run_{i}(cmd, blob):\n    os.system(cmd)\n"
            f"    return pickle.loads(blob)\n{filler}",
        )


def _stats(channel, op: str) -> int:
    stats = coordinator_pb2_grpc.AdminServiceStub(channel).GetStats(coordinator_pb2.GetStatsRequest(), timeout=10)
    return next(o.files for o in stats.operations if o.operation == op)


def _worker_calls(channel, service: str) -> int:
    resp = coordinator_pb2_grpc.AdminServiceStub(channel).ListWorkers(coordinator_pb2.ListWorkersRequest(), timeout=10)
    return sum(w.calls for w in resp.workers if w.service == service)


def _idle(channel, op: str, timeout: float = 60.0) -> None:
    """Wait until the coordinator has no `op` work queued or in flight to a worker (a hang guard)."""
    end = time.monotonic() + timeout
    while True:
        stats = coordinator_pb2_grpc.AdminServiceStub(channel).GetStats(coordinator_pb2.GetStatsRequest(), timeout=10)
        o = next(o for o in stats.operations if o.operation == op)
        if o.in_flight == 0 and o.queue_depth == 0:
            return
        assert time.monotonic() < end, f"{op} work still in flight after {timeout} s"
        time.sleep(0.05)


async def _runs_ended(tools: RepoTools, timeout: float = 60.0) -> None:
    """Wait until the bridge runs no repository work: a cancelled run has stopped and let go of its
    batches (the timeout is a hang guard)."""
    with anyio.fail_after(timeout):
        while tools.running:
            await anyio.sleep(0.01)


async def _all_skipped(client, tool: str, first: dict) -> list[dict]:
    """Every skipped file of a run: the first result's page, then the pages behind its cursor."""
    items, cursor = list(first["skipped"]), first["next_skipped_cursor"]
    while cursor:
        page = (await client.call_tool(tool, {"cursor": cursor, "page_size": 500})).structured_content
        items += page["skipped"]
        cursor = page["next_skipped_cursor"]
    return items


async def _files_per_second(address: str, root, batches: int, batch_files: int) -> float:
    """Files/s repo_scan gets through on this machine now, with the batching the environment sets
    (measured over `batches` batches of fresh files like the test's)."""
    n = batches * batch_files
    vulnerable(root, n, body_lines=300)
    async with Client(_server(address, root)) as client:
        t0 = time.monotonic()
        r = await client.call_tool("repo_scan", {"path": "."})
        elapsed = time.monotonic() - t0
    assert not r.is_error and r.structured_content["files"]["computed"] == n, _text(r)
    return n / elapsed


async def test_tools_are_listed_with_schemas(stack, tmp_path):
    async with Client(_server(stack.address, tmp_path)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert REPO_TOOLS <= set(tools)
    for name in REPO_TOOLS:
        t = tools[name]
        assert {"path", "include", "exclude", "page_size", "cursor", "deadline_s"} <= set(t.input_schema["properties"])
        assert t.output_schema is not None and t.annotations is not None
        assert {"files", "skipped", "next_cursor", "details"} <= set(t.output_schema["properties"])
        assert t.annotations.read_only_hint
    assert "mcp_context" not in tools["repo_scan"].input_schema["properties"]


async def test_progress_notifications_count_files(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEINTEL_REPO_BATCH_FILES", "8")
    vulnerable(tmp_path, 40)
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress, total, message):
        seen.append((progress, total))

    async with Client(_server(stack.address, tmp_path)) as client:
        r = await client.call_tool("repo_scan", {"path": "."}, progress_callback=on_progress)
    assert not r.is_error, _text(r)
    assert r.structured_content["files"]["processed"] == 40
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)
    assert len(seen) == 1 + 5  # the start, then one per batch of 8
    assert all(total == 40 for _, total in seen)
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)


async def test_skipped_files_are_listed_with_reasons(stack, tmp_path):
    root = tmp_path / "root"
    vulnerable(root, 2)
    _write(root, ".gitignore", "generated/\n*.min.js\n")
    _write(root, "generated/out.py", "x = 1\n")
    _write(root, "web/app.min.js", "var a=1;\n")
    _write(root, "web/app.js", "function f(el, h) { el.innerHTML = h; }\n")
    _write(root, "blob.py", b"\x7fELF\x00\x01")
    _write(root, "latin.py", b"name = '\xe9'\n")
    _write(root, "big.py", "x = 1\n" * 2000)
    _write(root, "notes.txt", "plain\n")
    _write(root, "conf.yaml", "a: 1\n")  # parses, but scan has no rules for yaml
    _write(root, "node_modules/dep.js", "module.exports = 1;\n")
    _write(tmp_path / "outside", "secret.py", "PASSWORD = 'x'\n")
    os.symlink(tmp_path / "outside" / "secret.py", root / "link_out.py")
    async with Client(_server(stack.address, root, max_file_bytes=5000)) as client:
        r = await client.call_tool("repo_scan", {"path": ".", "page_size": 100})
    assert not r.is_error, _text(r)
    s = r.structured_content
    got = {(x["path"], x["reason"]) for x in s["skipped"]}
    assert got == {
        (".gitignore", "no grammar"),
        ("generated/", "ignored by .gitignore"),
        ("web/app.min.js", "ignored by .gitignore"),
        ("blob.py", "binary"),
        ("latin.py", "not UTF-8"),
        ("big.py", "too large"),
        ("notes.txt", "no grammar"),
        ("conf.yaml", "unsupported for this operation"),
        ("node_modules/", "excluded"),
        ("link_out.py", "symbolic link not followed"),
    }
    assert s["skipped_total"] == len(s["skipped"]) == 10 and s["next_skipped_cursor"] is None
    assert s["files"]["processed"] == 3 and s["files"]["skipped"] == 8  # directories are listed, not counted as files
    assert s["files"]["directories_skipped"] == 2 and s["files"]["files_found"] == 11
    assert s["skipped_by_reason"]["no grammar"] == 2
    assert s["complete"] is True
    assert "latin.py: not UTF-8" in _text(r) and str(tmp_path / "outside") not in json.dumps(s) + _text(r)


async def test_a_path_that_gitignore_ignores_is_processed_with_a_note(stack, tmp_path):
    root = tmp_path / "root"
    _write(root, ".gitignore", "generated/\n*.log\n")
    _write(root, "generated/out.py", "import os\ndef run(cmd):\n    os.system(cmd)\n")
    _write(root, "generated/trace.log", "x\n")
    async with Client(_server(stack.address, root)) as client:
        r = await client.call_tool("repo_scan", {"path": "generated"})
    assert not r.is_error, _text(r)
    s = r.structured_content
    assert s["files"]["processed"] == 1 and s["total_findings"] >= 1
    assert [x["path"] for x in s["skipped"]] == ["generated/trace.log"]  # rules about its contents still apply
    assert len(s["notes"]) == 1 and "generated is ignored by .gitignore" in s["notes"][0]
    assert "processed because it was named" in _text(r)


async def test_pagination_walks_every_finding_exactly_once(stack, channel, tmp_path):
    vulnerable(tmp_path, 25)
    for i in range(30):
        _write(tmp_path, f"docs/n{i:02d}.txt", "text\n")
    async with Client(_server(stack.address, tmp_path)) as client:
        first = await client.call_tool("repo_scan", {"path": ".", "page_size": 7})
        assert not first.is_error, _text(first)
        s = first.structured_content
        total = s["total_findings"]
        assert s["details_total"] == total and len(s["details"]) == 7 and s["details_offset"] == 0
        details, cursor = list(s["details"]), s["next_cursor"]
        while cursor:
            page = await client.call_tool("repo_scan", {"cursor": cursor, "page_size": 7})
            assert not page.is_error, _text(page)
            p = page.structured_content
            assert p["details_offset"] == len(details) and p["skipped"] == []
            assert p["total_findings"] == total  # the summary comes with every page
            details.extend(p["details"])
            cursor = p["next_cursor"]
        skipped, cursor = list(s["skipped"]), s["next_skipped_cursor"]
        assert len(skipped) == 7
        while cursor:
            page = await client.call_tool("repo_scan", {"cursor": cursor, "page_size": 11})
            skipped.extend(page.structured_content["skipped"])
            assert page.structured_content["details"] == []
            cursor = page.structured_content["next_skipped_cursor"]

        bad = await client.call_tool("repo_scan", {"cursor": "not-a-cursor"})
        assert bad.is_error and "invalid `cursor`" in _text(bad)
        wrong = await client.call_tool("repo_index", {"cursor": s["next_cursor"]})
        assert wrong.is_error and "repo_scan" in _text(wrong)
        missing = await client.call_tool("repo_scan", {})
        assert missing.is_error and "`path`" in _text(missing)
    assert sorted(x["path"] for x in skipped) == [f"docs/n{i:02d}.txt" for i in range(30)]
    assert len(details) == total
    keys = [(d["path"], d["line"], d["column"], d["rule_id"]) for d in details]
    assert len(set(keys)) == total
    # the same findings as the coordinator's ScanBatch over the same files, sent directly
    files = [
        common_pb2.SourceFile(path=f"svc/m{i:03d}.py", content=(tmp_path / f"svc/m{i:03d}.py").read_bytes())
        for i in range(25)
    ]
    resp = coordinator_pb2_grpc.CodeIntelServiceStub(channel).ScanBatch(
        coordinator_pb2.CodeIntelServiceScanBatchRequest(files=files), timeout=60
    )
    direct = sorted(f.fingerprint for r in resp.results for f in r.result.findings)
    assert sorted(d["fingerprint"] for d in details) == direct
    rank = ["info", "low", "medium", "high", "critical"]
    assert [rank.index(d["severity"]) for d in details] == sorted(
        (rank.index(d["severity"]) for d in details), reverse=True
    )


async def test_index_pages_fit_the_output_budget(stack, tmp_path):
    for i in range(12):
        _write(
            tmp_path,
            f"pkg/mod{i:02d}.py",
            "".join(f"def function_with_a_long_name_{i}_{j}(x):\n    return x\n\n" for j in range(60)),
        )
    budget = 20_000
    async with Client(_server(stack.address, tmp_path, max_output_bytes=budget)) as client:
        r = await client.call_tool("repo_index", {"path": "pkg", "page_size": 500})
        assert not r.is_error, _text(r)
        s = r.structured_content
        assert s["total_symbols"] == s["details_total"] == 720 and s["symbols_by_kind"] == {"function": 720}
        assert _size(r) <= budget and 0 < len(s["details"]) < 500
        names, cursor = [d["qualified_name"] for d in s["details"]], s["next_cursor"]
        while cursor:
            page = await client.call_tool("repo_index", {"cursor": cursor, "page_size": 500})
            assert _size(page) <= budget
            names.extend(d["qualified_name"] for d in page.structured_content["details"])
            cursor = page.structured_content["next_cursor"]
    assert names == [f"function_with_a_long_name_{i}_{j}" for i in range(12) for j in range(60)]
    assert s["path"] == "pkg" and s["details"][0]["path"] == "pkg/mod00.py"


async def test_rerun_reuses_the_cache_and_counts_edits(stack, tmp_path):
    vulnerable(tmp_path, 12)
    async with Client(_server(stack.address, tmp_path)) as client:
        for tool in ("repo_scan", "repo_analyze", "repo_index"):
            cold = (await client.call_tool(tool, {"path": "svc"})).structured_content["files"]
            warm = (await client.call_tool(tool, {"path": "svc"})).structured_content["files"]
            assert (cold["computed"], cold["reused"]) == (12, 0), tool
            assert (warm["computed"], warm["reused"]) == (0, 12), tool
        for rel in ("svc/m004.py", "svc/m009.py"):
            (tmp_path / rel).write_text((tmp_path / rel).read_text() + "\nX = 1\n")
        for tool in ("repo_scan", "repo_analyze", "repo_index"):
            r = await client.call_tool(tool, {"path": "svc"})
            f = r.structured_content["files"]
            assert (f["computed"], f["reused"], f["processed"]) == (2, 10, 12), tool
            assert "2 computed, 10 reused from cache" in _text(r)


async def test_paths_outside_the_roots_and_globs(stack, tmp_path):
    root = tmp_path / "root"
    vulnerable(root, 3)
    _write(root, "svc/other.js", "var x = 1;\n")
    _write(tmp_path / "outside", "x.py", "import os\nos.system(cmd)\n")
    async with Client(_server(stack.address, root)) as client:
        for path in ("..", "../outside", str(tmp_path / "outside"), "/etc"):
            r = await client.call_tool("repo_scan", {"path": path})
            assert r.is_error and "access denied" in _text(r), path
        r = await client.call_tool("repo_scan", {"path": "nope"})
        assert r.is_error and "not found" in _text(r)
        r = await client.call_tool("repo_index", {"path": "svc/*.js"})
        assert not r.is_error, _text(r)
        s = r.structured_content
        assert s["files"]["processed"] == 1 and s["files"]["out_of_scope"] == 3
        r = await client.call_tool("repo_index", {"path": ".", "exclude": ["*.js"], "include": ["svc/**"]})
        s = r.structured_content
        assert s["files"]["processed"] == 3 and {x["path"] for x in s["skipped"]} == {"svc/other.js"}


async def test_deadline_stops_the_work_and_reports_a_partial_summary(stack, channel, tmp_path, monkeypatch):
    batch, in_flight, deadline = 8, 1, 0.5
    monkeypatch.setenv("CODEINTEL_REPO_BATCH_FILES", str(batch))
    monkeypatch.setenv("CODEINTEL_REPO_IN_FLIGHT", str(in_flight))
    # Work for 4 times the deadline at the pace measured here: batches are left unsent at the deadline
    # even if the machine got several times faster meanwhile.
    rate = await _files_per_second(stack.address, tmp_path / "probe", 16, batch)
    n = batch * max(in_flight + 2, math.ceil(rate * 4 * deadline / batch))
    vulnerable(tmp_path / "run", n, body_lines=300)  # unique content: every file is real work
    before = _stats(channel, "scan")
    async with Client(_server(stack.address, tmp_path / "run")) as client:
        r = await client.call_tool("repo_scan", {"path": ".", "deadline_s": deadline})
        assert not r.is_error, _text(r)
        s = r.structured_content
        skipped = await _all_skipped(client, "repo_scan", s)
    received = _stats(channel, "scan") - before
    f = s["files"]
    assert s["complete"] is False and s["stopped"].startswith("deadline of 0.5 s")
    assert f["not_processed"] > 0 and f["skipped"] == 0
    assert f["processed"] + f["skipped"] + f["not_processed"] == f["files_found"] == n
    assert s["skipped_by_reason"]["not processed"] == f["not_processed"] == len(skipped)
    assert {x["reason"] for x in skipped} == {"not processed"}
    assert f"{f['not_processed']} files were not processed" in _text(r)
    # The work stopped: the files the run says it never sent went nowhere; of the others, only the
    # batches in flight at the deadline were not answered. The coordinator received at most what was
    # sent (a batch whose time ran out on the way may not have reached it), and no more afterwards.
    never_sent = sum(1 for x in skipped if x["detail"] == "the deadline passed before it was sent")
    sent = n - never_sent
    assert never_sent > 0  # batches after the deadline were never sent
    assert 0 <= sent - f["processed"] <= in_flight * batch
    assert f["processed"] <= received <= sent
    print(f"deadline run: {n} files (at {rate:.0f} files/s measured), {sent} sent, {f['processed']} processed")
    _idle(channel, "scan")
    assert f["processed"] <= _stats(channel, "scan") - before <= sent


async def test_cancel_stops_sending_batches(stack, channel, tmp_path, monkeypatch):
    batch, in_flight = 8, 2
    monkeypatch.setenv("CODEINTEL_REPO_BATCH_FILES", str(batch))
    monkeypatch.setenv("CODEINTEL_REPO_IN_FLIGHT", str(in_flight))
    # Work for far longer than a cancel takes to arrive: 4 s at the pace measured here.
    rate = await _files_per_second(stack.address, tmp_path / "probe", 16, batch)
    n = batch * max(in_flight + 2, math.ceil(rate * 4 / batch))
    root = tmp_path / "run"
    vulnerable(root, n, body_lines=300)
    before_files = _stats(channel, "scan")
    progressed = anyio.Event()

    async def on_progress(progress, total, message):
        if progress > 0:
            progressed.set()

    outcome: dict[str, Any] = {}
    server = _server(stack.address, root)
    async with Client(server) as client:
        async with anyio.create_task_group() as tg:

            async def call():
                with anyio.CancelScope() as scope:
                    outcome["scope"] = scope
                    outcome["result"] = await client.call_tool(
                        "repo_scan", {"path": "."}, progress_callback=on_progress
                    )

            tg.start_soon(call)
            await progressed.wait()
            outcome["scope"].cancel()
        assert "result" not in outcome  # the call was cancelled, not finished
        await _runs_ended(server.repo_tools)  # the bridge's run (and its batches) stopped
        _idle(channel, "scan")  # and the coordinator is done with what it had been sent
        calls_after_cancel = _worker_calls(channel, "codeintel.v1.ScanService")
        received = _stats(channel, "scan") - before_files
        # the bridge is still usable after a cancelled call
        r = await client.call_tool("repo_index", {"path": "svc", "include": ["m000.py"]})
        assert not r.is_error and r.structured_content["files"]["processed"] == 1
    assert batch <= received < n / 2  # some batches went out before the cancel; most never did
    _idle(channel, "scan")
    assert _worker_calls(channel, "codeintel.v1.ScanService") == calls_after_cancel
    assert _stats(channel, "scan") - before_files == received
