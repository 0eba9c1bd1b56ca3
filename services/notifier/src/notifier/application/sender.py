"""Sends pending mails with retries; records NotificationSent or NotificationFailed as events.

One stream per notification (`notification-<id>`): a mail is sent only while its stream holds no
NotificationSent, so a replayed or redelivered event never sends a second mail. After the last
SMTP try the failure is recorded and the mail stays pending; it is sent when SMTP comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import structlog
from chassis.eventstore import Metadata, NewEvent
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.envelope import SYSTEM, EventEnvelope
from contracts.events.notifier import NotificationFailed, NotificationSent
from contracts.registry import upcast
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from notifier.adapters.message import build
from notifier.application.outbox import OUTBOX
from notifier.domain.mails import mails_for
from notifier.domain.render import render
from notifier.settings import NotifierSettings

log = structlog.get_logger(__name__)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def stream_of(notification_id: str) -> str:
    return f"notification-{notification_id}"


class MailSender:
    def __init__(self, uow: UnitOfWork, mailer: Mailer, settings: NotifierSettings) -> None:
        self.uow = uow
        self.mailer = mailer
        self.settings = settings
        self.outbox = uow.store.db[OUTBOX]

    async def send_due(self) -> int:
        """Sends every mail due now; returns how many were delivered."""
        now = datetime.now(UTC)
        due = [d async for d in self.outbox.find(
            {"state": "pending", "next_attempt_at": {"$lte": now}}, sort=[("queued_at", 1)], limit=100)]
        delivered = 0
        for doc in due:
            delivered += await self._send_one(doc)
        return delivered

    async def _send_one(self, doc: dict[str, Any]) -> int:
        notification_id = str(doc["_id"])
        history = await self.uow.store.read_stream(stream_of(notification_id))
        if any(e.type == "NotificationSent" for e in history):
            await self.outbox.update_one({"_id": notification_id}, {"$set": {"state": "sent"}})
            return 0
        event = EventEnvelope.model_validate(doc["event"])
        _, data = upcast(event.type, event.schema_version, event.data)
        mail = next((m for m in mails_for(event.type, data, event.event_id)
                     if m.notification_id == notification_id), None)
        if mail is None:
            await self.outbox.update_one({"_id": notification_id}, {"$set": {"state": "obsolete"}})
            return 0
        subject, text, html = render(mail)
        message = build(notification_id=notification_id, sender=self.settings.mail_from,
                        recipient=mail.recipient, subject=subject, text=text, html=html,
                        source_event_id=str(event.event_id))
        attempts = int(doc.get("attempts", 0))
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.settings.send_attempts),
                wait=wait_exponential(multiplier=self.settings.retry_initial_seconds, max=8), reraise=True,
            ):
                with attempt:
                    attempts += 1
                    await self.mailer.send(message)
        except Exception as exc:  # SMTP down or refusing: record it, keep the mail pending
            await self._record(event, notification_id, len(history), NotificationFailed(
                notification_id=notification_id, source_event_id=event.event_id,
                source_event_type=event.type, template=mail.template, recipient=mail.recipient,
                error=f"{type(exc).__name__}: {exc}"[:500], attempts=attempts))
            failures = int(doc.get("failures", 0)) + 1
            wait = min(self.settings.redelivery_max_seconds,
                       self.settings.redelivery_seconds * 2 ** (failures - 1))
            await self.outbox.update_one({"_id": notification_id}, {"$set": {
                "attempts": attempts, "failures": failures,
                "next_attempt_at": datetime.now(UTC) + timedelta(seconds=wait)}})
            log.warning("mail not delivered; will retry", notification_id=notification_id, wait=wait)
            return 0
        await self._record(event, notification_id, len(history), NotificationSent(
            notification_id=notification_id, source_event_id=event.event_id, source_event_type=event.type,
            template=mail.template, recipient=mail.recipient, subject=subject,
            message_id=str(message["Message-ID"]), sent_at=datetime.now(UTC), attempts=attempts))
        await self.outbox.update_one({"_id": notification_id}, {"$set": {"state": "sent",
                                                                          "attempts": attempts}})
        return 1

    async def _record(self, source: EventEnvelope, notification_id: str, version: int,
                      data: NotificationSent | NotificationFailed) -> None:
        async def work(tx: Transaction) -> None:
            await tx.append(stream_of(notification_id), version,
                            [NewEvent(data, territory=source.territory, actor=SYSTEM)],
                            Metadata(correlation_id=source.correlation_id, causation_id=str(source.event_id)))

        await self.uow.run(work)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.send_due()
            except Exception:
                log.exception("mail sender pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.sender_poll_seconds)
