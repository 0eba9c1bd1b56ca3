"""HTTP API of the offices' follow-up (« suivi »): a quarter's declarations relation by relation, filed or not,
late or not, with what each filed declaration is due and how far it is paid."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import IDENTIFIER_PATTERN
from contracts.errors import DomainError
from contracts.types import territory_code
from declarations.application import access
from declarations.domain.calendar import (
    FIRST_DECLARED_QUARTER,
    check_octroi_de_mer_in_force,
    current_quarter,
    due_date,
    filing_opens_on,
    latest_ended_quarter,
    local_date,
    quarter_name,
)
from declarations.domain.drafting import Relation
from declarations.domain.follow_up import FilingStanding, FollowUpTab, filing_standing, tab_counts
from declarations.entrypoints import views
from declarations.entrypoints.http.services import DeclarationsServices, Services

router = APIRouter()

Doc = dict[str, Any]


def _period(year: int, quarter: int) -> dict[str, Any]:
    return {
        "year": year,
        "quarter": quarter,
        "period": quarter_name(year, quarter),
        "due_date": due_date(year, quarter).isoformat(),
        "filing_opens_on": filing_opens_on(year, quarter).isoformat(),
    }


def _territories(who: Principal, services: DeclarationsServices) -> list[str]:
    """The served territories the caller follows (every one for an admin)."""
    served = list(services.reference.territories)
    mine = served if who.has("admin") else [t for t in served if t in who.territories]
    return mine or served


@router.get("/quarters", tags=["suivi"])
async def quarters(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The quarter the follow-up opens on, the latest one ended in every territory of the caller (the quarter due
    until the 24th of the month after it, then the latest past its due date), and the years one may choose."""
    access.require_follow_up(who)
    now = services.clock()
    days = [local_date(now, territory_code(t)) for t in _territories(who, services)]
    followed = min(latest_ended_quarter(day) for day in days)
    running = min(current_quarter(now, territory_code(t)) for t in _territories(who, services))
    return {
        "followed": _period(*followed),
        "current": _period(*running),
        "years": list(range(running[0], FIRST_DECLARED_QUARTER[0] - 1, -1)),
    }


def _shown(doc: Doc, now: datetime) -> dict[str, Any]:
    filing = doc.get("filing") or {}
    return {
        **views.summary(doc, now=now),
        "filed_at": filing.get("filed_at"),
        "days_late": filing.get("days_late"),
        "total_due": filing.get("total_due", (doc.get("totals") or {}).get("total_due")),
        "difference": (filing.get("correction") or {}).get("difference"),
        "payment": views.payment_of(doc),
    }


def _row(
    relation: Relation, office_name: str | None, docs: list[Doc], standing: FilingStanding, now: datetime
) -> dict[str, Any]:
    """A relation's row: its quarter's declaration (the original, whose filing says whether the quarter was filed on
    time) and its déclarations rectificatives, oldest first."""
    original = _original(docs)
    corrections = sorted((d for d in docs if d.get("corrective")), key=lambda d: int(d["corrective"]))
    return {
        "relation_id": relation.relation_id,
        "relation_number": relation.relation_number,
        "name": relation.establishment,
        "trade_name": relation.trade_name,
        "siret": relation.siret or None,
        "territory": relation.territory,
        "office": relation.office,
        "office_name": office_name,
        "declaration": _shown(original, now) if original is not None else None,
        "rectificatives": [_shown(d, now) for d in corrections],
        "filed": standing.filed,
        "filed_late": standing.filed_late,
        "not_filed_past_due": standing.not_filed_past_due,
        "late": standing.late,
    }


@router.get("/quarters/{year}/{quarter}/declarations", tags=["suivi"])
async def quarter_declarations(
    year: Annotated[int, Path(ge=2004, le=2100)],
    quarter: Annotated[int, Path(ge=1, le=4)],
    services: Services,
    who: CurrentPrincipal,
    office: Annotated[str | None, Query(max_length=40, pattern=IDENTIFIER_PATTERN)] = None,
    status: Annotated[FollowUpTab | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Every relation the caller sees for the quarter, one row each whether or not it opened a declaration: the
    declaration's summary (filed when, total due, payment), `filed_late`, `not_filed_past_due`; the counts of each
    tab (`filed`, `not_filed`: nothing filed, a draft included, `late`: filed after the due date or nothing filed
    once it passed, `all`) among the office chosen; the territories and offices of the relations, for the filter."""
    access.require_follow_up(who)
    check_octroi_de_mer_in_force(year, quarter)
    if office is not None and office not in services.reference.offices:
        raise DomainError(f"Aucun bureau de douane n'a le code {office}.", field="office")
    relations = sorted(access.visible_relations(who, services.reference), key=lambda r: (r.office, r.relation_number))
    offices = {r.office: services.reference.offices.get(r.office, {}).get("name") for r in relations}
    chosen = [r for r in relations if office is None or r.office == office]
    docs: dict[str, list[Doc]] = {r.relation_id: [] for r in chosen}
    for doc in await services.read_model.of_period(year, quarter, list(docs)):
        docs[doc["relation_id"]].append(doc)
    due = due_date(year, quarter)
    now = services.clock()
    standings = [_standing(docs[r.relation_id], due, local_date(now, r.territory)) for r in chosen]
    listed = [
        (relation, standing)
        for relation, standing in zip(chosen, standings, strict=True)
        if status is None or standing.in_tab(status)
    ]
    shown = listed[(page - 1) * per_page : page * per_page]
    return {
        **_period(year, quarter),
        "office": office,
        "status": status,
        "counts": tab_counts(standings),
        "territories": sorted({r.territory for r in relations}),
        "offices": [{"code": code, "name": name} for code, name in sorted(offices.items())],
        "total": len(listed),
        "page": page,
        "per_page": per_page,
        "items": [_row(r, offices.get(r.office), docs[r.relation_id], s, now) for r, s in shown],
    }


def _standing(docs: list[Doc], due: date, today: date) -> FilingStanding:
    """The quarter's standing by its original declaration (a rectificative corrects a quarter already filed)."""
    filing = (_original(docs) or {}).get("filing")
    return filing_standing(filed_late=bool(filing["late"]) if filing else None, due=due, today=today)


def _original(docs: list[Doc]) -> Doc | None:
    """The quarter's original declaration among a relation's documents for it (the others are rectificatives)."""
    return next((d for d in docs if not d.get("corrective")), None)
