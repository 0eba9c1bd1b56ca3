"""Wires taxcalc: tariffs, line assessment, totals and the credit ledger."""

from __future__ import annotations

from chassis.service import ServiceDefinition
from contracts import topics
from taxcalc.application.assessor import Assessor
from taxcalc.application.projections import (
    DECLARATION_EVENTS,
    DeclarationLedgerView,
    LedgerView,
    TariffView,
)
from taxcalc.entrypoints.http import router
from taxcalc.settings import TaxcalcSettings


def build(settings: TaxcalcSettings | None = None) -> ServiceDefinition:
    settings = settings or TaxcalcSettings()
    assessor = Assessor(settings.threshold_overrides())
    return ServiceDefinition(
        name="taxcalc",
        settings=settings,
        title="Taxcalc — taux, totaux et crédit d'octroi de mer",
        description="Tarifs par territoire, liquidation des lignes, cases 1 à 27, report de crédit.",
        projections=[TariffView(), DeclarationLedgerView(), LedgerView()],
        handlers={t: assessor.on_declaration_event for t in DECLARATION_EVENTS},
        subscribe_topics=[topics.DECLARATIONS],
        routers=[router],
        extras={"assessor": assessor},
    )
