"""« Mes demandes d'assistance » and a ticket's page: its messages and files, the person's reply and « Clore la
demande »; an agent reads it from the queue and answers it on the same page."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.ogde.downloads import stream
from portal.session import Session

STATUS_LABELS = {
    "en-attente": ("En attente de réponse", "new"),
    "repondue": ("Répondue", "success"),
    "close": ("Close", "info"),
}


async def my_tickets(request: Request) -> Response:
    """The person's own tickets, the last sent first, each with its status."""
    session = person(request)
    found = await backends_of(request).essoc.get("/api/v1/assistance", session.token)
    context = {"title": "Mes demandes d'assistance", "found": found, "statuses": STATUS_LABELS}
    return render(request, "assistance/list.html", context)


async def read_ticket(request: Request, session: Session, number: str) -> dict[str, Any]:
    """The ticket as its filer or an agent reads it; anyone else's, or none, is a page not found."""
    try:
        ticket: dict[str, Any] = await backends_of(request).essoc.get(
            f"/api/v1/assistance/{seg(number)}", session.token
        )
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    return ticket


async def ticket_page(request: Request, number: str, form: Form | None = None, status: int = 200) -> Response:
    session = person(request)
    ticket = await read_ticket(request, session, number)
    as_agent = session.has("agent") and ticket["requester"]["id"] != session.sub
    context = {
        "title": f"Demande d'assistance {ticket['number']}",
        "ticket": ticket,
        "form": form or Form(),
        "as_agent": as_agent,
        "statuses": STATUS_LABELS,
    }
    return render(request, "assistance/ticket.html", context, status=status)


async def _send(request: Request, number: str, path: str, done: str, with_text: bool = True) -> Response:
    session = person(request)
    form, _ = await submitted(request)
    body: dict[str, Any] = {"json": {"text": form.value("text")}} if with_text else {}
    try:
        await backends_of(request).essoc.command(
            "POST", f"/api/v1/assistance/{seg(number)}/{path}", session.token or "", key=form.key, **body
        )
    except Refused as refused:
        form.refuse(refused, {"text": "text", "number": "text"})
        return await ticket_page(request, number, form, status=422)
    session.say(done)
    return see_other(f"/assistance/{number}")


async def message(request: Request, number: str) -> Response:
    """The person writes again on their ticket."""
    return await _send(request, number, "messages", "Votre message est envoyé à l'assistance.")


async def answer(request: Request, number: str) -> Response:
    """An agent's answer (the person is mailed it)."""
    person(request, "agent")
    return await _send(
        request, number, "answers", "Votre réponse est envoyée ; le demandeur en est informé par courriel."
    )


async def close(request: Request, number: str) -> Response:
    return await _send(request, number, "closure", "La demande d'assistance est close.", with_text=False)


async def download(request: Request, number: str, attachment_id: str) -> Response:
    session = person(request)
    await read_ticket(request, session, number)
    return await stream(request, session, f"/api/v1/assistance/{seg(number)}/files/{seg(attachment_id)}")
