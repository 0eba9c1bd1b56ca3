"""The answer clock's arithmetic: months, the reminder 15 days before, the notice due, the directorate's zone.

The rule itself, 3 months from admissibility, and the notices the aggregate emits are in
`test_essoc_answer_deadline.py`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from essoc.domain import deadlines
from essoc.domain.deadlines import add_months, due_kind, local_time, reminder_at, second_examen_closes_at, zone_of


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
