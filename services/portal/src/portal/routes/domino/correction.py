"""« Rectifier cette déclaration » (droit à l'erreur): a filed declaration in force opens a déclaration rectificative,
a copy of it to correct on the usual screens, then file. The service decides whether it may (filed, in force, within
the recovery period, at the version the page showed); a refusal is shown on the filed declaration's page, in its
words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted
from portal.rendering import see_other
from portal.routes.domino.declaration import consulted
from portal.routes.domino.opening import VERSION_CONFLICT, declaration_of, shown_version, signed_in

router = APIRouter()

CHANGED_MEANWHILE = (
    "La déclaration a changé depuis que vous avez ouvert cette page (par vous dans un autre onglet, ou par une autre "
    "personne). Vérifiez ce qui est affiché, puis rectifiez de nouveau si besoin."
)


@router.post("/declarations/{declaration_id}/rectificative")
async def open_correction(request: Request, declaration_id: str) -> Response:
    """Opens the rectificative at the version the page showed (If-Match), then its first screen; one already open is
    resumed."""
    session = signed_in(request)
    form, _ = await submitted(request)
    try:
        opened = await backends_of(request).declarations.command(
            "POST",
            f"/api/v1/declarations/{seg(declaration_id)}/corrections",
            session.token or "",
            key=form.key,
            headers=shown_version(form),
        )
    except Refused as refused:
        open_one = refused.extra.get("correction_id")
        if refused.code == "rectificative-en-cours" and isinstance(open_one, str):
            session.say("Une déclaration rectificative de cette déclaration était déjà en cours : la voici.")
            return see_other(f"/domino/declarations/{seg(open_one)}/donnees")
        declaration = await declaration_of(request, session, declaration_id)
        if declaration["status"] == "draft":  # never filed: nothing to rectify, its own screens correct it
            session.say(refused.detail)
            return see_other(f"/domino/declarations/{seg(declaration_id)}/donnees")
        form.values["version"] = str(declaration["version"])  # the page as it now is: sent again, it applies
        form.tell(CHANGED_MEANWHILE if refused.code == VERSION_CONFLICT else refused.detail)
        return await consulted(request, session, declaration, form=form, status=refused.status)
    return see_other(f"/domino/declarations/{seg(opened['id'])}/donnees")
