"""Taxcalc's policy on declarations: every version gets its totals, a new line is assessed first, a
filing is settled and its credit carried to the relation's next declarations.

Each reaction loads the declaration under assessment, lets it decide (pure), and saves what it
decided, in the consumer's transaction: an event redelivered after a crash changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from chassis.dispatch import on
from chassis.policy import Policy
from chassis.repository import Loaded
from chassis.unit_of_work import Transaction
from contracts.errors import NotFound
from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    DeclarantDetailsSet,
    DeclarationDrafted,
    DeclarationFiled,
    DeductionsEntered,
    LineAdded,
    LineRemoved,
)
from contracts.events.taxcalc import TotalsProjected
from contracts.recorded import Recorded
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork, ledger_stream
from taxcalc.domain.assessment import quarter_start
from taxcalc.domain.ledger import CreditLedger
from taxcalc.domain.parameters import refund_thresholds
from taxcalc.domain.under_assessment import DeclarationUnderAssessment

Changed = DeclarationDrafted | DeclarantDetailsSet | LineRemoved | AnnualTurnoverDeclared | DeductionsEntered


class Assessor(Policy[TaxcalcUnitOfWork]):
    def __init__(self, bind: Callable[[Transaction], TaxcalcUnitOfWork]) -> None:
        super().__init__(bind)

    @on(LineAdded)
    async def _line_added(self, event: Recorded[LineAdded], uow: TaxcalcUnitOfWork) -> None:
        loaded = await uow.assessments.get(event.stream_id)
        if loaded is None:
            return
        declaration = loaded.aggregate
        assessed = declaration.assess(event.event.line_id, await uow.tariff_in_force.of(declaration.territory))
        declaration.apply(assessed)
        await uow.assessments.save(loaded, [assessed, await totals(uow, declaration)])

    @on(DeclarationDrafted, DeclarantDetailsSet, LineRemoved, AnnualTurnoverDeclared, DeductionsEntered)
    async def _changed(self, event: Recorded[Changed], uow: TaxcalcUnitOfWork) -> None:
        loaded = await uow.assessments.get(event.stream_id)
        if loaded is None:
            return
        await uow.assessments.save(loaded, [await totals(uow, loaded.aggregate)])

    @on(DeclarationFiled)
    async def _filed(self, event: Recorded[DeclarationFiled], uow: TaxcalcUnitOfWork) -> None:
        loaded = await uow.assessments.get(event.stream_id)
        if loaded is None:
            return
        declaration = loaded.aggregate
        await uow.assessments.save(loaded, [declaration.settle()])
        stream = ledger_stream(declaration.relation_id)
        ledger = await uow.ledgers.get(stream)
        current = ledger.aggregate if ledger else CreditLedger(declaration.relation_id)
        credit = current.credit_event(declaration.credit())
        await uow.ledgers.save(
            stream, [credit], expected_version=ledger.version if ledger else 0, territory=declaration.territory
        )
        # Box 10/22 of the relation's later drafts came from the ledger: recompute them.
        for later in await uow.drafts.later_than(declaration.relation_id, declaration.year, declaration.quarter):
            draft = await _under_assessment(uow, later)
            await uow.assessments.save(draft, [await totals(uow, draft.aggregate, current.apply(credit))])


async def reassess_without_rate(uow: TaxcalcUnitOfWork, territory: str) -> int:
    """After a tariff is published: the drafts' lines that had no rate are assessed again, and their
    totals projected for the same declaration version (nothing changed on the declarant's side)."""
    reassessed = 0
    for declaration_id in await uow.drafts.without_rate(territory):
        loaded = await _under_assessment(uow, declaration_id)
        declaration = loaded.aggregate
        tariff = await uow.tariff_in_force.of(declaration.territory)
        events = [declaration.assess(line_id, tariff) for line_id in declaration.lines_without_rate()]
        if not events:
            continue
        for assessed in events:
            declaration.apply(assessed)
        await uow.assessments.save(loaded, [*events, await totals(uow, declaration)])
        reassessed += 1
    return reassessed


async def totals(
    uow: TaxcalcUnitOfWork, declaration: DeclarationUnderAssessment, ledger: CreditLedger | None = None
) -> TotalsProjected:
    """The TotalsProjected of the declaration's current version."""
    if ledger is None:
        loaded = await uow.ledgers.get(ledger_stream(declaration.relation_id))
        ledger = loaded.aggregate if loaded else CreditLedger(declaration.relation_id)
    day = quarter_start(declaration.year, declaration.quarter)
    return declaration.project(ledger, refund_thresholds(day, uow.threshold_overrides or None))


async def _under_assessment(uow: TaxcalcUnitOfWork, declaration_id: str) -> Loaded[DeclarationUnderAssessment]:
    loaded = await uow.assessments.get(declaration_id)
    if loaded is None:
        raise NotFound(f"Déclaration {declaration_id} inconnue du calcul.", field="id")
    return loaded
