"""« Demande d'assistance » (decision record 0028): any signed-in person files a ticket (multipart: its fields and up
to 5 files) and follows their own; the agents list every ticket in their queue, answer and close them.

A ticket is its filer's and the agents': anyone else is told it does not exist (404)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile as StarletteUpload

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import Paragraph
from chassis.repository import recorded
from contracts.errors import DomainError, NotFound
from essoc.application import assistance
from essoc.application.assistance_view import status_of
from essoc.domain.assistance import CATEGORIES, GRAVITIES, TICKET_MAX_FILES, AssistanceTicket, unknown_ticket
from essoc.domain.attachments import ALLOWED_EXTENSIONS
from essoc.entrypoints.http.attachments import _stream, read_upload, refuse_oversized
from essoc.entrypoints.http.services import Body, EssocServices, PathId, Services

router = APIRouter()
TAG = "assistance"
Number = Annotated[str, Path(pattern=r"^AS-\d{4}-\d{6}$", description="numéro de la demande, « AS-2026-000123 »")]
FIELDS = ("subject", "category", "gravity", "description", "incident_reference")


class TicketText(Body):
    text: Paragraph


def _tickets(services: EssocServices) -> Any:
    if services.tickets is None:
        raise RuntimeError("assistance tickets are not wired")
    return services.tickets


async def ticket_of(services: EssocServices, who: Principal, number: str) -> tuple[AssistanceTicket, str]:
    """The ticket, for its filer or an agent; for anyone else, as one that does not exist."""
    who.require(*assistance.PERSON_ROLES)
    envelopes = await services.store.read_stream(assistance.stream_of(number))
    if not envelopes or envelopes[0].stream_type != "assistance":
        raise unknown_ticket()
    ticket = AssistanceTicket.from_recorded(recorded(envelopes))
    if not assistance.may_see(ticket, who):
        raise unknown_ticket()
    return ticket, envelopes[0].territory


def detail(found: tuple[AssistanceTicket, str]) -> dict[str, Any]:
    """The ticket, and the territory whose zone its dates are shown in."""
    ticket, territory = found
    last = ticket.messages[-1].author if ticket.messages else "requester"
    status = status_of({"closed_at": ticket.closed_at, "last_from": last})
    return {
        "number": ticket.number,
        "territory": territory,
        "subject": ticket.subject,
        "category": ticket.category,
        "category_label": CATEGORIES[ticket.category],
        "gravity": ticket.gravity,
        "gravity_label": GRAVITIES[ticket.gravity],
        "description": ticket.description,
        "incident_reference": ticket.incident_reference,
        "requester": ticket.requester.model_dump(),
        "filed_at": ticket.filed_at.isoformat(),
        "status": status,
        "open": ticket.is_open,
        "closed_by": ticket.closed_by,
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
        "files": [
            {"attachment_id": f.attachment_id, "filename": f.filename, "size": f.size, "content_type": f.content_type}
            for f in ticket.files
        ],
        "messages": [
            {
                "id": m.message_id,
                "author": m.author,
                "author_name": m.author_name,
                "text": m.text,
                "at": m.at.isoformat(),
            }
            for m in ticket.messages
        ],
    }


def row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": doc["number"],
        "subject": doc["subject"],
        "category": doc["category"],
        "category_label": CATEGORIES[doc["category"]],
        "gravity": doc["gravity"],
        "gravity_label": GRAVITIES[doc["gravity"]],
        "requester_name": doc["requester_name"],
        "territory": doc["territory"],
        "filed_at": doc["filed_at"].isoformat(),
        "updated_at": doc["updated_at"].isoformat(),
        "status": doc["status"],
    }


@router.get("/assistance/referentials", tags=[TAG])
async def referentials(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The categories, the gravities and the limits of the files, as the form says them before choosing."""
    return {
        "categories": [{"code": k, "label": v} for k, v in CATEGORIES.items()],
        "gravities": [{"code": k, "label": v} for k, v in GRAVITIES.items()],
        "max_files": TICKET_MAX_FILES,
        "max_bytes": services.settings.attachment_max_bytes,
        "extensions": list(ALLOWED_EXTENSIONS),
    }


