"""« Bienvenue dans l'application Domino »: the relation chosen, its home (« Que souhaitez-vous faire ? ») and
its customs office."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.domino.opening import relation_home, signed_in
from portal.session import Session

router = APIRouter()


async def _relations(request: Request, session: Session) -> list[dict[str, Any]]:
    relations: list[dict[str, Any]] = await backends_of(request).declarations.get("/api/v1/relations", session.token)
    return relations


# At the space's own address, /domino: registered by the package (an included router's path cannot be empty).
async def relation_choice(request: Request, changer: bool = False) -> Response:
    """« Bienvenue dans l'application Domino »: the relation table; with one relation, straight home."""
    session = signed_in(request)
    relations = await _relations(request, session)
    if len(relations) == 1 and not changer:
        session.relation_id = relations[0]["id"]
        return see_other("/domino/accueil")
    if session.relation_id and not changer and any(r["id"] == session.relation_id for r in relations):
        return see_other("/domino/accueil")
    return render(
        request, "domino/relations.html", {"title": "Bienvenue dans l'application Domino", "relations": relations}
    )


@router.post("/relation")
async def choose_relation(request: Request) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    relations = await _relations(request, session)
    chosen = form.value("relation_id")
    if not any(r["id"] == chosen for r in relations):
        form.error("relation_id", "Choisissez l'une de vos relations.")
        return render(
            request,
            "domino/relations.html",
            {"title": "Bienvenue dans l'application Domino", "relations": relations, "form": form},
            status=422,
        )
    session.relation_id = chosen
    return see_other("/domino/accueil")


@router.get("/accueil")
async def home(request: Request) -> Response:
    """« Que souhaitez-vous faire? »"""
    session = signed_in(request)
    data = await relation_home(request, session)
    return render(request, "domino/home.html", {"title": "Que souhaitez-vous faire ?", "home": data, "form": Form()})


@router.get("/bureau")
async def office(request: Request) -> Response:
    """« Voir les coordonnées de mon bureau de douane »."""
    session = signed_in(request)
    data = await relation_home(request, session)
    return render(request, "domino/office.html", {"title": "Mon bureau de douane", "home": data})
