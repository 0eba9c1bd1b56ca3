"""HTTP API of OGDE: referentials, filing, the four tabs, the detail, the agent's and requester's commands."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile as StarletteUpload

from chassis.commands import Commands
from chassis.eventstore import EventStore
from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.history import event_rows
from chassis.http.inputs import IDENTIFIER_PATTERN, Code, Identifier, Line, LongText, Paragraph
from chassis.pdf import find_font
from chassis.service import services_of
from contracts.errors import DomainError, NotFound
from contracts.events.essoc import FieldOfApplication
from essoc.adapters.blobs import AttachmentStore
from essoc.adapters.pdf import render_request
from essoc.adapters.read_models import Board, RequestReadModel
from essoc.application import access, commands
from essoc.application.scheduler import AnswerClock
from essoc.application.unit_of_work import Clock, CompanyDirectory, EssocUnitOfWork
from essoc.application.uploads import Upload, Uploads
from essoc.documents.library import DocumentLibrary
from essoc.domain.agents import AgentDirectory
from essoc.domain.attachments import ALLOWED_EXTENSIONS
from essoc.domain.filing import NATURE_FORMS, Filing
from essoc.domain.identity import check_siret, is_request_number
from essoc.domain.referentials import Referentials
from essoc.domain.states import RequestTab
from essoc.entrypoints import views
from essoc.settings import EssocSettings

router = APIRouter()
PathId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
RequestRef = Annotated[
    str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN, description="id de la demande ou son numéro")
]
MULTIPART_OVERHEAD = 64 * 1024


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldBody(_Body):
    domain: Line
    sub_domain: Line


class FilingBody(_Body):
    requester_type: Literal["entreprise", "particulier"]
    siret: Code | None = None
    represented_siren: Code | None = None
    nature: Code
    category: Code
    sub_category: Code | None = None
    fields: list[FieldBody] = Field(default_factory=list, max_length=20)
    subject: Line
    description: LongText
    previous_request: Identifier | None = Field(
        default=None, description="second examen : id ou numéro, dans OGDE, du rescrit contesté (facultatif)"
    )
    contested_rescrit_date: date | None = Field(
        default=None, description="second examen sans numéro OGDE : date du rescrit contesté"
    )
    contested_rescrit_reference: Line | None = Field(
        default=None, description="second examen sans numéro OGDE : référence du rescrit contesté"
    )


class TakeChargeBody(_Body):
    unit: Line | None = Field(default=None, description="pôle affecté ; par défaut celui de la direction")


class AdmissibilityBody(_Body):
    decision: Literal["oui", "non"]
    grounds: Paragraph | None = Field(
        default=None,
        description="motifs du refus ; pour un droit au contrôle, "
        "l'un des codes de `refusal_grounds` ou un texte avec `ground_code`",
    )
    ground_code: Code | None = None


class TextBody(_Body):
    text: Paragraph


class ClosureBody(_Body):
    response: LongText
    attachment_ids: list[Identifier] = Field(
        default_factory=list, max_length=50, description="pièces jointes déjà ajoutées"
    )


# ---- helpers ---------------------------------------------------------------------------------------


@dataclass
class EssocServices:
    """What the routes depend on, wired by `bootstrap`."""

    commands: Commands[EssocUnitOfWork]
    uploads: Uploads
    read_model: RequestReadModel
    board: Board
    blobs: AttachmentStore
    referentials: Referentials
    settings: EssocSettings
    store: EventStore
    clock: Clock
    answer_clock: AnswerClock
    companies: CompanyDirectory
    agents: AgentDirectory
    documents: DocumentLibrary


Services = Annotated[EssocServices, Depends(services_of(EssocServices))]


async def _doc(
    services: EssocServices, who: Principal, request_id: str, response: Response | None = None
) -> dict[str, Any]:
    """The request's read model, if `who` may see it; a number is accepted in place of the id. With
    `response`, its version as the `ETag`."""
    doc = await services.read_model.get(request_id)
    if doc is None:
        raise access.unknown()
    access.require_see(
        who, requester_id=doc["requester"]["id"], territory=doc["territory"], directorate=doc["directorate"]
    )
    if response is not None:
        response.headers["ETag"] = f'"{doc["version"]}"'
    return dict(doc)


async def _id(services: EssocServices, request_id: str) -> str:
    """The stream id of a request named by its id or its number."""
    if not is_request_number(request_id):
        return request_id
    found = await services.read_model.request_id(int(request_id))
    if found is None:
        raise access.unknown()
    return found


async def _detail(
    services: EssocServices, who: Principal, request_id: str, response: Response | None = None
) -> dict[str, Any]:
    return views.detail(await _doc(services, who, request_id, response))


def _upload(file: StarletteUpload) -> Upload:
    return Upload(filename=file.filename or "", stream=file.file)


def _refuse_oversized(request: Request, services: EssocServices) -> None:
    """Refuses a body announced larger than the cap before reading it."""
    cap = services.settings.attachment_max_bytes
    length = request.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > cap + MULTIPART_OVERHEAD:
        raise DomainError(
            f"Le fichier dépasse la taille maximale autorisée ({cap / (1024 * 1024):g} Mo).",
            field="file",
            code="fichier-trop-volumineux",
            status=413,
            extra={"max_size": cap},
        )


# ---- referentials and filing ------------------------------------------------------------------------


@router.get("/referentials", tags=["référentiels"])
async def referentials(services: Services) -> dict[str, Any]:
    """Natures, categories per nature, directorates (mailbox, territory), fields, refusal grounds."""
    refs = services.referentials
    body = refs.as_dict()
    body["sub_categories"] = [{"code": d.code, "label": d.label} for d in refs.directorates if not d.central]
    body["served_territories"] = list(services.settings.territories)
    body["forms"] = {nature: asdict(form) for nature, form in NATURE_FORMS.items()}
    body["attachments"] = {
        "extensions": list(ALLOWED_EXTENSIONS),
        "max_bytes": services.settings.attachment_max_bytes,
    }
    return body


@router.get("/companies/{siret}", tags=["référentiels"])
async def company(
    siret: Annotated[str, Path(min_length=1, max_length=40, pattern=IDENTIFIER_PATTERN)],
    services: Services,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """« Choisir une entreprise »: the raison sociale a SIRET is registered under, before the requester confirms it."""
    checked = check_siret(siret)
    found = services.companies.lookup(checked)
    if found is None:
        raise NotFound(
            f"Aucune entreprise n'est enregistrée sous le SIRET {checked} ; vérifiez-le.",
            field="siret",
            code="entreprise-inconnue",
        )
    return {"siret": checked, "company_name": found.name}


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
    return await _detail(services, who, request_id, response)


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
    return await _detail(services, who, request_id, response)


@router.get("/requests/{request_id}/history", tags=["demandes"])
async def history(request_id: RequestRef, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The manual's history rows, and every event of the request with its hash (audit)."""
    doc = await _doc(services, who, request_id)
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
    detail = await _detail(services, who, request_id)
    content = await asyncio.to_thread(render_request, detail, font=find_font(services.settings.pdf_font_path))
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="demande-{detail["number"]}.pdf"'},
    )


