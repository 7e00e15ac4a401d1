"""Per-tenant rate limits (no gRPC): GCRA over requests and bytes, in Redis or in memory.

Each tenant has two budgets, requests (tier.rate, tier.burst) and source bytes
(tier.bytes_per_second, tier.bytes_burst). A call costing (1 request, n bytes) is admitted only
if both fit; then both are charged, otherwise nothing is and `retry_after` says when both would
fit. GCRA keeps one "theoretical arrival time" (TAT) per budget: admitting cost c moves it by
c × interval, and a call fits while TAT - now stays within the burst.

A call larger than the byte burst could never fit, so it is admitted when the byte budget is
full (idle) and charged in full: the budget goes into debt and the tenant's next calls wait
until it is paid off. Big files are slow but possible, and the long-run byte rate still holds.

`gcra()` is the arithmetic, used by MemoryLimiter and mirrored line by line in the Lua script of
RedisLimiter; the script reads the clock with Redis TIME, so replicas with skewed clocks share
exact limits. Both limiters return a Decision; neither raises on rejection.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from codeintel.kernel.errors import Overloaded, Unavailable
from coordinator.tenants import Tenant, Tier

log = logging.getLogger(__name__)

# Seconds of float rounding forgiven, so that exactly `burst` calls fit into a full bucket.
EPSILON = 1e-9


@dataclass(frozen=True)
class Budget:
    """A tier's limits as GCRA parameters, in seconds; an interval of 0 means unlimited."""

    request_interval: float
    request_tolerance: float
    byte_interval: float
    byte_tolerance: float

    @classmethod
    def of(cls, tier: Tier) -> Budget:
        ri = 1.0 / tier.rate if tier.rate > 0 else 0.0
        bi = 1.0 / tier.bytes_per_second if tier.bytes_per_second > 0 else 0.0
        return cls(ri, tier.burst * ri, bi, tier.bytes_burst * bi)

    @property
    def unlimited(self) -> bool:
        return self.request_interval == 0.0 and self.byte_interval == 0.0


@dataclass(frozen=True)
class Outcome:
    """Result of gcra(): the TATs to store (unchanged when rejected) and each budget's wait."""

    allowed: bool
    tat_requests: float
    tat_bytes: float
    wait_requests: float
    wait_bytes: float


def _step(now: float, tat: float, interval: float, tolerance: float, cost: float) -> tuple[bool, float, float]:
    if interval == 0.0:
        return True, tat, 0.0
    base = max(tat, now)
    # min(): a call bigger than the burst fits once the budget is full (see module docstring).
    wait = base + min(cost * interval, tolerance) - tolerance - now
    return wait <= EPSILON, base + cost * interval, max(wait, 0.0)


def gcra(now: float, tat_requests: float, tat_bytes: float, budget: Budget, cost_bytes: int) -> Outcome:
    """Admit one request of `cost_bytes` at `now` against both budgets, or neither."""
    ok_r, new_r, wait_r = _step(now, tat_requests, budget.request_interval, budget.request_tolerance, 1)
    ok_b, new_b, wait_b = _step(now, tat_bytes, budget.byte_interval, budget.byte_tolerance, cost_bytes)
    if ok_r and ok_b:
        return Outcome(True, new_r, new_b, 0.0, 0.0)
    return Outcome(False, tat_requests, tat_bytes, wait_r, wait_b)


# Mirrors _step() and gcra() above; keep them in sync. Floats travel as "%.17g" strings so
# both sides see the same doubles (Lua numbers returned as replies would be truncated to ints).
_LUA = """
local EPSILON = 1e-9
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function step(tat, interval, tolerance, cost)
  if interval == 0 then return true, tat, 0 end
  local base = math.max(tat, now)
  local wait = base + math.min(cost * interval, tolerance) - tolerance - now
  return wait <= EPSILON, base + cost * interval, math.max(wait, 0)
end
local tat_r = tonumber(redis.call('GET', KEYS[1]) or '0')
local tat_b = tonumber(redis.call('GET', KEYS[2]) or '0')
local ri, rt = tonumber(ARGV[1]), tonumber(ARGV[2])
local bi, bt = tonumber(ARGV[3]), tonumber(ARGV[4])
local function ttl(tat) return string.format('%d', math.max(1, math.ceil((tat - now) * 1000) + 1)) end
local ok_r, new_r, wait_r = step(tat_r, ri, rt, 1)
local ok_b, new_b, wait_b = step(tat_b, bi, bt, tonumber(ARGV[5]))
local allowed = 0
if ok_r and ok_b then
  allowed = 1
  wait_r, wait_b = 0, 0
  -- Keys live only while they differ from a full budget, so idle tenants cost nothing.
  if ri ~= 0 then
    tat_r = new_r
    redis.call('SET', KEYS[1], string.format('%.17g', tat_r), 'PX', ttl(tat_r))
  end
  if bi ~= 0 then
    tat_b = new_b
    redis.call('SET', KEYS[2], string.format('%.17g', tat_b), 'PX', ttl(tat_b))
  end
end
local function s(x) return string.format('%.17g', x) end
return {allowed, s(now), s(tat_r), s(tat_b), s(wait_r), s(wait_b)}
"""


