"""Wires the notifier: consumes taxcalc and essoc events, queues and sends mails."""

from __future__ import annotations

import asyncio

from chassis.service import Runtime, ServiceDefinition
from contracts import topics
from notifier.adapters.attachments import DeclarationReceipts, EssocAttachments
from notifier.adapters.smtp import SmtpMailer
from notifier.application.outbox import OUTBOX, queue_mails
from notifier.application.projections import NotificationLog
from notifier.application.sender import MailSender
from notifier.domain.mails import HANDLED_EVENTS
from notifier.entrypoints.http import router
from notifier.settings import NotifierSettings


async def _indexes(runtime: Runtime) -> None:
    await runtime.db[OUTBOX].create_index([("state", 1), ("next_attempt_at", 1)])


async def send_mails(runtime: Runtime, stop: asyncio.Event) -> None:
    settings: NotifierSettings = runtime.settings  # type: ignore[assignment]
    receipts = DeclarationReceipts(settings) if settings.declarations_url else None
    sender = MailSender(
        runtime.uow,
        runtime.extras.get("mailer") or SmtpMailer(settings),
        settings,
        runtime.extras.get("attachments") or EssocAttachments(settings),
        runtime.extras.get("receipts", receipts),
    )
    runtime.extras["sender"] = sender
    await sender.run(stop)


def build(settings: NotifierSettings | None = None) -> ServiceDefinition:
    settings = settings or NotifierSettings()
    return ServiceDefinition(
        name="notifier",
        settings=settings,
        title="Notifier — courriels aux usagers et aux services",
        description="Envoie les courriels de DOMINO-NG et d'OGDE et garde la trace de chaque envoi.",
        projections=[NotificationLog()],
        handlers={event_type: queue_mails for event_type in HANDLED_EVENTS},
        subscribe_topics=[topics.TAXCALC, topics.ESSOC],
        routers=[router],
        startup=[_indexes],
        background=[send_mails],
    )
