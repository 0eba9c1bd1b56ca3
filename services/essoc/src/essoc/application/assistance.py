"""The commands of an assistance ticket (decision record 0028) and their handlers: any signed-in person files one
(its files stored first, as `uploads` does for a request) and writes again on it or closes it; an agent answers or
closes any ticket. Each handler is `(command, principal, uow)` and runs in one transaction.

A ticket is its filer's: anyone else but an agent is told it does not exist."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from chassis.commands import Commands
from chassis.http.auth import Principal
from chassis.repository import Loaded, Repository
from contracts.events.assistance import TicketRequester
from essoc.application.commands import Command, StagedFile, new_id
from essoc.application.drafting import draft_territory
from essoc.application.unit_of_work import EssocUnitOfWork
from essoc.application.uploads import Upload, Uploads
from essoc.domain.assistance import (
    TICKET_NUMBER,
    AssistanceTicket,
    Attached,
    check_files,
    request_assistance,
    ticket_number,
    unknown_ticket,
)

STREAM_PREFIX = "assistance-"
PERSON_ROLES = ("declarant", "requester", "agent", "auditor", "comptable", "admin")
"""The roles of a person (a service's token files no ticket)."""


def stream_of(number: str) -> str:
    return f"{STREAM_PREFIX}{number}"


class RequestAssistance(Command):
    subject: str = ""
    category: str = ""
    gravity: str = ""
    description: str = ""
    incident_reference: str | None = None
    files: list[StagedFile] = Field(default_factory=list)
    ticket_id: str = Field(default_factory=lambda: new_id("assistance"))


class TicketCommand(Command):
    number: str


class AnswerTicket(TicketCommand):
    text: str
    message_id: str = Field(default_factory=lambda: new_id("msg"))


class FollowUpTicket(TicketCommand):
    text: str
    message_id: str = Field(default_factory=lambda: new_id("msg"))


class CloseTicket(TicketCommand):
    pass


def _requester(who: Principal) -> TicketRequester:
    who.require(*PERSON_ROLES)
    name = " ".join(part for part in (who.first_name, who.name) if part) or who.id
    return TicketRequester(id=who.id, name=name, email=who.email, roles=sorted(who.roles))


def _checked(cmd: RequestAssistance, who: Principal, uow: EssocUnitOfWork, number: str) -> list[BaseModel]:
    attached = [Attached(f.attachment_id, f.filename, f.size, f.sha256) for f in cmd.files]
    return list(
        request_assistance(
            ticket_id=cmd.ticket_id,
            number=number,
            subject=cmd.subject,
            category=cmd.category,
            gravity=cmd.gravity,
            description=cmd.description,
            incident_reference=cmd.incident_reference,
            files=check_files(attached, uow.max_attachment_bytes),
            requester=_requester(who),
            now=uow.clock(),
        )
    )


async def check(cmd: RequestAssistance, who: Principal, uow: EssocUnitOfWork) -> None:
    """Would this request be accepted? Appends nothing (its files are not stored yet)."""
    _checked(cmd, who, uow, ticket_number(uow.clock().year, 0))


async def request(cmd: RequestAssistance, who: Principal, uow: EssocUnitOfWork) -> str:
    """« Envoyer la demande »: the ticket numbered and recorded; returns its number."""
    if uow.ticket_numbers is None:
        raise RuntimeError("ticket numbers are not wired")
    year = uow.clock().year
    number = ticket_number(year, await uow.ticket_numbers.next_ticket(year))
    events = _checked(cmd, who, uow, number)
    await tickets(uow).save(stream_of(number), events, expected_version=0, territory=draft_territory(uow.served))
    return number


async def answer(cmd: AnswerTicket, who: Principal, uow: EssocUnitOfWork) -> None:
    who.require("agent")
    loaded = await _load(cmd, who, uow)
    name = " ".join(part for part in (who.first_name, who.name) if part) or who.id
    events = loaded.aggregate.answer(
        message_id=cmd.message_id, agent_id=who.id, agent_name=name, text=cmd.text, now=uow.clock()
    )
    await _save(loaded, uow, events)


async def follow_up(cmd: FollowUpTicket, who: Principal, uow: EssocUnitOfWork) -> None:
    who.require(*PERSON_ROLES)
    loaded = await _load(cmd, who, uow)
    events = loaded.aggregate.follow_up(message_id=cmd.message_id, text=cmd.text, by=who.id, now=uow.clock())
    await _save(loaded, uow, events)


async def close(cmd: CloseTicket, who: Principal, uow: EssocUnitOfWork) -> None:
    who.require(*PERSON_ROLES)
    loaded = await _load(cmd, who, uow)
    by = "requester" if loaded.aggregate.is_owned_by(who.id) else "agent"
    await _save(loaded, uow, loaded.aggregate.close(by=by, by_id=who.id, now=uow.clock()))


def tickets(uow: EssocUnitOfWork) -> Repository[AssistanceTicket]:
    return Repository(uow.requests.streams, AssistanceTicket.from_recorded)


def may_see(ticket: AssistanceTicket, who: Principal) -> bool:
    """Its filer, and every agent (tickets are not per directorate)."""
    return ticket.is_owned_by(who.id) or who.has("agent")


async def _load(cmd: TicketCommand, who: Principal, uow: EssocUnitOfWork) -> Loaded[AssistanceTicket]:
    loaded = await tickets(uow).get(stream_of(cmd.number)) if TICKET_NUMBER.fullmatch(cmd.number) else None
    if loaded is None or not may_see(loaded.aggregate, who):
        raise unknown_ticket()
    return loaded


async def _save(loaded: Loaded[AssistanceTicket], uow: EssocUnitOfWork, events: Sequence[BaseModel]) -> None:
    await tickets(uow).save(loaded.stream_id, events, expected_version=loaded.version, territory=loaded.territory)


async def file_ticket(
    runner: Commands[EssocUnitOfWork], uploads: Uploads, who: Principal, cmd: RequestAssistance, files: list[Upload]
) -> str:
    """Files the ticket with its files: checked first, their contents stored, then recorded (the contents deleted
    again when it is refused)."""

    async def checked(staged: list[StagedFile]) -> None:
        await runner.run(check, cmd.model_copy(update={"files": staged}), who)

    async def filed(staged: list[StagedFile]) -> str:
        return await runner.run(request, cmd.model_copy(update={"files": staged}), who)

    await runner.run(check, cmd, who)  # the fields, before any file is read
    return await uploads.with_files(who, "assistance", files, filed, check=checked)