@router.post("/assistance", status_code=201, tags=[TAG])
async def file_ticket(
    request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """« Envoyer la demande » (multipart: `subject`, `category`, `gravity`, `description`, `incident_reference`
    and up to 5 `file`): the ticket's number, « AS-2026-000123 »; the person and the support are mailed."""
    refuse_oversized(request, services)
    form = await request.form(max_files=TICKET_MAX_FILES + 1)
    values = {name: form.get(name) for name in FIELDS}
    texts = {name: value if isinstance(value, str) else "" for name, value in values.items()}
    files = [f for f in form.getlist("file") if isinstance(f, StarletteUpload) and f.filename]
    if len(files) > TICKET_MAX_FILES:
        raise DomainError(f"Joignez {TICKET_MAX_FILES} fichiers au plus.", field="file", code="trop-de-pieces-jointes")
    command = assistance.RequestAssistance(**{**texts, "incident_reference": texts["incident_reference"] or None})
    number = await assistance.file_ticket(
        services.commands, services.uploads, who, command, [read_upload(f) for f in files]
    )
    response.headers["Location"] = f"/api/v1/assistance/{number}"
    return detail(await ticket_of(services, who, number))


@router.get("/assistance", tags=[TAG])
async def mine(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """« Mes demandes d'assistance »: the caller's own tickets, the last filed first."""
    who.require(*assistance.PERSON_ROLES)
    rows = await _tickets(services).of_requester(who.id)
    return {"total": len(rows), "items": [row(d) for d in rows]}


@router.get("/assistance/queue", tags=[TAG])
async def queue(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The agents' queue: every ticket (they are not per directorate), open first, blocking first, oldest first."""
    who.require("agent")
    rows = await _tickets(services).queue()
    return {"total": len(rows), "open": sum(1 for d in rows if d["open"]), "items": [row(d) for d in rows]}


@router.get("/assistance/{number}", tags=[TAG])
async def ticket(number: Number, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    return detail(await ticket_of(services, who, number))


@router.post("/assistance/{number}/answers", status_code=201, tags=[TAG])
async def answer(number: Number, body: TicketText, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """An agent's answer; the person is mailed it."""
    await services.commands.run(assistance.answer, assistance.AnswerTicket(number=number, text=body.text), who)
    return detail(await ticket_of(services, who, number))


@router.post("/assistance/{number}/messages", status_code=201, tags=[TAG])
async def follow_up(number: Number, body: TicketText, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The person writes again on their ticket."""
    command = assistance.FollowUpTicket(number=number, text=body.text)
    await services.commands.run(assistance.follow_up, command, who)
    return detail(await ticket_of(services, who, number))


@router.post("/assistance/{number}/closure", tags=[TAG])
async def close(number: Number, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """« Clore la demande »: by the person (their problem is solved) or by an agent."""
    await services.commands.run(assistance.close, assistance.CloseTicket(number=number), who)
    return detail(await ticket_of(services, who, number))


@router.get("/assistance/{number}/files/{attachment_id}", tags=[TAG], response_class=StreamingResponse)
async def download(number: Number, attachment_id: PathId, services: Services, who: CurrentPrincipal) -> Response:
    found = next(
        (f for f in (await ticket_of(services, who, number))[0].files if f.attachment_id == attachment_id), None
    )
    chunks = await services.blobs.open(found.blob_id) if found else None
    if found is None or chunks is None:
        raise NotFound(f"La pièce jointe {attachment_id} est introuvable.", field="attachment_id")
    return StreamingResponse(
        _stream(chunks),
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "Content-Length": str(found.size),
        },
    )
