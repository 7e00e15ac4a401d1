"""SIGTERM under steady load, for each kind of process in turn: no request in flight is lost.

Every call either completes OK or — if it arrives after the drain — is refused in a way the
client can retry (gRPC UNAVAILABLE; HTTP 503 or a refused connection for the MCP bridge). Calls
sent before the signal must all complete OK. (tests/e2e/test_failures.py covers a SIGKILLed
worker; tests/services/test_worker_process.py a worker's own drain without a coordinator.)
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time

import grpc

from codeintel.kernel import procs
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c

PY = sys.executable
# The servers' drain delay (SIGTERM: readiness fails, new calls still accepted for this long, then
# refused). Long enough that a call the client sent before the signal has reached the server before
# refusals start, however slow the machine: a hang guard, not a window the verdict depends on.
DRAIN_DELAY = 2.0


def start(argv: list[str]):
    proc = procs.spawn([PY, *argv])
    return proc, procs.wait_ready(proc, 60)["address"]


def start_worker(svc: str = "parse"):
    return start(["-m", f"services.{svc}", "--port", "0"])


def start_coordinator(*args: str):
    return start(["-m", "coordinator", "--port", "0", *args])


def source(i: int, lines: int) -> bytes:
    return b"".join(b"def f%d_%d(a, b):\n    return a + b\n" % (i, j) for j in range(lines))


def wait_for(cond, what: str, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class GrpcLoad:
    """Concurrent clients (one channel each) sending Parse calls with fresh content until stopped.
    Each outcome: (sent, finished, worker or status code name)."""

    def __init__(self, address: str, clients: int = 8, lines: int = 600):
        self.address, self.lines = address, lines
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.outcomes: list[tuple[float, float, str, str]] = []  # sent, done, "ok"|code, worker|details
        self._n = iter(range(10**9))
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self):
        ch = grpc.insecure_channel(self.address)
        api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        while not self.stop.is_set():
            with self.lock:
                i = next(self._n)
            req = c.CodeIntelServiceParseRequest(
                file=common_pb2.SourceFile(path=f"drain{i}_{time.time_ns()}.py", content=source(i, self.lines))
            )
            sent = time.monotonic()
            try:
                resp = api.Parse(req, timeout=60)
                outcome = ("ok", resp.info.worker) if len(resp.result.symbols) == self.lines else ("WRONG", "")
            except grpc.RpcError as e:
                outcome = (e.code().name, e.details() or "")
            with self.lock:
                self.outcomes.append((sent, time.monotonic(), *outcome))
            if outcome[0] != "ok":
                time.sleep(0.05)  # as a retrying client backs off
        ch.close()

    def count(self, status: str = "ok", worker: str | None = None, after: float = 0.0) -> int:
        with self.lock:
            return sum(1 for s, _, o, w in self.outcomes if o == status and s >= after and worker in (None, w))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=90)


def test_worker_sigterm_under_load_loses_nothing():
    """A worker drained while others stand behind it: the coordinator moves on, nothing fails."""
    (p0, a0), (p1, a1) = start_worker(), start_worker()
    coord, address = start_coordinator("--parse-workers", f"{a0},{a1}")
    try:
        with GrpcLoad(address) as load:
            wait_for(lambda: load.count(worker=a0) >= 5 and load.count(worker=a1) >= 5, "load on both workers")
            p0.send_signal(signal.SIGTERM)
            assert p0.wait(timeout=60) == 0
            gone = time.monotonic()
            wait_for(lambda: load.count(worker=a1, after=gone) >= 10, "calls after the worker left")
        failed = [o for o in load.outcomes if o[2] != "ok"]
        assert failed == [], failed[:5]
        assert load.count(worker=a0, after=gone) == 0
        admin = coordinator_pb2_grpc.AdminServiceStub(grpc.insecure_channel(address))
        parse = next(o for o in admin.GetStats(c.GetStatsRequest(), timeout=10).operations if o.operation == "parse")
        assert parse.errors == 0
    finally:
        procs.terminate([coord, p0, p1], 30)
    assert coord.returncode == 0


def test_coordinator_sigterm_with_calls_in_flight():
    """Calls sent before SIGTERM all complete; later ones complete or get UNAVAILABLE; exit code 0."""
    workers = [start_worker(), start_worker()]
    coord, address = start_coordinator(
        "--parse-workers", ",".join(a for _, a in workers), "--drain-delay", str(DRAIN_DELAY)
    )
    try:
        with GrpcLoad(address, clients=8, lines=1500) as load:
            wait_for(lambda: load.count() >= 10, "steady load")
            signalled = time.monotonic()
            coord.send_signal(signal.SIGTERM)
            assert coord.wait(timeout=60) == 0
            exited = time.monotonic()
            wait_for(lambda: load.count("UNAVAILABLE", after=exited) >= 8, "calls refused after the exit")
        before = [o for o in load.outcomes if o[0] < signalled]
        after = [o for o in load.outcomes if o[0] >= signalled]
        assert [o for o in before if o[2] != "ok"] == []
        in_flight = [o for o in before if o[1] > signalled]
        assert len(in_flight) >= 1, "some calls must have been running at SIGTERM"
        # gRPC core cancels the calls that reach the server in the instant it stops — it had not started
        # them, so no work is lost, but their status is CANCELLED, not UNAVAILABLE. That can only
        # happen after the drain delay, once the server already refuses new calls: such a call ends
        # (whenever it was sent) after the signal plus the drain delay.
        cut = [o for o in after if o[2] == "CANCELLED"]
        assert all(o[1] >= signalled + DRAIN_DELAY for o in cut), cut
        assert {o[2] for o in after} <= {"ok", "UNAVAILABLE", "CANCELLED"}, [
            (round(s - signalled, 3), round(d - signalled, 3), code, why[:80], round(exited - signalled, 3))
            for s, d, code, why in after
            if code not in ("ok", "UNAVAILABLE")
        ]
        refused = sum(1 for o in after if o[2] == "UNAVAILABLE")
        print(
            f"coordinator drain: {len(in_flight)} in flight at SIGTERM completed, "
            f"{sum(1 for o in after if o[2] == 'ok')} later calls served, {refused} refused (UNAVAILABLE), "
            f"{len(cut)} cut at the final stop (CANCELLED, never started)"
        )
    finally:
        procs.terminate([coord] + [p for p, _ in workers], 30)


# -- the MCP bridge over HTTP --------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_get(port: int, path: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:  # not listening (yet, or any more)
        return 0


def _refused(exc: BaseException) -> bool:
    """A retryable refusal: the draining bridge's 503 (its JSON-RPC error says so), or no listener any more."""
    import httpx2
    from mcp.shared.exceptions import MCPError

    if isinstance(exc, BaseExceptionGroup):
        return all(_refused(e) for e in exc.exceptions)
    if isinstance(exc, MCPError):
        return "shutting down (HTTP 503)" in str(exc)
    return isinstance(exc, (httpx2.ConnectError, ConnectionRefusedError))


