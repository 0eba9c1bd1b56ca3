"""The CloudEvents 1.0 Kafka binding (binary mode): an envelope as Kafka headers plus a JSON value.

Any CloudEvents SDK reads our topics: `ce_*` headers carry the attributes, the value is `data`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from contracts.envelope import Actor, EventEnvelope

SCHEMA_BASE = "https://schemas.douane.example/octroi-essoc"

Headers = list[tuple[str, bytes]]


def to_kafka(envelope: EventEnvelope, source: str) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) for one event; the key is the stream id, so a stream stays ordered."""
    attrs: dict[str, str] = {
        "ce_specversion": "1.0",
        "ce_id": str(envelope.event_id),
        "ce_type": envelope.type,
        "ce_source": source,
        "ce_time": envelope.occurred_at.isoformat().replace("+00:00", "Z"),
        "ce_subject": envelope.stream_id,
        "ce_dataschema": f"{SCHEMA_BASE}/{envelope.type}.v{envelope.schema_version}.json",
        "ce_schemaversion": str(envelope.schema_version),
        "ce_streamtype": envelope.stream_type,
        "ce_streamversion": str(envelope.version),
        "ce_territory": envelope.territory,
        "ce_actorid": envelope.actor.id,
        "ce_actorrole": envelope.actor.role,
        "ce_correlationid": envelope.correlation_id,
        "ce_prevhash": envelope.prev_hash,
        "ce_hash": envelope.hash,
        "content-type": "application/json",
    }
    if envelope.causation_id:
        attrs["ce_causationid"] = envelope.causation_id
    if envelope.position is not None:
        attrs["ce_position"] = str(envelope.position)
    if envelope.traceparent:  # the CloudEvents distributed-tracing extension: a W3C trace context
        attrs["ce_traceparent"] = envelope.traceparent
    value = json.dumps(envelope.data, separators=(",", ":"), ensure_ascii=False).encode()
    return envelope.stream_id.encode(), value, [(k, v.encode()) for k, v in attrs.items()]


class MalformedMessage(ValueError):
    """A Kafka record that is not one of our CloudEvents."""


def from_kafka(value: bytes, headers: Headers | dict[str, Any]) -> EventEnvelope:
    items = headers.items() if isinstance(headers, dict) else headers
    h = {k: (v.decode() if isinstance(v, bytes | bytearray) else str(v)) for k, v in items}
    try:
        envelope = EventEnvelope(
            event_id=h["ce_id"],
            type=h["ce_type"],
            schema_version=int(h["ce_schemaversion"]),
            stream_id=h["ce_subject"],
            stream_type=h["ce_streamtype"],
            version=int(h["ce_streamversion"]),
            occurred_at=datetime.fromisoformat(h["ce_time"].replace("Z", "+00:00")),
            territory=h["ce_territory"],
            actor=Actor(id=h["ce_actorid"], role=h["ce_actorrole"]),
            correlation_id=h["ce_correlationid"],
            causation_id=h.get("ce_causationid"),
            data=json.loads(value),
            prev_hash=h["ce_prevhash"],
            hash=h["ce_hash"],
            position=int(h["ce_position"]) if "ce_position" in h else None,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedMessage(f"not a CloudEvent of ours: {exc}") from exc
    return envelope.traced(h.get("ce_traceparent"))
