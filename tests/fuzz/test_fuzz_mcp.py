"""Hardening of the MCP bridge over stdio: raw JSON-RPC lines written to `python -m mcp_bridge`.

Malformed JSON, JSON that is not JSON-RPC, unknown methods, wrong `params` types, unknown tools, wrong
argument types for every tool, huge strings, and hypothesis-generated argument dicts. Every answer must be
a JSON-RPC error response or a tool result (isError=true for bad input), never carry a Python traceback,
and the bridge must still answer `tools/list` and a valid `code_parse` afterwards. The bridge talks to the
real coordinator of the shared `stack` fixture (tests/conftest.py).
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import IO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSWER_TIMEOUT_S = 30.0
TOOLS = ("code_parse", "code_analyze", "vulnerability_scan", "scan_list_rules", "admin_get_metrics")
# The repository graph's queries: fuzzed too (without an index they must answer with tool errors);
# and code_query (bad queries and patterns must be tool errors).
GRAPH_TOOLS = (
    "search_symbols",
    "go_to_definition",
    "find_references",
    "call_hierarchy",
    "import_graph",
    "repo_outline",
    "review_changes",
    "code_query",
)
PROTOCOL_VERSION = "2025-06-18"


class StdioBridge:
    """`python -m mcp_bridge --coordinator ADDR` with line-oriented JSON-RPC over its stdin/stdout."""

    def __init__(self, coordinator: str, cwd: str):
        env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mcp_bridge", "--coordinator", coordinator],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdin, stdout, stderr = self.proc.stdin, self.proc.stdout, self.proc.stderr
        assert stdin is not None and stdout is not None and stderr is not None  # all three are pipes
        self.stdin: IO[bytes] = stdin
        self.stdout: IO[bytes] = stdout
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.stderr: list[bytes] = []
        self._ids = itertools.count(1000)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(stderr), daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_id(self) -> int:
        return next(self._ids)

    def send_raw(self, line: bytes) -> None:
        assert self.proc.poll() is None, f"bridge exited with {self.proc.returncode}: {self.stderr_text()[-2000:]}"
        self.stdin.write(line.rstrip(b"\n") + b"\n")
        self.stdin.flush()

    def send(self, message) -> None:
        self.send_raw(json.dumps(message).encode())

    def receive(self, timeout: float) -> tuple[bytes, object]:
        """The next line (raw, parsed); raises queue.Empty on timeout."""
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"bridge closed stdout: {self.stderr_text()[-2000:]}"
        check_no_traceback(line)
        return line, json.loads(line)

    def wait_for(self, request_id, timeout: float = ANSWER_TIMEOUT_S) -> tuple[list, dict]:
        """(other messages seen before it, the message answering `request_id`)."""
        end = time.monotonic() + timeout
        others: list[object] = []
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no answer to request id {request_id!r} within {timeout} s; saw {others}")
            try:
                _line, msg = self.receive(remaining)
            except queue.Empty:
                continue
            if isinstance(msg, dict) and "method" not in msg and msg.get("id") == request_id:
                return others, msg
            others.append(msg)

    def request(self, method: str, params=None, timeout: float = ANSWER_TIMEOUT_S) -> dict:
        rid = self.next_id()
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.wait_for(rid, timeout)[1]

    def answers_to_raw(self, line: bytes) -> list:
        """Send a line, then a ping; return what came back before the ping's answer."""
        self.send_raw(line)
        rid = self.next_id()
        self.send({"jsonrpc": "2.0", "id": rid, "method": "ping"})
        others, pong = self.wait_for(rid)
        assert pong.get("result") == {}, pong
        return [
            m for m in others if not (isinstance(m, dict) and str(m.get("method", "")).startswith("notifications/"))
        ]

    def call_tool(self, name, arguments, timeout: float = ANSWER_TIMEOUT_S) -> dict:
        params = {"name": name}
        if arguments is not _MISSING:
            params["arguments"] = arguments
        return self.request("tools/call", params, timeout)

    def initialize(self) -> dict:
        resp = self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "codeintel-fuzz", "version": "0"},
            },
        )
        assert "result" in resp, resp
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return resp["result"]

    def assert_alive(self) -> None:
        tools = self.request("tools/list", {})
        assert {t["name"] for t in tools["result"]["tools"]} == set(TOOLS) | set(GRAPH_TOOLS) | {
            "repo_scan",
            "repo_analyze",
            "repo_index",
            "index_repository",
        }, tools
        r = self.call_tool("code_parse", {"code": "def f(x):\n    return x\n", "language": "python"})
        res = r["result"]
        assert res["isError"] is False, res
        assert res["structuredContent"]["symbols"][0]["name"] == "f"

    def stderr_text(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


_MISSING = object()


def check_no_traceback(raw) -> None:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else json.dumps(raw)
    assert "Traceback" not in text, f"a Python traceback reached the client: {text[:2000]}"
    assert 'File \\"' not in text and 'File "/' not in text, f"a stack frame reached the client: {text[:2000]}"


def assert_error_or_tool_error(resp: dict, what: str) -> None:
    """A JSON-RPC error response, or a tool result with isError=true."""
    assert resp.get("jsonrpc") == "2.0", resp
    if "error" in resp:
        err = resp["error"]
        assert isinstance(err.get("code"), int) and isinstance(err.get("message"), str), resp
        assert "result" not in resp
        return
    res = resp["result"]
    assert res.get("isError") is True, f"{what}: expected an error, got {json.dumps(resp)[:500]}"
    text = " ".join(c.get("text", "") for c in res["content"])
    assert text.strip(), resp
    assert "internal error in the MCP bridge" not in text, f"{what}: unexpected exception in the bridge: {text}"


@pytest.fixture(scope="module")
def bridge(stack, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("mcp-fuzz")
    (cwd / "a.py").write_text("import os\nos.system(cmd)\n\ndef f(x):\n    return x\n")
    (cwd / "bin.py").write_bytes(b"\x00\x01\x02")
    (cwd / "latin1.py").write_bytes(b"x = '\xe9'\n")
    (cwd / "sub").mkdir()
    b = StdioBridge(stack.address, str(cwd))
    try:
        b.initialize()
        b.assert_alive()
        yield b
        assert b.proc.poll() is None, f"bridge died: {b.stderr_text()[-3000:]}"
    finally:
        b.close()


# --------------------------------------------------------------------------- lines that are not JSON-RPC requests

NOT_REQUESTS = [
    b"{not json",
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"',  # truncated
    b"\xff\xfe\x00garbage",
    b"[]",
    b"[1, 2, 3]",
    b'[{"jsonrpc": "2.0", "id": 77, "method": "tools/list"}]',  # batches were removed from MCP
    b"42",
    b'"a string"',
    b"null",
    b"true",
    b"{}",
    b'{"foo": 1}',
    b'{"jsonrpc": "2.0"}',
    b'{"jsonrpc": "2.0", "id": 5}',
    b'{"jsonrpc": "1.0", "id": 6, "method": "tools/list"}',
    b'{"jsonrpc": "2.0", "id": null, "method": "tools/list"}',
    b'{"jsonrpc": "2.0", "id": [1], "method": "tools/list"}',
    b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list"}',
    b'{"jsonrpc": "2.0", "id": 8, "method": 5}',
    b'{"jsonrpc": "2.0", "id": 9, "result": {}}',  # a response nobody asked for
    b'{"jsonrpc": "2.0", "id": 10, "error": {"code": 1, "message": "x"}}',
    b'{"jsonrpc": "2.0", "method": "notifications/unknown", "params": {}}',
    b'{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 424242}}',
    b'{"jsonrpc": "2.0", "id": 11, "method": "' + b"m" * 100_000 + b'"}',
    b'{"a": ' * 5000 + b"1" + b"}" * 5000,  # deeply nested JSON
    b"[" * 100_000 + b"]" * 100_000,
    b" ",
]


@pytest.mark.parametrize("line", NOT_REQUESTS, ids=[repr(x[:30]) for x in NOT_REQUESTS])
def test_lines_that_are_not_requests(bridge, line):
    """Either no answer (the SDK drops invalid lines; see the xfail below) or a JSON-RPC error: never a
    result, never a traceback; the bridge keeps serving."""
    for msg in bridge.answers_to_raw(line):
        check_no_traceback(msg)
        assert isinstance(msg, dict) and "error" in msg and "result" not in msg, msg
    bridge.assert_alive()


@pytest.mark.xfail(
    strict=True,
    reason="mcp SDK 2.3.0 stdio transport (mcp.shared.jsonrpc_dispatcher) logs and DROPS a line that is not a "
    "valid JSON-RPC message instead of answering Parse error (-32700) / Invalid Request (-32600) as JSON-RPC 2.0 "
    "requires; a client waits forever",
)
@pytest.mark.parametrize(
    "line,code",
    [(b"{not json", -32700), (b'{"jsonrpc": "2.0", "id": null, "method": 5}', -32600)],
    ids=["parse-error", "invalid-request"],
)
def test_invalid_lines_get_a_jsonrpc_error(bridge, line, code):
    answers = bridge.answers_to_raw(line)
    assert answers and answers[0].get("error", {}).get("code") == code, answers


# --------------------------------------------------------------------------- requests with an id: always answered

BAD_REQUESTS = [
    ("unknown method", {"method": "no/such/method"}),
    ("unknown method with params", {"method": "tools/frobnicate", "params": {"x": 1}}),
    ("resources/read unknown", {"method": "resources/read", "params": {"uri": "file:///etc/passwd"}}),
    ("prompts/get unknown", {"method": "prompts/get", "params": {"name": "nope"}}),
    ("tools/call without name", {"method": "tools/call", "params": {"arguments": {}}}),
    ("tools/call name is a number", {"method": "tools/call", "params": {"name": 5, "arguments": {}}}),
    ("tools/call arguments is a string", {"method": "tools/call", "params": {"name": "code_parse", "arguments": "x"}}),
    ("tools/call arguments is a list", {"method": "tools/call", "params": {"name": "code_parse", "arguments": [1]}}),
    ("tools/call unknown tool", {"method": "tools/call", "params": {"name": "rm_rf", "arguments": {}}}),
    ("tools/call empty tool name", {"method": "tools/call", "params": {"name": "", "arguments": {}}}),
    ("tools/call huge tool name", {"method": "tools/call", "params": {"name": "t" * 200_000, "arguments": {}}}),
]


@pytest.mark.parametrize("what,req", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_are_answered_with_errors(bridge, what, req):
    rid = bridge.next_id()
    bridge.send({"jsonrpc": "2.0", "id": rid, **req})
    _others, resp = bridge.wait_for(rid)
    assert_error_or_tool_error(resp, what)
    bridge.assert_alive()


@pytest.mark.xfail(
    strict=True,
    reason="mcp SDK 2.3.0 stdio transport drops a request whose `params` is not an object (JSON-RPC 2.0 allows "
    "arrays; MCP requires objects) without any answer, although the id is valid: Invalid params/Request "
    "(-32602/-32600) expected; the client hangs until its own timeout",
)
def test_params_of_wrong_type_are_answered(bridge):
    ids = []
    for params in ([1], "x", 5):
        rid = bridge.next_id()
        ids.append((rid, params))
        bridge.send({"jsonrpc": "2.0", "id": rid, "method": "tools/list", "params": params})
    for rid, params in ids:
        _others, resp = bridge.wait_for(rid, timeout=2)
        assert_error_or_tool_error(resp, f"params={params!r}")


# --------------------------------------------------------------------------- wrong argument types, per tool

HUGE = "x" * (3 * 1024 * 1024)
CODE_TOOLS = ("code_parse", "code_analyze", "vulnerability_scan")
COMMON_BAD = [
    ("code number", {"code": 12345}),
    ("code float", {"code": 1.5}),
    ("code list", {"code": ["def f(): pass"]}),
    ("code dict", {"code": {"text": "x"}}),
    ("code bool", {"code": True}),
    ("path list", {"path": ["a.py"]}),
    ("path number", {"path": 7}),
    ("path outside", {"path": "/etc/passwd"}),
    ("path dotdot", {"path": "../../../../etc/passwd"}),
    ("path directory", {"path": "sub"}),
    ("path missing", {"path": "nope.py"}),
    ("path binary", {"path": "bin.py"}),
    ("path not utf-8", {"path": "latin1.py"}),
    ("path NUL", {"path": "a.py\x00.txt"}),
    ("path huge", {"path": "p/" * 100_000}),
    ("code and path", {"code": "x = 1", "path": "a.py"}),
    ("neither code nor path", {}),
    ("arguments missing", _MISSING),
    ("language number", {"code": "x = 1", "language": 3}),
    ("language unknown", {"code": "x = 1", "language": "klingon"}),
    ("language huge", {"code": "x = 1", "language": "l" * 1_000_000}),
    ("filename list", {"code": "x = 1", "filename": ["a.py"]}),
    ("priority unknown", {"code": "x = 1", "language": "python", "priority": "urgent"}),
    ("priority number", {"code": "x = 1", "language": "python", "priority": 3}),
    ("code huge", {"code": HUGE, "language": "python"}),
    ("code with NUL", {"code": "x = 1\x00", "language": "python"}),
    ("code undetectable", {"code": "x = 1"}),
]
TOOL_BAD = {
    "code_parse": [
        ("include_ast string", {"code": "x = 1", "language": "python", "include_ast": "maybe"}),
        ("include_ast list", {"code": "x = 1", "language": "python", "include_ast": [True]}),
        ("ast_max_depth negative", {"code": "x = 1", "language": "python", "ast_max_depth": -1}),
        ("ast_max_depth zero", {"code": "x = 1", "language": "python", "ast_max_depth": 0}),
        ("ast_max_depth huge", {"code": "x = 1", "language": "python", "ast_max_depth": 10**30}),
        ("ast_max_depth string", {"code": "x = 1", "language": "python", "ast_max_depth": "deep"}),
        ("ast_max_depth float", {"code": "x = 1", "language": "python", "ast_max_depth": 2.5}),
        ("ast_max_nodes negative", {"code": "x = 1", "language": "python", "ast_max_nodes": -(10**30)}),
        ("ast_named_only dict", {"code": "x = 1", "language": "python", "ast_named_only": {}}),
    ],
    "code_analyze": [
        ("file_only string", {"code": "x = 1", "language": "python", "file_only": "sure"}),
        ("file_only number", {"code": "x = 1", "language": "python", "file_only": 7}),
        ("language without metrics", {"code": "{}", "language": "json"}),
    ],
    "vulnerability_scan": [
        ("min_severity unknown", {"code": "x = 1", "language": "python", "min_severity": "apocalyptic"}),
        ("min_severity number", {"code": "x = 1", "language": "python", "min_severity": 4}),
        ("min_confidence unknown", {"code": "x = 1", "language": "python", "min_confidence": "certain"}),
        ("include_sarif string", {"code": "x = 1", "language": "python", "include_sarif": "please"}),
        ("language without rules", {"code": "fn main() {}", "language": "rust"}),
        ("baseline string", {"code": "x = 1", "language": "python", "baseline_fingerprints": "abc"}),
        ("baseline numbers", {"code": "x = 1", "language": "python", "baseline_fingerprints": [1, 2]}),
        ("baseline too long", {"code": "x = 1", "language": "python", "baseline_fingerprints": ["f"] * 10_001}),
    ],
    "admin_get_metrics": [],
}
CASES = [(tool, what, args) for tool in CODE_TOOLS for what, args in COMMON_BAD + TOOL_BAD[tool]] + [
    ("scan_list_rules", what, args)
    for what, args in [
        ("language number", {"language": 5}),
        ("language list", {"language": ["python"]}),
        ("language unknown", {"language": "klingon"}),
        ("language huge", {"language": "l" * 100_000}),
    ]
]


@pytest.mark.parametrize("tool,what,args", CASES, ids=[f"{t}-{w}" for t, w, _ in CASES])
def test_wrong_arguments_are_tool_errors(bridge, tool, what, args):
    resp = bridge.call_tool(tool, args)
    assert_error_or_tool_error(resp, f"{tool} {what}")


# Extra unknown arguments and out-of-range-but-clamped values: a success or a tool error, never a crash.
LENIENT = [
    ("code_parse", {"code": "x = 1", "language": "python", "bogus": 1, "another": [1, {"a": None}]}),
    ("code_parse", {"code": "x = 1", "language": "python", "include_ast": True, "ast_max_nodes": 10**30}),
    ("code_parse", {"code": "x = 1", "language": "python", "include_ast": "true"}),
    ("code_analyze", {"code": "def f():\n  pass\n", "language": "python", "extra": "x" * 100_000}),
    ("vulnerability_scan", {"code": "eval(x)\n", "language": "python", "include_sarif": True, "rule_ids": ["x"]}),
    ("vulnerability_scan", {"path": "a.py", "min_severity": "critical", "min_confidence": "high"}),
    ("admin_get_metrics", {"x": 1, "code": 5}),
    ("scan_list_rules", {"language": "python", "extra": True}),
    ("scan_list_rules", _MISSING),
    ("admin_get_metrics", _MISSING),
    ("code_parse", {"code": "", "language": "python"}),
    ("code_parse", {"code": "\ufeff\u202e\U0001f40d = 1\n", "language": "python", "filename": "\u0000weird.py"}),
]


@pytest.mark.parametrize("tool,args", LENIENT, ids=[f"{t}-{i}" for i, (t, _) in enumerate(LENIENT)])
def test_lenient_arguments(bridge, tool, args):
    resp = bridge.call_tool(tool, args)
    if "error" in resp or resp["result"].get("isError"):
        assert_error_or_tool_error(resp, f"{tool} {args!r:.80}")
    else:
        assert isinstance(resp["result"].get("structuredContent"), dict), resp


@pytest.mark.xfail(
    strict=True,
    reason='a request whose JSON holds a lone surrogate escape (e.g. "\\ud800", legal JSON syntax) is '
    "dropped by the mcp SDK 2.3.0 stdio transport (its pydantic JSON parser rejects it) with no answer; the "
    "bridge's own '`code` contains invalid Unicode' tool error is unreachable over stdio",
)
def test_lone_surrogate_in_code(bridge):
    rid = bridge.next_id()
    bridge.send_raw(
        b'{"jsonrpc": "2.0", "id": %d, "method": "tools/call", "params": {"name": "code_parse", '
        b'"arguments": {"code": "x = \\ud800", "language": "python"}}}' % rid
    )
    _others, resp = bridge.wait_for(rid, timeout=2)
    assert_error_or_tool_error(resp, "lone surrogate")


def test_alive_after_lone_surrogate(bridge):
    bridge.assert_alive()


def test_still_alive_after_argument_cases(bridge):
    bridge.assert_alive()
    # the bridge logs unexpected tool exceptions (mcp_bridge.bridge.guard); none may have happened
    assert "failed unexpectedly" not in bridge.stderr_text(), bridge.stderr_text()[-3000:]


# --------------------------------------------------------------------------- hypothesis: random argument dicts

ARG_NAMES = [
    "code",
    "path",
    "language",
    "filename",
    "include_ast",
    "ast_max_depth",
    "ast_max_nodes",
    "ast_named_only",
    "file_only",
    "min_severity",
    "min_confidence",
    "include_sarif",
    "priority",
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, 1, -1, 256, 257, 2**31, 2**63, 10**40, -(10**40)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.sampled_from(
        [
            "python",
            "javascript",
            "a.py",
            "sub",
            "../a.py",
            "/etc/passwd",
            "high",
            "low",
            "normal",
            "critical",
            "info",
            "medium",
            "true",
            "",
            "def f(x):\n    return x\n",
            "eval(x)\n",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
argument_dicts = st.dictionaries(st.one_of(st.sampled_from(ARG_NAMES), st.text(max_size=12)), json_values, max_size=6)
# mostly-valid dicts too, so the successful paths get random option values
mostly_valid = st.fixed_dictionaries(
    {
        "code": st.sampled_from(
            [
                "def f(x):\n    if x:\n        return 1\n",
                "import os\nos.system(c)\n",
                "function f(a){return a&&b}\n",
                "",
                "((((",
                "\u00e9\u20ac = 1\n",
            ]
        )
    },
    optional={
        "language": st.sampled_from(["python", "javascript", "go", "json", "klingon", "", " PYTHON "]),
        "filename": st.text(max_size=20),
        "include_ast": st.booleans(),
        "ast_max_depth": st.integers(-3, 300),
        "ast_max_nodes": st.integers(-3, 10**6),
        "file_only": st.booleans(),
        "include_sarif": st.booleans(),
        "min_severity": st.sampled_from(["info", "low", "medium", "high", "critical", "none"]),
        "priority": st.sampled_from(["low", "normal", "high", "HIGH"]),
    },
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tool=st.sampled_from(TOOLS + GRAPH_TOOLS + ("code_parse", "nope")), args=st.one_of(argument_dicts, mostly_valid))
def test_random_arguments(bridge, tool, args):
    resp = bridge.call_tool(tool, args)
    check_no_traceback(resp)
    if "error" in resp:
        assert isinstance(resp["error"]["code"], int), resp
        return
    res = resp["result"]
    if res.get("isError"):
        assert_error_or_tool_error(resp, f"{tool} {args!r:.200}")
    else:
        assert tool in TOOLS + GRAPH_TOOLS, resp
        assert isinstance(res.get("structuredContent"), dict), resp
        assert len(json.dumps(res)) < 400_000


def test_alive_after_random_arguments(bridge):
    bridge.assert_alive()
    # the bridge logs unexpected tool exceptions (mcp_bridge.bridge.guard); none may have happened
    assert "failed unexpectedly" not in bridge.stderr_text(), bridge.stderr_text()[-3000:]
