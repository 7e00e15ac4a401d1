"""`codeintel up`: the coordinator and a pool of worker processes per service, supervised and
autoscaled.

Workers start first (port 0, each reports the port it bound); the supervisor writes their
addresses to a workers file (JSON, replaced atomically) that the coordinator re-reads when it
changes. A worker that dies is restarted on the same port with capped exponential backoff, so
its address in the file stays valid.

Autoscaling (a pool whose max is above its min): every `Policy.interval` seconds the supervisor
samples the coordinator's AdminService (queue depth, queue wait, calls in flight, workers) and
asks `codeintel.autoscale` whether a pool should change. Growing: start a worker, add it to the
file once it is ready. Shrinking, so that no request is lost: remove the worker from the file
(the coordinator stops sending it work) -> wait until the coordinator lists it with no call in
flight, or not at all -> SIGTERM (the worker drains what is left) -> reap.

Shutdown deadlines nest: every child gets `--grace`/`--drain-delay` from here, and is SIGKILLed
when it outlives them by `KILL_MARGIN` (a worker stuck in a long call cannot finish its drain);
the coordinator goes first (it still needs the workers for its calls in flight), then the
workers, so the whole stop is bounded by `shutdown_seconds()`, which is what `LocalStack` waits
before it would SIGKILL the supervisor itself. A supervisor killed earlier than that would leave
such a stuck worker behind.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from codeintel.client import ClientError, SyncCoordinatorClient
from codeintel.kernel import procs, settings
from codeintel.observability import logs
from codeintel.ops import autoscale
from codeintel.rpc.interceptors import LINGER
from codeintel.v1 import coordinator_pb2

log = logging.getLogger("codeintel.supervisor")

SERVICES = ("parse", "analyze", "scan")
SERVICE_NAMES = {s: f"codeintel.v1.{s.capitalize()}Service" for s in SERVICES}
KILL_MARGIN = 2.0  # seconds past a child's own drain deadline before it is SIGKILLed
# Flags the supervisor sets on its children itself: its deadlines are computed from them.
OWNED_FLAGS = ("--grace", "--drain-delay", "--workers-file")

STARTING, SERVING, DRAINING, STOPPING = "starting", "serving", "draining", "stopping"


def child_deadline(grace: float, drain_delay: float) -> float:
    """Seconds a child may take to exit after SIGTERM: its drain (drain_delay, then up to grace for
    calls in flight, then LINGER for transports) plus a margin; past that it is SIGKILLed."""
    return drain_delay + grace + LINGER + KILL_MARGIN


def shutdown_seconds(grace: float, drain_delay: float) -> float:
    """Longest Supervisor.stop() can take: the coordinator's deadline, then the workers'."""
    return 2 * child_deadline(grace, drain_delay) + 1.0


@dataclass
class Child:
    name: str
    argv: list[str]
    service: str = ""  # "" for the coordinator
    proc: subprocess.Popen[bytes] | None = None
    address: str = ""
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = 0.0
    state: str = STARTING
    since: float = 0.0  # when the current state began
    ready: threading.Event = field(default_factory=threading.Event)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The child's process (every child is started as soon as it is created)."""
        if self.proc is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.proc


@dataclass(frozen=True)
class StackConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    workers: dict[str, int] = field(default_factory=lambda: {s: 1 for s in SERVICES})  # start counts
    bounds: dict[str, autoscale.Bounds] = field(default_factory=dict)  # missing: fixed at the start count
    policy: autoscale.Policy = field(default_factory=autoscale.Policy)
    coordinator_args: tuple[str, ...] = ()
    worker_args: tuple[str, ...] = ()
    ready_timeout: float = 60.0
    grace: float = 30.0
    drain_delay: float = 0.5
    workers_file: str = ""  # default: a file in a private temporary directory

    def bounds_of(self, service: str) -> autoscale.Bounds:
        n = self.workers.get(service, 0)
        return self.bounds.get(service) or autoscale.Bounds(n, n)


