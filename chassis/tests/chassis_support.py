"""A toy read model and helpers for the chassis tests (the chassis itself knows no domain)."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from chassis.eventstore import EventStore, Metadata, NewEvent
from chassis.mongo import in_transaction
from contracts.envelope import Actor, EventEnvelope
from contracts.events.declarations import LineRemoved

ACTOR = Actor(id="tester", role="declarant")


def removal(n: int, territory: str = "974") -> NewEvent:
    return NewEvent(LineRemoved(line_id=f"L{n}"), territory=territory, actor=ACTOR)


def meta() -> Metadata:
    return Metadata(correlation_id=str(uuid.uuid4()))


async def append(client: Any, store: EventStore, stream: str, expected: int, *events: NewEvent) -> list[EventEnvelope]:
    async def work(session: AsyncClientSession) -> list[EventEnvelope]:
        return await store.append(stream, expected, list(events), meta(), session=session)

    return await in_transaction(client, work)


class RemovalCount:
    """Counts LineRemoved events per stream and remembers the last line id: enough to compare."""

    name = "removals"
    collections = ("removals",)
    handles = frozenset({"LineRemoved"})

    async def ensure_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        return None

    async def apply(
        self, event: EventEnvelope, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None
    ) -> None:
        await db["removals"].update_one(
            {"_id": event.stream_id},
            {"$inc": {"count": 1}, "$set": {"last": event.data["line_id"], "version": event.version}},
            upsert=True,
            session=session,
        )
