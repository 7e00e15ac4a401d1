"""Where workers come from, and how the set changes while the coordinator runs.

Three sources per operation, whose union is the pool:

- static ``HOST:PORT`` entries (flags/env), fixed for the process's life;
- ``dns:HOST:PORT`` entries, re-resolved every ``discovery_interval`` seconds; every A/AAAA record
  is one worker (a Kubernetes headless Service lists one record per ready pod);
- a JSON workers file ``{"parse": ["HOST:PORT", ...], "analyze": [...], "scan": [...]}`` re-read when
  its mtime or size changes (its owner — the local supervisor when it autoscales — writes it
  atomically by rename).

A failed resolution or a bad file keeps the last good set: losing every worker because a DNS
server hiccupped or an editor saved half a file would turn a blip into an outage. Failures are
logged and counted.

No gRPC here: the pools get a plain ``{address: source}`` mapping per operation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

log = logging.getLogger("codeintel.coordinator.discovery")

DNS_PREFIX = "dns:"
STATIC = "static"
FILE = "file"

Resolver = Callable[[str, int], Awaitable[list]]


class WorkersFileError(ValueError):
    """The workers file cannot be used; the message says why."""


def check_address(address: str) -> tuple[str, int]:
    """(host, port) of a ``HOST:PORT`` (IPv6 as ``[::1]:PORT``), or ValueError saying what is wrong."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"worker address {address!r} is not HOST:PORT")
    if host.startswith("[") != host.endswith("]"):
        raise ValueError(f"worker address {address!r} has an unbalanced IPv6 bracket")
    return host, int(port)


def check_entry(entry: str) -> None:
    """A static ``HOST:PORT`` or a ``dns:HOST:PORT``; ValueError naming the entry otherwise."""
    if entry.startswith(DNS_PREFIX):
        host, _ = check_address(entry[len(DNS_PREFIX) :])
        if host.startswith("["):
            raise ValueError(f"{entry!r}: a dns: entry needs a host name, not an IP address")
    else:
        check_address(entry)


def split_entries(entries: Iterable[str]) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """(static addresses, (host, port) names to resolve) of one operation's configured entries."""
    static, names = [], []
    for e in entries:
        if e.startswith(DNS_PREFIX):
            names.append(check_address(e[len(DNS_PREFIX) :]))
        else:
            static.append(e)
    return tuple(static), tuple(names)


