"""What every DOMINO-NG screen opens with: the person declaring, the relation they declare for, the declaration
(its relation becoming the chosen one), a filed declaration opening read-only, and the screen drawn with the
declaration's steps; and what every form that changes the declaration carries: the version it was shown from,
sent as `If-Match`, so that a form older than the declaration (another tab, another person) is refused, not
applied."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import Form
from portal.rendering import declaration_name, render, see_other
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


STALE_FORM = (
    "La déclaration a été modifiée depuis que vous avez ouvert cette page (par vous dans un autre onglet, ou par "
    "une autre personne). Vérifiez ce qui est affiché, puis enregistrez de nouveau."
)
VERSION_CONFLICT = "conflit-de-version"
"""The problem type of a command decided on another version of the declaration than its current one."""


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
    # A quarter read back with a déclaration rectificative was filed (one opens only on a filed declaration):
    # whichever of the quarter's declarations the service names, it is not late.
    home["late_quarters"] = [q for q in home["late_quarters"] if not (q.get("declaration") or {}).get("corrective")]
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


def shown_version(form: Form) -> dict[str, str] | None:
    """The `If-Match` of a command sent from a form: the declaration's version the form was shown from (its hidden
    `version`, which `screen` gives every form of a declaration's screen)."""
    version = form.value("version")
    return {"If-Match": f'"{version}"'} if version.isascii() and version.isdigit() and len(version) <= 9 else None


def stale(refused: Refused, form: Form, declaration: Declaration) -> bool:
    """Whether the service refused the form for being older than the declaration (`declaration` as it was read
    again). If so the form, what was typed kept, now carries the declaration's current version and says at its
    top what happened: sent again, it is applied to what the page now shows."""
    if refused.code != VERSION_CONFLICT:
        return False
    form.values["version"] = str(declaration["version"])
    form.tell(STALE_FORM)
    return True


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
    """A screen of the declaration: its title the step's (or the one given) and the period (a rectificative's number
    before it), the steps shown; its form carrying the version of the declaration it is shown from (or the one it
    was first shown from, when shown again to be corrected)."""
    titles = dict(STEPS)
    form = form or Form()
    form.values.setdefault("version", str(declaration["version"]))
    if "annex" in extra:
        extra["slug"] = str(extra["annex"]).lower()  # the annex in the pages' addresses: annexe-a, annexe-b
    named = declaration_name(declaration) if declaration.get("corrective") else declaration["period"]
    context = {
        "title": f"{titles.get(step or '', extra.pop('title', 'Déclaration'))} — {named}",
        "declaration": declaration,
        "steps": STEPS,
        "step": step,
        "form": form,
        **extra,
    }
    return render(request, template, context, status=status, block=block)
