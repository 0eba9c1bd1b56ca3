"""Annexe A (ventes internes) and annexe B (exportations) lines: given past events, when a line is added
or removed, then a LineAdded / LineRemoved event or a refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given as for_all
from hypothesis import strategies as st

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.declarations import LineAdded, LineRemoved
from contracts.events.taxcalc import TariffLine
from declarations.domain.amounts import parse_amount
from declarations.domain.canas import CanaMeasures
from declarations.domain.lines import LineEntry

from declarations_given import drafted, given, line_a, line_b


def add(declaration_events: tuple[Any, ...] = (), ape: str | None = None, **fields: Any) -> LineAdded:
    """When this line is added to a Q1 2024 draft holding `declaration_events` (for a relation whose main
    activity is `ape`), the event decided."""
    declaration = given(drafted(), *declaration_events)
    events = declaration.add_line("l-new", LineEntry(**{"annex": "A", **fields}), ape=ape)
    assert len(events) == 1 and isinstance(events[0], LineAdded)
    return events[0]


# ---- annexe A ----------------------------------------------------------------------------------


def test_annex_a_line_carries_its_codes_price_and_flags() -> None:
    event = add(
        nomenclature="2208 40 11",
        price_excl_tax="15230.5",
        cana="z001",
        naf="1101Z",
        rates_date=date(2024, 2, 15),
        avitaillement=True,
    )
    assert event == LineAdded(
        line_id="l-new",
        annex="A",
        nomenclature="22084011",
        price_excl_tax=Decimal("15230.50"),
        cana="Z001",
        naf="11.01Z",
        rates_date=date(2024, 2, 15),
        avitaillement=True,
        rfs=False,
    )


def test_rates_date_defaults_to_the_first_day_of_the_quarter() -> None:
    # The manual: « Si les taux n'ont pas été modifiés au cours du trimestre, le champ « date
    # d'applicabilité des taux » ne doit pas être modifié. »
    assert add(nomenclature="22084011", price_excl_tax="10").rates_date == date(2024, 1, 1)


@pytest.mark.parametrize("rates_date", [date(2023, 12, 31), date(2024, 4, 1)])
def test_rates_date_must_fall_inside_the_quarter(rates_date: date) -> None:
    with pytest.raises(DomainError) as refusal:
        add(nomenclature="22084011", price_excl_tax="10", rates_date=rates_date)
    assert refusal.value.field == "rates_date"
    assert "01/01/2024" in refusal.value.detail and "31/03/2024" in refusal.value.detail


@pytest.mark.parametrize("rates_date", [date(2024, 1, 1), date(2024, 3, 31)])
def test_rates_date_may_be_the_first_or_last_day_of_the_quarter(rates_date: date) -> None:
    assert add(nomenclature="22084011", price_excl_tax="10", rates_date=rates_date).rates_date == rates_date


def test_rfs_is_not_allowed_on_annex_a() -> None:
    with pytest.raises(DomainError) as refusal:
        add(nomenclature="22084011", price_excl_tax="10", rfs=True)
    assert refusal.value.field == "rfs"


def test_same_product_cana_and_rates_date_twice_on_annex_a_is_a_conflict() -> None:
    # The manual: a product is entered twice only when its rates changed in the quarter, each line
    # with its own date of application.
    with pytest.raises(Conflict) as refusal:
        add(
            (line_a(nomenclature="22084011", cana="Z001", rates_date=date(2024, 1, 1)),),
            nomenclature="2208 40 11",
            cana="Z001",
            price_excl_tax="10",
        )
    assert refusal.value.status == 409
    assert refusal.value.field == "rates_date"
    assert "22084011" in refusal.value.detail and "01/01/2024" in refusal.value.detail


def test_same_product_with_a_new_rates_date_is_a_second_line() -> None:
    event = add(
        (line_a(nomenclature="22084011", rates_date=date(2024, 1, 1)),),
        nomenclature="22084011",
        price_excl_tax="10",
        rates_date=date(2024, 2, 15),
    )
    assert event.rates_date == date(2024, 2, 15)


def test_same_product_with_another_cana_is_a_second_line() -> None:
    event = add(
        (line_a(nomenclature="22084011", cana=None),),
        nomenclature="22084011",
        cana="Z001",
        price_excl_tax="10",
    )
    assert event.cana == "Z001"


def test_line_uniqueness_includes_avitaillement() -> None:
    # The manual (Annexe A, « Avitaillement »): the same product sold normally and as ship supplies is
    # declared on two lines; box 1 then holds both prices.
    normal = line_a(nomenclature="20098999", price="1000.00")
    event = add((normal,), nomenclature="20098999", price_excl_tax="2000.00", avitaillement=True)
    assert event.avitaillement is True and event.rates_date == normal.rates_date
    declaration = given(drafted(), normal, event.model_copy(update={"line_id": "l-2"}))
    assert sum(line.price_excl_tax for line in declaration.annex("A")) == Decimal("3000.00")
    with pytest.raises(Conflict, match="en avitaillement"):
        add(
            (normal, event.model_copy(update={"line_id": "l-2"})),
            nomenclature="20098999",
            price_excl_tax="5",
            avitaillement=True,
        )


def test_line_uniqueness_includes_the_naf_code() -> None:
    # The manual: the NAF code names the production activity; one product made by two activities of the
    # establishment is on two lines.
    first = line_a(nomenclature="20098999", naf="10.32Z")
    event = add((first,), nomenclature="20098999", price_excl_tax="10", naf="10.39A")
    assert event.naf == "10.39A"
    with pytest.raises(Conflict, match=r"code NAF 10\.39A"):
        add(
            (first, event.model_copy(update={"line_id": "l-2"})),
            nomenclature="20098999",
            price_excl_tax="5",
            naf="1039A",
        )


def test_naf_absent_records_the_ape() -> None:
    # The manual (Annexe A): « Code NAF : à renseigner uniquement si l'activité de production est différente
    # de l'activité principale (APE) »: a line without one is of the main activity, and records it.
    assert add(nomenclature="20098999", price_excl_tax="10", ape="10.32Z").naf == "10.32Z"
    assert add(nomenclature="20098999", price_excl_tax="10", ape=None).naf is None


def test_naf_equal_to_the_ape_is_accepted() -> None:
    assert add(nomenclature="20098999", price_excl_tax="10", naf="1032Z", ape="10.32Z").naf == "10.32Z"
    # and is the same activity as a line that left the NAF out
    with pytest.raises(Conflict):
        add((line_a(nomenclature="20098999", naf="10.32Z"),), nomenclature="20098999", price_excl_tax="5", ape="10.32Z")


def _measures(*lines: tuple[str, str, date, date | None]) -> CanaMeasures:
    return CanaMeasures.of(
        TariffLine(
            code=code, cana=cana, kind="OMI", om_rate=Decimal("5"), omr_rate=Decimal("1"),
            valid_from=start, valid_to=end, deliberation="D",
        )
        for code, cana, start, end in lines
    )  # fmt: skip


def test_cana_unknown_for_the_code_is_refused() -> None:
    # The manual (Annexe A): the CANA is chosen from the list the tariff offers for the product and date
    measures = _measures(("2208", "Z901", date(2015, 1, 1), None), ("0403", "Z999", date(2015, 1, 1), None))
    declaration = given(drafted())
    entry = LineEntry(annex="A", nomenclature="22084011", price_excl_tax="10", cana="Z999")
    with pytest.raises(DomainError) as refusal:
        declaration.add_line("l-new", entry, canas=measures)
    assert refusal.value.field == "cana" and refusal.value.code == "cana-inconnu"
    assert refusal.value.detail == (
        "Le CANA Z999 n'existe pas dans le tarif pour la nomenclature 22084011 au 01/01/2024. CANA possibles : Z901."
    )
    assert refusal.value.extra["canas"] == ["Z901"]
    [event] = declaration.add_line("l-new", entry.model_copy(update={"cana": "z901"}), canas=measures)
    assert isinstance(event, LineAdded) and event.cana == "Z901"


def test_cana_is_checked_on_the_line_date_of_application() -> None:
    measures = _measures(("2208", "Z901", date(2024, 2, 1), None))
    declaration = given(drafted())
    early = LineEntry(annex="A", nomenclature="22084011", price_excl_tax="10", cana="Z901")
    with pytest.raises(DomainError, match="aucun CANA pour ce produit à cette date"):
        declaration.add_line("l-new", early, canas=measures)
    assert declaration.add_line("l-new", early.model_copy(update={"rates_date": date(2024, 2, 1)}), canas=measures)


def test_cana_without_a_known_tariff_is_left_to_taxcalc() -> None:
    assert add(nomenclature="22084011", price_excl_tax="10", cana="Z999").cana == "Z999"


def test_a_removed_line_no_longer_counts_as_a_duplicate() -> None:
    event = add((line_a(line_id="l-1"), LineRemoved(line_id="l-1")), nomenclature="22084011", price_excl_tax="10")
    assert event.nomenclature == "22084011"


def test_same_product_on_annex_b_is_not_an_annex_a_duplicate() -> None:
    assert add((line_b(nomenclature="22084011"),), nomenclature="22084011", price_excl_tax="10").annex == "A"


def test_a_line_id_used_twice_is_a_conflict() -> None:
    with pytest.raises(Conflict) as refusal:
        add((line_a(line_id="l-new"),), nomenclature="33051000", price_excl_tax="10")
    assert refusal.value.field == "line_id"


# ---- annexe B ----------------------------------------------------------------------------------


def test_annex_b_line_carries_nomenclature_naf_price_and_rfs() -> None:
    event = add(annex="B", nomenclature="22084011", naf="11.01Z", price_excl_tax="800", rfs=True)
    assert event == LineAdded(
        line_id="l-new",
        annex="B",
        nomenclature="22084011",
        price_excl_tax=Decimal("800.00"),
        naf="11.01Z",
        rfs=True,
    )
    assert event.rates_date is None and event.cana is None and event.avitaillement is False


@pytest.mark.parametrize(
    ("field", "value"), [("cana", "Z001"), ("avitaillement", True), ("rates_date", date(2024, 2, 1))]
)
def test_cana_avitaillement_and_rates_date_are_not_allowed_on_annex_b(field: str, value: Any) -> None:
    with pytest.raises(DomainError) as refusal:
        add(annex="B", nomenclature="22084011", price_excl_tax="10", **{field: value})
    assert refusal.value.field == field


def test_annex_is_a_or_b() -> None:
    with pytest.raises(DomainError) as refusal:
        add(annex="C", nomenclature="22084011", price_excl_tax="10")
    assert refusal.value.field == "annex"


# ---- codes and price, whatever the annex -------------------------------------------------------


@pytest.mark.parametrize("annex", ["A", "B"])
def test_line_naf_must_be_an_official_subclass(annex: str) -> None:
    with pytest.raises(DomainError) as refusal:
        add(annex=annex, nomenclature="22084011", price_excl_tax="10", naf="11.01A")
    assert refusal.value.field == "naf"


def test_line_nomenclature_must_be_nc8_or_taric10() -> None:
    with pytest.raises(DomainError) as refusal:
        add(nomenclature="2208", price_excl_tax="10")
    assert refusal.value.field == "nomenclature"


@pytest.mark.parametrize("price", ["0", "0.00", "-5", "10.001", "dix euros", 12.5, True, None, "NaN"])
def test_price_is_positive_with_at_most_two_decimals(price: object) -> None:
    with pytest.raises(DomainError) as refusal:
        add(nomenclature="22084011", price_excl_tax=price)
    assert refusal.value.field == "price_excl_tax"


@pytest.mark.parametrize(("price", "kept"), [("10", "10.00"), ("0.01", "0.01"), (Decimal("99.9"), "99.90")])
def test_price_is_kept_to_the_cent(price: object, kept: str) -> None:
    assert add(nomenclature="22084011", price_excl_tax=price).price_excl_tax == Decimal(kept)


@for_all(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2))
def test_any_amount_to_the_cent_is_kept_unchanged(amount: Decimal) -> None:
    assert parse_amount(str(amount), field="f", label="Le montant") == amount


@pytest.mark.parametrize("price", [7, "1e3", "1_000.00", "+5.00", " 12.00 ", "12,00", "１２.００", "١٢", "Infinity"])
def test_an_amount_is_written_in_the_documented_decimal_format(price: object) -> None:
    # Money on the wire is a string of ASCII digits with a point (`AMOUNT_PATTERN`): what is signed is what was typed.
    with pytest.raises(DomainError) as refusal:
        add(nomenclature="22084011", price_excl_tax=price)
    assert refusal.value.field == "price_excl_tax" and "par exemple 1250.00" in refusal.value.detail


# ---- removal -----------------------------------------------------------------------------------


def test_removing_a_line_emits_line_removed() -> None:
    declaration = given(drafted(), line_a(line_id="l-1"))
    assert declaration.remove_line("l-1") == [LineRemoved(line_id="l-1")]


def test_removing_an_unknown_line_is_not_found() -> None:
    with pytest.raises(NotFound) as refusal:
        given(drafted(), line_a(line_id="l-1")).remove_line("l-2")
    assert refusal.value.status == 404
    assert refusal.value.field == "line_id"


def test_removing_a_line_already_removed_is_not_found() -> None:
    with pytest.raises(NotFound):
        given(drafted(), line_a(line_id="l-1"), LineRemoved(line_id="l-1")).remove_line("l-1")


def test_an_import_adds_every_line_or_none_and_says_every_wrong_row() -> None:
    from declarations.domain.lines import LinesRefused, RowRefusal, new_lines

    quarter = (date(2026, 1, 1), date(2026, 3, 31))
    good = LineEntry(annex="A", nomenclature="22084011", price_excl_tax="10.00")
    events = new_lines([(2, "L1", good), (3, "L2", LineEntry(annex="B", nomenclature="22084011", price_excl_tax="5"))],
                       quarter=quarter)  # fmt: skip
    assert [e.line_id for e in events] == ["L1", "L2"]
    with pytest.raises(LinesRefused) as refused:
        new_lines(
            [
                (2, "L1", good),
                (3, "L2", good),
                (5, "L3", LineEntry(annex="A", nomenclature="2208", price_excl_tax="1")),
            ],
            quarter=quarter,
            refused=[RowRefusal(4, "price_excl_tax", "Prix : ambigu")],
        )
    # Row 3 repeats row 2's product at the same date: a duplicate, as if row 2 were already declared.
    assert [(r.row, r.field) for r in refused.value.refusals] == [
        (3, "rates_date"),
        (4, "price_excl_tax"),
        (5, "nomenclature"),
    ]
    assert refused.value.detail == "3 lignes sur 4 sont refusées ; aucune ligne n'a été ajoutée."
    assert refused.value.extra["errors"][1]["column"] == "Prix hors TVA et hors accises"
