"""What a declaration leaves on record: the history of its events, and its receipt as a PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from chassis.http.auth import CurrentPrincipal
from chassis.http.history import event_rows
from chassis.renderer import shared_renderer
from contracts.types import TERRITORY_ZONES
from declarations.entrypoints import views
from declarations.entrypoints.http.services import DeclarationId, Services, load_declaration

router = APIRouter()

RECEIPT = "declarations.adapters.receipt_pdf:render"
"""Drawn in the renderer's process (decision 0035): this service never imports fpdf2."""


@router.get("/declarations/{declaration_id}/history", tags=["déclarations"])
async def history(declaration_id: DeclarationId, services: Services, who: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every event of the declaration: what, who, when (UTC and the territory's local time)."""
    doc = await load_declaration(services, who, declaration_id)
    zone = TERRITORY_ZONES[doc["territory"]]
    return event_rows(await services.store.read_stream(declaration_id), zone)


@router.get(
    "/declarations/{declaration_id}/receipt.pdf",
    tags=["déclarations"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def receipt(declaration_id: DeclarationId, services: Services, who: CurrentPrincipal) -> Response:
    """The declaration as a PDF: the filing receipt once filed (a draft is marked as such)."""
    view = views.detail(await load_declaration(services, who, declaration_id), now=services.clock())
    office = services.reference.offices.get(view["office"])
    content = await shared_renderer().render(RECEIPT, view, office)
    filename = f"declaration-{view['reference']}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
