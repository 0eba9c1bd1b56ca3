"""French renderings of amounts, rates and dates for the messages shown to declarants."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def _group_thousands(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return " ".join(groups)


def format_euros(amount: Decimal) -> str:
    """`550 000 €`, `1 234,56 €`: cents only when there are some."""
    sign = "-" if amount < 0 else ""
    cents = abs(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    units, _, fraction = format(cents, "f").partition(".")
    text = _group_thousands(units)
    if fraction != "00":
        text += "," + fraction
    return f"{sign}{text} €"


def format_rate(rate: Decimal) -> str:
    """`48,5 %`, `60 %`: no trailing zeros, a decimal comma."""
    text = format(rate.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def format_date(day: date) -> str:
    """`15/02/2026`."""
    return day.strftime("%d/%m/%Y")


_IN_TERRITORY = {
    "971": "en Guadeloupe",
    "972": "en Martinique",
    "973": "en Guyane",
    "974": "à La Réunion",
    "976": "à Mayotte",
}


def in_territory(territory: str) -> str:
    """`à La Réunion`, `en Guyane`: the territory as a place in a sentence."""
    return _IN_TERRITORY.get(territory, f"dans le territoire {territory}")
