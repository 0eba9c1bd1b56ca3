"""« Documents » (manual §6): the user guide and the blank request forms."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of, seg
from portal.rendering import render
from portal.routes.ogde.downloads import stream
from portal.routes.ogde.opening import signed_in


async def documents(request: Request) -> Response:
    """« Documents » (manual §6): the user guide and the blank request forms, each downloaded through the
    portal."""
    session = signed_in(request)
    found = await backends_of(request).essoc.get("/api/v1/documents", session.token)
    return render(request, "ogde/documents.html", {"title": "Documents", "documents": found.get("items", [])})


async def document_download(request: Request, document_id: str) -> Response:
    session = signed_in(request)
    return await stream(request, session, f"/api/v1/documents/{seg(document_id)}")