def _script_args(budget: Budget, cost_bytes: int) -> list[str]:
    # repr() of a float round-trips exactly through Lua's tonumber().
    return [
        repr(budget.request_interval),
        repr(budget.request_tolerance),
        repr(budget.byte_interval),
        repr(budget.byte_tolerance),
        str(max(0, int(cost_bytes))),
    ]


@dataclass(frozen=True)
class Decision:
    """Whether a call may run. When not, `limit` names the budget that is short ("requests" or
    "bytes") and `retry_after` is the number of seconds until the call would fit. `remaining_*`
    is what could still be spent right now (inf when unlimited). `degraded`: admitted without
    checking because Redis was unreachable and the limiter fails open."""

    allowed: bool
    retry_after: float = 0.0
    limit: str = ""
    remaining_requests: float = math.inf
    remaining_bytes: float = math.inf
    degraded: bool = False


ALLOW = Decision(True)


def _decision(now: float, budget: Budget, out: Outcome) -> Decision:
    def remaining(tat: float, interval: float, tolerance: float) -> float:
        if interval == 0.0:
            return math.inf
        return max(0.0, (tolerance - max(tat - now, 0.0)) / interval)

    rem_r = remaining(out.tat_requests, budget.request_interval, budget.request_tolerance)
    rem_b = remaining(out.tat_bytes, budget.byte_interval, budget.byte_tolerance)
    if out.allowed:
        return Decision(True, 0.0, "", rem_r, rem_b)
    limit = "requests" if out.wait_requests >= out.wait_bytes else "bytes"
    return Decision(False, max(out.wait_requests, out.wait_bytes), limit, rem_r, rem_b)


def rejection_message(decision: Decision, tier: Tier) -> str:
    """A caller-facing sentence for a rejected Decision (for the status details)."""
    if decision.limit == "bytes":
        what = f"{tier.bytes_per_second:g} source bytes/s (burst {tier.bytes_burst})"
    else:
        what = f"{tier.rate:g} requests/s (burst {tier.burst})"
    return f"rate limit of tier {tier.name!r} exceeded: {what}; retry in {decision.retry_after:.3g} s"


class Limiter(Protocol):
    redis_errors: int
    fail_open_admits: int
    rejections_requests: int
    rejections_bytes: int

    async def admit(self, tenant_id: str, tier: Tier, cost_bytes: int) -> Decision: ...


class _Counters:
    def __init__(self) -> None:
        self.redis_errors = 0  # Redis calls that failed or timed out
        self.fail_open_admits = 0  # calls admitted unchecked because Redis was unreachable
        self.rejections_requests = 0
        self.rejections_bytes = 0

    def _count(self, d: Decision) -> Decision:
        if not d.allowed:
            if d.limit == "bytes":
                self.rejections_bytes += 1
            else:
                self.rejections_requests += 1
        return d


class MemoryLimiter(_Counters):
    """Limits for one process (no Redis). `clock` is any monotonic seconds source."""

    _PRUNE_EVERY = 4096

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._clock = clock
        self._tats: dict[str, tuple[float, float]] = {}
        self._calls = 0

    async def admit(self, tenant_id: str, tier: Tier, cost_bytes: int) -> Decision:
        return self.check(tenant_id, tier, cost_bytes)

    def check(self, tenant_id: str, tier: Tier, cost_bytes: int) -> Decision:
        """admit() without the event loop."""
        budget = Budget.of(tier)
        if budget.unlimited:
            return ALLOW
        now = self._clock()
        tat_r, tat_b = self._tats.get(tenant_id, (0.0, 0.0))
        out = gcra(now, tat_r, tat_b, budget, max(0, cost_bytes))
        if out.allowed:
            self._tats[tenant_id] = (out.tat_requests, out.tat_bytes)
        self._calls += 1
        if self._calls % self._PRUNE_EVERY == 0:
            # A TAT in the past is the same as a full budget; forget idle tenants.
            self._tats = {k: v for k, v in self._tats.items() if max(v) > now}
        return self._count(_decision(now, budget, out))


