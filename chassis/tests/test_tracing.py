"""The trace context recorded with an event, carried in its CloudEvents headers and continued where it is
consumed: given a span, when an event is appended under it and crosses the wire, then what handles it is a child."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chassis import tracing
from chassis.eventstore import from_doc, to_doc
from chassis.trace_files import OtlpJsonFileExporter
from contracts.envelope import SYSTEM, EventEnvelope
from contracts.wire import from_kafka, to_kafka

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
EXPORTED = InMemorySpanExporter()
PROVIDER: list[TracerProvider] = []


@pytest.fixture(scope="module", autouse=True)
def provider() -> Iterator[None]:
    """The SDK as `tracing.configure` installs it, exporting to memory, for this module only: the other tests
    run with tracing off, as a service without an exporter does."""
    sdk = TracerProvider()
    sdk.add_span_processor(SimpleSpanProcessor(EXPORTED))
    tracing.use_provider(sdk)
    PROVIDER[:] = [sdk]
    yield
    tracing.use_provider(None)
    sdk.shutdown()


@pytest.fixture(autouse=True)
def cleared() -> Iterator[None]:
    EXPORTED.clear()
    yield


def _event() -> EventEnvelope:
    return EventEnvelope(
        type="DeclarationFiled",
        schema_version=1,
        stream_id="decl-1",
        stream_type="declaration",
        version=1,
        territory="971",
        actor=SYSTEM,
        correlation_id="corr-1",
        data={"n": 1},
    ).chained("0" * 64)


def test_the_trace_context_crosses_the_wire_in_the_cloudevents_headers() -> None:
    traced = _event().traced(PARENT)
    _, value, headers = to_kafka(traced, "declarations")
    assert ("ce_traceparent", PARENT.encode()) in headers
    assert from_kafka(value, headers).traceparent == PARENT


def test_an_event_without_a_trace_travels_without_the_header() -> None:
    _, value, headers = to_kafka(_event(), "declarations")
    assert all(name != "ce_traceparent" for name, _ in headers)
    assert from_kafka(value, headers).traceparent is None


def test_the_trace_context_is_stored_beside_the_event_and_never_hashed() -> None:
    event = _event()
    traced = event.traced(PARENT)
    assert traced.hash == event.hash and traced.compute_hash() == event.hash
    assert "traceparent" not in traced.model_dump()  # nor in an audit bundle
    doc = to_doc(traced)
    assert doc["traceparent"] == PARENT
    assert from_doc(doc).traceparent == PARENT
    assert from_doc(to_doc(event)).traceparent is None


def test_what_is_appended_under_a_span_continues_its_trace_where_it_is_consumed() -> None:
    with tracing.span("POST /filing") as request:
        recorded = _event().traced(tracing.traceparent())
    _, value, headers = to_kafka(recorded, "declarations")
    with tracing.continued("consume DeclarationFiled", from_kafka(value, headers).traceparent) as consumed:
        assert consumed is not None
    [first, second] = EXPORTED.get_finished_spans()
    assert first.name == "POST /filing" and second.name == "consume DeclarationFiled"
    assert second.context.trace_id == request.get_span_context().trace_id
    assert second.parent is not None and second.parent.span_id == request.get_span_context().span_id


def test_an_event_that_carries_no_trace_starts_none() -> None:
    with tracing.continued("consume DeclarationFiled", None) as consumed:
        assert consumed is None
        assert tracing.traceparent() is None
    assert tracing.start("publish", kind=trace.SpanKind.PRODUCER, parent="not a traceparent") is None
    assert EXPORTED.get_finished_spans() == ()


def test_a_started_span_is_the_parent_the_next_hop_names() -> None:
    published = tracing.start("publish DeclarationFiled", kind=trace.SpanKind.PRODUCER, parent=PARENT)
    assert published is not None
    hop = tracing.traceparent_of(published)
    published.end()
    assert hop is not None and hop.split("-")[1] == PARENT.split("-")[1]
    assert hop.split("-")[2] == format(published.get_span_context().span_id, "016x")


def test_the_trace_context_does_not_make_another_event() -> None:
    event = _event()
    assert event.traced(PARENT) == event and hash(event.traced(PARENT)) == hash(event)
    assert event.traced(PARENT) != event.model_copy(update={"version": 2})


def test_with_tracing_off_nothing_is_traced_nor_recorded() -> None:
    tracing.use_provider(None)  # as a process where `configure` found no exporter
    try:
        with tracing.span("POST /filing") as request:
            assert not request.is_recording()
            assert tracing.traceparent() is None
        assert tracing.start("publish", kind=trace.SpanKind.PRODUCER, parent=PARENT) is None
        with tracing.continued("consume DeclarationFiled", PARENT) as consumed:
            assert consumed is None
    finally:
        tracing.use_provider(PROVIDER[0])
    assert EXPORTED.get_finished_spans() == ()


def test_without_any_exporter_set_nothing_is_configured() -> None:
    assert tracing.configure("declarations", environ={}) is False
    assert tracing.configure("declarations", environ={"OTEL_SDK_DISABLED": "true", "TRACES_DIR": "x"}) is False


def test_spans_are_written_as_otlp_json_lines_with_hex_ids(tmp_path: Path) -> None:
    with tracing.span("append DeclarationFiled", attributes={"stream.id": "decl-1"}):
        pass
    path = tmp_path / "declarations-1.jsonl"
    OtlpJsonFileExporter(path).export(EXPORTED.get_finished_spans())
    [line] = path.read_text().splitlines()
    [one] = json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert one["name"] == "append DeclarationFiled"
    assert len(one["traceId"]) == 32 and int(one["traceId"], 16) > 0
    assert len(one["spanId"]) == 16 and one["kind"] == 1  # SPAN_KIND_INTERNAL as an integer
    assert {"key": "stream.id", "value": {"stringValue": "decl-1"}} in one["attributes"]
