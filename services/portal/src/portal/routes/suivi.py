"""DOMINO-NG for the customs agents of the offices: the declarations of their territories by quarter, in tabs
(« Déposées », « Non déposées », « En retard », « Toutes »), one declaration read-only, and the list as CSV.

The declarations service decides everything shown: which relations the agent follows, which quarter opens by
default, what is late, what is due and paid. Nothing here computes a rule; a wrong year or office comes back
from the service and is shown next to its field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts import french
from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import Form
from portal.rendering import render
from portal.session import Session
from portal.spreadsheet import amount_cell, csv_response, moment_cell

router = APIRouter(prefix="/suivi")

PER_PAGE = 20
EXPORT_PAGE = 200
"""The service's largest page: the export reads every page of that size."""
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
COLUMNS = (
    "Relation",
    "Raison sociale",
    "Bureau",
    "État",
    "Déposée le",
    "Total dû (€)",
    "Paiement",
    "Reste à payer (€)",
)


def _me(request: Request) -> Session:
    return person(request, "agent", "admin")


def _digits(text: str, length: int) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == length else None


async def _chosen(request: Request, session: Session, annee: str, trimestre: str) -> tuple[int, int, dict[str, Any]]:
    """The quarter asked for, else the one the service follows by default; and the service's choices."""
    quarters: dict[str, Any] = await backends_of(request).declarations.get("/api/v1/quarters", session.token)
    year, quarter = _digits(annee, 4), _digits(trimestre, 1)
    followed = quarters["followed"]
    return year or followed["year"], quarter or followed["quarter"], quarters


def state_of(row: dict[str, Any]) -> str:
    """The words of the « État » column, from what the service said of the row."""
    declaration = row.get("declaration") or {}
    if row["filed"]:
        return "Déposée hors délai" if row["filed_late"] else "Déposée"
    drafting = " (en cours de saisie)" if declaration.get("status") == "draft" else ""
    return ("Non déposée, en retard" if row["not_filed_past_due"] else "Non déposée") + drafting


def _cells(row: dict[str, Any]) -> list[str]:
    """A row as the CSV shows it, in the table's order and French formats."""
    declaration = row.get("declaration") or {}
    payment = declaration.get("payment") or {}
    return [
        row["relation_number"],
        row["name"],
        row.get("office_name") or row["office"],
        state_of(row),
        moment_cell(declaration.get("filed_at"), row["territory"]),
        amount_cell(declaration.get("total_due")) if row["filed"] else "",
        payment.get("status_label") or "",
        amount_cell(payment.get("balance")) if payment else "",
    ]


async def _all_rows(
    request: Request, session: Session, year: int, quarter: int, *, office: str | None, status: str | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of the tab, page after page, and the territories of the relations the agent follows."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        found = await backends_of(request).declarations.get(
            f"/api/v1/quarters/{year}/{quarter}/declarations",
            session.token,
            office=office,
            status=status,
            page=page,
            per_page=EXPORT_PAGE,
        )
        rows += found["items"]
        if page * EXPORT_PAGE >= found["total"] or not found["items"]:
            return rows, found["territories"]
        page += 1


def _query(values: dict[str, object]) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@router.get("")
async def quarter_page(
    request: Request, annee: str = "", trimestre: str = "", bureau: str = "", onglet: str = "", page: int = 1
) -> Response:
    """« Déclarations d'octroi de mer »: a quarter's relations in tabs, 20 a page, the office filter."""
    session = _me(request)
    year, quarter, quarters = await _chosen(request, session, annee, trimestre)
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
            "filters": _query(filters),
            "export": _query({**filters, "onglet": tab}),
            "state_of": state_of,
        },
        status=http_status,
    )


@router.get("/export.csv")
async def export(
    request: Request, annee: str = "", trimestre: str = "", bureau: str = "", onglet: str = ""
) -> Response:
    """The tab's rows, every page, as a spreadsheet: `declarations-971-2026-T3.csv`."""
    session = _me(request)
    year, quarter, _ = await _chosen(request, session, annee, trimestre)
    status = STATUS_OF_TAB.get(onglet, "filed")
    office = bureau.strip() or None
    try:
        rows, territories = await _all_rows(
            request, session, year, quarter, office=office, status=None if status == "all" else status
        )
    except Refused as refused:
        raise _not_shown(refused) from None
    where = "-".join([*territories, *([office] if office else [])]) or "aucun-territoire"
    return csv_response(f"declarations-{where}-{year}-T{quarter}.csv", COLUMNS, (_cells(row) for row in rows))


def _not_shown(refused: Refused) -> Exception:
    """A refusal of the service as the portal's French page: another territory's declaration is a page not found,
    as an unknown one (the page tells nothing of what it holds); anything else as it came."""
    if refused.status in (403, 404, 422):
        return HTTPException(404)
    return refused


async def _declaration(request: Request, session: Session, declaration_id: str) -> dict[str, Any]:
    """The declaration, if the agent's territories hold it."""
    try:
        detail: dict[str, Any] = await backends_of(request).declarations.get(
            f"/api/v1/declarations/{seg(declaration_id)}", session.token
        )
    except Refused as refused:
        raise _not_shown(refused) from None
    return detail


@router.get("/declarations/{declaration_id}")
async def declaration_page(request: Request, declaration_id: str) -> Response:
    """A declaration read-only: its relation, period, state, boxes 1–27, annexes, payment and history."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    history = await backends_of(request).declarations.get(
        f"/api/v1/declarations/{seg(declaration_id)}/history", session.token
    )
    office = None
    if declaration.get("office"):
        try:
            office = await backends_of(request).declarations.get(
                f"/api/v1/offices/{seg(declaration['office'])}", session.token
            )
        except Refused:
            office = None
    back = _query({"annee": declaration["year"], "trimestre": declaration["quarter"]})
    return render(
        request,
        "suivi/declaration.html",
        {
            "title": f"Déclaration du {declaration['period']} — relation n° {declaration['relation_number']}",
            "declaration": declaration,
            "history": history,
            "office": office,
            "back": back,
        },
    )


@router.get("/declarations/{declaration_id}/declaration.pdf")
async def declaration_pdf(request: Request, declaration_id: str) -> Response:
    """The declaration's PDF from the service (the filing receipt once filed, a draft marked as such)."""
    session = _me(request)
    backend = backends_of(request).declarations
    try:
        async with backend.download(
            f"/api/v1/declarations/{seg(declaration_id)}/receipt.pdf", session.token or ""
        ) as got:
            content = await got.aread()
    except Refused as refused:
        raise _not_shown(refused) from None
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="declaration-{declaration_id}.pdf"'},
    )
