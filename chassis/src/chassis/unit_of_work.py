"""One transaction's worth of work: read streams, append events, update read models, atomically."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from chassis.eventstore import EventStore, Metadata, NewEvent
from chassis.mongo import in_transaction
from chassis.projection import Projector
from contracts.envelope import EventEnvelope

T = TypeVar("T")


class Transaction:
    """What a command or event handler sees: the store and read models, bound to one session."""

    def __init__(self, session: AsyncClientSession, store: EventStore, projector: Projector) -> None:
        self.session = session
        self.store = store
        self.projector = projector
        self.db = store.db
        self.appended: list[EventEnvelope] = []

    async def read_stream(self, stream_id: str) -> list[EventEnvelope]:
        return await self.store.read_stream(stream_id, session=self.session)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent], meta: Metadata
    ) -> list[EventEnvelope]:
        stored = await self.store.append(stream_id, expected_version, events, meta, session=self.session)
        await self.projector.apply(stored, self.session)
        self.appended.extend(stored)
        return stored


class UnitOfWork:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        store: EventStore,
        projector: Projector,
        on_committed: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.projector = projector
        self.on_committed = on_committed

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Runs `work` in one transaction (retried whole on transient conflicts); the events it
        appended are durable (majority, journaled) when this returns."""
        appended: list[EventEnvelope] = []

        async def attempt(session: AsyncClientSession) -> T:
            tx = Transaction(session, self.store, self.projector)
            result = await work(tx)
            appended[:] = tx.appended
            return result

        result = await in_transaction(self.client, attempt)
        if appended and self.on_committed:
            self.on_committed()
        return result
