"""The asyncio client of the coordinator (CodeIntelService, AdminService, health).

Every call carries a deadline (the caller's, or the client's default) and the caller's bearer
(`channel.call_metadata`). A failed call raises `ClientError` (codeintel.client.errors), never a
raw gRPC error. The channel is created lazily inside the running event loop: grpc.aio channels
are bound to the loop that creates them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeintel import repo
from codeintel.client import channel as ch
from codeintel.client.errors import ClientError, map_rpc_error
from codeintel.client.requests import batch_request, batch_response_cls, lookup_request, single_request
from codeintel.kernel import vocab
from codeintel.observability import tracing
from codeintel.v1 import (
    analyze_pb2,
    common_pb2,
    coordinator_pb2,
    coordinator_pb2_grpc,
    graph_pb2,
    graph_pb2_grpc,
    parse_pb2,
    query_pb2,
    query_pb2_grpc,
    review_pb2,
    review_pb2_grpc,
    scan_pb2,
)

# What each GraphService call is called in error messages ("the symbol search did not finish ...").
GRAPH_OPERATIONS = {
    "SearchSymbols": "symbol search",
    "GetDefinition": "definition lookup",
    "FindReferences": "reference search",
    "CallHierarchy": "call hierarchy",
    "ImportGraph": "import graph",
    "Outline": "outline",
}

# Refusals no later call of a run can get past: bad credentials, a refused request.
_FATAL_CODES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT"})


class CoordinatorClient:
    """A grpc.aio client of the coordinator. `extra_options`: further channel arguments (the load
    tool gives each of its channels a distinct one so they do not share a connection)."""

    def __init__(
        self,
        address: str,
        *,
        timeout_s: float = 30.0,
        api_key: str | None = None,
        extra_options: Sequence[tuple[str, object]] = (),
    ):
        self.address = address
        self.timeout_s = timeout_s
        self.metadata: ch.Metadata = ch.bearer_metadata(api_key)
        self._extra = tuple(extra_options)
        self._channel: grpc.aio.Channel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._codeintel: coordinator_pb2_grpc.CodeIntelServiceStub | None = None
        self._admin: coordinator_pb2_grpc.AdminServiceStub | None = None
        self._health: health_pb2_grpc.HealthStub | None = None
        self._graph: graph_pb2_grpc.GraphServiceStub | None = None
        self._review: review_pb2_grpc.ReviewServiceStub | None = None
        self._query: query_pb2_grpc.QueryServiceStub | None = None

    def _ensure(self) -> tuple[coordinator_pb2_grpc.CodeIntelServiceStub, coordinator_pb2_grpc.AdminServiceStub]:
        loop = asyncio.get_running_loop()
        if self._channel is None or self._loop is not loop:
            self._channel = ch.aio_channel(self.address, self._extra)
            self._loop = loop
            self._codeintel = coordinator_pb2_grpc.CodeIntelServiceStub(self._channel)
            self._admin = coordinator_pb2_grpc.AdminServiceStub(self._channel)
            self._health = health_pb2_grpc.HealthStub(self._channel)
            self._graph = graph_pb2_grpc.GraphServiceStub(self._channel)
            self._review = review_pb2_grpc.ReviewServiceStub(self._channel)
            self._query = query_pb2_grpc.QueryServiceStub(self._channel)
        assert self._codeintel is not None and self._admin is not None
        return self._codeintel, self._admin

    async def close(self) -> None:
        if self._channel is not None:
            channel, self._channel = self._channel, None
            try:
                await channel.close()
            except Exception:  # pragma: no cover - closing on a dead loop
                pass

    async def __aenter__(self) -> CoordinatorClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_ready(self, timeout_s: float) -> None:
        """Wait until the channel connects; ClientError(UNAVAILABLE) when it does not in time."""
        self._ensure()
        assert self._channel is not None
        try:
            await asyncio.wait_for(self._channel.channel_ready(), timeout_s)
        except TimeoutError:
            raise ClientError(
                f"cannot reach the coordinator at {self.address} (no connection within {timeout_s:g} s)",
                code="UNAVAILABLE",
            ) from None

    async def _call(self, operation: str, method: Any, request: Any, timeout_s: float | None = None) -> Any:
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            return await tracing.rpc(method, request, timeout=timeout, metadata=ch.call_metadata(self.metadata))
        except grpc.aio.AioRpcError as err:
            raise map_rpc_error(err, operation, timeout) from None
        except TimeoutError:
            raise ClientError(
                f"the {operation} did not finish within {timeout:g} s; retry or send a smaller file",
                code="DEADLINE_EXCEEDED",
            ) from None

    async def unary(self, rpc: str, request: Any, timeout_s: float | None = None) -> Any:
        """Any CodeIntelService method by name (e.g. "Parse") with a request built by the caller."""
        codeintel, _ = self._ensure()
        return await self._call(rpc.lower(), getattr(codeintel, rpc), request, timeout_s)

    async def parse(
        self, file: common_pb2.SourceFile, options: parse_pb2.ParseOptions, priority: str = "normal"
    ) -> coordinator_pb2.CodeIntelServiceParseResponse:
        codeintel, _ = self._ensure()
        return await self._call("parse", codeintel.Parse, single_request("parse", file, options, priority))

    async def analyze(
        self, file: common_pb2.SourceFile, options: analyze_pb2.AnalyzeOptions, priority: str = "normal"
    ) -> coordinator_pb2.CodeIntelServiceAnalyzeResponse:
        codeintel, _ = self._ensure()
        return await self._call("analysis", codeintel.Analyze, single_request("analyze", file, options, priority))

    async def scan(
        self, file: common_pb2.SourceFile, options: scan_pb2.ScanOptions, priority: str = "normal"
    ) -> coordinator_pb2.CodeIntelServiceScanResponse:
        codeintel, _ = self._ensure()
        return await self._call("scan", codeintel.Scan, single_request("scan", file, options, priority))

    async def batch(
        self,
        operation: str,
        files: Iterable[common_pb2.SourceFile],
        options: Any,
        priority: str = "normal",
        timeout_s: float | None = None,
    ) -> Any:
        """ParseBatch / AnalyzeBatch / ScanBatch (`operation`: parse, analyze, scan) with its own deadline."""
        codeintel, _ = self._ensure()
        method = getattr(codeintel, f"{operation.capitalize()}Batch")
        request = batch_request(operation, files, options, priority)
        return await self._call(f"{operation} batch", method, request, timeout_s)

    async def lookup_batch(
        self,
        operation: str,
        files: Iterable[common_pb2.SourceFile],
        options: Any,
        priority: str = "normal",
        timeout_s: float | None = None,
    ) -> coordinator_pb2.CodeIntelServiceLookupBatchResponse:
        """LookupBatch: which of `files` the coordinator's caches answer, sending only their digests."""
        codeintel, _ = self._ensure()
        request = lookup_request(operation, files, options, priority)
        return await self._call(f"{operation} lookup", codeintel.LookupBatch, request, timeout_s)

    async def batch_by_digest(
        self,
        operation: str,
        files: Sequence[common_pb2.SourceFile],
        options: Any,
        priority: str = "normal",
        timeout_s: float | None = None,
    ) -> Any:
        """A batch call in two steps: LookupBatch with the files' digests, then the batch call with the
        content of only the files no cache knew. Returns the batch call's response for all `files`, in
        order, as one batch call would (results; info.cache per file, counts) — without SARIF."""
        timeout = self.timeout_s if timeout_s is None else timeout_s
        loop = asyncio.get_running_loop()
        until = loop.time() + timeout
        looked = await self.lookup_batch(operation, files, options, priority, timeout)
        missing = [i for i, r in enumerate(looked.results) if r.status != coordinator_pb2.LOOKUP_STATUS_FOUND]
        out = batch_response_cls(operation)()
        sent = None
        if missing:
            left = max(until - loop.time(), 0.001)
            sent = await self.batch(operation, [files[i] for i in missing], options, priority, left)
            out.info.CopyFrom(sent.info)
            del out.info.cache[:]  # rebuilt below for all files, in order
        position = {i: j for j, i in enumerate(missing)}
        for i, r in enumerate(looked.results):
            j = position.get(i)
            if j is None:
                out.results.add().result.CopyFrom(getattr(r, operation))
                out.info.cache.append(r.cache)
            else:
                assert sent is not None
                out.results.add().CopyFrom(sent.results[j])
                out.info.cache.append(sent.info.cache[j])
        out.info.cache_hits = (sent.info.cache_hits if sent is not None else 0) + looked.found
        out.info.tenant = looked.tenant
        return out

    def repo_sender(
        self, operation: str, options: Any, priority: str = "normal", *, by_digest: bool = True
    ) -> repo.Send:
        """The `send` of a codeintel.repo.Runner over this client: one batch call (`operation`: parse,
        analyze, scan) per batch with the time the run has left; a failed call becomes a repo.BatchError
        (`deadline` when it ran out of time, `fatal` when no later batch could succeed either). The
        runner's `options=` (a two-pass scan) replaces `options` for that batch. `by_digest`: each batch
        goes in two steps (batch_by_digest), so files the coordinator's caches know are not sent again —
        a rescan sends the changed files only; a coordinator without LookupBatch gets plain batches."""

        base = options
        digests = by_digest

        async def send(files: list[common_pb2.SourceFile], timeout: float, options: Any = None) -> Any:
            nonlocal digests
            try:
                opts = base if options is None else options
                left = max(timeout, 0.001)
                if digests:
                    try:
                        return await self.batch_by_digest(operation, files, opts, priority, timeout_s=left)
                    except ClientError as exc:
                        if exc.code != "UNIMPLEMENTED":
                            raise
                        digests = False  # an older coordinator: plain batches from now on
                return await self.batch(operation, files, opts, priority, timeout_s=left)
            except ClientError as exc:
                raise repo.BatchError(
                    str(exc), deadline=exc.code == "DEADLINE_EXCEEDED", fatal=exc.code in _FATAL_CODES
                ) from None

        return send

    async def run_repository(
        self, request: coordinator_pb2.CodeIntelServiceRunRepositoryRequest, timeout_s: float | None = None
    ) -> AsyncIterator[coordinator_pb2.CodeIntelServiceRunRepositoryResponse]:
        """The events of a RunRepository call (progress, results, skipped, summary last)."""
        codeintel, _ = self._ensure()
        timeout = self.timeout_s if timeout_s is None else timeout_s
        call = codeintel.RunRepository(request, timeout=timeout, metadata=ch.call_metadata(self.metadata))
        try:
            async for event in call:
                yield event
        except grpc.aio.AioRpcError as err:
            raise map_rpc_error(err, "repository run", timeout) from None

    async def graph(self, rpc: str, request: Any, timeout_s: float | None = None) -> Any:
        """A unary GraphService method by name ("SearchSymbols", "GetDefinition", "FindReferences",
        "CallHierarchy", "ImportGraph", "Outline") with a request built by the caller."""
        self._ensure()
        assert self._graph is not None
        return await self._call(GRAPH_OPERATIONS.get(rpc, rpc), getattr(self._graph, rpc), request, timeout_s)

    async def code_query(
        self, request: query_pb2.CodeQueryRequest, timeout_s: float | None = None
    ) -> query_pb2.CodeQueryResponse:
        """QueryService.CodeQuery: one page of a tree-sitter query's or an ast-grep pattern's matches."""
        self._ensure()
        assert self._query is not None
        return await self._call("code query", self._query.CodeQuery, request, timeout_s)

    async def index_repository(
        self, request: graph_pb2.IndexRepositoryRequest, timeout_s: float | None = None
    ) -> AsyncIterator[graph_pb2.IndexRepositoryResponse]:
        """The events of an IndexRepository call (progress, skipped files, summary last)."""
        self._ensure()
        assert self._graph is not None
        timeout = self.timeout_s if timeout_s is None else timeout_s
        call = self._graph.IndexRepository(request, timeout=timeout, metadata=ch.call_metadata(self.metadata))
        try:
            async for event in call:
                yield event
        except grpc.aio.AioRpcError as err:
            raise map_rpc_error(err, "index run", timeout) from None

    async def review_changes(
        self, request: review_pb2.ReviewChangesRequest, timeout_s: float | None = None
    ) -> review_pb2.ReviewChangesResponse:
        """ReviewService.ReviewChanges: the review of a diff, a revision range or files sent with both versions."""
        self._ensure()
        assert self._review is not None
        return await self._call("review", self._review.ReviewChanges, request, timeout_s)

    async def list_rules(
        self, language: str = "", custom_rules=()
    ) -> coordinator_pb2.CodeIntelServiceListRulesResponse:
        """The scan rules; `custom_rules` (RuleFiles) are validated and listed with them."""
        codeintel, _ = self._ensure()
        request = coordinator_pb2.CodeIntelServiceListRulesRequest(language=language, custom_rules=custom_rules)
        return await self._call("rule listing", codeintel.ListRules, request)

    async def get_stats(self, timeout_s: float | None = None) -> coordinator_pb2.GetStatsResponse:
        _, admin = self._ensure()
        return await self._call("stats query", admin.GetStats, coordinator_pb2.GetStatsRequest(), timeout_s)

    async def list_workers(
        self, service: str = "", timeout_s: float | None = None
    ) -> coordinator_pb2.ListWorkersResponse:
        _, admin = self._ensure()
        request = coordinator_pb2.ListWorkersRequest(service=service)
        return await self._call("worker listing", admin.ListWorkers, request, timeout_s)

    async def health(self, service: str = "", timeout_s: float = 1.0) -> str:
        """The coordinator's grpc.health status name for `service` ("SERVING", "NOT_SERVING", ...)."""
        self._ensure()
        assert self._health is not None
        try:
            resp = await self._health.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout_s)
        except grpc.aio.AioRpcError as err:
            raise map_rpc_error(err, "health check", timeout_s) from None
        return vocab.enum_name(health_pb2.HealthCheckResponse.ServingStatus, resp.status, "").upper()
