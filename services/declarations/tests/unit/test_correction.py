"""The déclaration rectificative, given/when/then: opening a copy of a filed declaration, the recovery period,
filing it with the difference taxcalc computed, superseding the original, and what it asks to pay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.errors import Conflict, DomainError
from contracts.events.declarations import (
    CorrectionOpened,
    DeclarationDrafted,
    DeclarationFiled,
    DeclarationSuperseded,
    DeductionsEntered,
    Difference,
    LineAdded,
    PaymentRecorded,
)
from declarations.domain.correction import RECOVERY_YEARS, correction_id, recovery_period_end, supplement_due
from declarations.domain.declaration import Declaration
from declarations.domain.deductions import enter_deductions
from declarations.domain.filing import Totals
from declarations.domain.lines import LineChange

from declarations_given import details_set, drafted, given, line_a, line_b, totals_for, utc

AFTER_Q1_2024 = utc(2024, 5, 2)
ORIGINAL = "decl-1"
CORRECTION = correction_id(ORIGINAL, 1)


def _filed(*before: object, total_due: str = "125.00") -> Declaration:
    """Q1 2024 in Martinique, filed on 15/04/2024 with a line of each annex and deductions."""
    deductions: DeductionsEntered = enter_deductions({"8": "10.00"}, {})
    declaration = given(drafted(), details_set(), line_a(), line_b(), deductions)
    filed_with = Totals(declaration.version, {"15": Decimal(total_due)}, Decimal(total_due))
    declaration.apply_all(declaration.file(filed_with, now=utc(2024, 4, 15), declarant_email="marie@example.org"))
    return declaration


def _difference(supplement: str = "40.00", om_credit: str = "0.00") -> Difference:
    return Difference(
        original_total_due=Decimal("125.00"),
        corrected_total_due=Decimal("165.00"),
        om=Decimal(supplement) - Decimal(om_credit),
        omr=Decimal("0.00"),
        supplement=Decimal(supplement),
        om_credit=Decimal(om_credit),
        omr_credit=Decimal("0.00"),
    )


def _opened(original: Declaration) -> Declaration:
    """The rectificative's copy as its stream starts."""
    on_original, copy = original.open_correction(CORRECTION, now=AFTER_Q1_2024)
    original.apply_all(on_original)
    return Declaration.fold(copy, territory="972")


# ---- opening -------------------------------------------------------------------------------------


def test_a_filed_declaration_opens_a_rectificative_that_copies_it() -> None:
    original = _filed()
    on_original, copy = original.open_correction(CORRECTION, now=AFTER_Q1_2024)
    assert on_original == [CorrectionOpened(correction_id="decl-1-R1", corrective=1)]
    [head, *rest] = copy
    assert isinstance(head, DeclarationDrafted)
    assert (head.declaration_id, head.corrects, head.corrective) == ("decl-1-R1", "decl-1", 1)
    assert (head.year, head.quarter, head.due_date) == (2024, 1, date(2024, 4, 24))
    assert rest[0] == details_set() and isinstance(rest[-1], DeductionsEntered)
    assert [e.line_id for e in rest if isinstance(e, LineAdded)] == ["l-1", "l-b"]
    correction = Declaration.fold(copy, territory="972")
    assert correction.lines == original.lines and correction.status == "draft"


def test_a_rectificative_copies_the_lines_as_changed_not_as_first_typed() -> None:
    declaration = given(drafted(), details_set(), line_a(price="1000.00"))
    declaration.apply_all(declaration.change_line("l-1", LineChange(price_excl_tax="800.00")))
    filed_with = Totals(declaration.version, {}, Decimal("80.00"))
    declaration.apply_all(declaration.file(filed_with, now=utc(2024, 4, 15), declarant_email=None))
    copy = _opened(declaration)
    assert copy.lines["l-1"].price_excl_tax == Decimal("800.00")


def test_a_draft_is_changed_directly_not_rectified() -> None:
    with pytest.raises(Conflict) as refused:
        given(drafted(), details_set()).open_correction(CORRECTION, now=AFTER_Q1_2024)
    assert refused.value.code == "declaration-non-deposee"


def test_one_rectificative_at_a_time() -> None:
    original = _filed()
    _opened(original)
    with pytest.raises(Conflict) as refused:
        original.open_correction("decl-1-R2", now=AFTER_Q1_2024)
    assert refused.value.code == "rectificative-en-cours" and refused.value.extra["correction_id"] == "decl-1-R1"


