"""The requester's exchanges with the service, on the detail of their request: « Répondre » to a question,
« Ajouter un complément »."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import seg
from portal.forms import submitted
from portal.routes.ogde.opening import send, shown_again, signed_in


async def answer(request: Request, number: str, question_id: str) -> Response:
    """« Répondre » to a question of the service."""
    session = signed_in(request)
    form, _ = await submitted(request)
    name = f"answer-{question_id}"
    if not form.required(name, "Saisissez votre réponse."):
        return await shown_again(request, session, number, form, "echanges")
    return await send(
        request,
        session,
        number,
        form,
        path=f"questions/{seg(question_id)}/answer",
        field=name,
        done="Votre réponse est envoyée au service.",
        anchor="echanges",
        json={"text": form.value(name).strip()},
    )


async def complement(request: Request, number: str) -> Response:
    """« Ajouter un complément »."""
    session = signed_in(request)
    form, _ = await submitted(request)
    if not form.required("complement", "Saisissez le complément à ajouter."):
        return await shown_again(request, session, number, form, "echanges")
    return await send(
        request,
        session,
        number,
        form,
        path="complements",
        field="complement",
        done="Votre complément est ajouté à la demande.",
        anchor="echanges",
        json={"text": form.value("complement").strip()},
    )
