"""The repository of event-sourced aggregates: `get` folds a stream, `save` appends what was decided.

One loop for every service: load the stream in the command's transaction, fold it (old schemas upcast
on the way), let the aggregate decide, append the new events at the version read. A stream that moved
on in between makes `save` raise `ConcurrencyError` (HTTP 409) and nothing is appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from chassis.eventstore import NewEvent
from chassis.unit_of_work import EventStreams
from contracts.envelope import EventEnvelope
from contracts.errors import ConcurrencyError
from contracts.recorded import Recorded

A = TypeVar("A")
Fold = Callable[[Sequence[Recorded[BaseModel]]], A]


@dataclass(frozen=True)
class Loaded(Generic[A]):
    """An aggregate as its stream left it, with the version the next append must follow."""

    stream_id: str
    aggregate: A
    version: int
    territory: str

    def expect(self, version: int | None) -> None:
        """Refuses a command decided on another version than this one (HTTP `If-Match`)."""
        if version is not None and version != self.version:
            raise ConcurrencyError(self.stream_id, version, self.version)


def recorded(envelopes: Sequence[EventEnvelope]) -> list[Recorded[BaseModel]]:
    """The typed events of one stream, checked to be its versions 1, 2, 3… with none missing."""
    for position, envelope in enumerate(envelopes, start=1):
        if envelope.version != position:
            raise ValueError(f"stream {envelope.stream_id}: version {envelope.version} at position {position}")
    return [Recorded.of(e) for e in envelopes]


class Repository(Generic[A]):
    def __init__(self, streams: EventStreams, fold: Fold[A]) -> None:
        self.streams = streams
        self.fold = fold

    async def get(self, stream_id: str) -> Loaded[A] | None:
        """The aggregate of `stream_id`, or None when the stream holds no event."""
        envelopes = await self.streams.read_stream(stream_id)
        if not envelopes:
            return None
        return Loaded(stream_id, self.fold(recorded(envelopes)), envelopes[-1].version, envelopes[0].territory)

    async def save(
        self,
        stream_id: str,
        events: Sequence[BaseModel],
        *,
        expected_version: int,
        territory: str,
    ) -> list[EventEnvelope]:
        """Appends `events` after `expected_version`, as the transaction's actor."""
        actor = self.streams.actor
        return await self.streams.append(
            stream_id, expected_version, [NewEvent(e, territory=territory, actor=actor) for e in events]
        )
