"""A request's files for the agent: its content as a PDF, its attachments."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, seg
from portal.routes.instruction.opening import not_yours, signed_in
from portal.routes.ogde.downloads import stream
from portal.session import Session


async def request_pdf(request: Request, number: str) -> Response:
    session = signed_in(request)
    return await _file(request, session, number, f"/api/v1/requests/{seg(number)}/pdf")


async def attachment(request: Request, number: str, attachment_id: str) -> Response:
    session = signed_in(request)
    path = f"/api/v1/requests/{seg(number)}/attachments/{seg(attachment_id)}"
    return await _file(request, session, number, path)


async def _file(request: Request, session: Session, number: str, path: str) -> Response:
    try:
        return await stream(request, session, path)
    except Refused as refused:
        if refused.status == 403 or (refused.status == 404 and refused.field == "id"):
            raise not_yours(number) from None
        raise
