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
from declarations.domain.amounts import parse_amount
from declarations.domain.lines import LineEntry

from declarations_given import drafted, given, line_a, line_b


def add(declaration_events: tuple[Any, ...] = (), **fields: Any) -> LineAdded:
    """When this line is added to a Q1 2024 draft holding `declaration_events`, the event decided."""
    declaration = given(drafted(), *declaration_events)
    events = declaration.add_line("l-new", LineEntry(**{"annex": "A", **fields}))
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
