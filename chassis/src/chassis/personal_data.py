"""What one service's event log holds about one person (« Mes données », RGPD art. 15): the events whose personal
fields resolve to the caller (`contracts.personal_subjects`), grouped by record (a stream), each value with its
event, date and the record's end of retention (`contracts.retention`).

Found through indexes, never by reading the whole log: `actor.id` (what the person did), the payload paths that hold
a subject's id in this service's events (`subject_id_paths`: `data.requester.id`, `data.recipient`…), then the
streams the person owns (`stream_id`, `version`)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING

from chassis.eventstore import EventStore, from_doc
from contracts import retention
from contracts.personal import STREAM_OWNERS
from contracts.personal_subjects import PersonalValue, stream_owner, subject_id_paths, subjects_of
from contracts.recorded import Recorded
from contracts.registry import EVENT_TYPES

Doc = dict[str, Any]

RECORD_TYPES: dict[str, str] = {
    "draft": "essoc_draft",
    "request": "essoc_request_closed",
    "assistance": "assistance_ticket",
    "declaration": "declaration",
    "mandate": "mandate_revoked",
    "notification": "notifier_mail",
}
"""stream type → the record type of `contracts.retention` its personal data is kept under."""
CLOSING_EVENTS: dict[str, tuple[str, ...]] = {
    "request": ("RequestClosed",),
    "assistance": ("AssistanceClosed",),
    "mandate": ("MandateRevoked", "MandateReplaced"),
}
"""stream type → the events from which its retention runs (`counted_from`: the closure, the revocation)."""


def own_event_types(service: str) -> list[str]:
    """The events `service` writes (those of its topic, `<service>.events`)."""
    return sorted(name for name, spec in EVENT_TYPES.items() if spec.topic == f"{service}.events")


async def ensure_indexes(db: Any, service: str) -> None:
    """The indexes the lookup of one person's events uses (sparse: most events hold none of these paths); an
    e-mail address encrypted under its own key is found by its key id (`data.recipient.k`)."""
    await db["events"].create_index([("actor.id", ASCENDING)])
    for path in subject_id_paths(own_event_types(service)):
        await db["events"].create_index([(f"data.{path}", ASCENDING)], sparse=True)
    for path in subject_id_paths(own_event_types(service), sealed=True):
        await db["events"].create_index([(f"data.{path}.k", ASCENDING)], sparse=True)


@dataclass
class HeldRecord:
    """One record (a stream) holding the person's data."""

    stream_id: str
    stream_type: str
    territory: str
    started: datetime
    values: list[Doc] = field(default_factory=list)
    last: datetime | None = None
    closed: datetime | None = None
    quarter_end: datetime | None = None

    def retention(self) -> Doc:
        record_type = RECORD_TYPES.get(self.stream_type)
        if record_type is None or record_type not in retention.record_types():
            return {"record_type": None, "ends_at": None, "duration": None, "counted_from": None}
        kept = retention.record_types()[record_type]
        start = {
            "essoc_draft": self.last,
            "declaration": self.quarter_end,
            "notifier_mail": self.started,
        }.get(record_type, self.closed)
        day = (start or self.started).date()
        # a record older than the first value (test and demo data): the first value is the one that applies
        rule = kept.rule_at(max(day, kept.rules[0].valid_from))
        return {
            "record_type": record_type,
            "label": kept.label,
            "duration": rule.duration(),
            "counted_from": kept.counted_from,
            "source": rule.source,
            "ends_at": rule.expires_at(start).isoformat() if start is not None else None,
        }

    def as_json(self) -> Doc:
        return {
            "record_id": self.stream_id,
            "stream_type": self.stream_type,
            "territory": self.territory,
            "retention": self.retention(),
            "values": self.values,
        }


def _quarter_end(data: Doc) -> datetime | None:
    year, quarter = data.get("year"), data.get("quarter")
    if not isinstance(year, int) or not isinstance(quarter, int):
        return None
    month = quarter * 3
    return datetime(year, month, calendar.monthrange(year, month)[1], 23, 59, 59, tzinfo=UTC)