class Supervisor:
    def __init__(self, config: StackConfig):
        self.config = config
        self.workers: list[Child] = []
        self.coordinator: Child | None = None
        self._stop = threading.Event()
        self._seq = dict.fromkeys(SERVICES, 0)
        self._tmpdir = ""
        self.workers_file = config.workers_file
        self._file_content = ""
        self.scalers = {
            s: autoscale.Scaler(config.policy, config.bounds_of(s), config.workers.get(s, 0))
            for s in SERVICES
            if not config.bounds_of(s).fixed
        }
        self._holds: dict[str, str] = {}
        self._next_sample = 0.0
        self._admin: SyncCoordinatorClient | None = None

    # -- children --------------------------------------------------------------
    def _deadline(self) -> float:
        return child_deadline(self.config.grace, self.config.drain_delay)

    def _timing_args(self) -> list[str]:
        return ["--grace", str(self.config.grace), "--drain-delay", str(self.config.drain_delay)]

    def _start(self, child: Child) -> None:
        child.ready.clear()
        child.proc = procs.spawn(child.argv)
        child.started_at = time.monotonic()

    def _new_worker(self, service: str) -> Child:
        n = self._seq[service]
        self._seq[service] += 1
        # Our timing flags last: they win over --worker-arg and CODEINTEL_GRACE alike.
        argv = [
            sys.executable,
            "-m",
            f"services.{service}",
            "--host",
            self.config.host,
            "--port",
            "0",
            *self.config.worker_args,
            *self._timing_args(),
        ]
        child = Child(f"{service}-{n}", argv, service=service)
        self.workers.append(child)
        self._start(child)
        return child

    def _await_ready(self, child: Child) -> None:
        """Read the child's ready line (a thread per start, so the supervision loop never blocks)."""
        proc = child.process
        try:
            ready = procs.wait_ready(proc, self.config.ready_timeout)
        except (RuntimeError, TimeoutError) as e:
            if not self._stop.is_set():
                log.warning("%s did not start: %s", child.name, e)
                if proc.poll() is None:
                    proc.kill()  # the loop sees it exit and restarts it with backoff
            return
        self._bind(child, ready["address"])
        child.ready.set()
        if child.restarts:
            log.info("%s restarted at %s (pid %d)", child.name, child.address, proc.pid)

    def _bind(self, child: Child, address: str) -> None:
        child.address = address
        # Restarts come back on the same port: the coordinator knows this address.
        child.argv[child.argv.index("--port") + 1] = address.rsplit(":", 1)[1]

    def start(self) -> str:
        cfg = self.config
        if not self.workers_file:
            self._tmpdir = tempfile.mkdtemp(prefix="codeintel-up-")
            self.workers_file = os.path.join(self._tmpdir, "workers.json")
        for svc in SERVICES:
            for _ in range(cfg.workers.get(svc, 0)):
                self._new_worker(svc)
        try:
            for w in self.workers:
                self._bind(w, procs.wait_ready(w.process, cfg.ready_timeout)["address"])
                w.ready.set()
                w.state, w.since = SERVING, time.monotonic()
            self._write_file()
            args = [
                sys.executable,
                "-m",
                "coordinator",
                "--host",
                cfg.host,
                "--port",
                str(cfg.port),
                *cfg.coordinator_args,
                "--workers-file",
                self.workers_file,
                *self._timing_args(),
            ]
            self.coordinator = Child("coordinator", args, state=SERVING)
            self._start(self.coordinator)
            ready = procs.wait_ready(self.coordinator.process, cfg.ready_timeout)
        except BaseException:
            self.stop()
            raise
        self._bind(self.coordinator, ready["address"])
        self.coordinator.ready.set()
        for svc in SERVICES:
            b = cfg.bounds_of(svc)
            if not b.fixed:
                log.info(
                    "%s pool: %d worker(s), autoscaling between %d and %d", svc, cfg.workers.get(svc, 0), b.min, b.max
                )
        if self.scalers:
            self._admin = SyncCoordinatorClient(self.coordinator.address, timeout_s=1.0)
        return self.coordinator.address

    # -- the workers file --------------------------------------------------------
    def _write_file(self) -> None:
        content = json.dumps(
            {s: sorted(w.address for w in self.workers if w.service == s and w.state == SERVING) for s in SERVICES}
        )
        if content == self._file_content:
            return
        # Atomic for the reader: it sees the old file or the new one, never a half-written one.
        tmp = f"{self.workers_file}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.replace(tmp, self.workers_file)
        self._file_content = content

    # -- the loop ----------------------------------------------------------------
    def run(self) -> None:
        """Restart children that die, resize pools, drain removed workers; until stop() or a signal."""
        while not self._stop.wait(0.2):
            now = time.monotonic()
            self._reap(now)
            for w in self.workers:
                if w.state == STARTING and w.ready.is_set():
                    w.state, w.since = SERVING, now
                    log.info("%s serving at %s; %s", w.name, w.address, self._pool_line(w.service))
            if self.scalers and now >= self._next_sample:
                self._next_sample = now + self.config.policy.interval
                self._autoscale(now)
            self._progress_drains(now)
            self._write_file()

    def _reap(self, now: float) -> None:
        for child in self.workers + [self.coordinator]:
            if child is None or child.proc is None or child.process.poll() is None:
                continue
            if child.state in (DRAINING, STOPPING):
                self.workers.remove(child)
                log.info(
                    "%s (pid %d) exited with %s after its drain; %s",
                    child.name,
                    child.process.pid,
                    child.proc.returncode,
                    self._pool_line(child.service),
                )
                continue
            if child.next_start == 0.0:
                if now - child.started_at > 30:
                    child.restarts = 0  # it ran fine for a while: forget old crashes
                delay = min(0.25 * 2**child.restarts, 10.0)
                child.next_start = now + delay
                log.warning(
                    "%s (pid %d) exited with %s; restarting in %.2fs",
                    child.name,
                    child.process.pid,
                    child.proc.returncode,
                    delay,
                )
            if now >= child.next_start:
                child.restarts += 1
                child.next_start = 0.0
                self._start(child)
                threading.Thread(target=self._await_ready, args=(child,), daemon=True).start()

    def _pool_line(self, service: str) -> str:
        live = [w for w in self.workers if w.service == service and w.state in (STARTING, SERVING)]
        b = self.config.bounds_of(service)
        return f"{service} pool {len(live)} (min {b.min}, max {b.max})"

    def pools(self) -> dict[str, dict[str, int]]:
        """Current/min/max workers per service (current: starting or serving, not leaving)."""
        out = {}
        for s in SERVICES:
            b = self.config.bounds_of(s)
            live = sum(1 for w in self.workers if w.service == s and w.state in (STARTING, SERVING))
            out[s] = {"current": live, "min": b.min, "max": b.max}
        return out

    # -- autoscaling ---------------------------------------------------------------
    def _autoscale(self, now: float) -> None:
        if self._admin is None:  # no coordinator yet
            return
        try:
            stats = self._admin.get_stats()
            listed = self._admin.list_workers().workers
        except ClientError as e:
            log.debug("no autoscaling sample: coordinator stats unavailable (%s)", e.code)
            return
        ops = {o.operation: o for o in stats.operations}
        for svc, scaler in self.scalers.items():
            op = ops.get(svc)
            if op is None:
                continue
            ours = {w.address for w in self.workers if w.service == svc and w.state == SERVING}
            serving = sum(
                1
                for w in listed
                if w.address in ours and not w.draining and w.state == coordinator_pb2.WORKER_STATE_SERVING
            )
            sample = autoscale.Sample(
                t=now,
                serving=serving,
                queue_depth=op.queue_depth,
                in_flight=op.in_flight,
                wait_p50_ms=op.queue_wait_p50_ms,
                wait_p95_ms=op.queue_wait_p95_ms,
            )
            decision = scaler.observe(sample)
            if decision is None:
                if scaler.hold and scaler.hold != self._holds.get(svc):
                    # Capped at max is worth an operator's attention; idle at min is the resting state.
                    level = logging.DEBUG if scaler.current <= scaler.bounds.min else logging.INFO
                    log.log(level, "%s pool stays at %d: %s", svc, scaler.current, scaler.hold)
                self._holds[svc] = scaler.hold
                continue
            self._holds[svc] = ""
            b = scaler.bounds
            log.info(
                "scaling %s %d -> %d (min %d, max %d): %s",
                svc,
                decision.current,
                decision.target,
                b.min,
                b.max,
                decision.reason,
            )
            if decision.delta > 0:
                for _ in range(decision.delta):
                    child = self._new_worker(svc)
                    threading.Thread(target=self._await_ready, args=(child,), daemon=True).start()
            else:
                in_flight = {w.address: w.in_flight for w in listed}
                for _ in range(-decision.delta):
                    self._retire(svc, in_flight, now)

    def _retire(self, service: str, in_flight: dict[str, int], now: float) -> None:
        """Take one worker out of `service`'s pool: one still starting if any (never in the file),
        else the serving one with the fewest calls in flight, newest first among equals."""
        pool = [w for w in self.workers if w.service == service]
        starting = [w for w in pool if w.state == STARTING]
        if starting:
            w = starting[-1]
            w.state, w.since = STOPPING, now
            log.info("%s: stopping it before it served", w.name)
            if w.process.poll() is None:
                w.process.send_signal(signal.SIGTERM)
            return
        serving = [w for w in pool if w.state == SERVING]
        if not serving:
            return
        w = min(reversed(serving), key=lambda c: in_flight.get(c.address, 0))
        w.state, w.since = DRAINING, now
        log.info("%s (%s) leaves the workers file; waiting for the coordinator to drain it", w.name, w.address)

    def _progress_drains(self, now: float) -> None:
        draining = [w for w in self.workers if w.state == DRAINING]
        listed = None
        if draining and self._admin is not None:
            try:
                listed = {w.address: w for w in self._admin.list_workers().workers}
            except ClientError:
                listed = None
        for w in draining:
            if listed is not None:
                seen = listed.get(w.address)
                if seen is not None and not (seen.draining and seen.in_flight == 0):
                    if now - w.since < self._deadline():
                        continue
                    log.warning(
                        "%s: the coordinator still lists it after %.0fs; stopping it anyway "
                        "(the worker drains its own calls)",
                        w.name,
                        now - w.since,
                    )
            elif now - w.since < self._deadline():
                continue  # coordinator not answering: give it time, then rely on the worker's own drain
            w.state, w.since = STOPPING, now
            log.info("%s: drained by the coordinator; SIGTERM (pid %d)", w.name, w.process.pid)
            if w.process.poll() is None:
                w.process.send_signal(signal.SIGTERM)
        for w in self.workers:
            if w.state == STOPPING and now - w.since > self._deadline() and w.process.poll() is None:
                log.warning("%s (pid %d) outlived its %.1fs grace; SIGKILL", w.name, w.process.pid, self.config.grace)
                w.process.kill()

    # -- shutdown ------------------------------------------------------------------
    def stop(self) -> None:
        """Coordinator first, then every worker; each is SIGKILLed past its deadline, so this ends
        within shutdown_seconds()."""
        self._stop.set()
        deadline = self._deadline()
        if self.coordinator and self.coordinator.proc:
            procs.terminate([self.coordinator.proc], deadline)
        procs.terminate([w.proc for w in self.workers if w.proc], deadline)
        if self._admin is not None:
            self._admin.close()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def status(self) -> dict:
        return {
            "coordinator": self.coordinator.address if self.coordinator else "",
            "workers": {w.name: w.address for w in self.workers},
            "pids": {w.name: w.process.pid for w in self.workers if w.proc},
            "coordinator_pid": self.coordinator.process.pid if self.coordinator and self.coordinator.proc else 0,
            "pid": os.getpid(),
            "workers_file": self.workers_file,
            "pools": self.pools(),
        }


