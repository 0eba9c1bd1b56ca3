"""A step of a draft of « Nouvelle demande »: shown with what the draft holds, saved to it by « Suivant » and by
« Retour » (going back loses nothing), each step checked by the service when it is saved, a refusal shown next
to its field with what was typed. « Pièces jointes » and « Récapitulatif » have their own modules."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted
from portal.rendering import see_other
from portal.routes.ogde import draft_files, recap
from portal.routes.ogde.new_request import check, company
from portal.routes.ogde.opening import read_draft, referentials, signed_in
from portal.routes.ogde.steps import (
    SLUGS,
    fields_chosen,
    form_of,
    neighbour,
    refuse,
    saved,
    step_url,
    with_the_rest,
    wizard,
)


async def draft_step(request: Request, draft_id: str, step: str) -> Response:
    """A step of the draft, as it was saved (« Reprendre » from « Brouillons », or « Modifier »)."""
    session = signed_in(request)
    if step not in SLUGS:
        raise HTTPException(404)
    draft = await read_draft(request, session, draft_id)
    if draft["state"] == "submitted":  # created since: the request it became
        return see_other(f"/ogde/demandes/{draft['request_number']}")
    refs = await referentials(request)
    if step == "recapitulatif":
        return recap.page(request, draft, refs)
    form, chosen = form_of(draft)
    return wizard(request, form, step, chosen, refs, draft=draft)


async def draft_step_post(request: Request, draft_id: str, step: str) -> Response:
    """A step posted: « Suivant » and « Retour » save it, « Choisir une entreprise » / « Valider » (first step)
    and « Actualiser les listes » (second) show it again; « Pièces jointes » and « Créer la demande » apart."""
    session = signed_in(request)
    if step not in SLUGS:
        raise HTTPException(404)
    if step == "pieces":
        return await draft_files.pieces_posted(request, session, draft_id)
    if step == "recapitulatif":
        return await recap.create(request, session, draft_id)
    form, data = await submitted(request)
    draft = await read_draft(request, session, draft_id)
    if draft["state"] == "submitted":
        return see_other(f"/ogde/demandes/{draft['request_number']}")
    refs = await referentials(request)
    chosen = fields_chosen(data.getlist("fields")) if step == "champs" else form_of(draft)[1]
    action = form.values.pop("action", "")
    form.values.pop("step", None)
    with_the_rest(form, draft, step)
    if step == "demandeur" and action in ("choisir-entreprise", "valider-entreprise"):
        return await company(request, session, form, refs, confirm=action == "valider-entreprise", draft=draft)
    if step == "caracteristiques" and action == "actualiser":  # the lists of another nature, without JavaScript
        return wizard(request, form, step, chosen, refs, draft=draft)
    if step == "demandeur":  # the draft's first step is saved whole: a person is an entreprise or a particulier
        check(form, step, chosen, refs)
    path, body = saved(step, form, chosen, refs)
    if not form.ok:
        return wizard(request, form, step, chosen, refs, draft=draft, status=422)
    try:
        draft = await backends_of(request).essoc.command(
            "PUT", f"/api/v1/drafts/{seg(draft_id)}/{path}", session.token or "", key=form.key, json=body
        )
    except Refused as refused:  # a form to correct (422), whatever the service said (a directorate not served: 403)
        refuse(form, refused, step)
        return wizard(request, form, step, chosen, refs, draft=draft, status=422)
    if action == "retour":
        return see_other(step_url(draft_id, neighbour(step, -1)))
    check(form, step, chosen, refs)
    if not form.ok:  # kept as typed, and said what is still missing before going on
        return wizard(request, form, step, chosen, refs, draft=draft, status=422)
    return see_other(step_url(draft_id, neighbour(step, 1)))
