"""Deadline reminders: which mail a relation whose quarter is not filed is due, on a given day of its territory.

The manual: the declaration is filed and paid by the 24th of the month after the quarter, even with nothing to
declare. A reminder goes out a configurable number of days before (default 7 and 1), and a late notice the day
after. Each is issued once per relation and quarter: the reminders already issued are the relation's reminder
stream for that quarter.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from contracts.events.declarations import FilingReminderIssued
from declarations.domain.calendar import due_date, latest_ended_quarter

DEFAULT_DAYS_BEFORE: tuple[int, ...] = (7, 1)
"""Days before the due date a reminder goes out (configurable: `DECLARATIONS_REMINDER_DAYS_BEFORE`)."""

LATE_NOTICE_WINDOW_DAYS = 7
"""A late notice goes out from the day after the due date, for this many days: a service down longer, or first
deployed after a due date, does not send notices about a quarter long past."""

ReminderKind = Literal["before_due", "late"]


@dataclass(frozen=True)
class ReminderDue:
    kind: ReminderKind
    days_before: int | None = None
    """before_due: the days left until the due date on the day it goes out (the threshold reached, or fewer when
    a pass was missed: the mail never announces more time than there is)."""


def quarter_to_remind(today: date) -> tuple[int, int]:
    """The quarter whose filing is coming or just passed: the latest one that has ended."""
    return latest_ended_quarter(today)


def reminder_due(
    today: date,
    period: tuple[int, int],
    issued: Sequence[FilingReminderIssued],
    *,
    days_before: Collection[int] = DEFAULT_DAYS_BEFORE,
    late_window: int = LATE_NOTICE_WINDOW_DAYS,
) -> ReminderDue | None:
    """The reminder due on `today` (the territory's date) for the quarter `period`, not yet issued; None when
    none is. When several thresholds have passed (the service was down), only the nearest to the due date goes
    out."""
    due = due_date(*period)
    if today <= due:
        passed = [d for d in days_before if d >= 0 and today >= due - timedelta(days=d)]
        if not passed:
            return None
        nearest = min(passed)
        if any(r.kind == "before_due" and (r.days_before or 0) <= nearest for r in issued):
            return None
        return ReminderDue("before_due", (due - today).days)
    if today > due + timedelta(days=late_window) or any(r.kind == "late" for r in issued):
        return None
    return ReminderDue("late")


def reminder_window(period: tuple[int, int], *, days_before: Collection[int], late_window: int) -> tuple[date, date]:
    """The days on which some reminder of the quarter may be due: outside, nothing to look at."""
    due = due_date(*period)
    return due - timedelta(days=max(days_before, default=0)), due + timedelta(days=late_window)
