"""« Annuler » a draft: a page asks for confirmation (it works without JavaScript), then the draft is deleted with
its files (`DELETE /api/v1/drafts/{id}`: DraftDiscarded, its stream closed)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.ogde.opening import read_draft, signed_in
from portal.routes.ogde.steps import SLUGS


async def confirm_discard(request: Request, draft_id: str, retour: str = "") -> Response:
    """« Abandonner cette demande ? », with what would be deleted, and the way back to the step left."""
    session = signed_in(request)
    draft = await read_draft(request, session, draft_id)
    if draft["state"] == "submitted":
        return see_other(f"/ogde/demandes/{draft['request_number']}")
    back = retour if retour in SLUGS else "recapitulatif"
    return render(
        request,
        "ogde/discard.html",
        {"title": "Abandonner la demande", "draft": draft, "form": Form(), "back": back},
    )


async def discard(request: Request, draft_id: str) -> Response:
    """« Oui, supprimer le brouillon »."""
    session = signed_in(request)
    form, _ = await submitted(request)
    await backends_of(request).essoc.command(
        "DELETE", f"/api/v1/drafts/{seg(draft_id)}", session.token or "", key=form.key
    )
    session.say("Votre brouillon est supprimé, avec ses pièces jointes.")
    return see_other("/ogde/demandes?onglet=brouillons")
