"""The commands of OGDE and their handlers: load the request, check who acts, let the request decide,
save what it decided at the version read.

Each handler is `(command, principal, uow)` and runs in one transaction (`chassis.commands`); a refused
command raises before anything is appended (the number counter included: it is rolled back too).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chassis.http.auth import Principal
from chassis.repository import Loaded
from contracts.events.essoc import AttachmentAdded, Requester, RequestSubmitted
from essoc.application import access
from essoc.application.unit_of_work import EssocUnitOfWork
from essoc.domain.agents import Agent
from essoc.domain.filing import Filing, submit_request
from essoc.domain.identity import check_siret, is_request_number
from essoc.domain.request import EssocEvent, EssocRequest

Acting = Literal["examiner", "requester"]
"""How the caller acts: as the examining service (agent of the request, or admin), or as the request's
requester (another's request is unknown to them, whatever other role they hold)."""


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubmitRequest(Command):
    filing: Filing
    request_id: str = Field(default_factory=lambda: new_id("req"))


class RequestCommand(Command):
    request_id: str


class TakeRequestInCharge(RequestCommand):
    unit: str | None = None


class ReassignRequest(RequestCommand):
    agent_id: str


class AddNote(RequestCommand):
    text: str
    note_id: str = Field(default_factory=lambda: new_id("n"))


class DecideAdmissibility(RequestCommand):
    decision: str
    grounds: str | None = None
    ground_code: str | None = None


class AskQuestion(RequestCommand):
    text: str
    question_id: str = Field(default_factory=lambda: new_id("q"))


class AnswerQuestion(RequestCommand):
    question_id: str
    text: str


class AddComplement(RequestCommand):
    text: str
    complement_id: str = Field(default_factory=lambda: new_id("c"))


class StagedFile(Command):
    """A file whose content is already stored (under `attachment_id`), waiting for its event."""

    attachment_id: str
    filename: str
    size: int
    sha256: str


class CheckFiles(RequestCommand):
    """Would these files be accepted on the request as it stands? Appends nothing."""

    files: list[StagedFile]


class AddAttachment(RequestCommand):
    file: StagedFile


class RemoveAttachment(RequestCommand):
    attachment_id: str


class CloseRequest(RequestCommand):
    response: str
    attachment_ids: list[str] = Field(default_factory=list)
    """Attachments already on the request that go with the answer."""
    files: list[StagedFile] = Field(default_factory=list)
    """Files sent with the answer, added as attachments in the same transaction."""


class NotifyDeadlines(RequestCommand):
    now: datetime


# ---- filing ------------------------------------------------------------------------------------------


async def submit(cmd: SubmitRequest, who: Principal, uow: EssocUnitOfWork) -> str:
    """Files a request under the caller's identity; returns its id."""
    events, territory = await filed(cmd.filing, cmd.request_id, who, uow)
    await uow.requests.save(cmd.request_id, events, expected_version=0, territory=territory)
    return cmd.request_id


async def filed(
    filing: Filing, request_id: str, who: Principal, uow: EssocUnitOfWork
) -> tuple[list[RequestSubmitted], str]:
    """The RequestSubmitted of `filing` by the caller (its number taken in this transaction), and the territory of
    the directorate it is addressed to; a filing from a draft goes through it too (`drafting.submit`)."""
    who.require("requester")
    requester = Requester(id=who.id, name=who.name, first_name=who.first_name, email=who.email)
    company_name = company_name_of(filing.requester_type, filing.siret, uow)
    now = uow.clock()
    previous = await previous_request(filing, uow) if filing.nature == "second_examen" else None
    number = await uow.numbers.next()
    events = submit_request(
        filing,
        request_id=request_id,
        number=number,
        requester=requester,
        company_name=company_name,
        previous=previous,
        referentials=uow.referentials,
        now=now,
    )
    directorate = uow.referentials.directorate(events[0].directorate)
    assert directorate is not None
    return events, access.served_territory(directorate, filing.nature, uow.served)


def company_name_of(requester_type: str, siret: str | None, uow: EssocUnitOfWork) -> str | None:
    """The raison sociale the directory knows under the SIRET of a company (None otherwise)."""
    if requester_type != "entreprise" or not siret:
        return None
    company = uow.companies.lookup(check_siret(siret))
    return company.name if company else None


async def previous_request(filing: Filing, uow: EssocUnitOfWork) -> EssocRequest | None:
    """The request a second examen cites, by id or by its number (the manual's "numéro de dossier")."""
    ref = (filing.previous_request or "").strip()
    if not ref:
        return None
    stream: str | None = ref
    if is_request_number(ref):
        stream = await uow.numbers.request_id(int(ref))
    loaded = await uow.requests.get(stream) if stream else None
    return loaded.aggregate if loaded else None


# ---- the examining service -----------------------------------------------------------------------------


async def take_in_charge(cmd: TakeRequestInCharge, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow, "examiner")
    events = loaded.aggregate.take_charge(agent_id=who.id, unit=cmd.unit, agent_name=_as_agent(who).display_name)
    await _save(loaded, uow, events)


async def reassign(cmd: ReassignRequest, who: Principal, uow: EssocUnitOfWork) -> None:
    """« Réassigner »: another agent of the same directorate follows the request from now on."""
    loaded = await _load(cmd, who, uow, "examiner")
    to = uow.agents.agent(cmd.agent_id)
    events = loaded.aggregate.reassign(to=to, to_id=cmd.agent_id, territory=loaded.territory, by=who.id)
    await _save(loaded, uow, events)


async def add_note(cmd: AddNote, who: Principal, uow: EssocUnitOfWork) -> str:
    """A private note, for the agents of the request only."""
    loaded = await _load(cmd, who, uow, "examiner")
    await _save(loaded, uow, loaded.aggregate.add_note(note_id=cmd.note_id, text=cmd.text, author=_as_agent(who)))
    return cmd.note_id


def _as_agent(who: Principal) -> Agent:
    """The caller as the instruction names them (the token's claims)."""
    return Agent(
        id=who.id,
        name=who.name,
        given_name=who.first_name,
        email=who.email,
        territories=who.territories,
        directorates=who.directorates,
    )


async def decide_admissibility(cmd: DecideAdmissibility, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow, "examiner")
    request = loaded.aggregate
    code, text = cmd.ground_code, cmd.grounds
    # A droit au contrôle's ground may be given by its code in `grounds` (CRPA L.124-1 list).
    if (
        request.nature == "droit_au_controle"
        and code is None
        and text is not None
        and uow.referentials.refusal_ground(text.strip()) is not None
    ):
        code, text = text.strip(), None
    events = request.decide_admissibility(
        decision=cmd.decision, grounds=text, ground_code=code, referentials=uow.referentials, now=uow.clock()
    )
    await _save(loaded, uow, events)


async def ask_question(cmd: AskQuestion, who: Principal, uow: EssocUnitOfWork) -> str:
    loaded = await _load(cmd, who, uow, "examiner")
    events = loaded.aggregate.ask_question(question_id=cmd.question_id, text=cmd.text, agent_id=who.id)
    await _save(loaded, uow, events)
    return cmd.question_id


async def close(cmd: CloseRequest, who: Principal, uow: EssocUnitOfWork) -> None:
    """Closes with the answer; files sent with it become attachments in the same transaction."""
    loaded = await _load(cmd, who, uow, "examiner")
    request = loaded.aggregate
    events: list[EssocEvent] = []
    for file in cmd.files:
        for added in _attachment(request, who, file, uow, "agent"):
            request.apply(added, uow.clock())
            events.append(added)
    closing = [*cmd.attachment_ids, *(f.attachment_id for f in cmd.files)]
    await _save(loaded, uow, [*events, *request.close(response=cmd.response, attachment_ids=closing)])


# ---- the requester -----------------------------------------------------------------------------------


async def answer_question(cmd: AnswerQuestion, who: Principal, uow: EssocUnitOfWork) -> None:
    who.require("requester")
    loaded = await _load(cmd, who, uow, "requester")
    events = loaded.aggregate.answer_question(question_id=cmd.question_id, text=cmd.text, requester_id=who.id)
    await _save(loaded, uow, events)


async def add_complement(cmd: AddComplement, who: Principal, uow: EssocUnitOfWork) -> str:
    who.require("requester")
    loaded = await _load(cmd, who, uow, "requester")
    events = loaded.aggregate.add_complement(complement_id=cmd.complement_id, text=cmd.text, requester_id=who.id)
    await _save(loaded, uow, events)
    return cmd.complement_id


# ---- attachments -------------------------------------------------------------------------------------


async def check_files(cmd: CheckFiles, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded, side = await _load_uploader(cmd, who, uow)
    for file in cmd.files:
        _attachment(loaded.aggregate, who, file, uow, side)


async def add_attachment(cmd: AddAttachment, who: Principal, uow: EssocUnitOfWork) -> str:
    loaded, side = await _load_uploader(cmd, who, uow)
    await _save(loaded, uow, _attachment(loaded.aggregate, who, cmd.file, uow, side))
    return cmd.file.attachment_id


async def remove_attachment(cmd: RemoveAttachment, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded, _ = await _load_uploader(cmd, who, uow)
    await _save(loaded, uow, loaded.aggregate.remove_attachment(attachment_id=cmd.attachment_id, removed_by=who.id))


Side = Literal["requester", "agent"]
"""Who adds a file: the request's requester, or the examining service."""


async def _load_uploader(
    cmd: RequestCommand, who: Principal, uow: EssocUnitOfWork
) -> tuple[Loaded[EssocRequest], Side]:
    """The request and the side the caller adds to it from: the requester to their own request; agents and
    admins as the examining service. A person who is both acts as the requester on a request they filed."""
    who.require("requester", "agent", "admin")
    loaded = await uow.requests.get(cmd.request_id)
    if loaded is not None and who.has("requester") and loaded.aggregate.requester.id == who.id:
        who.require("requester")
        return loaded, "requester"
    if not who.has("agent", "admin"):
        raise access.unknown()  # someone else's request: as one that does not exist
    return await _load(cmd, who, uow, "examiner"), "agent"


def _attachment(
    request: EssocRequest, who: Principal, file: StagedFile, uow: EssocUnitOfWork, side: Side
) -> list[AttachmentAdded]:
    return request.add_attachment(
        attachment_id=file.attachment_id,
        filename=file.filename,
        size=file.size,
        sha256=file.sha256,
        blob_id=file.attachment_id,
        added_by=who.id,
        role=side,
        max_size=uow.max_attachment_bytes,
    )


# ---- the answer clock ------------------------------------------------------------------------------


async def notify_deadlines(cmd: NotifyDeadlines, who: Principal, uow: EssocUnitOfWork) -> int:
    """Appends the DeadlineReached due at `now` on one request; returns how many."""
    loaded = await uow.requests.get(cmd.request_id)
    if loaded is None:
        return 0
    events = loaded.aggregate.deadline_notices_due(cmd.now)
    await _save(loaded, uow, events)
    return len(events)


# ---- plumbing --------------------------------------------------------------------------------------


async def _load(cmd: RequestCommand, who: Principal, uow: EssocUnitOfWork, acting: Acting) -> Loaded[EssocRequest]:
    """The request, if `who` may act on it as `acting`."""
    loaded = await uow.requests.get(cmd.request_id)
    if loaded is None:
        raise access.unknown()
    request = loaded.aggregate
    if acting == "examiner":
        directorate = uow.referentials.directorate(request.directorate)
        label = directorate.label if directorate else request.directorate
        access.require_examiner(
            who, territory=loaded.territory, directorate=request.directorate, number=request.number, label=label
        )
    elif request.requester.id != who.id:
        raise access.unknown()
    return loaded


async def _save(loaded: Loaded[EssocRequest], uow: EssocUnitOfWork, events: Sequence[BaseModel]) -> None:
    await uow.requests.save(loaded.stream_id, events, expected_version=loaded.version, territory=loaded.territory)
