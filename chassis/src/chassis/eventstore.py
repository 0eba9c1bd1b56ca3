"""The event log in MongoDB: atomic appends with optimistic concurrency, a global order, a hash chain.

Collections: `events` (this service's own events), `inbox` (events it consumed from others, kept so
read models can be rebuilt), `counters` (the global position). Both logs draw positions from one
counter inside the writing transaction (`chassis.positions`); concurrent writers of the counter conflict
(first writer wins), so positions become visible in increasing order: a reader that checkpoints
"position N" can never later see a smaller position appear (no high-water-mark gap).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.read_concern import ReadConcern

from chassis.logging import correlation_id
from chassis.positions import PositionCounter, refuse_position_taken_twice
from chassis.stream_cache import StreamCache
from contracts.envelope import GENESIS_HASH, Actor, EventEnvelope, verify_chain
from contracts.errors import ConcurrencyError, DomainError
from contracts.registry import event_type

Doc = dict[str, Any]


@dataclass(frozen=True)
class NewEvent:
    """An event decided by the domain, not yet numbered nor chained."""

    data: BaseModel
    territory: str
    actor: Actor
    type: str | None = None

    @property
    def type_name(self) -> str:
        return self.type or type(self.data).__name__


@dataclass(frozen=True)
class Head:
    """A stream's last version and hash, as the transaction appending to it read them."""

    version: int
    hash: str


@dataclass(frozen=True)
class Metadata:
    """What ties an event to the request or event that caused it."""

    correlation_id: str
    causation_id: str | None = None

    @classmethod
    def current(cls) -> Metadata:
        """The correlation id of the request or event being handled; a new one outside of both."""
        return cls(correlation_id=correlation_id.get() or str(uuid.uuid4()))

    @classmethod
    def caused_by(cls, envelope: EventEnvelope) -> Metadata:
        return cls(correlation_id=envelope.correlation_id, causation_id=str(envelope.event_id))


MAX_EVENT_BYTES = 512 * 1024
"""What one event may weigh: well under what a Kafka broker takes by default (1 MiB per record), so an
event the store accepts is always one the relay can publish."""


class EventTooLarge(DomainError):
    status = 413
    code = "evenement-trop-volumineux"


def chained(
    stream_id: str,
    expected_version: int,
    events: Sequence[NewEvent],
    meta: Metadata,
    *,
    prev_hash: str,
    first_position: int,
    max_bytes: int = MAX_EVENT_BYTES,
) -> list[EventEnvelope]:
    """`events` as the envelopes that follow version `expected_version`, numbered and hash-chained.

    Raises EventTooLarge, before anything is stored, for an event heavier than `max_bytes`.
    """
    stored: list[EventEnvelope] = []
    for offset, new in enumerate(events):
        data = new.data.model_dump(mode="json")
        size = len(json.dumps(data, ensure_ascii=False).encode())
        if size > max_bytes:
            raise EventTooLarge(
                f"Ce contenu est trop volumineux pour être enregistré ({size // 1024} Ko ; "
                f"{max_bytes // 1024} Ko au plus par opération). Raccourcissez les textes saisis."
            )
        spec = event_type(new.type_name)
        envelope = EventEnvelope(
            type=spec.name,
            schema_version=spec.version,
            stream_id=stream_id,
            stream_type=spec.stream_type,
            version=expected_version + offset + 1,
            territory=new.territory,
            actor=new.actor,
            correlation_id=meta.correlation_id,
            causation_id=meta.causation_id,
            data=data,
            position=first_position + offset,
        ).chained(prev_hash)
        prev_hash = envelope.hash
        stored.append(envelope)
    return stored


def to_doc(envelope: EventEnvelope) -> Doc:
    doc = envelope.model_dump(mode="json")
    doc["_id"] = doc["event_id"]
    doc["occurred_at"] = envelope.occurred_at  # a BSON date, so --as-of can query it
    return doc


def from_doc(doc: Doc) -> EventEnvelope:
    doc = {k: v for k, v in doc.items() if k not in ("_id", "received_by")}
    return EventEnvelope.model_validate(doc)