# -- configuration from `codeintel up` flags ------------------------------------------
def _pool_settings() -> list[settings.Setting]:
    out = [
        settings.Setting(
            "--min-workers", None, int, "smallest pool per service when autoscaling (default: the start count)"
        ),
        settings.Setting(
            "--max-workers",
            None,
            int,
            "largest pool per service; above --min-workers turns autoscaling on (default: the start count)",
        ),
    ]
    for s in SERVICES:
        out.append(settings.Setting(f"--{s}-workers", None, int, f"override --workers for {s}"))
        out.append(settings.Setting(f"--{s}-min-workers", None, int, f"override --min-workers for {s}"))
        out.append(settings.Setting(f"--{s}-max-workers", None, int, f"override --max-workers for {s}"))
    return out


# The flags of `codeintel up`. Their variables are CODEINTEL_UP_<FLAG> (CODEINTEL_PORT, say, is the
# coordinator's own, and the children inherit this environment), except the drain timings, which
# mean the same for every process (CODEINTEL_GRACE, CODEINTEL_DRAIN_DELAY), and the --scale-*
# thresholds (CODEINTEL_SCALE_*, codeintel.ops.autoscale).
UP_ENV_PREFIX = "CODEINTEL_UP_"
UP_SETTINGS = (
    settings.Setting("--host", StackConfig.host, help="bind address of the coordinator and the workers"),
    settings.Setting("--port", StackConfig.port, int, "coordinator port (0: any free port)", settings.port),
    settings.Setting(
        "--workers", None, int, "worker processes per service at start (default: the CPU count, within the bounds)"
    ),
    *_pool_settings(),
    settings.Setting(
        "--coordinator-arg",
        (),
        repeat=True,
        metavar="ARG",
        help="extra flag passed to the coordinator, e.g. --coordinator-arg=--max-queue=500",
    ),
    settings.Setting("--worker-arg", (), repeat=True, metavar="ARG", help="extra flag for every worker"),
    settings.Setting(
        "--grace",
        StackConfig.grace,
        float,
        "drain time every process gets on shutdown or scale-down; one stuck longer is killed",
        settings.positive,
        metavar="SECONDS",
        env=("CODEINTEL_GRACE",),
    ),
    settings.Setting(
        "--drain-delay",
        StackConfig.drain_delay,
        float,
        "seconds a draining process keeps accepting work while balancers notice",
        settings.non_negative,
        metavar="SECONDS",
        env=("CODEINTEL_DRAIN_DELAY",),
    ),
)