def test_mcp_bridge_http_sigterm_with_tool_calls_in_flight(tmp_path):
    from mcp import Client

    (pw, aw), (pw2, aw2) = start_worker(), start_worker()
    coord, address = start_coordinator("--parse-workers", f"{aw},{aw2}")
    port = _free_port()
    bridge = procs.spawn(
        [
            PY,
            "-m",
            "mcp_bridge",
            "--coordinator",
            address,
            "--transport",
            "http",
            "--port",
            str(port),
            "--drain-delay",
            str(DRAIN_DELAY),
        ]
    )
    url = f"http://127.0.0.1:{port}/mcp"
    outcomes: list[tuple[float, float, str]] = []  # sent, done, "ok" | "refused" | other
    lines = 1500

    async def client(k: int, stop: asyncio.Event):
        i = 0
        try:
            async with Client(url) as cl:
                while not stop.is_set():
                    i += 1
                    sent = time.monotonic()
                    code = source(k * 100000 + i, lines).decode()
                    try:
                        r = await asyncio.wait_for(cl.call_tool("code_parse", {"code": code, "language": "python"}), 60)
                        ok = not r.is_error and r.structured_content["total_symbols"] == lines
                        outcomes.append((sent, time.monotonic(), "ok" if ok else f"bad result {r.content}"))
                    except Exception as e:  # noqa: BLE001 - classified below
                        outcomes.append((sent, time.monotonic(), "refused" if _refused(e) else repr(e)))
                        return
        except BaseException as e:  # noqa: BLE001 - a session torn down by the refusal itself
            outcomes.append((time.monotonic(), time.monotonic(), "refused" if _refused(e) else repr(e)))

    async def main():
        stop = asyncio.Event()
        tasks = [asyncio.create_task(client(k, stop)) for k in range(6)]
        while sum(1 for o in outcomes if o[2] == "ok") < 12:
            await asyncio.sleep(0.05)
        signalled = time.monotonic()
        bridge.send_signal(signal.SIGTERM)
        # Readiness fails as soon as the drain starts, while the bridge still answers (the drain delay).
        ready = 200
        while ready == 200 and time.monotonic() < signalled + 60:  # 60 s: a hang guard only
            ready = await asyncio.to_thread(_http_get, port, "/readyz")
        code = await asyncio.to_thread(bridge.wait, 60)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        return signalled, ready, code

    loop = asyncio.new_event_loop()  # not asyncio.run, which swaps the process's SIGINT handler
    try:
        wait_for(lambda: bridge.poll() is not None or _http_get(port, "/readyz") == 200, "the bridge")
        assert bridge.poll() is None
        signalled, ready, code = loop.run_until_complete(main())
    finally:
        loop.close()
        procs.terminate([bridge, coord, pw, pw2], 30)
    assert code == 0
    assert ready == 503, "readiness must fail as soon as the drain starts"
    before = [o for o in outcomes if o[0] < signalled]
    after = [o for o in outcomes if o[0] >= signalled]
    assert [o for o in before if o[2] != "ok"] == []
    assert sum(1 for o in before if o[1] > signalled) >= 1, "some tool calls must have been running at SIGTERM"
    assert {o[2] for o in after} <= {"ok", "refused"}, [o[2] for o in after if o[2] not in ("ok", "refused")][:3]
    print(
        f"bridge drain: {sum(1 for o in before if o[1] > signalled)} in flight at SIGTERM completed, "
        f"{sum(1 for o in after if o[2] == 'ok')} later served, {sum(1 for o in after if o[2] == 'refused')} refused"
    )