def _when(event: object, recorded_at: datetime) -> datetime:
    """When it happened on the service's clock (`at`, `sent_at`, `received_at` of the payload), else when recorded."""
    for name in ("at", "sent_at", "received_at"):
        moment = getattr(event, name, None)
        if isinstance(moment, datetime):
            return moment
    return recorded_at


def _value_json(value: PersonalValue, event: Recorded[Any]) -> Doc:
    shown = value.value
    return {
        "event": event.envelope.type,
        "event_id": str(event.event_id),
        "occurred_at": _when(event.event, event.occurred_at).isoformat(),
        "field": value.path,
        "category": value.category,
        "subject": value.subject,
        "value": shown,
    }


def held_about(events: Iterable[Recorded[Any]], ids: set[str], owners: dict[str, str]) -> list[HeldRecord]:
    """The records of `events` (one stream's events in order) with the personal values of `ids`, nobody else's."""
    records: dict[str, HeldRecord] = {}
    for event in events:
        envelope = event.envelope
        data = event.event.model_dump(mode="json")
        when = _when(event.event, envelope.occurred_at)
        record = records.get(envelope.stream_id)
        if record is None:
            record = records[envelope.stream_id] = HeldRecord(
                envelope.stream_id, envelope.stream_type, envelope.territory, when
            )
        record.last = when
        if envelope.type in CLOSING_EVENTS.get(envelope.stream_type, ()):
            record.closed = when
        if envelope.type == "DeclarationDrafted":
            record.quarter_end = _quarter_end(data)
        found = subjects_of(
            envelope.type,
            data,
            actor_id=envelope.actor.id,
            actor_role=envelope.actor.role,
            owner=owners.get(envelope.stream_id),
        )
        for who in ids:
            record.values.extend(_value_json(v, event) for v in found.get(who, ()) if not v.withheld)
    return [r for r in records.values() if r.values]


class PersonalDataLookup:
    """Reads one service's log for the events about one person, through indexes, decrypted as code reads them."""

    def __init__(self, store: EventStore, service: str) -> None:
        self.store = store
        self.events = store.events
        self.paths = subject_id_paths(own_event_types(service))
        self.sealed_paths = subject_id_paths(own_event_types(service), sealed=True)

    def _sealed_under(self, ids: Sequence[str]) -> list[Doc]:
        """An address encrypted under its own key: found by the key's id, « <tag of the address>.<generation> »."""
        if self.store.cipher is None:
            return []
        tags = [self.store.cipher.keys.tag(i) for i in ids]
        return [{f"data.{p}.k": {"$regex": f"^{re.escape(t)}\\."}} for p in self.sealed_paths for t in tags]

    async def _docs(self, query: Doc) -> list[Doc]:
        return [d async for d in self.events.find(query, sort=[("stream_id", 1), ("version", 1)])]

    async def held(self, ids: Sequence[str]) -> list[HeldRecord]:
        wanted = [i for i in dict.fromkeys(ids) if i]
        if not wanted:
            return []
        about = [
            {"actor.id": {"$in": wanted}},
            *({f"data.{p}": {"$in": wanted}} for p in self.paths),
            *self._sealed_under(wanted),
        ]
        hits = await self._docs({"$or": about})
        owners: dict[str, str] = {}
        for doc in hits:
            owner = stream_owner(doc["type"], doc.get("data") or {})
            if owner is not None and doc.get("stream_type") in STREAM_OWNERS:
                owners[doc["stream_id"]] = owner
        streams = sorted({d["stream_id"] for d in hits})
        # every event of a stream touched: a closure or a quarter dates the retention, a stream owner's texts
        docs = await self._docs({"stream_id": {"$in": streams}}) if streams else []
        opened = await self.store.opened([from_doc(d) for d in docs if d["type"] in EVENT_TYPES])
        events = [Recorded.of(e) for e in opened]
        return held_about(events, set(wanted), owners)
