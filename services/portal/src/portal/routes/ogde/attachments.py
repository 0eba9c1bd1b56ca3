"""The attachments of a request, on its detail: « Ajouter une pièce jointe », its removal, its download."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted, uploaded
from portal.rendering import see_other
from portal.routes.ogde.downloads import stream
from portal.routes.ogde.opening import send, shown_again, signed_in


async def attachment_add(request: Request, number: str) -> Response:
    """« Ajouter une pièce jointe »."""
    session = signed_in(request)
    form, data = await submitted(request)
    file = uploaded(data, "file")
    if file is None:
        form.error("file", "Choisissez le fichier à joindre.")
        return await shown_again(request, session, number, form, "pieces-jointes")
    return await send(
        request,
        session,
        number,
        form,
        path="attachments",
        field="file",
        done=f"La pièce jointe « {file.filename} » est ajoutée.",
        anchor="pieces-jointes",
        files={"file": (file.filename, await file.read(), file.content_type or "application/octet-stream")},
    )


async def attachment_remove(request: Request, number: str, attachment_id: str) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    try:
        await backends_of(request).essoc.command(
            "DELETE",
            f"/api/v1/requests/{seg(number)}/attachments/{seg(attachment_id)}",
            session.token or "",
            key=form.key,
        )
    except Refused as refused:
        session.say(refused.detail)
    else:
        session.say("La pièce jointe est supprimée.")
    return see_other(f"/ogde/demandes/{number}#pieces-jointes")


async def attachment_download(request: Request, number: str, attachment_id: str) -> Response:
    session = signed_in(request)
    return await stream(request, session, f"/api/v1/requests/{seg(number)}/attachments/{seg(attachment_id)}")
