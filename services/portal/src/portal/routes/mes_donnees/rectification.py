"""« Demander une rectification »: which data, what is wrong, the right value; sent to the DPO, who answers within
one month. A refusal is shown next to its field, what was typed kept."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.mes_donnees.opening import signed_in

FIELDS = ("data_concerned", "what_is_wrong", "right_value")


async def form(request: Request, typed: Form | None = None, status: int = 200) -> Response:
    signed_in(request)
    context = {"title": "Demander une rectification", "form": typed or Form()}
    return render(request, "mes_donnees/rectification.html", context, status=status)


async def sent(request: Request) -> Response:
    session = signed_in(request)
    typed, _ = await submitted(request)
    if not typed.ok:
        return await form(request, typed, status=422)
    body = {name: typed.value(name) for name in FIELDS}
    try:
        answer = await backends_of(request).essoc.command(
            "POST", "/api/v1/rights-requests/rectification", session.token or "", key=typed.key, json=body
        )
    except Refused as refused:
        typed.refuse(refused, {name: name for name in FIELDS})
        return await form(request, typed, status=422)
    session.say(
        f"Votre demande de rectification {answer['number']} est envoyée au délégué à la protection des données ; "
        "un courriel vous le confirme."
    )
    return see_other("/mes-donnees#demandes")
