"""Box 3 (annual production turnover, Q4 only) and the deductions typed on the OM and OMR pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from contracts.errors import DomainError
from contracts.events.declarations import AnnualTurnoverDeclared, Deductions, DeductionsEntered
from declarations.domain.deductions import as_input, input_keys

from declarations_given import drafted, given

OM_KEYS = {"5", "7", "7_art19_1", "8", "9", "9_art19_1", "9bis", "13", "13bis"}
OMR_KEYS = {"17", "19", "19_art19_1", "20", "21", "21_art19_1", "21bis", "25", "25bis"}

# ---- annual turnover (box 3) -------------------------------------------------------------------


def test_annual_turnover_is_declared_on_the_q4_declaration() -> None:
    # DOMAIN §1: « The Q4 declaration must state the annual production turnover (box 3) ».
    events = given(drafted(quarter=4)).declare_annual_turnover("850000")
    assert events == [AnnualTurnoverDeclared(amount=Decimal("850000.00"))]


@pytest.mark.parametrize("quarter", [1, 2, 3])
def test_annual_turnover_is_refused_outside_q4(quarter: int) -> None:
    with pytest.raises(DomainError) as refusal:
        given(drafted(quarter=quarter)).declare_annual_turnover("850000")
    assert refusal.value.field == "amount"
    assert "4e trimestre" in refusal.value.detail


def test_annual_turnover_may_be_zero() -> None:
    assert given(drafted(quarter=4)).declare_annual_turnover("0") == [AnnualTurnoverDeclared(amount=Decimal(0))]


@pytest.mark.parametrize("amount", ["-1", "10.005", 1.5, "beaucoup"])
def test_annual_turnover_is_a_non_negative_amount_to_the_cent(amount: object) -> None:
    with pytest.raises(DomainError) as refusal:
        given(drafted(quarter=4)).declare_annual_turnover(amount)
    assert refusal.value.field == "amount"


def test_annual_turnover_declared_is_folded_into_the_state() -> None:
    declaration = given(drafted(quarter=4), AnnualTurnoverDeclared(amount=Decimal("1.00")))
    assert declaration.annual_turnover == Decimal("1.00")


# ---- deductions ---------------------------------------------------------------------------------


def test_deduction_input_keys_are_those_of_the_http_api() -> None:
    assert set(input_keys("om")) == OM_KEYS
    assert set(input_keys("omr")) == OMR_KEYS


def test_deductions_map_amounts_and_art_19_1_flags_by_box() -> None:
    om: dict[str, Any] = {"5": "12.50", "7": "1000", "7_art19_1": True, "9bis": "30", "13bis": Decimal("4.1")}
    omr: dict[str, Any] = {"19": "100", "21_art19_1": True}
    events = given().enter_deductions(om, omr)
    zero = Decimal("0.00")
    assert events == [
        DeductionsEntered(
            om=Deductions(
                amounts={
                    "5": Decimal("12.50"),
                    "7": Decimal("1000.00"),
                    "8": zero,
                    "9": zero,
                    "9bis": Decimal("30.00"),
                    "13": zero,
                    "13bis": Decimal("4.10"),
                },
                flags={"7": True, "9": False},
            ),
            omr=Deductions(
                amounts={
                    "17": zero,
                    "19": Decimal("100.00"),
                    "20": zero,
                    "21": zero,
                    "21bis": zero,
                    "25": zero,
                    "25bis": zero,
                },
                flags={"19": False, "21": True},
            ),
        )
    ]


def test_a_deduction_left_empty_counts_as_zero() -> None:
    events = given().enter_deductions({"5": None, "7_art19_1": None}, {})
    assert isinstance(events[0], DeductionsEntered)
    assert events[0].om.amounts["5"] == Decimal("0.00") and events[0].om.flags["7"] is False


@pytest.mark.parametrize(("tax", "key"), [("om", "6"), ("om", "17"), ("omr", "5"), ("omr", "13bis"), ("om", "10")])
def test_an_unknown_deduction_key_is_refused_naming_it(tax: str, key: str) -> None:
    pages: dict[str, dict[str, Any]] = {"om": {}, "omr": {}}
    pages[tax][key] = "1"
    with pytest.raises(DomainError) as refusal:
        given().enter_deductions(pages["om"], pages["omr"])
    assert refusal.value.field == f"{tax}.{key}"
    assert f"« {key} »" in refusal.value.detail


@pytest.mark.parametrize("amount", ["-0.01", "1.234", 2.5, True, "abc"])
def test_deduction_amounts_are_non_negative_decimals_to_the_cent(amount: object) -> None:
    with pytest.raises(DomainError) as refusal:
        given().enter_deductions({"8": amount}, {})
    assert refusal.value.field == "om.8"


@pytest.mark.parametrize("flag", ["true", 1, "oui"])
def test_art_19_1_flags_are_booleans(flag: object) -> None:
    with pytest.raises(DomainError) as refusal:
        given().enter_deductions({}, {"19_art19_1": flag})
    assert refusal.value.field == "omr.19_art19_1"


def test_deductions_read_back_with_the_http_keys() -> None:
    events = given().enter_deductions({"7": "5", "7_art19_1": True}, {"25bis": "1"})
    entered = events[0]
    assert isinstance(entered, DeductionsEntered)
    shown = as_input(entered.om, "om")
    assert set(shown) == OM_KEYS
    assert shown["7"] == Decimal("5.00") and shown["7_art19_1"] is True
    assert as_input(entered.omr, "omr")["25bis"] == Decimal("1.00")
