"""gRPC faces of the coordinator (grpc.aio): CodeIntelService and AdminService."""

from __future__ import annotations

import time
from typing import cast

from codeintel.kernel import errors
from codeintel.kernel.sarif import sarif_json
from codeintel.observability import tracing
from codeintel.rpc.status import aio_guard, aio_stream_guard
from codeintel.v1 import common_pb2, coordinator_pb2, coordinator_pb2_grpc, scan_pb2
from coordinator import repository, wire
from coordinator.admission import Gatekeeper, Ticket
from coordinator.core import Coordinator, Served, WorkerCallError
from coordinator.operations import BY_NAME


def _rule_bytes(op: str, request) -> int:
    """A scan's custom rules are billed as bytes of the call: validating them costs like scanning them."""
    return sum(len(f.content) for f in request.options.custom_rules) if op == "scan" else 0


_FILE_ERROR_TO_EXC = {
    common_pb2.FILE_ERROR_CODE_DEADLINE_EXCEEDED: errors.DeadlineExceeded,
    common_pb2.FILE_ERROR_CODE_UNAVAILABLE: errors.Unavailable,
    common_pb2.FILE_ERROR_CODE_INTERNAL: errors.Unavailable,
}


def _deadline(context, default: float) -> float:
    remaining = context.time_remaining()
    return time.monotonic() + (default if remaining is None else remaining)


def authorization(context) -> str | None:
    return next((v for k, v in (context.invocation_metadata() or ()) if k == "authorization"), None)


def _priority(t: Ticket) -> coordinator_pb2.Priority:
    # Priorities travel as plain ints inside the coordinator: without tenants a caller may send any
    # int, and it is queued (and answered) by its value.
    return cast(coordinator_pb2.Priority, t.priority)


def _info(s: Served, t: Ticket) -> coordinator_pb2.ResponseInfo:
    return coordinator_pb2.ResponseInfo(
        cache=s.cache,
        worker=s.worker,
        service_version=s.version,
        attempts=s.attempts,
        queue_wait_ms=s.queue_wait * 1000,
        priority=_priority(t),
        priority_clamped=t.clamped,
        tenant=t.tenant.id,
    )


def _batch_info(served: list[Served], t: Ticket) -> coordinator_pb2.BatchInfo:
    hits = sum(1 for s in served if s.cache != coordinator_pb2.CACHE_STATUS_MISS)
    return coordinator_pb2.BatchInfo(
        cache=[s.cache for s in served],
        cache_hits=hits,
        computed=sum(1 for s in served if s.cache == coordinator_pb2.CACHE_STATUS_MISS and s.result is not None),
        attempts=sum({(s.worker, s.attempts): s.attempts for s in served if s.worker}.values()),
        queue_wait_ms=max((s.queue_wait for s in served), default=0.0) * 1000,
        priority=_priority(t),
        priority_clamped=t.clamped,
        tenant=t.tenant.id,
    )


def _error_bytes(s: Served) -> bytes:
    return s.error.SerializeToString() if s.error is not None else b""


async def _pass_on(context, e: WorkerCallError) -> None:
    """The worker's own verdict (e.g. INVALID_ARGUMENT with details) goes to the caller unchanged."""
    await context.abort(
        e.code, e.details, tuple((k, v) for k, v in (e.trailing or ()) if k == "grpc-status-details-bin")
    )


