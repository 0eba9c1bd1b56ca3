"""Deletes from the mail outbox the mails settled (sent, or obsolete) and queued at or before a given instant: each
keeps the recipient's address and a copy of the event that caused it, personal data kept no longer than
`notifier_mail` (`contracts.retention`). A pending mail is never deleted: it is still to be sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from notifier.adapters.outbox import OUTBOX

SETTLED = ("sent", "obsolete")


class OutboxRetention:
    """Implements `application.mail_retention.SettledMails`."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = db[OUTBOX]

    async def delete_settled_before(self, cutoff: datetime) -> int:
        result = await self.collection.delete_many({"state": {"$in": list(SETTLED)}, "queued_at": {"$lte": cutoff}})
        return int(result.deleted_count)
