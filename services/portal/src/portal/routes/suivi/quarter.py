"""« Déclarations d'octroi de mer »: a quarter's relations in tabs (« Déposées », « Non déposées », « En retard »,
« Toutes »), 20 a page, the office filter; a wrong year or office comes back from the service next to its field."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from contracts import french
from portal.backends import Refused, backends_of
from portal.forms import Form
from portal.rendering import render
from portal.routes.suivi.opening import chosen_quarter, query, signed_in

PER_PAGE = 20
TABS = (
    ("deposees", "filed", "Déposées"),
    ("non-deposees", "not_filed", "Non déposées"),
    ("en-retard", "late", "En retard"),
    ("toutes", "all", "Toutes"),
)
STATUS_OF_TAB = {slug: status for slug, status, _ in TABS}
QUARTERS = [("1", "1er trimestre"), ("2", "2e trimestre"), ("3", "3e trimestre"), ("4", "4e trimestre")]
FIELDS = {"year": "annee", "quarter": "trimestre", "office": "bureau"}
"""The service's fields, as this page names its inputs."""


def state_of(row: dict[str, Any]) -> str:
    """The words of the « État » column, from what the service said of the row."""
    declaration = row.get("declaration") or {}
    if row["filed"]:
        return "Déposée hors délai" if row["filed_late"] else "Déposée"
    drafting = " (en cours de saisie)" if declaration.get("status") == "draft" else ""
    return ("Non déposée, en retard" if row["not_filed_past_due"] else "Non déposée") + drafting


async def quarter_page(
    request: Request, annee: str = "", trimestre: str = "", bureau: str = "", onglet: str = "", page: int = 1
) -> Response:
    """« Déclarations d'octroi de mer »: a quarter's relations in tabs, 20 a page, the office filter."""
    session = signed_in(request)
    year, quarter, quarters = await chosen_quarter(request, session, annee, trimestre)
    tab = onglet if onglet in STATUS_OF_TAB else "deposees"
    status = STATUS_OF_TAB[tab]
    office = bureau.strip()
    form = Form(values={"annee": str(year), "trimestre": str(quarter), "bureau": office})
    found: dict[str, Any] | None = None
    http_status = 200
    try:
        found = await backends_of(request).declarations.get(
            f"/api/v1/quarters/{year}/{quarter}/declarations",
            session.token,
            office=office or None,
            status=None if status == "all" else status,
            page=max(1, min(page, 10_000)),
            per_page=PER_PAGE,
        )
    except Refused as refused:
        if refused.status != 422:
            raise
        form.error(FIELDS.get(refused.field or "", "annee"), refused.detail)
        http_status = 422
    filters = {"annee": year, "trimestre": quarter, "bureau": office}
    years = [(str(y), str(y)) for y in quarters["years"]]
    if str(year) not in dict(years):
        years.insert(0, (str(year), str(year)))
    return render(
        request,
        "suivi/list.html",
        {
            "title": "Déclarations d'octroi de mer",
            "form": form,
            "found": found,
            "tab": tab,
            "tabs": TABS,
            "years": years,
            "quarters": QUARTERS,
            "offices": [
                (o["code"], f"{o['name'] or o['code']} ({o['code']})") for o in (found or {}).get("offices", [])
            ],
            "period": french.quarter(year, quarter),
            "filters": query(filters),
            "export": query({**filters, "onglet": tab}),
            "state_of": state_of,
        },
        status=http_status,
    )
