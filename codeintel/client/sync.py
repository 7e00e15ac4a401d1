"""The blocking client of the coordinator, for the CLI and the supervisor (no event loop).

Same channel options, bearer handling, requests and error mapping as the asyncio client
(codeintel.client.aio); every call has a deadline and raises `ClientError` on failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import grpc

from codeintel.client import channel as ch
from codeintel.client.aio import GRAPH_OPERATIONS
from codeintel.client.errors import map_rpc_error
from codeintel.client.requests import batch_request
from codeintel.v1 import (
    common_pb2,
    coordinator_pb2,
    coordinator_pb2_grpc,
    graph_pb2,
    graph_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    review_pb2,
    review_pb2_grpc,
)


class SyncCoordinatorClient:
    def __init__(self, address: str, *, timeout_s: float = 30.0, api_key: str | None = None):
        self.address = address
        self.timeout_s = timeout_s
        self.metadata: ch.Metadata = ch.bearer_metadata(api_key)
        self._channel = ch.sync_channel(address)
        self._codeintel = coordinator_pb2_grpc.CodeIntelServiceStub(self._channel)
        self._admin = coordinator_pb2_grpc.AdminServiceStub(self._channel)
        self._graph = graph_pb2_grpc.GraphServiceStub(self._channel)
        self._review = review_pb2_grpc.ReviewServiceStub(self._channel)
        self._query = query_pb2_grpc.QueryServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> SyncCoordinatorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, operation: str, method: Any, request: Any, timeout_s: float | None) -> Any:
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            return method(request, timeout=timeout, metadata=self.metadata)
        except grpc.RpcError as err:
            raise map_rpc_error(err, operation, timeout) from None

    def batch(
        self,
        operation: str,
        files: Iterable[common_pb2.SourceFile],
        options: Any,
        priority: str = "normal",
        timeout_s: float | None = None,
    ) -> Any:
        """ParseBatch / AnalyzeBatch / ScanBatch (`operation`: parse, analyze, scan)."""
        method = getattr(self._codeintel, f"{operation.capitalize()}Batch")
        return self._call(f"{operation} batch", method, batch_request(operation, files, options, priority), timeout_s)

    def run_repository(
        self, request: coordinator_pb2.CodeIntelServiceRunRepositoryRequest, timeout_s: float | None = None
    ) -> Iterator[coordinator_pb2.CodeIntelServiceRunRepositoryResponse]:
        """The events of a RunRepository call; `timeout_s` None: no deadline beyond the server's own."""
        try:
            yield from self._codeintel.RunRepository(request, timeout=timeout_s, metadata=self.metadata)
        except grpc.RpcError as err:
            raise map_rpc_error(err, "repository run", timeout_s) from None

    def graph(self, rpc: str, request: Any, timeout_s: float | None = None) -> Any:
        """A unary GraphService method by name (see CoordinatorClient.graph)."""
        return self._call(GRAPH_OPERATIONS.get(rpc, rpc), getattr(self._graph, rpc), request, timeout_s)

    def code_query(
        self, request: query_pb2.CodeQueryRequest, timeout_s: float | None = None
    ) -> query_pb2.CodeQueryResponse:
        """QueryService.CodeQuery (see CoordinatorClient.code_query)."""
        return self._call("code query", self._query.CodeQuery, request, timeout_s)

    def index_repository(
        self, request: graph_pb2.IndexRepositoryRequest, timeout_s: float | None = None
    ) -> Iterator[graph_pb2.IndexRepositoryResponse]:
        """The events of an IndexRepository call; `timeout_s` None: no deadline beyond the server's own."""
        try:
            yield from self._graph.IndexRepository(request, timeout=timeout_s, metadata=self.metadata)
        except grpc.RpcError as err:
            raise map_rpc_error(err, "index run", timeout_s) from None

    def review_changes(
        self, request: review_pb2.ReviewChangesRequest, timeout_s: float | None = None
    ) -> review_pb2.ReviewChangesResponse:
        """ReviewService.ReviewChanges (see CoordinatorClient.review_changes)."""
        return self._call("review", self._review.ReviewChanges, request, timeout_s)

    def list_rules(self, language: str = "", timeout_s: float | None = None, custom_rules=()) -> Any:
        """The scan rules; `custom_rules` (RuleFiles) are validated and listed with them."""
        request = coordinator_pb2.CodeIntelServiceListRulesRequest(language=language, custom_rules=custom_rules)
        return self._call("rule listing", self._codeintel.ListRules, request, timeout_s)

    def get_stats(self, timeout_s: float | None = None) -> coordinator_pb2.GetStatsResponse:
        return self._call("stats query", self._admin.GetStats, coordinator_pb2.GetStatsRequest(), timeout_s)

    def list_workers(self, service: str = "", timeout_s: float | None = None) -> coordinator_pb2.ListWorkersResponse:
        request = coordinator_pb2.ListWorkersRequest(service=service)
        return self._call("worker listing", self._admin.ListWorkers, request, timeout_s)
