"""Codes of a line: nomenclature NC8/TARIC10, CANA « série Z », NAF rév. 2 checked against INSEE's list."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from declarations.domain.codes import (
    CANA_PATTERN,
    naf_label,
    naf_subclasses,
    normalize_cana,
    normalize_naf,
    normalize_nomenclature,
)

# ---- nomenclature ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("22084011", "22084011"),
        ("2208 40 11", "22084011"),
        ("2208.40.11", "22084011"),
        (" 3305 10 00 00 ", "3305100000"),
    ],
)
def test_nomenclature_is_nc8_or_taric10_with_spaces_and_dots_stripped(typed: str, code: str) -> None:
    assert normalize_nomenclature(typed) == code


@pytest.mark.parametrize("typed", ["2208401", "220840111", "22084011000", "2208401A", "22-08-40-11"])
def test_nomenclature_of_another_length_or_with_letters_is_refused(typed: str) -> None:
    with pytest.raises(DomainError) as refusal:
        normalize_nomenclature(typed)
    assert refusal.value.field == "nomenclature"
    assert "8 chiffres" in refusal.value.detail and "10 chiffres" in refusal.value.detail


def test_nomenclature_is_required() -> None:
    with pytest.raises(DomainError) as refusal:
        normalize_nomenclature("  ")
    assert refusal.value.detail == "La nomenclature est obligatoire."


@given(
    st.sampled_from([8, 10]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)),
    st.lists(st.sampled_from([" ", ".", ""]), min_size=12, max_size=12),
)
def test_separators_never_change_the_code(digits: str, separators: list[str]) -> None:
    typed = "".join(digit + separators[i] for i, digit in enumerate(digits))
    assert normalize_nomenclature(typed) == digits


# ---- CANA --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [("Z001", "Z001"), ("z9ab", "Z9AB"), (" Z0A1 ", "Z0A1")])
def test_cana_is_a_z_followed_by_three_alphanumerics(typed: str, code: str) -> None:
    assert normalize_cana(typed) == code


@pytest.mark.parametrize("typed", ["A001", "Z01", "Z0001", "Z-01", "001Z"])
def test_cana_outside_the_z_series_is_refused(typed: str) -> None:
    with pytest.raises(DomainError) as refusal:
        normalize_cana(typed)
    assert refusal.value.field == "cana"


def test_cana_is_optional() -> None:
    assert normalize_cana(None) is None
    assert normalize_cana("") is None


def test_cana_format_is_one_regex() -> None:
    assert isinstance(CANA_PATTERN, re.Pattern)
    assert CANA_PATTERN.fullmatch("Z001")


# ---- NAF rév. 2 --------------------------------------------------------------------------------


def test_naf_list_holds_the_732_official_subclasses() -> None:
    subclasses = naf_subclasses()
    assert len(subclasses) == 732
    assert all(re.fullmatch(r"\d{2}\.\d{2}[A-Z]", code) for code in subclasses)
    assert all(label.strip() for label in subclasses.values())


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("01.11Z", "Culture de céréales (à l'exception du riz), de légumineuses et de graines oléagineuses"),
        ("10.71C", "Boulangerie et boulangerie-pâtisserie"),
        ("11.01Z", "Production de boissons alcooliques distillées"),
        ("47.11F", "Hypermarchés"),
        ("99.00Z", "Activités des organisations et organismes extraterritoriaux"),
    ],
)
def test_naf_subclasses_carry_their_insee_label(code: str, label: str) -> None:
    assert naf_label(code) == label


def test_naf_code_in_the_list_is_accepted_and_normalised() -> None:
    assert normalize_naf("10.71C") == "10.71C"
    assert normalize_naf("10.71c") == "10.71C"
    assert normalize_naf("1071C") == "10.71C"  # as SIRENE stores it


def test_naf_code_of_the_right_shape_but_not_in_the_list_is_refused() -> None:
    with pytest.raises(DomainError) as refusal:
        normalize_naf("10.71Z")
    assert refusal.value.field == "naf"
    assert "n'existe pas" in refusal.value.detail


@pytest.mark.parametrize("typed", ["10.7C", "1071", "10,71C", "A0.71C"])
def test_naf_code_of_the_wrong_shape_is_refused(typed: str) -> None:
    with pytest.raises(DomainError) as refusal:
        normalize_naf(typed)
    assert refusal.value.field == "naf"
    assert "99.99A" in refusal.value.detail


def test_naf_code_is_optional() -> None:
    assert normalize_naf(None) is None
    assert normalize_naf(" ") is None
