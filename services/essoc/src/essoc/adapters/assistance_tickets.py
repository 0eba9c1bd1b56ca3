"""Reads of the assistance tickets read model and the tickets' counter (decision record 0028)."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from essoc.adapters.read_models import COUNTERS
from essoc.application.assistance_view import TICKETS

Doc = dict[str, Any]


class TicketReadModel:
    """Implements `TicketNumbers` (inside a transaction when given its session)."""

    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None) -> None:
        self.db = db
        self.view = db[TICKETS]
        self.session = session

    async def next_ticket(self, year: int) -> int:
        # Incremented inside the filing's transaction, as the requests' numbers: a refused ticket gives it back.
        counter = await self.db[COUNTERS].find_one_and_update(
            {"_id": f"assistance-{year}"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        assert counter is not None
        return int(counter["value"])

    async def of_requester(self, requester_id: str, *, limit: int = 200) -> list[Doc]:
        """« Mes demandes d'assistance »: the person's tickets, the last filed first."""
        cursor = self.view.find({"requester_id": requester_id}, sort=[("filed_at", -1), ("_id", 1)], limit=limit)
        return [d async for d in cursor]

    async def queue(self, *, limit: int = 200) -> list[Doc]:
        """The agents' queue: the open tickets first, the blocking ones first, the oldest first."""
        order = [("open", -1), ("gravity_rank", 1), ("filed_at", 1), ("_id", 1)]
        return [d async for d in self.view.find({}, sort=order, limit=limit)]
