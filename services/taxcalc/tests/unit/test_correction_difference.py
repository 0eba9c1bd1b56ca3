"""The difference of a déclaration rectificative (taxcalc.domain.correction) and where its credit goes: the
ledger holds it until a later declaration takes it into boxes 10/22."""

from __future__ import annotations

from decimal import Decimal

from contracts.events.taxcalc import CorrectionCredited, CreditCarriedForward
from taxcalc.domain.correction import difference, position
from taxcalc.domain.ledger import CarriedCredit, CreditLedger, LedgerEntry

D = Decimal


def boxes(**values: str) -> dict[str, Decimal]:
    """Boxes by number, `b15="650"` for box 15."""
    return {key.removeprefix("b"): D(value) for key, value in values.items()}


def test_position_is_the_net_due_minus_the_credit_carried() -> None:
    assert position(boxes(b15="400", b14="0"), "om") == D("400")
    assert position(boxes(b15="0", b14="120"), "om") == D("-120")
    assert position(boxes(b27="30", b26="0"), "omr") == D("30")


def test_a_rectificative_that_raises_the_tax_makes_a_supplement_due() -> None:
    change = difference(boxes(b15="400", b27="250"), D("650"), boxes(b15="800", b27="500"), D("1300"))
    assert (change.om, change.omr, change.supplement) == (D("400"), D("250"), D("650"))
    assert (change.om_credit, change.omr_credit) == (D("0"), D("0"))
    assert (change.original_total_due, change.corrected_total_due) == (D("650"), D("1300"))


def test_a_rectificative_that_lowers_the_tax_carries_a_credit_to_boxes_10_and_22() -> None:
    change = difference(boxes(b15="250", b27="250"), D("500"), boxes(b15="100", b27="100"), D("200"))
    assert change.supplement == D("0")
    assert (change.om_credit, change.omr_credit) == (D("150"), D("150"))


def test_om_and_omr_are_never_netted() -> None:
    # OM up by 100, OMR down by 40: 100 to pay and 40 of OMR credit, not 60 to pay.
    change = difference(boxes(b15="100", b27="100"), D("200"), boxes(b15="200", b27="60"), D("260"))
    assert (change.supplement, change.om_credit, change.omr_credit) == (D("100"), D("0"), D("40"))


def test_a_smaller_credit_carried_is_owed_by_the_rectificative() -> None:
    # The original carried 500 of credit (already in the next quarter's box 10); corrected, only 300: 200 owed.
    change = difference(boxes(b15="0", b14="500"), D("0"), boxes(b15="0", b14="300"), D("0"))
    assert (change.om, change.supplement) == (D("200"), D("200"))


def test_a_rectificative_that_changes_nothing_asks_nothing() -> None:
    change = difference(boxes(b15="10", b27="5"), D("15"), boxes(b15="10", b27="5"), D("15"))
    assert (change.supplement, change.om_credit, change.omr_credit) == (D("0"), D("0"), D("0"))


# ---- the ledger -----------------------------------------------------------------------------------------


def _credited(declaration_id: str, year: int, quarter: int, om: str, omr: str = "0") -> CorrectionCredited:
    return CorrectionCredited(
        relation_id="rel-1",
        declaration_id=declaration_id,
        year=year,
        quarter=quarter,
        om_credit=D(om),
        omr_credit=D(omr),
    )


def test_a_rectificatives_credit_is_carried_into_the_next_declaration_with_the_previous_box_14() -> None:
    ledger = CreditLedger("rel-1", [LedgerEntry("decl-Q2", 2026, 2, D("20"), D("0"))])
    ledger = ledger.apply(_credited("decl-Q2-R1", 2026, 2, "150", "150"))
    assert ledger.carried_into(2026, 3) == CarriedCredit(D("170"), D("150"), ("decl-Q2-R1",))
    assert ledger.carried_into(2026, 2) == CarriedCredit(D("0"), D("0"))  # not into its own quarter


def test_a_filed_declaration_absorbs_the_credit_it_took_in_once() -> None:
    ledger = CreditLedger("rel-1").apply(_credited("decl-Q1-R1", 2026, 1, "150"))
    carried = ledger.carried_into(2026, 3)
    filed = ledger.credit_event(LedgerEntry("decl-Q3", 2026, 3, D("0"), D("0")), carried.corrections)
    assert isinstance(filed, CreditCarriedForward) and filed.absorbed == ["decl-Q1-R1"]
    ledger = ledger.apply(filed)
    assert ledger.pending() == [] and ledger.carried_into(2026, 4) == CarriedCredit(D("0"), D("0"))


def test_the_ledger_rebuilt_from_its_events_keeps_the_credits_waiting() -> None:
    events = [
        CreditCarriedForward(relation_id="rel-1", declaration_id="decl-Q1", year=2026, quarter=1,
                             om_credit=D("10"), omr_credit=D("0")),
        _credited("decl-Q1-R1", 2026, 1, "5", "1"),
    ]  # fmt: skip
    ledger = CreditLedger.from_events("rel-1", events)
    assert ledger.carried_into(2026, 2) == CarriedCredit(D("15"), D("1"), ("decl-Q1-R1",))