class EventStore:
    def __init__(self, db: AsyncDatabase[Doc], *, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.db = db
        self.max_event_bytes = max_event_bytes
        self.events = db["events"]
        self.inbox = db["inbox"]
        self.positions = PositionCounter(db["counters"])
        self.cache = StreamCache()
        """The streams this process loaded last (see `chassis.stream_cache`)."""
        self.position_turn = self.positions.turn
        """Held by the transaction of this process that takes positions, until it ends (see `chassis.positions`)."""

    async def ensure_indexes(self) -> None:
        await self.events.create_index([("stream_id", ASCENDING), ("version", ASCENDING)], unique=True)
        await self.events.create_index([("position", ASCENDING)], unique=True)
        await self.events.create_index([("type", ASCENDING)])
        await self.inbox.create_index([("position", ASCENDING)], unique=True)
        await self.inbox.create_index([("stream_id", ASCENDING), ("version", ASCENDING)])

    async def head(self, stream_id: str, session: AsyncClientSession | None = None) -> Doc | None:
        return await self.events.find_one({"stream_id": stream_id}, sort=[("version", DESCENDING)], session=session)

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        meta: Metadata,
        *,
        session: AsyncClientSession,
        head: Head | None = None,
    ) -> list[EventEnvelope]:
        """Appends `events` after version `expected_version`, inside the caller's transaction.

        `head`: the stream's last version and hash as this transaction already read them (a command loads its
        stream before deciding): the append then reads nothing more. A stream that moved on since is refused
        all the same, by the unique index on (stream_id, version) or by the transaction's write conflict.

        Raises ConcurrencyError, appending nothing, when the stream is not at that version.
        """
        if not events:
            return []
        if head is None:
            found = await self.head(stream_id, session)
            head = Head(int(found["version"]), str(found["hash"])) if found else Head(0, GENESIS_HASH)
        if head.version != expected_version:
            raise ConcurrencyError(stream_id, expected_version, head.version)
        prev_hash = head.hash
        first_position = await self.positions.take(len(events), session)
        stored = chained(
            stream_id,
            expected_version,
            events,
            meta,
            prev_hash=prev_hash,
            first_position=first_position,
            max_bytes=self.max_event_bytes,
        )
        try:
            await self.events.insert_many([to_doc(e) for e in stored], session=session)
        except BulkWriteError as exc:
            duplicates = [e for e in exc.details.get("writeErrors", []) if e.get("code") == 11000]
            if not duplicates:
                raise
            refuse_position_taken_twice(duplicates[0])
            raise ConcurrencyError(stream_id, expected_version) from exc
        except OperationFailure as exc:  # DuplicateKeyError among them
            if exc.code != 11000:
                raise
            refuse_position_taken_twice(exc.details or {})
            raise ConcurrencyError(stream_id, expected_version) from exc
        return stored

    async def record_received(self, envelope: EventEnvelope, consumer: str, *, session: AsyncClientSession) -> bool:
        """Keeps a consumed event in the inbox; False when this consumer already processed it."""
        key = f"{consumer}:{envelope.event_id}"
        doc = to_doc(envelope)
        del doc["_id"]
        doc["received_by"] = consumer
        doc["source_position"] = envelope.position
        doc["position"] = await self.positions.take(1, session)
        # One command, whether it was received before or not (a find, then an insert, were two).
        written = await self.inbox.update_one({"_id": key}, {"$setOnInsert": doc}, upsert=True, session=session)
        if written.upserted_id is None:  # received before: the position goes back, none is skipped
            await self.positions.give_back(1, session)
            return False
        return True

    async def read_stream(
        self,
        stream_id: str,
        *,
        up_to_version: int | None = None,
        session: AsyncClientSession | None = None,
    ) -> list[EventEnvelope]:
        query: Doc = {"stream_id": stream_id}
        if up_to_version is not None:
            query["version"] = {"$lte": up_to_version}
        return await _in_stream_order(self.events, query, session)

    async def read_received(self, stream_id: str, *, session: AsyncClientSession | None = None) -> list[EventEnvelope]:
        """The events of another service's stream that this service consumed, in stream order."""
        return await _in_stream_order(self.inbox, {"stream_id": stream_id}, session)

    async def load_stream(self, stream_id: str, *, session: AsyncClientSession) -> list[EventEnvelope]:
        """`read_stream` for a transaction about to decide: only what came after what this process kept."""
        return await self._load("events", self.events, stream_id, session)

    async def load_received(self, stream_id: str, *, session: AsyncClientSession) -> list[EventEnvelope]:
        """`read_received` for a transaction about to decide: only what came after what this process kept."""
        return await self._load("inbox", self.inbox, stream_id, session)

    async def _load(
        self, log: str, collection: Any, stream_id: str, session: AsyncClientSession
    ) -> list[EventEnvelope]:
        kept = self.cache.known(log, stream_id)
        events: list[EventEnvelope] | None = None
        if kept:
            after = {"stream_id": stream_id, "version": {"$gte": kept[-1].version}}
            events = self.cache.follows(kept, await _in_stream_order(collection, after, session))
        if events is None:
            events = await _in_stream_order(collection, {"stream_id": stream_id}, session)
        self.cache.keep(log, stream_id, events)
        return events

    async def read_all(
        self,
        after_position: int = 0,
        *,
        limit: int | None = None,
        as_of: datetime | None = None,
    ) -> list[EventEnvelope]:
        """This service's own events after `after_position`, in global order, as a majority of the replica set
        holds them: the relay publishes only what no fail-over can roll back (an event read with the default
        `local` concern could reach Kafka, then vanish with its position given to another event)."""
        query: Doc = {"position": {"$gt": after_position}}
        if as_of is not None:
            query["position"]["$lte"] = await last_recorded_by(self.events, as_of)
        majority = self.events.with_options(read_concern=ReadConcern("majority"))
        cursor = majority.find(query, sort=[("position", ASCENDING)], limit=limit or 0)
        return [from_doc(d) async for d in cursor]

    async def read_log(self, *, batch: int = 1000, as_of: datetime | None = None) -> AsyncIterator[EventEnvelope]:
        """Own and received events interleaved in the order they were recorded: what replay folds.

        One pass: a cursor over each log in position order, merged. (Asking again for "the next 1 000 after
        position p" costs a search per batch that grows with the log on some servers: replay went quadratic.)
        """
        query: Doc = {}
        if as_of is not None:
            # Cut at the last own event stamped by then: a received event carries its source's stamp, and one
            # stamped before `as_of` but received long after would pull in everything up to its arrival.
            query["position"] = {"$lte": await last_recorded_by(self.events, as_of)}
        own = self.events.find(query, sort=[("position", ASCENDING)], batch_size=batch)
        received = self.inbox.find(query, sort=[("position", ASCENDING)], batch_size=batch)
        async for doc in _merged(own, received):
            yield from_doc(doc)

    async def count_log(self) -> int:
        return await self.events.count_documents({}) + await self.inbox.count_documents({})

    async def last_position(self) -> int:
        return await self.positions.last()

    async def verify_stream(self, stream_id: str) -> list[str]:
        """Every sign that the stream was altered, or events removed or inserted; empty when intact."""
        return verify_chain(await self.read_stream(stream_id))

    async def stream_ids(self) -> list[str]:
        return [str(s) for s in await self.events.distinct("stream_id")]


async def last_recorded_by(collection: Any, as_of: datetime, query: Doc | None = None, key: str = "position") -> int:
    """The highest `key` (position, or version within a stream) of the events stamped at or before `as_of`, 0
    when none. Reading up to it gives a prefix of the log: events are stamped by their writer's clock before
    their commit, and two replicas' clocks differ by a few ms, so filtering on the stamp could return v6 without
    v5; ordering by position never does."""
    doc = await collection.find_one(
        {**(query or {}), "occurred_at": {"$lte": as_of}}, sort=[(key, DESCENDING)], projection={key: 1}
    )
    return int(doc[key]) if doc else 0


async def _in_stream_order(collection: Any, query: Doc, session: AsyncClientSession | None) -> list[EventEnvelope]:
    cursor = collection.find(query, sort=[("version", ASCENDING)], session=session)
    return [from_doc(d) async for d in cursor]


async def _merged(left: AsyncIterator[Doc], right: AsyncIterator[Doc]) -> AsyncIterator[Doc]:
    """Two cursors sorted by position, as one."""
    a = await anext(left, None)
    b = await anext(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and int(a["position"]) < int(b["position"])):
            assert a is not None
            yield a
            a = await anext(left, None)
        else:
            yield b
            b = await anext(right, None)
