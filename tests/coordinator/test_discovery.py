"""Dynamic worker pools with real processes: a workers file that grows and shrinks under load,
dns: entries resolved by the machine's resolver, and sources that fail keeping the last good set."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time

import grpc
import pytest

from codeintel.kernel import procs
from codeintel.v1 import common_pb2, coordinator_pb2_grpc
from codeintel.v1 import coordinator_pb2 as c
from coordinator.discovery import Discovery, WorkersFileError, check_entry, parse_workers_file

OPS = ("parse", "analyze", "scan")


# -- helpers -------------------------------------------------------------------------------------


def start_worker(svc: str = "parse", *args: str):
    proc = procs.spawn([sys.executable, "-m", f"services.{svc}", "--port", "0", *args])
    return proc, procs.wait_ready(proc, 60)["address"]


def start_coordinator(tmp_path, *args: str):
    log = open(tmp_path / "coordinator.log", "wb")
    proc = procs.spawn([sys.executable, "-m", "coordinator", "--port", "0", *args], stderr=log)
    log.close()
    return proc, procs.wait_ready(proc, 60)["address"]


def write_atomically(path, data) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        fh.write(data if isinstance(data, str) else json.dumps(data))
    os.replace(tmp, path)


def workers_by_address(admin) -> dict[str, c.Worker]:
    return {w.address: w for w in admin.ListWorkers(c.ListWorkersRequest(service="parse"), timeout=10).workers}


def wait_for(cond, what: str, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def parse_request(i: int, lines: int = 60):
    body = b"".join(b"def f%d_%d(a):\n    return a\n" % (i, j) for j in range(lines))
    return c.CodeIntelServiceParseRequest(file=common_pb2.SourceFile(path=f"d{i}_{time.time_ns()}.py", content=body))


class Load:
    """Concurrent clients calling Parse with fresh content (never a cache hit) until stopped; each
    outcome is kept with the time the call was sent and the worker that served it."""

    def __init__(self, address: str, clients: int = 6):
        self.channel = grpc.insecure_channel(address)
        self.api = coordinator_pb2_grpc.CodeIntelServiceStub(self.channel)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok: list[tuple[float, str]] = []
        self.failed: list[str] = []
        self._n = iter(range(10**9))
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self):
        while not self.stop.is_set():
            with self.lock:
                i = next(self._n)
            sent = time.monotonic()
            try:
                resp = self.api.Parse(parse_request(i), timeout=60)
                assert resp.result.symbols
                with self.lock:
                    self.ok.append((sent, resp.info.worker))
            except grpc.RpcError as e:
                with self.lock:
                    self.failed.append(f"{e.code().name}: {e.details()}")

    def served_by(self, address: str, sent_after: float = 0.0) -> int:
        with self.lock:
            return sum(1 for sent, w in self.ok if w == address and sent >= sent_after)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=90)
        self.channel.close()


# -- the workers file ------------------------------------------------------------------------------


def test_workers_file_grows_and_shrinks_under_load(tmp_path):
    workers = [start_worker() for _ in range(3)]
    (p0, a0), (p1, a1), (p2, a2) = workers
    wfile = tmp_path / "workers.json"
    write_atomically(wfile, {"parse": [a0]})
    coord, address = start_coordinator(tmp_path, "--workers-file", str(wfile), "--workers-file-interval", "0.2")
    admin_ch = grpc.insecure_channel(address)
    admin = coordinator_pb2_grpc.AdminServiceStub(admin_ch)
    try:
        ws = workers_by_address(admin)
        assert list(ws) == [a0] and ws[a0].source == "file" and ws[a0].state == c.WORKER_STATE_SERVING
        with Load(address) as load:
            wait_for(lambda: load.served_by(a0) >= 5, "load on the first worker")
            # grow: both new workers are health-checked, then take a share of the load
            write_atomically(wfile, {"parse": [a0, a1, a2]})
            wait_for(lambda: load.served_by(a1) >= 3 and load.served_by(a2) >= 3, "the new workers to get calls")
            ws = workers_by_address(admin)
            assert sorted(ws) == sorted([a0, a1, a2])
            assert all(w.source == "file" and w.state == c.WORKER_STATE_SERVING for w in ws.values())
            # shrink: a1 leaves the set, is drained, then dropped; calls sent afterwards never reach it
            write_atomically(wfile, {"parse": [a0, a2]})
            wait_for(lambda: a1 not in workers_by_address(admin), "the removed worker to be drained and dropped")
            gone = time.monotonic()
            p1.send_signal(signal.SIGTERM)
            assert p1.wait(timeout=60) == 0
            wait_for(
                lambda: load.served_by(a0, gone) >= 5 and load.served_by(a2, gone) >= 5, "more calls after the removal"
            )
            assert load.served_by(a1, gone) == 0
        assert load.failed == [], load.failed[:5]
        assert len(load.ok) >= 30
        stats = admin.GetStats(c.GetStatsRequest(), timeout=10)
        parse = next(o for o in stats.operations if o.operation == "parse")
        assert parse.errors == 0
    finally:
        admin_ch.close()
        procs.terminate([coord], 30)
        procs.terminate([p for p, _ in workers], 30)
    assert coord.returncode == 0


def test_bad_workers_file_keeps_the_last_set(tmp_path):
    (p0, a0), (p1, a1) = start_worker(), start_worker()
    wfile = tmp_path / "workers.json"
    write_atomically(wfile, {"parse": [a0]})
    coord, address = start_coordinator(tmp_path, "--workers-file", str(wfile), "--workers-file-interval", "0.1")
    ch = grpc.insecure_channel(address)
    admin, api = coordinator_pb2_grpc.AdminServiceStub(ch), coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    log = tmp_path / "coordinator.log"
    try:
        for n, bad in enumerate(['{"parse": ["127.0.0.1:1"', '{"parse": ["no-port"]}', '{"pasre": []}', "[]"], 1):
            write_atomically(wfile, bad)
            wait_for(lambda n=n: log.read_text().count("is not usable") >= n, f"the coordinator to reject {bad!r}")
            assert list(workers_by_address(admin)) == [a0]
            assert api.Parse(parse_request(n), timeout=30).info.worker == a0
        os.remove(wfile)  # gone is not "no workers" either
        wait_for(lambda: "does not exist" in log.read_text(), "the coordinator to notice the missing file")
        assert list(workers_by_address(admin)) == [a0]
        write_atomically(wfile, {"parse": [a1]})  # a good file again is taken
        wait_for(lambda: list(workers_by_address(admin)) == [a1], "the fixed file to be used")
        assert api.Parse(parse_request(99), timeout=30).info.worker == a1
    finally:
        ch.close()
        procs.terminate([coord, p0, p1], 30)


def test_a_new_worker_gets_work_only_after_a_health_check(tmp_path):
    """An address added to the file where nothing answers is checked, found down, and never sent a call."""
    import socket

    (p0, a0) = start_worker()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"  # bound, not listening: connections are refused
        wfile = tmp_path / "workers.json"
        write_atomically(wfile, {"parse": [a0]})
        coord, address = start_coordinator(tmp_path, "--workers-file", str(wfile), "--workers-file-interval", "0.1")
        ch = grpc.insecure_channel(address)
        admin, api = coordinator_pb2_grpc.AdminServiceStub(ch), coordinator_pb2_grpc.CodeIntelServiceStub(ch)
        try:
            write_atomically(wfile, {"parse": [a0, dead]})
            wait_for(
                lambda: dead in workers_by_address(admin) and workers_by_address(admin)[dead].last_check_unix_ms,
                "the new address to be checked",
            )
            assert workers_by_address(admin)[dead].state == c.WORKER_STATE_DOWN
            assert {api.Parse(parse_request(i), timeout=30).info.worker for i in range(10)} == {a0}
            assert workers_by_address(admin)[dead].calls == 0
        finally:
            ch.close()
            procs.terminate([coord, p0], 30)


# -- DNS -----------------------------------------------------------------------------------------


def test_dns_entries_resolve_through_the_system_resolver(tmp_path):
    (p0, a0), (p1, a1) = start_worker(), start_worker()
    port0, port1 = a0.rsplit(":", 1)[1], a1.rsplit(":", 1)[1]
    coord, address = start_coordinator(
        tmp_path, "--parse-workers", f"dns:localhost:{port0},dns:localhost:{port1}", "--discovery-interval", "0.5"
    )
    ch = grpc.insecure_channel(address)
    admin, api = coordinator_pb2_grpc.AdminServiceStub(ch), coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    try:
        ws = workers_by_address(admin)
        assert sorted(ws) == sorted([f"127.0.0.1:{port0}", f"127.0.0.1:{port1}"])
        assert {w.source for w in ws.values()} == {f"dns:localhost:{port0}", f"dns:localhost:{port1}"}
        served = {api.Parse(parse_request(i), timeout=30).info.worker for i in range(12)}
        assert served == set(ws)
    finally:
        ch.close()
        procs.terminate([coord, p0, p1], 30)


def test_failed_resolution_keeps_the_last_set():
    """The resolver is the machine's; only the name it is asked changes, to one under .invalid
    (RFC 2606: never resolves)."""
    name = {"localhost": "localhost"}
    published: list[tuple[str, dict]] = []

    async def resolver(host, port):
        return await asyncio.get_running_loop().getaddrinfo(name[host], port)

    async def main():
        d = Discovery(
            OPS,
            {"parse": ["dns:localhost:5001", "127.0.0.1:6000"]},
            lambda op, m: published.append((op, m)),
            resolver=resolver,
        )
        await d.start()
        first = d.members("parse")
        assert first == {"127.0.0.1:6000": "static", "127.0.0.1:5001": "dns:localhost:5001"}
        name["localhost"] = "codeintel-no-such-host.invalid"
        await d.refresh_dns()
        d._publish()
        assert d.dns_failures == 1 and d.members("parse") == first
        name["localhost"] = "localhost"
        await d.refresh_dns()
        d._publish()
        assert d.dns_failures == 1 and d.members("parse") == first
        await d.stop()

    asyncio.run(main())
    # published once per operation at start, never again: the failure changed nothing
    assert [op for op, _ in published] == list(OPS)


def test_the_dns_loop_runs_off_the_event_loop_and_republishes():
    """The refresh loop itself: a name that starts resolving adds its worker without any call."""
    name = {"svc": "codeintel-no-such-host.invalid"}
    published: list[dict[str, str]] = []

    def publish(op: str, members: dict[str, str]) -> None:
        if op == "parse":
            published.append(members)

    async def resolver(host, port):
        return await asyncio.get_running_loop().getaddrinfo(name[host], port)

    async def main():
        d = Discovery(
            OPS,
            {"parse": ["dns:svc:5001"]},
            publish,
            dns_interval=0.05,
            resolver=resolver,
        )
        await d.start()
        assert published == [{}] and d.dns_failures == 1
        name["svc"] = "localhost"
        for _ in range(200):
            if len(published) > 1:
                break
            await asyncio.sleep(0.02)
        await d.stop()
        assert published[-1] == {"127.0.0.1:5001": "dns:svc:5001"}

    asyncio.run(main())


# -- validation ----------------------------------------------------------------------------------


def test_workers_file_format():
    assert parse_workers_file('{"parse": ["a:1", "a:1", "[::1]:2"], "scan": []}', OPS) == {
        "parse": ("a:1", "[::1]:2"),
        "analyze": (),
        "scan": (),
    }
    for bad, why in [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"lint": []}', "unknown operation"),
        ('{"parse": "a:1"}', "list of"),
        ('{"parse": [1]}', "list of"),
        ('{"parse": ["a"]}', "HOST:PORT"),
        ('{"parse": ["a:0"]}', "HOST:PORT"),
    ]:
        with pytest.raises(WorkersFileError, match=why):
            parse_workers_file(bad, OPS)


@pytest.mark.parametrize(
    "entry,ok",
    [
        ("dns:parse.default.svc:50061", True),
        ("10.0.0.1:5", True),
        ("dns:parse", False),
        ("dns::5", False),
        ("dns:[::1]:5", False),
        ("dns:host:70000", False),
    ],
)
def test_entries(entry, ok):
    if ok:
        check_entry(entry)
    else:
        with pytest.raises(ValueError):
            check_entry(entry)


# -- rebalancing ---------------------------------------------------------------------------------


def test_coordinator_max_connection_age_makes_clients_reconnect(tmp_path):
    """With --max-connection-age the coordinator ends each client connection (GOAWAY) after that
    long, so clients reconnect — and a balancer spreads them over new replicas. The calls go on."""
    worker, a0 = start_worker()
    coord, address = start_coordinator(tmp_path, "--parse-workers", a0, "--max-connection-age", "0.5")
    ch = grpc.insecure_channel(address)
    api = coordinator_pb2_grpc.CodeIntelServiceStub(ch)
    states: list[grpc.ChannelConnectivity] = []
    ch.subscribe(states.append, try_to_connect=False)
    try:
        assert api.Parse(parse_request(1), timeout=30).result.symbols
        wait_for(lambda: grpc.ChannelConnectivity.READY in states, "the connection")
        ready_at = states.index(grpc.ChannelConnectivity.READY)
        # the server closes the connection once its age is reached; the idle channel does not reconnect by itself
        wait_for(
            lambda: grpc.ChannelConnectivity.IDLE in states[ready_at:], "the coordinator to close the aged connection"
        )
        assert api.Parse(parse_request(2), timeout=30).result.symbols  # and the next call reconnects
    finally:
        ch.close()
        procs.terminate([coord, worker], 30)


def test_config_takes_dns_entries_and_a_workers_file_as_sources(tmp_path, monkeypatch):
    from coordinator.config import CoordinatorConfig

    for k in (
        "CODEINTEL_PARSE_WORKERS",
        "CODEINTEL_ANALYZE_WORKERS",
        "CODEINTEL_SCAN_WORKERS",
        "CODEINTEL_WORKERS_FILE",
    ):
        monkeypatch.delenv(k, raising=False)
    cfg = CoordinatorConfig.from_args(["--workers-file", str(tmp_path / "w.json")])  # may not exist yet
    assert cfg.workers_file == str(tmp_path / "w.json") and not any(cfg.workers.values())
    assert cfg.discovery_interval == 5.0 and cfg.workers_file_interval == 0.5 and cfg.max_connection_age == 0
    monkeypatch.setenv("CODEINTEL_SCAN_WORKERS", "dns:scan-headless.codeintel.svc:50063,10.0.0.7:50063")
    monkeypatch.setenv("CODEINTEL_DISCOVERY_INTERVAL", "2")
    monkeypatch.setenv("CODEINTEL_MAX_CONNECTION_AGE", "300")
    cfg = CoordinatorConfig.from_args([])
    assert cfg.workers["scan"] == ("dns:scan-headless.codeintel.svc:50063", "10.0.0.7:50063")
    assert cfg.discovery_interval == 2.0 and cfg.max_connection_age == 300.0
