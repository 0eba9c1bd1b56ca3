"""« Documents » for the agents: the user guide and the blank request forms the requesters get (OGDE manual §6),
read in the agents' space (the requesters' page is theirs only)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of, seg
from portal.rendering import render
from portal.routes.instruction.opening import signed_in
from portal.routes.ogde.downloads import stream


async def documents(request: Request) -> Response:
    session = signed_in(request)
    found = await backends_of(request).essoc.get("/api/v1/documents", session.token)
    return render(request, "agent/documents.html", {"title": "Documents", "documents": found.get("items", [])})


async def document_download(request: Request, document_id: str) -> Response:
    session = signed_in(request)
    return await stream(request, session, f"/api/v1/documents/{seg(document_id)}")