@pytest.mark.parametrize(
    ("year", "quarter", "last_day"),
    [(2024, 1, date(2027, 3, 31)), (2024, 4, date(2027, 12, 31)), (2025, 2, date(2028, 6, 30))],
)
def test_recovery_period_is_three_years_from_the_quarters_last_day(year: int, quarter: int, last_day: date) -> None:
    # code des douanes art. 354 (loi n° 2004-639 art. 47): three years from the taxable event, the quarter's last.
    assert RECOVERY_YEARS == 3 and recovery_period_end(year, quarter) == last_day


def test_a_declaration_past_its_recovery_period_is_not_rectified_online() -> None:
    original = _filed()
    assert original.open_correction(CORRECTION, now=utc(2027, 3, 31, 23))  # 31/03 19:00 in Martinique: still in
    with pytest.raises(DomainError) as refused:
        original.open_correction(CORRECTION, now=utc(2027, 4, 1, 4))  # 01/04 00:00 in Martinique
    assert refused.value.code == "delai-de-reprise-ecoule" and "31/03/2027" in refused.value.detail


# ---- filing --------------------------------------------------------------------------------------


def test_a_rectificative_is_filed_with_its_difference_and_is_not_late() -> None:
    correction = _opened(_filed())
    totals = Totals(correction.version, {"15": Decimal("165.00")}, Decimal("165.00"), difference=_difference())
    [event] = correction.file(totals, now=utc(2024, 6, 3), declarant_email=None)
    assert isinstance(event, DeclarationFiled) and event.correction is not None
    assert (event.late, event.days_late, event.total_due, event.payable) == (False, 0, Decimal("165.00"), Decimal("40"))
    assert (event.correction.corrects, event.correction.corrective) == ("decl-1", 1)
    assert event.correction.supplement_due == date(2024, 6, 3)  # filed after the quarter's due date: due at once


def test_a_rectificative_waits_for_its_difference() -> None:
    correction = _opened(_filed())
    with pytest.raises(Conflict) as refused:
        correction.file(totals_for(correction), now=utc(2024, 6, 3), declarant_email=None)
    assert refused.value.code == "totaux-en-attente"


def test_supplement_due_is_the_quarters_due_date_or_the_filing_day_if_later() -> None:
    assert supplement_due(date(2024, 4, 24), date(2024, 4, 10)) == date(2024, 4, 24)
    assert supplement_due(date(2024, 4, 24), date(2024, 12, 31)) == date(2024, 12, 31)


def test_filing_the_rectificative_supersedes_the_original() -> None:
    original = _filed()
    _opened(original)
    [event] = original.supersede(CORRECTION, 1, now=utc(2024, 6, 3))
    assert isinstance(event, DeclarationSuperseded) and (event.by, event.corrective) == ("decl-1-R1", 1)
    original.apply(event)
    assert (original.superseded_by, original.correction_open) == ("decl-1-R1", None)
    with pytest.raises(Conflict) as refused:
        original.open_correction("decl-1-R2", now=AFTER_Q1_2024)
    assert refused.value.code == "declaration-remplacee"


def test_the_rectificative_in_force_is_rectified_in_turn_with_the_next_number() -> None:
    correction = _opened(_filed())
    totals = Totals(correction.version, {}, Decimal("165.00"), difference=_difference())
    correction.apply_all(correction.file(totals, now=utc(2024, 6, 3), declarant_email=None))
    [opened], copy = correction.open_correction("decl-1-R2", now=utc(2024, 7, 1))
    assert isinstance(opened, CorrectionOpened) and opened.corrective == 2
    assert isinstance(copy[0], DeclarationDrafted) and (copy[0].corrects, copy[0].corrective) == ("decl-1-R1", 2)


# ---- paying --------------------------------------------------------------------------------------


def test_a_rectificative_asks_for_its_supplement_by_its_own_due_date() -> None:
    correction = _opened(_filed())
    totals = Totals(correction.version, {}, Decimal("165.00"), difference=_difference())
    correction.apply_all(correction.file(totals, now=utc(2024, 6, 3), declarant_email=None))
    state = correction.payment_state()
    assert state is not None and (state.status, state.due) == ("unpaid", Decimal("40.00"))
    paid = PaymentRecorded(
        reference="VIR-1", amount=Decimal("40.00"), paid_on=date(2024, 6, 3), method="virement", recorded_by="c"
    )
    correction.apply(paid)
    state = correction.payment_state()
    assert state is not None and state.status == "paid"


def test_a_rectificative_that_lowers_the_tax_asks_for_nothing() -> None:
    correction = _opened(_filed())
    lowered = _difference(supplement="0.00", om_credit="30.00")
    correction.apply_all(
        correction.file(
            Totals(correction.version, {}, Decimal("95.00"), difference=lowered),
            now=utc(2024, 6, 3),
            declarant_email=None,
        )
    )
    state = correction.payment_state()
    assert state is not None and state.status == "nothing_due"
