"""One transaction's worth of work: read streams, append events, update read models, atomically.

`Transaction` is what repositories and a service's adapters are bound to; it knows who acts and why
(actor and metadata), decided once when the transaction starts: for a command, the caller and the
request's correlation id; for a consumed event, the system, that event's correlation id and the event
itself as the cause. The caller's role is read when events are appended, after the handler's checks: a
person holding several roles acts in the one the command needed (decision record 0027).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from chassis.eventstore import EventStore, Head, Metadata, NewEvent
from chassis.group_commit import GroupCommit
from chassis.mongo import CommitOutcomeUnknown
from chassis.projection import Projector
from contracts.envelope import GENESIS_HASH, SYSTEM, Actor, EventEnvelope
from contracts.errors import CommandAlreadyCommitted
from contracts.recorded import Recorded

T = TypeVar("T")
Doc = dict[str, Any]
COMMITS = "idempotency_commits"


@dataclass
class CommandKey:
    """The Idempotency-Key reservation of the request being served (set by `chassis.http.idempotency`).

    A transaction that appends inserts its commit mark in the same commit as its events. The mark is an
    insert, so a second run of the same command (a retry that took the key over while the first still ran)
    cannot commit too: its transaction fails with `CommandAlreadyCommitted` and appends nothing.
    """

    id: str
    outcome_unknown: bool = False
    """This run's commit was sent and its outcome is not known: the key must stay reserved."""
    committed: bool = False
    """This run's transaction committed the command (its mark included)."""


command_key: ContextVar[CommandKey | None] = ContextVar("command_key", default=None)


ActorOf = Actor | Callable[[], Actor]
"""Who acts, or how to know it when an event is appended (a command's caller, once its checks granted a role)."""


def actor_of(actor: ActorOf) -> Actor:
    return actor() if callable(actor) else actor


class EventStreams(Protocol):
    """What a repository needs: read a stream, read a consumed stream, append; in one transaction."""

    @property
    def actor(self) -> Actor: ...

    async def read_stream(self, stream_id: str) -> list[EventEnvelope]: ...

    async def read_received(self, stream_id: str) -> list[EventEnvelope]: ...

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent], meta: Metadata | None = None
    ) -> list[EventEnvelope]: ...


class Transaction:
    """The store and read models bound to one Mongo session; implements `EventStreams`."""

    def __init__(
        self, session: AsyncClientSession, store: EventStore, projector: Projector, *, actor: ActorOf, meta: Metadata
    ) -> None:
        self.session = session
        self.store = store
        self.projector = projector
        self.db: AsyncDatabase[Doc] = store.db
        self._actor = actor
        self.meta = meta
        self.appended: list[EventEnvelope] = []
        self.heads: dict[str, Head] = {}
        """The last event of each stream read or appended in this transaction: its append needs no other read."""

    @property
    def actor(self) -> Actor:
        return actor_of(self._actor)

    async def read_stream(self, stream_id: str) -> list[EventEnvelope]:
        events = await self.store.load_stream(stream_id, session=self.session)
        self.heads[stream_id] = Head(events[-1].version, events[-1].hash) if events else Head(0, GENESIS_HASH)
        return events

    async def read_received(self, stream_id: str) -> list[EventEnvelope]:
        return await self.store.load_received(stream_id, session=self.session)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent], meta: Metadata | None = None
    ) -> list[EventEnvelope]:
        stored = await self.store.append(
            stream_id, expected_version, events, meta or self.meta, session=self.session, head=self.heads.get(stream_id)
        )
        if stored:
            self.heads[stream_id] = Head(stored[-1].version, stored[-1].hash)
        await self.projector.apply([Recorded.of(e) for e in stored], self.session)
        self.appended.extend(stored)
        return stored


class UnitOfWork:
    def __init__(
        self,
        client: AsyncMongoClient[Doc],
        store: EventStore,
        projector: Projector,
        on_committed: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.projector = projector
        self.on_committed = on_committed
        self.commits = GroupCommit(client, store.position_turn)

    async def run(
        self, work: Callable[[Transaction], Awaitable[T]], *, actor: ActorOf = SYSTEM, meta: Metadata | None = None
    ) -> T:
        """Runs `work` in one transaction (retried whole on transient conflicts), maybe with other works
        queued at the same time (see `chassis.group_commit`); the events it appended are durable (majority,
        journaled) when this returns."""
        appended: list[EventEnvelope] = []
        metadata = meta or Metadata.current()

        key = command_key.get()

        async def attempt(session: AsyncClientSession) -> T:
            tx = Transaction(session, self.store, self.projector, actor=actor, meta=metadata)
            result = await work(tx)
            if key is not None and tx.appended:
                mark = {"_id": key.id, "committed_at": tx.appended[-1].occurred_at}
                try:
                    await self.store.db[COMMITS].insert_one(mark, session=session)
                except DuplicateKeyError:
                    raise CommandAlreadyCommitted() from None
            appended[:] = tx.appended
            return result

        try:
            result = await self.commits.run(attempt)
        except CommitOutcomeUnknown:
            if key is not None:
                key.outcome_unknown = True
            raise
        if key is not None and appended:
            key.committed = True
        if appended and self.on_committed:
            self.on_committed()
        return result
