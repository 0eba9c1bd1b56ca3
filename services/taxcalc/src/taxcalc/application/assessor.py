"""Taxcalc's policy on declarations: bring the assessment up to date with what was received.

Whatever declaration event arrives, the policy loads the declaration under assessment and does what is
still to do, in order: assess the lines that have no assessment (or only one of their values before a
`LineChanged`), project the totals of the latest version folded, settle a filing and carry its credit to
the relation's next declarations. It is idempotent (a redelivered or replayed event finds nothing to do)
and it never works past a missing version: an event that arrives after a lost one waits in the inbox
until the lost one is published again, and then the same pass catches up.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from chassis.dispatch import on
from chassis.policy import Policy
from chassis.repository import Loaded
from chassis.unit_of_work import Transaction
from contracts.errors import NotFound
from contracts.events.collection import DebitScheduled, PaymentReturned
from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    CorrectionOpened,
    DeclarantDetailsSet,
    DeclarationDrafted,
    DeclarationFiled,
    DeclarationSuperseded,
    DeductionsEntered,
    LineAdded,
    LineChanged,
    LineRemoved,
    PaymentRecorded,
)
from contracts.events.taxcalc import LineAssessed, TotalsProjected
from contracts.recorded import Recorded
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork, ledger_stream
from taxcalc.domain.assessment import quarter_start
from taxcalc.domain.ledger import CreditLedger, LedgerEntry, LedgerEvent
from taxcalc.domain.parameters import refund_thresholds
from taxcalc.domain.under_assessment import DeclarationUnderAssessment

log = structlog.get_logger(__name__)
DeclarationEvent = (
    DeclarationDrafted
    | DeclarantDetailsSet
    | LineAdded
    | LineChanged
    | LineRemoved
    | AnnualTurnoverDeclared
    | DeductionsEntered
    | DeclarationFiled
    | PaymentRecorded
    | DebitScheduled
    | PaymentReturned
    | CorrectionOpened
    | DeclarationSuperseded
)


class Assessor(Policy[TaxcalcUnitOfWork]):
    def __init__(self, bind: Callable[[Transaction], TaxcalcUnitOfWork]) -> None:
        super().__init__(bind)

    @on(
        DeclarationDrafted,
        DeclarantDetailsSet,
        LineAdded,
        LineChanged,
        LineRemoved,
        AnnualTurnoverDeclared,
        DeductionsEntered,
        DeclarationFiled,
        # nothing to assess in these; received, so that the declaration's versions have no gap
        PaymentRecorded,
        DebitScheduled,
        PaymentReturned,
        CorrectionOpened,
        DeclarationSuperseded,
    )
    async def _declared(self, event: Recorded[DeclarationEvent], uow: TaxcalcUnitOfWork) -> None:
        await catch_up(uow, event.stream_id)


async def catch_up(uow: TaxcalcUnitOfWork, declaration_id: str) -> None:
    """Does what is still to do on the declaration, up to the latest version received without a gap."""
    loaded = await uow.assessments.get(declaration_id)
    if loaded is None:
        return  # its drafting has not been received (yet): nothing can be assessed
    declaration = loaded.aggregate
    if declaration.missing_versions:
        log.warning(
            "declaration versions missing: assessment held",
            declaration_id=declaration_id,
            missing=declaration.missing_versions,
            received=declaration.latest_received,
        )
    events: list[LineAssessed | TotalsProjected] = []
    unassessed = declaration.unassessed_lines()
    if unassessed:
        tariff = await uow.tariff_in_force.of(declaration.territory)
        for line_id in unassessed:
            assessed = declaration.assess(line_id, tariff)
            declaration.apply(assessed)
            events.append(assessed)
    if declaration.filing is not None:
        if not declaration.settled:
            await _settle(uow, loaded, events)
        return
    if events or declaration.projected_for < declaration.declaration_version:
        events.append(await totals(uow, declaration))
    if events:
        await uow.assessments.save(loaded, events)


async def _settle(
    uow: TaxcalcUnitOfWork, loaded: Loaded[DeclarationUnderAssessment], before: list[LineAssessed | TotalsProjected]
) -> None:
    """The filing assessed with the totals it was filed with; its credit carried to the next drafts."""
    declaration = loaded.aggregate
    await uow.assessments.save(loaded, [*before, declaration.settle()])
    stream = ledger_stream(declaration.relation_id)
    ledger = await uow.ledgers.get(stream)
    current = ledger.aggregate if ledger else CreditLedger(declaration.relation_id)
    credit = _carried(declaration, current)
    if credit is None:
        return
    await uow.ledgers.save(
        stream, [credit], expected_version=ledger.version if ledger else 0, territory=declaration.territory
    )
    # Box 10/22 of the relation's later drafts came from the ledger: recompute them.
    for later in await uow.drafts.later_than(declaration.relation_id, declaration.year, declaration.quarter):
        draft = await uow.assessments.get(later)
        if draft is not None:
            await uow.assessments.save(draft, [await totals(uow, draft.aggregate, current.apply(credit))])


def _carried(declaration: DeclarationUnderAssessment, ledger: CreditLedger) -> LedgerEvent | None:
    """What a filing writes in the relation's ledger: a declaration, the credit it carries (boxes 14/26) and the
    rectificatives' credits its boxes 10/22 took in; a rectificative, the credit its difference leaves (if any) for
    the next declaration; the credit carried by the declaration it corrects stays as it was filed."""
    filing = declaration.filing
    if filing is None or filing.correction is None:
        absorbed = ledger.carried_into(declaration.year, declaration.quarter).corrections
        return ledger.credit_event(declaration.credit(), absorbed)
    change = filing.correction.difference
    if change.om_credit <= 0 and change.omr_credit <= 0:
        return None
    entry = LedgerEntry(
        declaration.declaration_id, declaration.year, declaration.quarter, change.om_credit, change.omr_credit
    )
    return ledger.correction_event(entry)


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
    superseded = None
    if declaration.corrects is not None:  # a rectificative: the declaration it corrects, as filed
        corrected = await uow.assessments.get(declaration.corrects)
        superseded = corrected.aggregate.filing if corrected else None
    return declaration.project(ledger, refund_thresholds(day, uow.threshold_overrides or None), superseded)


async def _under_assessment(uow: TaxcalcUnitOfWork, declaration_id: str) -> Loaded[DeclarationUnderAssessment]:
    loaded = await uow.assessments.get(declaration_id)
    if loaded is None:
        raise NotFound(f"Déclaration {declaration_id} inconnue du calcul.", field="id")
    return loaded
