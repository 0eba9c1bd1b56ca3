"""The caller's relations, and a relation's home page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN
from declarations.adapters.read_models import ORIGINAL
from declarations.application import access
from declarations.domain.calendar import (
    current_quarter,
    due_date,
    filing_opens_on,
    late_quarters,
    local_date,
    quarter_due,
    quarter_name,
)
from declarations.entrypoints import views
from declarations.entrypoints.http.services import Services

router = APIRouter()


@router.get("/relations", tags=["relations"])
async def relations(services: Services, who: CurrentPrincipal) -> list[dict[str, Any]]:
    """The caller's relations (one account may hold several: choose one first), with their office's name."""
    return [
        {**views.relation(r), "office_name": services.reference.offices.get(r.office, {}).get("name")}
        for r in access.visible_relations(who, services.reference)
    ]


@router.get("/relations/{relation_id}/home", tags=["relations"])
async def home(
    relation_id: Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)],
    services: Services,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """The manual's home page in one call: the relation, its office, the current quarter's declaration."""
    relation = access.relation_for(who, relation_id, services.reference, acting=False)
    now = services.clock()
    year, quarter = current_quarter(now, relation.territory)
    today = local_date(now, relation.territory)
    # the quarters' declarations (their originals: a rectificative is reached from the one it corrects)
    originals = {"relation_id": relation_id, "corrective": ORIGINAL}
    recent = {
        (d["year"], d["quarter"]): d for d in (await services.read_model.search(originals, page=1, per_page=12))[1]
    }
    filed = {period for period, d in recent.items() if d["status"] == "filed"}

    async def of(period: tuple[int, int]) -> dict[str, Any]:
        doc = recent.get(period) or await services.read_model.of_quarter(relation_id, *period)
        return {
            "year": period[0],
            "quarter": period[1],
            "period": quarter_name(*period),
            "due_date": due_date(*period).isoformat(),
            "filing_opens_on": filing_opens_on(*period).isoformat(),
            "filing_open": today >= filing_opens_on(*period),
            "declaration": views.summary(doc, now=services.clock()) if doc else None,
        }

    current = await services.read_model.of_quarter(relation_id, year, quarter)
    return {
        "relation": views.relation(relation),
        "office": services.reference.office(relation.office),
        "current_quarter": {"year": year, "quarter": quarter},
        "current_declaration": views.summary(current, now=services.clock()) if current else None,
        "quarter_due": await of(quarter_due(today)),
        "late_quarters": [await of(period) for period in late_quarters(today, filed)],
        "search": f"/api/v1/declarations?relation_id={relation_id}",
    }
