"""An assistance ticket, given / when / then (decision record 0028): what filing it checks, on which field; the
answers and the person's messages; who may close it, and once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.assistance import (
    AssistanceAnswered,
    AssistanceClosed,
    AssistanceFollowedUp,
    AssistanceRequested,
    TicketNotice,
    TicketRequester,
)
from essoc.domain.assistance import (
    TICKET_MAX_FILES,
    AssistanceTicket,
    Attached,
    TicketEvent,
    check_files,
    request_assistance,
    ticket_number,
)

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
MARIE = TicketRequester(id="decl-1", name="Marie Payet", email="marie@producteur.example", roles=["declarant"])
FORM: dict[str, Any] = {
    "subject": "Erreur à l'envoi",
    "category": "domino",
    "gravity": "bloquant",
    "description": "La page affiche une erreur.",
    "incident_reference": "c0ffee-1234",
}


def filed(**changes: Any) -> list[AssistanceRequested]:
    return request_assistance(
        ticket_id="assistance-1",
        number="AS-2026-000123",
        files=[],
        requester=MARIE,
        now=NOW,
        **{**FORM, **changes},
    )


def given(*events: TicketEvent) -> AssistanceTicket:
    return AssistanceTicket.rebuild([*filed(), *events])


def answered(text: str = "Réessayez.") -> AssistanceAnswered:
    notice = TicketNotice(
        number="AS-2026-000123", subject="Erreur à l'envoi", requester_name="Marie Payet", requester_email=MARIE.email
    )
    return AssistanceAnswered(
        message_id="m1", agent_id="agent-1", agent_name="Joseph Lubin", text=text, notice=notice, at=LATER
    )


def test_the_ticket_number_is_the_year_then_six_digits() -> None:
    assert ticket_number(2026, 123) == "AS-2026-000123"


def test_filing_records_every_field_as_typed_without_surrounding_blanks() -> None:
    [event] = filed(subject="  Erreur à l'envoi  ", incident_reference=" ")

    assert event.subject == "Erreur à l'envoi"
    assert event.incident_reference is None
    assert event.requester == MARIE and event.at == NOW


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"category": "douane"}, "category"),
        ({"gravity": "urgent"}, "gravity"),
        ({"description": " \n "}, "description"),
        ({"incident_reference": "réf 12"}, "incident_reference"),
    ],
)
def test_a_field_at_fault_is_refused_on_that_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        filed(**changes)

    assert refused.value.field == field


def test_files_are_five_at_most_of_an_allowed_type() -> None:
    five = [Attached(f"pj-{i}", f"capture-{i}.png", 10, "0" * 64) for i in range(TICKET_MAX_FILES)]
    assert [f.content_type for f in check_files(five)] == ["image/png"] * TICKET_MAX_FILES

    with pytest.raises(DomainError) as too_many:
        check_files([*five, Attached("pj-6", "six.png", 10, "0" * 64)])
    assert too_many.value.field == "file"
    with pytest.raises(DomainError) as forbidden:
        check_files([Attached("pj-x", "outil.exe", 10, "0" * 64)])
    assert forbidden.value.field == "file"


def test_an_agent_answer_carries_what_the_mail_to_the_person_needs() -> None:
    [event] = given().answer(
        message_id="m1", agent_id="agent-1", agent_name="Joseph Lubin", text=" Réessayez. ", now=LATER
    )

    assert event == answered()


def test_the_person_writes_again_on_their_own_ticket_only() -> None:
    ticket = given(answered())

    assert ticket.follow_up(message_id="m2", text="Merci", by="decl-1", now=LATER) == [
        AssistanceFollowedUp(message_id="m2", text="Merci", at=LATER)
    ]
    with pytest.raises(NotFound):
        ticket.follow_up(message_id="m2", text="Merci", by="someone-else", now=LATER)


def test_a_closed_ticket_takes_no_more_message_nor_a_second_closing() -> None:
    ticket = given(answered(), AssistanceClosed(by="requester", by_id="decl-1", at=LATER))

    assert not ticket.is_open and [m.author for m in ticket.messages] == ["agent"]
    with pytest.raises(Conflict):
        ticket.answer(message_id="m3", agent_id="agent-1", agent_name="Joseph Lubin", text="Encore", now=LATER)
    with pytest.raises(Conflict):
        ticket.close(by="agent", by_id="agent-1", now=LATER)


def test_an_agent_closes_any_ticket_a_stranger_none() -> None:
    assert given().close(by="agent", by_id="agent-1", now=LATER) == [
        AssistanceClosed(by="agent", by_id="agent-1", at=LATER)
    ]
    with pytest.raises(NotFound):
        given().close(by="requester", by_id="someone-else", now=LATER)
