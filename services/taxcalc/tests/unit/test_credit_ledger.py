"""Credit ledger: box 10/22 of a declaration = box 14/26 of the relation's previous filed declaration."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts.events.taxcalc import CreditCarriedForward
from taxcalc.domain.ledger import CarriedCredit, CreditLedger, LedgerEntry

D = Decimal


def entry(year: int, quarter: int, om: str, omr: str = "0") -> LedgerEntry:
    return LedgerEntry(f"decl-{year}-T{quarter}", year, quarter, D(om), D(omr))


def test_first_declaration_receives_no_credit() -> None:
    assert CreditLedger("rel-1").carried_into(2026, 1) == CarriedCredit(D("0"), D("0"))


def test_credit_carried_into_the_next_quarter() -> None:
    # DOMAIN §1 Boxes: 10 = box 14 of the relation's previous declaration (22 = 26 for OMR)
    ledger = CreditLedger("rel-1", [entry(2026, 1, "730", "25")])
    carried = ledger.carried_into(2026, 2)
    assert carried == CarriedCredit(D("730"), D("25"))
    assert carried.as_boxes() == {"10": D("730"), "22": D("25")}


def test_credit_comes_from_the_latest_filed_quarter_before() -> None:
    ledger = CreditLedger("rel-1", [entry(2025, 3, "10"), entry(2025, 4, "20"), entry(2026, 2, "40")])
    assert ledger.carried_into(2026, 1).om == D("20")  # across the year end
    assert ledger.carried_into(2026, 3).om == D("40")
    assert ledger.carried_into(2026, 2).om == D("20")  # strictly before: not its own entry
    assert ledger.carried_into(2025, 3).om == D("0")


def test_an_unfiled_quarter_is_skipped() -> None:
    ledger = CreditLedger("rel-1", [entry(2025, 4, "20")])
    assert ledger.carried_into(2026, 3).om == D("20")


def test_refiling_a_quarter_replaces_its_entry() -> None:
    ledger = CreditLedger("rel-1").record(entry(2026, 1, "100")).record(entry(2026, 1, "80"))
    assert ledger.carried_into(2026, 2).om == D("80")
    assert len(ledger.entries()) == 1


def test_ledger_is_rebuilt_from_its_events() -> None:
    events = [
        CreditCarriedForward(
            relation_id="rel-1",
            declaration_id="d1",
            year=2026,
            quarter=1,
            om_credit=D("5"),
            omr_credit=D("1"),
        ),
        CreditCarriedForward(
            relation_id="rel-1",
            declaration_id="d2",
            year=2026,
            quarter=2,
            om_credit=D("0"),
            omr_credit=D("3"),
        ),
    ]
    ledger = CreditLedger.from_events("rel-1", events)
    assert ledger.carried_into(2026, 3) == CarriedCredit(D("0"), D("3"))
    assert [e.declaration_id for e in ledger.entries()] == ["d1", "d2"]
    assert ledger.credit_event(ledger.entries()[0]) == events[0]


def test_events_of_another_relation_are_refused() -> None:
    event = CreditCarriedForward(
        relation_id="rel-2", declaration_id="d1", year=2026, quarter=1, om_credit=D("5"), omr_credit=D("1")
    )
    with pytest.raises(ValueError):
        CreditLedger("rel-1").apply(event)
