"""Given-side builders for the declaration's unit tests: past events, relations, instants, totals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel

from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    DeclarantDetailsSet,
    DeclarationDrafted,
    LineAdded,
)
from contracts.types import Territory
from declarations.domain.calendar import due_date
from declarations.domain.declaration import Declaration
from declarations.domain.drafting import Relation
from declarations.domain.filing import Totals

MARTINIQUE = Relation(
    relation_id="rel-972-1",
    relation_number="00042",
    siret="12345678900017",
    establishment="Distillerie du Lamentin",
    office="Fort de France port bureau",
    territory="972",
)


def relation_in(territory: Territory) -> Relation:
    return Relation(
        relation_id=f"rel-{territory}",
        relation_number="00001",
        siret="12345678900017",
        establishment="Établissement de test",
        office="Bureau de test",
        territory=territory,
    )


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


DURING_Q1_2024 = utc(2024, 2, 10)
"""An instant during the Q1 2024 declarations the tests draft."""


def drafted(year: int = 2024, quarter: int = 1, declaration_id: str = "decl-1") -> DeclarationDrafted:
    return DeclarationDrafted(
        declaration_id=declaration_id,
        relation_id=MARTINIQUE.relation_id,
        relation_number=MARTINIQUE.relation_number,
        siret=MARTINIQUE.siret,
        establishment=MARTINIQUE.establishment,
        office=MARTINIQUE.office,
        year=year,
        quarter=quarter,
        due_date=due_date(year, quarter),
    )


def details_set() -> DeclarantDetailsSet:
    return DeclarantDetailsSet(
        name="Marie-Josée Lordinot", quality="representant", place="Le Lamentin", payment_method="virement"
    )


def line_a(
    line_id: str = "l-1",
    nomenclature: str = "22084011",
    price: str = "1000.00",
    cana: str | None = None,
    rates_date: date | None = date(2024, 1, 1),
    naf: str | None = None,
    avitaillement: bool = False,
) -> LineAdded:
    return LineAdded(
        line_id=line_id,
        annex="A",
        nomenclature=nomenclature,
        price_excl_tax=Decimal(price),
        cana=cana,
        rates_date=rates_date,
        naf=naf,
        avitaillement=avitaillement,
    )


def line_b(line_id: str = "l-b", nomenclature: str = "22084011", price: str = "500.00") -> LineAdded:
    return LineAdded(line_id=line_id, annex="B", nomenclature=nomenclature, price_excl_tax=Decimal(price))


def turnover(amount: str = "850000.00") -> AnnualTurnoverDeclared:
    return AnnualTurnoverDeclared(amount=Decimal(amount))


def given(*events: BaseModel, territory: Territory = "972") -> Declaration:
    """The declaration these past events describe (a draft of Q1 2024 in Martinique by default)."""
    history: Iterable[BaseModel] = events or (drafted(),)
    return Declaration.fold(history, territory=territory)


def totals_for(declaration: Declaration, *, errors: tuple[str, ...] = (), complete: bool = True) -> Totals:
    """Totals as taxcalc would project them for the declaration's current version."""
    return Totals(
        declaration_version=declaration.version,
        boxes={"1": Decimal("1000.00"), "4": Decimal("100.00"), "15": Decimal("100.00")},
        total_due=Decimal("125.00"),
        errors=errors,
        warnings=("Aucune vente à l'exportation ce trimestre.",),
        complete=complete,
    )
