"""« Documents » (OGDE manual §6): the list of the documents a requester can download, and each document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN
from chassis.service import services_of
from contracts.errors import NotFound
from essoc.entrypoints.http import EssocServices
from essoc.entrypoints.views import API

router = APIRouter()  # mounted under /api/v1 like the others
Services = Annotated[EssocServices, Depends(services_of(EssocServices))]
CACHE = "private, max-age=86400"
"""A document changes only with a release; its ETag says when."""


@router.get("/documents", tags=["documents"])
async def documents(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The user guide and the blank request forms, each a PDF (`url`), with its size and edition."""
    items = [
        {
            "id": r.document.id,
            "title": r.document.title,
            "summary": r.document.summary,
            "kind": r.document.kind,
            "url": f"{API}/documents/{r.document.id}",
            "content_type": "application/pdf",
            "size": len(r.content),
            "published_at": r.document.published_on.isoformat(),
            "etag": r.etag,
        }
        for r in await services.documents.listing()
    ]
    return {"items": items}


@router.get(
    "/documents/{document_id}",
    tags=["documents"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 304: {"description": "inchangé depuis l'ETag donné"}},
)
async def download(
    document_id: Annotated[str, Path(max_length=64, pattern=IDENTIFIER_PATTERN)],
    request: Request,
    services: Services,
    who: CurrentPrincipal,
) -> Response:
    """One document as PDF; `If-None-Match` with its ETag answers 304 without the bytes."""
    rendered = await services.documents.rendered(document_id)
    if rendered is None:
        raise NotFound(f"Le document « {document_id} » n'existe pas.", field="document_id")
    headers = {"ETag": rendered.etag, "Cache-Control": CACHE}
    if rendered.etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{rendered.document.filename}"'
    return Response(rendered.content, media_type="application/pdf", headers=headers)
