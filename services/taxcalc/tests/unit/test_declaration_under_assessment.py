"""The declaration under assessment: given what declarations said and what taxcalc already decided,
when a step of the assessment, then the events taxcalc appends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts.events.declarations import LineRemoved
from contracts.events.taxcalc import LineAssessed
from taxcalc.domain.ledger import CreditLedger, LedgerEntry
from taxcalc.domain.parameters import refund_thresholds
from taxcalc.domain.tariff import Tariff
from taxcalc.domain.under_assessment import DeclarationUnderAssessment

from taxcalc_given import DECLARATION, DETAILS, deductions, drafted, filed, history, line, under_assessment

D = Decimal
THRESHOLDS = refund_thresholds(drafted().due_date)


def test_a_new_line_is_assessed_at_the_tariff_in_force_for_the_current_version(demo_tariff: Tariff) -> None:
    declaration = under_assessment(drafted(), DETAILS, line("L1"))
    assessed = declaration.assess("L1", demo_tariff)
    assert assessed == LineAssessed(
        declaration_id=DECLARATION,
        declaration_version=3,
        line_id="L1",
        annex="A",
        status="assessed",
        om_rate=D("4"),
        omr_rate=D("2.5"),
        kind="OME",
        matched_code="33051000",
        deliberation=assessed.deliberation,
        label=assessed.label,
        om_amount=D("400.00"),
        omr_amount=D("250.00"),
    )


def test_totals_add_the_assessed_lines_of_the_current_version(demo_tariff: Tariff) -> None:
    declaration = under_assessment(drafted(), line("L1"), line("L2", price="5000.00"))
    for line_id in ("L1", "L2"):
        declaration.apply(declaration.assess(line_id, demo_tariff))
    totals = declaration.project(CreditLedger("rel-974-0001"), THRESHOLDS)
    assert totals.declaration_version == 3 and totals.complete
    assert (totals.boxes["1"], totals.boxes["4"], totals.boxes["16"]) == (D("15000.00"), D("600.00"), D("375.00"))
    assert totals.total_due == D("975.00")


def test_a_removed_line_leaves_the_totals(demo_tariff: Tariff) -> None:
    assessed = under_assessment(drafted(), line("L1")).assess("L1", demo_tariff)
    declaration = under_assessment(drafted(), line("L1"), LineRemoved(line_id="L1"), own=(assessed,))
    totals = declaration.project(CreditLedger("rel-974-0001"), THRESHOLDS)
    assert totals.declaration_version == 3 and totals.boxes["1"] == D("0.00")


def test_the_credit_of_the_previous_quarter_is_box_10(demo_tariff: Tariff) -> None:
    ledger = CreditLedger("rel-974-0001", [LedgerEntry("decl-q4", 2025, 4, D("120.00"), D("5.00"))])
    totals = under_assessment(drafted(), DETAILS).project(ledger, THRESHOLDS)
    assert (totals.boxes["10"], totals.boxes["22"]) == (D("120.00"), D("5.00"))


def test_a_rectificative_keeps_the_boxes_10_and_22_of_the_declaration_it_corrects_and_gets_its_difference(
    demo_tariff: Tariff,
) -> None:
    corrected = drafted("decl-R1").model_copy(update={"corrects": DECLARATION, "corrective": 1})
    declaration = under_assessment(corrected, DETAILS, line("L1", price="20000.00"))
    declaration.apply(declaration.assess("L1", demo_tariff))
    ledger = CreditLedger("rel-974-0001", [LedgerEntry("decl-q4", 2025, 4, D("999.00"), D("9.00"))])  # not used
    superseded = filed({"10": "100.00", "22": "0.00", "15": "300.00", "27": "250.00"}, 3, total_due="550.00")
    totals = declaration.project(ledger, THRESHOLDS, superseded)
    assert (totals.boxes["10"], totals.boxes["22"]) == (D("100.00"), D("0.00"))
    assert totals.difference is not None
    assert (totals.boxes["15"], totals.boxes["27"], totals.total_due) == (D("700.00"), D("500.00"), D("1200.00"))
    change = totals.difference
    assert (change.om, change.omr, change.supplement, change.original_total_due) == (D(400), D(250), D(650), D(550))


def test_deductions_enter_the_boxes(demo_tariff: Tariff) -> None:
    totals = under_assessment(drafted(), deductions(**{"8": "30.00"})).project(CreditLedger("r"), THRESHOLDS)
    assert totals.boxes["8"] == D("30.00") and totals.boxes["14"] == D("30.00")


def test_a_line_without_rate_is_named_and_reassessed_once_a_rate_exists(demo_tariff: Tariff) -> None:
    declaration = under_assessment(drafted(), line("L1", nomenclature="99999999"))
    missing = declaration.assess("L1", Tariff())
    declaration.apply(missing)
    assert missing.status == "no_rate" and declaration.lines_without_rate() == ["L1"]
    assert not declaration.project(CreditLedger("r"), THRESHOLDS).complete


def test_a_filing_is_settled_with_the_totals_it_was_filed_with() -> None:
    declaration = under_assessment(drafted(), DETAILS, filed({"14": "40.00", "26": "2.00"}, version=2, total_due="0"))
    settled = declaration.settle()
    assert settled.declaration_id == DECLARATION and settled.boxes == {"14": D("40.00"), "26": D("2.00")}
    assert settled.declarant_email == "producteur@example.org"
    credit = declaration.credit()
    assert (credit.om_credit, credit.omr_credit, credit.period) == (D("40.00"), D("2.00"), (2026, 1))


def test_a_draft_cannot_be_settled() -> None:
    with pytest.raises(ValueError):
        under_assessment(drafted(), DETAILS).settle()


def test_the_fold_needs_the_declarations_first_event() -> None:
    with pytest.raises(ValueError):
        DeclarationUnderAssessment.fold(history(DETAILS))


def test_only_the_versions_received_without_a_gap_are_folded() -> None:
    complete = DeclarationUnderAssessment.fold(history(drafted(), DETAILS, line("L9")))
    assert complete.declaration_version == 3 and complete.missing_versions == [] and list(complete.lines) == ["L9"]
    gap = [history(drafted())[0], history(drafted(), DETAILS, line("L1"), line("L2"))[3]]  # versions 1 and 4
    held = DeclarationUnderAssessment.fold(gap)
    assert (held.declaration_version, held.latest_received, held.missing_versions) == (1, 4, [2, 3])
    assert held.lines == {}
