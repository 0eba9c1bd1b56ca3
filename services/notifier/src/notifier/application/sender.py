"""Sends pending mails with retries; records NotificationSent or NotificationFailed as events.

One stream per notification (`notification-<id>`): a mail is sent only while its stream holds no
NotificationSent, so a replayed or redelivered event never sends a second mail. A mail is claimed
(leased) before it is sent, so two senders never send it at once. Each pass tries SMTP a few times
with exponential backoff; after the last try the failure is recorded (NotificationFailed) and the
mail stays pending, retried later with a growing delay, and sent once SMTP comes back.

The one window left: SMTP accepted the mail and the process died before recording it. It is then
sent again after the lease; its Message-ID is the same, so a receiving system can drop the copy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

import structlog
from prometheus_client import Counter
from pydantic import BaseModel
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from chassis import tracing
from chassis.background import every
from chassis.eventstore import Metadata
from chassis.repository import Loaded, Repository
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.envelope import EventEnvelope
from contracts.events.notifier import NotificationFailed, NotificationSent
from contracts.recorded import Recorded
from notifier.adapters.attachments import FetchedFile
from notifier.adapters.message import build
from notifier.application.pending import AlreadySent, ClaimedMail, Failed, Obsolete, Sent, Settlement
from notifier.domain.mails import AttachedFile, Mail, mails_for, within_size
from notifier.domain.render import render
from notifier.settings import NotifierSettings

log = structlog.get_logger(__name__)

MAILS = Counter(
    "notifier_mails_total", "Mails settled by the sender, by outcome (sent, failed: will retry)", ["service", "outcome"]
)
OUTCOMES = {Sent: "sent", Failed: "failed"}
"""The settlements counted; AlreadySent and Obsolete send nothing (the first was counted by the pass that sent)."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class AttachmentSource(Protocol):
    async def fetch(self, request_id: str, files: tuple[AttachedFile, ...]) -> list[FetchedFile]: ...


class ReceiptSource(Protocol):
    async def fetch(self, declaration_id: str) -> FetchedFile: ...


class PendingMails(Protocol):
    """The mails queued by the consumer (`adapters.outbox.MailOutbox`)."""

    async def due(self, now: datetime, limit: int = 100) -> list[str]: ...

    async def claim(self, notification_id: str, now: datetime, lease: timedelta) -> ClaimedMail | None: ...

    async def settle(self, notification_id: str, settlement: Settlement) -> None: ...


def stream_of(notification_id: str) -> str:
    return f"notification-{notification_id}"


@dataclass(frozen=True)
class Delivery:
    """What a notification's stream says: whether the mail went out."""

    sent: bool

    @classmethod
    def fold(cls, events: Sequence[Recorded[BaseModel]]) -> Delivery:
        return cls(sent=any(isinstance(e.event, NotificationSent) for e in events))


