"""Read model of notifications: who was told what, when, and what failed."""

from __future__ import annotations

from typing import Any

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.notifier import NotificationFailed, NotificationSent
from contracts.recorded import Recorded

Doc = dict[str, Any]


class NotificationLog(Projection):
    name = "notifications"
    collections = ("notifications",)

    indexes = (
        Index("notifications", (("recipient", 1),)),
        Index("notifications", (("source_event_id", 1),)),
    )

    @on(NotificationSent)
    async def _sent(self, event: Recorded[NotificationSent], db: ViewDatabase) -> None:
        d = event.event.model_dump(mode="json")
        fields = {"status": "sent", "subject": d["subject"], "sent_at": d["sent_at"], "message_id": d["message_id"]}
        await self._record(event, db, d, "sent", {"$set": fields})

    @on(NotificationFailed)
    async def _failed(self, event: Recorded[NotificationFailed], db: ViewDatabase) -> None:
        d = event.event.model_dump(mode="json")
        update = {"$set": {"status": "failed", "last_error": d["error"]}, "$setOnInsert": {"sent_at": None}}
        await self._record(event, db, d, "failed", update)

    async def _record(self, event: Recorded[Any], db: ViewDatabase, d: Doc, outcome: str, update: Doc) -> None:
        common = {
            "recipient": d["recipient"],
            "template": d["template"],
            "source_event_id": d["source_event_id"],
            "source_event_type": d["source_event_type"],
            "territory": event.territory,
            "attempts": d["attempts"],
        }
        attempt = {"at": event.occurred_at, "outcome": outcome, "error": d.get("error")}
        await db["notifications"].update_one(
            {"_id": d["notification_id"]},
            {**update, "$set": {**common, **update["$set"]}, "$push": {"history": attempt}},
            upsert=True,
        )
