"""The event log in memory, for unit tests of handlers and policies without a database.

Same rules as the Mongo store: a stream grows one version at a time (a stale `expected_version` is a
`ConcurrencyError`), events are hash-chained, and a transaction that raises leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from chassis.eventstore import Metadata, NewEvent, chained
from chassis.unit_of_work import ActorOf, actor_of
from contracts.envelope import GENESIS_HASH, SYSTEM, Actor, EventEnvelope
from contracts.errors import ConcurrencyError
from contracts.recorded import Recorded

T = TypeVar("T")


class MemoryEventStore:
    def __init__(self) -> None:
        self.streams: dict[str, list[EventEnvelope]] = {}
        self.received: dict[str, list[EventEnvelope]] = {}
        self.position = 0

    def events(self, stream_id: str) -> list[BaseModel]:
        """The typed events of a stream, oldest first: what a test compares."""
        return [Recorded.of(e).event for e in self.streams.get(stream_id, [])]

    def receive(self, envelope: EventEnvelope) -> Recorded[BaseModel]:
        """Records an event consumed from another service (as the consumer's inbox does)."""
        self.received.setdefault(envelope.stream_id, []).append(envelope)
        return Recorded.of(envelope)

    def transaction(self, *, actor: ActorOf = SYSTEM, meta: Metadata | None = None) -> MemoryTransaction:
        return MemoryTransaction(self, actor, meta or Metadata(correlation_id="tests"))

    async def run(
        self,
        work: Callable[[MemoryTransaction], Awaitable[T]],
        *,
        actor: ActorOf = SYSTEM,
        meta: Metadata | None = None,
    ) -> T:
        tx = self.transaction(actor=actor, meta=meta)
        result = await work(tx)
        tx.commit()
        return result


class MemoryTransaction:
    """`EventStreams` over a `MemoryEventStore`: appends become visible to others on `commit`."""

    def __init__(self, store: MemoryEventStore, actor: ActorOf, meta: Metadata) -> None:
        self.store = store
        self._actor = actor
        self.meta = meta
        self.pending: dict[str, list[EventEnvelope]] = {}

    @property
    def actor(self) -> Actor:
        return actor_of(self._actor)

    async def read_stream(self, stream_id: str) -> list[EventEnvelope]:
        return [*self.store.streams.get(stream_id, []), *self.pending.get(stream_id, [])]

    async def read_received(self, stream_id: str) -> list[EventEnvelope]:
        return list(self.store.received.get(stream_id, []))

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent], meta: Metadata | None = None
    ) -> list[EventEnvelope]:
        if not events:
            return []
        stream = await self.read_stream(stream_id)
        if len(stream) != expected_version:
            raise ConcurrencyError(stream_id, expected_version, len(stream))
        prev_hash = stream[-1].hash if stream else GENESIS_HASH
        stored = chained(
            stream_id,
            expected_version,
            events,
            meta or self.meta,
            prev_hash=prev_hash,
            first_position=self.store.position + 1,
        )
        self.store.position += len(stored)
        self.pending.setdefault(stream_id, []).extend(stored)
        return stored

    def commit(self) -> None:
        for stream_id, stored in self.pending.items():
            self.store.streams.setdefault(stream_id, []).extend(stored)
        self.pending = {}
