"""Wires DOMINO-NG's declarations service."""

from __future__ import annotations

import httpx

from chassis.commands import Commands
from chassis.erasure_due import ErasureDueStore
from chassis.read_log_retention import delete_reads_past_retention
from chassis.renderer import RendererWarmUp, shared_renderer
from chassis.service import Runtime, ServiceDefinition, Wiring
from chassis.unit_of_work import Transaction
from contracts import topics
from contracts.envelope import utc_now
from declarations.adapters.collection_read_models import CollectionReadModel
from declarations.adapters.payfip import Payfip
from declarations.adapters.read_models import DeclarationReadModel, TariffCanaReadModel
from declarations.adapters.reference import ReferenceData
from declarations.adapters.revoked_mandates import RevokedMandateReadModel
from declarations.adapters.totals_pending import TotalsPending
from declarations.application.collection_views import CollectionView
from declarations.application.personal_retention import DeclarationsRetention
from declarations.application.projections import DeclarationView, TariffCanaView
from declarations.application.reminders import FilingReminders
from declarations.application.unit_of_work import (
    Clock,
    DeclarationsUnitOfWork,
    ReminderHistory,
    cards,
    collections,
    declarations,
    mandates,
    reminders,
    statements,
)
from declarations.domain.collection.card import CardPayments
from declarations.domain.collection.files import CollectionFiles
from declarations.domain.collection.mandate import Mandates
from declarations.domain.collection.statement import StatementRecord
from declarations.domain.declaration import Declaration
from declarations.entrypoints import follow_up
from declarations.entrypoints.http import DeclarationsServices, router
from declarations.entrypoints.http.services import CardDesk
from declarations.settings import DeclarationsSettings


def card_desk(config: DeclarationsSettings, transport: httpx.AsyncBaseTransport | None = None) -> CardDesk | None:
    """PayFiP when the deployment is configured for it (`make run`: the simulator), else no card payments."""
    if not config.card_payments:
        return None
    payfip = Payfip(
        config.payfip_url, config.payfip_payment_url, config.payfip_client, config.payfip_mode, transport=transport
    )
    notification = f"{config.public_url.rstrip('/')}/api/v1/payfip/notifications"
    return CardDesk(payfip, notification, config.portal_url.rstrip("/"))


def build(
    settings: DeclarationsSettings | None = None,
    *,
    clock: Clock = utc_now,
    payfip_transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceDefinition:
    """`clock` is the service's "now" (tests pass theirs: a filing after the due date, a quarter past due);
    `payfip_transport` carries the calls to PayFiP (tests: the simulator in process)."""
    config = settings or DeclarationsSettings()

    async def wire(runtime: Runtime) -> Wiring:
        reference = ReferenceData.load(config.reference_dir, config.territories)

        def unit_of_work(tx: Transaction) -> DeclarationsUnitOfWork:
            return DeclarationsUnitOfWork(
                declarations=declarations(tx),
                relations=reference,
                totals=DeclarationReadModel(tx.db, tx.session),
                served=config.territories,
                canas=TariffCanaReadModel(tx.db, tx.session),
                reminders=reminders(tx),
                payment_methods=config.payment_methods,
                clock=clock,
                mandates=mandates(tx),
                collections=collections(tx),
                statements=statements(tx),
                collection=CollectionReadModel(tx.db, tx.session),
                cards=cards(tx),
            )

        runner = Commands(runtime.uow, unit_of_work)
        read_model = DeclarationReadModel(runtime.db)
        services = DeclarationsServices(
            commands=runner,
            reference=reference,
            read_model=read_model,
            store=runtime.store,
            clock=clock,
            collection=CollectionReadModel(runtime.db),
            card=card_desk(config, payfip_transport),
            reminders=FilingReminders(
                runner,
                reference,
                read_model,
                clock,
                days_before=config.reminder_days_before,
                late_window=config.reminder_late_window_days,
                every_seconds=config.reminder_check_seconds,
            ),
        )
        background = [services.reminders.run] if services.reminders and config.reminders_enabled else []
        if config.totals_pending_enabled:
            pending = TotalsPending(
                runtime.db,
                config.territories,
                clock,
                service=config.service_name,
                every_seconds=config.totals_pending_seconds,
            )
            background.append(pending.run)
        personal_retention = DeclarationsRetention(
            RevokedMandateReadModel(runtime.db),
            ErasureDueStore(runtime.db),
            lambda now: delete_reads_past_retention(runtime.db, now),
            clock,
        )
        background.append(personal_retention.run)
        # Every filing's receipt is drawn in the renderer's process, started with the service (decision 0035).
        background.append(RendererWarmUp(shared_renderer(), ("declarations.adapters.receipt_pdf",)).run)
        return Wiring(services=services, background=background)

    return ServiceDefinition(
        name="declarations",
        settings=config,
        title="DOMINO-NG — déclarations trimestrielles d'octroi de mer interne",
        description="Relations, déclarations, annexes A et B, déductions, dépôt.",
        projections=[DeclarationView(), TariffCanaView(), CollectionView()],
        audit_folds={
            "declaration": Declaration.from_recorded,
            "reminder": ReminderHistory.from_recorded,
            "mandate": Mandates.from_recorded,
            "collection": CollectionFiles.from_recorded,
            "statement": StatementRecord.from_recorded,
            "card": CardPayments.from_recorded,
        },
        subscribe_topics=[topics.TAXCALC],
        routers=[router, follow_up.router],
        wire=wire,
    )
