"""« Détail de la demande n° … », with its exchanges and attachments, and its content as a PDF."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import seg
from portal.routes.ogde.downloads import stream
from portal.routes.ogde.opening import detail_page, read_request, signed_in


async def request_detail(request: Request, number: str) -> Response:
    """« Détail de la demande n° … »."""
    session = signed_in(request)
    return detail_page(request, await read_request(request, session, number))


async def request_pdf(request: Request, number: str) -> Response:
    """« Télécharger le contenu de la demande (PDF) »."""
    session = signed_in(request)
    return await stream(request, session, f"/api/v1/requests/{seg(number)}/pdf")
