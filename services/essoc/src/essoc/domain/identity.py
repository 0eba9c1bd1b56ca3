"""Checks of the company identifiers a requester gives: its SIRET, or the SIREN it represents."""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import siren, siret

from contracts.errors import DomainError

REQUEST_NUMBER = re.compile(r"[0-9]{1,9}")


def is_request_number(text: str) -> bool:
    """Whether `text` is a request's number (the manual's "numéro de dossier"): ASCII digits only."""
    return REQUEST_NUMBER.fullmatch(text) is not None


def _ascii_digits(value: str, what: str, field: str, code: str) -> None:
    # python-stdnum maps full-width digits to ASCII: an identifier is typed with ASCII digits.
    if not all(c.isascii() for c in value):
        raise DomainError(f"{what} ne doit contenir que des chiffres.", field=field, code=code)


def check_siret(value: str, *, field: str = "siret") -> str:
    """The SIRET without spaces or dots (14 digits, Luhn key), or a DomainError in French."""
    _ascii_digits(value, "Le SIRET", field, "siret-invalide")
    try:
        return str(siret.validate(value))
    except ValidationError as error:
        raise DomainError(_reason("Le SIRET", value, 14, error), field=field, code="siret-invalide") from None


def check_siren(value: str, *, field: str = "represented_siren") -> str:
    """The SIREN without spaces (9 digits, Luhn key), or a DomainError in French."""
    _ascii_digits(value, "Le SIREN", field, "siren-invalide")
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
