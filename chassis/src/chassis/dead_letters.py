"""Dead letters: the consumed records a service could not process, kept where an operator can see them.

The consumer publishes each to `<topic>.dlq` (for other tools) *and* parks it here, in the service's
own database, so `GET /api/v1/admin/dead-letters` and `<service> dead-letters` list, inspect and replay
them without reading Kafka. A replay runs the record through the same idempotent processing as the
consumer (inbox, projections, policies) and marks it `replayed`; a record that fails again stays parked.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Gauge
from pymongo.asynchronous.database import AsyncDatabase

from contracts.envelope import EventEnvelope
from contracts.errors import Conflict, NotFound
from contracts.wire import from_kafka

Doc = dict[str, Any]
COLLECTION = "dead_letters"
PARKED = Gauge("dead_letters_parked", "Consumed records parked as dead letters, not yet replayed", ["service"])


def letter_id(value: bytes, headers: list[tuple[str, bytes]]) -> str:
    """What a letter is known by: the event's id (`event:<uuid>`), or for a record that is no readable event the
    digest of its bytes (`record:<sha-256>`). Never a topic's offset: offsets start again at 0 on a new cluster
    or a re-created topic, and another poison record on an old offset would be taken for one already parked
    (and acknowledged unparked). The same event failing again, on any cluster, stays one letter."""
    try:
        return f"event:{from_kafka(value, headers).event_id}"
    except ValueError:
        digest = hashlib.sha256()
        for name, part in sorted(headers):
            digest.update(name.encode() + b"\0" + part + b"\0")
        digest.update(value)
        return f"record:{digest.hexdigest()}"


class DeadLetters:
    def __init__(self, db: AsyncDatabase[Doc], service: str) -> None:
        self.collection = db[COLLECTION]
        self.service = service

    async def park(
        self,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        headers: list[tuple[str, bytes]],
        value: bytes,
        error: Exception,
        attempts: int,
    ) -> None:
        """Keeps the record; parking the same record twice (a redelivery, the same event read again from a new
        cluster) keeps one letter, which notes each place it was read from."""
        doc = {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "key": key.decode(errors="replace") if key else None,
            "headers": [[k, base64.b64encode(v).decode()] for k, v in headers],
            "value": base64.b64encode(value).decode(),
            "error": repr(error)[:2000],
            "error_type": type(error).__name__,
            "attempts": attempts,
            "consumer": self.service,
            "parked_at": datetime.now(UTC),
            "state": "parked",
        }
        seen = {"topic": topic, "partition": partition, "offset": offset}
        await self.collection.update_one(
            {"_id": letter_id(value, headers)}, {"$setOnInsert": doc, "$addToSet": {"seen": seen}}, upsert=True
        )
        await self.refresh_gauge()

    async def count(self) -> int:
        return await self.collection.count_documents({"state": "parked"})

    async def refresh_gauge(self) -> None:
        PARKED.labels(self.service).set(await self.count())

    async def list(self, *, state: str | None = "parked", limit: int = 100, offset: int = 0) -> tuple[int, list[Doc]]:
        query = {"state": state} if state else {}
        total = await self.collection.count_documents(query)
        cursor = self.collection.find(query, sort=[("parked_at", 1)], skip=offset, limit=limit)
        return total, [summary(d) async for d in cursor]

    async def get(self, letter: str) -> Doc:
        doc = await self.collection.find_one({"_id": letter})
        if doc is None:
            raise NotFound(f"Aucune lettre morte {letter}.", field="id")
        return doc

    async def replay(self, letter: str, process: Callable[[EventEnvelope], Awaitable[str]]) -> Doc:
        """Processes the parked record again; it is marked `replayed` when that succeeds."""
        doc = await self.get(letter)
        if doc["state"] != "parked":
            raise Conflict(f"La lettre morte {letter} a déjà été rejouée.", field="id")
        try:
            envelope = envelope_of(doc)
        except ValueError as exc:
            raise Conflict(f"La lettre morte {letter} n'est pas un événement lisible : {exc}", field="id") from None
        try:
            outcome = await process(envelope)
        except Exception as exc:
            await self.collection.update_one(
                {"_id": letter}, {"$set": {"last_replay_error": repr(exc)[:2000], "last_replay_at": datetime.now(UTC)}}
            )
            raise Conflict(f"Le rejeu de {letter} a échoué de nouveau : {type(exc).__name__}.", field="id") from None
        await self.collection.update_one(
            {"_id": letter}, {"$set": {"state": "replayed", "outcome": outcome, "replayed_at": datetime.now(UTC)}}
        )
        await self.refresh_gauge()
        return summary(await self.get(letter))


def envelope_of(doc: Doc) -> EventEnvelope:
    headers = [(k, base64.b64decode(v)) for k, v in doc["headers"]]
    return from_kafka(base64.b64decode(doc["value"]), headers)


def summary(doc: Doc) -> Doc:
    """What an operator reads: where it came from, why it failed, and the event when it is one."""
    try:
        envelope: Doc | None = envelope_of(doc).model_dump(mode="json")
    except ValueError:
        envelope = None
    return {
        "id": doc["_id"],
        "state": doc["state"],
        "topic": doc["topic"],
        "partition": doc["partition"],
        "offset": doc["offset"],
        "error": doc["error"],
        "error_type": doc["error_type"],
        "attempts": doc["attempts"],
        "parked_at": doc["parked_at"].isoformat(),
        "event": envelope,
        "last_replay_error": doc.get("last_replay_error"),
    }
