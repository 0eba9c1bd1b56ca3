"""The references people read and banks match."""

from __future__ import annotations

import pytest
from stdnum import iso11649

from contracts.errors import DomainError
from contracts.references import creditor_reference, declaration_reference, read_creditor_reference


def test_a_declaration_reference_names_the_tax_the_territory_the_period_and_the_relation() -> None:
    assert declaration_reference("974", 2026, 3, "0974000789") == "OM-974-2026-T3-0974000789"
    assert declaration_reference("971", 2027, 1, "0971000123", corrective=2) == "OM-971-2027-T1-0971000123-R2"


def test_iso_11649_creditor_reference_check_digits() -> None:
    """ISO 11649 § 6: « RF », two check digits, at most 21 letters and digits; what stdnum validates."""
    reference = creditor_reference("974", 2026, 3, "0974000789")
    assert reference == "RF41 9742 6T30 9740 0078 9"
    assert iso11649.is_valid(reference)
    corrective = creditor_reference("974", 2026, 3, "0974000789", corrective=12)
    assert iso11649.is_valid(corrective) and corrective != reference


@pytest.mark.parametrize("typed", ["RF41 9742 6T30 9740 0078 9", "rf4197426t30974000789", "RF4197426T30974000789"])
def test_a_creditor_reference_reads_as_banks_compare_it(typed: str) -> None:
    assert read_creditor_reference(typed) == "RF4197426T30974000789"


def test_a_mistyped_creditor_reference_is_refused_in_french() -> None:
    with pytest.raises(DomainError) as refused:
        read_creditor_reference("RF41 9742 6T30 9740 0078 8", field="reference")
    assert refused.value.field == "reference"
    assert "chiffres de contrôle" in refused.value.detail


def test_a_reference_that_does_not_fit_iso_11649_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        creditor_reference("974", 2026, 3, "09740007891234567")
