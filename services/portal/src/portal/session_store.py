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


@dataclass(frozen=True)
class Lease:
    """How long a session has left, as the store knows it now: its end (the idle end, or the absolute one when it
    comes first) and whether that end is the absolute one, which no activity moves (decision record 0029)."""

    ends_at: datetime
    now: datetime
    final: bool

    @property
    def remaining_seconds(self) -> int:
        return max(0, int((self.ends_at - self.now).total_seconds()))


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
        return await self.lease(sid) is not None

    async def lease(self, sid: str) -> Lease | None:
        """The session's lease if it is alive now (and then it is alive `idle` longer, written at most once a
        minute); None when it has ended or never was."""
        return await self._touch(sid, every=TOUCH_EVERY)

    async def extend(self, sid: str) -> Lease | None:
        """« Rester connecté »: the session is alive `idle` from now (never past its absolute end), written now."""
        return await self._touch(sid, every=timedelta(0))

    async def _touch(self, sid: str, *, every: timedelta) -> Lease | None:
        if not sid:
            return None
        doc = await self.collection.find_one({"_id": _digest(sid)})
        now = self.clock()
        if doc is None or now >= _utc(doc["expires_at"]):
            return None
        ends, absolute = _utc(doc["expires_at"]), _utc(doc["ends_at"])
        if now - _utc(doc["seen_at"]) >= every:
            ends = min(now + self.idle, absolute)
            await self.collection.update_one({"_id": doc["_id"]}, {"$set": {"seen_at": now, "expires_at": ends}})
        return Lease(ends_at=ends, now=now, final=ends >= absolute)

    async def close(self, sid: str) -> None:
        if sid:
            await self.collection.delete_one({"_id": _digest(sid)})

    async def close_all(self, sub: str) -> int:
        """Ends every session of `sub`, on every device; returns how many."""
        return (await self.collection.delete_many({"sub": sub})).deleted_count
