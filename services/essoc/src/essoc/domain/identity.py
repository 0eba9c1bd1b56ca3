"""Checks of the company identifiers a requester gives: its SIRET, or the SIREN it represents."""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import siren, siret

from contracts.errors import DomainError


def check_siret(value: str, *, field: str = "siret") -> str:
    """The SIRET without spaces or dots (14 digits, Luhn key), or a DomainError in French."""
    try:
        return str(siret.validate(value))
    except ValidationError as error:
        raise DomainError(_reason("Le SIRET", value, 14, error), field=field, code="siret-invalide") from None


def check_siren(value: str, *, field: str = "represented_siren") -> str:
    """The SIREN without spaces (9 digits, Luhn key), or a DomainError in French."""
    try:
        return str(siren.validate(value))
    except ValidationError as error:
        raise DomainError(_reason("Le SIREN", value, 9, error), field=field, code="siren-invalide") from None


def _reason(what: str, value: str, digits: int, error: ValidationError) -> str:
    if isinstance(error, InvalidLength):
        return f"{what} « {value} » doit compter {digits} chiffres."
    if isinstance(error, InvalidChecksum):
        return f"{what} « {value} » n'est pas valide : sa clé de contrôle est erronée."
    return f"{what} « {value} » ne doit contenir que des chiffres."
