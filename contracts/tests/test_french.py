"""French formats shown and typed (contracts.french)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import french
from contracts.french import FrenchInputError

NNBSP, NBSP = "\u202f", "\u00a0"


def test_amounts_rates_and_dates_are_shown_the_french_way() -> None:
    assert french.euros(Decimal("10000")) == f"10{NNBSP}000,00{NBSP}€"
    assert french.amount("-1234.5") == f"-1{NNBSP}234,50"
    assert french.rate("2.5") == f"2,5{NBSP}%"
    assert french.rate("0") == f"0{NBSP}%"
    assert french.day("2026-10-24") == "24/10/2026"
    assert french.long_day(date(2027, 1, 24)) == "24 janvier 2027"
    assert french.quarter(2027, 1) == "1er trimestre 2027"


def test_an_instant_is_shown_in_the_territory_zone() -> None:
    instant = datetime(2026, 10, 24, 18, 5, tzinfo=UTC)
    assert french.moment(instant, ZoneInfo("Indian/Reunion")) == "24/10/2026 à 22:05"
    assert french.moment(instant.isoformat(), ZoneInfo("America/Cayenne")) == "24/10/2026 à 15:05"
    with pytest.raises(ValueError):
        french.moment(datetime(2026, 10, 24, 18, 5), ZoneInfo("Indian/Reunion"))


@pytest.mark.parametrize(
    ("typed", "wire"),
    [
        ("10 000,00", "10000.00"),
        (f"10{NNBSP}000,00", "10000.00"),
        ("10000.00", "10000.00"),
        ("12,5", "12.5"),
        ("1 234 567", "1234567"),
        (" 250 € ", "250"),
        ("-3,20", "-3.20"),
    ],
)
def test_an_amount_typed_the_french_way_becomes_the_api_decimal(typed: str, wire: str) -> None:
    assert french.parse_amount(typed) == wire


@pytest.mark.parametrize("typed", ["1,234", "1.234,56", "1,234.56", "1.234.567", "1 0,5", "abc", "", "12,5x", "١٢"])
def test_an_ambiguous_or_wrong_amount_is_refused_not_guessed(typed: str) -> None:
    with pytest.raises(FrenchInputError):
        french.parse_amount(typed)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_what_is_shown_reads_back_as_the_same_amount(value: Decimal) -> None:
    assert Decimal(french.parse_amount(french.amount(value))) == value


@pytest.mark.parametrize(
    ("typed", "day"),
    [("24/01/2027", date(2027, 1, 24)), ("2027-01-24", date(2027, 1, 24)), ("1/2/2027", date(2027, 2, 1))],
)
def test_a_date_is_typed_day_first(typed: str, day: date) -> None:
    assert french.parse_day(typed) == day


@pytest.mark.parametrize("typed", ["01/24/2027", "24/01/27", "31/02/2027", "demain", "2027-02-30"])
def test_an_impossible_or_ambiguous_date_is_refused(typed: str) -> None:
    with pytest.raises(FrenchInputError):
        french.parse_day(typed)