class CodeIntelServicer(coordinator_pb2_grpc.CodeIntelServiceServicer):
    def __init__(self, core: Coordinator, gatekeeper: Gatekeeper):
        self.core = core
        self.gatekeeper = gatekeeper

    async def _admit(self, request, context, cost_bytes: int) -> Ticket:
        """Authenticate and charge the call; the request then carries the priority it was granted."""
        with tracing.span("coordinator.admission"):
            ticket = await self.gatekeeper.admit(authorization(context), request.request_options.priority, cost_bytes)
        request.request_options.priority = ticket.priority
        return ticket

    async def _check_rules(self, op: str, request, context, ticket: Ticket) -> list[scan_pb2.Rule]:
        """Custom rules are checked before any file is sent (a bad rule fails the call, not each file);
        their rules, for the SARIF log."""
        if op != "scan" or not request.options.custom_rules:
            return []
        return await self.core.check_rules(
            request.options.custom_rules, _deadline(context, self.core.config.default_deadline), ticket.caller
        )

    async def _unary(self, op: str, request, context) -> bytes:
        """The response, written from the cached result's bytes (coordinator/wire.py): the result is
        parsed here only to render SARIF."""
        ticket = await self._admit(request, context, len(request.file.content) + _rule_bytes(op, request))
        try:
            custom = await self._check_rules(op, request, context, ticket)
            served = await self.core.unary(
                op,
                request.file,
                request.options,
                request.request_options,
                _deadline(context, self.core.config.default_deadline),
                ticket.caller,
            )
        except WorkerCallError as e:
            await _pass_on(context, e)
        finally:
            ticket.release()
        if served.error is not None:  # merged onto a batch's per-file failure
            exc = _FILE_ERROR_TO_EXC.get(served.error.code, errors.InvalidInput)
            raise exc(served.error.message)
        info = _info(served, ticket)
        response = wire.BY_OPERATION[op].unary(result=served.result, info=info.SerializeToString())
        if op == "scan" and request.options.include_sarif:
            result = BY_NAME[op].result_cls.FromString(served.result)
            response.sarif_json = sarif_json([result], info.service_version, custom)
        return response.SerializeToString()

    async def _batch(self, op: str, request, context) -> bytes:
        """The response, written from the results' bytes like `_unary`'s."""
        ticket = await self._admit(
            request, context, sum(len(f.content) for f in request.files) + _rule_bytes(op, request)
        )
        try:
            custom = await self._check_rules(op, request, context, ticket)
            served = await self.core.batch(
                op,
                request.files,
                request.options,
                request.request_options,
                _deadline(context, self.core.config.default_deadline),
                ticket.caller,
            )
        finally:
            ticket.release()
        views = wire.BY_OPERATION[op]
        fr = views.file_result
        response = views.batch(
            results=[fr(result=s.result) if s.result is not None else fr(error=_error_bytes(s)) for s in served],
            info=_batch_info(served, ticket).SerializeToString(),
        )
        if op == "scan" and request.options.include_sarif:
            rcls = BY_NAME[op].result_cls
            version = next((s.version for s in served if s.version), "")
            results = [rcls.FromString(s.result) for s in served if s.result is not None]
            response.sarif_json = sarif_json(results, version, custom)
        return response.SerializeToString()

    # The six file methods return their response already serialised (see `_unary`); the server's
    # guard passes bytes through (codeintel/rpc/interceptors.py).
    @aio_guard
    async def Parse(self, request, context):
        return await self._unary("parse", request, context)

    @aio_guard
    async def ParseBatch(self, request, context):
        return await self._batch("parse", request, context)

    @aio_guard
    async def Analyze(self, request, context):
        return await self._unary("analyze", request, context)

    @aio_guard
    async def AnalyzeBatch(self, request, context):
        return await self._batch("analyze", request, context)

    @aio_guard
    async def Scan(self, request, context):
        return await self._unary("scan", request, context)

    @aio_guard
    async def ScanBatch(self, request, context):
        return await self._batch("scan", request, context)

    @aio_guard
    async def ListRules(self, request, context):
        # Custom rules cost their validation (compiling, running the examples): billed by their bytes.
        cost = sum(len(f.content) for f in request.custom_rules)
        ticket = await self.gatekeeper.admit(authorization(context), 0, cost)
        try:
            listed = await self.core.list_rules(
                request.language,
                _deadline(context, self.core.config.default_deadline),
                ticket.caller,
                request.custom_rules,
            )
        except WorkerCallError as e:
            await _pass_on(context, e)
        finally:
            ticket.release()
        return coordinator_pb2.CodeIntelServiceListRulesResponse(
            rules=listed.rules, service_version=listed.service_version
        )

    @aio_stream_guard
    async def RunRepository(self, request, context):
        # Admitted once, like a batch call (and before the root is looked at: an unknown caller learns
        # nothing about the file system): authenticated, priority clamped, one concurrency slot for the
        # whole run; each batch then bills the tenant's rate and byte budget (see repository.run).
        ticket = await self._admit(request, context, 0)
        try:
            req = repository.check_request(request, self.core.config.repo_roots)
            charge = (
                repository.tenant_charge(self.gatekeeper.limiter, ticket.tenant) if self.gatekeeper.enabled else None
            )
            async for event in repository.run(
                self.core, req, ticket.caller, time_remaining=context.time_remaining(), charge=charge
            ):
                yield event
        finally:
            ticket.release()

    @aio_guard
    async def LookupBatch(self, request, context):
        # Billed by what is sent (a path, a language and 32 bytes per file, plus the options): a file
        # answered by its digest costs only those bytes; the files sent afterwards pay for their content.
        ticket = await self._admit(request, context, request.ByteSize())
        try:
            if request.operation not in repository.OPERATIONS:
                raise errors.InvalidInput(
                    "operation must be REPOSITORY_OPERATION_PARSE, _ANALYZE or _SCAN", field="operation"
                )
            op, _, field = repository.OPERATIONS[request.operation]
            which = request.WhichOneof("options")
            if which is not None and which != field:
                raise errors.InvalidInput(
                    f"{which} does not go with {coordinator_pb2.RepositoryOperation.Name(request.operation)}; "
                    f"pass {field} or none",
                    field=which,
                )
            served, partial = await self.core.lookup(
                op,
                request.files,
                getattr(request, field),
                request.request_options,
                _deadline(context, self.core.config.default_deadline),
                ticket.caller,
            )
        finally:
            ticket.release()
        results = []
        for s in served:
            if s is None or s.result is None:
                results.append(coordinator_pb2.LookupFileResult(status=coordinator_pb2.LOOKUP_STATUS_NEED_CONTENT))
            else:
                r = coordinator_pb2.LookupFileResult(status=coordinator_pb2.LOOKUP_STATUS_FOUND, cache=s.cache)
                getattr(r, op).MergeFromString(s.result)  # the cached bytes, without a copy in between
                results.append(r)
        found = sum(1 for s in served if s is not None)
        return coordinator_pb2.CodeIntelServiceLookupBatchResponse(
            results=results, found=found, need_content=len(served) - found, partial=partial, tenant=ticket.tenant.id
        )


class AdminServicer(coordinator_pb2_grpc.AdminServiceServicer):
    """Operators' view. With tenants configured it takes any valid API key (it is not rate limited)."""

    def __init__(self, core: Coordinator, gatekeeper: Gatekeeper):
        self.core = core
        self.gatekeeper = gatekeeper

    @aio_guard
    async def GetStats(self, request, context):
        self.gatekeeper.registry.authenticate(authorization(context))
        stats = self.core.stats()
        stats.admission.CopyFrom(coordinator_pb2.AdmissionStats(**self.gatekeeper.snapshot()))
        return stats

    @aio_guard
    async def ListWorkers(self, request, context):
        self.gatekeeper.registry.authenticate(authorization(context))
        return coordinator_pb2.ListWorkersResponse(workers=self.core.workers(request.service))
