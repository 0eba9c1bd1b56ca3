"""« Clôturer avec la réponse »: the answer's text and its files, sent to the requester; irreversible, confirmed
first, and never sent without the files the agent meant to join."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from portal.forms import MAX_FILES, Form, submitted
from portal.routes.instruction.actions import act, confirmed
from portal.routes.instruction.opening import signed_in


async def close(request: Request, number: str) -> Response:
    """« Clôturer avec la réponse »: the answer's text and its files, sent to the requester; confirmed first."""
    session = signed_in(request)
    form, data = await submitted(request)
    form.required("response", "Saisissez la réponse de l'administration.")
    confirmed(form, "La clôture est définitive : cochez la case pour confirmer l'envoi de la réponse.")
    files = _files(data)
    _same_files(form, files)
    parts: list[tuple[str, Any]] = [("response", (None, form.value("response").strip()))]
    parts += [("files", (f.filename, await f.read(), f.content_type or "application/octet-stream")) for f in files]
    return await act(
        request,
        session,
        number,
        form,
        path="closure",
        done=f"La demande n° {number} est clôturée : la réponse est envoyée au demandeur.",
        anchor="etape-cloture",
        fields={"response": "response", "file": "files", "attachment_ids": "files"},
        files=parts,
    )


def _same_files(form: Form, files: list[UploadFile]) -> None:
    """A browser never keeps a file when a refused form comes back: the files sent are named in the form, and
    if it comes back the closing is refused until they are chosen again (or explicitly left out), so an
    irreversible answer never goes without the files the agent meant to send."""
    if files:
        form.values["fichiers_choisis"] = ", ".join(f.filename or "" for f in files)
    elif form.value("fichiers_choisis") and not form.checked("sans_fichiers"):
        form.error(
            "files",
            f"Vous aviez joint « {form.value('fichiers_choisis')} » : choisissez à nouveau ces fichiers, ou cochez "
            "« Clôturer sans les fichiers choisis la première fois ».",
        )


def _files(data: FormData) -> list[UploadFile]:
    return [f for f in data.getlist("files") if isinstance(f, UploadFile) and f.filename][:MAX_FILES]
