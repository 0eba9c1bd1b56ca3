"""Wires DOMINO-NG's declarations service."""

from __future__ import annotations

from chassis.commands import Commands
from chassis.service import Runtime, ServiceDefinition, Wiring
from chassis.unit_of_work import Transaction
from contracts import topics
from declarations.adapters.read_models import DeclarationReadModel
from declarations.adapters.reference import ReferenceData
from declarations.application.projections import DeclarationView
from declarations.application.unit_of_work import DeclarationsUnitOfWork, declarations
from declarations.entrypoints.http import DeclarationsServices, router
from declarations.settings import DeclarationsSettings


def build(settings: DeclarationsSettings | None = None) -> ServiceDefinition:
    config = settings or DeclarationsSettings()

    async def wire(runtime: Runtime) -> Wiring:
        reference = ReferenceData.load(config.reference_dir, config.territories)

        def unit_of_work(tx: Transaction) -> DeclarationsUnitOfWork:
            return DeclarationsUnitOfWork(
                declarations=declarations(tx),
                relations=reference,
                totals=DeclarationReadModel(tx.db, tx.session),
                served=config.territories,
                payment_methods=config.payment_methods,
            )

        services = DeclarationsServices(
            commands=Commands(runtime.uow, unit_of_work),
            reference=reference,
            read_model=DeclarationReadModel(runtime.db),
            store=runtime.store,
        )
        return Wiring(services=services)

    return ServiceDefinition(
        name="declarations",
        settings=config,
        title="DOMINO-NG — déclarations trimestrielles d'octroi de mer interne",
        description="Relations, déclarations, annexes A et B, déductions, dépôt.",
        projections=[DeclarationView()],
        subscribe_topics=[topics.TAXCALC],
        routers=[router],
        wire=wire,
    )
