"""Implements `application.mail_erasure.SentMails` on the outbox (in the consumer's transaction)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from notifier.adapters.outbox import OUTBOX
from notifier.adapters.outbox_retention import SETTLED


class OutboxErasure:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self.collection = db[OUTBOX]
        self.session = session

    async def erase_settled_to(self, recipient: str) -> int:
        query = {"recipient": recipient, "state": {"$in": list(SETTLED)}}
        result = await self.collection.delete_many(query, session=self.session)
        return int(result.deleted_count)
