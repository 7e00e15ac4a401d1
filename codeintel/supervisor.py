"""`codeintel up`: the coordinator and N worker processes per service, supervised.

Workers start first (port 0, each reports the port it bound), then the coordinator is
pointed at them. A worker that dies is restarted on the same port with capped
exponential backoff, so the coordinator's configured address stays valid. SIGTERM/SIGINT
drain the coordinator first (it still needs workers to finish in-flight calls), then
the workers.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from codeintel import logs, procs

log = logging.getLogger("codeintel.supervisor")

SERVICES = ("parse", "analyze", "scan")


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    address: str = ""
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = 0.0


@dataclass(frozen=True)
class StackConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    workers: dict[str, int] = field(default_factory=lambda: {s: 1 for s in SERVICES})
    coordinator_args: tuple[str, ...] = ()
    worker_args: tuple[str, ...] = ()
    ready_timeout: float = 60.0
    grace: float = 30.0


class Supervisor:
    def __init__(self, config: StackConfig):
        self.config = config
        self.workers: list[Child] = []
        self.coordinator: Child | None = None
        self._stop = threading.Event()

    def _start(self, child: Child) -> None:
        child.proc = procs.spawn(child.argv)
        child.started_at = time.monotonic()

    def start(self) -> str:
        py = sys.executable
        for svc in SERVICES:
            for i in range(self.config.workers.get(svc, 0)):
                self.workers.append(Child(f"{svc}-{i}", [py, "-m", f"services.{svc}", "--host", self.config.host,
                                                         "--port", "0", *self.config.worker_args]))
        for w in self.workers:
            self._start(w)
        try:
            for w in self.workers:
                ready = procs.wait_ready(w.proc, self.config.ready_timeout)
                w.address = ready["address"]
                # Restarts must come back on the same port: the coordinator knows this address.
                w.argv[w.argv.index("--port") + 1] = w.address.rsplit(":", 1)[1]
            args = [py, "-m", "coordinator", "--host", self.config.host, "--port", str(self.config.port)]
            for svc in SERVICES:
                addrs = [w.address for w in self.workers if w.name.startswith(svc + "-")]
                if addrs:
                    args += [f"--{svc}-workers", ",".join(addrs)]
            self.coordinator = Child("coordinator", args + list(self.config.coordinator_args))
            self._start(self.coordinator)
            ready = procs.wait_ready(self.coordinator.proc, self.config.ready_timeout)
        except BaseException:
            self.stop()
            raise
        self.coordinator.address = ready["address"]
        # Restarts of the coordinator keep its port too.
        self.coordinator.argv[self.coordinator.argv.index("--port") + 1] = self.coordinator.address.rsplit(":", 1)[1]
        return self.coordinator.address

    def run(self) -> None:
        """Restart children that die, until stop() or a signal."""
        while not self._stop.wait(0.2):
            for child in self.workers + [self.coordinator]:
                if child.proc is None or child.proc.poll() is None:
                    continue
                now = time.monotonic()
                if child.next_start == 0.0:
                    if now - child.started_at > 30:
                        child.restarts = 0  # it ran fine for a while: forget old crashes
                    delay = min(0.25 * 2 ** child.restarts, 10.0)
                    child.next_start = now + delay
                    log.warning("%s (pid %d) exited with %s; restarting in %.2fs",
                                child.name, child.proc.pid, child.proc.returncode, delay)
                if now >= child.next_start:
                    child.restarts += 1
                    child.next_start = 0.0
                    self._start(child)
                    threading.Thread(target=self._drain_ready, args=(child,), daemon=True).start()

    def _drain_ready(self, child: Child) -> None:
        try:
            procs.wait_ready(child.proc, self.config.ready_timeout)
            log.info("%s restarted at %s (pid %d)", child.name, child.address, child.proc.pid)
        except (RuntimeError, TimeoutError) as e:
            log.warning("%s restart failed: %s", child.name, e)

    def stop(self) -> None:
        self._stop.set()
        if self.coordinator and self.coordinator.proc:
            procs.terminate([self.coordinator.proc], self.config.grace)
        procs.terminate([w.proc for w in self.workers if w.proc], self.config.grace)

    def status(self) -> dict:
        return {
            "coordinator": self.coordinator.address if self.coordinator else "",
            "workers": {w.name: w.address for w in self.workers},
            "pids": {w.name: w.proc.pid for w in self.workers if w.proc},
            "coordinator_pid": self.coordinator.proc.pid if self.coordinator and self.coordinator.proc else 0,
            "pid": os.getpid(),
        }


def run_forever(config: StackConfig) -> None:
    logs.setup()
    sup = Supervisor(config)

    def on_signal(signum, _frame):
        sup._stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    address = sup.start()
    log.info("local stack ready: coordinator at %s", address)
    logs.announce_ready(service="stack", address=address, **{k: v for k, v in sup.status().items() if k != "coordinator"})
    try:
        sup.run()
    finally:
        log.info("stopping the local stack")
        sup.stop()
