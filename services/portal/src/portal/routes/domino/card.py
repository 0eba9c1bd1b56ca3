"""« Payer par carte bancaire »: a filed declaration paid through the public-sector payment service (PayFiP). The
declarations service opens the operation and says where the payer pays; PayFiP sends the payer back to the
declaration's page, whose payment state the service records from PayFiP's own answer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted
from portal.rendering import see_other
from portal.routes.domino.opening import declaration_of, signed_in

router = APIRouter()


@router.post("/declarations/{declaration_id}/carte")
async def pay_by_card(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    await declaration_of(request, session, declaration_id)
    try:
        opened = await backends_of(request).declarations.command(
            "POST", f"/api/v1/declarations/{seg(declaration_id)}/card-payments", session.token or "", key=form.key
        )
    except Refused as refused:
        session.say(refused.detail)
        return see_other(f"/domino/declarations/{declaration_id}#paiement")
    # PayFiP's own page (its address is in the portal's form-action): the payer pays there, then comes back.
    return RedirectResponse(str(opened["redirect"]), status_code=303)
