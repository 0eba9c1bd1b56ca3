"""The requester's drafts of « Nouvelle demande » (decision record 0026): started at the first step, saved at each
step (each checked for what it can be then), files kept with it, discarded, or submitted as the request.

A requester's own: any other profile is refused (403), another requester is told the draft does not exist (404);
no agent reads a draft, and the agents' board and search never list one (they read the requests only).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field
from starlette.datastructures import UploadFile as StarletteUpload

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import Code, Identifier, Line, LongText
from chassis.repository import recorded
from contracts.errors import Conflict, DomainError
from contracts.events.essoc import FieldOfApplication
from essoc.application import drafting
from essoc.domain.draft import DraftState, RequestDraft, unknown_draft
from essoc.domain.draft_retention import DRAFT_RETENTION_DAYS
from essoc.entrypoints import draft_views
from essoc.entrypoints.http.attachments import _UPLOAD_DOC, read_upload, refuse_oversized
from essoc.entrypoints.http.requests import FieldBody
from essoc.entrypoints.http.services import Body, EssocServices, PathId, Services, detail_of

router = APIRouter()
TAG = "brouillons"
DraftId = PathId
GONE: dict[int | str, dict[str, Any]] = {
    410: {
        "description": "Brouillon supprimé (abandonné, ou resté 90 jours sans modification)",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


class RequesterStep(Body):
    requester_type: Literal["entreprise", "particulier"]
    siret: Code | None = None
    represented_siren: Code | None = None


class CharacteristicsStep(Body):
    nature: Code | None = None
    category: Code | None = None
    sub_category: Code | None = None
    previous_request: Identifier | None = Field(
        default=None, description="second examen : id ou numéro, dans OGDE, du rescrit contesté (facultatif)"
    )
    contested_rescrit_date: date | None = None
    contested_rescrit_reference: Line | None = None


class FieldsStep(Body):
    fields: list[FieldBody] = Field(default_factory=list, max_length=20)


class DescriptionStep(Body):
    subject: Line = ""
    description: LongText = ""


async def draft_of(services: EssocServices, who: Principal, draft_id: str) -> RequestDraft:
    """The caller's draft as its stream leaves it: a requester's only (403 to any other profile), another's as
    one that does not exist."""
    who.require("requester")
    envelopes = await services.store.read_stream(draft_id) if draft_id.startswith(drafting.DRAFT_PREFIX) else []
    if not envelopes or envelopes[0].stream_type != "draft":
        raise unknown_draft()
    draft = RequestDraft.from_recorded(recorded(envelopes))
    draft.require_author(who.id)
    if draft.state in (DraftState.DISCARDED, DraftState.EXPIRED):
        why = "vous l'avez abandonné"
        if draft.state is DraftState.EXPIRED:
            why = "il est resté 90 jours sans modification"
        raise DomainError(f"Ce brouillon a été supprimé : {why}.", field="id", code="brouillon-supprime", status=410)
    return draft


async def shown(services: EssocServices, who: Principal, draft_id: str) -> dict[str, Any]:
    territory = drafting.draft_territory(services.settings.territories)
    return draft_views.detail(await draft_of(services, who, draft_id), services.referentials, territory)


@router.post("/drafts", status_code=201, tags=[TAG])
async def start(body: RequesterStep, services: Services, response: Response, who: CurrentPrincipal) -> dict[str, Any]:
    """Step « Demandeur » saved for the first time: the draft starts (name, first name and email are the token's)."""
    command = drafting.StartDraft(**body.model_dump())
    draft_id = await services.commands.run(drafting.start, command, who)
    response.headers["Location"] = f"/api/v1/drafts/{draft_id}"
    return await shown(services, who, draft_id)


@router.get("/drafts", tags=[TAG])
async def drafts(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """« Brouillons »: the caller's open drafts, the last changed first, each with the date it will be deleted."""
    who.require("requester")
    rows = await services.drafts.of_requester(who.id)
    return {"total": len(rows), "retention_days": DRAFT_RETENTION_DAYS, "items": [draft_views.row(d) for d in rows]}


@router.get("/drafts/{draft_id}", tags=[TAG], responses=GONE)
async def draft(draft_id: DraftId, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """Everything typed so far and every file kept; a submitted draft names its request."""
    return await shown(services, who, draft_id)


@router.put("/drafts/{draft_id}/requester", tags=[TAG])
async def requester(
    draft_id: DraftId, body: RequesterStep, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """Step « Demandeur »: the company's SIRET must be one the directory knows."""
    command = drafting.SetDraftRequester(draft_id=draft_id, **body.model_dump())
    await services.commands.run(drafting.set_requester, command, who)
    return await shown(services, who, draft_id)


@router.put("/drafts/{draft_id}/characteristics", tags=[TAG])
async def characteristics(
    draft_id: DraftId, body: CharacteristicsStep, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """Step « Caractéristiques »: a directorate this deployment does not serve is refused here (403, on the field
    that chose it). A value left empty stays to be given before « Créer la demande »."""
    values = body.model_dump()
    command = drafting.SetDraftCharacteristics(
        draft_id=draft_id, **{k: v or ("" if k in ("nature", "category") else None) for k, v in values.items()}
    )
    await services.commands.run(drafting.set_characteristics, command, who)
    return await shown(services, who, draft_id)


@router.put("/drafts/{draft_id}/fields", tags=[TAG])
async def fields(draft_id: DraftId, body: FieldsStep, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """Step « Champs d'application »."""
    chosen = [FieldOfApplication(domain=f.domain, sub_domain=f.sub_domain) for f in body.fields]
    await services.commands.run(drafting.set_fields, drafting.SetDraftFields(draft_id=draft_id, fields=chosen), who)
    return await shown(services, who, draft_id)


@router.put("/drafts/{draft_id}/description", tags=[TAG])
async def description(
    draft_id: DraftId, body: DescriptionStep, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """Step « Demande »: the subject (200 characters at most) and the description."""
    command = drafting.SetDraftDescription(draft_id=draft_id, subject=body.subject, description=body.description)
    await services.commands.run(drafting.set_description, command, who)
    return await shown(services, who, draft_id)


@router.post("/drafts/{draft_id}/files", status_code=201, tags=[TAG], openapi_extra=_UPLOAD_DOC)
async def add_file(
    draft_id: DraftId, request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Step « Pièces jointes »: one file kept with the draft (5 at most, the extensions of the manual §3.2.5, the
    size cap of `ESSOC_ATTACHMENT_MAX_BYTES`, 20 Mo by default); it becomes the request's attachment."""
    refuse_oversized(request, services)
    form = await request.form(max_files=1)
    file = form.get("file")
    if not isinstance(file, StarletteUpload):
        raise DomainError("Joignez un fichier (champ « file » d'un formulaire multipart).", field="file")
    attachment_id = await services.uploads.add_to_draft(who, draft_id, read_upload(file))
    response.headers["Location"] = f"/api/v1/drafts/{draft_id}"
    return await shown(services, who, draft_id) | {"attachment_id": attachment_id}


@router.delete("/drafts/{draft_id}/files/{attachment_id}", tags=[TAG])
async def remove_file(
    draft_id: DraftId, attachment_id: PathId, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """Takes a file off the draft; its content is deleted."""
    await services.uploads.remove_from_draft(who, draft_id, attachment_id)
    return await shown(services, who, draft_id)


@router.delete("/drafts/{draft_id}", status_code=204, tags=[TAG])
async def discard(draft_id: DraftId, services: Services, who: CurrentPrincipal) -> Response:
    """« Annuler », once the requester confirmed it: the draft is closed (DraftDiscarded) and its files deleted."""
    await services.uploads.discard_draft(who, draft_id)
    return Response(status_code=204)


@router.post("/drafts/{draft_id}/submission", status_code=201, tags=[TAG], responses=GONE)
async def submit(draft_id: DraftId, services: Services, response: Response, who: CurrentPrincipal) -> dict[str, Any]:
    """« Créer la demande »: the draft filed as the request (`RequestSubmitted`, as `POST /requests` files it; its
    files become the request's attachments); refused, with the field at fault, while an answer is missing or no
    longer valid. Returns the request's detail."""
    draft = await draft_of(services, who, draft_id)
    if draft.state is DraftState.SUBMITTED:
        raise Conflict(
            f"Ce brouillon est déjà transmis : c'est la demande n° {draft.request_number}.",
            field="id",
            code="brouillon-transmis",
        )
    request_id = await services.commands.run(drafting.submit, drafting.SubmitDraft(draft_id=draft_id), who)
    response.headers["Location"] = f"/api/v1/requests/{request_id}"
    return await detail_of(services, who, request_id, response)
