"""The lines import file: whatever bytes arrive, a French refusal or lines, never a crash (found by the fuzzer:
a carriage return alone in a cell stopped the CSV reader with a 500)."""

from __future__ import annotations

import pytest

from contracts.errors import DomainError
from declarations.adapters import lines_csv


@pytest.mark.parametrize(
    "text",
    ["Í\x12F\xc2\x93OXY\r\x01Hû𝛞R\x01", 'Annexe;Nomenclature\r"A;\r', "\x00;\x00\n\x00", '"'],
)
def test_a_file_no_reader_can_place_is_refused_in_french(text: str) -> None:
    with pytest.raises(DomainError) as refusal:
        lines_csv.parse(text)
    assert refusal.value.field == "file" and refusal.value.status == 422


def test_cells_with_carriage_returns_inside_quotes_are_read() -> None:
    text = 'Annexe;Nomenclature;Prix hors TVA et hors accises\r\nA;"3305\r1000";12,00\r\n'
    [(_, entry)] = lines_csv.parse(text).rows  # the file is read; the domain then refuses the code
    assert entry.nomenclature == "3305\r1000"
