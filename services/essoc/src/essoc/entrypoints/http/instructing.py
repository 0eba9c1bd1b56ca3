"""The agents' commands of the instruction: taking a request in charge, deciding its admissibility, asking the
requester a question, closing it with the answer."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field, ValidationError
from starlette.datastructures import UploadFile as StarletteUpload

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import Code, Identifier, Line, LongText, Paragraph
from contracts.errors import DomainError
from essoc.application import commands
from essoc.application.uploads import Upload
from essoc.entrypoints.http.attachments import read_upload, refuse_oversized
from essoc.entrypoints.http.services import Body, RequestRef, Services, TextBody, detail_of, request_id_of

router = APIRouter()


class TakeChargeBody(Body):
    unit: Line | None = Field(default=None, description="pôle affecté ; par défaut celui de la direction")


class AdmissibilityBody(Body):
    decision: Literal["oui", "non"]
    grounds: Paragraph | None = Field(
        default=None,
        description="motifs du refus ; pour un droit au contrôle, "
        "l'un des codes de `refusal_grounds` ou un texte avec `ground_code`",
    )
    ground_code: Code | None = None


class ClosureBody(Body):
    response: LongText
    attachment_ids: list[Identifier] = Field(
        default_factory=list, max_length=50, description="pièces jointes déjà ajoutées"
    )


@router.post("/requests/{request_id}/take-charge", tags=["instruction"])
async def take_charge(
    request_id: RequestRef,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    body: TakeChargeBody | None = None,
) -> dict[str, Any]:
    """The competent unit takes the request in charge; admissibility goes to "À l'étude"."""
    rid = await request_id_of(services, request_id)
    command = commands.TakeRequestInCharge(request_id=rid, unit=body.unit if body else None)
    await services.commands.run(commands.take_in_charge, command, who)
    return await detail_of(services, who, rid, response)


@router.post("/requests/{request_id}/admissibility", tags=["instruction"])
async def admissibility(
    request_id: RequestRef, body: AdmissibilityBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Oui, or non with its grounds (for a droit au contrôle, one of the CRPA L.124-1 grounds)."""
    rid = await request_id_of(services, request_id)
    command = commands.DecideAdmissibility(
        request_id=rid, decision=body.decision, grounds=body.grounds, ground_code=body.ground_code
    )
    await services.commands.run(commands.decide_admissibility, command, who)
    return await detail_of(services, who, rid, response)


@router.post("/requests/{request_id}/questions", status_code=201, tags=["instruction"])
async def ask(
    request_id: RequestRef, body: TextBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Asks the requester a question (the requester is told by mail)."""
    rid = await request_id_of(services, request_id)
    question_id = await services.commands.run(
        commands.ask_question, commands.AskQuestion(request_id=rid, text=body.text), who
    )
    return {**await detail_of(services, who, rid, response), "question_id": question_id}


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
    rid = await request_id_of(services, request_id)
    uploads: list[Upload] = []
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        refuse_oversized(request, services)
        form = await request.form()
        try:
            body = ClosureBody(
                response=str(form.get("response") or ""),
                attachment_ids=[str(a) for a in form.getlist("attachment_ids") if a],
            )
        except ValidationError as error:
            raise DomainError("La réponse est obligatoire.", field="response") from error
        uploads = [
            read_upload(f) for key in ("files", "file") for f in form.getlist(key) if isinstance(f, StarletteUpload)
        ]
    else:
        try:
            body = ClosureBody.model_validate_json(await request.body() or b"{}")
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "response"
            raise DomainError(f"{where} : champ absent ou invalide.", field=where) from error
    await services.uploads.close(who, rid, body.response, body.attachment_ids, uploads)
    return await detail_of(services, who, rid, response)