# ---- agent commands ---------------------------------------------------------------------------------


@router.post("/requests/{request_id}/take-charge", tags=["instruction"])
async def take_charge(
    request_id: RequestRef,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    body: TakeChargeBody | None = None,
) -> dict[str, Any]:
    """The competent unit takes the request in charge; admissibility goes to "À l'étude"."""
    rid = await _id(services, request_id)
    command = commands.TakeRequestInCharge(request_id=rid, unit=body.unit if body else None)
    await services.commands.run(commands.take_in_charge, command, who)
    return await _detail(services, who, rid, response)


@router.post("/requests/{request_id}/admissibility", tags=["instruction"])
async def admissibility(
    request_id: RequestRef, body: AdmissibilityBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Oui, or non with its grounds (for a droit au contrôle, one of the CRPA L.124-1 grounds)."""
    rid = await _id(services, request_id)
    command = commands.DecideAdmissibility(
        request_id=rid, decision=body.decision, grounds=body.grounds, ground_code=body.ground_code
    )
    await services.commands.run(commands.decide_admissibility, command, who)
    return await _detail(services, who, rid, response)


@router.post("/requests/{request_id}/questions", status_code=201, tags=["instruction"])
async def ask(
    request_id: RequestRef, body: TextBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Asks the requester a question (the requester is told by mail)."""
    rid = await _id(services, request_id)
    question_id = await services.commands.run(
        commands.ask_question, commands.AskQuestion(request_id=rid, text=body.text), who
    )
    return {**await _detail(services, who, rid, response), "question_id": question_id}


_CLOSURE_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {"schema": ClosureBody.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["response"],
                    "properties": {
                        "response": {"type": "string"},
                        "attachment_ids": {"type": "array", "items": {"type": "string"}},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
        "required": True,
    }
}


@router.post("/requests/{request_id}/closure", tags=["instruction"], openapi_extra=_CLOSURE_DOC)
async def closure(
    request_id: RequestRef, request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Closes the request with the answer. JSON `{response, attachment_ids}`, or multipart with
    `response` and `files` (stored as attachments and sent with the answer)."""
    rid = await _id(services, request_id)
    uploads: list[Upload] = []
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        _refuse_oversized(request, services)
        form = await request.form()
        try:
            body = ClosureBody(
                response=str(form.get("response") or ""),
                attachment_ids=[str(a) for a in form.getlist("attachment_ids") if a],
            )
        except ValidationError as error:
            raise DomainError("La réponse est obligatoire.", field="response") from error
        uploads = [_upload(f) for key in ("files", "file") for f in form.getlist(key) if isinstance(f, StarletteUpload)]
    else:
        try:
            body = ClosureBody.model_validate_json(await request.body() or b"{}")
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "response"
            raise DomainError(f"{where} : champ absent ou invalide.", field=where) from error
    await services.uploads.close(who, rid, body.response, body.attachment_ids, uploads)
    return await _detail(services, who, rid, response)


# ---- requester commands -----------------------------------------------------------------------------


@router.post("/requests/{request_id}/complements", status_code=201, tags=["échanges"])
async def complement(
    request_id: RequestRef, body: TextBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Adds a complement while the request is filed or taken in charge."""
    rid = await _id(services, request_id)
    complement_id = await services.commands.run(
        commands.add_complement, commands.AddComplement(request_id=rid, text=body.text), who
    )
    return {**await _detail(services, who, rid, response), "complement_id": complement_id}


@router.post("/requests/{request_id}/questions/{question_id}/answer", tags=["échanges"])
async def answer(
    request_id: RequestRef,
    question_id: PathId,
    body: TextBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """Answers a question of the service, once (the directorate is told by mail)."""
    rid = await _id(services, request_id)
    command = commands.AnswerQuestion(request_id=rid, question_id=question_id, text=body.text)
    await services.commands.run(commands.answer_question, command, who)
    return await _detail(services, who, rid, response)


# ---- attachments ------------------------------------------------------------------------------------


_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "le fichier (extensions du manuel §3.2.5)",
                        }
                    },
                }
            }
        },
        "required": True,
    }
}


