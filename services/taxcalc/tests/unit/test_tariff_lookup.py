"""Tariff lookup: lines in force on the date, CANA first, longest code prefix, OMI else OME."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

import pytest

from contracts.errors import DomainError
from contracts.events.taxcalc import TariffLine, TariffPublished
from taxcalc.domain.tariff import Tariff, normalize_code


def line(
    code: str,
    om: str,
    omr: str = "2.5",
    *,
    kind: Literal["OMI", "OME"] = "OME",
    cana: str | None = None,
    valid_from: date = date(2015, 1, 1),
    valid_to: date | None = None,
) -> TariffLine:
    return TariffLine(
        code=code,
        cana=cana,
        kind=kind,
        om_rate=Decimal(om),
        omr_rate=Decimal(omr),
        valid_from=valid_from,
        valid_to=valid_to,
        deliberation=f"Délibération {code}",
        label=f"libellé {code}",
    )


DAY = date(2026, 1, 15)


def test_chapter_rate_applies_to_all_its_codes() -> None:
    # DOMAIN §1 Rates: a chapter rate applies to all its codes (longest-prefix match)
    tariff = Tariff.of("974", [line("04", "4")])
    match = tariff.lookup("974", "04061020", None, DAY)
    assert (match.om_rate, match.omr_rate, match.matched_code) == (Decimal("4"), Decimal("2.5"), "04")


def test_longest_code_prefix_wins() -> None:
    # DOMAIN §1 Rates: ... except those listed apart
    tariff = Tariff.of("974", [line("22", "30"), line("2204", "40"), line("220410", "48.5"), line("22041011", "50")])
    assert tariff.lookup("974", "22041011", None, DAY).om_rate == Decimal("50")
    assert tariff.lookup("974", "22041091", None, DAY).om_rate == Decimal("48.5")
    assert tariff.lookup("974", "22042110", None, DAY).om_rate == Decimal("40")
    assert tariff.lookup("974", "22030001", None, DAY).om_rate == Decimal("30")


def test_taric10_line_matches_a_taric10_nomenclature_only() -> None:
    tariff = Tariff.of("974", [line("84", "5"), line("8471300010", "0")])
    assert tariff.lookup("974", "8471300010", None, DAY).om_rate == Decimal("0")
    assert tariff.lookup("974", "84713000", None, DAY).om_rate == Decimal("5")


def test_cana_specific_line_comes_first() -> None:
    # Manual, Annexe A: the CANA carries a specific tariff measure
    tariff = Tariff.of("974", [line("22084011", "20", kind="OMI"), line("2208", "15", kind="OMI", cana="Z001")])
    assert tariff.lookup("974", "22084011", "Z001", DAY).om_rate == Decimal("15")
    assert tariff.lookup("974", "22084011", "z001", DAY).cana == "Z001"


def test_cana_unknown_for_the_code_is_refused() -> None:
    # The manual offers the CANA from a list: Z999 on a code whose tariff holds only Z001 is not the general rate
    tariff = Tariff.of("974", [line("2208", "20"), line("2208", "15", cana="Z001"), line("0403", "0", cana="Z999")])
    with pytest.raises(DomainError) as refusal:
        tariff.lookup("974", "22084011", "Z999", DAY)
    assert refusal.value.field == "cana" and refusal.value.code == "cana-inconnu"
    assert "Le CANA Z999 n'existe pas dans le tarif" in refusal.value.detail
    expired = Tariff.of("974", [line("2208", "20"), line("2208", "15", cana="Z001", valid_to=date(2020, 12, 31))])
    with pytest.raises(DomainError, match="Z001"):
        expired.lookup("974", "22084011", "Z001", DAY)


def test_a_cana_of_one_kind_keeps_the_other_kinds_general_line() -> None:
    # a CANA measure on the internal rate only: the product's external rate is the general one
    tariff = Tariff.of("974", [line("2208", "20"), line("2208", "15", kind="OMI", cana="Z001")])
    assert tariff.lookup("974", "22084011", "Z001", DAY).om_rate == Decimal("15")


def test_cana_lines_do_not_apply_without_the_cana() -> None:
    tariff = Tariff.of("974", [line("2208", "20"), line("22084011", "15", cana="Z001")])
    assert tariff.lookup("974", "22084011", None, DAY).om_rate == Decimal("20")


def test_internal_rate_applies_before_the_external_rate() -> None:
    # DOMAIN §1 Rates: where a code has no internal (OMI) rate, the external (OME) rate applies
    tariff = Tariff.of("974", [line("19", "12.5", kind="OME"), line("1905", "2.5", kind="OMI")])
    match = tariff.lookup("974", "19059080", None, DAY)
    assert (match.kind, match.om_rate) == ("OMI", Decimal("2.5"))


def test_external_rate_applies_when_no_internal_rate() -> None:
    # DOMAIN §1 Rates (La Réunion)
    tariff = Tariff.of("974", [line("19", "12.5", kind="OME"), line("1905", "2.5", kind="OMI")])
    match = tariff.lookup("974", "19011000", None, DAY)
    assert (match.kind, match.om_rate, match.matched_code) == ("OME", Decimal("12.5"), "19")


def test_an_internal_chapter_rate_beats_an_external_subheading_rate() -> None:
    # OMI else OME: the code has an internal rate through its chapter
    tariff = Tariff.of("974", [line("22", "10", kind="OMI"), line("220410", "48.5", kind="OME")])
    assert tariff.lookup("974", "22041011", None, DAY).kind == "OMI"


def test_only_lines_in_force_on_the_date_apply() -> None:
    # DOMAIN §1 Rates: each tariff version has a start date and an end date
    tariff = Tariff.of(
        "974",
        [
            line("19059080", "2.5", valid_to=date(2026, 2, 14)),
            line("19059080", "5", valid_from=date(2026, 2, 15)),
        ],
    )
    assert tariff.lookup("974", "19059080", None, date(2026, 2, 14)).om_rate == Decimal("2.5")
    assert tariff.lookup("974", "19059080", None, date(2026, 2, 15)).om_rate == Decimal("5")
    with pytest.raises(DomainError):
        tariff.lookup("974", "19059080", None, date(2014, 12, 31))


def test_no_rate_is_a_422_on_the_nomenclature() -> None:
    tariff = Tariff.of("974", [line("04", "4")])
    with pytest.raises(DomainError) as refusal:
        tariff.lookup("974", "01012100", None, DAY)
    assert refusal.value.status == 422
    assert refusal.value.field == "nomenclature"
    assert "Aucun taux" in refusal.value.detail and "01012100" in refusal.value.detail


def test_other_territories_rates_do_not_apply() -> None:
    tariff = Tariff.of("971", [line("04", "7")])
    with pytest.raises(DomainError, match="à La Réunion"):
        tariff.lookup("974", "04061020", None, DAY)


@pytest.mark.parametrize("nomenclature", ["0406", "04061", "0406102011X", "ABCDEFGH"])
def test_nomenclature_must_be_nc8_or_taric10(nomenclature: str) -> None:
    # Manual, Annexe A: NC8, or TARIC10 for goods so listed
    tariff = Tariff.of("974", [line("04", "4")])
    with pytest.raises(DomainError) as refusal:
        tariff.lookup("974", nomenclature, None, DAY)
    assert refusal.value.field == "nomenclature"


def test_codes_written_with_spaces_or_dots_are_read_as_digits() -> None:
    assert normalize_code("2204 10") == "220410"
    assert normalize_code("3305.10.00") == "33051000"
    tariff = Tariff.of("974", [line("2204 10", "48.5")])
    assert tariff.lookup("974", "2204 10 11", None, DAY).matched_code == "220410"


def test_in_force_lists_the_lines_of_the_day() -> None:
    tariff = Tariff.of(
        "974",
        [
            line("19", "1", valid_to=date(2026, 2, 14)),
            line("19", "2", valid_from=date(2026, 2, 15)),
            line("04", "4"),
        ],
    )
    assert [(entry.code, entry.om_rate) for entry in tariff.in_force(date(2026, 3, 1), "974")] == [
        ("04", Decimal("4")),
        ("19", Decimal("2")),
    ]
    assert tariff.in_force(date(2026, 3, 1), "971") == []


def test_a_newer_publication_replaces_the_territory_tariff() -> None:
    first = TariffPublished(territory="974", source_sha256="a", lines=[line("04", "4")])
    second = TariffPublished(territory="974", source_sha256="b", lines=[line("04", "5")])
    other = TariffPublished(territory="971", source_sha256="c", lines=[line("04", "7")])
    tariff = Tariff.from_published([first, other, second])
    assert tariff.lookup("974", "04061020", None, DAY).om_rate == Decimal("5")
    assert tariff.lookup("971", "04061020", None, DAY).om_rate == Decimal("7")
    assert tariff.territories() == ["971", "974"]


def test_the_cana_list_of_a_product_holds_the_measures_in_force_for_its_code() -> None:
    tariff = Tariff.of(
        "974",
        [
            line("2208", "20"),
            line("22084011", "10", kind="OMI", cana="Z001"),
            line("22084011", "8", kind="OMI", cana="Z009", valid_to=date(2020, 12, 31)),
            line("0403", "0", kind="OMI", cana="Z002"),
        ],
    )
    assert [m.cana for m in tariff.canas("974", "2208 40 11", DAY)] == ["Z001"]
    assert tariff.canas("974", "22084011", date(2019, 6, 1))[1].cana == "Z009"
    assert tariff.canas("974", "19059080", DAY) == []
