"""The requests: filing one, the tabs of « Mes demandes », the detail, its history and its PDF."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal
from chassis.http.history import event_rows
from chassis.http.inputs import Code, Identifier, Line, LongText
from chassis.pdf_fonts import find_font
from chassis.renderer import shared_renderer
from contracts.events.essoc import FieldOfApplication
from essoc.application import access, commands
from essoc.domain.filing import Filing
from essoc.domain.states import RequestTab
from essoc.entrypoints import views
from essoc.entrypoints.http.services import Body, RequestRef, Services, detail_of, request_document

router = APIRouter()

REQUEST_PDF = "essoc.adapters.pdf:render_request"


class FieldBody(Body):
    domain: Line
    sub_domain: Line


class FilingBody(Body):
    requester_type: Literal["entreprise", "particulier"] = Field(title="Type de demandeur")
    siret: Code | None = None
    represented_siren: Code | None = None
    nature: Code
    category: Code
    sub_category: Code | None = None
    fields: list[FieldBody] = Field(default_factory=list, max_length=20)
    subject: Line = Field(title="Objet de la demande")
    description: LongText = Field(title="Description de la demande")
    previous_request: Identifier | None = Field(
        default=None, description="second examen : id ou numéro, dans OGDE, du rescrit contesté (facultatif)"
    )
    contested_rescrit_date: date | None = Field(
        default=None, description="second examen sans numéro OGDE : date du rescrit contesté"
    )
    contested_rescrit_reference: Line | None = Field(
        default=None, description="second examen sans numéro OGDE : référence du rescrit contesté"
    )


@router.post("/requests", status_code=201, tags=["demandes"])
async def submit(body: FilingBody, services: Services, response: Response, who: CurrentPrincipal) -> dict[str, Any]:
    """Files a request; name, first name and email are the caller's (token), never the body's."""
    filing = Filing(
        requester_type=body.requester_type,
        nature=body.nature,
        category=body.category,
        fields=[FieldOfApplication(domain=f.domain, sub_domain=f.sub_domain) for f in body.fields],
        subject=body.subject,
        description=body.description,
        sub_category=body.sub_category or None,
        siret=body.siret or None,
        represented_siren=body.represented_siren or None,
        previous_request=body.previous_request or None,
        contested_rescrit_date=body.contested_rescrit_date,
        contested_rescrit_reference=body.contested_rescrit_reference or None,
    )
    request_id = await services.commands.run(commands.submit, commands.SubmitRequest(filing=filing), who)
    response.headers["Location"] = f"/api/v1/requests/{request_id}"
    return await detail_of(services, who, request_id, response)


@router.get("/requests", tags=["demandes"])
async def tabs(
    services: Services,
    who: CurrentPrincipal,
    tab: Annotated[
        Literal["deposees", "prises-en-charge", "refusees", "cloturees"] | None,
        Query(description="l'onglet ; tous quand absent"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """ "Mes demandes": the rows of a tab (all tabs when omitted) and the count of every tab."""
    chosen = RequestTab.parse(tab) if tab else None
    counts, total, rows = await services.read_model.tabs(
        access.visible_requests(who), chosen, page=page, per_page=per_page
    )
    return {
        "tab": chosen.value if chosen else None,
        "counts": counts,
        "total": total,
        "page": page,
        "per_page": per_page,
        "items": [views.summary(d) for d in rows],
    }


@router.get("/requests/{request_id}", tags=["demandes"])
async def detail(
    request_id: RequestRef, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Characteristics, fields, the request and its answer, history, exchanges, attachments."""
    return await detail_of(services, who, request_id, response)


@router.get("/requests/{request_id}/history", tags=["demandes"])
async def history(request_id: RequestRef, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The manual's history rows, and every event of the request with its hash (audit)."""
    doc = await request_document(services, who, request_id)
    events = await services.store.read_stream(doc["_id"])
    return {
        "id": doc["_id"],
        "number": doc["number"],
        "history": doc["history"],
        "events": event_rows(events),
    }


@router.get(
    "/requests/{request_id}/pdf",
    tags=["demandes"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def pdf(request_id: RequestRef, services: Services, who: CurrentPrincipal) -> Response:
    """The whole request as a PDF a person would file."""
    detail = await detail_of(services, who, request_id)
    font = find_font(services.settings.pdf_font_path)
    # Drawn in the renderer's process (decision 0035), edited at the service's now, not the worker's clock.
    content = await shared_renderer().render(REQUEST_PDF, detail, font=font, now=services.clock())
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="demande-{detail["number"]}.pdf"'},
    )
