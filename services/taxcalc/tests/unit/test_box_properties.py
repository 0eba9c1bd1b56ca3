"""Invariants of the box arithmetic over generated declarations (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from contracts.events.declarations import Deductions
from taxcalc.domain.boxes import AssessedLine, BoxSheet, compute_boxes, line_amount

MONEY = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2)
RATE = st.decimals(min_value=Decimal("0"), max_value=Decimal("90"), places=1)
OM_INPUTS = ("5", "7", "8", "9", "9bis", "13", "13bis")
OMR_INPUTS = ("17", "19", "20", "21", "21bis", "25", "25bis")


@st.composite
def lines(draw: st.DrawFn) -> AssessedLine:
    annex = draw(st.sampled_from(["A", "B"]))
    price = draw(MONEY)
    if annex == "B":
        return AssessedLine(annex="B", price=price)
    return AssessedLine(
        annex="A",
        price=price,
        om_amount=line_amount(price, draw(RATE)),
        omr_amount=line_amount(price, draw(RATE)),
    )


def deductions(boxes: tuple[str, ...]) -> st.SearchStrategy[Deductions]:
    return st.dictionaries(st.sampled_from(boxes), MONEY).map(lambda amounts: Deductions(amounts=amounts))


Declaration = tuple[list[AssessedLine], Deductions, Deductions, Decimal, Decimal, int]


@st.composite
def declarations(draw: st.DrawFn) -> Declaration:
    return (
        draw(st.lists(lines(), max_size=12)),
        draw(deductions(OM_INPUTS)),
        draw(deductions(OMR_INPUTS)),
        draw(MONEY),
        draw(MONEY),
        draw(st.integers(min_value=1, max_value=3)),
    )


def boxes_of(declaration: Declaration) -> BoxSheet:
    declared, om, omr, carried_om, carried_omr, quarter = declaration
    return compute_boxes(declared, om, omr, year=2026, quarter=quarter, carried_om=carried_om, carried_omr=carried_omr)


@given(declarations())
def test_credit_and_net_due_are_never_both_set(declaration: Declaration) -> None:
    # DOMAIN §1: either a credit (12) or a net due (15), never both; same for OMR (24, 27)
    boxes = boxes_of(declaration).boxes
    assert boxes["15"] * boxes["12"] == 0
    assert boxes["27"] * boxes["24"] == 0


@given(declarations())
def test_gross_minus_deductions_is_net_due_minus_credit(declaration: Declaration) -> None:
    # DOMAIN §1: 6 − 11 = 15 − 12 and 18 − 23 = 27 − 24
    boxes = boxes_of(declaration).boxes
    assert boxes["6"] - boxes["11"] == boxes["15"] - boxes["12"]
    assert boxes["18"] - boxes["23"] == boxes["27"] - boxes["24"]


@given(declarations(), st.randoms())
def test_totals_do_not_depend_on_line_order(declaration: Declaration, rng: Random) -> None:
    declared, om, omr, carried_om, carried_omr, quarter = declaration
    shuffled = list(declared)
    rng.shuffle(shuffled)
    first = boxes_of(declaration)
    second = boxes_of((shuffled, om, omr, carried_om, carried_omr, quarter))
    assert first.boxes == second.boxes and first.total_due == second.total_due


@given(declarations())
def test_amounts_are_never_negative(declaration: Declaration) -> None:
    result = boxes_of(declaration)
    assert all(value >= 0 for value in result.boxes.values())
    assert result.total_due >= 0


@given(declarations())
def test_carried_credit_is_what_remains_after_refunds(declaration: Declaration) -> None:
    # DOMAIN §1: 14 = 12 − 13 − 13bis, 26 = 24 − 25 − 25bis (when the refunds are allowed)
    result = boxes_of(declaration)
    boxes = result.boxes
    assert boxes["14"] <= boxes["12"] and boxes["26"] <= boxes["24"]
    if not result.errors:
        assert boxes["14"] == boxes["12"] - boxes["13"] - boxes["13bis"]
        assert boxes["26"] == boxes["24"] - boxes["25"] - boxes["25bis"]


@given(declarations())
def test_total_due_is_the_sum_of_both_net_dues(declaration: Declaration) -> None:
    result = boxes_of(declaration)
    assert result.total_due == result.boxes["15"] + result.boxes["27"]


@given(st.lists(lines(), max_size=12))
def test_gross_tax_is_the_sum_of_rounded_annexe_a_amounts(declared: list[AssessedLine]) -> None:
    boxes = compute_boxes(declared, Deductions(), Deductions(), year=2026, quarter=1).boxes
    assert boxes["4"] == sum((x.om_amount for x in declared if x.annex == "A"), Decimal("0"))
    assert boxes["16"] == sum((x.omr_amount for x in declared if x.annex == "A"), Decimal("0"))
    assert boxes["1"] + boxes["2"] == sum((x.price for x in declared), Decimal("0"))


@given(MONEY, RATE)
def test_line_amount_is_within_half_a_cent_of_the_exact_tax(price: Decimal, rate: Decimal) -> None:
    exact = price * rate / 100
    amount = line_amount(price, rate)
    assert amount == amount.quantize(Decimal("0.01"))
    assert abs(amount - exact) <= Decimal("0.005")
