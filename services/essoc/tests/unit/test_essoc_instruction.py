"""The instruction between agents: who follows a request (take-charge, reassignment) and the private notes.

Given a request's stream, when an agent's command, then the events appended or a refusal that appends nothing.
"""

from __future__ import annotations

import pytest
from test_essoc_commands import AGENT, AGENT_974, REQUESTER_P, Given

from chassis.http.auth import Principal
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events.essoc import NoteAdded, RequestReassigned, RequestTakenInCharge
from essoc.application import commands
from essoc.application.unit_of_work import EssocUnitOfWork
from essoc.domain.request import EssocRequest

AGENT_B = Principal(
    id="agent-971-b", roles=("agent",), name="Bélénus", first_name="Lucie", territories=("971",),
    directorates=("dr-guadeloupe",),
)  # fmt: skip


async def _request(given: Given, request_id: str) -> EssocRequest:
    loaded = await given.run(_get, commands.RequestCommand(request_id=request_id), AGENT)
    return loaded


async def _get(cmd: commands.RequestCommand, who: Principal, uow: EssocUnitOfWork) -> EssocRequest:
    loaded = await uow.requests.get(cmd.request_id)
    assert loaded is not None
    return loaded.aggregate


async def test_the_agent_who_takes_a_request_in_charge_follows_it() -> None:
    given = Given()
    request_id = await given.taken()
    taken = given.store.events(request_id)[-1]
    assert isinstance(taken, RequestTakenInCharge) and taken.agent_id == "agent-971"
    assert (await _request(given, request_id)).followed_by == "agent-971"


async def test_reassignment_entrusts_the_request_to_an_agent_of_the_same_directorate() -> None:
    given = Given()
    request_id = await given.taken()
    await given.run(commands.reassign, commands.ReassignRequest(request_id=request_id, agent_id="agent-971-b"), AGENT)
    moved = given.store.events(request_id)[-1]
    assert isinstance(moved, RequestReassigned)
    assert (moved.from_agent_id, moved.to_agent.id, moved.to_agent.name, moved.by) == (
        "agent-971",
        "agent-971-b",
        "Lucie Bélénus",
        "agent-971",
    )
    assert (await _request(given, request_id)).followed_by == "agent-971-b"


async def test_reassignment_to_an_agent_of_another_directorate_is_refused() -> None:
    given = Given()
    request_id = await given.taken()
    with pytest.raises(DomainError) as refused:
        await given.run(commands.reassign, commands.ReassignRequest(request_id=request_id, agent_id="agent-974"), AGENT)
    assert refused.value.field == "agent_id" and "même direction" in str(refused.value)
    assert len(given.store.streams[request_id]) == 2


async def test_reassignment_to_an_unknown_agent_or_to_the_one_following_is_refused() -> None:
    given = Given()
    request_id = await given.taken()
    with pytest.raises(NotFound):
        await given.run(commands.reassign, commands.ReassignRequest(request_id=request_id, agent_id="agent-x"), AGENT)
    with pytest.raises(Conflict):
        await given.run(commands.reassign, commands.ReassignRequest(request_id=request_id, agent_id="agent-971"), AGENT)
    assert len(given.store.streams[request_id]) == 2


async def test_a_request_not_taken_in_charge_is_not_reassigned() -> None:
    given = Given()
    request_id = await given.filed()
    with pytest.raises(Conflict) as refused:
        await given.run(
            commands.reassign, commands.ReassignRequest(request_id=request_id, agent_id="agent-971-b"), AGENT
        )
    assert "réassignée" in str(refused.value)


async def test_an_agent_of_another_territory_neither_reassigns_nor_annotates() -> None:
    given = Given()
    request_id = await given.taken()
    with pytest.raises(Forbidden):
        await given.run(
            commands.reassign, commands.ReassignRequest(request_id=request_id, agent_id="agent-974"), AGENT_974
        )
    with pytest.raises(Forbidden):
        await given.run(commands.add_note, commands.AddNote(request_id=request_id, text="?"), AGENT_974)


async def test_a_private_note_names_its_author_and_a_requester_cannot_write_one() -> None:
    given = Given()
    request_id = await given.filed()
    note_id = await given.run(
        commands.add_note, commands.AddNote(request_id=request_id, text=" Voir le BOD. "), AGENT_B
    )
    note = given.store.events(request_id)[-1]
    assert isinstance(note, NoteAdded)
    assert (note.note_id, note.text, note.author.id, note.author.name) == (
        note_id,
        "Voir le BOD.",
        "agent-971-b",
        "Lucie Bélénus",
    )
    with pytest.raises(Forbidden):
        await given.run(commands.add_note, commands.AddNote(request_id=request_id, text="Moi aussi"), REQUESTER_P)


async def test_an_empty_note_is_refused() -> None:
    given = Given()
    request_id = await given.filed()
    with pytest.raises(DomainError) as refused:
        await given.run(commands.add_note, commands.AddNote(request_id=request_id, text="   "), AGENT)
    assert refused.value.field == "text"


async def test_a_closed_request_may_still_be_annotated() -> None:
    given = Given()
    request_id = await given.admitted()
    await given.run(commands.close, commands.CloseRequest(request_id=request_id, response="Oui."), AGENT)
    await given.run(commands.add_note, commands.AddNote(request_id=request_id, text="Archivé."), AGENT)
    assert isinstance(given.store.events(request_id)[-1], NoteAdded)


def test_plain_text_search_puts_aside_accents_case_and_ligatures() -> None:
    from contracts.french import plain

    assert plain("Œuvre d'ÉTÉ, cæcum") == "oeuvre d'ete, caecum"
