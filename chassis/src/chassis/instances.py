"""The processes of a service that are alive. Each beats every `BEAT_SECONDS` in its database's `instances`;
one silent for `GONE_AFTER_SECONDS` is gone (killed, its machine lost), and what it held can be taken over
without waiting for a lease: an Idempotency-Key it reserved is taken by the retry at once
(`chassis.http.idempotency`). A process that stops cleanly removes its own beat.

Beats and their age are read on the database server's clock (`$currentDate`), never on the processes' own: a
machine whose clock runs a few seconds ahead would otherwise take every other process for gone. The beats of
processes gone for an hour are removed by a TTL index."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

log = structlog.get_logger(__name__)
BEAT_SECONDS = 2.0
GONE_AFTER_SECONDS = 8.0
"""Four beats missed: a process paused by a long garbage collection or a loaded machine is not taken for gone."""


SERVER_CLOCK = "~horloge-du-serveur"
"""A document whose date the server writes when asked: its clock, to which the beats are compared."""


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Instances:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = db["instances"]
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This process: its host, its pid, and a nonce (a pid is reused after a restart)."""

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("beat_at", ASCENDING)], expireAfterSeconds=3600)

    async def beat(self) -> None:
        await self.collection.update_one({"_id": self.id}, {"$currentDate": {"beat_at": True}}, upsert=True)

    async def _server_now(self) -> datetime:
        clock = await self.collection.find_one_and_update(
            {"_id": SERVER_CLOCK},
            {"$currentDate": {"read_at": True}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert clock is not None
        return _utc(clock["read_at"])

    async def gone(self, instance: str) -> bool:
        """Whether `instance` stopped beating (or never did): the process that held something is not there."""
        if instance == self.id:
            return False
        doc = await self.collection.find_one({"_id": instance})
        if doc is None:
            return True
        return await self._server_now() - _utc(doc["beat_at"]) > timedelta(seconds=GONE_AFTER_SECONDS)

    async def run(self, stop: asyncio.Event) -> None:
        """Beats until `stop`, then removes its beat (a clean stop: nothing of it is left in flight)."""
        try:
            while not stop.is_set():
                try:
                    await self.beat()
                except Exception:
                    log.warning("battement_echoue", instance=self.id)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=BEAT_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await self.collection.delete_one({"_id": self.id})
