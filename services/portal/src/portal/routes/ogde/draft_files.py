"""« Pièces jointes », a draft's fifth step: the files chosen are sent to essoc at once and kept with the draft
(« Joindre les fichiers », and before « Suivant » or « Retour »), so going back and forth loses none; each kept
file can be taken off. A refusal (too many, a type or a size not accepted) keeps the files already kept."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.backends import Refused, backends_of, seg
from portal.forms import MAX_FILES, Form, submitted
from portal.rendering import see_other
from portal.routes.ogde.opening import read_draft, referentials, signed_in
from portal.routes.ogde.steps import form_of, neighbour, step_url, wizard
from portal.session import Session


def _too_many(chosen: str, room: int, refs: dict[str, Any]) -> str:
    most = refs["attachments"].get("max_files_at_filing", MAX_FILES)
    left = f"vous pouvez en joindre encore {room}" if room else "retirez-en une pour en joindre une autre"
    return (
        f"Vous avez choisi {chosen} fichiers : une nouvelle demande compte {most} pièces jointes au plus ; {left}. "
        "Les autres s'ajoutent depuis le détail de la demande, une fois celle-ci créée."
    )


def _refused_files(files: list[UploadFile], room: int, refs: dict[str, Any]) -> str | None:
    """Why these files cannot all be kept (the form's own check of what the service accepts), or None."""
    if len(files) > room:
        return _too_many(str(len(files)), room, refs)
    allowed, cap = refs["attachments"]["extensions"], refs["attachments"]["max_bytes"]
    for file in files:
        name = file.filename or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in allowed:
            return f"« {name} » : extension non autorisée. Extensions autorisées : {', '.join(allowed)}."
        if file.size is not None and file.size > cap:
            return f"« {name} » dépasse la taille maximale ({cap / 1048576:g} Mo par fichier)."
    return None


async def pieces_posted(request: Request, session: Session, draft_id: str) -> Response:
    """« Joindre les fichiers », « Suivant » or « Retour » at « Pièces jointes »: the files chosen kept first."""
    draft = await read_draft(request, session, draft_id)
    refs = await referentials(request)
    shown, chosen = form_of(draft)
    room = draft["max_files"] - len(draft["files"])
    try:
        form, data = await submitted(request)
    except StarletteHTTPException as too_many:  # more files than a form carries: nothing was read
        if too_many.status_code != 400:
            raise
        shown.error("files", _too_many(f"plus de {MAX_FILES}", room, refs))
        return wizard(request, shown, "pieces", chosen, refs, draft=draft, status=422)
    if draft["state"] == "submitted":
        return see_other(f"/ogde/demandes/{draft['request_number']}")
    files = [f for f in data.getlist("files") if isinstance(f, UploadFile) and f.filename]
    refusal = _refused_files(files, room, refs)
    if refusal is None:
        refusal = await _keep(request, session, draft_id, form, files)
    if refusal is not None:
        shown.key = form.key
        shown.error("files", refusal)
        draft = await read_draft(request, session, draft_id)  # with the files kept before the refusal
        return wizard(request, shown, "pieces", chosen, refs, draft=draft, status=422)
    if files:
        plural = "s" if len(files) > 1 else ""
        session.say(f"{len(files)} fichier{plural} joint{plural} au brouillon.")
    action = form.value("action")
    if action in ("suivant", "retour"):
        return see_other(step_url(draft_id, neighbour("pieces", 1 if action == "suivant" else -1)))
    return see_other(step_url(draft_id, "pieces") + "#pieces-gardees")


async def _keep(request: Request, session: Session, draft_id: str, form: Form, files: list[UploadFile]) -> str | None:
    """Sends each file to the draft; the first refusal, naming its file, or None."""
    for index, file in enumerate(files):
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/drafts/{seg(draft_id)}/files",
                session.token or "",
                key=f"{form.key}-piece-{index}",
                files={"file": (file.filename, await file.read(), file.content_type or "application/octet-stream")},
            )
        except Refused as refused:
            kept = " Les fichiers choisis avant lui sont joints." if index else ""
            return f"« {file.filename} » : {refused.detail}{kept}"
    return None


async def file_removed(request: Request, draft_id: str, attachment_id: str) -> Response:
    """« Retirer » a file kept with the draft: its content is deleted."""
    session = signed_in(request)
    form, _ = await submitted(request)
    draft = await read_draft(request, session, draft_id)
    names = {f["attachment_id"]: f["filename"] for f in draft["files"]}
    await backends_of(request).essoc.command(
        "DELETE",
        f"/api/v1/drafts/{seg(draft_id)}/files/{seg(attachment_id)}",
        session.token or "",
        key=form.key,
    )
    session.say(f"« {names.get(attachment_id, 'Le fichier')} » est retiré du brouillon.")
    return see_other(step_url(draft_id, "pieces") + "#pieces-gardees")
