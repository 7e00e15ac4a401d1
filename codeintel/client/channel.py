"""One set of channel options and bearer handling for every caller of the coordinator."""

from __future__ import annotations

import contextvars
from collections.abc import Sequence

import grpc

# Responses may carry large ASTs, SARIF logs or a batch's results; requests are bounded by the
# coordinator's own --max-message-bytes, which answers RESOURCE_EXHAUSTED above it.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024

Metadata = tuple[tuple[str, str], ...]

# The `Authorization: Bearer <key>` of the request a proxy (the MCP bridge over HTTP) is serving.
# When set, it replaces the client's own key for calls made in that context, so the coordinator
# sees the caller's tenant. The client does not judge the key: the coordinator authenticates it.
CALLER_AUTHORIZATION: contextvars.ContextVar[str | None] = contextvars.ContextVar("caller_authorization", default=None)


def options(extra: Sequence[tuple[str, object]] = ()) -> list[tuple[str, object]]:
    """Channel arguments: message limits both ways, no transparent retries (the coordinator retries
    idempotent work itself, and callers decide on the rest)."""
    return [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.enable_retries", 0),
        *extra,
    ]


def aio_channel(address: str, extra: Sequence[tuple[str, object]] = ()) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(address, options=options(extra))


def sync_channel(address: str, extra: Sequence[tuple[str, object]] = ()) -> grpc.Channel:
    return grpc.insecure_channel(address, options=options(extra))


def bearer_metadata(api_key: str | None) -> Metadata:
    """`authorization: Bearer <key>` call metadata, or none without a key."""
    return (("authorization", f"Bearer {api_key}"),) if api_key else ()


def bearer(header: str | None) -> str | None:
    """`Bearer <token>` normalised, or None when the header is absent or not a bearer token."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        return None
    return f"Bearer {token}"


def call_metadata(own: Metadata) -> Metadata:
    """The metadata of one call: the served caller's bearer when a proxy set one, else our own."""
    caller = CALLER_AUTHORIZATION.get()
    return (("authorization", caller),) if caller else own
