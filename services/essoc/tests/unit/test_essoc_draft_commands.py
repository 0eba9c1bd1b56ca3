"""The draft's handlers on an in-memory unit of work: a directorate this deployment does not serve is refused at the
step that chose it, only the draft's requester acts on it, and « Créer la demande » files the request in its own
stream with the draft's files, closing the draft in the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from chassis.http.auth import SYSTEM_PRINCIPAL, Principal
from chassis.memory import MemoryEventStore, MemoryTransaction
from contracts.errors import Forbidden, NotFound
from contracts.events.essoc import (
    AttachmentAdded,
    DraftCharacteristicsSet,
    DraftExpired,
    DraftRequesterSet,
    DraftStarted,
    DraftSubmitted,
    RequestSubmitted,
)
from essoc.application import drafting
from essoc.application.commands import StagedFile
from essoc.application.unit_of_work import Clock, EssocUnitOfWork, requests
from essoc.domain.agents import StaticAgentDirectory

from essoc_given import NOW, OCTROI, REFS, REQUESTER

R = TypeVar("R")
JUDA = Principal(id=REQUESTER.id, roles=("requester",), name="Bricot", first_name="Juda", email=REQUESTER.email)
STRANGER = Principal(id="u-other", roles=("requester",), email="autre@example.fr")
AGENT = Principal(id="agent-971", roles=("agent",), territories=("971",), directorates=("dr-guadeloupe",))


class Numbers:
    async def next(self) -> int:
        return 150

    async def request_id(self, number: int) -> str | None:
        return None


class Desk:
    def __init__(self) -> None:
        self.store = MemoryEventStore()
        self.clock = Clock(lambda: NOW)

    def uow(self, tx: MemoryTransaction) -> EssocUnitOfWork:
        return EssocUnitOfWork(
            requests=requests(tx),
            numbers=Numbers(),
            referentials=REFS,
            companies=type("Nobody", (), {"lookup": lambda self, siret: None})(),
            served=("971", "972", "973", "974", "976"),
            max_attachment_bytes=1024,
            clock=self.clock,
            agents=StaticAgentDirectory([]),
        )

    async def run(
        self, handler: Callable[[Any, Principal, EssocUnitOfWork], Awaitable[R]], cmd: Any, who: Principal
    ) -> R:
        async def work(tx: MemoryTransaction) -> R:
            return await handler(cmd, who, self.uow(tx))

        return await self.store.run(work, actor=lambda: who.actor)

    async def draft(self) -> str:
        """A particulier's draft, its rescrit to DR Guadeloupe complete but for its files."""
        draft_id = await self.run(drafting.start, drafting.StartDraft(requester_type="particulier"), JUDA)
        step = {"nature": "rescrit", "category": "octroi-de-mer", "sub_category": "dr-guadeloupe"}
        await self.run(drafting.set_characteristics, drafting.SetDraftCharacteristics(draft_id=draft_id, **step), JUDA)
        await self.run(drafting.set_fields, drafting.SetDraftFields(draft_id=draft_id, fields=[OCTROI]), JUDA)
        text = drafting.SetDraftDescription(draft_id=draft_id, subject="Taux du rhum", description="Quel taux ?")
        await self.run(drafting.set_description, text, JUDA)
        return draft_id


async def test_the_first_step_opens_the_requesters_own_stream() -> None:
    desk = Desk()
    draft_id = await desk.run(drafting.start, drafting.StartDraft(requester_type="particulier"), JUDA)
    assert draft_id.startswith("brouillon-")
    assert desk.store.events(draft_id) == [
        DraftStarted(draft_id=draft_id, requester=REQUESTER.model_copy(update={"name": "Bricot"}), at=NOW),
        DraftRequesterSet(requester_type="particulier", at=NOW),
    ]
    [started, _] = desk.store.streams[draft_id]
    assert (started.stream_type, started.actor.role) == ("draft", "requester")


async def test_a_metropolitan_directorate_is_refused_at_step_2_and_nothing_is_saved() -> None:
    desk = Desk()
    draft_id = await desk.draft()
    before = len(desk.store.streams[draft_id])
    lyon = drafting.SetDraftCharacteristics(draft_id=draft_id, nature="rescrit", category="octroi-de-mer",
                                            sub_category="dr-lyon")  # fmt: skip
    with pytest.raises(Forbidden) as refused:
        await desk.run(drafting.set_characteristics, lyon, JUDA)
    assert (refused.value.field, refused.value.code) == ("sub_category", "direction-non-servie")
    assert "DR Lyon n'est pas servie par ce déploiement" in refused.value.detail
    assert len(desk.store.streams[draft_id]) == before
    last = desk.store.events(draft_id)[2]
    assert isinstance(last, DraftCharacteristicsSet) and last.directorate == "dr-guadeloupe"


async def test_an_agent_is_refused_and_another_requester_told_the_draft_does_not_exist() -> None:
    desk = Desk()
    draft_id = await desk.draft()
    with pytest.raises(Forbidden):
        await desk.run(drafting.discard, drafting.DiscardDraft(draft_id=draft_id), AGENT)
    with pytest.raises(NotFound, match="introuvable"):
        await desk.run(drafting.discard, drafting.DiscardDraft(draft_id=draft_id), STRANGER)
    with pytest.raises(NotFound):  # a request's id is no draft's
        await desk.run(drafting.discard, drafting.DiscardDraft(draft_id="req-1"), JUDA)


async def test_creating_the_request_files_it_in_its_own_stream_with_the_drafts_files() -> None:
    desk = Desk()
    draft_id = await desk.draft()
    pdf = StagedFile(attachment_id="pj-1", filename="fiche.pdf", size=100, sha256="0" * 64)
    await desk.run(drafting.add_file, drafting.AddDraftFile(draft_id=draft_id, file=pdf), JUDA)
    request_id = await desk.run(drafting.submit, drafting.SubmitDraft(draft_id=draft_id), JUDA)
    submitted, added = desk.store.events(request_id)
    assert isinstance(submitted, RequestSubmitted) and (submitted.number, submitted.directorate) == (
        150,
        "dr-guadeloupe",
    )
    assert isinstance(added, AttachmentAdded)
    assert (added.attachment_id, added.blob_id, added.added_by_role) == ("pj-1", "pj-1", "requester")
    assert desk.store.streams[request_id][0].territory == "971"
    assert desk.store.events(draft_id)[-1] == DraftSubmitted(request_id=request_id, number=150, at=NOW)


async def test_the_service_expires_a_draft_once_and_returns_its_files() -> None:
    desk = Desk()
    draft_id = await desk.draft()
    pdf = StagedFile(attachment_id="pj-1", filename="fiche.pdf", size=100, sha256="0" * 64)
    await desk.run(drafting.add_file, drafting.AddDraftFile(draft_id=draft_id, file=pdf), JUDA)
    early = drafting.ExpireDraft(draft_id=draft_id, now=NOW + timedelta(days=89))
    assert await desk.run(drafting.expire, early, SYSTEM_PRINCIPAL) is None
    due = drafting.ExpireDraft(draft_id=draft_id, now=NOW + timedelta(days=90))
    assert await desk.run(drafting.expire, due, SYSTEM_PRINCIPAL) == ["pj-1"]
    assert await desk.run(drafting.expire, due, SYSTEM_PRINCIPAL) is None
    assert desk.store.events(draft_id)[-1] == DraftExpired(untouched_since=NOW, at=NOW + timedelta(days=90))
    assert desk.store.streams[draft_id][-1].actor.role == "system"
