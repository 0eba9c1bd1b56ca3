"""French renderings used in messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from taxcalc.domain.french import format_date, format_euros, format_rate, in_territory


def test_euros_group_thousands_and_show_cents_only_when_needed() -> None:
    assert format_euros(Decimal("550000")) == "550 000 €"
    assert format_euros(Decimal("1234.5")) == "1 234,50 €"
    assert format_euros(Decimal("0.005")) == "0,01 €"
    assert format_euros(Decimal("-12")) == "-12 €"
    assert format_euros(Decimal("999")) == "999 €"


def test_rates_use_a_decimal_comma() -> None:
    assert format_rate(Decimal("48.50")) == "48,5 %"
    assert format_rate(Decimal("60")) == "60 %"
    assert format_rate(Decimal("100")) == "100 %"
    assert format_rate(Decimal("0")) == "0 %"


def test_dates_and_places() -> None:
    assert format_date(date(2026, 2, 15)) == "15/02/2026"
    assert in_territory("974") == "à La Réunion"
    assert in_territory("973") == "en Guyane"
