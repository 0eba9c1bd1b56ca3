"""« Déclarer »: the quarter's declaration opened (or the one already open); a filed declaration consulted,
read-only, with its PDF and history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.domino.opening import Declaration, declaration_of, relation_home, screen, signed_in
from portal.session import Session

router = APIRouter()


@router.post("/declarations")
async def start(request: Request) -> Response:
    """« Déclarer »: opens the quarter's declaration (or the one already open) at its first screen."""
    session = signed_in(request)
    form, _ = await submitted(request)
    body = {
        "relation_id": session.relation_id,
        "year": _int(form.value("year")),
        "quarter": _int(form.value("quarter")),
    }
    try:
        created = await backends_of(request).declarations.command(
            "POST", "/api/v1/declarations", session.token or "", key=form.key, json=body
        )
    except Refused as refused:
        if refused.code == "declaration-existante" and refused.extra.get("existing_id"):
            return see_other(f"/domino/declarations/{refused.extra['existing_id']}")
        data = await relation_home(request, session)
        form.refuse(refused)
        return render(
            request,
            "domino/home.html",
            {"title": "Que souhaitez-vous faire ?", "home": data, "form": form},
            status=refused.status,
        )
    return see_other(f"/domino/declarations/{created['id']}/donnees")


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


@router.get("/declarations/{declaration_id}")
async def declaration_page(request: Request, declaration_id: str) -> Response:
    """A draft opens at its first screen; a filed declaration read-only, with its PDF and history."""
    session = signed_in(request)
    declaration = await declaration_of(request, session, declaration_id)
    if declaration["status"] == "draft":
        return see_other(f"/domino/declarations/{declaration_id}/donnees")
    return await consulted(request, session, declaration)


async def consulted(
    request: Request, session: Session, declaration: Declaration, *, form: Form | None = None, status: int = 200
) -> Response:
    """The filed declaration's page: its payment, « Rectifier cette déclaration » while it is in force, its content
    and history; `form`, the rectification refused, its reason at the top of that block."""
    history = await backends_of(request).declarations.get(
        f"/api/v1/declarations/{seg(declaration['id'])}/history", session.token
    )
    # `screen` gives the page a form whose key the card payment's button carries (one operation per showing)
    return screen(
        request,
        "domino/consult.html",
        declaration,
        None,
        form=form,
        status=status,
        title="Déclaration déposée",
        history=history,
    )
