"""What the event store appends and reads, apart from the store: an event decided but not yet numbered
(`NewEvent`), what ties it to its cause (`Metadata`), the envelopes that follow a stream's head, numbered and
hash-chained (`chained`), and their stored form (`to_doc`, `from_doc`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from chassis.logging import correlation_id
from contracts.envelope import Actor, EventEnvelope, new_event_id
from contracts.errors import DomainError
from contracts.registry import event_type

Doc = dict[str, Any]


@dataclass(frozen=True)
class NewEvent:
    """An event decided by the domain, not yet numbered nor chained."""

    data: BaseModel
    territory: str
    actor: Actor
    type: str | None = None

    @property
    def type_name(self) -> str:
        return self.type or type(self.data).__name__


@dataclass(frozen=True)
class Head:
    """A stream's last version and hash, as the transaction appending to it read them."""

    version: int
    hash: str


@dataclass(frozen=True)
class Metadata:
    """What ties an event to the request or event that caused it."""

    correlation_id: str
    causation_id: str | None = None

    @classmethod
    def current(cls) -> Metadata:
        """The correlation id of the request or event being handled; a new one outside of both."""
        return cls(correlation_id=correlation_id.get() or str(uuid.uuid4()))

    @classmethod
    def caused_by(cls, envelope: EventEnvelope) -> Metadata:
        return cls(correlation_id=envelope.correlation_id, causation_id=str(envelope.event_id))


MAX_EVENT_BYTES = 512 * 1024
"""What one event may weigh: well under what a Kafka broker takes by default (1 MiB per record), so an
event the store accepts is always one the relay can publish."""


class EventTooLarge(DomainError):
    status = 413
    code = "evenement-trop-volumineux"


def chained(
    stream_id: str,
    expected_version: int,
    events: Sequence[NewEvent],
    meta: Metadata,
    *,
    prev_hash: str,
    first_position: int,
    max_bytes: int = MAX_EVENT_BYTES,
    trace: str | None = None,
    sealed: Sequence[tuple[uuid.UUID, Doc]] | None = None,
) -> list[EventEnvelope]:
    """`events` as the envelopes that follow version `expected_version`, numbered and hash-chained, carrying the
    trace context `trace` (not hashed).

    Raises EventTooLarge, before anything is stored, for an event heavier than `max_bytes`.
    `sealed`: each event's id and payload with its personal values encrypted (`chassis.field_cipher`).
    """
    stored: list[EventEnvelope] = []
    for offset, new in enumerate(events):
        event_id, data = sealed[offset] if sealed else (new_event_id(), new.data.model_dump(mode="json"))
        size = len(json.dumps(data, ensure_ascii=False).encode())
        if size > max_bytes:
            raise EventTooLarge(
                f"Ce contenu est trop volumineux pour être enregistré ({size // 1024} Ko ; "
                f"{max_bytes // 1024} Ko au plus par opération). Raccourcissez les textes saisis."
            )
        spec = event_type(new.type_name)
        envelope = EventEnvelope(
            event_id=event_id,
            type=spec.name,
            schema_version=spec.version,
            stream_id=stream_id,
            stream_type=spec.stream_type,
            version=expected_version + offset + 1,
            territory=new.territory,
            actor=new.actor,
            correlation_id=meta.correlation_id,
            causation_id=meta.causation_id,
            data=data,
            position=first_position + offset,
        ).chained(prev_hash)
        envelope = envelope.traced(trace)
        prev_hash = envelope.hash
        stored.append(envelope)
    return stored


def to_doc(envelope: EventEnvelope) -> Doc:
    doc = envelope.model_dump(mode="json")
    doc["_id"] = doc["event_id"]
    doc["occurred_at"] = envelope.occurred_at  # a BSON date, so --as-of can query it
    if envelope.traceparent:
        doc["traceparent"] = envelope.traceparent  # beside the event, not in it: the hash does not cover it
    return doc


def from_doc(doc: Doc) -> EventEnvelope:
    trace = doc.get("traceparent")
    doc = {k: v for k, v in doc.items() if k not in ("_id", "received_by", "traceparent")}
    return EventEnvelope.model_validate(doc).traced(trace)
