"""OpenTelemetry tracing: one trace per call across the MCP bridge, the coordinator and the workers.

Off by default. It turns on when an OTLP endpoint is configured through the standard variables
(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) and is not disabled
(OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none). Off costs nothing measurable: the SDK is not
even imported, no provider is installed, and every helper here checks the module-level `ENABLED`
first and returns at once — no span, no context, no metadata copy.

W3C trace context (`traceparent`, `tracestate`) travels in gRPC metadata: `rpc()` injects it on
the client side, `ServerTracing` / `AsyncServerTracing` extract it on the server side. Written
here rather than taken from opentelemetry-instrumentation-grpc so that the spans carry our own
bounded attributes and health/info probes are not traced (they run every second per worker).

Spans (see docs/tracing.md): bridge "mcp.tool <tool>" -> client "<service>/<method>" ->
coordinator server span -> admission, cache l1/l2, queue wait, one client span per worker call
(a retry is another) -> worker server span -> "<operation>.work" per file.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from opentelemetry import trace
from opentelemetry.propagators.textmap import Getter, Setter
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger("codeintel.tracing")

ENABLED = False  # the one check every hot path makes first
_tracer: trace.Tracer = trace.NoOpTracer()  # replaced by install(); used only while ENABLED
_provider = None  # the SDK TracerProvider this process installed (for shutdown)
_propagator = TraceContextTextMapPropagator()

SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
# Probes and discovery calls, made every second per worker: never traced.
_UNTRACED_PREFIXES = ("/grpc.", "/codeintel.v1.InfoService/")
_MAX_STATUS_CHARS = 200


class TracingConfigError(ValueError):
    """A tracing setting has a bad value; the message names the variable and what is allowed."""


@dataclass(frozen=True)
class TracingConfig:
    """Tracing settings, read once from the standard OpenTelemetry environment variables."""

    endpoint: str = ""  # OTLP/gRPC collector; empty: tracing off
    sampler: str = "parentbased_always_on"
    sampler_arg: float = 1.0  # ratio for the *traceidratio samplers

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TracingConfig:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, "").strip()

        if get("OTEL_SDK_DISABLED").lower() == "true":
            return cls()
        exporter = get("OTEL_TRACES_EXPORTER").lower() or "otlp"
        if exporter == "none":
            return cls()
        if exporter != "otlp":
            raise TracingConfigError(f"OTEL_TRACES_EXPORTER={exporter!r} is not supported; use 'otlp' or 'none'")
        endpoint = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or get("OTEL_EXPORTER_OTLP_ENDPOINT")
        if not endpoint:
            return cls()
        for name in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
            protocol = get(name)
            if protocol:
                if protocol != "grpc":
                    raise TracingConfigError(
                        f"{name}={protocol!r} is not supported: codeintel exports OTLP over gRPC only; "
                        "set it to 'grpc' (or unset it) and point the endpoint at the collector's gRPC port (4317)"
                    )
                break
        scheme, sep, rest = endpoint.partition("://")
        hostport = rest if sep else endpoint
        if (sep and scheme not in ("http", "https")) or ":" not in hostport.split("/")[0]:
            raise TracingConfigError(
                f"OTLP endpoint {endpoint!r} is not http://HOST:PORT or https://HOST:PORT "
                "(http:// for a plaintext collector, e.g. http://otel-collector:4317)"
            )
        sampler = get("OTEL_TRACES_SAMPLER").lower() or cls.sampler
        if sampler not in SAMPLERS:
            raise TracingConfigError(f"OTEL_TRACES_SAMPLER={sampler!r} is not one of {', '.join(SAMPLERS)}")
        arg = 1.0
        raw = get("OTEL_TRACES_SAMPLER_ARG")
        if raw and sampler.endswith("traceidratio"):
            try:
                arg = float(raw)
            except ValueError:
                arg = math.nan
            if not 0.0 <= arg <= 1.0:
                raise TracingConfigError(f"OTEL_TRACES_SAMPLER_ARG={raw!r} must be a number from 0 to 1")
        return cls(endpoint=endpoint, sampler=sampler, sampler_arg=arg)


# -- process setup -------------------------------------------------------------------------------
def setup(component: str, env: Mapping[str, str] | None = None) -> bool:
    """Turn tracing on for this process when the environment configures an endpoint.

    `component` is the default service.name (OTEL_SERVICE_NAME or a service.name in
    OTEL_RESOURCE_ATTRIBUTES win). Returns whether tracing is on. A bad value exits with a
    message naming the variable."""
    try:
        config = TracingConfig.from_env(env)
    except TracingConfigError as e:
        raise SystemExit(f"{component}: {e}") from None
    if not config.enabled:
        return False
    # Imported only here: with tracing off the SDK and the exporter are never loaded.
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.namespace": "codeintel"})
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: component}))
    # shutdown() flushes, bounded in time; an atexit flush could block the exit on a dead collector.
    provider = TracerProvider(resource=resource, sampler=_sampler(config), shutdown_on_exit=False)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=config.endpoint)))
    # Global too, so spans other libraries make (the MCP SDK's "tools/call") join the same traces.
    trace.set_tracer_provider(provider)
    install(provider)
    log.info("tracing on: OTLP/gRPC to %s, sampler %s", config.endpoint, config.sampler)
    return True


def _sampler(config: TracingConfig):
    from opentelemetry.sdk.trace import sampling

    ratio = sampling.TraceIdRatioBased(config.sampler_arg)
    root = {"always_on": sampling.ALWAYS_ON, "always_off": sampling.ALWAYS_OFF, "traceidratio": ratio}[
        config.sampler.removeprefix("parentbased_")
    ]
    return sampling.ParentBased(root) if config.sampler.startswith("parentbased_") else root


def install(provider) -> None:
    """Trace through `provider` from now on (setup() uses it; tests pass an in-memory one)."""
    global ENABLED, _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer("codeintel")
    ENABLED = True


def disable() -> None:
    """Stop tracing in this process (the provider is kept until shutdown())."""
    global ENABLED
    ENABLED = False


def shutdown(timeout: float = 5.0) -> None:
    """Export what is still buffered, then stop: the last spans of a draining process are kept.
    Waits at most `timeout` seconds: an unreachable collector (the exporter retries for up to
    OTEL_EXPORTER_OTLP_TIMEOUT) must not hold up the process's exit."""
    global ENABLED, _provider
    provider, _provider = _provider, None
    ENABLED = False
    if provider is None:
        return

    def flush() -> None:
        try:
            provider.force_flush(int(timeout * 1000))
            provider.shutdown()
        except Exception:  # noqa: BLE001 - a collector problem must not break the shutdown
            log.warning("tracing: flushing spans on shutdown failed", exc_info=True)

    done = threading.Thread(target=flush, name="tracing-shutdown", daemon=True)
    done.start()
    done.join(timeout)
    if done.is_alive():
        log.warning("tracing: spans not exported within %.0fs on shutdown (collector unreachable?)", timeout)


