"""The requester's exchanges with the service: a complement to the request, the answer to a question."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from chassis.http.auth import CurrentPrincipal
from essoc.application import commands
from essoc.entrypoints.http.services import PathId, RequestRef, Services, TextBody, detail_of, request_id_of

router = APIRouter()


@router.post("/requests/{request_id}/complements", status_code=201, tags=["échanges"])
async def complement(
    request_id: RequestRef, body: TextBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Adds a complement while the request is filed or taken in charge."""
    rid = await request_id_of(services, request_id)
    complement_id = await services.commands.run(
        commands.add_complement, commands.AddComplement(request_id=rid, text=body.text), who
    )
    return {**await detail_of(services, who, rid, response), "complement_id": complement_id}


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
    rid = await request_id_of(services, request_id)
    command = commands.AnswerQuestion(request_id=rid, question_id=question_id, text=body.text)
    await services.commands.run(commands.answer_question, command, who)
    return await detail_of(services, who, rid, response)
