"""Exchanges between the service and the requester: questions, answers, complements (manual §5)."""

from __future__ import annotations

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
        question_id="q-1", text="Il s'agit de rhum arrangé.", requester_id=REQUESTER.id
    )
    assert events == [
        QuestionAnswered(
            question_id="q-1", question_text=QUESTION.text, text="Il s'agit de rhum arrangé.", notice=NOTICE
        )
    ]
    assert given(*taken_in_charge(START), QUESTION, *events).pending_questions == []


def test_each_question_is_answered_once() -> None:
    answered = QuestionAnswered(question_id="q-1", question_text=QUESTION.text, text="Oui.", notice=NOTICE)
    with pytest.raises(Conflict, match="déjà reçu une réponse"):
        given(*taken_in_charge(START), QUESTION, answered).answer_question(
            question_id="q-1", text="Encore.", requester_id=REQUESTER.id
        )


def test_only_the_requester_answers_questions() -> None:
    with pytest.raises(Forbidden):
        given(*taken_in_charge(START), QUESTION).answer_question(
            question_id="q-1", text="Oui.", requester_id=OTHER_USER
        )


def test_answering_an_unknown_question_is_not_found() -> None:
    with pytest.raises(NotFound) as error:
        given(*taken_in_charge(START), QUESTION).answer_question(
            question_id="q-9", text="Oui.", requester_id=REQUESTER.id
        )
    assert error.value.field == "question_id"


def test_an_answer_has_a_text() -> None:
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(START), QUESTION).answer_question(question_id="q-1", text=" ", requester_id=REQUESTER.id)
    assert error.value.field == "text"


def test_a_refused_request_takes_no_more_answers() -> None:
    refused = AdmissibilityDecided(decision="non", grounds="Hors champ.", notice=NOTICE)
    with pytest.raises(Conflict, match="refusée"):
        given(*taken_in_charge(START), QUESTION, refused).answer_question(
            question_id="q-1", text="Oui.", requester_id=REQUESTER.id
        )


# ---- complements ----------------------------------------------------------------------------------


@pytest.mark.parametrize("taken", [False, True])
def test_the_requester_completes_a_request_while_deposee_or_prise_en_charge(taken: bool) -> None:
    history = taken_in_charge(START) if taken else [START]
    events = given(*history).add_complement(complement_id="c-1", text=" Précision. ", requester_id=REQUESTER.id)
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
        given(*history).add_complement(complement_id="c-1", text="x", requester_id=REQUESTER.id)


def test_only_the_requester_completes_the_request() -> None:
    with pytest.raises(Forbidden):
        given(START).add_complement(complement_id="c-1", text="x", requester_id=OTHER_USER)


def test_a_complement_has_a_text() -> None:
    with pytest.raises(DomainError) as error:
        given(START).add_complement(complement_id="c-1", text="", requester_id=REQUESTER.id)
    assert error.value.field == "text"


def test_a_complement_id_is_used_once() -> None:
    first = ComplementAdded(complement_id="c-1", text="x")
    with pytest.raises(Conflict):
        given(START, first).add_complement(complement_id="c-1", text="y", requester_id=REQUESTER.id)


def test_a_complement_while_a_question_is_pending_is_just_a_complement() -> None:
    # The answer deadline runs from admissibility and nothing moves it since (test_essoc_answer_deadline).
    events = given(*taken_in_charge(START), QUESTION).add_complement(
        complement_id="c-1", text="Voici nos factures.", requester_id=REQUESTER.id
    )
    assert events == [ComplementAdded(complement_id="c-1", text="Voici nos factures.")]
