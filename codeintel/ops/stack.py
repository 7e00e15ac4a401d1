"""LocalStack: `codeintel up` as a subprocess, for `codeintel mcp`, the CLI and tests."""

from __future__ import annotations

import subprocess
import sys

from codeintel.kernel import procs
from codeintel.ops.supervisor import OWNED_FLAGS, shutdown_seconds

STOP_MARGIN = 5.0  # seconds past the supervisor's own bounded shutdown before it is SIGKILLed


class LocalStack:
    """Coordinator + N workers per service on loopback, stopped (drained) on exit.

    `grace` is every process's drain time; stop() waits for the supervisor's whole shutdown
    (which it bounds by killing children that outlive their grace) and only then SIGKILLs it:
    killing the supervisor first would orphan a worker stuck in a long call."""

    def __init__(
        self,
        workers: int = 1,
        port: int = 0,
        extra_args: list[str] | None = None,
        stderr=None,
        grace: float = 30.0,
        drain_delay: float = 0.5,
    ):
        self.workers = workers
        self.port = port
        self.extra_args = list(extra_args or [])
        for a in self.extra_args:
            if a.split("=", 1)[0] in OWNED_FLAGS:
                raise ValueError(
                    f"pass {a.split('=', 1)[0]} as LocalStack(grace=..., drain_delay=...), "
                    "not in extra_args: stop() computes its deadline from them"
                )
        self.stderr = stderr
        self.grace = grace
        self.drain_delay = drain_delay
        self.address = ""
        self.info: dict = {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> str:
        argv = [
            sys.executable,
            "-m",
            "codeintel",
            "up",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--grace",
            str(self.grace),
            "--drain-delay",
            str(self.drain_delay),
            *self.extra_args,
        ]
        self.proc = procs.spawn(argv, stderr=self.stderr)
        try:
            self.info = procs.wait_ready(self.proc, timeout)
        except BaseException:
            self.stop()
            raise
        self.address = self.info["address"]
        return self.address

    @property
    def stop_seconds(self) -> float:
        """Longest stop() waits before it SIGKILLs the supervisor."""
        return shutdown_seconds(self.grace, self.drain_delay) + STOP_MARGIN

    def stop(self, timeout: float | None = None) -> None:
        if self.proc is not None:
            procs.terminate([self.proc], self.stop_seconds if timeout is None else timeout)
            self.proc = None

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
