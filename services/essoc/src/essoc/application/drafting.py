"""The commands of a request's draft (decision record 0026) and their handlers: the requester saves « Nouvelle
demande » step by step in their own stream, keeps files with it, discards it, or submits it as the request; the
service expires the drafts untouched for 90 days.

Each handler is `(command, principal, uow)` and runs in one transaction, as `commands`. Only the requester who
started a draft acts on it: another requester is told it does not exist, any other profile is refused (403). The
handlers that close a draft return the contents of its files for the caller to delete once committed (`uploads`,
`retention`); a crash in between leaves contents the orphan sweep deletes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, Field

from chassis.http.auth import Principal
from chassis.repository import Loaded
from contracts.events.essoc import FieldOfApplication, Requester
from essoc.application import access
from essoc.application.commands import Command, StagedFile, company_name_of, filed, new_id, previous_request
from essoc.application.unit_of_work import EssocUnitOfWork
from essoc.domain.draft import RequestDraft, start_draft, unknown_draft
from essoc.domain.filing import Filing
from essoc.domain.request import EssocEvent, EssocRequest

DRAFT_PREFIX = "brouillon-"


class StartDraft(Command):
    """The first step, « Demandeur », saved: the draft starts with it."""

    requester_type: str
    siret: str | None = None
    represented_siren: str | None = None
    draft_id: str = Field(default_factory=lambda: new_id("brouillon"))


class DraftCommand(Command):
    draft_id: str


class SetDraftRequester(DraftCommand):
    requester_type: str
    siret: str | None = None
    represented_siren: str | None = None


class SetDraftCharacteristics(DraftCommand):
    nature: str = ""
    category: str = ""
    sub_category: str | None = None
    previous_request: str | None = None
    contested_rescrit_date: date | None = None
    contested_rescrit_reference: str | None = None


class SetDraftFields(DraftCommand):
    fields: list[FieldOfApplication]


class SetDraftDescription(DraftCommand):
    subject: str = ""
    description: str = ""


class AddDraftFile(DraftCommand):
    file: StagedFile


class RemoveDraftFile(DraftCommand):
    attachment_id: str


class DiscardDraft(DraftCommand):
    pass


class ExpireDraft(DraftCommand):
    now: datetime


class SubmitDraft(DraftCommand):
    request_id: str = Field(default_factory=lambda: new_id("req"))


# ---- the steps -------------------------------------------------------------------------------------


async def start(cmd: StartDraft, who: Principal, uow: EssocUnitOfWork) -> str:
    """Starts the caller's draft with its first step; returns its id."""
    who.require("requester")
    now = uow.clock()
    requester = Requester(id=who.id, name=who.name, first_name=who.first_name, email=who.email)
    started = start_draft(draft_id=cmd.draft_id, requester=requester, now=now)
    draft = RequestDraft.rebuild(started)
    step = draft.set_requester(
        requester_type=cmd.requester_type,
        siret=cmd.siret,
        represented_siren=cmd.represented_siren,
        company_name=company_name_of(cmd.requester_type, cmd.siret, uow),
        by=who.id,
        now=now,
    )
    await uow.drafts.save(cmd.draft_id, [*started, *step], expected_version=0, territory=draft_territory(uow.served))
    return cmd.draft_id


