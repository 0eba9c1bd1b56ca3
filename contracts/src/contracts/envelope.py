"""The envelope every event travels in, and the hash chain that lets an auditor verify a stream."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import uuid6
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from contracts.types import Role, Territory

GENESIS_HASH = "0" * 64


class Actor(BaseModel):
    """Who caused the event: a user of a role, or the system itself."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role


SYSTEM = Actor(id="system", role="system")


def new_event_id() -> UUID:
    """A UUIDv7: time-ordered, so ids sort roughly by creation."""
    return UUID(str(uuid6.uuid7()))


def utc_now() -> datetime:
    """Now, in UTC, truncated to the millisecond that BSON keeps (so a stored event hashes the same)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class EventEnvelope(BaseModel):
    """One stored or published event. `data` is the event's own payload in its JSON form."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID = Field(default_factory=new_event_id)
    type: str
    schema_version: int = Field(ge=1)
    stream_id: str
    stream_type: str
    version: int = Field(ge=1, description="position of the event in its stream, from 1")
    occurred_at: AwareDatetime = Field(default_factory=utc_now)
    territory: Territory
    actor: Actor
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]
    prev_hash: str = GENESIS_HASH
    hash: str = ""
    position: int | None = Field(
        default=None, description="global position in the producing service's log (not hashed)"
    )
    _traceparent: str | None = PrivateAttr(default=None)
    """The W3C trace context of the span that appended the event: transport metadata, kept beside the event
    in the store and carried in the `ce_traceparent` header, never hashed, sealed nor exported to auditors."""

    @property
    def traceparent(self) -> str | None:
        return self._traceparent

    def __eq__(self, other: object) -> bool:
        """The same event whatever trace it travelled in (pydantic would compare the trace context too)."""
        if not isinstance(other, EventEnvelope):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(self.event_id)

    def traced(self, traceparent: str | None) -> EventEnvelope:
        """This event with the trace context `traceparent` (the same object when it has it already)."""
        if traceparent == self._traceparent:
            return self
        copy = self.model_copy()
        copy._traceparent = traceparent
        return copy

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        value = value.astimezone(UTC)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)

    def canonical_json(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself and the store's position."""
        body = self.model_dump(mode="json", exclude={"hash", "position"})
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.prev_hash.encode() + self.canonical_json()).hexdigest()

    def chained(self, prev_hash: str) -> EventEnvelope:
        """This event linked after `prev_hash`, with its own hash computed."""
        linked = self.model_copy(update={"prev_hash": prev_hash})
        return linked.model_copy(update={"hash": linked.compute_hash()})


def verify_chain(events: list[EventEnvelope]) -> list[str]:
    """Every break in a stream's chain, as French sentences; empty when the stream is intact."""
    problems: list[str] = []
    prev = GENESIS_HASH
    for expected_version, event in enumerate(events, start=1):
        if event.version != expected_version:
            problems.append(f"version {event.version} trouvée à la place de {expected_version}")
        if event.prev_hash != prev:
            problems.append(f"version {event.version} : chaînage rompu (hash précédent différent)")
        if event.compute_hash() != event.hash:
            problems.append(f"version {event.version} : contenu altéré (hash recalculé différent)")
        prev = event.hash
    return problems


def canonical_dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
