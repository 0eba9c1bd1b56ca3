"""Life of a request: take-charge, admissibility, refusal, closure, tabs (manual §4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.essoc import (
    AdmissibilityDecided,
    AttachmentAdded,
    RequestClosed,
    RequestQuestioned,
    RequestSubmitted,
    RequestTakenInCharge,
)
from essoc.domain.request import EssocRequest
from essoc.domain.states import Admissibility, RequestState, RequestTab

from essoc_given import AGENT, NOW, REFS, admitted, control_filing, given, submitted, taken_in_charge

START = submitted()
NOTICE = START.notice


# ---- folding --------------------------------------------------------------------------------------


def test_a_filed_request_is_deposee_and_its_admissibility_en_attente() -> None:
    request = given(START)
    assert (request.state, request.admissibility) == (RequestState.DEPOSEE, Admissibility.EN_ATTENTE)
    assert request.version == 1


def test_a_request_stream_starts_with_its_submission() -> None:
    with pytest.raises(ValueError, match="RequestSubmitted"):
        EssocRequest.rebuild([(RequestTakenInCharge(agent_id=AGENT, unit="u", notice=NOTICE), NOW)])


def test_a_request_is_submitted_only_once() -> None:
    with pytest.raises(ValueError, match="déjà déposée"):
        given(START, START)


# ---- take-charge ----------------------------------------------------------------------------------


def test_taking_charge_keeps_the_directorate_unit_by_default() -> None:
    assert given(START).take_charge(agent_id=AGENT) == [
        RequestTakenInCharge(agent_id=AGENT, unit="DR Lyon - PAE", notice=NOTICE)
    ]


def test_taking_charge_assigns_the_unit_named_by_the_agent() -> None:
    [event] = given(START).take_charge(agent_id=AGENT, unit="DR Lyon - PAE Villeurbanne")
    request = given(START, event)
    assert request.unit == "DR Lyon - PAE Villeurbanne"
    assert (request.state, request.admissibility) == (RequestState.PRISE_EN_CHARGE, Admissibility.A_L_ETUDE)


def test_a_request_is_taken_in_charge_only_once() -> None:
    with pytest.raises(Conflict, match="déjà prise en charge"):
        given(*taken_in_charge(START)).take_charge(agent_id=AGENT)


# ---- admissibility --------------------------------------------------------------------------------


def test_admissibility_is_decided_only_once_taken_in_charge() -> None:
    with pytest.raises(Conflict, match="déposée"):
        given(START).decide_admissibility(decision="oui", referentials=REFS, now=NOW)


def test_admissible_request_stays_prise_en_charge_with_admissibility_oui() -> None:
    events = given(*taken_in_charge(START)).decide_admissibility(decision="oui", referentials=REFS, now=NOW)
    assert events == [
        AdmissibilityDecided(decision="oui", notice=NOTICE, deadline_at=datetime(2026, 6, 10, 9, tzinfo=UTC))
    ]
    request = given(*taken_in_charge(START), *events)
    assert (request.state, request.admissibility) == (RequestState.PRISE_EN_CHARGE, Admissibility.OUI)


def test_admissibility_is_decided_once() -> None:
    with pytest.raises(Conflict, match="déjà décidée"):
        given(*admitted(START)).decide_admissibility(decision="non", grounds="x", referentials=REFS, now=NOW)


def test_admissibility_decision_is_oui_or_non() -> None:
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(START)).decide_admissibility(decision="peut-être", referentials=REFS, now=NOW)
    assert error.value.field == "decision"


def test_refusal_moves_the_request_to_refusee_with_its_grounds() -> None:
    events = given(*taken_in_charge(START)).decide_admissibility(
        decision="non", grounds=" Demande hors du champ du rescrit. ", referentials=REFS, now=NOW
    )
    assert events == [AdmissibilityDecided(decision="non", grounds="Demande hors du champ du rescrit.", notice=NOTICE)]
    request = given(*taken_in_charge(START), *events)
    assert (request.state, request.admissibility) == (RequestState.REFUSEE, Admissibility.NON)


@pytest.mark.parametrize("grounds", [None, "  "])
def test_refusal_of_a_rescrit_requires_grounds(grounds: str | None) -> None:
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(START)).decide_admissibility(decision="non", grounds=grounds, referentials=REFS, now=NOW)
    assert error.value.field == "grounds"


def test_coded_refusal_grounds_are_for_droit_au_controle_only() -> None:
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(START)).decide_admissibility(
            decision="non", grounds="Abus.", ground_code="demande-abusive", referentials=REFS, now=NOW
        )
    assert error.value.field == "ground_code"


CONTROL = submitted(filing=control_filing())


@pytest.mark.parametrize("code", ["mauvaise-foi", "demande-abusive", "programme-de-controle"])
def test_droit_au_controle_is_refused_only_on_a_crpa_l124_1_ground(code: str) -> None:
    [event] = given(*taken_in_charge(CONTROL)).decide_admissibility(
        decision="non", ground_code=code, grounds="Motif détaillé.", referentials=REFS, now=NOW
    )
    assert (event.ground_code, event.grounds) == (code, "Motif détaillé.")


@pytest.mark.parametrize("code", [None, "agent-indisponible"])
def test_droit_au_controle_refusal_without_a_crpa_ground_is_refused(code: str | None) -> None:
    # CRPA L.124-1: bad faith, abusive request, or harm to the service's control programme.
    with pytest.raises(DomainError) as error:
        given(*taken_in_charge(CONTROL)).decide_admissibility(
            decision="non", ground_code=code, grounds="Pas le temps.", referentials=REFS, now=NOW
        )
    assert error.value.field == "ground_code"
    assert "L.124-1" in error.value.detail


def test_droit_au_controle_refusal_states_its_ground_when_no_text_is_given() -> None:
    [event] = given(*taken_in_charge(CONTROL)).decide_admissibility(
        decision="non", ground_code="demande-abusive", referentials=REFS, now=NOW
    )
    assert event.grounds == "Demande abusive."


# ---- closure --------------------------------------------------------------------------------------


def test_closure_delivers_the_answer_and_moves_the_request_to_cloturee() -> None:
    events = given(*admitted(START)).close(response="  Vous trouverez le rescrit en pièce jointe. ")
    assert events == [RequestClosed(response="Vous trouverez le rescrit en pièce jointe.", notice=NOTICE)]
    closed_at = datetime(2026, 4, 2, 15, 0, tzinfo=UTC)
    request = given(*admitted(START), (events[0], closed_at))
    assert (request.state, request.closed_at) == (RequestState.CLOTUREE, closed_at)


def test_closure_only_after_admissibility_oui() -> None:
    with pytest.raises(Conflict, match="recevable"):
        given(*taken_in_charge(START)).close(response="Réponse.")


def test_a_refused_request_cannot_be_closed() -> None:
    refused = AdmissibilityDecided(decision="non", grounds="Hors champ.", notice=NOTICE)
    with pytest.raises(Conflict, match="refusée"):
        given(*taken_in_charge(START), refused).close(response="Réponse.")


def test_a_request_is_closed_once() -> None:
    with pytest.raises(Conflict, match="clôturée"):
        given(*admitted(START), RequestClosed(response="R.", notice=NOTICE)).close(response="Encore.")


def test_closure_requires_a_response() -> None:
    with pytest.raises(DomainError) as error:
        given(*admitted(START)).close(response=" ")
    assert error.value.field == "response"


def test_closure_cites_only_the_request_attachments() -> None:
    attached = AttachmentAdded(
        attachment_id="pj-1",
        filename="rescrit.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        blob_id="b",
        added_by=AGENT,
        added_by_role="agent",
    )
    request = given(*admitted(START), attached)
    [closed] = request.close(response="Ci-joint.", attachment_ids=["pj-1"])
    assert closed.attachment_ids == ["pj-1"]
    # claim check: the closure names each attachment with what a reader needs to fetch and verify it
    assert [a.model_dump() for a in closed.attachments] == [
        {
            "attachment_id": "pj-1",
            "filename": "rescrit.pdf",
            "content_type": "application/pdf",
            "size": 10,
            "sha256": "0" * 64,
        }
    ]
    with pytest.raises(NotFound) as error:
        request.close(response="Ci-joint.", attachment_ids=["pj-1", "pj-9"])
    assert error.value.field == "attachment_ids"


# ---- notice and tabs ------------------------------------------------------------------------------


def test_every_later_event_carries_the_notice_of_the_submission() -> None:
    request = given(*taken_in_charge(START))
    events: list[AdmissibilityDecided | RequestQuestioned] = [
        *request.decide_admissibility(decision="oui", referentials=REFS, now=NOW),
        *request.ask_question(question_id="q", text="?", agent_id=AGENT),
    ]
    assert all(event.notice == NOTICE for event in events)


@pytest.mark.parametrize(
    ("state", "tab"),
    [
        (RequestState.DEPOSEE, "deposees"),
        (RequestState.PRISE_EN_CHARGE, "prises-en-charge"),
        (RequestState.REFUSEE, "refusees"),
        (RequestState.CLOTUREE, "cloturees"),
    ],
)
def test_each_state_is_listed_under_its_tab(state: RequestState, tab: str) -> None:
    assert state.tab == RequestTab.parse(tab)
    assert RequestTab.parse(tab).state is state


def test_an_unknown_tab_is_refused() -> None:
    with pytest.raises(DomainError) as error:
        RequestTab.parse("brouillons")
    assert error.value.field == "tab"


def test_events_are_counted_as_the_stream_version() -> None:
    assert given(*admitted(START)).version == 3


def test_submission_is_folded_with_all_its_characteristics() -> None:
    request = given(START)
    assert isinstance(START, RequestSubmitted)
    assert (request.id, request.number, request.directorate, request.deadline_at) == ("req-1", 150, "dr-lyon", None)
