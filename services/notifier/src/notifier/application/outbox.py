"""Turns a consumed event into pending mails, in the consumer's transaction (so at most once queued)."""

from __future__ import annotations

from datetime import UTC, datetime

from chassis.unit_of_work import Transaction
from contracts.envelope import EventEnvelope
from contracts.registry import upcast
from pymongo.errors import DuplicateKeyError

from notifier.domain.mails import mails_for

OUTBOX = "mail_outbox"


async def queue_mails(event: EventEnvelope, tx: Transaction) -> None:
    _, data = upcast(event.type, event.schema_version, event.data)
    now = datetime.now(UTC)
    for mail in mails_for(event.type, data, event.event_id):
        try:
            await tx.db[OUTBOX].insert_one({
                "_id": mail.notification_id,
                "state": "pending",
                "template": mail.template,
                "recipient": mail.recipient,
                "event": event.model_dump(mode="json"),
                "attempts": 0,
                "next_attempt_at": now,
                "queued_at": now,
            }, session=tx.session)
        except DuplicateKeyError:
            pass  # queued already by an earlier delivery of the same event
