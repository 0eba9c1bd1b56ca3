"""« Demande n° … » for the agent: what the requester sees, then the instruction's actions in the workflow's
order, « Réassigner » and the private notes. Opening it clears the badge of what the requester wrote."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of, seg
from portal.forms import Form
from portal.rendering import render
from portal.routes.instruction.opening import read_request, signed_in
from portal.routes.ogde.opening import referentials
from portal.session import Session


async def page(
    request: Request, session: Session, number: str, form: Form | None = None, status: int = 200, anchor: str = ""
) -> Response:
    """The request's page, opened (200) or shown again with a refused action's form (422, at `anchor`)."""
    detail, instruction = await read_request(request, session, number)
    refs = await referentials(request)
    following = (instruction["followed_by"] or {}).get("id")
    if status == 200:
        # Opened: the badge of what the requester wrote goes, until they write again.
        await backends_of(request).essoc.command(
            "PUT", f"/api/v1/requests/{seg(detail['id'])}/seen", session.token or "", key=str(uuid.uuid4())
        )
    return render(
        request,
        "agent/request.html",
        {
            "title": f"Demande n° {detail['number']}",
            "detail": detail,
            "instruction": instruction,
            "form": form or Form(),
            "refusal_grounds": refs.get("refusal_grounds", []),
            "attachments": refs["attachments"],
            "reassign_to": [(a["id"], a["name"]) for a in instruction["agents"] if a["id"] != following],
            "anchor": anchor,
        },
        status=status,
    )


async def request_page(request: Request, number: str) -> Response:
    """« Demande n° … » for the agent: the request, then the instruction's actions and notes."""
    session = signed_in(request)
    return await page(request, session, number)
