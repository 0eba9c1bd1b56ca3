"""A request's page for the DPO: what the person asked, the deadline, and for a rectification the answer (granted
or refused, with the reason the person reads and is mailed) or an extension of one or two months with its reason."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.dpo.opening import signed_in
from portal.session import Session


async def _read(request: Request, session: Session, number: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = await backends_of(request).essoc.get(
            f"/api/v1/rights-requests/{seg(number)}", session.token
        )
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    return found


async def request_page(
    request: Request, number: str, decision: Form | None = None, extension: Form | None = None, status: int = 200
) -> Response:
    session = signed_in(request)
    found = await _read(request, session, number)
    context = {
        "title": f"Demande {found['number']}",
        "r": found,
        "decision": decision or Form(),
        "extension": extension or Form(),
    }
    return render(request, "dpo/request.html", context, status=status)


async def decide(request: Request, number: str) -> Response:
    session = signed_in(request)
    typed, _ = await submitted(request)
    body = {"outcome": typed.value("outcome"), "reason": typed.value("reason")}
    try:
        await backends_of(request).essoc.command(
            "POST", f"/api/v1/rights-requests/{seg(number)}/decision", session.token or "", key=typed.key, json=body
        )
    except Refused as refused:
        typed.refuse(refused, {"outcome": "outcome", "reason": "reason"})
        return await request_page(request, number, decision=typed, status=422)
    session.say("La réponse est enregistrée ; la personne la reçoit par courriel.")
    return see_other(f"/dpo/demandes/{number}")


async def extend(request: Request, number: str) -> Response:
    session = signed_in(request)
    typed, _ = await submitted(request)
    months = typed.value("months")
    body = {"months": int(months) if months in ("1", "2") else 0, "reason": typed.value("extension_reason")}
    try:
        await backends_of(request).essoc.command(
            "POST", f"/api/v1/rights-requests/{seg(number)}/extension", session.token or "", key=typed.key, json=body
        )
    except Refused as refused:
        typed.refuse(refused, {"months": "months", "reason": "extension_reason"})
        return await request_page(request, number, extension=typed, status=422)
    session.say("Le délai est prolongé ; la personne en est informée par courriel.")
    return see_other(f"/dpo/demandes/{number}")
