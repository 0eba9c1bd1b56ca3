"""A tab of the quarter, every page, as a spreadsheet: `declarations-971-2026-T3.csv`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of
from portal.routes.suivi.opening import chosen_quarter, not_shown, signed_in
from portal.routes.suivi.quarter import STATUS_OF_TAB, state_of
from portal.session import Session
from portal.spreadsheet import amount_cell, csv_response, moment_cell

EXPORT_PAGE = 200
"""The service's largest page: the export reads every page of that size."""
COLUMNS = (
    "Relation",
    "Raison sociale",
    "Bureau",
    "État",
    "Déposée le",
    "Total dû (€)",
    "Paiement",
    "Reste à payer (€)",
    "Rectificatives",
)


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
        _corrections(row),
    ]


def _corrections(row: dict[str, Any]) -> str:
    """The quarter's déclarations rectificatives: « n° 1 déposée ; n° 2 en cours de saisie »."""
    return " ; ".join(
        f"n° {c['corrective']} {'déposée' if c['status'] == 'filed' else 'en cours de saisie'}"
        for c in row.get("rectificatives") or []
    )


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


async def export(
    request: Request, annee: str = "", trimestre: str = "", bureau: str = "", onglet: str = ""
) -> Response:
    """The tab's rows, every page, as a spreadsheet: `declarations-971-2026-T3.csv`."""
    session = signed_in(request)
    year, quarter, _ = await chosen_quarter(request, session, annee, trimestre)
    status = STATUS_OF_TAB.get(onglet, "filed")
    office = bureau.strip() or None
    try:
        rows, territories = await _all_rows(
            request, session, year, quarter, office=office, status=None if status == "all" else status
        )
    except Refused as refused:
        raise not_shown(refused) from None
    where = "-".join([*territories, *([office] if office else [])]) or "aucun-territoire"
    return csv_response(f"declarations-{where}-{year}-T{quarter}.csv", COLUMNS, (_cells(row) for row in rows))
