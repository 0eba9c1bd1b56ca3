"""The instruction's actions on a request: how each is sent, and those of one typed value or none —
« Prendre en charge », « Poser une question », « Réassigner », a private note. Every refusal of the service comes
back next to its field, what was typed kept; no rule is decided here."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.instruction.opening import not_yours, signed_in
from portal.routes.instruction.request_page import page
from portal.session import Session

CONFIRM = "confirmation"


async def act(
    request: Request,
    session: Session,
    number: str,
    form: Form,
    *,
    path: str,
    done: str,
    anchor: str,
    fields: dict[str, str],
    json: Any = None,
    files: Any = None,
) -> Response:
    """Sends one command of the instruction; back to the page with the message, or the refusal next to its
    field (what was typed kept)."""
    if form.ok:
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(number)}/{path}",
                session.token or "",
                key=form.key,
                json=json,
                files=files,
            )
        except Refused as refused:
            if refused.status in (403, 404) and refused.field in (None, "id"):
                raise not_yours(number) from None
            form.refuse(refused, fields)
        else:
            session.say(done)
            return see_other(f"/instruction/demandes/{number}#{anchor}")
    return await page(request, session, number, form, status=422, anchor=anchor)


def confirmed(form: Form, message: str) -> None:
    """An irreversible step is confirmed in the form itself (no JavaScript, the files chosen kept)."""
    if not form.checked(CONFIRM):
        form.error(CONFIRM, message)


async def take_charge(request: Request, number: str) -> Response:
    """« Prendre en charge »: the request leaves « À traiter » for the agent's « Suivies par moi »."""
    session = signed_in(request)
    form, _ = await submitted(request)
    return await act(
        request,
        session,
        number,
        form,
        path="take-charge",
        done=f"Vous avez pris en charge la demande n° {number} : elle figure dans « Suivies par moi ».",
        anchor="instruction",
        fields={},
    )


async def ask(request: Request, number: str) -> Response:
    """« Poser une question » to the requester, who is told by mail (the answer does not move the deadline)."""
    return await _text_command(
        request,
        number,
        name="question",
        missing="Saisissez la question à poser au demandeur.",
        path="questions",
        done="Votre question est envoyée au demandeur.",
        anchor="etape-question",
    )


async def reassign(request: Request, number: str) -> Response:
    """« Réassigner » to another agent of the directorate."""
    return await _text_command(
        request,
        number,
        name="agent_id",
        missing="Choisissez l'agent à qui confier la demande.",
        path="assignment",
        done="La demande est confiée à l'agent choisi : elle figure dans ses demandes suivies.",
        anchor="reassigner",
        key="agent_id",
    )


async def note(request: Request, number: str) -> Response:
    """A private note (agents only)."""
    return await _text_command(
        request,
        number,
        name="note",
        missing="Saisissez le texte de la note.",
        path="notes",
        done="Votre note privée est ajoutée.",
        anchor="notes",
    )


async def _text_command(
    request: Request, number: str, *, name: str, missing: str, path: str, done: str, anchor: str, key: str = "text"
) -> Response:
    """A command of one typed value (a question, a note, the agent chosen): required here, decided there."""
    session = signed_in(request)
    form, _ = await submitted(request)
    typed = form.required(name, missing)
    return await act(
        request,
        session,
        number,
        form,
        path=path,
        done=done,
        anchor=anchor,
        fields={key: name},
        json={key: form.value(name).strip()} if typed else None,
    )
