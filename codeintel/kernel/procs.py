"""Starting child processes that announce readiness with one JSON line on stdout."""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

_PR_SET_PDEATHSIG = 1
_ENV = "CODEINTEL_PARENT_PID"


def die_with_parent() -> None:
    """Called first thing by every codeintel process: when spawned by another codeintel
    process, ask the kernel for SIGTERM if that parent dies, so a SIGKILLed supervisor
    leaves no orphans. Set in the child itself rather than in a preexec_fn, because
    forking a process that runs gRPC threads and then running Python code in the child
    can abort it; without preexec_fn, subprocess uses vfork/exec and runs no fork hooks."""
    parent = os.environ.pop(_ENV, "")
    if not parent or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        return
    if os.getppid() != int(parent):  # the parent died before we asked
        os.kill(os.getpid(), signal.SIGTERM)


def spawn(argv: list[str], env: Mapping[str, str] | None = None, stderr: Any = None) -> subprocess.Popen[bytes]:
    """Start a child that gets SIGTERM if we die, with stdout piped for its ready line."""
    env = dict(os.environ if env is None else env)
    env[_ENV] = str(os.getpid())
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, env=env)


def wait_ready(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """Read lines from the child's stdout until its {"event": "ready"} line."""
    end = time.monotonic() + timeout
    if proc.stdout is None:
        raise ValueError("the child's stdout is not a pipe: start it with procs.spawn")
    fd = proc.stdout.fileno()
    argv = [str(a) for a in (proc.args if isinstance(proc.args, list | tuple) else [proc.args])]
    buf = b""
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{argv[2:4]} not ready after {timeout:.0f}s")
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not r:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(argv[1:4])} exited with code {proc.returncode} before it was ready")
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            proc.wait(timeout=5)
            raise RuntimeError(f"{' '.join(argv[1:4])} exited with code {proc.returncode} before it was ready")
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict) and msg.get("event") == "ready":
                return msg


def terminate(procs: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM, wait up to `timeout` for all, then SIGKILL what is left."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    end = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
