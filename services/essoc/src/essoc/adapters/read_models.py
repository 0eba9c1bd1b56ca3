"""Reads of the requests read model, and the request-number counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from essoc.application.projections import OPEN_STATES, VIEW
from essoc.domain.identity import is_request_number
from essoc.domain.states import RequestState, RequestTab

Doc = dict[str, Any]
COUNTERS = "counters"
NUMBER_COUNTER = "request_number"


class RequestReadModel:
    """Implements `RequestNumbers` and `DueNotices` (inside a transaction when given its session)."""

    def __init__(
        self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None, *, first_number: int = 1
    ) -> None:
        self.db = db
        self.view = db[VIEW]
        self.session = session
        self.first_number = first_number

    async def next(self) -> int:
        # Incremented inside the filing transaction: a refused filing gives its number back, and two
        # concurrent filings conflict on this document (one is retried) instead of sharing a number.
        counter = await self.db[COUNTERS].find_one_and_update(
            {"_id": NUMBER_COUNTER},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        assert counter is not None
        return self.first_number - 1 + int(counter["value"])

    async def request_id(self, number: int) -> str | None:
        doc = await self.view.find_one({"number": number}, {"_id": 1}, session=self.session)
        return str(doc["_id"]) if doc else None

    async def due(self, now: datetime) -> list[str]:
        query = {"state": {"$in": list(OPEN_STATES)}, "next_notice_at": {"$lte": now}}
        return [str(d["_id"]) async for d in self.view.find(query, {"_id": 1}, session=self.session)]

    async def get(self, request_id: str) -> Doc | None:
        """A request by its id, or by its number when all digits."""
        query = {"number": int(request_id)} if is_request_number(request_id) else {"_id": request_id}
        return await self.view.find_one(query, session=self.session)

    async def tabs(
        self, visible: Doc, tab: RequestTab | None, *, page: int, per_page: int
    ) -> tuple[dict[str, int], int, list[Doc]]:
        """(count of every tab, rows of the chosen tab (all when None), that page's rows)."""
        counts = {t.value: 0 for t in RequestTab}
        pipeline = [{"$match": visible}, {"$group": {"_id": "$state", "n": {"$sum": 1}}}]
        async for row in await self.view.aggregate(pipeline, session=self.session):
            counts[RequestState(row["_id"]).tab.value] = int(row["n"])
        query = dict(visible)
        if tab is not None:
            query["state"] = tab.state.value
        total = await self.view.count_documents(query, session=self.session)
        cursor = self.view.find(query, sort=[("number", 1)], skip=(page - 1) * per_page, limit=per_page)
        return counts, total, [d async for d in cursor]

    async def refers_to_blob(self, blob_id: str) -> bool:
        """Whether an event of the log refers to this attachment content."""
        doc = await self.db["events"].find_one({"type": "AttachmentAdded", "data.blob_id": blob_id}, {"_id": 1})
        return doc is not None
