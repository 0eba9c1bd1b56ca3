"""Amounts in euros as the declarant types them: decimals with at most two places, never floats."""

from __future__ import annotations

import re
from decimal import Decimal

from contracts.errors import DomainError
from contracts.french import euros

CENT = Decimal("0.01")

AMOUNT_PATTERN = r"^-?[0-9]{1,13}(\.[0-9]{1,10})?$"
"""How an amount is written on the wire: a string of ASCII digits, a point and the cents ("1250.00"); no
exponent, sign, separator or space. A JSON number is refused: it may already have lost the cents."""
_AMOUNT = re.compile(AMOUNT_PATTERN)

MAX_AMOUNT = Decimal("9999999999999.99")
"""A guard against typing errors (and against decimals too large to compute with), not a rule of law."""


def parse_amount(value: object, *, field: str, label: str, strictly_positive: bool = False) -> Decimal:
    """The amount as a Decimal with two places, or a refusal naming `label` (e.g. « Le prix hors taxes »).

    Accepts a Decimal (from code) or a string in the documented format (`AMOUNT_PATTERN`: "1250",
    "1250.5", "1250.50"). Refuses numbers, booleans and any other spelling ("1e3", "1_000.00", "+5",
    " 12.00 ", full-width digits): what a declarant signs must be exactly what was typed.
    """
    amount = _to_decimal(value, field=field, label=label)
    if amount < 0:
        raise DomainError(f"{label} ne peut pas être négatif.", field=field)
    if strictly_positive and amount == 0:
        raise DomainError(f"{label} doit être strictement positif.", field=field)
    if amount > MAX_AMOUNT:
        raise DomainError(f"{label} est trop élevé (au plus {euros(MAX_AMOUNT)}).", field=field)
    if amount != amount.quantize(CENT):
        raise DomainError(f"{label} ne peut pas avoir plus de 2 décimales.", field=field)
    return amount.quantize(CENT)


def _to_decimal(value: object, *, field: str, label: str) -> Decimal:
    invalid = DomainError(f"{label} doit être un montant en euros, par exemple 1250.00.", field=field)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str) and _AMOUNT.fullmatch(value):
        amount = Decimal(value)
    else:
        raise invalid
    if not amount.is_finite():
        raise invalid
    return amount
