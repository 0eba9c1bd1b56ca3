"""When a télépaiement debit is collected: TARGET business days and the B2B presentation delay."""

from __future__ import annotations

from datetime import date

import pytest

from declarations.domain.collection.debits import collection_date
from declarations.domain.collection.target import easter_sunday, is_target_day, target_day_on_or_after


@pytest.mark.parametrize(
    ("year", "easter"), [(2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2028, date(2028, 4, 16))]
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    "closed",
    [
        date(2027, 1, 1),  # New Year's Day
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 1),  # 1 May (a Saturday that year, closed twice over)
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 10, 24),  # a Saturday
    ],
)
def test_target_closing_days(closed: date) -> None:
    assert not is_target_day(closed)


def test_target_days_are_the_other_weekdays() -> None:
    assert is_target_day(date(2026, 12, 24)) and is_target_day(date(2026, 5, 8))  # French holidays, TARGET days


def test_collection_date_is_the_due_date_or_the_next_target_day() -> None:
    """SEPA B2B: collected on the due date, the 24th, or the next TARGET day when the 24th is closed."""
    assert collection_date(date(2026, 11, 24), filed_on=date(2026, 11, 2)) == date(2026, 11, 24)
    assert collection_date(date(2026, 10, 24), filed_on=date(2026, 10, 2)) == date(2026, 10, 26)  # a Saturday
    assert collection_date(date(2027, 1, 24), filed_on=date(2027, 1, 4)) == date(2027, 1, 25)  # a Sunday


def test_a_late_or_last_minute_filing_is_collected_two_target_days_after_it() -> None:
    """EPC SDD B2B rulebook 4.3.3: the collection reaches the debtor's bank one TARGET day before its due date."""
    assert collection_date(date(2026, 11, 24), filed_on=date(2026, 11, 23)) == date(2026, 11, 25)
    # filed on Thursday 24 December 2026: 25 and 26 are closed, then a weekend
    assert collection_date(date(2026, 10, 24), filed_on=date(2026, 12, 24)) == date(2026, 12, 29)
    # filed on Friday 26 March 2027 (Good Friday), then Easter Monday
    assert collection_date(date(2027, 1, 24), filed_on=date(2027, 3, 26)) == date(2027, 3, 31)


def test_target_day_on_or_after_a_long_closure() -> None:
    assert target_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 28)
