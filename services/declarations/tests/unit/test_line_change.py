"""« Modifier » a line of annexe A or B before filing: given past events, when a line's price, CANA, NAF or
flags change, then a LineChanged event holding every changeable field, nothing when nothing changes, or a
refusal naming its field, by the same rules as a line added."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.declarations import LineChanged, LineRemoved
from contracts.events.taxcalc import TariffLine
from declarations.domain.canas import CanaMeasures
from declarations.domain.declaration import FILED_IS_FINAL, Declaration
from declarations.domain.lines import Line, LineChange

from declarations_given import details_set, drafted, given, line_a, line_b, totals_for, utc


def change(declaration: Declaration, line_id: str = "l-1", ape: str | None = None, **fields: Any) -> list[Any]:
    """When the line `line_id` of `declaration` is changed to these values, the events decided."""
    return declaration.change_line(line_id, LineChange(**fields), ape=ape)


def changed(line_id: str = "l-1", price: str = "1000.00", **fields: Any) -> LineChanged:
    values: dict[str, Any] = {"cana": None, "naf": None, "avitaillement": False, "rfs": False, **fields}
    return LineChanged(line_id=line_id, price_excl_tax=Decimal(price), **values)


# ---- what the event says ------------------------------------------------------------------------


def test_a_changed_price_gives_every_changeable_field_as_it_now_is() -> None:
    declaration = given(drafted(), line_a("l-1", cana="Z001", naf="11.01Z", price="1000.00"))
    assert change(declaration, price_excl_tax="1250", cana="Z001", naf="1101Z") == [
        changed(price="1250.00", cana="Z001", naf="11.01Z")
    ]


def test_a_field_left_out_is_emptied_and_a_naf_left_out_is_the_apes() -> None:
    # The manual (Annexe A): « Code NAF : à renseigner uniquement si l'activité de production est différente de
    # l'activité principale (APE) », as when the line was added.
    declaration = given(drafted(), line_a("l-1", cana="Z001", naf="11.01Z", avitaillement=True))
    assert change(declaration, price_excl_tax="1000.00", ape="10.32Z") == [changed(naf="10.32Z")]


def test_nothing_changed_decides_nothing() -> None:
    declaration = given(drafted(), line_a("l-1", cana="Z001", naf="11.01Z"))
    assert change(declaration, price_excl_tax="1000", cana="z001", naf="11.01Z") == []


def test_an_annex_b_line_changes_its_price_naf_and_rfs() -> None:
    declaration = given(drafted(), line_b("l-b", price="500.00"))
    assert change(declaration, "l-b", price_excl_tax="600", naf="11.01Z", rfs=True) == [
        changed("l-b", price="600.00", naf="11.01Z", rfs=True)
    ]


# ---- the rules of a line added, applied to the line as it would become --------------------------


@pytest.mark.parametrize("price", ["0", "-5", "10.001", "dix euros", None])
def test_the_price_is_checked_as_when_adding(price: object) -> None:
    with pytest.raises(DomainError) as refusal:
        change(given(drafted(), line_a("l-1")), price_excl_tax=price)
    assert refusal.value.field == "price_excl_tax"


def test_rfs_stays_annex_b_and_cana_and_avitaillement_annex_a() -> None:
    with pytest.raises(DomainError) as refusal:
        change(given(drafted(), line_a("l-1")), price_excl_tax="10", rfs=True)
    assert refusal.value.field == "rfs"
    for field, value in (("cana", "Z001"), ("avitaillement", True)):
        with pytest.raises(DomainError) as refusal:
            change(given(drafted(), line_b("l-b")), "l-b", price_excl_tax="10", **{field: value})
        assert refusal.value.field == field


def test_a_cana_the_tariff_lacks_is_refused_with_its_field() -> None:
    # The manual (Annexe A): the CANA is chosen from the list the tariff offers for the product and date.
    canas = CanaMeasures.of(
        [TariffLine(code="2208", cana="Z901", kind="OMI", om_rate=Decimal("5"), omr_rate=Decimal("1"),
                    valid_from=date(2015, 1, 1), deliberation="D")]
    )  # fmt: skip
    declaration = given(drafted(), line_a("l-1", nomenclature="22084011"))
    with pytest.raises(DomainError) as refusal:
        declaration.change_line("l-1", LineChange(price_excl_tax="10", cana="Z999"), canas=canas)
    assert refusal.value.field == "cana" and refusal.value.code == "cana-inconnu"
    assert refusal.value.extra["canas"] == ["Z901"]
    [event] = declaration.change_line("l-1", LineChange(price_excl_tax="10", cana="Z901"), canas=canas)
    assert isinstance(event, LineChanged) and event.cana == "Z901"


def test_the_uniqueness_of_an_annex_a_line_considers_the_other_lines() -> None:
    # The manual (Annexe A): a product is on two lines only when something says what each line is (its date of
    # application, its avitaillement, its NAF): a change may not make it the twin of another line.
    normal, supplies = line_a("l-1"), line_a("l-2", avitaillement=True, price="300.00")
    declaration = given(drafted(), normal, supplies)
    with pytest.raises(Conflict) as refusal:
        change(declaration, "l-2", price_excl_tax="300.00", avitaillement=False)
    assert refusal.value.field == "rates_date" and "22084011" in refusal.value.detail
    # the line itself is no duplicate of what it was
    assert change(declaration, "l-2", price_excl_tax="350.00", avitaillement=True) == [
        changed("l-2", price="350.00", avitaillement=True)
    ]


# ---- which line, which declaration --------------------------------------------------------------


def test_a_line_that_does_not_exist_is_not_found() -> None:
    for history in ((drafted(), line_a("l-1")), (drafted(), line_a("l-2"), LineRemoved(line_id="l-2"))):
        with pytest.raises(NotFound) as refusal:
            change(given(*history), "l-2", price_excl_tax="10")
        assert refusal.value.status == 404 and refusal.value.field == "line_id"
        assert refusal.value.detail == "La ligne l-2 n'existe pas dans cette déclaration."


def test_a_filed_declaration_refuses_a_change() -> None:
    declaration = given(drafted(), details_set(), line_a("l-1"))
    declaration.apply_all(declaration.file(totals_for(declaration), now=utc(2024, 4, 2), declarant_email=None))
    with pytest.raises(Conflict) as refusal:
        change(declaration, price_excl_tax="2000.00")
    assert refusal.value.status == 409 and refusal.value.detail == FILED_IS_FINAL


# ---- the fold ----------------------------------------------------------------------------------


def test_the_fold_applies_the_change_keeping_the_lines_annex_nomenclature_date_and_place() -> None:
    history = (drafted(), line_a("l-1", rates_date=date(2024, 2, 1)), line_b("l-b"))
    event = changed(price="42.00", cana="Z001", naf="11.01Z", avitaillement=True)
    declaration = given(*history, event)
    assert declaration.version == 4 and list(declaration.lines) == ["l-1", "l-b"]
    assert declaration.lines["l-1"] == Line(
        line_id="l-1",
        annex="A",
        nomenclature="22084011",
        price_excl_tax=Decimal("42.00"),
        cana="Z001",
        naf="11.01Z",
        rates_date=date(2024, 2, 1),
        avitaillement=True,
    )
    replayed = LineChanged.model_validate_json(event.model_dump_json())
    assert given(*history, replayed) == declaration
    assert change(declaration, price_excl_tax="42", cana="Z001", naf="11.01Z", avitaillement=True) == []
