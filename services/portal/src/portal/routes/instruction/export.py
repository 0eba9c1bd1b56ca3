"""The board's current tab, under its filters and sort, as a spreadsheet."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.rendering import day_in
from portal.routes.instruction.board import api_params, board_query
from portal.routes.instruction.opening import signed_in
from portal.spreadsheet import csv_response, moment_cell

EXPORT_PAGE = 200
EXPORT_MOST = 10_000


async def export(request: Request) -> Response:
    """The current tab, under its filters and sort, as a spreadsheet (every page, the board's columns)."""
    session = signed_in(request)
    chosen = board_query(dict(request.query_params))
    rows: list[dict[str, Any]] = []
    page = 1
    while len(rows) < EXPORT_MOST:
        found = await backends_of(request).essoc.get(
            "/api/v1/instruction/requests", session.token, **api_params(chosen, page, EXPORT_PAGE)
        )
        rows.extend(found["items"])
        if page * EXPORT_PAGE >= found["total"]:
            break
        page += 1
    header = (
        "N°",
        "Dépôt",
        "Demandeur",
        "Entreprise",
        "SIRET",
        "Nature",
        "Catégorie",
        "Objet",
        "MAJ",
        "Échéance",
        "Jours restants",
        "État",
        "Recevabilité",
        "Suivie par",
        "Pôle",
        "Motif du refus",
        "Clôturée le",
    )
    return csv_response(
        f"demandes-essoc-{chosen['onglet']}.csv",
        header,
        ([*_cells(row)] for row in rows),
    )


def _cells(row: dict[str, Any]) -> tuple[object, ...]:
    territory = row["territory"]
    clock = row.get("clock") or {}
    return (
        row["number"],
        moment_cell(row["filed_at"], territory),
        row["requester_name"],
        row.get("company_name") or "",
        row.get("siret") or "",
        row["nature_label"],
        row["category_label"],
        row["subject"],
        moment_cell(row["updated_at"], territory),
        _deadline(clock, territory),
        "" if clock.get("days_left") is None else clock["days_left"],
        row["state_label"],
        row["admissibility_label"],
        (row.get("followed_by") or {}).get("name", ""),
        row.get("unit") or "",
        row.get("refusal_grounds") or "",
        moment_cell(row.get("closed_at"), territory),
    )


def _deadline(clock: dict[str, Any], territory: str) -> str:
    """The board's « Échéance »: the day, or before admissibility the period alone; blank without a clock."""
    if clock.get("deadline_at"):
        return day_in(clock["deadline_at"], territory)
    return f"{clock['period_months']} mois à compter de la recevabilité" if clock else ""
