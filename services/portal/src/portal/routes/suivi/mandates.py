"""« Mandats de télépaiement »: the mandates producers of the agent's territories registered, waiting for the
office's check of the signed mandate; each validated (it then debits) or refused with the reason told."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.suivi.opening import signed_in
from portal.session import Session


async def _page(request: Request, session: Session, form: Form | None = None, status: int = 200) -> Response:
    waiting = await backends_of(request).declarations.get("/api/v1/mandates", session.token)
    context = {"title": "Mandats de télépaiement", "waiting": waiting["items"], "form": form or Form()}
    return render(request, "suivi/mandates.html", context, status=status)


async def mandates_page(request: Request) -> Response:
    session = signed_in(request)
    return await _page(request, session)


async def decide(request: Request, relation_id: str) -> Response:
    """« Valider » or « Refuser » (with the reason, which the producer reads)."""
    session = signed_in(request)
    form, _ = await submitted(request)
    decision = form.value("decision")
    rum = form.value("rum")
    reason_field = f"motif-{relation_id}"
    if decision not in ("valider", "refuser"):
        form.tell("Choisissez de valider ou de refuser le mandat.")
    elif decision == "refuser":
        form.required(reason_field, "Dites au déclarant pourquoi le mandat est refusé.")
    if form.ok:
        try:
            await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/relations/{seg(relation_id)}/mandates/decision",
                session.token or "",
                key=form.key,
                json={"rum": rum, "decision": decision, "reason": form.value(reason_field)},
            )
        except Refused as refused:
            form.refuse(refused, {"reason": reason_field})
        else:
            said = "validé : il servira aux prochains prélèvements" if decision == "valider" else "refusé"
            session.say(f"Le mandat {rum} est {said}.")
            return see_other("/suivi/mandats")
    return await _page(request, session, form, status=422)