class RedisLimiter(_Counters):
    """Limits shared by every replica through one Redis (one atomic Lua script per call).

    A failed or slow Redis call (over `timeout` seconds) counts in `redis_errors` and opens a
    circuit for `breaker_seconds`, during which Redis is not tried at all, so a down Redis adds
    at most about `timeout` to one call per `breaker_seconds`. Meanwhile calls are admitted with
    `degraded=True` (fail_open) or refused with errors.Unavailable. The connection pool
    reconnects by itself once Redis is back.
    """

    def __init__(
        self,
        redis_url: str,
        *,
        fail_open: bool,
        key_prefix: str = "codeintel:rl:",
        timeout: float = 0.1,
        breaker_seconds: float = 1.0,
    ):
        super().__init__()
        self.fail_open = fail_open
        self.key_prefix = key_prefix
        self.timeout = timeout
        self.breaker_seconds = breaker_seconds
        # One immediate retry absorbs a pooled connection that died with a restarted Redis.
        self._redis = aioredis.Redis.from_url(
            redis_url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=0,
        )
        self._script = self._redis.register_script(_LUA)
        self._closed_until = 0.0  # monotonic time before which Redis is not tried
        self._down = False

    async def aclose(self) -> None:
        await self._redis.aclose()

    def _keys(self, tenant_id: str) -> list[str]:
        # One hash tag per tenant: both keys land in the same Redis Cluster slot.
        # "_" stands in for the anonymous "" (an empty {} is no hash tag); no tenant id starts with "_".
        tag = tenant_id or "_"
        return [f"{self.key_prefix}{{{tag}}}:r", f"{self.key_prefix}{{{tag}}}:b"]

    async def admit(self, tenant_id: str, tier: Tier, cost_bytes: int) -> Decision:
        budget = Budget.of(tier)
        if budget.unlimited:
            return ALLOW
        if time.monotonic() < self._closed_until:
            return self._unchecked()
        try:
            reply = await asyncio.wait_for(
                self._script(keys=self._keys(tenant_id), args=_script_args(budget, cost_bytes)), self.timeout
            )
        except (TimeoutError, RedisError, OSError) as e:
            self.redis_errors += 1
            self._closed_until = time.monotonic() + self.breaker_seconds
            if not self._down:
                self._down = True
                log.warning(
                    "rate limiter: Redis unreachable (%s: %s); failing %s for now",
                    type(e).__name__,
                    e,
                    "open" if self.fail_open else "closed",
                )
            return self._unchecked()
        if self._down:
            self._down = False
            log.info("rate limiter: Redis is reachable again")
        allowed, now, tat_r, tat_b, wait_r, wait_b = reply
        out = Outcome(int(allowed) == 1, float(tat_r), float(tat_b), float(wait_r), float(wait_b))
        return self._count(_decision(float(now), budget, out))

    def _unchecked(self) -> Decision:
        if not self.fail_open:
            raise Unavailable("rate limiter unavailable (its Redis does not answer); retry in a few seconds")
        self.fail_open_admits += 1
        return Decision(True, degraded=True)


class _Slot:
    """`with` / `async with` form of ConcurrencyGate.try_enter + leave."""

    def __init__(self, gate: ConcurrencyGate, tenant: Tenant):
        self._gate, self._tenant = gate, tenant

    def __enter__(self) -> None:
        if not self._gate.try_enter(self._tenant):
            raise Overloaded(
                f"too many calls in flight for tenant {self._tenant.id!r}: at most "
                f"{self._tenant.tier.max_concurrent} at once per server; retry shortly",
                retry_after=self._gate.retry_after,
            )

    def __exit__(self, *exc) -> None:
        self._gate.leave(self._tenant)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(self, *exc) -> None:
        self.__exit__()


class ConcurrencyGate:
    """Caps a tenant's calls in flight (tier.max_concurrent, 0 = no cap) in THIS process.

    The cap is per replica: with N coordinator replicas a tenant may run N × max_concurrent.
    """

    def __init__(self, retry_after: float = 0.25):
        self.retry_after = retry_after
        self._in_flight: dict[str, int] = {}

    def in_flight(self, tenant_id: str) -> int:
        return self._in_flight.get(tenant_id, 0)

    def try_enter(self, tenant: Tenant) -> bool:
        cap = tenant.tier.max_concurrent
        n = self._in_flight.get(tenant.id, 0)
        if cap and n >= cap:
            return False
        self._in_flight[tenant.id] = n + 1
        return True

    def leave(self, tenant: Tenant) -> None:
        n = self._in_flight.get(tenant.id, 0) - 1
        if n > 0:
            self._in_flight[tenant.id] = n
        else:
            self._in_flight.pop(tenant.id, None)

    def hold(self, tenant: Tenant) -> _Slot:
        """`with gate.hold(t):` or `async with gate.hold(t):`; raises errors.Overloaded when full."""
        return _Slot(self, tenant)