def parse_workers_file(text: str, operations: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The addresses per operation in a workers file; WorkersFileError if any part is wrong
    (all or nothing: a half-valid file is not used)."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise WorkersFileError(f"not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise WorkersFileError("must be a JSON object of operation -> list of HOST:PORT")
    unknown = sorted(set(data) - set(operations))
    if unknown:
        raise WorkersFileError(f"unknown operation(s) {', '.join(map(repr, unknown))}; known: {', '.join(operations)}")
    out: dict[str, tuple[str, ...]] = {}
    for op in operations:
        addresses = data.get(op, [])
        if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
            raise WorkersFileError(f'{op!r} must be a list of "HOST:PORT" strings')
        for a in addresses:
            try:
                check_address(a)
            except ValueError as e:
                raise WorkersFileError(f"{op!r}: {e}") from None
        out[op] = tuple(dict.fromkeys(addresses))
    return out


def _format(sockaddr) -> str:
    host, port = sockaddr[0], sockaddr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Discovery:
    """Keeps each operation's worker set current and hands every change to `apply(op, members)`,
    where members maps address -> source ("static", "file" or "dns:HOST:PORT")."""

    def __init__(
        self,
        operations: Sequence[str],
        entries: Mapping[str, Sequence[str]],
        apply: Callable[[str, dict[str, str]], None],
        *,
        workers_file: str = "",
        dns_interval: float = 5.0,
        file_interval: float = 0.5,
        resolver: Resolver | None = None,
    ):
        self.operations = tuple(operations)
        self.apply = apply
        self.workers_file = workers_file
        self.dns_interval = dns_interval
        self.file_interval = file_interval
        self._resolver = resolver
        self._static: dict[str, tuple[str, ...]] = {}
        self._names: dict[str, tuple[tuple[str, int], ...]] = {}
        for op in self.operations:
            self._static[op], self._names[op] = split_entries(entries.get(op, ()))
        # Last good answers: per (host, port) name, and of the file.
        self._resolved: dict[tuple[str, int], tuple[str, ...]] = {}
        self._file: dict[str, tuple[str, ...]] = {}
        self._file_stamp: tuple[int, int] | None = None
        self._current: dict[str, dict[str, str]] = {}
        self._tasks: list[asyncio.Task] = []
        # Counters (read by stats/metrics): failures never drop the last good set.
        self.dns_failures = 0
        self.file_errors = 0
        self.changes = 0

    @property
    def dynamic(self) -> bool:
        return bool(self.workers_file) or any(self._names.values())

    # -- the union -------------------------------------------------------------
    def members(self, op: str) -> dict[str, str]:
        out = {a: STATIC for a in self._static[op]}
        for host, port in self._names[op]:
            for a in self._resolved.get((host, port), ()):
                out.setdefault(a, f"{DNS_PREFIX}{host}:{port}")
        for a in self._file.get(op, ()):
            out.setdefault(a, FILE)
        return out

    def _publish(self) -> None:
        for op in self.operations:
            m = self.members(op)
            if m != self._current.get(op):
                if op in self._current:
                    self.changes += 1
                    added = sorted(set(m) - set(self._current[op]))
                    removed = sorted(set(self._current[op]) - set(m))
                    log.info("%s workers: +%s -%s", op, added, removed)
                self._current[op] = m
                self.apply(op, dict(m))

    # -- DNS -------------------------------------------------------------------
    async def _resolve(self, host: str, port: int) -> list:
        if self._resolver is not None:
            return await self._resolver(host, port)
        # The loop runs getaddrinfo in its executor: a slow resolver never stalls request handling.
        return await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)

    async def refresh_dns(self) -> None:
        names = {n for op in self.operations for n in self._names[op]}
        results = await asyncio.gather(*(self._resolve(h, p) for h, p in names), return_exceptions=True)
        for (host, port), res in zip(names, results, strict=True):
            if isinstance(res, BaseException):
                if isinstance(res, asyncio.CancelledError):
                    raise res
                self.dns_failures += 1
                kept = len(self._resolved.get((host, port), ()))
                log.warning("cannot resolve %s:%d (%s); keeping the last %d address(es)", host, port, res, kept)
                continue
            addresses = tuple(sorted({_format(info[4]) for info in res}))
            if not addresses:
                self.dns_failures += 1
                log.warning("%s:%d resolved to no address; keeping the last set", host, port)
                continue
            self._resolved[(host, port)] = addresses

    # -- the workers file --------------------------------------------------------
    def refresh_file(self) -> None:
        if not self.workers_file:
            return
        try:
            st = os.stat(self.workers_file)
        except FileNotFoundError:
            if self._file_stamp != (-1, -1):
                self._file_stamp = (-1, -1)
                self.file_errors += 1
                log.warning(
                    "workers file %s does not exist; keeping the last %d worker(s) from it",
                    self.workers_file,
                    sum(map(len, self._file.values())),
                )
            return
        except OSError as e:
            self.file_errors += 1
            log.warning("cannot stat workers file %s (%s); keeping the last set", self.workers_file, e)
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._file_stamp:
            return
        self._file_stamp = stamp
        try:
            with open(self.workers_file, encoding="utf-8") as fh:
                self._file = parse_workers_file(fh.read(), self.operations)
        except (OSError, UnicodeDecodeError, WorkersFileError) as e:
            self.file_errors += 1
            log.warning("workers file %s is not usable (%s); keeping the last set", self.workers_file, e)

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        """One round of every source before the first request, then the refresh loops."""
        self.refresh_file()
        await self.refresh_dns()
        self._publish()
        if any(self._names.values()):
            self._tasks.append(asyncio.create_task(self._loop(self.dns_interval, self.refresh_dns), name="dns"))
        if self.workers_file:
            self._tasks.append(asyncio.create_task(self._loop(self.file_interval, self._file_round), name="file"))

    async def _file_round(self) -> None:
        self.refresh_file()

    async def _loop(self, interval: float, refresh) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await refresh()
            except Exception:  # noqa: BLE001 - a discovery bug must not stop the refresh loop
                log.exception("worker discovery round failed; keeping the last set")
            self._publish()

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
