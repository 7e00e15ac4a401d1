"""Output parts several tools share: how the coordinator served a call (``ServedBy``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codeintel.kernel.vocab import cache_status_name
from codeintel.v1 import coordinator_pb2


class ServedBy(BaseModel):
    """How the coordinator served the call."""

    cache: str = Field(description="'miss', 'hit_l1', 'hit_l2' or 'merged'")
    service_version: str = ""
    queue_wait_ms: float = 0.0


def served_by(info: coordinator_pb2.ResponseInfo) -> ServedBy:
    return ServedBy(
        cache=cache_status_name(info.cache),
        service_version=info.service_version,
        queue_wait_ms=round(info.queue_wait_ms, 3),
    )
