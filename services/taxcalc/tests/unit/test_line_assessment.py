"""Assessment of declared lines and projection of the totals, on the demo tariffs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.events.declarations import Deductions, LineAdded
from contracts.events.taxcalc import LineAssessed, TotalsProjected
from taxcalc.domain.assessment import LineAssessment, assess_line, project_totals, quarter_start
from taxcalc.domain.ledger import CarriedCredit
from taxcalc.domain.tariff import Tariff

D = Decimal
ZERO = Decimal("0")
Q1_2026 = date(2026, 1, 1)


def added(
    nomenclature: str,
    price: str,
    *,
    annex: str = "A",
    cana: str | None = None,
    rates_date: date | None = None,
    avitaillement: bool = False,
    line_id: str = "L1",
) -> LineAdded:
    return LineAdded(
        line_id=line_id,
        annex=annex,
        nomenclature=nomenclature,
        price_excl_tax=D(price),
        cana=cana,
        rates_date=rates_date,
        avitaillement=avitaillement,
    )


def test_quarter_start_is_the_default_date_of_application() -> None:
    assert [quarter_start(2026, q) for q in (1, 2, 3, 4)] == [
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2026, 7, 1),
        date(2026, 10, 1),
    ]
    with pytest.raises(ValueError):
        quarter_start(2026, 0)


@pytest.mark.parametrize(
    ("nomenclature", "om_rate", "omr_rate", "om_amount", "omr_amount"),
    [
        ("22041011", "48.5", "2.5", "485.00", "25.00"),  # 2204 10 sparkling wine
        ("33051000", "4", "2.5", "40.00", "25.00"),  # shampoo
        ("85261000", "0", "0", "0.00", "0.00"),  # radar
        ("04061020", "4", "2.5", "40.00", "25.00"),  # chapter 04
        ("16010091", "10.5", "2.5", "105.00", "25.00"),  # chapter 16
    ],
)
def test_real_la_reunion_rates_of_2015(
    demo_tariff: Tariff, nomenclature: str, om_rate: str, omr_rate: str, om_amount: str, omr_amount: str
) -> None:
    # DOMAIN §1 Rates: real examples (La Réunion OME, 2015)
    assessed = assess_line(demo_tariff, "974", added(nomenclature, "1000"), date(2015, 4, 1))
    assert (assessed.status, assessed.kind) == ("assessed", "OME")
    assert (assessed.om_rate, assessed.omr_rate) == (D(om_rate), D(omr_rate))
    assert (assessed.om_amount, assessed.omr_amount) == (D(om_amount), D(omr_amount))


def test_rate_change_inside_the_quarter_splits_the_product(demo_tariff: Tariff) -> None:
    # Manual, Annexe A: the same product entered twice, each with its own date of application
    before = assess_line(demo_tariff, "974", added("19059080", "1000"), Q1_2026)
    after = assess_line(demo_tariff, "974", added("19059080", "1000", rates_date=date(2026, 2, 15)), Q1_2026)
    assert (before.om_rate, before.om_amount) == (D("2.5"), D("25.00"))
    assert (after.om_rate, after.om_amount) == (D("5"), D("50.00"))
    assert after.deliberation == "Délibération CR 974 n° DAP 2026-0007"


def test_cana_line_is_assessed_with_its_specific_rate(demo_tariff: Tariff) -> None:
    assessed = assess_line(demo_tariff, "974", added("22084011", "200", cana="Z001"), Q1_2026)
    assert (assessed.kind, assessed.om_rate, assessed.om_amount) == ("OMI", D("10"), D("20.00"))


def test_line_amounts_are_rounded_half_up(demo_tariff: Tariff) -> None:
    assessed = assess_line(demo_tariff, "974", added("33051000", "10.10"), Q1_2026)
    assert (assessed.om_amount, assessed.omr_amount) == (D("0.40"), D("0.25"))  # 0.404, 0.2525


def test_no_rate_gives_zero_amounts_and_a_reason(demo_tariff: Tariff) -> None:
    assessed = assess_line(demo_tariff, "974", added("01012100", "1000"), Q1_2026)
    assert assessed.status == "no_rate"
    assert (assessed.om_amount, assessed.omr_amount, assessed.om_rate) == (ZERO, ZERO, None)
    assert assessed.reason is not None and "01012100" in assessed.reason


def test_export_lines_are_not_taxed(demo_tariff: Tariff) -> None:
    # DOMAIN §1 Annexe B: exports are exempt
    assessed = assess_line(demo_tariff, "974", added("01012100", "1000", annex="B"), Q1_2026)
    assert (assessed.status, assessed.om_amount, assessed.omr_amount) == ("assessed", ZERO, ZERO)


def test_avitaillement_lines_are_taxed_at_zero(demo_tariff: Tariff) -> None:
    # Manual, Annexe A: avitaillement flag
    assessed = assess_line(demo_tariff, "974", added("22041011", "1000", avitaillement=True), Q1_2026)
    assert assessed.status == "assessed"
    assert (assessed.om_rate, assessed.om_amount, assessed.omr_amount) == (ZERO, ZERO, ZERO)


def test_assessment_becomes_a_line_assessed_event_and_back(demo_tariff: Tariff) -> None:
    assessed = assess_line(demo_tariff, "974", added("22041011", "1000"), Q1_2026)
    event = assessed.to_event("decl-1", 4)
    assert isinstance(event, LineAssessed)
    assert (event.matched_code, event.om_amount, event.declaration_version) == ("220410", D("485.00"), 4)
    assert LineAssessment.from_event(event, D("1000")) == assessed


def test_totals_are_complete_when_every_line_has_a_rate(demo_tariff: Tariff) -> None:
    lines = [
        assess_line(demo_tariff, "974", added("22041011", "1000", line_id="L1"), Q1_2026),
        assess_line(demo_tariff, "974", added("04061020", "500", line_id="L2"), Q1_2026),
        assess_line(demo_tariff, "974", added("04061020", "800", annex="B", line_id="L3"), Q1_2026),
    ]
    totals = project_totals(
        lines,
        Deductions(amounts={"8": D("100")}),
        Deductions(),
        year=2026,
        quarter=1,
        carried=CarriedCredit(om=D("50"), omr=D("10")),
    )
    assert totals.complete and totals.errors == []
    boxes = totals.boxes
    assert (boxes["1"], boxes["2"], boxes["4"], boxes["10"], boxes["15"]) == (
        D("1500.00"),
        D("800.00"),
        D("505.00"),
        D("50.00"),
        D("355.00"),
    )
    assert (boxes["16"], boxes["22"], boxes["27"]) == (D("37.50"), D("10.00"), D("27.50"))
    assert totals.total_due == D("382.50")
    event = totals.to_event("decl-1", 7, "rel-1")
    assert isinstance(event, TotalsProjected)
    assert event.complete and event.total_due == D("382.50") and event.boxes["4"] == D("505.00")


def test_totals_are_incomplete_while_a_line_has_no_rate(demo_tariff: Tariff) -> None:
    lines = [
        assess_line(demo_tariff, "974", added("22041011", "1000", line_id="L1"), Q1_2026),
        assess_line(demo_tariff, "974", added("01012100", "500", line_id="L2"), Q1_2026),
    ]
    totals = project_totals(lines, Deductions(), Deductions(), year=2026, quarter=1)
    assert not totals.complete
    assert len(totals.errors) == 1 and "01012100" in totals.errors[0]
    assert totals.boxes["1"] == D("1500.00") and totals.boxes["4"] == D("485.00")
