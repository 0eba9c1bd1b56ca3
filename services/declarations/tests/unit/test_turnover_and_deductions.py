"""Box 3 (annual production turnover, Q4 only) and the deductions typed on the OM and OMR pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts.errors import DomainError
from contracts.events.declarations import AnnualTurnoverDeclared, Deductions, DeductionsEntered
from declarations.domain.deductions import as_input, input_keys

from declarations_given import DURING_Q1_2024, details_set, drafted, given, line_a, totals_for, turnover, utc

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
    assert set(input_keys("om")) == OM_KEYS | {"9_year", "9bis_year"}
    assert set(input_keys("omr")) == OMR_KEYS | {"21_year", "21bis_year"}


# ---- late deductions (boxes 9, 9bis, 21, 21bis) -------------------------------------------------------


def test_late_deduction_allowed_until_31_december_of_the_second_year() -> None:
    # DOMAIN §1: late deductions are allowed until 31 December of the second year after the omission
    declaration = given()  # Q1 2024
    [entered] = declaration.enter_deductions(
        {"9": "120", "9_year": 2022}, {"21bis": "3", "21bis_year": "2023"}, now=DURING_Q1_2024
    )
    assert isinstance(entered, DeductionsEntered)
    assert (entered.om.years, entered.omr.years) == ({"9": 2022}, {"21bis": 2023})
    assert as_input(entered.om, "om")["9_year"] == 2022
    with pytest.raises(DomainError) as refusal:
        declaration.enter_deductions({"9bis": "50", "9bis_year": 2021}, {}, now=DURING_Q1_2024)
    assert refusal.value.field == "om.9bis_year" and refusal.value.code == "deduction-prescrite"
    assert refusal.value.detail == (
        "La déduction omise en 2021 (case 9 bis) ne peut plus être réclamée : elle l'était jusqu'au 31/12/2023 "
        "(31 décembre de la deuxième année suivant l'omission)."
    )


def test_late_deduction_year_defaults_to_the_declaration_year() -> None:
    [entered] = given().enter_deductions({"9": "10"}, {}, now=DURING_Q1_2024)
    assert isinstance(entered, DeductionsEntered) and entered.om.years == {}


@pytest.mark.parametrize(("year", "fault"), [(2025, "postérieure"), ("vingt", "doit être une année"), (True, "année")])
def test_late_deduction_year_is_a_year_not_after_the_declaration(year: object, fault: str) -> None:
    with pytest.raises(DomainError, match=fault) as refusal:
        given().enter_deductions({"9": "10", "9_year": year}, {}, now=DURING_Q1_2024)
    assert refusal.value.field == "om.9_year"


def test_late_deduction_limit_is_checked_again_at_filing() -> None:
    # entered in time, filed after the limit: the deduction is claimed when filed
    declaration = given(drafted(year=2023, quarter=4), details_set(), turnover(), line_a(rates_date=date(2023, 10, 1)))
    [entered] = declaration.enter_deductions({"9": "10", "9_year": 2021}, {}, now=utc(2023, 12, 30))
    declaration.apply(entered)
    with pytest.raises(DomainError) as refusal:
        declaration.file(totals_for(declaration), now=utc(2024, 1, 10), declarant_email=None)
    assert refusal.value.code == "deduction-prescrite"


def test_a_late_deduction_year_without_amount_is_not_checked() -> None:
    assert given().enter_deductions({"9_year": 2019}, {}, now=DURING_Q1_2024)


def test_deductions_map_amounts_and_art_19_1_flags_by_box() -> None:
    om: dict[str, Any] = {"5": "12.50", "7": "1000", "7_art19_1": True, "9bis": "30", "13bis": Decimal("4.1")}
    omr: dict[str, Any] = {"19": "100", "21_art19_1": True}
    events = given().enter_deductions(om, omr, now=DURING_Q1_2024)
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
    events = given().enter_deductions({"5": None, "7_art19_1": None}, {}, now=DURING_Q1_2024)
    assert isinstance(events[0], DeductionsEntered)
    assert events[0].om.amounts["5"] == Decimal("0.00") and events[0].om.flags["7"] is False


@pytest.mark.parametrize(("tax", "key"), [("om", "6"), ("om", "17"), ("omr", "5"), ("omr", "13bis"), ("om", "10")])
def test_an_unknown_deduction_key_is_refused_naming_it(tax: str, key: str) -> None:
    pages: dict[str, dict[str, Any]] = {"om": {}, "omr": {}}
    pages[tax][key] = "1"
    with pytest.raises(DomainError) as refusal:
        given().enter_deductions(pages["om"], pages["omr"], now=DURING_Q1_2024)
    assert refusal.value.field == f"{tax}.{key}"
    assert f"« {key} »" in refusal.value.detail


@pytest.mark.parametrize("amount", ["-0.01", "1.234", 2.5, True, "abc"])
def test_deduction_amounts_are_non_negative_decimals_to_the_cent(amount: object) -> None:
    with pytest.raises(DomainError) as refusal:
        given().enter_deductions({"8": amount}, {}, now=DURING_Q1_2024)
    assert refusal.value.field == "om.8"


@pytest.mark.parametrize("flag", ["true", 1, "oui"])
def test_art_19_1_flags_are_booleans(flag: object) -> None:
    with pytest.raises(DomainError) as refusal:
        given().enter_deductions({}, {"19_art19_1": flag}, now=DURING_Q1_2024)
    assert refusal.value.field == "omr.19_art19_1"


def test_deductions_read_back_with_the_http_keys() -> None:
    events = given().enter_deductions({"7": "5", "7_art19_1": True}, {"25bis": "1"}, now=DURING_Q1_2024)
    entered = events[0]
    assert isinstance(entered, DeductionsEntered)
    shown = as_input(entered.om, "om")
    assert set(shown) == OM_KEYS
    assert shown["7"] == Decimal("5.00") and shown["7_art19_1"] is True
    assert as_input(entered.omr, "omr")["25bis"] == Decimal("1.00")