def config_from_args(args: argparse.Namespace) -> StackConfig:
    """StackConfig from `codeintel up` flags; ValueError with a message naming the bad flag."""
    for a in list(args.worker_arg) + list(args.coordinator_arg):
        if a.split("=", 1)[0] in OWNED_FLAGS:
            raise ValueError(
                f"{a.split('=', 1)[0]} is set by `codeintel up` itself; use `codeintel up "
                f"{a.split('=', 1)[0]}` (the supervisor's kill deadlines are computed from it)"
            )
    counts, bounds = {}, {}
    for s in SERVICES:
        start = getattr(args, f"{s}_workers")
        start = args.workers if start is None else start
        lo = getattr(args, f"{s}_min_workers")
        lo = args.min_workers if lo is None else lo
        hi = getattr(args, f"{s}_max_workers")
        hi = args.max_workers if hi is None else hi
        if start is not None and start < 0:
            raise ValueError(f"the {s} worker count must be >= 0, got {start}")
        if start == 0:
            counts[s], bounds[s] = 0, autoscale.Bounds(0, 0)  # service off: not autoscaled
            continue
        if lo is not None and lo < 1:
            raise ValueError(
                f"--{s}-min-workers/--min-workers must be >= 1, got {lo} (use --{s}-workers 0 to run no {s} workers)"
            )
        if hi is not None and hi < 1:
            raise ValueError(
                f"--{s}-max-workers/--max-workers must be >= 1, got {hi} (use --{s}-workers 0 to run no {s} workers)"
            )
        if lo is not None and hi is not None and hi < lo:
            raise ValueError(f"{s}: --max-workers {hi} is below --min-workers {lo}")
        if start is not None and hi is not None and start > hi:
            raise ValueError(f"{s}: the start count {start} (--workers/--{s}-workers) is above --max-workers {hi}")
        if start is not None and lo is not None and start < lo:
            raise ValueError(f"{s}: the start count {start} (--workers/--{s}-workers) is below --min-workers {lo}")
        if start is None:  # not given: the CPU count, inside the bounds
            start = os.cpu_count() or 1
            start = max(start, lo or 1)
            start = min(start, hi) if hi is not None else start
        lo = lo if lo is not None else min(start, hi if hi is not None else start)
        hi = hi if hi is not None else max(start, lo)
        counts[s], bounds[s] = start, autoscale.Bounds(lo, hi)
    if not any(counts.values()):
        raise ValueError("worker counts must be >= 0 and at least one > 0")
    return StackConfig(
        host=args.host,
        port=args.port,
        workers=counts,
        bounds=bounds,
        policy=autoscale.policy_from_args(args),
        coordinator_args=tuple(args.coordinator_arg),
        worker_args=tuple(args.worker_arg),
        grace=args.grace,
        drain_delay=args.drain_delay,
    )


def run_forever(config: StackConfig) -> None:
    logs.setup()
    sup = Supervisor(config)

    def on_signal(signum, _frame):
        sup._stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    address = sup.start()
    log.info(
        "local stack ready: coordinator at %s; %s",
        address,
        ", ".join(f"{s} {p['current']} (min {p['min']}, max {p['max']})" for s, p in sup.pools().items()),
    )
    logs.announce_ready(
        service="stack", address=address, **{k: v for k, v in sup.status().items() if k != "coordinator"}
    )
    try:
        sup.run()
    finally:
        log.info("stopping the local stack")
        sup.stop()
