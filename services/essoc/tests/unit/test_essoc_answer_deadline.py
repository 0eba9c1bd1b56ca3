"""The answer deadline of a rescrit or a second examen: 3 months from the day it was judged admissible, none before
(OGDE manual § 1.3: « à compter de la date à laquelle votre demande a été jugée recevable »; code des douanes
art. 345 bis II); its reminder and expiry notices; the events stored when the clock ran from receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contracts.events.essoc import (
    AdmissibilityDecided,
    ComplementAdded,
    DeadlineReached,
    QuestionAnswered,
    RequestClosed,
    RequestQuestioned,
    RequestSubmitted,
)
from contracts.registry import parse
from essoc.domain.deadlines import answer_deadline_from_admissibility, local_time
from essoc.domain.request import EssocEvent

from essoc_given import AGENT, REFS, REQUESTER, control_filing, given, rescrit_filing, submitted, taken_in_charge


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


START = submitted()  # received 2026-03-10 09:00 UTC
NOTICE = START.notice
TAKEN = taken_in_charge(START)
ADMITTED = utc(2026, 4, 15, 14)
DEADLINE = utc(2026, 7, 15, 14)
RECEIPT_DEADLINE = utc(2026, 6, 10, 9)
"""What the clock said when it ran from receipt (3 months after 10 March, 09:00)."""
QUESTION = RequestQuestioned(question_id="q-1", text="Quel âge a le rhum ?", asked_by=AGENT, notice=NOTICE)


def judged_admissible(start: RequestSubmitted, at: datetime) -> tuple[AdmissibilityDecided, datetime]:
    """The decision « oui » taken at `at` on `start` taken in charge, with the instant it is recorded at."""
    [decision] = given(*taken_in_charge(start)).decide_admissibility(decision="oui", referentials=REFS, now=at)
    return decision, at


ADMISSIBLE = judged_admissible(START, ADMITTED)
ADMITTED_HISTORY: list[EssocEvent | tuple[EssocEvent, datetime]] = [*TAKEN, ADMISSIBLE]


# ---- the rule ---------------------------------------------------------------------------------------


def test_answer_deadline_from_admissibility_is_three_months_after_the_decision() -> None:
    assert answer_deadline_from_admissibility("rescrit", ADMITTED) == DEADLINE


@pytest.mark.parametrize(
    ("admitted", "deadline"),
    [
        (utc(2026, 3, 31, 10), utc(2026, 6, 30, 10)),  # 31 March: June has no 31st
        (utc(2026, 11, 30, 10), utc(2027, 2, 28, 10)),  # over the year end, into a short February
        (utc(2027, 11, 30, 10), utc(2028, 2, 29, 10)),  # … into 29 February of a leap year
        (utc(2026, 12, 31, 10), utc(2027, 3, 31, 10)),  # 31 December
        (utc(2028, 2, 29, 10), utc(2028, 5, 29, 10)),  # judged admissible on 29 February
    ],
)
def test_answer_deadline_from_admissibility_at_month_ends(admitted: datetime, deadline: datetime) -> None:
    assert answer_deadline_from_admissibility("rescrit", admitted) == deadline


def test_answer_deadline_from_admissibility_late_on_31_december_in_guadeloupe() -> None:
    # 31 December, 23:30 in Guadeloupe is already 1 January, 03:30 in UTC: the deadline is 1 April, 03:30 UTC,
    # which the directorate reads as 31 March, 23:30.
    admitted = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("America/Guadeloupe"))
    deadline = answer_deadline_from_admissibility("rescrit", admitted)
    assert deadline == utc(2027, 4, 1, 3, 30)
    assert local_time(deadline, "971").date() == date(2027, 3, 31)


def test_answer_deadline_from_admissibility_of_a_second_examen_is_its_own_three_months() -> None:
    # code des douanes art. 345 bis II: « selon les mêmes règles et délais que ceux applicables à la demande initiale »
    assert answer_deadline_from_admissibility("second_examen", ADMITTED) == DEADLINE


def test_answer_deadline_from_admissibility_is_none_for_a_droit_au_controle() -> None:
    # CRPA L.124-1: the control is carried out « dans un délai raisonnable »
    assert answer_deadline_from_admissibility("droit_au_controle", ADMITTED) is None


# ---- the request: given these events, when this decision, then this deadline --------------------------------


@pytest.mark.parametrize("history", [[START], TAKEN], ids=["deposee", "a-l-etude"])
def test_a_request_not_yet_admissible_has_no_deadline_and_no_notice(history: list[EssocEvent]) -> None:
    request = given(*history)
    assert request.deadline_at is None
    assert request.deadline_notices_due(utc(2027, 3, 10)) == []


def test_judging_a_rescrit_admissible_sets_its_deadline_three_months_on() -> None:
    events = given(*TAKEN).decide_admissibility(decision="oui", referentials=REFS, now=ADMITTED)
    assert events == [AdmissibilityDecided(decision="oui", notice=NOTICE, deadline_at=DEADLINE)]
    assert given(*TAKEN, (events[0], ADMITTED)).deadline_at == DEADLINE


def test_judging_a_second_examen_admissible_sets_its_own_deadline() -> None:
    second = submitted(
        filing=rescrit_filing(
            nature="second_examen", contested_rescrit_date=date(2026, 2, 1), contested_rescrit_reference="2026/017"
        )
    )
    decision, at = judged_admissible(second, ADMITTED)
    assert decision.deadline_at == DEADLINE
    assert given(*taken_in_charge(second), (decision, at)).deadline_at == DEADLINE


def test_judging_a_droit_au_controle_admissible_sets_no_deadline() -> None:
    control = submitted(filing=control_filing())
    decision, at = judged_admissible(control, ADMITTED)
    assert decision.deadline_at is None
    request = given(*taken_in_charge(control), (decision, at))
    assert request.deadline_at is None
    assert request.deadline_notices_due(utc(2027, 3, 10)) == []


def test_a_refusal_sets_no_deadline() -> None:
    [refusal] = given(*TAKEN).decide_admissibility(
        decision="non", grounds="Hors champ.", referentials=REFS, now=ADMITTED
    )
    assert refusal.deadline_at is None
    assert given(*TAKEN, (refusal, ADMITTED)).deadline_notices_due(utc(2027, 3, 10)) == []


def test_an_answer_after_admissibility_does_not_move_the_deadline() -> None:
    # The manual says nothing of the clock starting again: the admissibility date is the start.
    history = [*ADMITTED_HISTORY, QUESTION]
    [answer] = given(*history).answer_question(question_id="q-1", text="Six ans.", requester_id=REQUESTER.id)
    assert answer == QuestionAnswered(question_id="q-1", question_text=QUESTION.text, text="Six ans.", notice=NOTICE)
    assert given(*history, (answer, utc(2026, 7, 1))).deadline_at == DEADLINE


def test_a_complement_after_admissibility_does_not_move_the_deadline() -> None:
    history = [*ADMITTED_HISTORY, QUESTION]
    [complement] = given(*history).add_complement(complement_id="c-1", text="Factures.", requester_id=REQUESTER.id)
    assert complement == ComplementAdded(complement_id="c-1", text="Factures.")
    assert given(*history, (complement, utc(2026, 7, 1))).deadline_at == DEADLINE


def test_answers_before_admissibility_leave_the_start_at_the_decision() -> None:
    answer = QuestionAnswered(question_id="q-1", question_text=QUESTION.text, text="Six ans.", notice=NOTICE)
    request = given(*TAKEN, QUESTION, (answer, utc(2026, 3, 20)), ADMISSIBLE)
    assert request.deadline_at == DEADLINE


# ---- the notices: 15 days before, at the deadline, each once ---------------------------------------------

REMINDER = DeadlineReached(kind="reminder", deadline_at=DEADLINE, notice=NOTICE)
EXPIRY = DeadlineReached(kind="expiry", deadline_at=DEADLINE, notice=NOTICE)


def test_nothing_is_due_before_the_reminder() -> None:
    assert given(*ADMITTED_HISTORY).deadline_notices_due(utc(2026, 6, 30, 13, 59)) == []


def test_the_reminder_is_due_fifteen_days_before_the_deadline() -> None:
    assert given(*ADMITTED_HISTORY).deadline_notices_due(utc(2026, 6, 30, 14)) == [REMINDER]


def test_the_reminder_is_emitted_once() -> None:
    assert given(*ADMITTED_HISTORY, REMINDER).deadline_notices_due(utc(2026, 7, 10)) == []


def test_expiry_is_due_at_the_deadline() -> None:
    assert given(*ADMITTED_HISTORY, REMINDER).deadline_notices_due(DEADLINE) == [EXPIRY]


def test_expiry_is_emitted_once_and_supersedes_a_missed_reminder() -> None:
    assert given(*ADMITTED_HISTORY).deadline_notices_due(utc(2026, 8, 1)) == [EXPIRY]
    assert given(*ADMITTED_HISTORY, EXPIRY).deadline_notices_due(utc(2026, 8, 1)) == []


def test_a_closed_request_has_no_deadline_notice() -> None:
    closed = given(*ADMITTED_HISTORY, RequestClosed(response="R.", notice=NOTICE))
    assert closed.deadline_notices_due(utc(2026, 8, 1)) == []


# ---- events stored when the 3 months ran from receipt, read today --------------------------------------------


def _stored(event: Any, **changes: object) -> dict[str, Any]:
    return dict(event.model_dump(mode="json")) | changes


def test_a_request_filed_with_a_deadline_from_receipt_reads_without_one() -> None:
    # RequestSubmitted v2 carried 3 months from receipt; upcast to v3 it has no date until admissibility.
    legacy = parse("RequestSubmitted", 2, _stored(START, deadline_at=RECEIPT_DEADLINE.isoformat()))
    assert isinstance(legacy, RequestSubmitted) and legacy.deadline_at is None
    assert given(legacy).deadline_notices_due(utc(2026, 7, 1)) == []


def test_a_decision_recorded_without_its_deadline_counts_it_from_its_own_instant() -> None:
    legacy = AdmissibilityDecided(decision="oui", notice=NOTICE)
    assert given(*TAKEN, (legacy, ADMITTED)).deadline_at == DEADLINE


def test_answers_stored_when_they_restarted_the_clock_no_longer_move_it() -> None:
    # v1 answers said « restarts_clock » with 3 months from themselves (here 1 July → 1 October).
    restarted = {"restarts_clock": True, "deadline_at": utc(2026, 10, 1).isoformat()}
    answer = QuestionAnswered(question_id="q-1", question_text=QUESTION.text, text="Six ans.", notice=NOTICE)
    answer_v1 = parse("QuestionAnswered", 1, _stored(answer, **restarted))
    complement_v1 = parse("ComplementAdded", 1, _stored(ComplementAdded(complement_id="c-1", text="x"), **restarted))
    assert answer_v1 == answer
    assert isinstance(answer_v1, QuestionAnswered) and isinstance(complement_v1, ComplementAdded)
    request = given(*ADMITTED_HISTORY, QUESTION, (answer_v1, utc(2026, 7, 1)), (complement_v1, utc(2026, 7, 1)))
    assert request.deadline_at == DEADLINE
    assert request.deadline_notices_due(utc(2026, 6, 30, 14)) == [REMINDER]


def test_notices_of_a_deadline_from_receipt_do_not_count_for_the_one_from_admissibility() -> None:
    legacy_decision = AdmissibilityDecided(decision="oui", notice=NOTICE)
    sent = [
        (DeadlineReached(kind="reminder", deadline_at=RECEIPT_DEADLINE, notice=NOTICE), utc(2026, 5, 26, 9)),
        (DeadlineReached(kind="expiry", deadline_at=RECEIPT_DEADLINE, notice=NOTICE), utc(2026, 6, 10, 9)),
    ]
    request = given(*TAKEN, (legacy_decision, ADMITTED), *sent)
    assert request.deadline_notices_due(utc(2026, 6, 30, 14)) == [REMINDER]


def test_a_droit_au_controle_filed_under_v1_still_reads_without_a_deadline() -> None:
    # RequestSubmitted v1 gave it the rescrit's deadline; CRPA L.124-1: it has none.
    control = submitted(filing=control_filing())
    legacy = parse("RequestSubmitted", 1, _stored(control, deadline_at=RECEIPT_DEADLINE.isoformat()))
    assert isinstance(legacy, RequestSubmitted) and legacy.deadline_at is None
