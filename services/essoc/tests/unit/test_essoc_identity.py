"""SIRET and SIREN checks (python-stdnum: length, digits, Luhn key)."""

from __future__ import annotations

import pytest

from contracts.errors import DomainError
from essoc.domain.identity import check_siren, check_siret


def test_a_valid_siret_is_returned_compact() -> None:
    assert check_siret("732 829 320 00074") == "73282932000074"


def test_la_poste_siret_follows_its_own_key_rule() -> None:
    assert check_siret("35600000000048") == "35600000000048"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("7328293200007", "14 chiffres"), ("73282932000075", "clé de contrôle"), ("7328293200007X", "chiffres")],
)
def test_an_invalid_siret_is_refused_with_its_reason(value: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason) as error:
        check_siret(value)
    assert (error.value.field, error.value.status) == ("siret", 422)


def test_a_valid_siren_is_returned_compact() -> None:
    assert check_siren("552 100 554") == "552100554"


@pytest.mark.parametrize(("value", "reason"), [("5521005", "9 chiffres"), ("552100555", "clé de contrôle")])
def test_an_invalid_siren_is_refused_with_its_reason(value: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason) as error:
        check_siren(value)
    assert error.value.field == "represented_siren"
