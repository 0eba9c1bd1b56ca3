"""Wires the notifier: consumes taxcalc and essoc events, queues and sends mails."""

from __future__ import annotations

from chassis.read_log_retention import delete_reads_past_retention
from chassis.service import Runtime, ServiceDefinition, Wiring
from chassis.unit_of_work import Transaction
from contracts import topics
from notifier.adapters.attachments import DeclarationReceipts, EssocAttachments
from notifier.adapters.outbox import MailOutbox
from notifier.adapters.outbox_erasure import OutboxErasure
from notifier.adapters.outbox_retention import OutboxRetention
from notifier.adapters.smtp import SmtpMailer
from notifier.application.mail_erasure import MailErasure
from notifier.application.mail_retention import MailRetention
from notifier.application.outbox import MailQueue, NotifierUnitOfWork
from notifier.application.projections import NotificationLog
from notifier.application.sender import AttachmentSource, Delivery, Mailer, MailSender, ReceiptSource
from notifier.entrypoints.http import NotifierServices, router
from notifier.settings import NotifierSettings


def build(
    settings: NotifierSettings | None = None,
    *,
    mailer: Mailer | None = None,
    attachments: AttachmentSource | None = None,
    receipts: ReceiptSource | None = None,
) -> ServiceDefinition:
    """`mailer`, `attachments` and `receipts` replace the SMTP server and the claim-check sources (tests)."""
    config = settings or NotifierSettings()

    def unit_of_work(tx: Transaction) -> NotifierUnitOfWork:
        return NotifierUnitOfWork(outbox=MailOutbox(tx.db, tx.session), support_mailbox=config.support_mailbox)

    async def wire(runtime: Runtime) -> Wiring:
        outbox = MailOutbox(runtime.db)
        await outbox.ensure_indexes()
        default_receipts = DeclarationReceipts(config) if config.declarations_url else None
        sender = MailSender(
            runtime.uow,
            outbox,
            mailer or SmtpMailer(config),
            config,
            attachments or EssocAttachments(config),
            receipts or default_receipts,
        )
        services = NotifierServices(db=runtime.db, sender=sender)
        mail_retention = MailRetention(
            OutboxRetention(runtime.db), lambda now: delete_reads_past_retention(runtime.db, now)
        )
        return Wiring(
            services=services,
            policies=[MailQueue(unit_of_work), MailErasure(lambda tx: OutboxErasure(tx.db, tx.session))],
            background=[sender.run, mail_retention.run],
        )

    return ServiceDefinition(
        name="notifier",
        settings=config,
        title="Notifier — courriels aux usagers et aux services",
        description="Envoie les courriels de DOMINO-NG et d'OGDE et garde la trace de chaque envoi.",
        projections=[NotificationLog()],
        audit_folds={"notification": Delivery.fold},
        subscribe_topics=[topics.DECLARATIONS, topics.TAXCALC, topics.ESSOC],
        routers=[router],
        wire=wire,
    )
