"""« Demande d'assistance »: subject, category, gravité, description, the incident reference (prefilled from an error
page's `?reference=`), files. Sent, the person gets its number; refused, the form comes back with what was typed and
the message next to its field (files must be chosen again: a browser never keeps them)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import Refused, backends_of
from portal.forms import MAX_FIELDS, Form, submitted
from portal.rendering import render, see_other
from portal.session import Session

MAX_FILES_READ = 20
FIELDS = ("subject", "category", "gravity", "description", "incident_reference")


async def assistance_referentials(request: Request, session: Session) -> dict[str, Any]:
    """The categories, gravities and limits of the files, from essoc (read once and kept)."""
    cached: dict[str, Any] | None = getattr(request.app.state, "assistance_referentials", None)
    if cached is None:
        cached = await backends_of(request).essoc.get("/api/v1/assistance/referentials", session.token)
        request.app.state.assistance_referentials = cached
    return cached


async def form_page(request: Request, session: Session, form: Form, status: int = 200) -> Response:
    refs = await assistance_referentials(request, session)
    context = {"title": "Demande d'assistance", "form": form, "refs": refs}
    return render(request, "assistance/new.html", context, status=status)


async def new_ticket(request: Request, reference: str = "") -> Response:
    """The empty form; the incident reference an error page gave, prefilled."""
    session = person(request)
    form = Form(values={"incident_reference": reference[:64]} if reference else {})
    return await form_page(request, session, form)


async def new_ticket_sent(request: Request) -> Response:
    session = person(request)
    # Read with room for more files than accepted (`submitted` then reuses this reading): six files chosen are
    # refused next to the field, with what was typed kept, instead of the form being unreadable.
    await request.form(max_files=MAX_FILES_READ, max_fields=MAX_FIELDS)
    form, data = await submitted(request)
    files = [f for f in data.getlist("file") if not isinstance(f, str) and f.filename]
    most = (await assistance_referentials(request, session))["max_files"]
    if len(files) > most:
        form.error("file", f"Joignez {most} fichiers au plus ; choisissez à nouveau vos fichiers.")
    if form.errors:
        return await form_page(request, session, form, status=422)
    parts: list[tuple[str, Any]] = [(name, (None, form.value(name))) for name in FIELDS]
    for f in files:
        parts.append(("file", (f.filename, await f.read(), f.content_type or "application/octet-stream")))
    try:
        ticket = await backends_of(request).essoc.command(
            "POST", "/api/v1/assistance", session.token or "", key=form.key, files=parts
        )
    except Refused as refused:
        form.refuse(refused, {name: name for name in (*FIELDS, "file")})
        if files and "file" not in form.errors:
            form.error(
                "file", "Choisissez à nouveau vos fichiers : ils ne sont pas gardés quand la demande est refusée."
            )
        return await form_page(request, session, form, status=422)
    session.say(
        f"Votre demande d'assistance est envoyée sous le numéro {ticket['number']}. Un accusé de réception vous est "
        "envoyé par courriel."
    )
    return see_other(f"/assistance/{ticket['number']}")
