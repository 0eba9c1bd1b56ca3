"""The mail outbox in MongoDB: mails queued by the consumer, claimed and settled by the sender."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, assert_never

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from chassis import tracing
from contracts.envelope import EventEnvelope
from contracts.recorded import Recorded
from notifier.application.pending import AlreadySent, ClaimedMail, Failed, Obsolete, Sent, Settlement
from notifier.domain.mails import Mail, mails_for

Doc = dict[str, Any]
OUTBOX = "mail_outbox"


class MailOutbox:
    """Implements `application.outbox.Outbox` (in the consumer's transaction when given its session)."""

    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None) -> None:
        self.collection = db[OUTBOX]
        self.session = session

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("state", 1), ("next_attempt_at", 1)])

    async def queue(self, mail: Mail, event: EventEnvelope, now: datetime) -> None:
        # An upsert, not an insert: a duplicate-key error would abort the whole transaction.
        await self.collection.update_one(
            {"_id": mail.notification_id},
            {
                "$setOnInsert": {
                    "state": "pending",
                    "template": mail.template,
                    "recipient": mail.recipient,
                    "page": mail.page,
                    "event": event.model_dump(mode="json"),
                    "attempts": 0,
                    "failures": 0,
                    "next_attempt_at": now,
                    "queued_at": now,
                    "traceparent": tracing.traceparent(),  # the consume span: the mail's continues it
                }
            },
            upsert=True,
            session=self.session,
        )

    async def due(self, now: datetime, limit: int = 100) -> list[str]:
        query = {"state": "pending", "next_attempt_at": {"$lte": now}}
        cursor = self.collection.find(query, {"_id": 1}, sort=[("queued_at", 1)], limit=limit)
        return [str(d["_id"]) async for d in cursor]

    async def claim(self, notification_id: str, now: datetime, lease: timedelta) -> ClaimedMail | None:
        """The mail, leased so no other sender picks it up meanwhile; None if it is not due any more."""
        doc: Doc | None = await self.collection.find_one_and_update(
            {"_id": notification_id, "state": "pending", "next_attempt_at": {"$lte": now}},
            {"$set": {"next_attempt_at": now + lease}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        return ClaimedMail(
            notification_id=str(doc["_id"]),
            event=doc["event"],
            attempts=int(doc.get("attempts", 0)),
            failures=int(doc.get("failures", 0)),
            traceparent=doc.get("traceparent"),
        )

    async def settle(self, notification_id: str, settlement: Settlement) -> None:
        await self.collection.update_one({"_id": notification_id}, {"$set": _fields(settlement)})

    async def pages(self, notification_ids: list[str]) -> dict[str, str]:
        """The portal page each mail is about (a path), by notification id: as queued, or for a mail queued before
        its page was kept, derived again from its source event; none for a mail no longer in the outbox."""
        found: dict[str, str] = {}
        async for doc in self.collection.find({"_id": {"$in": notification_ids}}, {"page": 1, "event": 1}):
            page = doc.get("page") or page_of(str(doc["_id"]), doc.get("event"))
            if page:
                found[str(doc["_id"])] = page
        return found


def page_of(notification_id: str, event: Any) -> str | None:
    """The page of the mail `notification_id` among those its source event (an `EventEnvelope` in JSON) causes."""
    if not isinstance(event, dict):
        return None
    try:
        source = Recorded.of(EventEnvelope.model_validate(event))
    except (ValueError, KeyError):  # an event this version cannot read: the mail is listed without its link
        return None
    mails = mails_for(source.event, source.event_id, territory=source.territory)
    return next((m.page for m in mails if m.notification_id == notification_id), None)


def _fields(settlement: Settlement) -> Doc:
    """The fields a settlement sets on the mail's document."""
    match settlement:
        case AlreadySent():
            return {"state": "sent"}
        case Sent(attempts=attempts):
            return {"state": "sent", "attempts": attempts}
        case Obsolete():
            return {"state": "obsolete"}
        case Failed(attempts=attempts, failures=failures, error=error, next_attempt_at=next_attempt_at):
            return {"attempts": attempts, "failures": failures, "last_error": error, "next_attempt_at": next_attempt_at}
        case _:
            assert_never(settlement)