# -- spans -------------------------------------------------------------------------------------
class _Noop:
    __slots__ = ()

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_NOOP = _Noop()


def span(name: str):
    """`with tracing.span(name) as sp:` — an internal span made current; `sp` is None when off
    (set attributes only `if sp is not None`). An exception marks the span as failed."""
    if not ENABLED:
        return _NOOP
    return _current(name)


@contextlib.contextmanager
def _current(name: str, attributes: Mapping[str, str] | None = None):
    """A current internal span; a failure sets its status (message cut short, no stack trace)."""
    with _tracer.start_as_current_span(
        name, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as sp:
        try:
            yield sp
        except BaseException as e:
            _fail(sp, e)
            raise


def start(name: str, kind: SpanKind = SpanKind.INTERNAL):
    """A span that is not made current (for a stretch with nothing traced inside it, e.g. a wait);
    None when off. Close it with end()."""
    if not ENABLED:
        return None
    return _tracer.start_span(name, kind=kind)


def end(span, result: str | None = None, error: BaseException | None = None) -> None:
    """End a span from start(); `result` is a short fixed word (hit, miss, ...)."""
    if span is None:
        return
    if result is not None:
        span.set_attribute("codeintel.result", result)
    if error is not None:
        _fail(span, error)
    span.end()


def end_lookup(span, hits: int, keys: int) -> None:
    """End a cache-lookup span from start(): result hit (some found) or miss, and the counts."""
    if span is None:
        return
    span.set_attribute("codeintel.cache.keys", keys)
    span.set_attribute("codeintel.cache.hits", hits)
    end(span, "hit" if hits else "miss")


def end_lookup_values(span, values) -> None:
    """end_lookup() for a list of looked-up values (None: not found)."""
    if span is not None:
        end_lookup(span, sum(v is not None for v in values), len(values))


def attribute(span, key: str, value) -> None:
    """Set one attribute on a span that may be None (tracing off)."""
    if span is not None:
        span.set_attribute(key, value)


def _fail(span, error: BaseException) -> None:
    span.set_attribute("error.type", type(error).__name__)
    span.set_status(Status(StatusCode.ERROR, str(error)[:_MAX_STATUS_CHARS]))


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for log lines; None when off or no span."""
    if not ENABLED:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


# -- propagation in gRPC metadata ----------------------------------------------------------------
class _MetadataGetter(Getter):
    """Reads gRPC invocation metadata (a sequence of (key, value)) without copying it."""

    def get(self, carrier, key: str):
        values = [v for k, v in carrier or () if k == key]
        return values or None

    def keys(self, carrier):
        return [k for k, _ in carrier or ()]


_GETTER = _MetadataGetter()


class _ListSetter(Setter[list[tuple[str, str]]]):
    def set(self, carrier: list[tuple[str, str]], key: str, value: str) -> None:
        carrier.append((key, value))


_SETTER = _ListSetter()


def inject(metadata=None, span=None):
    """`metadata` plus the W3C trace context of `span` (default: the current span). Unchanged
    (the same object, no copy) when off."""
    if not ENABLED:
        return metadata
    out = list(metadata or ())
    ctx = trace.set_span_in_context(span) if span is not None else None
    _propagator.inject(out, context=ctx, setter=_SETTER)
    return tuple(out)


def extract(metadata):
    """The trace context carried by incoming gRPC metadata (an empty context when none)."""
    return _propagator.extract(metadata, getter=_GETTER)


# -- client calls --------------------------------------------------------------------------------
def _method_name(callable_) -> str:
    # grpc.aio multicallables keep the full method path (b"/pkg.Service/Method").
    method = getattr(callable_, "_method", None)
    if isinstance(method, bytes):
        return method.decode("ascii", "replace").lstrip("/")
    return "rpc"


def rpc(
    callable_,
    request,
    *,
    timeout: float | None,
    metadata=None,
    operation: str = "",
    address: str = "",
    attempt: int = 0,
):
    """Awaitable `callable_(request, timeout=..., metadata=...)` inside a client span whose context
    travels in the metadata. Off: exactly the plain call (no extra coroutine)."""
    if not ENABLED:
        return callable_(request, timeout=timeout, metadata=metadata)
    return _traced_rpc(callable_, request, timeout, metadata, operation, address, attempt)


async def _traced_rpc(callable_, request, timeout, metadata, operation, address, attempt):
    name = _method_name(callable_)
    with _tracer.start_as_current_span(
        name, kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
    ) as sp:
        service, _, method = name.rpartition("/")
        sp.set_attribute("rpc.system", "grpc")
        sp.set_attribute("rpc.service", service)
        sp.set_attribute("rpc.method", method)
        if operation:
            sp.set_attribute("codeintel.operation", operation)
        if address:
            sp.set_attribute("server.address", address)
        if attempt:
            sp.set_attribute("codeintel.attempt", attempt)
        try:
            response = await callable_(request, timeout=timeout, metadata=inject(metadata))
        except grpc.aio.AioRpcError as e:
            code = e.code()
            sp.set_attribute("rpc.grpc.status_code", code.value[0])
            sp.set_status(Status(StatusCode.ERROR, code.name))
            raise
        except BaseException as e:
            _fail(sp, e)
            raise
        sp.set_attribute("rpc.grpc.status_code", 0)
        return response


def traced(name: str, fn, attributes: Mapping[str, str] | None = None):
    """Wrap a coroutine function so each call runs in an internal span `name` (when on)."""

    @functools.wraps(fn)
    async def run(*args, **kwargs):
        if not ENABLED:
            return await fn(*args, **kwargs)
        with _current(name, attributes):
            return await fn(*args, **kwargs)

    return run


def file_work(operation: str):
    """Decorator of a worker servicer's per-file method `(self, file, options, budget) -> result`:
    a "<operation>.work" span per file with its language and size (when on)."""
    name = f"{operation}.work"

    def wrap(fn):
        @functools.wraps(fn)
        def work(self, f, *args):
            if not ENABLED:
                return fn(self, f, *args)
            with _current(name) as sp:
                sp.set_attribute("codeintel.bytes", len(f.content))
                result = fn(self, f, *args)
                if getattr(result, "language", ""):
                    sp.set_attribute("codeintel.language", result.language)
                return result

        return work

    return wrap


# -- server side -------------------------------------------------------------------------------
def _request_attributes(sp, request) -> None:
    """Bounded facts about a request: size, file count, language (as given)."""
    file = getattr(request, "file", None)
    if file is not None and hasattr(file, "content"):
        sp.set_attribute("codeintel.bytes", len(file.content))
        if file.language:
            sp.set_attribute("codeintel.language", file.language[:32])
        return
    files = getattr(request, "files", None)
    if files is not None:
        sp.set_attribute("codeintel.files", len(files))
        sp.set_attribute("codeintel.bytes", sum(len(f.content) for f in files))


def _code_value(code) -> int | None:
    if isinstance(code, grpc.StatusCode):
        return code.value[0]
    if isinstance(code, int):
        return code
    return None


def _server_span(method: str, metadata):
    full = method.lstrip("/")
    service, _, name = full.rpartition("/")
    return _tracer.start_as_current_span(
        full,
        context=extract(metadata),
        kind=SpanKind.SERVER,
        record_exception=False,
        set_status_on_exception=False,
        attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": name},
    )


def _finish_server_span(sp, context, error: BaseException | None) -> None:
    code = _code_value(context.code())
    if code is None:
        code = 0 if error is None else grpc.StatusCode.UNKNOWN.value[0]
    sp.set_attribute("rpc.grpc.status_code", code)
    if code != 0:
        sp.set_status(Status(StatusCode.ERROR, _CODE_NAMES.get(code, str(code))))


_CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


def _traced_method(method: str) -> bool:
    return not method.startswith(_UNTRACED_PREFIXES)


class ServerTracing(grpc.ServerInterceptor):
    """Sync servers (the workers): a server span per unary call, parented by the caller's
    traceparent. Probes (health, reflection, InfoService) are not traced."""

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if (
            not ENABLED
            or handler is None
            or handler.unary_unary is None
            or not _traced_method(handler_call_details.method)
        ):
            return handler
        inner, method = handler.unary_unary, handler_call_details.method

        def behavior(request, context):
            with _server_span(method, context.invocation_metadata()) as sp:
                _request_attributes(sp, request)
                try:
                    response = inner(request, context)
                except BaseException as e:
                    _finish_server_span(sp, context, e)
                    raise
                _finish_server_span(sp, context, None)
                return response

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class AsyncServerTracing(grpc.aio.ServerInterceptor):
    """grpc.aio servers (the coordinator): the same as ServerTracing."""

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if (
            not ENABLED
            or handler is None
            or handler.unary_unary is None
            or not _traced_method(handler_call_details.method)
        ):
            return handler
        inner, method = handler.unary_unary, handler_call_details.method

        async def behavior(request, context):
            with _server_span(method, context.invocation_metadata()) as sp:
                _request_attributes(sp, request)
                try:
                    response = await inner(request, context)
                except BaseException as e:
                    _finish_server_span(sp, context, e)
                    raise
                _finish_server_span(sp, context, None)
                return response

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def server_interceptors(asyncio: bool = False) -> list:
    """The tracing interceptor to append to a server's list; none when tracing is off."""
    if not ENABLED:
        return []
    return [AsyncServerTracing() if asyncio else ServerTracing()]
