"""The attachments of a request: adding a file, downloading it, deleting one's own; and the guard of every
upload (an attachment, or the files sent with the closing answer)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile as StarletteUpload

from chassis.http.auth import CurrentPrincipal
from contracts.errors import DomainError, NotFound
from essoc.application import commands
from essoc.application.uploads import Upload
from essoc.entrypoints import views
from essoc.entrypoints.http.services import (
    EssocServices,
    PathId,
    RequestRef,
    Services,
    detail_of,
    request_document,
    request_id_of,
)

router = APIRouter()
MULTIPART_OVERHEAD = 64 * 1024


def read_upload(file: StarletteUpload) -> Upload:
    return Upload(filename=file.filename or "", stream=file.file)


def refuse_oversized(request: Request, services: EssocServices) -> None:
    """Refuses a body announced larger than the cap before reading it."""
    cap = services.settings.attachment_max_bytes
    length = request.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > cap + MULTIPART_OVERHEAD:
        raise DomainError(
            f"Le fichier dépasse la taille maximale autorisée ({cap / (1024 * 1024):g} Mo).",
            field="file",
            code="fichier-trop-volumineux",
            status=413,
            extra={"max_size": cap},
        )


_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "le fichier (extensions du manuel §3.2.5)",
                        }
                    },
                }
            }
        },
        "required": True,
    }
}


@router.post("/requests/{request_id}/attachments", status_code=201, tags=["pièces jointes"], openapi_extra=_UPLOAD_DOC)
async def add_attachment(
    request_id: RequestRef, request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Adds a file: allowed extension, under the size cap, stored under a sanitised name."""
    refuse_oversized(request, services)  # before the body is read: an announced oversize upload is not received
    rid = await request_id_of(services, request_id)
    form = await request.form(max_files=1)
    file = form.get("file")
    if not isinstance(file, StarletteUpload):
        raise DomainError("Joignez un fichier (champ « file » d'un formulaire multipart).", field="file")
    attachment_id = await services.uploads.add(who, rid, read_upload(file))
    doc = await request_document(services, who, rid)
    response.headers["Location"] = f"/api/v1/requests/{rid}/attachments/{attachment_id}"
    return {**views.attachment(rid, doc["attachments"][attachment_id]), "request_version": doc["version"]}


@router.get(
    "/requests/{request_id}/attachments/{attachment_id}",
    tags=["pièces jointes"],
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download(
    request_id: RequestRef, attachment_id: PathId, services: Services, who: CurrentPrincipal
) -> StreamingResponse:
    """The file's content, as stored; its SHA-256 in `Repr-Digest` and `ETag`."""
    doc = await request_document(services, who, request_id)
    item = doc["attachments"].get(attachment_id)
    if item is None:
        raise NotFound(f"La pièce jointe {attachment_id} est introuvable.", field="attachment_id")
    if item["deleted_at"]:
        raise DomainError(
            "Cette pièce jointe a été supprimée.", field="attachment_id", code="piece-jointe-supprimee", status=410
        )
    chunks = await services.blobs.open(item["blob_id"])
    if chunks is None:
        raise NotFound(f"Le contenu de la pièce jointe {attachment_id} est introuvable.", field="attachment_id")
    return StreamingResponse(
        _stream(chunks),
        media_type=item["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item['filename'])}",
            "Content-Length": str(item["size"]),
            "ETag": f'"{item["sha256"]}"',
            "Repr-Digest": f"sha-256=:{_b64(item['sha256'])}:",
        },
    )


@router.delete("/requests/{request_id}/attachments/{attachment_id}", tags=["pièces jointes"])
async def remove_attachment(
    request_id: RequestRef, attachment_id: PathId, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Deletes one of one's own attachments while the request is filed or taken in charge."""
    rid = await request_id_of(services, request_id)
    command = commands.RemoveAttachment(request_id=rid, attachment_id=attachment_id)
    await services.commands.run(commands.remove_attachment, command, who)
    return await detail_of(services, who, rid, response)


async def _stream(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