class MailSender:
    def __init__(
        self,
        uow: UnitOfWork,
        outbox: PendingMails,
        mailer: Mailer,
        settings: NotifierSettings,
        attachments: AttachmentSource | None = None,
        receipts: ReceiptSource | None = None,
    ) -> None:
        self.uow = uow
        self.outbox = outbox
        self.mailer = mailer
        self.settings = settings
        self.attachments = attachments
        self.receipts = receipts
        for outcome in OUTCOMES.values():  # each series from zero, so that `increase()` sees the first one
            MAILS.labels(settings.service_name, outcome)

    async def send_due(self) -> int:
        """Sends every mail due now; returns how many were delivered."""
        now = datetime.now(UTC)
        lease = timedelta(seconds=self.settings.send_lease_seconds)
        delivered = 0
        for notification_id in await self.outbox.due(now):
            claimed = await self.outbox.claim(notification_id, datetime.now(UTC), lease)
            if claimed is not None:
                with tracing.continued("mail", claimed.traceparent, attributes={"notification.id": notification_id}):
                    delivered += await self._send_one(claimed)
        return delivered

    async def _delivery(self, notification_id: str) -> Loaded[Delivery] | None:
        async def read(tx: Transaction) -> Loaded[Delivery] | None:
            return await Repository(tx, Delivery.fold).get(stream_of(notification_id))

        return await self.uow.run(read)

    async def _send_one(self, claimed: ClaimedMail) -> int:
        notification_id = claimed.notification_id
        delivery = await self._delivery(notification_id)
        version = delivery.version if delivery else 0
        if delivery is not None and delivery.aggregate.sent:
            await self.outbox.settle(notification_id, AlreadySent())
            return 0
        source = Recorded.of(EventEnvelope.model_validate(claimed.event))
        event = source.envelope
        mails = mails_for(
            source.event, source.event_id, territory=source.territory, support_mailbox=self.settings.support_mailbox
        )
        mail = next((m for m in mails if m.notification_id == notification_id), None)
        if mail is None:
            await self.outbox.settle(notification_id, Obsolete())
            return 0
        attempts = claimed.attempts
        subject = mail.subject
        try:
            message = await self._message(mail, event)
            subject = str(message["Subject"])
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.settings.send_attempts),
                wait=wait_exponential(multiplier=self.settings.retry_initial_seconds, max=8),
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    await self.mailer.send(message)
        except Exception as exc:  # SMTP down or refusing, or an attachment unavailable: keep it pending
            await self._failed(claimed, event, mail, version, attempts, exc)
            return 0
        await self._record(
            event,
            notification_id,
            version,
            NotificationSent(
                notification_id=notification_id,
                source_event_id=event.event_id,
                source_event_type=event.type,
                template=mail.template,
                recipient=mail.recipient,
                subject=subject,
                message_id=str(message["Message-ID"]),
                sent_at=datetime.now(UTC),
                attempts=max(attempts, 1),
            ),
        )
        await self._settle(notification_id, Sent(attempts=attempts))
        return 1

    async def _message(self, mail: Mail, event: EventEnvelope) -> EmailMessage:
        mail = within_size(mail, self.settings.mail_max_attachment_bytes)
        if mail.receipt_of and self.receipts is None:
            mail = replace(mail, receipt_of=None, context={**mail.context, "receipt_attached": False})
        subject, text, html = render(mail, self.settings.portal_url)
        files: list[FetchedFile] = []
        if mail.attachments:
            if self.attachments is None:
                raise RuntimeError("aucune source de pièces jointes n'est configurée")
            files = await self.attachments.fetch(event.stream_id, mail.attachments)
        if mail.receipt_of and self.receipts is not None:
            files.append(await self.receipts.fetch(mail.receipt_of))
        return build(
            notification_id=mail.notification_id,
            sender=self.settings.mail_from,
            recipient=mail.recipient,
            subject=subject,
            text=text,
            html=html,
            source_event_id=str(event.event_id),
            attachments=[(f.filename, f.content_type, f.content) for f in files],
        )

    async def _failed(
        self, claimed: ClaimedMail, event: EventEnvelope, mail: Mail, version: int, attempts: int, exc: Exception
    ) -> None:
        notification_id = mail.notification_id
        error = f"{type(exc).__name__}: {exc}"[:500]
        await self._record(
            event,
            notification_id,
            version,
            NotificationFailed(
                notification_id=notification_id,
                source_event_id=event.event_id,
                source_event_type=event.type,
                template=mail.template,
                recipient=mail.recipient,
                error=error,
                attempts=max(attempts, 1),
            ),
        )
        failures = claimed.failures + 1
        wait = min(self.settings.redelivery_max_seconds, self.settings.redelivery_seconds * 2 ** (failures - 1))
        await self._settle(
            notification_id,
            Failed(
                attempts=attempts,
                failures=failures,
                error=error,
                next_attempt_at=datetime.now(UTC) + timedelta(seconds=wait),
            ),
        )
        log.warning("mail not delivered; will retry", notification_id=notification_id, wait=wait, error=repr(exc))

    async def _settle(self, notification_id: str, settlement: Settlement) -> None:
        """Settles the claimed mail in the outbox, then counts it: once per pass, after the outbox took it."""
        await self.outbox.settle(notification_id, settlement)
        outcome = OUTCOMES.get(type(settlement))
        if outcome is not None:
            MAILS.labels(self.settings.service_name, outcome).inc()

    async def _record(
        self, source: EventEnvelope, notification_id: str, version: int, data: NotificationSent | NotificationFailed
    ) -> None:
        async def work(tx: Transaction) -> None:
            await Repository(tx, Delivery.fold).save(
                stream_of(notification_id), [data], expected_version=version, territory=source.territory
            )

        await self.uow.run(work, meta=Metadata.caused_by(source))

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.settings.sender_poll_seconds, stop, self.send_due, name="mail sender")
