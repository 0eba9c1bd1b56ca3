"""The event log in MongoDB: atomic appends with optimistic concurrency, a global order, a hash chain.

Collections: `events` (this service's own events), `inbox` (events it consumed from others, kept so
read models can be rebuilt), `counters` (the global position). Both logs draw positions from one
counter inside the writing transaction (`chassis.positions`); concurrent writers of the counter conflict
(first writer wins), so positions become visible in increasing order: a reader that checkpoints
"position N" can never later see a smaller position appear (no high-water-mark gap).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.read_concern import ReadConcern

from chassis.event_records import MAX_EVENT_BYTES as MAX_EVENT_BYTES
from chassis.event_records import EventTooLarge as EventTooLarge
from chassis.event_records import Head as Head
from chassis.event_records import Metadata as Metadata
from chassis.event_records import NewEvent as NewEvent
from chassis.event_records import chained as chained
from chassis.event_records import from_doc as from_doc
from chassis.event_records import to_doc as to_doc
from chassis.field_cipher import FieldCipher
from chassis.positions import PositionCounter, refuse_position_taken_twice
from chassis.stream_cache import StreamCache
from chassis.stream_owners import StreamOwners
from chassis.tracing import span, traceparent
from contracts.envelope import GENESIS_HASH, EventEnvelope, new_event_id, verify_chain
from contracts.errors import ConcurrencyError

Doc = dict[str, Any]


class EventStore:
    def __init__(
        self, db: AsyncDatabase[Doc], *, max_event_bytes: int = MAX_EVENT_BYTES, cipher: FieldCipher | None = None
    ) -> None:
        self.db = db
        self.cipher = cipher
        """Encrypts personal fields before they are chained, decrypts them as they are read (decision 0031)."""
        self.max_event_bytes = max_event_bytes
        self.events = db["events"]
        self.owners = StreamOwners(self.events)
        """Whose key encrypts the texts that name a stream's owner (`chassis.stream_owners`)."""
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
        names = ",".join(dict.fromkeys(new.type_name for new in events))
        attributes = {"event.types": names, "stream.id": stream_id, "correlation.id": meta.correlation_id}
        with span(f"append {names}", attributes=attributes):
            return await self._append(stream_id, expected_version, events, meta, session=session, head=head)

    async def _append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        meta: Metadata,
        *,
        session: AsyncClientSession,
        head: Head | None,
    ) -> list[EventEnvelope]:
        if head is None:
            found = await self.head(stream_id, session)
            head = Head(int(found["version"]), str(found["hash"])) if found else Head(0, GENESIS_HASH)
        if head.version != expected_version:
            raise ConcurrencyError(stream_id, expected_version, head.version)
        prev_hash = head.hash
        sealed = await self._sealed(stream_id, expected_version, events, session)
        first_position = await self.positions.take(len(events), session)
        stored = chained(
            stream_id,
            expected_version,
            events,
            meta,
            prev_hash=prev_hash,
            first_position=first_position,
            max_bytes=self.max_event_bytes,
            trace=traceparent(),  # the append span's: the relay's publish continues it
            sealed=[(s[0], s[1]) for s in sealed] if sealed else None,
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
        if sealed:  # what the caller folds: the payloads it gave, beside the hashes of what was stored
            return [e.model_copy(update={"data": s[2]}) for e, s in zip(stored, sealed, strict=True)]
        return stored

    async def _sealed(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent], session: AsyncClientSession
    ) -> list[tuple[uuid.UUID, Doc, Doc]] | None:
        """Each event's id, payload to store (personal values encrypted) and payload as given; None unencrypted."""
        if self.cipher is None:
            return None
        given = [(new.type_name, new.data.model_dump(mode="json"), new.actor, new_event_id()) for new in events]
        owner = await self.owners.of(stream_id, expected_version, given[0][0], given[0][1], session)
        sealed = await self.cipher.seal(given, owner)
        return [(g[3], data, g[1]) for g, data in zip(given, sealed, strict=True)]

    async def stream_owner(self, stream_id: str) -> str | None:
        """The owner its opening event names (`contracts.personal.STREAM_OWNERS`), None for a stream without one."""
        return await self.owners.stored(stream_id)

    async def opened(self, envelopes: Sequence[EventEnvelope]) -> list[EventEnvelope]:
        """`envelopes` as code reads them: personal values decrypted, « [donnée effacée] » once erased."""
        return list(envelopes) if self.cipher is None else await self.cipher.open(envelopes)

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
        return await self.opened(await _in_stream_order(self.events, query, session))

    async def read_stream_as_stored(self, stream_id: str) -> list[EventEnvelope]:
        """The stream as its hashes cover it (personal values still encrypted): what is verified and exported."""
        return await _in_stream_order(self.events, {"stream_id": stream_id}, None)

    async def read_received(self, stream_id: str, *, session: AsyncClientSession | None = None) -> list[EventEnvelope]:
        """The events of another service's stream that this service consumed, in stream order."""
        return await self.opened(await _in_stream_order(self.inbox, {"stream_id": stream_id}, session))

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
            events = self.cache.follows(kept, await self.opened(await _in_stream_order(collection, after, session)))
        if events is None:
            events = await self.opened(await _in_stream_order(collection, {"stream_id": stream_id}, session))
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
        chunk: list[EventEnvelope] = []
        async for doc in _merged(own, received):
            chunk.append(from_doc(doc))
            if len(chunk) >= batch:  # opened a batch at a time: one key-store read per batch at most
                for envelope in await self.opened(chunk):
                    yield envelope
                chunk = []
        for envelope in await self.opened(chunk):
            yield envelope

    async def count_log(self) -> int:
        return await self.events.count_documents({}) + await self.inbox.count_documents({})

    async def last_position(self) -> int:
        return await self.positions.last()

    async def verify_stream(self, stream_id: str) -> list[str]:
        """Every sign that the stream was altered, or events removed or inserted; empty when intact."""
        return verify_chain(await self.read_stream_as_stored(stream_id))

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
