"""Read models kept by projections: applied in the writing transaction, rebuilt by replaying the log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from chassis.eventstore import EventStore
from chassis.replay_buffer import BufferedDatabase
from contracts.envelope import EventEnvelope

Doc = dict[str, Any]


class Projection(Protocol):
    """A read model: the event types it reads, the collections it owns, how it folds one event."""

    @property
    def name(self) -> str: ...

    @property
    def collections(self) -> tuple[str, ...]: ...

    @property
    def handles(self) -> frozenset[str]: ...

    async def apply(self, event: EventEnvelope, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None: ...

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None: ...


class Projector:
    """Runs every projection that handles an event; the same code serves live updates and replay."""

    def __init__(self, db: AsyncDatabase[Doc], projections: Sequence[Projection]) -> None:
        self.db = db
        self.projections = list(projections)

    def named(self, name: str | None) -> list[Projection]:
        if name is None:
            return self.projections
        chosen = [p for p in self.projections if p.name == name]
        if not chosen:
            known = ", ".join(p.name for p in self.projections)
            raise ValueError(f"unknown projection {name!r}; known: {known}")
        return chosen

    async def ensure_indexes(self) -> None:
        for projection in self.projections:
            await projection.ensure_indexes(self.db)

    async def apply(self, events: Sequence[EventEnvelope], session: AsyncClientSession | None) -> None:
        for event in events:
            for projection in self.projections:
                if event.type in projection.handles:
                    await projection.apply(event, self.db, session)

    async def replay(
        self,
        store: EventStore,
        *,
        projection: str | None = None,
        as_of: datetime | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Drops the chosen read models and folds the whole log into them again; returns events read."""
        chosen = self.named(projection)
        for p in chosen:
            for name in p.collections:
                await self.db.drop_collection(name)
            await p.ensure_indexes(self.db)
        target = BufferedDatabase(self.db)
        count = 0
        async for event in store.read_log(as_of=as_of):
            for p in chosen:
                if event.type in p.handles:
                    await p.apply(event, target, None)  # type: ignore[arg-type]
            count += 1
            if progress and count % 100 == 0:
                progress(count)
        await target.flush()
        if progress:
            progress(count)
        return count

    async def snapshot(self, projection: str | None = None) -> dict[str, list[Doc]]:
        """Every document of the chosen read models, sorted: what replay-equality tests compare."""
        result: dict[str, list[Doc]] = {}
        for p in self.named(projection):
            for name in p.collections:
                docs = [d async for d in self.db[name].find({}, sort=[("_id", 1)])]
                result[name] = docs
        return result
