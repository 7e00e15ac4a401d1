"""LocalStack: `codeintel up` as a subprocess, for `codeintel mcp`, the CLI and tests."""

from __future__ import annotations

import subprocess
import sys

from codeintel import procs


class LocalStack:
    """Coordinator + N workers per service on loopback, stopped (drained) on exit."""

    def __init__(self, workers: int = 1, port: int = 0, extra_args: list[str] | None = None, stderr=None):
        self.workers = workers
        self.port = port
        self.extra_args = list(extra_args or [])
        self.stderr = stderr
        self.address = ""
        self.info: dict = {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> str:
        argv = [sys.executable, "-m", "codeintel", "up", "--port", str(self.port), "--workers", str(self.workers),
                *self.extra_args]
        self.proc = procs.spawn(argv, stderr=self.stderr)
        try:
            self.info = procs.wait_ready(self.proc, timeout)
        except BaseException:
            self.stop()
            raise
        self.address = self.info["address"]
        return self.address

    def stop(self, timeout: float = 30) -> None:
        if self.proc is not None:
            procs.terminate([self.proc], timeout)
            self.proc = None

    def __enter__(self) -> "LocalStack":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
