"""What every DOMINO-NG screen opens with: the person declaring, the relation they declare for, the declaration
(its relation becoming the chosen one), a filed declaration opening read-only, and the screen drawn with the
declaration's steps."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import Form
from portal.rendering import render, see_other
from portal.session import Session

Declaration = dict[str, Any]
"""A declaration as the declarations service reads it back."""

STEPS = (
    ("donnees", "Données de la déclaration"),
    ("annexe-a", "Annexe A — Ventes internes"),
    ("annexe-b", "Annexe B — Exportations"),
    ("champs-calcules", "Champs calculés"),
    ("octroi-de-mer", "Octroi de mer"),
    ("octroi-de-mer-regional", "Octroi de mer régional"),
    ("recapitulatif", "Récapitulatif"),
)


class ChooseRelation(Exception):
    """A page of a relation, and no relation chosen yet: the choice first (the app redirects to /domino)."""


def signed_in(request: Request) -> Session:
    """The signed-in person, a declarant (or an administrator)."""
    return person(request, "declarant", "admin")


async def relation_home(request: Request, session: Session) -> dict[str, Any]:
    """The chosen relation's home (relation, office, quarter due, late quarters)."""
    if not session.relation_id:
        raise ChooseRelation()
    try:
        home: dict[str, Any] = await backends_of(request).declarations.get(
            f"/api/v1/relations/{seg(session.relation_id)}/home", session.token
        )
    except Refused:
        session.relation_id = None
        raise ChooseRelation() from None
    return home


async def declaration_of(request: Request, session: Session, declaration_id: str) -> Declaration:
    """The declaration, its relation becoming the chosen one; someone else's is as one that does not exist."""
    try:
        detail: Declaration = await backends_of(request).declarations.get(
            f"/api/v1/declarations/{seg(declaration_id)}", session.token
        )
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    if session.relation_id != detail["relation_id"]:
        session.relation_id = detail["relation_id"]
    return detail


def read_only(declaration: Declaration) -> Response | None:
    """A filed declaration opens read-only: where its screens send instead."""
    if declaration["status"] != "draft":
        return see_other(f"/domino/declarations/{declaration['id']}")
    return None


async def draft(request: Request, session: Session, declaration_id: str) -> tuple[Declaration, Response | None]:
    """A draft's screen opens on the declaration; a filed one answers with its read-only page instead."""
    declaration = await declaration_of(request, session, declaration_id)
    return declaration, read_only(declaration)


def screen(
    request: Request,
    template: str,
    declaration: Declaration,
    step: str | None,
    *,
    form: Form | None = None,
    status: int = 200,
    block: str | None = None,
    **extra: Any,
) -> Response:
    """A screen of the declaration: its title the step's (or the one given) and the period, the steps shown."""
    titles = dict(STEPS)
    if "annex" in extra:
        extra["slug"] = str(extra["annex"]).lower()  # the annex in the pages' addresses: annexe-a, annexe-b
    context = {
        "title": f"{titles.get(step or '', extra.pop('title', 'Déclaration'))} — {declaration['period']}",
        "declaration": declaration,
        "steps": STEPS,
        "step": step,
        "form": form or Form(),
        **extra,
    }
    return render(request, template, context, status=status, block=block)
