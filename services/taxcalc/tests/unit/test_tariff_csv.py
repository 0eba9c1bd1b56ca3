"""Tariff CSV import: every faulty row reported with its number and a French message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.errors import DomainError
from contracts.types import Territory
from taxcalc.domain.tariff_csv import HEADER, parse_tariff_csv, parse_tariff_file

HEAD = ",".join(HEADER)
GOOD = "974,04,,OME,4,2.5,2015-01-01,,Délibération CR 974 n° DAP 2015-0012,Lait"


def csv_of(*rows: str) -> str:
    return "\n".join([HEAD, *rows]) + "\n"


def row_errors(text: str, territory: Territory = "974") -> list[dict[str, object]]:
    with pytest.raises(DomainError) as refusal:
        parse_tariff_csv(text, territory)
    assert refusal.value.status == 422
    rows = refusal.value.extra["rows"]
    assert isinstance(rows, list)
    return rows


def messages(text: str, territory: Territory = "974") -> list[str]:
    return [str(row["message"]) for row in row_errors(text, territory)]


def test_a_valid_file_gives_tariff_lines() -> None:
    lines = parse_tariff_csv(
        csv_of(
            GOOD,
            '974,"2204 10",,OME,"48,5",2.5,2015-01-01,2026-02-14,Délibération DAP 2015-0012,"Vins, mousseux"',
            "974,22084011,z001,omi,10,2.5,2015-01-01,,Délibération CR 974 n° DAP 2015-0012,",
        ),
        "974",
    )
    assert [(x.code, x.cana, x.kind, x.om_rate, x.valid_to) for x in lines] == [
        ("04", None, "OME", Decimal("4"), None),
        ("220410", None, "OME", Decimal("48.5"), date(2026, 2, 14)),
        ("22084011", "Z001", "OMI", Decimal("10"), None),
    ]
    assert lines[1].label == "Vins, mousseux"


def test_semicolon_separated_files_are_accepted() -> None:
    text = HEAD.replace(",", ";") + "\n" + GOOD.replace(",", ";") + "\n"
    assert len(parse_tariff_csv(text, "974")) == 1


def test_byte_order_mark_and_blank_lines_are_ignored() -> None:
    assert len(parse_tariff_csv("\ufeff" + csv_of(GOOD, "", GOOD.replace("04,", "09,")), "974")) == 2


def test_om_rate_above_the_legal_cap_is_refused() -> None:
    # loi 2004-639 art. 28: 60 %
    others = [GOOD.replace("974,04,", f"974,{chapter},") for chapter in ("02", "04", "09", "16", "19")]
    found = messages(csv_of(*others, "974,33,,OME,65,2.5,2015-01-01,,D,x"))
    assert found == [
        "Ligne 7 : le taux d'octroi de mer 65 % dépasse le plafond légal de 60 % (loi n° 2004-639, art. 28)."
    ]


def test_alcohol_may_be_taxed_up_to_90_percent() -> None:
    # loi 2004-639 art. 28: 90 % for alcohols, alcoholic beverages and tobacco
    assert parse_tariff_csv(csv_of("974,2208,,OME,90,2.5,2015-01-01,,D,x"), "974")[0].om_rate == Decimal("90")
    assert "plafond légal de 90 %" in messages(csv_of("974,2208,,OME,90.5,2.5,2015-01-01,,D,x"))[0]


def test_om_rate_cap_alcohol_tobacco_excludes_water_and_soft_drinks() -> None:
    # loi 2004-639 art. 28: mineral water (2201) and soft drinks (2202) stay under the general 60 % cap
    assert "plafond légal de 60 %" in messages(csv_of("974,22011000,,OME,70,2.5,2015-01-01,,D,x"))[0]
    assert "plafond légal de 60 %" in messages(csv_of("974,2202,,OME,61,2.5,2015-01-01,,D,x"))[0]
    assert "plafond légal de 60 %" in messages(csv_of("974,22,,OME,61,2.5,2015-01-01,,D,x"))[0]
    assert parse_tariff_csv(csv_of("974,2203,,OME,61,2.5,2015-01-01,,D,x"), "974")[0].om_rate == Decimal("61")


def test_caps_are_checked_over_the_whole_validity_of_a_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    # loi 2004-639 art. 28: a rate must respect the cap every day it is in force; were the cap lowered on
    # 1 January 2030, a rate of 55 % in force from 2029 without end would exceed it from then on
    from taxcalc.domain import parameters

    lowered = parameters.DatedParameter(
        parameters.OM_RATE_CAP.name,
        [*parameters.OM_RATE_CAP.values, parameters.DatedValue(date(2030, 1, 1), Decimal("50"), "loi future")],
    )
    monkeypatch.setattr(parameters, "OM_RATE_CAP", lowered)
    monkeypatch.setattr(parameters, "CAP_PARAMETERS", (*parameters.CAP_PARAMETERS, lowered))
    assert messages(csv_of("974,33,,OME,55,2.5,2029-01-01,,D,x")) == [
        "Ligne 2 : le taux d'octroi de mer 55 % dépasse le plafond légal de 50 % en vigueur le 01/01/2030, "
        "pendant la validité du taux (loi future)."
    ]
    # ended before the new cap, the same rate is within the caps
    assert len(parse_tariff_csv(csv_of("974,33,,OME,55,2.5,2029-01-01,2029-12-31,D,x"), "974")) == 1


def test_mayotte_cap_is_checked_at_the_version_start_date() -> None:
    # DOMAIN §1 Rates: ×1.5 in Mayotte from 01/07/2026
    assert parse_tariff_csv(csv_of("976,33,,OME,90,2.5,2026-07-01,,D,x"), "976")[0].om_rate == Decimal("90")
    assert "plafond légal de 60 %" in messages(csv_of("976,33,,OME,90,2.5,2026-06-30,,D,x"), "976")[0]


def test_omr_rate_above_2_5_percent_is_refused_outside_guyane() -> None:
    # loi 2004-639 art. 37
    found = messages(csv_of("974,04,,OME,4,3,2015-01-01,,D,x"))
    assert found == [
        "Ligne 2 : le taux d'octroi de mer régional 3 % dépasse le plafond légal de 2,5 % (loi n° 2004-639, art. 37)."
    ]


def test_omr_rate_up_to_5_percent_in_guyane() -> None:
    # loi 2004-639 art. 37
    assert parse_tariff_csv(csv_of("973,04,,OME,4,5,2015-01-01,,D,x"), "973")[0].omr_rate == Decimal("5")
    assert "plafond légal de 5 %" in messages(csv_of("973,04,,OME,4,5.5,2015-01-01,,D,x"), "973")[0]


def test_a_row_of_another_territory_is_an_error() -> None:
    assert messages(csv_of("972,04,,OME,4,2.5,2015-01-01,,D,x")) == [
        "Ligne 2 : le territoire « 972 » ne correspond pas au tarif importé (974, La Réunion)."
    ]


@pytest.mark.parametrize("code", ["4", "041", "04A", "0406102", "04061020111", "00", "98"])
def test_bad_codes_are_refused(code: str) -> None:
    errors = row_errors(csv_of(f"974,{code},,OME,4,2.5,2015-01-01,,D,x"))
    assert [e["field"] for e in errors] == ["code"]


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ("974,04,A001,OME,4,2.5,2015-01-01,,D,x", "cana"),
        ("974,04,,OMX,4,2.5,2015-01-01,,D,x", "kind"),
        ("974,04,,OME,quatre,2.5,2015-01-01,,D,x", "om_rate"),
        ("974,04,,OME,4,NaN,2015-01-01,,D,x", "omr_rate"),
        ("974,04,,OME,-1,2.5,2015-01-01,,D,x", "om_rate"),
        ("974,04,,OME,4,2.5,01/01/2015,,D,x", "valid_from"),
        ("974,04,,OME,4,2.5,,,D,x", "valid_from"),
        ("974,04,,OME,4,2.5,2015-01-01,2014-12-31,D,x", "valid_to"),
        ("974,04,,OME,4,2.5,2015-01-01,,,x", "deliberation"),
    ],
)
def test_each_faulty_field_is_named(cell: str, field: str) -> None:
    errors = row_errors(csv_of(cell))
    assert [e["field"] for e in errors] == [field]
    assert str(errors[0]["message"]).startswith("Ligne 2 : ")


def test_all_row_errors_are_collected_at_once() -> None:
    errors = row_errors(
        csv_of(
            GOOD,
            "972,3x,Y1,OMX,abc,3,2015-13-01,,,x",
            "974,33,,OME,65,2.5,2015-01-01,,D,x",
            "974,33",
        )
    )
    assert {e["row"] for e in errors} == {3, 4, 5}
    assert [e["field"] for e in errors if e["row"] == 3] == [
        "territory",
        "code",
        "cana",
        "kind",
        "om_rate",
        "valid_from",
        "deliberation",
    ]
    assert [e["message"] for e in errors if e["row"] == 5] == ["Ligne 5 : 2 colonnes au lieu de 10."]


def test_overlapping_versions_of_the_same_code_are_refused() -> None:
    # DOMAIN §1 Rates: each tariff version has a start date and an end date
    found = messages(
        csv_of(
            "974,19059080,,OMI,2.5,2.5,2015-01-01,2026-02-15,D,x",
            "974,19059080,,OMI,5,2.5,2026-02-15,,D,x",
        )
    )
    assert found == [
        "Ligne 3 : la version de 19059080 (OMI) valable à partir du 15/02/2026, sans date de fin chevauche "
        "celle de la ligne 2 (du 01/01/2015 au 15/02/2026)."
    ]


def test_an_open_version_overlaps_every_later_one() -> None:
    found = row_errors(
        csv_of(
            "974,04,,OME,4,2.5,2015-01-01,,D,x",
            "974,04,,OME,5,2.5,2018-01-01,2018-12-31,D,x",
            "974,04,,OME,6,2.5,2020-01-01,2020-12-31,D,x",
        )
    )
    assert [e["row"] for e in found] == [3, 4]


def test_overlap_is_reported_even_when_the_earlier_row_has_a_bad_rate() -> None:
    found = row_errors(csv_of("974,33,,OME,65,2.5,2015-01-01,,D,x", "974,33,,OME,6,2.5,2016-01-01,,D,x"))
    assert [(e["row"], e["field"]) for e in found] == [(2, "om_rate"), (3, "valid_from")]


def test_consecutive_versions_and_distinct_cana_or_kind_do_not_overlap() -> None:
    lines = parse_tariff_csv(
        csv_of(
            "974,19059080,,OMI,2.5,2.5,2015-01-01,2026-02-14,D,x",
            "974,19059080,,OMI,5,2.5,2026-02-15,,D,x",
            "974,19059080,Z001,OMI,0,0,2015-01-01,,D,x",
            "974,19059080,,OME,12.5,2.5,2015-01-01,,D,x",
        ),
        "974",
    )
    assert len(lines) == 4


def test_wrong_header_is_reported_on_line_1() -> None:
    assert messages("code,rate\n04,4\n")[0].startswith("Ligne 1 : en-tête attendu")


def test_empty_file_and_header_only_file_are_refused() -> None:
    with pytest.raises(DomainError, match="vide"):
        parse_tariff_csv("  \n", "974")
    assert messages(HEAD + "\n") == ["Ligne 2 : le fichier ne contient aucune ligne de tarif."]


def test_refusal_summarises_the_count() -> None:
    with pytest.raises(DomainError) as refusal:
        parse_tariff_csv(csv_of("974,04,,OME,4,3,2015-01-01,,D,x", "974,05,,OME,4,3,2015-01-01,,D,x"), "974")
    assert refusal.value.detail == "Le tarif 974 (La Réunion) n'a pas été importé : 2 erreurs dans le fichier."
    assert refusal.value.code == "tarif-invalide"


def test_a_file_of_several_territories_compares_versions_within_one_territory() -> None:
    # the issue: a 971 row does not "overlap" a 974 row of the same code and dates
    rows = csv_of(GOOD, GOOD.replace("974,", "971,", 1))
    lines = parse_tariff_file(rows)
    assert sorted(lines) == ["971", "974"] and len(lines["971"]) == len(lines["974"]) == 1
    overlapping = csv_of(GOOD, GOOD.replace("974,", "971,", 1), GOOD.replace("2015-01-01", "2016-01-01"))
    assert [e["row"] for e in row_errors_of_file(overlapping)] == [4]


def test_a_file_of_several_territories_checks_each_rows_caps_in_its_territory() -> None:
    # loi 2004-639 art. 37: 5 % of OMR in Guyane, 2.5 % elsewhere
    errors = row_errors_of_file(csv_of("973,04,,OME,4,5,2015-01-01,,D,x", "974,04,,OME,4,5,2015-01-01,,D,x"))
    assert [e["row"] for e in errors] == [3]


def test_a_row_of_an_unknown_territory_is_an_error() -> None:
    assert "inconnu" in str(row_errors_of_file(csv_of("975,04,,OME,4,2.5,2015-01-01,,D,x"))[0]["message"])


def row_errors_of_file(text: str) -> list[dict[str, object]]:
    with pytest.raises(DomainError) as refusal:
        parse_tariff_file(text)
    assert refusal.value.detail.startswith("Le fichier tarifaire n'a pas été importé")
    rows = refusal.value.extra["rows"]
    assert isinstance(rows, list)
    return rows


@pytest.mark.parametrize("text", ["Í\x12F\xc2\x93OXY\r\x01Hû𝛞R\x01", HEAD + '\r"974;\r', '"'])
def test_a_tariff_file_no_reader_can_place_is_refused_in_french(text: str) -> None:
    with pytest.raises(DomainError) as refusal:
        parse_tariff_file(text)
    assert refusal.value.code == "tarif-invalide" and refusal.value.status == 422
