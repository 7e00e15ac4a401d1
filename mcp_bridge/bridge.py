"""What every tool of the bridge stands on.

Jobs:
- ``Bridge``: the state the tools share (config, allowed-roots path policy, coordinator client);
  ``source()`` turns a tool's `code` / `path` input into a SourceFile, ``call()`` turns a failed
  coordinator call into a tool error the model can act on;
- ``guard``: the decorator every tool runs under: the caller's bearer token on to the coordinator,
  one span and one metric per call, unexpected exceptions logged here and answered generically;
- ``tool_annotations`` (the tools' read-only hints) and ``result`` (structured content + text summary).
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from codeintel.client import CALLER_AUTHORIZATION, ClientError, CoordinatorClient, bearer
from codeintel.observability import metrics, tracing
from codeintel.v1 import common_pb2
from mcp_bridge.config import BridgeConfig
from mcp_bridge.paths import PathError, PathPolicy

log = logging.getLogger("mcp_bridge")

T = TypeVar("T")
ToolFn = Callable[..., Awaitable[CallToolResult]]


class CoordinatorError(ToolError):
    """A coordinator call failed: its message is for the model, `outcome` (the call's status, lower
    case) labels codeintel_mcp_tool_calls_total."""

    def __init__(self, message: str, outcome: str):
        super().__init__(message)
        self.outcome = outcome


class Bridge:
    """The state shared by the tools: config, path policy and coordinator client."""

    def __init__(self, config: BridgeConfig):
        self.config = config
        self.policy = PathPolicy(config.effective_roots(), config.max_file_bytes)
        self.client = CoordinatorClient(config.coordinator, timeout_s=config.timeout_s, api_key=config.api_key)

    def source(
        self, code: str | None, path: str | None, language: str | None, filename: str | None
    ) -> common_pb2.SourceFile:
        """Build the SourceFile from exactly one of `code` / `path`; raise ToolError otherwise."""
        if code is not None and path is not None:
            raise ToolError("give either `code` (source text) or `path` (a file), not both")
        lang = (language or "").strip()
        if code is None:
            if path is None:
                raise ToolError("missing input: give `code` (source text) or `path` (a file under the allowed roots)")
            return self._read(path, lang)
        try:
            content = code.encode("utf-8")
        except UnicodeEncodeError:
            raise ToolError("`code` contains invalid Unicode (lone surrogates); send valid text") from None
        if len(content) > self.config.max_file_bytes:
            raise ToolError(
                f"`code` is too large: {len(content):,} bytes; the limit is {self.config.max_file_bytes:,} bytes. "
                f"Send only the relevant part."
            )
        return common_pb2.SourceFile(path=(filename or "").strip(), language=lang, content=content)

    def _read(self, path: str, language: str) -> common_pb2.SourceFile:
        try:
            loaded = self.policy.read(path)
        except PathError as exc:
            raise ToolError(str(exc)) from None
        if b"\x00" in loaded.content:
            raise ToolError(f"{path!r} looks binary (it contains NUL bytes); only source text files can be processed")
        return common_pb2.SourceFile(path=loaded.display_path, language=language, content=loaded.content)

    async def call(self, coro: Awaitable[T]) -> T:
        """Await a coordinator call; its ClientError becomes a CoordinatorError (a tool error)."""
        try:
            return await coro
        except ClientError as exc:
            raise CoordinatorError(str(exc), exc.code.lower()) from None


def tool_annotations(title: str) -> ToolAnnotations:
    """Every tool of the bridge only reads: files under the roots and the coordinator's answers."""
    return ToolAnnotations(
        title=title, read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )


def result(out: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=out.model_dump(mode="json", by_alias=True),
    )


def guard(name: str) -> Callable[[ToolFn], ToolFn]:
    """Turn unexpected exceptions into a generic tool error (logged here, never sent), and pass the
    caller's `Authorization: Bearer` header (HTTP transport) on to the coordinator.

    The SDK hands a Context to a parameter annotated with it; `inner` declares one (`mcp_context`)
    on top of the tool's own parameters, so the tools themselves stay free of transport details."""

    def wrap(fn: ToolFn) -> ToolFn:
        traced = tracing.traced(
            f"mcp.tool {name}", fn, {"mcp.tool.name": name}
        )  # one span per tool call (when tracing is on)

        wants_context = "mcp_context" in inspect.signature(fn).parameters  # e.g. for progress (repo tools)
        tool_metrics = metrics.shared(metrics.McpMetrics)

        @functools.wraps(fn)
        async def inner(*args: Any, mcp_context: Context | None = None, **kwargs: Any) -> CallToolResult:
            headers = (mcp_context.headers if mcp_context is not None else None) or {}
            token = CALLER_AUTHORIZATION.set(bearer(headers.get("authorization")))
            t0, outcome = time.perf_counter(), "internal"
            try:
                if wants_context:
                    kwargs["mcp_context"] = mcp_context
                out: CallToolResult = await traced(*args, **kwargs)
                outcome = "ok"
                return out
            except CoordinatorError as exc:
                outcome = exc.outcome
                raise
            except ToolError:
                outcome = "invalid_input"  # raised here, before any backend call
                raise
            except Exception:
                log.exception("tool %s failed unexpectedly", name)
                raise ToolError(
                    f"internal error in the MCP bridge while running {name}; retry, and report it if it persists"
                ) from None
            finally:
                CALLER_AUTHORIZATION.reset(token)
                tool_metrics.observe(name, outcome, time.perf_counter() - t0)

        sig = inspect.signature(fn, eval_str=True)  # resolved: the SDK cannot evaluate a __signature__
        extra = inspect.Parameter("mcp_context", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Context)
        params = [p for p in sig.parameters.values() if p.name != "mcp_context"]
        # typeshed's function types do not declare __signature__, which inspect.signature (and so the SDK) reads
        inner.__signature__ = sig.replace(parameters=[*params, extra])  # type: ignore[attr-defined]
        inner.__annotations__ = {
            **{p.name: p.annotation for p in params},
            "return": sig.return_annotation,
            "mcp_context": Context,
        }
        return inner

    return wrap
