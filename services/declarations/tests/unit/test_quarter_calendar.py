"""Quarters, the 24th-of-the-next-month due date (décret 2015-1077 art. 7), lateness, local dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from declarations.domain import calendar
from declarations.domain.calendar import (
    current_quarter,
    days_late,
    due_date,
    local_date,
    quarter_bounds,
    quarter_name,
    quarter_of,
)

from declarations_given import utc

quarters = st.integers(min_value=1, max_value=4)
years = st.integers(min_value=2000, max_value=2100)


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, date(2024, 1, 1), date(2024, 3, 31)),
        (2, date(2024, 4, 1), date(2024, 6, 30)),
        (3, date(2024, 7, 1), date(2024, 9, 30)),
        (4, date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_quarter_bounds_are_the_civil_quarter(quarter: int, first: date, last: date) -> None:
    assert quarter_bounds(2024, quarter) == (first, last)


@pytest.mark.parametrize(
    ("quarter", "due"),
    [(1, date(2024, 4, 24)), (2, date(2024, 7, 24)), (3, date(2024, 10, 24)), (4, date(2025, 1, 24))],
)
def test_due_date_is_the_24th_of_the_month_after_the_quarter(quarter: int, due: date) -> None:
    assert due_date(2024, quarter) == due


def test_q4_declaration_is_due_on_24_january_of_the_next_year() -> None:
    assert due_date(2025, 4) == date(2026, 1, 24)


@given(years, quarters)
def test_due_date_is_always_a_24th_in_the_month_following_the_quarter(year: int, quarter: int) -> None:
    due = due_date(year, quarter)
    last = quarter_bounds(year, quarter)[1]
    month_after = last + timedelta(days=1)
    assert due.day == 24
    assert (due.year, due.month) == (month_after.year, month_after.month)


@pytest.mark.parametrize(("quarter", "year"), [(0, 2024), (5, 2024), (1, 1999), (1, 2101)])
def test_a_quarter_outside_1_to_4_or_a_year_outside_the_contract_is_refused(quarter: int, year: int) -> None:
    with pytest.raises(DomainError) as refusal:
        due_date(year, quarter)
    assert refusal.value.field == ("quarter" if quarter not in (1, 2, 3, 4) else "year")


def test_filing_on_the_due_date_is_not_late() -> None:
    assert days_late(date(2024, 4, 24), date(2024, 4, 24)) == 0
    assert days_late(date(2024, 4, 2), date(2024, 4, 24)) == 0


def test_days_late_counts_whole_days_after_the_due_date() -> None:
    assert days_late(date(2024, 4, 25), date(2024, 4, 24)) == 1
    assert days_late(date(2024, 5, 24), date(2024, 4, 24)) == 30


@given(st.dates(), st.dates())
def test_days_late_is_never_negative_and_zero_only_when_on_time(filed_on: date, due: date) -> None:
    late = days_late(filed_on, due)
    assert late >= 0
    assert (late == 0) == (filed_on <= due)


def test_current_quarter_is_read_in_the_territory_time_zone() -> None:
    # 1 April 2024 at 02:00 UTC: still 31 March 22:00 in Guadeloupe (UTC-4), 06:00 on 1 April in
    # La Réunion (UTC+4).
    instant = utc(2024, 4, 1, hour=2)
    assert current_quarter(instant, "971") == (2024, 1)
    assert current_quarter(instant, "974") == (2024, 2)


def test_local_date_follows_each_territory_zone() -> None:
    instant = utc(2024, 12, 31, hour=23)
    assert local_date(instant, "973") == date(2024, 12, 31)  # Cayenne, UTC-3
    assert local_date(instant, "976") == date(2025, 1, 1)  # Mayotte, UTC+3


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        local_date(datetime(2024, 1, 1, 12, 0), "972")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_falls_inside_its_own_quarter(day: date) -> None:
    year, quarter = quarter_of(day)
    first, last = quarter_bounds(year, quarter)
    assert first <= day <= last


def test_quarter_name_reads_as_french() -> None:
    assert quarter_name(2024, 1) == "1er trimestre 2024"
    assert quarter_name(2024, 3) == "3e trimestre 2024"


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 11, 30), (2026, 4)),
        (date(2027, 1, 24), (2026, 4)),
        (date(2027, 1, 25), (2027, 1)),
        (date(2026, 10, 1), (2026, 3)),
        (date(2026, 10, 24), (2026, 3)),
        (date(2026, 10, 25), (2026, 4)),
    ],
)
def test_quarter_due_is_the_ended_quarter_until_its_due_date_then_the_running_one(
    today: date, due: tuple[int, int]
) -> None:
    assert calendar.quarter_due(today) == due


def test_late_quarters_are_those_past_their_due_date_and_not_filed_within_a_year() -> None:
    today = date(2026, 11, 30)
    assert calendar.late_quarters(today, filed=set()) == [(2026, 3), (2026, 2), (2026, 1), (2025, 4)]
    assert calendar.late_quarters(today, filed={(2026, 2), (2025, 4)}) == [(2026, 3), (2026, 1)]
    # On its due date a quarter is the quarter due, not a late one.
    assert calendar.late_quarters(date(2026, 10, 24), filed={(2026, 2), (2026, 1), (2025, 4), (2025, 3)}) == []
    assert calendar.late_quarters(date(2026, 10, 25), filed={(2026, 2), (2026, 1), (2025, 4)}) == [(2026, 3)]
    # Nothing before the octroi de mer interne of 2004.
    assert calendar.late_quarters(date(2004, 12, 1), filed=set()) == [(2004, 3)]


@pytest.mark.parametrize(
    ("year", "quarter", "last"),
    [(2024, 1, date(2024, 4, 30)), (2024, 3, date(2024, 10, 31)), (2024, 4, date(2025, 1, 31))],
)
def test_month_after_the_quarter_ends(year: int, quarter: int, last: date) -> None:
    assert calendar.month_after_last_day(year, quarter) == last


def test_filing_opens_the_day_after_the_quarter() -> None:
    assert calendar.filing_opens_on(2024, 1) == date(2024, 4, 1)
    assert calendar.filing_opens_on(2024, 4) == date(2025, 1, 1)
