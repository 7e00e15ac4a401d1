"""Admission of one call: who it is (API key), whether its tier's budget allows it now
(rate and bytes, shared across replicas through Redis when configured), whether the tenant
has a free concurrency slot here, and the priority it may have. No gRPC in here: the
servicer hands over the `authorization` metadata value and gets a Ticket or an error."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from codeintel.kernel import errors
from coordinator.config import CoordinatorConfig
from coordinator.core import ANONYMOUS, Caller
from coordinator.ratelimit import ConcurrencyGate, MemoryLimiter, RedisLimiter, rejection_message
from coordinator.tenants import DEFAULT_TENANT, Tenant, TenantRegistry, clamp_priority

log = logging.getLogger("codeintel.coordinator")

RELOAD_EVERY = 5.0  # seconds between checks of the tenants file (a rotated Secret)


@dataclass
class Ticket:
    """An admitted call. `release()` when it is done (frees the tenant's concurrency slot)."""

    caller: Caller
    priority: int
    clamped: bool
    tenant: Tenant
    _gate: ConcurrencyGate | None = field(default=None, repr=False)

    def release(self) -> None:
        if self._gate is not None:
            self._gate.leave(self.tenant)
            self._gate = None


@dataclass
class AdmissionCounters:
    unauthenticated: int = 0
    rejected_rate: int = 0  # requests or bytes budget spent
    rejected_concurrency: int = 0
    clamped: int = 0


class Gatekeeper:
    def __init__(self, config: CoordinatorConfig):
        self.config = config
        self.registry = TenantRegistry.load(config.tenants_file) if config.tenants_file else TenantRegistry()
        self.limiter = (
            RedisLimiter(config.redis_url, fail_open=config.rate_limit_fail_open, timeout=config.redis_timeout)
            if config.redis_url
            else MemoryLimiter()
        )
        self.gate = ConcurrencyGate()
        self.counters = AdmissionCounters()
        self._reloader: asyncio.Task | None = None

    @property
    def enabled(self) -> bool:
        return self.registry.enabled

    async def start(self) -> None:
        if self.registry.path:
            self._reloader = asyncio.create_task(self._reload_forever())

    async def stop(self) -> None:
        if self._reloader is not None:
            self._reloader.cancel()
        if isinstance(self.limiter, RedisLimiter):
            await self.limiter.aclose()

    async def _reload_forever(self) -> None:
        while True:
            await asyncio.sleep(RELOAD_EVERY)
            try:
                self.registry.reload_if_changed()
            except Exception:  # noqa: BLE001 - a reload must never stop the server
                log.exception("tenants file reload failed; keeping the previous config")

    def snapshot(self) -> dict:
        """Counters for AdminService.GetStats (fields of AdmissionStats)."""
        lim = self.limiter
        return dict(
            authentication=self.registry.enabled,
            limiter="redis" if isinstance(lim, RedisLimiter) else "memory",
            unauthenticated=self.counters.unauthenticated,
            rejected_requests=lim.rejections_requests,
            rejected_bytes=lim.rejections_bytes,
            rejected_concurrency=self.counters.rejected_concurrency,
            priority_clamped=self.counters.clamped,
            store_errors=lim.redis_errors,
            fail_open_admits=lim.fail_open_admits,
            fail_open=self.config.rate_limit_fail_open,
        )

    async def admit(self, authorization: str | None, priority: int, cost_bytes: int) -> Ticket:
        """Authenticate, clamp the priority, charge the rate limits, take a concurrency slot.

        Raises Unauthenticated, RateLimited (RESOURCE_EXHAUSTED + RetryInfo + QuotaFailure),
        Overloaded (concurrency cap) or Unavailable (limiter down, failing closed)."""
        if not self.registry.enabled:
            return Ticket(ANONYMOUS, priority, False, DEFAULT_TENANT)
        try:
            tenant = self.registry.authenticate(authorization)
        except errors.Unauthenticated:
            self.counters.unauthenticated += 1
            raise
        granted, clamped = clamp_priority(tenant, priority)
        if clamped:
            self.counters.clamped += 1
        # The concurrency slot first: a call refused for it must not spend the tenant's rate budget.
        if not self.gate.try_enter(tenant):
            self.counters.rejected_concurrency += 1
            raise errors.Overloaded(
                f"too many calls in flight for this API key: at most {tenant.tier.max_concurrent} at once "
                "per server; wait for one to finish",
                retry_after=self.gate.retry_after,
            )
        try:
            decision = await self.limiter.admit(tenant.id, tenant.tier, cost_bytes)
        except BaseException:
            self.gate.leave(tenant)
            raise
        if not decision.allowed:
            self.gate.leave(tenant)
            self.counters.rejected_rate += 1
            raise errors.RateLimited(
                rejection_message(decision, tenant.tier),
                retry_after=decision.retry_after,
                subject=f"tenant:{tenant.id}",
                limit=decision.limit,
            )
        caller = Caller(tenant=tenant.id, namespace=tenant.namespace, queue_cap=self.config.tenant_queue_cap)
        return Ticket(caller, granted, clamped, tenant, self.gate)
