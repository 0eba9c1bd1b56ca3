"""Read models kept by projections: applied in the writing transaction, rebuilt by replaying the log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from chassis.dispatch import Dispatch
from chassis.eventstore import EventStore
from chassis.replay_buffer import BufferedDatabase
from chassis.views import BoundDatabase, Index, ViewDatabase
from contracts.recorded import Recorded

Doc = dict[str, Any]


class Projection(Dispatch):
    """A read model: the collections it owns, and one `@on(Event)` method per event it folds.

    A handler is `async def _(self, event: Recorded[LineAdded], db: ViewDatabase) -> None`.
    """

    name: ClassVar[str] = ""
    collections: ClassVar[tuple[str, ...]] = ()
    indexes: ClassVar[tuple[Index, ...]] = ()

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None:
        for index in self.indexes:
            await db[index.collection].create_index(list(index.keys), unique=index.unique)

    async def apply(self, event: Recorded[BaseModel], db: ViewDatabase) -> None:
        handler = self.handler_for(event)
        if handler is not None:
            await handler(event, db)


class Projector:
    """Runs every projection that handles an event; the same code serves live updates and replay."""

    def __init__(self, db: AsyncDatabase[Doc], projections: Sequence[Projection]) -> None:
        self.db = db
        self.projections = list(projections)

    @property
    def handles(self) -> frozenset[str]:
        return frozenset(t for p in self.projections for t in p.handles)

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

    async def apply(self, events: Sequence[Recorded[BaseModel]], session: AsyncClientSession | None) -> None:
        target = BoundDatabase(self.db, session)
        for event in events:
            for projection in self.projections:
                await projection.apply(event, target)

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
        target = BufferedDatabase(self.db, fresh=frozenset(name for p in chosen for name in p.collections))
        handled = frozenset(t for p in chosen for t in p.handles)
        count = 0
        async for envelope in store.read_log(as_of=as_of):
            if envelope.type in handled:
                event = Recorded.of(envelope)
                for p in chosen:
                    await p.apply(event, target)
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
