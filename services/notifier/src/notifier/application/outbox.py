"""Turns a consumed event into pending mails, in the consumer's transaction (so each is queued once).

The consumer's inbox already drops a redelivered event; the upsert keyed by the notification id
(derived from event, template and recipient) makes queuing idempotent even on a replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel

from chassis.dispatch import on
from chassis.policy import Policy
from contracts.envelope import EventEnvelope
from contracts.recorded import Recorded
from notifier.domain.assistance_mails import SUPPORT_MAILBOX
from notifier.domain.mails import HANDLED_EVENTS, Mail, mails_for


class Outbox(Protocol):
    async def queue(self, mail: Mail, event: EventEnvelope, now: datetime) -> None: ...


@dataclass
class NotifierUnitOfWork:
    outbox: Outbox
    support_mailbox: str = SUPPORT_MAILBOX
    """Where the assistance tickets are sent (`NOTIFIER_SUPPORT_MAILBOX`)."""


class MailQueue(Policy[NotifierUnitOfWork]):
    @on(*HANDLED_EVENTS)
    async def _queue(self, event: Recorded[BaseModel], uow: NotifierUnitOfWork) -> None:
        now = datetime.now(UTC)
        for mail in mails_for(
            event.event, event.event_id, territory=event.territory, support_mailbox=uow.support_mailbox
        ):
            await uow.outbox.queue(mail, event.envelope, now)
