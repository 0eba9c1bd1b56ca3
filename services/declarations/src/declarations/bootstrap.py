"""Wires DOMINO-NG's declarations service."""

from __future__ import annotations

from chassis.service import Runtime, ServiceDefinition
from contracts import topics
from declarations.adapters.reference import ReferenceData
from declarations.application.commands import Handlers
from declarations.application.projections import DeclarationView
from declarations.entrypoints.http import router
from declarations.settings import DeclarationsSettings


async def _wire(runtime: Runtime) -> None:
    settings: DeclarationsSettings = runtime.settings  # type: ignore[assignment]
    reference = ReferenceData.load(settings.reference_dir, settings.territories)
    runtime.extras["reference"] = reference
    runtime.extras["handlers"] = Handlers(
        runtime.uow, reference, settings.territories, payment_methods=settings.payment_methods
    )


def build(settings: DeclarationsSettings | None = None) -> ServiceDefinition:
    settings = settings or DeclarationsSettings()
    return ServiceDefinition(
        name="declarations",
        settings=settings,
        title="DOMINO-NG — déclarations trimestrielles d'octroi de mer interne",
        description="Relations, déclarations, annexes A et B, déductions, dépôt.",
        projections=[DeclarationView()],
        subscribe_topics=[topics.TAXCALC],
        routers=[router],
        startup=[_wire],
    )
