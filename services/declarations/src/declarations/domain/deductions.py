"""The boxes the declarant types on the OM and OMR pages (5, 7–9bis, 13, 13bis and their OMR mirrors).

Input keys are those of the HTTP API; the event keeps amounts and art. 19-1 flags by box number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Literal

from contracts.boxes import ART19_BOXES, LATE_DEDUCTION_BOXES, TYPED_BOXES
from contracts.errors import DomainError
from contracts.events.declarations import Deductions, DeductionsEntered
from declarations.domain.amounts import parse_amount

Tax = Literal["om", "omr"]

FLAG_SUFFIX = "_art19_1"
"""Boxes 7, 9, 19 and 21 carry a check box: fixed assets « au sens de l'article 19-1 de la loi
n°2004-639 » (the manual)."""

YEAR_SUFFIX = "_year"
"""Boxes 9, 9bis, 21 and 21bis carry the year of the omitted deduction (`9_year`)."""

AMOUNT_BOXES: dict[str, tuple[str, ...]] = TYPED_BOXES
FLAG_BOXES: dict[str, tuple[str, ...]] = ART19_BOXES
YEAR_BOXES: dict[str, tuple[str, ...]] = LATE_DEDUCTION_BOXES

LATE_DEDUCTION_YEARS = 2
"""DOMAIN §1: late deductions (9/9bis, 21/21bis) are allowed until 31 December of the second year after the
omission (loi n° 2004-639, art. 51: the right to deduct is exercised until then)."""

TAX_NAMES: dict[Tax, str] = {"om": "d'octroi de mer", "omr": "d'octroi de mer régional"}


def input_keys(tax: Tax) -> tuple[str, ...]:
    """The keys the HTTP API accepts for one tax: its amount boxes, its `<box>_art19_1` flags, then the
    `<box>_year` of its late deductions."""
    return (
        AMOUNT_BOXES[tax]
        + tuple(box + FLAG_SUFFIX for box in FLAG_BOXES[tax])
        + tuple(box + YEAR_SUFFIX for box in YEAR_BOXES[tax])
    )


def late_deduction_deadline(omission_year: int) -> date:
    """The last day a deduction omitted in `omission_year` may be claimed (DOMAIN §1)."""
    return date(omission_year + LATE_DEDUCTION_YEARS, 12, 31)


def check_late_deduction_years(deductions: DeductionsEntered, *, declaration_year: int, today: date) -> None:
    """Each late deduction claimed (an amount in 9, 9bis, 21, 21bis) is of a year not after the declaration's,
    and claimed by 31 December of the second year after it; `today` is the territory's date."""
    for tax, entered in (("om", deductions.om), ("omr", deductions.omr)):
        for box in YEAR_BOXES[tax]:
            if not entered.amounts.get(box):
                continue
            year = entered.years.get(box, declaration_year)
            field = f"{tax}.{box}{YEAR_SUFFIX}"
            if year > declaration_year:
                raise DomainError(
                    f"L'année de l'omission de la case {box.replace('bis', ' bis')} ({year}) ne peut pas être "
                    f"postérieure à l'année de la déclaration ({declaration_year}).",
                    field=field,
                )
            if today > late_deduction_deadline(year):
                raise DomainError(
                    f"La déduction omise en {year} (case {box.replace('bis', ' bis')}) ne peut plus être "
                    f"réclamée : elle l'était jusqu'au {late_deduction_deadline(year):%d/%m/%Y} (31 décembre "
                    "de la deuxième année suivant l'omission).",
                    field=field,
                    code="deduction-prescrite",
                )


def enter_deductions(om: Mapping[str, object], omr: Mapping[str, object]) -> DeductionsEntered:
    """Both pages as one event; a box left out (or null) counts as 0, a flag left out as unchecked, a year left
    out as the declaration's."""
    return DeductionsEntered(om=_deductions("om", om), omr=_deductions("omr", omr))


def _deductions(tax: Tax, given: Mapping[str, object]) -> Deductions:
    allowed = input_keys(tax)
    for key in given:
        if key not in allowed:
            raise DomainError(
                f"Case inconnue dans les déductions {TAX_NAMES[tax]} : « {key} ». "
                f"Cases acceptées : {', '.join(allowed)}.",
                field=f"{tax}.{key}",
            )
    amounts: dict[str, Decimal] = {}
    for box in AMOUNT_BOXES[tax]:
        value = given.get(box)
        if value is None:
            value = Decimal(0)
        amounts[box] = parse_amount(value, field=f"{tax}.{box}", label=f"Le montant de la case {box}")
    flags: dict[str, bool] = {}
    for box in FLAG_BOXES[tax]:
        key = box + FLAG_SUFFIX
        value = given.get(key)
        if value is None:
            value = False
        if not isinstance(value, bool):
            raise DomainError(
                f"La case « article 19-1 » de la case {box} doit valoir vrai ou faux.", field=f"{tax}.{key}"
            )
        flags[box] = value
    years: dict[str, int] = {}
    for box in YEAR_BOXES[tax]:
        key = box + YEAR_SUFFIX
        value = given.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
            raise DomainError(
                f"L'année de l'omission de la case {box.replace('bis', ' bis')} doit être une année (ex. 2025).",
                field=f"{tax}.{key}",
            )
        years[box] = value
    return Deductions(amounts=amounts, flags=flags, years=years)


def as_input(deductions: Deductions, tax: Tax) -> dict[str, Decimal | bool | int]:
    """The inverse mapping, keyed as the HTTP API: what a read model shows back to the declarant."""
    shown: dict[str, Decimal | bool | int] = {
        box: deductions.amounts.get(box, Decimal("0.00")) for box in AMOUNT_BOXES[tax]
    }
    for box in FLAG_BOXES[tax]:
        shown[box + FLAG_SUFFIX] = deductions.flags.get(box, False)
    for box in YEAR_BOXES[tax]:
        if box in deductions.years:
            shown[box + YEAR_SUFFIX] = deductions.years[box]
    return shown
