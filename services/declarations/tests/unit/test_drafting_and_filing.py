"""Opening a quarter's declaration, filing it, and the finality of a filed declaration."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

import pytest

from contracts.errors import Conflict, DomainError
from contracts.events.declarations import DeclarationDrafted, DeclarationFiled
from declarations.domain.declaration import FILED_IS_FINAL, Declaration
from declarations.domain.drafting import draft
from declarations.domain.filing import Totals
from declarations.domain.lines import LineEntry

from declarations_given import (
    DURING_Q1_2024,
    MARTINIQUE,
    details_set,
    drafted,
    given,
    line_a,
    relation_in,
    totals_for,
    turnover,
    utc,
)

# ---- drafting ----------------------------------------------------------------------------------


def test_drafting_opens_the_quarter_with_its_due_date() -> None:
    events = draft("decl-1", MARTINIQUE, year=2024, quarter=1, now=utc(2024, 2, 10))
    assert events == [drafted(2024, 1, "decl-1")]
    assert isinstance(events[0], DeclarationDrafted) and events[0].due_date == date(2024, 4, 24)


@pytest.mark.parametrize(("year", "quarter"), [(2000, 1), (2004, 2)])
def test_octroi_de_mer_in_force_since_august_2004(year: int, quarter: int) -> None:
    # loi n° 2004-639, in force from 1 August 2004: Q3 2004 is the first quarter a declaration can be about.
    with pytest.raises(DomainError) as refused:
        draft("decl-1", MARTINIQUE, year=year, quarter=quarter, now=utc(2024, 2, 10))
    assert refused.value.field == "year" and "2004" in refused.value.detail
    assert draft("decl-1", MARTINIQUE, year=2004, quarter=3, now=utc(2024, 2, 10))


def test_drafting_a_past_quarter_is_allowed() -> None:
    assert draft("decl-1", MARTINIQUE, year=2022, quarter=4, now=utc(2024, 2, 10))


def test_a_quarter_that_has_not_started_cannot_be_drafted() -> None:
    with pytest.raises(DomainError) as refusal:
        draft("decl-1", MARTINIQUE, year=2024, quarter=2, now=utc(2024, 3, 31))
    assert refusal.value.field == "quarter"
    assert refusal.value.detail.startswith("Le 2e trimestre 2024 n'a pas encore commencé")


def test_whether_a_quarter_has_started_is_read_in_the_territory_zone() -> None:
    # 1 April 2024, 02:00 UTC: 31 March in Guadeloupe, already 1 April in La Réunion.
    instant = utc(2024, 4, 1, hour=2)
    with pytest.raises(DomainError):
        draft("decl-1", relation_in("971"), year=2024, quarter=2, now=instant)
    assert draft("decl-1", relation_in("974"), year=2024, quarter=2, now=instant)


@pytest.mark.parametrize(("year", "quarter", "field"), [(2024, 0, "quarter"), (2024, 5, "quarter"), (1999, 1, "year")])
def test_drafting_needs_a_valid_year_and_quarter(year: int, quarter: int, field: str) -> None:
    with pytest.raises(DomainError) as refusal:
        draft("decl-1", MARTINIQUE, year=year, quarter=quarter, now=utc(2024, 2, 10))
    assert refusal.value.field == field


# ---- filing ------------------------------------------------------------------------------------


def ready(*extra: Any, quarter: int = 1) -> Declaration:
    """A Q1 2024 (or Q4) draft in Martinique with details and one line."""
    return given(drafted(quarter=quarter), details_set(), line_a(rates_date=None), *extra)


def test_filing_on_time_records_the_totals_it_was_filed_with() -> None:
    declaration = ready()
    totals = totals_for(declaration)
    events = declaration.file(totals, now=utc(2024, 4, 20), declarant_email="mj@example.fr")
    assert events == [
        DeclarationFiled(
            filed_at=utc(2024, 4, 20),
            totals_version=3,
            boxes=dict(totals.boxes),
            total_due=Decimal("125.00"),
            late=False,
            days_late=0,
            declarant_email="mj@example.fr",
            warnings=list(totals.warnings),
        )
    ]


def test_filing_before_the_quarter_has_ended_is_refused() -> None:
    # décret 2015-1077 art. 7: the declaration of the quarter elapsed; it may be drafted from its first day
    declaration = ready()
    with pytest.raises(DomainError) as refusal:
        declaration.file(totals_for(declaration), now=utc(2024, 3, 31, hour=12), declarant_email=None)
    assert refusal.value.field == "quarter" and refusal.value.code == "trimestre-en-cours"
    assert refusal.value.detail == (
        "Le 1er trimestre 2024 n'est pas terminé : sa déclaration peut être préparée dès maintenant, "
        "mais ne pourra être déposée qu'à partir du 01/04/2024."
    )
    assert declaration.file(totals_for(declaration), now=utc(2024, 4, 1, hour=12), declarant_email=None)


def test_whether_a_quarter_has_ended_is_read_in_the_territory_zone() -> None:
    # 31 March 2024, 21:00 UTC: already 1 April in La Réunion (UTC+4), still 31 March in Martinique (UTC-4)
    instant = utc(2024, 3, 31, hour=21)
    reunion = given(drafted(), details_set(), line_a(), territory="974")
    assert reunion.file(totals_for(reunion), now=instant, declarant_email=None)
    martinique = ready()
    with pytest.raises(DomainError, match="n'est pas terminé"):
        martinique.file(totals_for(martinique), now=instant, declarant_email=None)


def test_filing_is_refused_while_declarant_details_are_missing() -> None:
    declaration = given(drafted(), line_a())
    with pytest.raises(DomainError) as refusal:
        declaration.file(totals_for(declaration), now=utc(2024, 4, 20), declarant_email=None)
    assert refusal.value.status == 422
    assert refusal.value.field == "declarant"


def test_q4_filing_is_refused_without_annual_turnover() -> None:
    declaration = ready(quarter=4)
    with pytest.raises(DomainError) as refusal:
        declaration.file(totals_for(declaration), now=utc(2025, 1, 10), declarant_email=None)
    assert refusal.value.field == "annual_turnover"


def test_q4_filing_is_accepted_with_annual_turnover() -> None:
    declaration = ready(turnover(), quarter=4)
    events = declaration.file(totals_for(declaration), now=utc(2025, 1, 10), declarant_email=None)
    assert isinstance(events[0], DeclarationFiled) and not events[0].late


def test_filing_is_refused_when_totals_are_for_another_version() -> None:
    declaration = ready()
    stale = Totals(declaration_version=2, boxes={}, total_due=Decimal(0))
    with pytest.raises(Conflict) as refusal:
        declaration.file(stale, now=utc(2024, 4, 20), declarant_email=None)
    assert refusal.value.status == 409
    assert refusal.value.detail == "Les totaux ne sont pas encore calculés pour la version 3 de la déclaration."


def test_filing_is_refused_when_totals_carry_errors() -> None:
    declaration = ready()
    errors = ("Les remboursements demandés (13 + 13bis) dépassent le crédit de taxe (12)",)
    with pytest.raises(DomainError) as refusal:
        declaration.file(totals_for(declaration, errors=errors), now=utc(2024, 4, 20), declarant_email=None)
    assert refusal.value.status == 422
    assert "dépassent le crédit de taxe (12)." in refusal.value.detail
    assert refusal.value.extra["errors"] == list(errors)


def test_filing_is_refused_while_a_line_has_no_rate() -> None:
    declaration = ready()
    with pytest.raises(DomainError) as refusal:
        declaration.file(totals_for(declaration, complete=False), now=utc(2024, 4, 20), declarant_email=None)
    assert refusal.value.field == "totals"


def test_late_filing_is_accepted_with_the_days_late() -> None:
    declaration = ready()
    events = declaration.file(totals_for(declaration), now=utc(2024, 5, 3), declarant_email=None)
    assert isinstance(events[0], DeclarationFiled)
    assert (events[0].late, events[0].days_late) == (True, 9)


def test_days_late_are_counted_in_the_territory_zone() -> None:
    # 25 April 2024, 02:00 UTC: still 24 April (the due date) in Martinique, 25 April in La Réunion.
    instant = utc(2024, 4, 25, hour=2)
    martinique = ready()
    reunion = given(drafted(), details_set(), line_a(), territory="974")
    on_time = martinique.file(totals_for(martinique), now=instant, declarant_email=None)[0]
    late = reunion.file(totals_for(reunion), now=instant, declarant_email=None)[0]
    assert isinstance(on_time, DeclarationFiled) and isinstance(late, DeclarationFiled)
    assert (on_time.late, on_time.days_late) == (False, 0)
    assert (late.late, late.days_late) == (True, 1)


def test_filed_at_is_kept_in_utc() -> None:
    declaration = ready()
    event = declaration.file(totals_for(declaration), now=utc(2024, 4, 20), declarant_email=None)[0]
    assert isinstance(event, DeclarationFiled) and event.filed_at.tzinfo == UTC


# ---- a filed declaration is final --------------------------------------------------------------


COMMANDS: dict[str, Any] = {
    "set_declarant_details": lambda d: d.set_declarant_details(
        name="X", quality="mandataire", place="Y", payment_method="cheque"
    ),
    "add_line": lambda d: d.add_line("l-9", LineEntry(annex="B", nomenclature="22084011", price_excl_tax="1")),
    "remove_line": lambda d: d.remove_line("l-1"),
    "declare_annual_turnover": lambda d: d.declare_annual_turnover("1"),
    "enter_deductions": lambda d: d.enter_deductions({}, {}, now=DURING_Q1_2024),
    "file": lambda d: d.file(totals_for(d), now=utc(2025, 2, 1), declarant_email=None),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_any_command_on_a_filed_declaration_is_a_conflict(command: str) -> None:
    declaration = ready(turnover(), quarter=4)
    declaration.apply_all(declaration.file(totals_for(declaration), now=utc(2025, 1, 10), declarant_email=None))
    assert declaration.is_filed
    with pytest.raises(Conflict) as refusal:
        COMMANDS[command](declaration)
    assert refusal.value.status == 409
    assert refusal.value.detail == FILED_IS_FINAL == "La déclaration est déposée : elle ne peut plus être modifiée."


def test_export_refund_claimed_after_the_month_following_the_quarter_warns() -> None:
    # DOMAIN §1 (art. 25, décret art. 11): a separate export refund is claimed within the month after the quarter
    declaration = ready()  # Q1 2024: the month after is April
    totals = totals_for(declaration)
    claimed = Totals(
        declaration_version=totals.declaration_version,
        boxes={**totals.boxes, "13bis": Decimal("200.00")},
        total_due=totals.total_due,
    )
    [in_time] = declaration.file(claimed, now=utc(2024, 4, 30), declarant_email=None)
    assert isinstance(in_time, DeclarationFiled) and in_time.warnings == []
    [late] = declaration.file(claimed, now=utc(2024, 5, 2), declarant_email=None)
    assert isinstance(late, DeclarationFiled)
    assert late.warnings == [
        "Le remboursement au titre des exportations (case 13 bis) est demandé après le 30/04/2024, fin du mois "
        "suivant le trimestre : la demande pourrait être rejetée."
    ]
