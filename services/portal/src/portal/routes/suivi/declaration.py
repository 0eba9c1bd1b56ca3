"""One declaration of the agent's territories, read-only, and its PDF."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.rendering import declaration_name, render
from portal.routes.suivi.opening import not_shown, query, signed_in
from portal.session import Session


async def _declaration(request: Request, session: Session, declaration_id: str) -> dict[str, Any]:
    """The declaration, if the agent's territories hold it."""
    try:
        detail: dict[str, Any] = await backends_of(request).declarations.get(
            f"/api/v1/declarations/{seg(declaration_id)}", session.token
        )
    except Refused as refused:
        raise not_shown(refused) from None
    return detail


async def declaration_page(request: Request, declaration_id: str) -> Response:
    """A declaration read-only: its relation, period, state, boxes 1–27, annexes, payment and history."""
    session = signed_in(request)
    declaration = await _declaration(request, session, declaration_id)
    history = await backends_of(request).declarations.get(
        f"/api/v1/declarations/{seg(declaration_id)}/history", session.token
    )
    office = None
    if declaration.get("office"):
        try:
            office = await backends_of(request).declarations.get(
                f"/api/v1/offices/{seg(declaration['office'])}", session.token
            )
        except Refused:
            office = None
    back = query({"annee": declaration["year"], "trimestre": declaration["quarter"]})
    return render(
        request,
        "suivi/declaration.html",
        {
            "title": f"{declaration_name(declaration)} — relation n° {declaration['relation_number']}",
            "declaration": declaration,
            "history": history,
            "office": office,
            "back": back,
        },
    )


async def declaration_pdf(request: Request, declaration_id: str) -> Response:
    """The declaration's PDF from the service (the filing receipt once filed, a draft marked as such)."""
    session = signed_in(request)
    backend = backends_of(request).declarations
    try:
        async with backend.download(
            f"/api/v1/declarations/{seg(declaration_id)}/receipt.pdf", session.token or ""
        ) as got:
            content = await got.aread()
    except Refused as refused:
        raise not_shown(refused) from None
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="declaration-{declaration_id}.pdf"'},
    )
