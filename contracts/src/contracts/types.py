"""Value types every contract uses: money as a decimal string, territories and their time zones."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, cast
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"


def _to_decimal(value: object) -> object:
    # Floats are refused: a float has already lost the cents we are asked to keep.
    if isinstance(value, float):
        raise ValueError("un montant doit être une chaîne décimale, pas un nombre flottant")
    if isinstance(value, int):
        return Decimal(value)
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1250.00"]}),
]
"""An amount in euros: a Decimal in code, a decimal string on the wire."""

Rate = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$", "examples": ["2.5"]}),
]
"""A tax rate in percent (2.5 means 2.5 %), a decimal string on the wire."""

Territory = Literal["971", "972", "973", "974", "976"]

TERRITORY_NAMES: dict[str, str] = {
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


def territory_code(code: str) -> Territory:
    """`code` as a Territory, or ValueError when it is none of the five."""
    if code not in TERRITORY_NAMES:
        raise ValueError(f"territoire inconnu : {code!r}")
    return cast(Territory, code)


TERRITORY_ZONES: dict[str, ZoneInfo] = {
    "971": ZoneInfo("America/Guadeloupe"),
    "972": ZoneInfo("America/Martinique"),
    "973": ZoneInfo("America/Cayenne"),
    "974": ZoneInfo("Indian/Reunion"),
    "976": ZoneInfo("Indian/Mayotte"),
}

Role = Literal["declarant", "requester", "agent", "admin", "auditor", "comptable", "dpo", "system"]
