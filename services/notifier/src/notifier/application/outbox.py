"""Turns a consumed event into pending mails, in the consumer's transaction (so each is queued once).

The consumer's inbox already drops a redelivered event; the upsert keyed by the notification id
(derived from event, template and recipient) makes queuing idempotent even on a replay.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chassis.unit_of_work import Transaction
from contracts.envelope import EventEnvelope
from contracts.registry import upcast
from notifier.domain.mails import mails_for

OUTBOX = "mail_outbox"


async def queue_mails(event: EventEnvelope, tx: Transaction) -> None:
    _, data = upcast(event.type, event.schema_version, event.data)
    now = datetime.now(UTC)
    for mail in mails_for(event.type, data, event.event_id, territory=event.territory):
        # An upsert, not an insert: a duplicate-key error would abort the whole transaction.
        await tx.db[OUTBOX].update_one(
            {"_id": mail.notification_id},
            {
                "$setOnInsert": {
                    "state": "pending",
                    "template": mail.template,
                    "recipient": mail.recipient,
                    "event": event.model_dump(mode="json"),
                    "attempts": 0,
                    "failures": 0,
                    "next_attempt_at": now,
                    "queued_at": now,
                }
            },
            upsert=True,
            session=tx.session,
        )
