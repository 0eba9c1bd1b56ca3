"""« Créer la demande », the last step of « Nouvelle demande »: the attachments checked against what the service
accepts, the request filed, then its attachments sent; a refusal brings the person back to the step of the field
at fault, with the message next to it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from portal.backends import Refused, backends_of, seg
from portal.forms import MAX_FILES, Form
from portal.rendering import see_other
from portal.routes.ogde.steps import STEP_OF_FIELD, visible, wizard
from portal.session import Session


def _filing(form: Form, chosen: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requester_type": form.value("requester_type"),
        "nature": form.value("nature"),
        "category": form.value("category"),
        "fields": [{"domain": c.split("::", 1)[0], "sub_domain": c.split("::", 1)[1]} for c in chosen],
        "subject": form.value("subject").strip(),
        "description": form.value("description").strip(),
    }
    for name in ("siret", "sub_category", "previous_request", "contested_rescrit_reference"):
        value = "".join(form.value(name).split()) if name == "siret" else form.value(name).strip()
        if value and not (name == "siret" and body["requester_type"] != "entreprise"):
            body[name] = value
    if (contested := form.day("contested_rescrit_date")) is not None:
        body["contested_rescrit_date"] = contested.isoformat()
    if form.checked("represents") and form.value("represented_siren").strip():
        body["represented_siren"] = "".join(form.value("represented_siren").split())
    return body


async def create(
    request: Request, session: Session, form: Form, data: FormData, chosen: list[str], refs: dict[str, Any]
) -> Response:
    """« Créer la demande », then its attachments (checked first against what the service accepts)."""
    files = [f for f in data.getlist("files") if isinstance(f, UploadFile) and f.filename][:MAX_FILES]
    allowed = refs["attachments"]["extensions"]
    for file in files:
        extension = (file.filename or "").rsplit(".", 1)[-1].lower() if "." in (file.filename or "") else ""
        if extension not in allowed:
            form.error(
                "files", f"« {file.filename} » : extension non autorisée. Extensions autorisées : {', '.join(allowed)}."
            )
        elif file.size is not None and file.size > refs["attachments"]["max_bytes"]:
            form.error(
                "files",
                f"« {file.filename} » dépasse la taille maximale ({refs['attachments']['max_bytes'] / 1048576:g} Mo).",
            )
    if not form.ok:
        return wizard(request, form, "pieces", chosen, refs, status=422)
    try:
        created = await backends_of(request).essoc.command(
            "POST", "/api/v1/requests", session.token or "", key=form.key, json=_filing(form, chosen)
        )
    except Refused as refused:
        field = (refused.field or "").split("[", 1)[0].split(".", 1)[0]
        step = STEP_OF_FIELD.get(field, "demandeur")
        if field in STEP_OF_FIELD and field in (*visible(step), "fields"):
            form.error(field, refused.detail)
        else:
            form.tell(refused.detail)
        return wizard(request, form, step, chosen, refs, status=refused.status)
    failed: list[str] = []
    for index, file in enumerate(files):
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(created['id'])}/attachments",
                session.token or "",
                key=f"{form.key}-piece-{index}",
                files={"file": (file.filename, await file.read(), file.content_type or "application/octet-stream")},
            )
        except Refused as refused:
            failed.append(f"{file.filename} : {refused.detail}")
    session.say(f"Votre demande n° {created['number']} est créée. Un accusé de réception vous est envoyé par courriel.")
    for message in failed:
        session.say(f"Pièce jointe non ajoutée — {message} Ajoutez-la depuis le détail de la demande.")
    return see_other(f"/ogde/demandes/{created['number']}")
