"""What every screen of the requester's space opens with: the signed-in requester, the referentials, and their
request or draft (another's, or none, is a page not found); then the request's detail, the page a command posted
from it returns to, or shows again with the service's refusal next to its field."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import Form
from portal.rendering import render, see_other
from portal.session import Session


def signed_in(request: Request) -> Session:
    """The signed-in person, a requester."""
    return person(request, "requester")


async def referentials(request: Request) -> dict[str, Any]:
    """essoc's referentials (the lists, what each nature asks, the attachments accepted), read once and kept."""
    cached: dict[str, Any] | None = getattr(request.app.state, "ogde_referentials", None)
    if cached is None:
        cached = await backends_of(request).essoc.get("/api/v1/referentials", None)
        request.app.state.ogde_referentials = cached
    return cached


async def read_request(request: Request, session: Session, number: str) -> dict[str, Any]:
    """The request n° `number` as its requester reads it; one they cannot read is a page not found."""
    try:
        detail: dict[str, Any] = await backends_of(request).essoc.get(f"/api/v1/requests/{seg(number)}", session.token)
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    return detail


async def read_draft(request: Request, session: Session, draft_id: str) -> dict[str, Any]:
    """The person's draft of « Nouvelle demande »; another's, or none, is a page not found. One deleted (abandoned,
    or left 90 days untouched) says so (410, the service's words)."""
    try:
        draft: dict[str, Any] = await backends_of(request).essoc.get(f"/api/v1/drafts/{seg(draft_id)}", session.token)
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    return draft


def detail_page(
    request: Request, detail: dict[str, Any], form: Form | None = None, status: int = 200, anchor: str | None = None
) -> Response:
    return render(
        request,
        "ogde/detail.html",
        {
            "title": f"Détail de la demande n° {detail['number']}",
            "detail": detail,
            "form": form or Form(),
            "anchor": anchor,
            "open": detail["tab"] in ("deposees", "prises-en-charge"),
        },
        status=status,
    )


async def shown_again(request: Request, session: Session, number: str, form: Form, anchor: str) -> Response:
    """The detail again (422) at `anchor`, what was typed kept and each error next to its field."""
    return detail_page(request, await read_request(request, session, number), form, status=422, anchor=anchor)


async def send(
    request: Request,
    session: Session,
    number: str,
    form: Form,
    *,
    path: str,
    field: str,
    done: str,
    anchor: str,
    **body: Any,
) -> Response:
    """One command of the requester on their request (`/api/v1/requests/{number}/{path}`, with its `json` or
    its `files`): back to the detail at `anchor` with `done` said, or the detail again with the service's refusal
    next to `field`."""
    try:
        await backends_of(request).essoc.command(
            "POST", f"/api/v1/requests/{seg(number)}/{path}", session.token or "", key=form.key, **body
        )
    except Refused as refused:
        form.error(field, refused.detail)
        return await shown_again(request, session, number, form, anchor)
    session.say(done)
    return see_other(f"/ogde/demandes/{number}#{anchor}")
