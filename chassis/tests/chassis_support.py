"""A toy read model and helpers for the chassis tests (the chassis itself knows no domain)."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from chassis.dispatch import on
from chassis.eventstore import EventStore, Metadata, NewEvent
from chassis.mongo import in_transaction
from chassis.policy import Policy
from chassis.projection import Projection
from chassis.unit_of_work import Transaction
from chassis.views import ViewDatabase
from contracts.envelope import Actor, EventEnvelope
from contracts.events.declarations import LineRemoved
from contracts.recorded import Recorded

ACTOR = Actor(id="tester", role="declarant")


def removal(n: int, territory: str = "974") -> NewEvent:
    return NewEvent(LineRemoved(line_id=f"L{n}"), territory=territory, actor=ACTOR)


def meta() -> Metadata:
    return Metadata(correlation_id=str(uuid.uuid4()))


async def append(client: Any, store: EventStore, stream: str, expected: int, *events: NewEvent) -> list[EventEnvelope]:
    async def work(session: AsyncClientSession) -> list[EventEnvelope]:
        return await store.append(stream, expected, list(events), meta(), session=session)

    return await in_transaction(client, work)


class RemovalCount(Projection):
    """Counts LineRemoved events per stream and remembers the last line id: enough to compare."""

    name = "removals"
    collections = ("removals",)

    @on(LineRemoved)
    async def _removed(self, event: Recorded[LineRemoved], db: ViewDatabase) -> None:
        await db["removals"].update_one(
            {"_id": event.stream_id},
            {"$inc": {"count": 1}, "$set": {"last": event.event.line_id, "version": event.version}},
            upsert=True,
        )


class Effects(Policy[Transaction]):
    """Records an effect of every LineRemoved it consumes; a rule breaks on the line "poison"."""

    def __init__(self) -> None:
        super().__init__(lambda tx: tx)
        self.broken = {"poison"}

    @on(LineRemoved)
    async def _removed(self, event: Recorded[LineRemoved], tx: Transaction) -> None:
        if event.event.line_id in self.broken:
            raise RuntimeError("règle cassée")
        await tx.db["effects"].insert_one({"event_id": str(event.event_id)}, session=tx.session)
