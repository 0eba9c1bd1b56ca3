"""The answer clock: 3 months from receipt, a reminder 15 days before, notices emitted once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from contracts.events.essoc import (
    AdmissibilityDecided,
    ComplementAdded,
    DeadlineReached,
    RequestClosed,
    RequestQuestioned,
    RequestSubmitted,
)
from contracts.registry import parse
from essoc.domain import deadlines
from essoc.domain.deadlines import (
    add_months,
    answer_deadline,
    due_kind,
    local_time,
    reminder_at,
    second_examen_closes_at,
    zone_of,
)

from essoc_given import AGENT, REQUESTER, admitted, control_filing, given, submitted, taken_in_charge


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---- month arithmetic -----------------------------------------------------------------------------


def test_a_month_later_is_the_same_day_and_time() -> None:
    assert add_months(utc(2026, 3, 10, 9, 30), 3) == utc(2026, 6, 10, 9, 30)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (utc(2025, 11, 30, 12), utc(2026, 2, 28, 12)),
        (utc(2027, 11, 30, 12), utc(2028, 2, 29, 12)),  # leap year
        (utc(2026, 3, 31), utc(2026, 6, 30)),
        (utc(2026, 5, 31), utc(2026, 8, 31)),
    ],
)
def test_a_day_missing_from_the_target_month_is_clamped_to_its_end(start: datetime, end: datetime) -> None:
    assert add_months(start, 3) == end


def test_months_roll_over_the_year() -> None:
    assert add_months(utc(2026, 11, 15), 3) == utc(2027, 2, 15)
    assert add_months(utc(2026, 12, 31), 2) == utc(2027, 2, 28)


def test_instants_are_computed_in_utc() -> None:
    reunion = timezone(timedelta(hours=4))
    assert add_months(datetime(2026, 4, 1, 2, 0, tzinfo=reunion), 3) == utc(2026, 6, 30, 22, 0)


def test_an_instant_without_zone_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="fuseau"):
        add_months(datetime(2026, 1, 1), 1)


def test_answer_is_due_three_months_after_receipt() -> None:
    # code des douanes art. 345 bis II (loi 2018-727).
    assert answer_deadline(utc(2026, 3, 10, 9)) == utc(2026, 6, 10, 9)


def test_the_unit_is_reminded_fifteen_days_before_the_deadline() -> None:
    assert reminder_at(utc(2026, 6, 10, 9)) == utc(2026, 5, 26, 9)


def test_second_examen_window_is_two_months_after_the_rescrit() -> None:
    assert second_examen_closes_at(utc(2025, 12, 31, 10)) == utc(2026, 2, 28, 10)


@pytest.mark.parametrize(
    ("now", "kind"),
    [
        (utc(2026, 5, 26, 8, 59), None),
        (utc(2026, 5, 26, 9), "reminder"),
        (utc(2026, 6, 10, 8, 59), "reminder"),
        (utc(2026, 6, 10, 9), "expiry"),
        (utc(2026, 9, 1), "expiry"),
    ],
)
def test_which_notice_is_due(now: datetime, kind: str | None) -> None:
    assert due_kind(utc(2026, 6, 10, 9), now) == kind


def test_a_directorate_reads_deadlines_in_its_territory_zone() -> None:
    deadline = utc(2026, 5, 1, 3, 30)
    assert local_time(deadline, "971").isoformat() == "2026-04-30T23:30:00-04:00"
    assert local_time(deadline, "974").isoformat() == "2026-05-01T07:30:00+04:00"
    assert zone_of("976") == ZoneInfo("Indian/Mayotte")
    assert zone_of("69") == zone_of(None) == ZoneInfo("Europe/Paris")


# ---- DeadlineReached from the aggregate -----------------------------------------------------------

START = submitted()  # received 2026-03-10 09:00 UTC, deadline 2026-06-10 09:00 UTC
NOTICE = START.notice
DEADLINE = utc(2026, 6, 10, 9)
REMINDER = DeadlineReached(kind="reminder", deadline_at=DEADLINE, notice=NOTICE)
EXPIRY = DeadlineReached(kind="expiry", deadline_at=DEADLINE, notice=NOTICE)


def test_nothing_is_due_before_the_reminder() -> None:
    assert given(START).deadline_notices_due(utc(2026, 5, 26, 8)) == []


def test_the_reminder_is_due_fifteen_days_before_even_before_taking_charge() -> None:
    assert given(START).deadline_notices_due(utc(2026, 5, 26, 9)) == [REMINDER]


def test_the_reminder_is_emitted_once() -> None:
    assert given(START, REMINDER).deadline_notices_due(utc(2026, 6, 1)) == []


def test_expiry_is_due_at_the_deadline() -> None:
    assert given(*taken_in_charge(START), REMINDER).deadline_notices_due(DEADLINE) == [EXPIRY]


def test_expiry_is_emitted_once_and_supersedes_a_missed_reminder() -> None:
    assert given(START).deadline_notices_due(utc(2026, 7, 1)) == [EXPIRY]
    request = given(START, EXPIRY)
    assert request.deadline_notices_due(utc(2026, 7, 1)) == []


@pytest.mark.parametrize("ending", ["closed", "refused"])
def test_a_closed_or_refused_request_has_no_deadline_notice(ending: str) -> None:
    history = (
        [*admitted(START), RequestClosed(response="R.", notice=NOTICE)]
        if ending == "closed"
        else [*taken_in_charge(START), AdmissibilityDecided(decision="non", grounds="x", notice=NOTICE)]
    )
    assert given(*history).deadline_notices_due(utc(2026, 7, 1)) == []


def test_a_restarted_clock_gets_its_own_reminder_and_expiry() -> None:
    question = RequestQuestioned(question_id="q-1", text="?", asked_by=AGENT, notice=NOTICE)
    request = given(*taken_in_charge(START), question, REMINDER)
    [complement] = request.add_complement(
        complement_id="c-1", text="Voici.", requester_id=REQUESTER.id, now=utc(2026, 6, 1, 12)
    )
    assert isinstance(complement, ComplementAdded)
    restarted = given(*taken_in_charge(START), question, REMINDER, complement)
    assert restarted.deadline_notices_due(DEADLINE) == []
    assert restarted.deadline_notices_due(utc(2026, 8, 17, 12)) == [
        DeadlineReached(kind="reminder", deadline_at=utc(2026, 9, 1, 12), notice=NOTICE)
    ]


def test_a_notice_of_a_former_deadline_does_not_count_for_the_new_one() -> None:
    restart = ComplementAdded(complement_id="c-1", text="x", restarts_clock=True, deadline_at=utc(2026, 9, 1))
    request = given(START, restart, REMINDER)
    assert request.deadline_notices_due(utc(2026, 8, 20)) == [
        DeadlineReached(kind="reminder", deadline_at=utc(2026, 9, 1), notice=NOTICE)
    ]


# ---- droit au contrôle: no 3-month clock (CRPA L.124-1) ----------------------------------------------


def test_droit_au_controle_has_no_three_month_clock() -> None:
    # CRPA L.124-1: the control is carried out « dans un délai raisonnable »; the 3 months of code des douanes
    # art. 345 bis II are the rescrit's (and its second examen's)
    control = submitted(filing=control_filing())
    assert control.deadline_at is None
    request = given(*taken_in_charge(control))
    assert request.deadline_at is None
    assert request.deadline_notices_due(utc(2027, 1, 1)) == []


def test_droit_au_controle_answers_restart_no_clock() -> None:
    control = submitted(filing=control_filing())
    question = RequestQuestioned(question_id="q-1", text="?", asked_by=AGENT, notice=control.notice)
    history = [*admitted(control), question]
    [answer] = given(*history).answer_question(
        question_id="q-1", text="Voici.", requester_id=REQUESTER.id, now=utc(2026, 4, 1)
    )
    assert (answer.restarts_clock, answer.deadline_at) == (False, None)
    [complement] = given(*history).add_complement(
        complement_id="c-1", text="Voici.", requester_id=REQUESTER.id, now=utc(2026, 4, 1)
    )
    assert (complement.restarts_clock, complement.deadline_at) == (False, None)


def test_droit_au_controle_filed_with_a_deadline_before_the_rule_gets_no_notice() -> None:
    # RequestSubmitted v1 gave a droit au contrôle the rescrit's deadline; read today (upcast to v2), none
    stored = submitted(filing=control_filing()).model_dump(mode="json") | {"deadline_at": DEADLINE.isoformat()}
    legacy = parse("RequestSubmitted", 1, stored)
    assert isinstance(legacy, RequestSubmitted) and legacy.deadline_at is None
    assert given(legacy).deadline_notices_due(utc(2026, 7, 1)) == []
    rescrit = parse("RequestSubmitted", 1, START.model_dump(mode="json"))
    assert isinstance(rescrit, RequestSubmitted) and rescrit.deadline_at == DEADLINE


def test_days_left_counts_calendar_days_in_the_directorates_zone() -> None:
    # 2026-05-01T03:30Z is 30 April 23:30 in Guadeloupe: on 29 April (Guadeloupe) one day is left.
    deadline = datetime(2026, 5, 1, 3, 30, tzinfo=UTC)
    now = datetime(2026, 4, 29, 15, 0, tzinfo=UTC)
    assert deadlines.days_left(deadline, now, "971") == 1
    assert deadlines.days_left(deadline, now, "974") == 2
    assert deadlines.days_left(deadline, deadline + timedelta(days=3), "971") == -3


def test_a_deadline_is_near_from_its_reminder_on() -> None:
    deadline = datetime(2026, 5, 1, 3, 30, tzinfo=UTC)
    assert not deadlines.is_near(deadline, deadline - timedelta(days=16))
    assert deadlines.is_near(deadline, deadline - timedelta(days=15))
    assert deadlines.is_near(deadline, deadline + timedelta(days=1))