@router.post("/requests/{request_id}/attachments", status_code=201, tags=["pièces jointes"], openapi_extra=_UPLOAD_DOC)
async def add_attachment(
    request_id: RequestRef, request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Adds a file: allowed extension, under the size cap, stored under a sanitised name."""
    _refuse_oversized(request, services)  # before the body is read: an announced oversize upload is not received
    rid = await _id(services, request_id)
    form = await request.form(max_files=1)
    file = form.get("file")
    if not isinstance(file, StarletteUpload):
        raise DomainError("Joignez un fichier (champ « file » d'un formulaire multipart).", field="file")
    attachment_id = await services.uploads.add(who, rid, _upload(file))
    doc = await _doc(services, who, rid)
    response.headers["Location"] = f"/api/v1/requests/{rid}/attachments/{attachment_id}"
    return {**views.attachment(rid, doc["attachments"][attachment_id]), "request_version": doc["version"]}


@router.get(
    "/requests/{request_id}/attachments/{attachment_id}",
    tags=["pièces jointes"],
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download(
    request_id: RequestRef, attachment_id: PathId, services: Services, who: CurrentPrincipal
) -> StreamingResponse:
    """The file's content, as stored; its SHA-256 in `Repr-Digest` and `ETag`."""
    doc = await _doc(services, who, request_id)
    item = doc["attachments"].get(attachment_id)
    if item is None:
        raise NotFound(f"La pièce jointe {attachment_id} est introuvable.", field="attachment_id")
    if item["deleted_at"]:
        raise DomainError(
            "Cette pièce jointe a été supprimée.", field="attachment_id", code="piece-jointe-supprimee", status=410
        )
    chunks = await services.blobs.open(item["blob_id"])
    if chunks is None:
        raise NotFound(f"Le contenu de la pièce jointe {attachment_id} est introuvable.", field="attachment_id")
    return StreamingResponse(
        _stream(chunks),
        media_type=item["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item['filename'])}",
            "Content-Length": str(item["size"]),
            "ETag": f'"{item["sha256"]}"',
            "Repr-Digest": f"sha-256=:{_b64(item['sha256'])}:",
        },
    )


@router.delete("/requests/{request_id}/attachments/{attachment_id}", tags=["pièces jointes"])
async def remove_attachment(
    request_id: RequestRef, attachment_id: PathId, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Deletes one of one's own attachments while the request is filed or taken in charge."""
    rid = await _id(services, request_id)
    command = commands.RemoveAttachment(request_id=rid, attachment_id=attachment_id)
    await services.commands.run(commands.remove_attachment, command, who)
    return await _detail(services, who, rid, response)


async def _stream(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
