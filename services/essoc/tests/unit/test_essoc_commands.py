"""OGDE's command handlers on an in-memory unit of work: given a request's stream, when a command,
then the events appended (as whom, at which version) or a refusal that appends nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from chassis.http.auth import SYSTEM_PRINCIPAL, Principal
from chassis.memory import MemoryEventStore, MemoryTransaction
from contracts.errors import Conflict, Forbidden, NotFound
from contracts.events.essoc import (
    AdmissibilityDecided,
    AttachmentAdded,
    DeadlineReached,
    QuestionAnswered,
    RequestClosed,
    RequestQuestioned,
    RequestSubmitted,
    RequestTakenInCharge,
)
from essoc.application import commands
from essoc.application.unit_of_work import Clock, EssocUnitOfWork, requests
from essoc.domain.agents import Agent, StaticAgentDirectory

from essoc_given import COMPANY, NOW, REFS, REQUESTER, SIRET, rescrit_filing

R = TypeVar("R")
GUADELOUPE = rescrit_filing(sub_category="dr-guadeloupe")
REQUESTER_P = Principal(
    id=REQUESTER.id, roles=("requester",), name=REQUESTER.name, first_name=REQUESTER.first_name, email=REQUESTER.email
)
AGENT = Principal(id="agent-971", roles=("agent",), territories=("971",), directorates=("dr-guadeloupe",))
AGENT_974 = Principal(id="agent-974", roles=("agent",), territories=("974",), directorates=("dr-la-reunion",))
AGENTS = StaticAgentDirectory(
    [
        Agent("agent-971", "Lubin", "Joseph", "joseph.lubin@douane.example", ("971",), ("dr-guadeloupe",)),
        Agent("agent-971-b", "Bélénus", "Lucie", "lucie.belenus@douane.example", ("971",), ("dr-guadeloupe",)),
        Agent("agent-974", "Grondin", "Teddy", "teddy.grondin@douane.example", ("974",), ("dr-la-reunion",)),
    ]
)
STRANGER = Principal(id="u-other", roles=("requester",), email="autre@example.fr")
REQUESTER_AND_AGENT = Principal(
    id="u-both",
    roles=("requester", "agent"),
    email="both@example.fr",
    territories=("971",),
    directorates=("dr-guadeloupe",),
)
"""One person, two roles (decision record 0027): an agent of Guadeloupe who files a request of their own."""


class Companies:
    def lookup(self, siret: str) -> Any:
        return type("Company", (), {"name": COMPANY})() if siret == SIRET else None


class Numbers:
    def __init__(self) -> None:
        self.last = 149
        self.ids: dict[int, str] = {}

    async def next(self) -> int:
        self.last += 1
        return self.last

    async def request_id(self, number: int) -> str | None:
        return self.ids.get(number)


class Given:
    def __init__(self) -> None:
        self.store = MemoryEventStore()
        self.numbers = Numbers()
        self.clock = Clock(lambda: NOW)

    def uow(self, tx: MemoryTransaction) -> EssocUnitOfWork:
        return EssocUnitOfWork(
            requests=requests(tx),
            numbers=self.numbers,
            referentials=REFS,
            companies=Companies(),
            served=("971", "972", "973", "974", "976"),
            max_attachment_bytes=1024,
            clock=self.clock,
            agents=AGENTS,
        )

    async def run(
        self, handler: Callable[[Any, Principal, EssocUnitOfWork], Awaitable[R]], command: Any, who: Principal
    ) -> R:
        async def work(tx: MemoryTransaction) -> R:
            return await handler(command, who, self.uow(tx))

        return await self.store.run(work, actor=lambda: who.actor)  # as chassis.commands: after the checks

    async def filed(self) -> str:
        return await self.run(commands.submit, commands.SubmitRequest(filing=GUADELOUPE), REQUESTER_P)

    async def taken(self) -> str:
        request_id = await self.filed()
        await self.run(commands.take_in_charge, commands.TakeRequestInCharge(request_id=request_id), AGENT)
        return request_id

    async def admitted(self) -> str:
        request_id = await self.taken()
        decision = commands.DecideAdmissibility(request_id=request_id, decision="oui")
        await self.run(commands.decide_admissibility, decision, AGENT)
        return request_id


async def test_a_filing_is_appended_under_the_requesters_identity_with_the_next_number() -> None:
    given = Given()
    request_id = await given.filed()
    [submitted] = given.store.events(request_id)
    assert isinstance(submitted, RequestSubmitted)
    assert (submitted.number, submitted.requester, submitted.company_name) == (150, REQUESTER, COMPANY)
    [stored] = given.store.streams[request_id]
    assert stored.actor == REQUESTER_P.actor and stored.territory == "971"


async def test_only_a_requester_files() -> None:
    given = Given()
    with pytest.raises(Forbidden):
        await given.run(commands.submit, commands.SubmitRequest(filing=GUADELOUPE), AGENT)
    assert given.store.streams == {}


async def test_the_agent_of_the_directorate_takes_the_request_in_charge() -> None:
    given = Given()
    request_id = await given.taken()
    taken = given.store.events(request_id)[-1]
    assert isinstance(taken, RequestTakenInCharge) and taken.agent_id == AGENT.id
    assert given.store.streams[request_id][-1].version == 2


async def test_an_agent_of_another_territory_may_not_examine_it() -> None:
    given = Given()
    request_id = await given.filed()
    with pytest.raises(Forbidden) as refused:
        await given.run(commands.take_in_charge, commands.TakeRequestInCharge(request_id=request_id), AGENT_974)
    assert refused.value.field == "id" and len(given.store.streams[request_id]) == 1


async def test_a_question_is_asked_and_answered_by_its_requester_only() -> None:
    given = Given()
    request_id = await given.taken()
    question_id = await given.run(
        commands.ask_question, commands.AskQuestion(request_id=request_id, text="Quel âge ?"), AGENT
    )
    assert isinstance(given.store.events(request_id)[-1], RequestQuestioned)
    answer = commands.AnswerQuestion(request_id=request_id, question_id=question_id, text="Six ans.")
    with pytest.raises(NotFound):  # another person's request is as one that does not exist
        await given.run(commands.answer_question, answer, STRANGER)
    await given.run(commands.answer_question, answer, REQUESTER_P)
    answered = given.store.events(request_id)[-1]
    assert isinstance(answered, QuestionAnswered) and answered.text == "Six ans."


async def test_closing_with_a_staged_file_adds_it_then_closes_in_one_append() -> None:
    given = Given()
    request_id = await given.admitted()
    file = commands.StagedFile(attachment_id="pj-1", filename="reponse.pdf", size=100, sha256="0" * 64)
    close = commands.CloseRequest(request_id=request_id, response="Taux de 2,5 %.", files=[file])
    await given.run(commands.close, close, AGENT)
    added, closed = given.store.events(request_id)[-2:]
    assert isinstance(added, AttachmentAdded) and added.added_by_role == "agent"
    assert isinstance(closed, RequestClosed) and [a.attachment_id for a in closed.attachments] == ["pj-1"]


async def test_a_file_over_the_cap_is_refused_and_nothing_is_appended() -> None:
    given = Given()
    request_id = await given.filed()
    big = commands.StagedFile(attachment_id="pj-1", filename="gros.pdf", size=4096, sha256="0" * 64)
    with pytest.raises(Exception) as refused:
        await given.run(commands.check_files, commands.CheckFiles(request_id=request_id, files=[big]), REQUESTER_P)
    assert getattr(refused.value, "field", None) == "file"
    assert len(given.store.streams[request_id]) == 1


async def test_a_command_on_an_unknown_request_is_not_found() -> None:
    with pytest.raises(NotFound):
        await Given().run(commands.take_in_charge, commands.TakeRequestInCharge(request_id="req-x"), AGENT)


async def test_taking_in_charge_twice_is_a_conflict() -> None:
    given = Given()
    request_id = await given.taken()
    with pytest.raises(Conflict):
        await given.run(commands.take_in_charge, commands.TakeRequestInCharge(request_id=request_id), AGENT)


async def test_the_answer_clock_notifies_a_deadline_once() -> None:
    given = Given()
    request_id = await given.admitted()
    decision = given.store.events(request_id)[-1]
    assert isinstance(decision, AdmissibilityDecided) and decision.deadline_at is not None
    later = commands.NotifyDeadlines(request_id=request_id, now=decision.deadline_at + timedelta(days=1))
    assert await given.run(commands.notify_deadlines, later, SYSTEM_PRINCIPAL) == 1
    assert await given.run(commands.notify_deadlines, later, SYSTEM_PRINCIPAL) == 0
    notice = given.store.events(request_id)[-1]
    assert isinstance(notice, DeadlineReached) and notice.kind == "expiry"
    assert notice.deadline_at == decision.deadline_at
    assert given.store.streams[request_id][-1].actor.role == "system"


async def test_a_request_not_yet_admissible_gets_no_deadline_notice() -> None:
    given = Given()
    request_id = await given.taken()
    years_later = commands.NotifyDeadlines(request_id=request_id, now=NOW + timedelta(days=800))
    assert await given.run(commands.notify_deadlines, years_later, SYSTEM_PRINCIPAL) == 0


async def test_a_second_examen_cites_the_rescrit_by_its_number() -> None:
    given = Given()
    rescrit = await given.admitted()
    given.numbers.ids[150] = rescrit
    await given.run(commands.close, commands.CloseRequest(request_id=rescrit, response="Non."), AGENT)
    second = replace(GUADELOUPE, nature="second_examen", previous_request="150")
    request_id = await given.run(commands.submit, commands.SubmitRequest(filing=second), REQUESTER_P)
    [submitted] = given.store.events(request_id)
    assert isinstance(submitted, RequestSubmitted) and submitted.previous_request == rescrit


async def test_a_requester_who_is_also_an_agent_acts_on_each_request_in_the_role_it_needs() -> None:
    given = Given()
    own = await given.run(commands.submit, commands.SubmitRequest(filing=GUADELOUPE), REQUESTER_AND_AGENT)
    others = await given.filed()
    pdf = commands.StagedFile(attachment_id="pj-1", filename="piece.pdf", size=10, sha256="0" * 64)
    await given.run(commands.add_attachment, commands.AddAttachment(request_id=own, file=pdf), REQUESTER_AND_AGENT)
    await given.run(commands.add_attachment, commands.AddAttachment(request_id=others, file=pdf), REQUESTER_AND_AGENT)
    await given.run(commands.take_in_charge, commands.TakeRequestInCharge(request_id=others), REQUESTER_AND_AGENT)
    filed, added_to_own = given.store.streams[own]
    added_to_others, taken = given.store.streams[others][1:]
    assert [e.actor.role for e in (filed, added_to_own, added_to_others, taken)] == [
        "requester",
        "requester",
        "agent",
        "agent",
    ]
    assert isinstance(added_to_own.data, dict) and added_to_own.data["added_by_role"] == "requester"
    assert isinstance(added_to_others.data, dict) and added_to_others.data["added_by_role"] == "agent"
    # what only a request's requester does, they do on their own request only
    question_id = await given.run(
        commands.ask_question, commands.AskQuestion(request_id=others, text="Quel âge ?"), AGENT
    )
    answer = commands.AnswerQuestion(request_id=others, question_id=question_id, text="Six ans.")
    with pytest.raises(NotFound):
        await given.run(commands.answer_question, answer, REQUESTER_AND_AGENT)
