"""The dev overlay, run as the manifests say: each container's command, args, env, mounts
and ports are read from `kubectl kustomize k8s/overlays/dev` and started as local
processes (the unavoidable remaps are in k8s_local.py and printed on failure). Then every
probe as declared must pass, the coordinator must find the workers through its `dns:`
entries as the headless Services promise (AdminService.ListWorkers: SERVING), a call must
go bridge -> coordinator -> worker with Redis as L2, each annotated /metrics must answer,
and SIGTERM must end every process within its terminationGracePeriodSeconds.

A manifest that lies about the code (a flag the process lacks, a probe on the wrong port or
health service, a worker address no Service backs, a bad setting) fails here."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from k8s_local import LocalPlan, LocalProcess  # noqa: E402
from k8s_manifests import Objects, build  # noqa: E402

from codeintel.v1 import common_pb2, coordinator_pb2, coordinator_pb2_grpc  # noqa: E402

START_TIMEOUT = 120.0  # seconds to wait for a probe to pass on a loaded 2-core machine
WORKER_SERVICES = {
    "parse": "codeintel.v1.ParseService",
    "analyze": "codeintel.v1.AnalyzeService",
    "scan": "codeintel.v1.ScanService",
}


class Stack:
    def __init__(self, plan: LocalPlan, workdir: str):
        self.plan = plan
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for p in self.plan.processes:
            log = open(os.path.join(self.workdir, f"{p.deployment}.log"), "wb")
            self.procs[p.deployment] = subprocess.Popen(
                p.argv, env=p.env, cwd=self.plan.cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def diagnostics(self) -> str:
        out = []
        for p in self.plan.processes:
            proc = self.procs.get(p.deployment)
            state = "not started" if proc is None else f"exit {proc.poll()}" if proc.poll() is not None else "running"
            out.append(f"--- {p.deployment} ({state}): {' '.join(p.argv)}\n    remaps: {p.remaps}")
            path = os.path.join(self.workdir, f"{p.deployment}.log")
            if os.path.exists(path):
                out.append(open(path, errors="replace").read()[-2500:])
        return "\n".join(out)

    def stop(self) -> dict[str, float | None]:
        """SIGTERM everyone as kubelet does; seconds each took, None if it outlived its grace."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        took: dict[str, float | None] = {}
        start = time.monotonic()
        for p in self.plan.processes:
            proc = self.procs[p.deployment]
            grace = self.plan.objs.get("Deployment", p.deployment)["spec"]["template"]["spec"].get(
                "terminationGracePeriodSeconds", 30
            )
            try:
                proc.wait(max(0.1, grace - (time.monotonic() - start)))
                took[p.deployment] = time.monotonic() - start
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                took[p.deployment] = None
        return took


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("k8s-dev"))
    s = Stack(LocalPlan(Objects(build("dev")), workdir), workdir)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def wait_for(what: str, check, stack: Stack, timeout: float = START_TIMEOUT):
    """Poll `check` (returns None while not yet true, else a value) like a prober would."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                pytest.fail(
                    f"{name} exited with code {proc.returncode} while waiting for {what}\n{stack.diagnostics()}"
                )
        try:
            value = check()
            if value is not None:
                return value
        except Exception as e:  # a probe that errors has just not passed yet
            last = e
        time.sleep(0.5)
    pytest.fail(f"{what}: not true after {timeout:.0f}s (last error: {last!r})\n{stack.diagnostics()}")


def run_probe(stack: Stack, p: LocalProcess, probe: dict):
    timeout = probe.get("timeoutSeconds", 1)
    if "grpc" in probe:
        port = p.local_port(probe["grpc"]["port"])
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            r = health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(service=probe["grpc"].get("service", "")), timeout=timeout
            )
        return True if r.status == health_pb2.HealthCheckResponse.SERVING else None
    if "httpGet" in probe:
        g = probe["httpGet"]
        url = f"http://127.0.0.1:{p.local_port(g['port'])}{g.get('path', '/')}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return True if 200 <= r.status < 400 else None
        except urllib.error.HTTPError:
            return None
    if "exec" in probe:
        argv = stack.plan.rewrite_exec(p, probe["exec"]["command"])
        return True if subprocess.run(argv, capture_output=True, timeout=10).returncode == 0 else None
    if "tcpSocket" in probe:
        with socket.create_connection(("127.0.0.1", p.local_port(probe["tcpSocket"]["port"])), timeout=timeout):
            return True
    raise AssertionError(f"probe kind not understood: {probe}")


def coordinator_target(stack: Stack) -> str:
    """Where a client of the `coordinator` Service connects, through its port mapping."""
    objs = stack.plan.objs
    svc = objs.get("Service", "coordinator")
    d, port = objs.resolve_service_port(svc, svc["spec"]["ports"][0]["port"])
    return f"127.0.0.1:{stack.plan.ports[(d['metadata']['name'], port['containerPort'])]}"


def bridge_metadata(stack: Stack) -> tuple[tuple[str, str], ...]:
    """The key the dev bridge calls with (from its Secret), which the dev tenants file must accept."""
    key = stack.plan.by_deployment("mcp-bridge").env.get("CODEINTEL_API_KEY")
    return (("authorization", f"Bearer {key}"),) if key else ()


def test_every_declared_probe_passes(stack):
    for p in stack.plan.processes:
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            if kind in p.container:
                probe = p.container[kind]
                wait_for(f"{p.deployment} {kind} {probe}", functools.partial(run_probe, stack, p, probe), stack)


def test_coordinator_discovers_the_workers_through_the_dns_entries(stack):
    coord = stack.plan.by_deployment("coordinator")
    expected = {}
    for op, service in WORKER_SERVICES.items():
        (entry,) = [a.split("=", 1)[1] for a in coord.argv if a.startswith(f"--{op}-workers=")]
        assert entry.startswith("dns:localhost:"), (entry, coord.remaps)
        port = int(entry.rsplit(":", 1)[1])
        expected[service] = {
            f"[{a[4][0]}]:{port}" if a[0] == socket.AF_INET6 else f"{a[4][0]}:{port}"
            for a in socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)
        }

    def serving():
        with grpc.insecure_channel(coordinator_target(stack)) as ch:
            r = coordinator_pb2_grpc.AdminServiceStub(ch).ListWorkers(
                coordinator_pb2.ListWorkersRequest(), timeout=5, metadata=bridge_metadata(stack)
            )
        seen: dict[str, set[str]] = {}
        for w in r.workers:
            if w.state == coordinator_pb2.WORKER_STATE_SERVING:
                seen.setdefault(w.service, set()).add(w.address)
        return seen if seen == expected else None

    wait_for(f"ListWorkers shows exactly {expected} SERVING", serving, stack)


def test_a_call_goes_through_bridge_coordinator_worker_and_fills_redis(stack):
    from mcp import Client

    bridge = stack.plan.by_deployment("mcp-bridge")
    url = f"http://127.0.0.1:{bridge.local_port('http')}/mcp"
    wait_for("bridge /readyz", lambda: run_probe(stack, bridge, bridge.container["readinessProbe"]), stack)

    async def call():
        async with Client(url) as client:
            return await client.call_tool(
                "code_parse", {"code": "def k8s_dev(x):\n    return x\n", "language": "python"}
            )

    r = asyncio.run(call())
    assert not r.is_error, r.content
    assert r.structured_content["total_symbols"] == 1

    # The same file straight to the coordinator: an L1 hit now, and the L2 write reaches the
    # Redis the coordinator's REDIS_URL names (the dev Redis Deployment, run from its manifest).
    with grpc.insecure_channel(coordinator_target(stack)) as ch:
        resp = coordinator_pb2_grpc.CodeIntelServiceStub(ch).Parse(
            coordinator_pb2.CodeIntelServiceParseRequest(
                file=common_pb2.SourceFile(path="k.py", content=b"def k8s_dev(x):\n    return x\n")
            ),
            timeout=30,
            metadata=bridge_metadata(stack),
        )
    assert [s.name for s in resp.result.symbols] == ["k8s_dev"]
    redis = stack.plan.by_deployment("redis")
    cli = stack.plan.rewrite_exec(
        redis, ["redis-cli", "-p", str(redis.container["ports"][0]["containerPort"]), "dbsize"]
    )
    wait_for(
        "an L2 entry in the dev Redis",
        lambda: (
            True
            if int(subprocess.run(cli, capture_output=True, text=True, timeout=10).stdout.strip() or 0) > 0
            else None
        ),
        stack,
    )


def test_metrics_answer_where_the_annotations_point(stack):
    for p in stack.plan.processes:
        ann = stack.plan.objs.get("Deployment", p.deployment)["spec"]["template"]["metadata"].get("annotations", {})
        if ann.get("prometheus.io/scrape") != "true":
            continue
        url = f"http://127.0.0.1:{p.local_port(int(ann['prometheus.io/port']))}{ann.get('prometheus.io/path', '/metrics')}"
        wait_for(f"{p.deployment} metrics at {url}", functools.partial(scrape_codeintel_metrics, url), stack)


def scrape_codeintel_metrics(url: str) -> str | None:
    """The body at `url` once it has codeintel metrics, else None."""
    with urllib.request.urlopen(url, timeout=5) as r:
        body = r.read().decode()
    return body if "codeintel_" in body else None


def test_sigterm_ends_every_process_within_its_grace(stack):
    """Last in this module: kubelet's SIGTERM, then SIGKILL after terminationGracePeriodSeconds."""
    took = stack.stop()
    late = [name for name, t in took.items() if t is None]
    assert not late, f"still running when kubelet would SIGKILL: {late}\n{stack.diagnostics()}"
    codes = {name: proc.returncode for name, proc in stack.procs.items()}
    assert all(c == 0 for c in codes.values()), f"exit codes after SIGTERM: {codes}\n{stack.diagnostics()}"
