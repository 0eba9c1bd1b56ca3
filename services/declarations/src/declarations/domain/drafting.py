"""Opening a quarter's declaration: the relation it is for, and the draft that starts its stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.errors import DomainError
from contracts.events.declarations import DeclarationDrafted
from contracts.types import Territory
from declarations.domain import calendar


@dataclass(frozen=True)
class Relation:
    """A user's right on one establishment, chosen before declaring (the manual, « Guide détaillé »)."""

    relation_id: str
    relation_number: str
    siret: str
    establishment: str
    office: str
    territory: Territory
    production_activity_id: str = ""
    trade_name: str = ""
    ape: str | None = None
    """The main activity (APE) of the establishment."""
    email: str | None = None
    """The relation's declarant, who gets the deadline reminders (from the referential)."""


def draft(
    declaration_id: str, relation: Relation, *, year: int, quarter: int, now: datetime
) -> list[DeclarationDrafted]:
    """Opens the declaration of a quarter that has started in the relation's territory."""
    calendar.check_period(year, quarter)
    calendar.check_octroi_de_mer_in_force(year, quarter)
    if (year, quarter) > calendar.current_quarter(now, relation.territory):
        first_day = calendar.quarter_first_day(year, quarter)
        raise DomainError(
            f"Le {calendar.quarter_name(year, quarter)} n'a pas encore commencé : sa déclaration ne peut "
            f"pas être ouverte avant le {first_day:%d/%m/%Y}.",
            field="quarter",
        )
    return [
        DeclarationDrafted(
            declaration_id=declaration_id,
            relation_id=relation.relation_id,
            relation_number=relation.relation_number,
            siret=relation.siret,
            establishment=relation.establishment,
            office=relation.office,
            year=year,
            quarter=quarter,
            due_date=calendar.due_date(year, quarter),
        )
    ]
