"""Where a signed-in session is alive: a `sessions` collection the portal's replicas share, so that a session
can end on the server, everywhere, whatever its cookie says.

The cookie stays what it was (encrypted and authenticated, the person's token inside, never readable by a page
script); it now also names its session (`sid`, 256 random bits). A request is signed in only while that session
is alive here: signing out deletes it (a copied cookie is dead at once), « Se déconnecter de tous les appareils »
deletes every session of the person, and a session ends after `idle` without a request (30 minutes by default)
and `absolute` after sign-in (8 hours), whichever first. The database keeps a digest of the id, never the id,
and nothing else of the person than their subject; a TTL index removes what has ended.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

TOUCH_EVERY = timedelta(seconds=60)
"""A session's activity is written at most once a minute (not one write per page)."""
Clock = Callable[[], datetime]


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class SessionStore:
    collection: AsyncCollection[dict[str, Any]]
    idle: timedelta
    absolute: timedelta
    clock: Clock = lambda: datetime.now(UTC)

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
        await self.collection.create_index([("sub", ASCENDING)])

    async def open(self, sub: str) -> str:
        """A new session of `sub` (a new id at every sign-in: none chosen before it can be fixed on someone)."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        await self.collection.insert_one(
            {
                "_id": _digest(sid),
                "sub": sub,
                "signed_in_at": now,
                "seen_at": now,
                "ends_at": now + self.absolute,
                "expires_at": min(now + self.idle, now + self.absolute),
            }
        )
        return sid

    async def alive(self, sid: str) -> bool:
        """Whether the session is alive now (and then it is alive `idle` longer)."""
        if not sid:
            return False
        doc = await self.collection.find_one({"_id": _digest(sid)})
        now = self.clock()
        if doc is None or now >= _utc(doc["expires_at"]):
            return False
        if now - _utc(doc["seen_at"]) >= TOUCH_EVERY:
            expires = min(now + self.idle, _utc(doc["ends_at"]))
            await self.collection.update_one({"_id": doc["_id"]}, {"$set": {"seen_at": now, "expires_at": expires}})
        return True

    async def close(self, sid: str) -> None:
        if sid:
            await self.collection.delete_one({"_id": _digest(sid)})

    async def close_all(self, sub: str) -> int:
        """Ends every session of `sub`, on every device; returns how many."""
        return (await self.collection.delete_many({"sub": sub})).deleted_count
