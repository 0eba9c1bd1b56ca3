"""Deadline reminders (issue: a mail before the 24th, default 7 and 1 days, and a late notice the day after): which
one is due on a day of the territory, given those already issued."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.events.declarations import FilingReminderIssued
from declarations.domain.reminders import ReminderDue, quarter_to_remind, reminder_due, reminder_window

Q3_2026 = (2026, 3)  # due on 24 October 2026


def issued(kind: str, days_before: int | None = None) -> FilingReminderIssued:
    return FilingReminderIssued(
        relation_id="rel-974-0001",
        relation_number="0974000789",
        establishment="Savonnerie",
        year=2026,
        quarter=3,
        due_date=date(2026, 10, 24),
        kind=kind,  # type: ignore[arg-type]
        days_before=days_before,
        email="marie@example.org",
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 10, 16), None),
        (date(2026, 10, 17), ReminderDue("before_due", 7)),
        (date(2026, 10, 22), ReminderDue("before_due", 2)),  # the 7-day one missed until then: 2 days left
        (date(2026, 10, 23), ReminderDue("before_due", 1)),
        (date(2026, 10, 24), ReminderDue("before_due", 0)),
        (date(2026, 10, 25), ReminderDue("late")),
        (date(2026, 10, 31), ReminderDue("late")),
        (date(2026, 11, 1), None),
    ],
)
def test_reminders_go_out_7_and_1_days_before_the_24th_and_a_late_notice_the_day_after(
    today: date, expected: ReminderDue | None
) -> None:
    assert reminder_due(today, Q3_2026, ()) == expected


def test_each_reminder_is_issued_once_per_relation_and_quarter() -> None:
    assert reminder_due(date(2026, 10, 20), Q3_2026, [issued("before_due", 7)]) is None
    assert reminder_due(date(2026, 10, 20), Q3_2026, [issued("before_due", 5)]) is None  # sent late, on the 19th
    assert reminder_due(date(2026, 10, 23), Q3_2026, [issued("before_due", 7)]) == ReminderDue("before_due", 1)
    assert reminder_due(date(2026, 10, 24), Q3_2026, [issued("before_due", 7), issued("before_due", 1)]) is None
    assert reminder_due(date(2026, 10, 26), Q3_2026, [issued("late")]) is None


def test_a_pass_missed_sends_only_the_nearest_reminder() -> None:
    # down from the 16th to the 23rd: the 1-day reminder, not the 7-day one too
    assert reminder_due(date(2026, 10, 23), Q3_2026, ()) == ReminderDue("before_due", 1)
    assert reminder_due(date(2026, 10, 23), Q3_2026, [issued("before_due", 1)]) is None


def test_reminder_days_are_configurable() -> None:
    assert reminder_due(date(2026, 10, 10), Q3_2026, (), days_before=(14, 3)) == ReminderDue("before_due", 14)
    assert reminder_due(date(2026, 10, 21), Q3_2026, (), days_before=(14, 3)) == ReminderDue("before_due", 3)
    assert reminder_due(date(2026, 10, 25), Q3_2026, (), late_window=0) is None


def test_the_quarter_to_remind_is_the_latest_ended() -> None:
    assert quarter_to_remind(date(2026, 10, 17)) == (2026, 3)
    assert quarter_to_remind(date(2027, 1, 20)) == (2026, 4)
    assert reminder_window((2026, 4), days_before=(7, 1), late_window=7) == (date(2027, 1, 17), date(2027, 1, 31))
