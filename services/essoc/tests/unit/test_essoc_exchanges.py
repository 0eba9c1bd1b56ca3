"""Exchanges between the service and the requester: questions, answers, complements (manual §5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events.essoc import (
    AdmissibilityDecided,
    ComplementAdded,
    QuestionAnswered,
    RequestClosed,
    RequestQuestioned,
)

from essoc_given import AGENT, OTHER_USER, REQUESTER, admitted, given, submitted, taken_in_charge

START = submitted()
NOTICE = START.notice
QUESTION = RequestQuestioned(
    question_id="q-1", text="Pouvez-vous préciser votre demande ?", asked_by=AGENT, notice=NOTICE
)
LATER = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)


# ---- questions ------------------------------------------------------------------------------------


def test_the_agent_asks_a_question_once_the_request_is_taken_in_charge() -> None:
    events = given(*taken_in_charge(START)).ask_question(
        question_id="q-1", text=" Pouvez-vous préciser votre demande ? ", agent_id=AGENT
    )
    assert events == [QUESTION]
    assert [q.text for q in given(*taken_in_charge(START), *events).pending_questions] == [QUESTION.text]


def test_no_question_before_taking_charge() -> None:
    with pytest.raises(Conflict, match="déposée"):
        given(START).ask_question(question_id="q-1", text="?", agent_id=AGENT)


def test_no_question_once_closed() -> None:
    with pytest.raises(Conflict, match="clôturée"):
        given(*admitted(START), RequestClosed(response="R.", notice=NOTICE)).ask_question(
            question_id="q-2", text="?", agent_id=AGENT
        )


def test_a_question_has_a_text() -> None:
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(START)).ask_question(question_id="q-1", text="", agent_id=AGENT)
    assert error.value.field == "text"


def test_a_question_id_is_used_once() -> None:
    with pytest.raises(Conflict):
        given(*taken_in_charge(START), QUESTION).ask_question(question_id="q-1", text="?", agent_id=AGENT)


# ---- answers --------------------------------------------------------------------------------------


def test_the_requester_answers_a_question_and_the_answer_recalls_it() -> None:
    events = given(*taken_in_charge(START), QUESTION).answer_question(
        question_id="q-1", text="Il s'agit de rhum arrangé.", requester_id=REQUESTER.id, now=LATER
    )
    assert events == [
        QuestionAnswered(
            question_id="q-1",
            question_text=QUESTION.text,
            text="Il s'agit de rhum arrangé.",
            notice=NOTICE,
            restarts_clock=True,
            deadline_at=datetime(2026, 7, 20, 8, 0, tzinfo=UTC),
        )
    ]
    assert given(*taken_in_charge(START), QUESTION, *events).pending_questions == []


def test_an_answer_to_a_question_restarts_the_three_month_clock() -> None:
    # code des douanes art. 345 bis II: 3 months from receipt of the complements the service asked for.
    [answered] = given(*taken_in_charge(START), QUESTION).answer_question(
        question_id="q-1", text="Voici.", requester_id=REQUESTER.id, now=LATER
    )
    request = given(*taken_in_charge(START), QUESTION, answered)
    assert request.deadline_at == datetime(2026, 7, 20, 8, 0, tzinfo=UTC)
    assert request.deadline_notices == set()


def test_each_question_is_answered_once() -> None:
    answered = QuestionAnswered(question_id="q-1", question_text=QUESTION.text, text="Oui.", notice=NOTICE)
    with pytest.raises(Conflict, match="déjà reçu une réponse"):
        given(*taken_in_charge(START), QUESTION, answered).answer_question(
            question_id="q-1", text="Encore.", requester_id=REQUESTER.id, now=LATER
        )


def test_only_the_requester_answers_questions() -> None:
    with pytest.raises(Forbidden):
        given(*taken_in_charge(START), QUESTION).answer_question(
            question_id="q-1", text="Oui.", requester_id=OTHER_USER, now=LATER
        )


def test_answering_an_unknown_question_is_not_found() -> None:
    with pytest.raises(NotFound) as error:
        given(*taken_in_charge(START), QUESTION).answer_question(
            question_id="q-9", text="Oui.", requester_id=REQUESTER.id, now=LATER
        )
    assert error.value.field == "question_id"


def test_an_answer_has_a_text() -> None:
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(START), QUESTION).answer_question(
            question_id="q-1", text=" ", requester_id=REQUESTER.id, now=LATER
        )
    assert error.value.field == "text"


def test_a_refused_request_takes_no_more_answers() -> None:
    refused = AdmissibilityDecided(decision="non", grounds="Hors champ.", notice=NOTICE)
    with pytest.raises(Conflict, match="refusée"):
        given(*taken_in_charge(START), QUESTION, refused).answer_question(
            question_id="q-1", text="Oui.", requester_id=REQUESTER.id, now=LATER
        )


# ---- complements ----------------------------------------------------------------------------------


@pytest.mark.parametrize("taken", [False, True])
def test_the_requester_completes_a_request_while_deposee_or_prise_en_charge(taken: bool) -> None:
    history = taken_in_charge(START) if taken else [START]
    events = given(*history).add_complement(
        complement_id="c-1", text=" Précision. ", requester_id=REQUESTER.id, now=LATER
    )
    assert events == [ComplementAdded(complement_id="c-1", text="Précision.")]


@pytest.mark.parametrize(
    "ending",
    [
        RequestClosed(response="R.", notice=NOTICE),
        AdmissibilityDecided(decision="non", grounds="Hors champ.", notice=NOTICE),
    ],
)
def test_a_refused_or_closed_request_cannot_be_completed(
    ending: RequestClosed | AdmissibilityDecided,
) -> None:
    history = [*admitted(START), ending] if isinstance(ending, RequestClosed) else [*taken_in_charge(START), ending]
    with pytest.raises(Conflict, match="ne peut plus être complétée"):
        given(*history).add_complement(complement_id="c-1", text="x", requester_id=REQUESTER.id, now=LATER)


def test_only_the_requester_completes_the_request() -> None:
    with pytest.raises(Forbidden):
        given(START).add_complement(complement_id="c-1", text="x", requester_id=OTHER_USER, now=LATER)


def test_a_complement_has_a_text() -> None:
    with pytest.raises(DomainError) as error:
        given(START).add_complement(complement_id="c-1", text="", requester_id=REQUESTER.id, now=LATER)
    assert error.value.field == "text"


def test_a_complement_id_is_used_once() -> None:
    first = ComplementAdded(complement_id="c-1", text="x")
    with pytest.raises(Conflict):
        given(START, first).add_complement(complement_id="c-1", text="y", requester_id=REQUESTER.id, now=LATER)


def test_complement_while_a_question_is_pending_restarts_the_three_month_clock() -> None:
    # code des douanes art. 345 bis II: 3 months from receipt of the complements the service asked for.
    events = given(*taken_in_charge(START), QUESTION).add_complement(
        complement_id="c-1", text="Voici nos factures.", requester_id=REQUESTER.id, now=LATER
    )
    new_deadline = datetime(2026, 7, 20, 8, 0, tzinfo=UTC)
    assert events == [
        ComplementAdded(complement_id="c-1", text="Voici nos factures.", restarts_clock=True, deadline_at=new_deadline)
    ]
    assert given(*taken_in_charge(START), QUESTION, *events).deadline_at == new_deadline


def test_complement_of_the_requesters_own_accord_keeps_the_clock() -> None:
    answered = QuestionAnswered(question_id="q-1", question_text=QUESTION.text, text="Oui.", notice=NOTICE)
    request = given(*taken_in_charge(START), QUESTION, answered)
    [event] = request.add_complement(complement_id="c-1", text="x", requester_id=REQUESTER.id, now=LATER)
    assert (event.restarts_clock, event.deadline_at) == (False, None)
    assert (
        given(*taken_in_charge(START), QUESTION, answered, event).deadline_at
        == START.deadline_at
        == datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    )
