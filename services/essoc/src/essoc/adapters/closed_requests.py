"""Reads of the requests read model for retention: the requests closed at or before a given instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from essoc.application.personal_retention import ClosedRequest
from essoc.application.projections import VIEW
from essoc.domain.states import RequestState

Doc = dict[str, Any]


class ClosedRequestReadModel:
    """Implements `personal_retention.ClosedRequests`."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.view = db[VIEW]

    async def closed_before(self, cutoff: datetime) -> list[ClosedRequest]:
        query = {"state": RequestState.CLOTUREE.value, "closed_at": {"$lte": cutoff}}
        cursor = self.view.find(query, {"requester.id": 1, "closed_at": 1}, sort=[("closed_at", 1), ("_id", 1)])
        return [ClosedRequest(str(d["_id"]), str(d["requester"]["id"]), d["closed_at"]) async for d in cursor]
