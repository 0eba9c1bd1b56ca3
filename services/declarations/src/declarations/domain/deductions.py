"""The boxes the declarant types on the OM and OMR pages (5, 7–9bis, 13, 13bis and their OMR mirrors).

Input keys are those of the HTTP API; the event keeps amounts and art. 19-1 flags by box number.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from contracts.boxes import ART19_BOXES, TYPED_BOXES
from contracts.errors import DomainError
from contracts.events.declarations import Deductions, DeductionsEntered
from declarations.domain.amounts import parse_amount

Tax = Literal["om", "omr"]

FLAG_SUFFIX = "_art19_1"
"""Boxes 7, 9, 19 and 21 carry a check box: fixed assets « au sens de l'article 19-1 de la loi
n°2004-639 » (the manual)."""

AMOUNT_BOXES: dict[str, tuple[str, ...]] = TYPED_BOXES
FLAG_BOXES: dict[str, tuple[str, ...]] = ART19_BOXES

TAX_NAMES: dict[Tax, str] = {"om": "d'octroi de mer", "omr": "d'octroi de mer régional"}


def input_keys(tax: Tax) -> tuple[str, ...]:
    """The keys the HTTP API accepts for one tax: its amount boxes, then its `<box>_art19_1` flags."""
    return AMOUNT_BOXES[tax] + tuple(box + FLAG_SUFFIX for box in FLAG_BOXES[tax])


def enter_deductions(om: Mapping[str, object], omr: Mapping[str, object]) -> DeductionsEntered:
    """Both pages as one event; a box left out (or null) counts as 0, a flag left out as unchecked."""
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
    return Deductions(amounts=amounts, flags=flags)


def as_input(deductions: Deductions, tax: Tax) -> dict[str, Decimal | bool]:
    """The inverse mapping, keyed as the HTTP API: what a read model shows back to the declarant."""
    shown: dict[str, Decimal | bool] = {box: deductions.amounts.get(box, Decimal("0.00")) for box in AMOUNT_BOXES[tax]}
    for box in FLAG_BOXES[tax]:
        shown[box + FLAG_SUFFIX] = deductions.flags.get(box, False)
    return shown
