"""Contracts: upcasting old events, the hash chain, the wire format, money, generated schemas."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

import contracts.events  # noqa: F401
from contracts import export
from contracts.envelope import GENESIS_HASH, Actor, EventEnvelope, verify_chain
from contracts.events.declarations import LineAdded
from contracts.registry import parse, upcast
from contracts.wire import from_kafka, to_kafka

SAMPLES = Path(__file__).parent / "samples"


def test_a_stored_v1_line_added_loads_as_the_current_model() -> None:
    stored = json.loads((SAMPLES / "LineAdded.v1.json").read_text())
    envelope = EventEnvelope.model_validate(stored)
    line = parse(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(line, LineAdded)
    assert line.price_excl_tax == Decimal("1250.50")
    assert line.avitaillement is False and line.rfs is False
    version, _ = upcast("LineAdded", 1, envelope.data)
    assert version == 2
    assert "price" in envelope.data, "the stored event itself is never rewritten"


def test_an_event_newer_than_the_code_is_refused() -> None:
    with pytest.raises(ValueError):
        upcast("LineAdded", 99, {})


def _stream(n: int) -> list[EventEnvelope]:
    events, prev = [], GENESIS_HASH
    for v in range(1, n + 1):
        e = EventEnvelope(
            type="LineRemoved",
            schema_version=1,
            stream_id="s",
            stream_type="declaration",
            version=v,
            territory="974",
            actor=Actor(id="u", role="declarant"),
            correlation_id="c",
            data={"line_id": f"L{v}"},
        ).chained(prev)
        prev = e.hash
        events.append(e)
    return events


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(_stream(5)) == []


def test_an_altered_event_breaks_the_chain() -> None:
    events = _stream(4)
    events[2] = events[2].model_copy(update={"data": {"line_id": "forged"}})
    assert any("altéré" in p for p in verify_chain(events))


def test_a_removed_event_breaks_the_chain() -> None:
    events = _stream(4)
    del events[1]
    assert verify_chain(events)


def test_an_inserted_event_breaks_the_chain() -> None:
    events = _stream(3)
    forged = events[1].model_copy(update={"data": {"line_id": "x"}}).chained(events[1].hash)
    assert verify_chain([*events[:2], forged, *events[2:]])


def test_the_wire_format_round_trips_and_is_a_cloudevent() -> None:
    from cloudevents.v1.kafka import KafkaMessage, from_binary

    event = _stream(1)[0].model_copy(update={"position": 42})
    key, value, headers = to_kafka(event, "/declarations")
    assert key == b"s"
    assert from_kafka(value, headers) == event
    ce = from_binary(KafkaMessage(headers=dict(headers), key=key, value=value))
    assert ce["type"] == "LineRemoved" and ce["subject"] == "s" and ce["territory"] == "974"
    assert ce.data == {"line_id": "L1"}


def test_money_is_a_decimal_string_on_the_wire_and_floats_are_refused() -> None:
    line = LineAdded(line_id="L", annex="A", nomenclature="22041000", price_excl_tax=Decimal("10.50"))
    assert line.model_dump(mode="json")["price_excl_tax"] == "10.50"
    with pytest.raises(ValidationError):
        LineAdded(line_id="L", annex="A", nomenclature="22041000", price_excl_tax=10.5)  # type: ignore[arg-type]


def test_checked_in_schemas_match_the_code() -> None:
    generated = export.generate()
    stale = [
        name
        for name, content in generated.items()
        if not (export.SCHEMAS_DIR / name).exists()
        or (export.SCHEMAS_DIR / name).read_text(encoding="utf-8") != content
    ]
    assert not stale, f"run `uv run python -m contracts.export`: stale {stale}"
    on_disk = {str(p.relative_to(export.SCHEMAS_DIR)) for p in export.SCHEMAS_DIR.rglob("*") if p.is_file()}
    assert on_disk == set(generated), "schema files without an event in code"
