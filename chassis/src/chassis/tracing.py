"""OpenTelemetry traces: one filing followed across HTTP, the event log, Kafka and the mail, as one trace.

The W3C trace context (`traceparent`) travels with each event: recorded in the stored envelope when it is
appended (the relay publishes later, from another task), carried in the CloudEvents headers
(`ce_traceparent`, the CloudEvents distributed-tracing extension), and continued by the consumer into what
it appends in turn.

Where spans go is the standard OpenTelemetry environment's business (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_SDK_DISABLED`…), plus `TRACES_DIR`: a directory where
`make run` writes them as OTLP/JSON lines (`chassis.trace_files`). With none of them set, nothing is
configured: the API's no-op tracer answers, and every helper here returns at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

Attributes = Mapping[str, str | int | bool]

SETTINGS = frozenset(
    {
        "OTEL_SDK_DISABLED",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "TRACES_DIR",
    }
)
"""The environment variables tracing reads (OpenTelemetry's standard ones, and TRACES_DIR), in any process."""
_PROPAGATOR = TraceContextTextMapPropagator()
_configured: list[str] = []
_local: list[trace.TracerProvider] = []
"""A provider this module uses instead of the process's global one (`use_provider`)."""
TRACER_NAME = "chassis"


def configure(service: str, environ: Mapping[str, str] | None = None) -> bool:
    """Installs a tracer provider for `service` when the environment asks for spans; True when it did.
    Once per process: the first service name wins (a process is one service)."""
    env = os.environ if environ is None else environ
    if _configured:
        return True
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    directory = env.get("TRACES_DIR", "")
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not directory and not endpoint:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    exporter: SpanExporter
    if directory:
        from chassis.trace_files import OtlpJsonFileExporter

        exporter = OtlpJsonFileExporter(Path(directory) / f"{service}-{os.getpid()}.jsonl")
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # endpoint, headers, timeout: the standard OTEL_EXPORTER_OTLP_* variables
    # The sampler comes from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default: parent-based, always on).
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured.append(service)
    return True


def use_provider(provider: trace.TracerProvider | None) -> None:
    """Spans of this module to `provider` rather than to the global provider (which a process sets once and for
    all); None goes back to the global one. For a test that records spans and must leave none behind it."""
    _local[:] = [provider] if provider is not None else []


def tracer() -> trace.Tracer:
    provider = _local[0] if _local else trace.get_tracer_provider()
    return provider.get_tracer(TRACER_NAME)


def _on() -> bool:
    """Whether spans go anywhere: off, every helper returns at once (no context to attach, nothing to format)."""
    return bool(_configured or _local)


def traceparent() -> str | None:
    """The current span as a W3C `traceparent`, None when there is no recording span (tracing off)."""
    if not _on() or not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def inject(headers: MutableMapping[str, str]) -> None:
    """Adds the current span's `traceparent` to outgoing HTTP headers (nothing when tracing is off)."""
    if (value := traceparent()) is not None:
        headers["traceparent"] = value


def context_of(parent: str | None) -> otel_context.Context | None:
    """The context a `traceparent` names; None for none or a malformed one (or tracing off)."""
    if not parent or not _on():
        return None
    extracted = _PROPAGATOR.extract({"traceparent": parent})
    return extracted if trace.get_current_span(extracted).get_span_context().is_valid else None


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: str | None = None,
    attributes: Attributes | None = None,
) -> Iterator[Span]:
    """A span, child of `parent` (a `traceparent`) when given, else of the current span."""
    if not _on():
        yield trace.INVALID_SPAN
        return
    with tracer().start_as_current_span(
        name, context=context_of(parent), kind=kind, attributes=dict(attributes or {})
    ) as current:
        yield current


def continued(
    name: str, parent: str | None, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Attributes | None = None
) -> AbstractContextManager[Span | None]:
    """A span continuing the trace `parent` names; no span at all when the event carries no trace (recorded
    before tracing, or with tracing off where it was recorded): no orphan trace per event."""
    if context_of(parent) is None:
        return nullcontext()
    return span(name, kind=kind, parent=parent, attributes=attributes)


def start(name: str, *, kind: SpanKind, parent: str | None, attributes: Attributes | None = None) -> Span | None:
    """A span started, not made current, for work that ends later (a publish acknowledged with others);
    None when `parent` names no trace. The caller ends it."""
    context = context_of(parent)
    if context is None:
        return None
    return tracer().start_span(name, context=context, kind=kind, attributes=dict(attributes or {}))


def traceparent_of(started: Span) -> str | None:
    """`started` as a W3C `traceparent`."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(started))
    return carrier.get("traceparent")
