"""Wires taxcalc: tariffs, line assessment, totals and the credit ledger."""

from __future__ import annotations

from chassis.commands import Commands
from chassis.read_log_retention import ReadLogRetention
from chassis.service import Runtime, ServiceDefinition, Wiring
from chassis.unit_of_work import Transaction
from contracts import topics
from taxcalc.adapters.read_models import TaxcalcReadModels
from taxcalc.application.assessor import Assessor
from taxcalc.application.projections import DeclarationLedgerView, LedgerView, TariffView
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork, assessment_trail, credit_ledger, last_published
from taxcalc.entrypoints.http import TaxcalcServices, router
from taxcalc.settings import TaxcalcSettings


def build(settings: TaxcalcSettings | None = None) -> ServiceDefinition:
    config = settings or TaxcalcSettings()

    def unit_of_work(tx: Transaction) -> TaxcalcUnitOfWork:
        read_models = TaxcalcReadModels(tx.db, tx.session)
        return TaxcalcUnitOfWork.over(
            tx,
            read_models,
            read_models,
            served=config.territories,
            threshold_overrides=config.threshold_overrides(),
        )

    async def wire(runtime: Runtime) -> Wiring:
        services = TaxcalcServices(
            commands=Commands(runtime.uow, unit_of_work), read_models=TaxcalcReadModels(runtime.db)
        )
        reads = ReadLogRetention(runtime.db)
        return Wiring(services=services, policies=[Assessor(unit_of_work)], background=[reads.run])

    return ServiceDefinition(
        name="taxcalc",
        settings=config,
        title="Taxcalc — taux, totaux et crédit d'octroi de mer",
        description="Tarifs par territoire, liquidation des lignes, cases 1 à 27, report de crédit.",
        projections=[TariffView(), DeclarationLedgerView(), LedgerView()],
        audit_folds={"assessment": assessment_trail, "ledger": credit_ledger, "tariff": last_published},
        subscribe_topics=[topics.DECLARATIONS],
        routers=[router],
        wire=wire,
    )