async def set_requester(cmd: SetDraftRequester, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    events = loaded.aggregate.set_requester(
        requester_type=cmd.requester_type,
        siret=cmd.siret,
        represented_siren=cmd.represented_siren,
        company_name=company_name_of(cmd.requester_type, cmd.siret, uow),
        by=who.id,
        now=uow.clock(),
    )
    await _save(loaded, uow, events)


async def set_characteristics(cmd: SetDraftCharacteristics, who: Principal, uow: EssocUnitOfWork) -> None:
    """« Caractéristiques », the directorate's competence included: one this deployment does not serve is refused
    here, at the step that chose it (403, on its field), not at « Créer la demande »."""
    loaded = await _load(cmd, who, uow)
    cited = Filing(nature=cmd.nature, previous_request=cmd.previous_request)
    events = loaded.aggregate.set_characteristics(
        nature=cmd.nature,
        category=cmd.category,
        sub_category=cmd.sub_category,
        previous_request=cmd.previous_request,
        contested_rescrit_date=cmd.contested_rescrit_date,
        contested_rescrit_reference=cmd.contested_rescrit_reference,
        previous=await previous_request(cited, uow) if cmd.nature == "second_examen" else None,
        referentials=uow.referentials,
        by=who.id,
        now=uow.clock(),
    )
    chosen = events[0].directorate
    directorate = uow.referentials.directorate(chosen) if chosen else None
    if directorate is not None:
        access.served_territory(directorate, cmd.nature, uow.served)
    await _save(loaded, uow, events)


async def set_fields(cmd: SetDraftFields, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    events = loaded.aggregate.set_fields(fields=cmd.fields, referentials=uow.referentials, by=who.id, now=uow.clock())
    await _save(loaded, uow, events)


async def set_description(cmd: SetDraftDescription, who: Principal, uow: EssocUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    events = loaded.aggregate.set_description(
        subject=cmd.subject, description=cmd.description, by=who.id, now=uow.clock()
    )
    await _save(loaded, uow, events)


# ---- its files -------------------------------------------------------------------------------------


async def check_file(cmd: AddDraftFile, who: Principal, uow: EssocUnitOfWork) -> None:
    """Would this file be kept with the draft as it stands? Appends nothing (its content is not stored yet)."""
    loaded = await _load(cmd, who, uow)
    _file(loaded.aggregate, cmd.file, who, uow)


async def add_file(cmd: AddDraftFile, who: Principal, uow: EssocUnitOfWork) -> str:
    loaded = await _load(cmd, who, uow)
    await _save(loaded, uow, _file(loaded.aggregate, cmd.file, who, uow))
    return cmd.file.attachment_id


async def remove_file(cmd: RemoveDraftFile, who: Principal, uow: EssocUnitOfWork) -> str:
    """Takes a file off the draft; returns the content to delete."""
    loaded = await _load(cmd, who, uow)
    draft = loaded.aggregate
    await _save(loaded, uow, draft.remove_file(attachment_id=cmd.attachment_id, by=who.id, now=uow.clock()))
    return draft.files[cmd.attachment_id].blob_id  # the draft as loaded: the file is still in it


def _file(draft: RequestDraft, file: StagedFile, who: Principal, uow: EssocUnitOfWork) -> list[BaseModel]:
    return list(
        draft.add_file(
            attachment_id=file.attachment_id,
            filename=file.filename,
            size=file.size,
            sha256=file.sha256,
            blob_id=file.attachment_id,
            by=who.id,
            now=uow.clock(),
            max_size=uow.max_attachment_bytes,
        )
    )


# ---- its end -----------------------------------------------------------------------------------------


async def discard(cmd: DiscardDraft, who: Principal, uow: EssocUnitOfWork) -> list[str]:
    """« Annuler », confirmed; returns the contents to delete."""
    loaded = await _load(cmd, who, uow)
    await _save(loaded, uow, loaded.aggregate.discard(by=who.id, now=uow.clock()))
    return loaded.aggregate.blob_ids()


async def expire(cmd: ExpireDraft, who: Principal, uow: EssocUnitOfWork) -> list[str] | None:
    """The service deletes a draft untouched for 90 days (once: a draft closed or changed since is left as it is);
    returns the contents to delete, None when nothing was due."""
    loaded = await uow.drafts.get(cmd.draft_id) if cmd.draft_id.startswith(DRAFT_PREFIX) else None
    if loaded is None:
        return None
    events = loaded.aggregate.expire(now=cmd.now)
    if not events:
        return None
    await _save(loaded, uow, events)
    return loaded.aggregate.blob_ids()


async def submit(cmd: SubmitDraft, who: Principal, uow: EssocUnitOfWork) -> str:
    """« Créer la demande »: the draft's form filed as a request (RequestSubmitted, its own stream, as `POST
    /requests` files it), its files the request's attachments (the same contents), the draft closed naming it; one
    transaction. Returns the request's id."""
    loaded = await _load(cmd, who, uow)
    draft = loaded.aggregate
    draft.require_open_by(who.id)
    submitted, territory = await filed(draft.filing(), cmd.request_id, who, uow)
    now = uow.clock()
    request = EssocRequest.rebuild([(submitted[0], now)])
    events: list[EssocEvent] = [*submitted]
    for file in draft.files.values():
        for added in request.add_attachment(
            attachment_id=file.attachment_id,
            filename=file.filename,
            size=file.size,
            sha256=file.sha256,
            blob_id=file.blob_id,
            added_by=who.id,
            role="requester",
            max_size=uow.max_attachment_bytes,
        ):
            request.apply(added, now)
            events.append(added)
    await uow.requests.save(cmd.request_id, events, expected_version=0, territory=territory)
    closing = draft.submitted_as(request_id=cmd.request_id, number=submitted[0].number, by=who.id, now=now)
    await _save(loaded, uow, closing)
    return cmd.request_id


# ---- plumbing --------------------------------------------------------------------------------------


def draft_territory(served: Sequence[str]) -> str:
    """The territory a draft's events carry: the envelope needs one and a draft has no directorate before its
    second step (which may change). The deployment's first served territory: nobody reads drafts by territory."""
    return sorted(served)[0]


async def _load(cmd: DraftCommand, who: Principal, uow: EssocUnitOfWork) -> Loaded[RequestDraft]:
    """The caller's draft: a requester's only (403 to any other profile); another's is as one that does not exist."""
    who.require("requester")
    loaded = await uow.drafts.get(cmd.draft_id) if cmd.draft_id.startswith(DRAFT_PREFIX) else None
    if loaded is None:
        raise unknown_draft()
    loaded.aggregate.require_author(who.id)
    return loaded


async def _save(loaded: Loaded[RequestDraft], uow: EssocUnitOfWork, events: Sequence[BaseModel]) -> None:
    await uow.drafts.save(loaded.stream_id, events, expected_version=loaded.version, territory=loaded.territory)
