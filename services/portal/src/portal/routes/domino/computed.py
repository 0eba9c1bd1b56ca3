"""« Champs calculés »: boxes 1 and 2 as the annexes add up, and box 3 (annual turnover) on a Q4 declaration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import amount_input, see_other
from portal.routes.domino.opening import declaration_of, draft, read_only, screen, shown_version, signed_in, stale

router = APIRouter()


@router.get("/declarations/{declaration_id}/champs-calcules")
async def computed_page(request: Request, declaration_id: str) -> Response:
    """« Champs calculés »: boxes 1 and 2, and box 3 (annual turnover) on a Q4 declaration."""
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    form = Form(values={"amount": amount_input(declaration.get("annual_turnover"))})
    return screen(request, "domino/computed.html", declaration, "champs-calcules", form=form, block="totals")


@router.post("/declarations/{declaration_id}/champs-calcules")
async def computed_save(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    declaration = await declaration_of(request, session, declaration_id)
    status = 422
    if form.value("amount").strip():  # box 3: typed where the form offers it (the service says when it applies)
        amount = form.amount("amount")
        if form.ok:
            try:
                await backends_of(request).declarations.command(
                    "PUT",
                    f"/api/v1/declarations/{seg(declaration_id)}/annual-turnover",
                    session.token or "",
                    key=form.key,
                    json={"amount": amount},
                    headers=shown_version(form),
                )
            except Refused as refused:
                declaration = await declaration_of(request, session, declaration_id)
                if not stale(refused, form, declaration):
                    form.refuse(refused, {"amount": "amount"})
                elif (filed := read_only(declaration)) is not None:
                    return filed
                status = refused.status
        if not form.ok:
            return screen(request, "domino/computed.html", declaration, "champs-calcules", form=form, status=status)
    return see_other(f"/domino/declarations/{declaration_id}/octroi-de-mer")
