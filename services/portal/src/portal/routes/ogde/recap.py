"""« Récapitulatif », the draft's last step: everything typed and every file kept, each part with « Modifier »,
then « Créer la demande », which submits the draft as the request (`POST /api/v1/drafts/{id}/submission`). A
refusal opens the step of the field at fault, with the message next to it and what the draft holds."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.ogde.opening import read_draft, referentials
from portal.routes.ogde.steps import STEP_OF_FIELD, STEPS, form_of, refuse, wizard
from portal.session import Session


def page(
    request: Request, draft: dict[str, Any], refs: dict[str, Any], form: Form | None = None, status: int = 200
) -> Response:
    missing = {STEP_OF_FIELD[name] for name in draft["missing"] if name in STEP_OF_FIELD}
    return render(
        request,
        "ogde/recap.html",
        {
            "title": "Nouvelle demande — Récapitulatif",
            "draft": draft,
            "refs": refs,
            "form": form or Form(),
            "steps": STEPS,
            "index": len(STEPS),
            "step": "recapitulatif",
            "incomplete": [(slug, label) for slug, label in STEPS if slug in missing],
        },
        status=status,
    )


async def create(request: Request, session: Session, draft_id: str) -> Response:
    """« Créer la demande »."""
    form, _ = await submitted(request)
    draft = await read_draft(request, session, draft_id)
    if draft["state"] == "submitted":  # a second click: the request the first one created
        return see_other(f"/ogde/demandes/{draft['request_number']}")
    refs = await referentials(request)
    try:
        created = await backends_of(request).essoc.command(
            "POST", f"/api/v1/drafts/{seg(draft_id)}/submission", session.token or "", key=form.key
        )
    except Refused as refused:
        name = (refused.field or "").split("[", 1)[0]
        step = STEP_OF_FIELD.get(name)
        if step is None:  # no step's field: said here, above the summary
            form.tell(refused.detail)
            return page(request, draft, refs, form, status=422)
        shown, chosen = form_of(draft)
        shown.key = form.key
        refuse(shown, refused, step)
        return wizard(request, shown, step, chosen, refs, draft=draft, status=422)
    session.say(f"Votre demande n° {created['number']} est créée. Un accusé de réception vous est envoyé par courriel.")
    return see_other(f"/ogde/demandes/{created['number']}")
