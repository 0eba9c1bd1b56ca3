"""Reads of the drafts read model: a requester's drafts (« Brouillons »), the drafts past their retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from essoc.application.draft_view import DRAFTS

Doc = dict[str, Any]


class DraftReadModel:
    """Implements `retention.DueDrafts`."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.view = db[DRAFTS]

    async def of_requester(self, requester_id: str, *, limit: int = 200) -> list[Doc]:
        """The requester's open drafts, the last changed first."""
        cursor = self.view.find({"requester_id": requester_id}, sort=[("changed_at", -1), ("_id", 1)], limit=limit)
        return [d async for d in cursor]

    async def due(self, now: datetime) -> list[str]:
        return [str(d["_id"]) async for d in self.view.find({"expires_at": {"$lte": now}}, {"_id": 1})]
