"""A line changed before filing (LineChanged): given what taxcalc received and decided, when the change arrives,
then the line is assessed again with its new values and the totals of the new version projected, once, in the
order of the declaration's versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from contracts.events.declarations import LineChanged
from contracts.events.taxcalc import LineAssessed, TotalsProjected
from contracts.recorded import Recorded
from taxcalc.application.assessor import Assessor
from taxcalc.domain.ledger import CreditLedger
from taxcalc.domain.parameters import refund_thresholds
from taxcalc.domain.tariff import Tariff

from taxcalc_given import DECLARATION, DETAILS, Given, drafted, line, under_assessment

D = Decimal
THRESHOLDS = refund_thresholds(drafted().due_date)


def changed(line_id: str = "L1", price: str = "10000.00", **fields: Any) -> LineChanged:
    values: dict[str, Any] = {"cana": None, "naf": None, "avitaillement": False, "rfs": False, **fields}
    return LineChanged(line_id=line_id, price_excl_tax=D(price), **values)


def test_a_changed_line_is_assessed_again_with_its_new_values(demo_tariff: Tariff) -> None:
    before = under_assessment(drafted(), line("L1", nomenclature="22084011")).assess("L1", demo_tariff)
    declaration = under_assessment(
        drafted(), line("L1", nomenclature="22084011"), changed(price="2000.00", cana="Z001"), own=(before,)
    )
    assert declaration.unassessed_lines() == ["L1"], "the assessment of version 2 is of the old values"
    assert declaration.assessed_lines() == [], "and is no longer counted in the totals"
    after = declaration.assess("L1", demo_tariff)
    assert after.declaration_version == 3 and after.om_rate == D("10") and after.om_amount == D("200.00")
    declaration.apply(after)
    assert declaration.unassessed_lines() == []
    totals = declaration.project(CreditLedger("rel-974-0001"), THRESHOLDS)
    assert (totals.declaration_version, totals.boxes["1"], totals.boxes["4"]) == (3, D("2000.00"), D("200.00"))


def test_the_declared_line_keeps_its_annex_nomenclature_and_date() -> None:
    declaration = under_assessment(drafted(), line("L1"), changed(price="5.00", naf="20.42Z", avitaillement=True))
    kept = declaration.lines["L1"]
    assert (kept.annex, kept.nomenclature, kept.rates_date) == ("A", "33051000", None)
    assert (kept.price_excl_tax, kept.naf, kept.avitaillement) == (D("5.00"), "20.42Z", True)


async def test_a_changed_price_reassesses_the_line_and_projects_the_totals_of_its_version(
    demo_tariff: Tariff,
) -> None:
    given = Given(demo_tariff)
    await given.consume(drafted(), line("L1"), line("L2", price="5000.00"), changed("L1", price="2500.00"))
    *_, reassessed, totals = given.assessed()
    assert isinstance(reassessed, LineAssessed) and reassessed.line_id == "L1"
    assert reassessed.declaration_version == 4 and reassessed.om_amount == D("100.00")
    assert isinstance(totals, TotalsProjected) and totals.declaration_version == 4
    assert (totals.boxes["1"], totals.boxes["4"], totals.boxes["16"]) == (D("7500.00"), D("300.00"), D("187.50"))
    assert [e.line_id for e in given.assessed() if isinstance(e, LineAssessed)] == ["L1", "L2", "L1"]


async def test_a_redelivered_change_finds_nothing_more_to_do(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    await given.consume(drafted(), line("L1"), changed(price="2500.00"))
    done = len(given.assessed())
    again = Recorded.of(given.store.received[DECLARATION][-1])
    assert isinstance(again.event, LineChanged)
    policy = Assessor(given.uow)
    await given.store.run(lambda tx: policy.dispatch(again, given.uow(tx)))
    assert len(given.assessed()) == done


async def test_a_change_after_a_missing_version_waits_then_is_assessed_in_order(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    await given.consume(drafted(), line("L1"), changed(price="2500.00"), versions=[1, 2, 4])
    held = [e for e in given.assessed() if isinstance(e, TotalsProjected)]
    assert [t.declaration_version for t in held] == [1, 2], "nothing is projected past the missing version 3"
    await given.consume(DETAILS, versions=[3])
    *_, reassessed, totals = given.assessed()
    assert isinstance(reassessed, LineAssessed) and reassessed.declaration_version == 4
    assert isinstance(totals, TotalsProjected) and totals.declaration_version == 4
    assert totals.boxes["1"] == D("2500.00") and totals.boxes["4"] == D("100.00")
