"""Micro-batching: concurrent one-file misses of an operation go to a worker as one batch call.

A miss joins the open group of its key (the operation's options as cached, the priority and the
caller) or opens one. A group waits in the pool's dispatcher once, like one item; misses that
join it meanwhile ride along, counted against the queue caps as the items they would have been
(Dispatcher.board). When the group is granted a worker slot it closes: a miss alone goes as the
unary call it was; several go as one batch call, and each per-file result or error goes back to
its own caller. So the worker hop's fixed cost is paid once per group — and only when calls are
already waiting for a slot, or arrive in the same turn of the event loop: an idle coordinator
sends a call at once, with no added wait.

What stays per caller:
- its deadline: each caller waits until its own deadline and no longer; a miss whose caller has
  left (deadline, cancellation) is not sent, nor sent again on a retry, and a worker call whose
  callers have all left is cancelled;
- its priority and its tenant, both in the key: a group queues where each of its calls would have
  queued, behind higher priorities and in the fair order between tenants;
- retries: a group retried after UNAVAILABLE carries the misses still waiting.

grpc-free: the sending is the coordinator's (`send`), this module only groups and waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

from codeintel.kernel.errors import DeadlineExceeded
from coordinator.dispatch import Dispatcher


class Member:
    """One caller's miss inside a group; `fut` gets its outcome (or its error)."""

    __slots__ = ("file", "deadline", "fut", "joined")

    def __init__(self, file, deadline: float, fut: asyncio.Future):
        self.file, self.deadline, self.fut = file, deadline, fut
        self.joined = time.monotonic()

    @property
    def waiting(self) -> bool:
        return not self.fut.done()

    def settle(self, outcome: Any) -> None:
        if not self.fut.done():
            self.fut.set_result(outcome)

    def fail(self, exc: BaseException) -> None:
        if not self.fut.done():
            self.fut.set_exception(exc)
            self.fut.exception()  # retrieved: a caller that has left must not log it as lost


class Group:
    __slots__ = ("key", "members", "bytes", "open", "riders", "priority", "tenant", "task")

    def __init__(self, key: Hashable, priority: int, tenant: str):
        self.key, self.priority, self.tenant = key, priority, tenant
        self.members: list[Member] = []
        self.bytes = 0
        self.open = True
        self.riders = 0  # members counted in the dispatcher by `board`, until the group closes
        self.task: asyncio.Task | None = None

    @property
    def deadline(self) -> float:
        return max(m.deadline for m in self.members)


Send = Callable[[Group], Coroutine[Any, Any, None]]


class Coalescer:
    """The open groups of one operation (one pool, one dispatcher)."""

    def __init__(self, name: str, dispatcher: Dispatcher, max_files: int, max_bytes: int, wait: float = 0.0):
        self.name = name
        self.wait = wait
        self.dispatcher = dispatcher
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._open: dict[Hashable, Group] = {}
        self._tasks: set[asyncio.Task] = set()

    async def submit(
        self, key: Hashable, file, deadline: float, priority: int, tenant: str, queue_cap: int, send: Send
    ) -> Any:
        """This miss's outcome, as `send` settles it, waited for until `deadline` (DeadlineExceeded
        after). `send(group)` runs once per group, as a task of its own, and must settle every
        member (it calls `close` once it holds a worker slot)."""
        size = len(file.content)
        group = self._open.get(key)
        if group is not None and (len(group.members) >= self.max_files or group.bytes + size > self.max_bytes):
            group = None  # full: it goes as it is, a new group starts behind it
        member = Member(file, deadline, asyncio.get_running_loop().create_future())
        if group is None:
            group = Group(key, priority, tenant)
            self._open[key] = group
            group.members.append(member)
            group.bytes = size
            group.task = task = asyncio.get_running_loop().create_task(self._run(group, send))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self.dispatcher.board(priority, tenant, queue_cap)  # Overloaded: refused like a queued call
            group.riders += 1
            group.members.append(member)
            group.bytes += size
        start = time.monotonic()
        try:
            return await asyncio.wait_for(asyncio.shield(member.fut), deadline - start)
        except TimeoutError:
            raise DeadlineExceeded(
                f"the deadline expired after {time.monotonic() - start:.2f}s waiting for a {self.name} worker"
            ) from None
        finally:
            if member.waiting:  # left early: not sent (or its result dropped)
                member.fut.cancel()
                # A group nobody waits for any more stops: unsent, it leaves the queue; sent, its worker
                # call is cancelled and the slot freed, as a lone caller's cancellation always did.
                if not any(m.waiting for m in group.members) and group.task is not None:
                    group.task.cancel()

    def close(self, group: Group) -> list[Member]:
        """No more joining (the group holds a worker slot, or has given up): its members still waiting."""
        if group.open:
            group.open = False
            if self._open.get(group.key) is group:
                del self._open[group.key]
            for _ in range(group.riders):
                self.dispatcher.alight(group.priority, group.tenant)
            group.riders = 0
        return [m for m in group.members if m.waiting]

    async def _run(self, group: Group, send: Send) -> None:
        try:
            if self.wait > 0 and self.dispatcher.in_flight:
                await asyncio.sleep(self.wait)  # busy: let concurrent misses join before queueing
            await send(group)
        except asyncio.CancelledError:
            pass  # every caller left (or the coordinator stops): nothing to answer
        except Exception as exc:  # noqa: BLE001 - `send` failed as a whole: every caller gets it
            for m in group.members:
                m.fail(exc)
        finally:
            for m in self.close(group):  # `send` must have answered; never leave a caller hanging
                m.fail(RuntimeError(f"a {self.name} group ended without answering this call"))

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
