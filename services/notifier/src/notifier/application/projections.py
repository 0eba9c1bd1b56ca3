"""Read model of notifications: who was told what, when, and what failed."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.envelope import EventEnvelope

Doc = dict[str, Any]


class NotificationLog:
    name = "notifications"
    collections: tuple[str, ...] = ("notifications",)
    handles = frozenset({"NotificationSent", "NotificationFailed"})

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None:
        await db["notifications"].create_index([("recipient", ASCENDING)])
        await db["notifications"].create_index([("source_event_id", ASCENDING)])

    async def apply(self, event: EventEnvelope, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None:
        d = event.data
        common = {
            "recipient": d["recipient"],
            "template": d["template"],
            "source_event_id": d["source_event_id"],
            "source_event_type": d["source_event_type"],
            "territory": event.territory,
            "attempts": d["attempts"],
        }
        attempt = {
            "at": event.occurred_at,
            "outcome": "sent" if event.type == "NotificationSent" else "failed",
            "error": d.get("error"),
        }
        update: Doc = {"$set": common, "$push": {"history": attempt}}
        if event.type == "NotificationSent":
            update["$set"] |= {
                "status": "sent",
                "subject": d["subject"],
                "sent_at": d["sent_at"],
                "message_id": d["message_id"],
            }
        else:
            update["$set"] |= {"status": "failed", "last_error": d["error"]}
            update["$setOnInsert"] = {"sent_at": None}
        await db["notifications"].update_one({"_id": d["notification_id"]}, update, upsert=True, session=session)
