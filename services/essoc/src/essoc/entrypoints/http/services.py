"""What the routes of the request API share: the services `bootstrap` wires, the path parameters, the strict
bodies, and the read of a request the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Response
from pydantic import BaseModel, ConfigDict

from chassis.commands import Commands
from chassis.eventstore import EventStore
from chassis.http.auth import Principal
from chassis.http.inputs import IDENTIFIER_PATTERN, Paragraph
from chassis.service import services_of
from essoc.adapters.assistance_tickets import TicketReadModel
from essoc.adapters.blobs import AttachmentStore
from essoc.adapters.drafts import DraftReadModel
from essoc.adapters.read_models import Board, RequestReadModel
from essoc.application import access
from essoc.application.scheduler import AnswerClock
from essoc.application.unit_of_work import Clock, CompanyDirectory, EssocUnitOfWork
from essoc.application.uploads import Uploads
from essoc.documents.library import DocumentLibrary
from essoc.domain.agents import AgentDirectory
from essoc.domain.identity import is_request_number
from essoc.domain.referentials import Referentials
from essoc.entrypoints import views
from essoc.settings import EssocSettings

PathId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
RequestRef = Annotated[
    str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN, description="id de la demande ou son numéro")
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextBody(Body):
    text: Paragraph


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
    drafts: DraftReadModel
    tickets: TicketReadModel | None = None
    """The assistance tickets (decision record 0028)."""


Services = Annotated[EssocServices, Depends(services_of(EssocServices))]


async def request_document(
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


async def request_id_of(services: EssocServices, request_id: str) -> str:
    """The stream id of a request named by its id or its number."""
    if not is_request_number(request_id):
        return request_id
    found = await services.read_model.request_id(int(request_id))
    if found is None:
        raise access.unknown()
    return found


async def detail_of(
    services: EssocServices, who: Principal, request_id: str, response: Response | None = None
) -> dict[str, Any]:
    return views.detail(await request_document(services, who, request_id, response))
