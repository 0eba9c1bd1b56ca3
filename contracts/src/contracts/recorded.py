"""An event as code reads it: the stored envelope with its payload upcast and validated, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from contracts.envelope import Actor, EventEnvelope
from contracts.registry import parse
from contracts.types import Territory

E = TypeVar("E", bound=BaseModel, covariant=True)


@dataclass(frozen=True)
class Recorded(Generic[E]):
    """`event` is the typed, current-version payload of `envelope` (an old schema is upcast)."""

    envelope: EventEnvelope
    event: E

    @classmethod
    def of(cls, envelope: EventEnvelope) -> Recorded[BaseModel]:
        return Recorded(envelope, parse(envelope.type, envelope.schema_version, envelope.data))

    @property
    def event_id(self) -> UUID:
        return self.envelope.event_id

    @property
    def stream_id(self) -> str:
        return self.envelope.stream_id

    @property
    def version(self) -> int:
        return self.envelope.version

    @property
    def territory(self) -> Territory:
        return self.envelope.territory

    @property
    def occurred_at(self) -> datetime:
        return self.envelope.occurred_at

    @property
    def actor(self) -> Actor:
        return self.envelope.actor
