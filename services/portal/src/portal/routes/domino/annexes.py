"""« Annexe A — Ventes internes » and « Annexe B — Exportations »: an annex's lines, their amounts as taxcalc
assesses them; and what the product and sale screens of an annex share."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from portal.routes.domino.opening import Declaration, draft, screen, signed_in

router = APIRouter()

ANNEXES = {"a": "A", "b": "B"}


def annex_letter(annex: str) -> str:
    """The annex of the address (annexe-a, annexe-b) as the service names it; any other is a page not found."""
    if annex not in ANNEXES:
        raise HTTPException(404)
    return ANNEXES[annex]


def quarter_start(declaration: Declaration) -> str:
    """The rates of a line typed without a date are those of the quarter's first day (the service says which)."""
    first: str = declaration["first_day"]
    return first


@router.get("/declarations/{declaration_id}/annexe-{annex}")
async def annex_page(request: Request, declaration_id: str, annex: str) -> Response:
    """The lines of an annex; their amounts appear as taxcalc assesses them (the table polls while pending)."""
    session = signed_in(request)
    letter = annex_letter(annex)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    return screen(
        request,
        "domino/annex.html",
        declaration,
        f"annexe-{annex}",
        annex=letter,
        lines=declaration["lines"][letter],
        block="lines",
    )
