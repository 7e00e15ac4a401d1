"""When to grow or shrink a worker pool: the local supervisor's decision logic, with no I/O.

One `Scaler` per service is fed a `Sample` of the coordinator's figures every `interval` seconds
and answers with a `Decision` when the pool should change size:

- **up** by `up_step` when the queue holds more than `up_queue_per_worker` items per serving worker,
  or the queue wait p50/p95 is above its threshold, for `up_samples` samples in a row;
- **down** by one when the pool is idle — empty queue, at most `down_in_flight_per_worker` calls
  in flight per worker, waits below the up thresholds — for `down_samples` samples in a row.

Hysteresis: the idle condition is far below the pressure condition (an empty queue against a
queue of several items per worker), a streak restarts after every change, a pool that is still
starting workers is not resized again, and each change is followed by a cooldown (`up_cooldown`
before growing again, `down_cooldown` before shrinking after any change). The size never leaves
[min, max].
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from codeintel.kernel import settings


@dataclass(frozen=True)
class Policy:
    interval: float = 1.0  # seconds between samples of the coordinator's stats
    up_queue_per_worker: float = 2.0  # queued items per serving worker that count as pressure
    up_wait_p50_ms: float = 50.0  # queue wait p50 that counts as pressure
    up_wait_p95_ms: float = 250.0  # queue wait p95 that counts as pressure
    up_samples: int = 3  # pressured samples in a row before growing
    up_step: int = 1  # workers added per decision
    up_cooldown: float = 5.0  # seconds after a change before growing again
    down_in_flight_per_worker: float = 0.5  # calls in flight per worker at or below which a pool is idle
    down_samples: int = 30  # idle samples in a row before shrinking (30 s at 1 s)
    down_cooldown: float = 30.0  # seconds after any change before shrinking

    def __post_init__(self) -> None:
        for name in ("interval", "up_queue_per_worker", "up_wait_p50_ms", "up_wait_p95_ms"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{_flag(name)} must be a positive number, got {value!r}")
        for name in ("up_cooldown", "down_cooldown", "down_in_flight_per_worker"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{_flag(name)} must be 0 or a positive number, got {value!r}")
        for name in ("up_samples", "up_step", "down_samples"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{_flag(name)} must be a whole number >= 1, got {value!r}")


def _flag(name: str) -> str:
    return "--scale-" + name.replace("_", "-")


def at_least_one(value: object) -> str | None:
    return None if isinstance(value, int) and value >= 1 else f"must be a whole number >= 1, got {value!r}"


_HELP = {
    "interval": "seconds between samples of the coordinator's stats",
    "up_queue_per_worker": "queued items per serving worker that count as pressure",
    "up_wait_p50_ms": "queue wait p50 (ms) that counts as pressure",
    "up_wait_p95_ms": "queue wait p95 (ms) that counts as pressure",
    "up_samples": "pressured samples in a row before adding workers",
    "up_step": "workers added per decision",
    "up_cooldown": "seconds after a change before growing again",
    "down_in_flight_per_worker": "calls in flight per worker at or below which an empty-queue pool is idle",
    "down_samples": "idle samples in a row before removing a worker",
    "down_cooldown": "seconds after any change before shrinking",
}
_POSITIVE = ("interval", "up_queue_per_worker", "up_wait_p50_ms", "up_wait_p95_ms")


def _setting(name: str) -> settings.Setting:
    default = getattr(Policy, name)
    if isinstance(default, int):
        return settings.Setting(_flag(name), default, int, _HELP[name], at_least_one, metavar="N", dest=f"scale_{name}")
    check = settings.positive if name in _POSITIVE else settings.non_negative
    return settings.Setting(_flag(name), default, float, _HELP[name], check, metavar="N", dest=f"scale_{name}")


# The --scale-* flags of `codeintel up`, each with its CODEINTEL_SCALE_* variable, under this heading.
SETTINGS = tuple(_setting(name) for name in _HELP)
GROUP_TITLE = "autoscaling thresholds (used when a pool's --max-workers is above its --min-workers)"


def policy_from_args(args: argparse.Namespace) -> Policy:
    """A Policy from parsed and checked --scale-* flags."""
    return Policy(**{name: getattr(args, f"scale_{name}") for name in _HELP})


@dataclass(frozen=True)
class Bounds:
    min: int
    max: int

    def __post_init__(self) -> None:
        if self.min < 0 or self.max < self.min:
            raise ValueError(f"worker bounds need 0 <= min <= max, got min {self.min}, max {self.max}")

    @property
    def fixed(self) -> bool:
        return self.min == self.max


@dataclass(frozen=True)
class Sample:
    """One look at a pool, as the coordinator reports it."""

    t: float  # monotonic seconds
    serving: int  # workers of this pool the coordinator can send work to
    queue_depth: int  # work items waiting
    in_flight: int  # worker calls running
    wait_p50_ms: float = 0.0  # queue wait over the coordinator's recent window
    wait_p95_ms: float = 0.0


@dataclass(frozen=True)
class Decision:
    current: int
    target: int
    reason: str

    @property
    def delta(self) -> int:
        return self.target - self.current


class Scaler:
    """The size one pool should have; `observe` every `policy.interval` seconds."""

    def __init__(self, policy: Policy, bounds: Bounds, current: int):
        self.policy = policy
        self.bounds = bounds
        self.current = current
        self.up_streak = 0
        self.down_streak = 0
        self.last_change = -math.inf
        self.hold = ""  # why the latest observation changed nothing although a streak was complete

    def pressure(self, s: Sample) -> str:
        """Why `s` shows too much work for the pool ("" if it does not)."""
        p = self.policy
        per_worker = s.queue_depth / max(1, s.serving)
        if per_worker > p.up_queue_per_worker:
            return f"queue {s.queue_depth} = {per_worker:.1f} per worker > {p.up_queue_per_worker:g}"
        if s.wait_p95_ms > p.up_wait_p95_ms:
            return f"queue wait p95 {s.wait_p95_ms:.0f} ms > {p.up_wait_p95_ms:g} ms"
        if s.wait_p50_ms > p.up_wait_p50_ms:
            return f"queue wait p50 {s.wait_p50_ms:.0f} ms > {p.up_wait_p50_ms:g} ms"
        return ""

    def idle(self, s: Sample) -> bool:
        return s.queue_depth == 0 and s.in_flight <= self.policy.down_in_flight_per_worker * self.current

    def _change(self, target: int, now: float, reason: str) -> Decision:
        decision = Decision(self.current, target, reason)
        self.current = target
        self.last_change = now
        self.up_streak = self.down_streak = 0
        self.hold = ""
        return decision

    def observe(self, s: Sample) -> Decision | None:
        p, b = self.policy, self.bounds
        if self.current < b.min:
            return self._change(b.min, s.t, f"below the minimum of {b.min}")
        if self.current > b.max:
            return self._change(b.max, s.t, f"above the maximum of {b.max}")
        why = self.pressure(s)
        if why:
            self.up_streak += 1
            self.down_streak = 0
        elif self.idle(s):
            self.down_streak += 1
            self.up_streak = 0
        else:
            self.up_streak = self.down_streak = 0
        self.hold = ""
        if self.up_streak >= p.up_samples:
            if self.current >= b.max:
                self.hold = f"{why}, but already at the maximum of {b.max}"
            elif s.serving < self.current:
                self.hold = f"{why}, but {self.current - s.serving} worker(s) not serving yet"
            elif s.t - self.last_change < p.up_cooldown:
                self.hold = f"{why}, but cooling down after the last change"
            else:
                target = min(b.max, self.current + p.up_step)
                return self._change(target, s.t, f"{why} for {self.up_streak} samples")
        elif self.down_streak >= p.down_samples:
            if self.current <= b.min:
                self.hold = f"idle, but already at the minimum of {b.min}"
            elif s.serving < self.current:
                self.hold = f"idle, but {self.current - s.serving} worker(s) not serving yet"
            elif s.t - self.last_change < p.down_cooldown:
                self.hold = "idle, but cooling down after the last change"
            else:
                return self._change(
                    self.current - 1,
                    s.t,
                    f"idle for {self.down_streak} samples (queue empty, {s.in_flight} call(s) in flight "
                    f"<= {p.down_in_flight_per_worker:g} per worker)",
                )
        return None
