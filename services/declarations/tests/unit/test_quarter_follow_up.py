"""The office's follow-up of a quarter (issue 11): filed, not filed past the 24th, late (décret 2015-1077 art. 7)."""

from __future__ import annotations

from datetime import date

from declarations.domain.calendar import latest_ended_quarter
from declarations.domain.follow_up import FilingStanding, filing_standing, tab_counts

DUE = date(2026, 10, 24)  # the 3rd quarter of 2026


def test_a_declaration_filed_by_the_due_date_is_filed_and_not_late() -> None:
    standing = filing_standing(filed_late=False, due=DUE, today=date(2026, 11, 30))
    assert standing == FilingStanding(filed=True, filed_late=False, not_filed_past_due=False)
    assert standing.in_tab("filed") and not standing.in_tab("not_filed") and not standing.in_tab("late")


def test_a_declaration_filed_after_the_due_date_is_late() -> None:
    standing = filing_standing(filed_late=True, due=DUE, today=date(2026, 11, 30))
    assert standing.filed and standing.filed_late and standing.late
    assert standing.in_tab("filed") and standing.in_tab("late") and not standing.in_tab("not_filed")


def test_nothing_filed_on_the_due_date_is_not_yet_late() -> None:
    standing = filing_standing(filed_late=None, due=DUE, today=DUE)
    assert standing == FilingStanding(filed=False, filed_late=False, not_filed_past_due=False)
    assert standing.in_tab("not_filed") and not standing.in_tab("late")


def test_nothing_filed_the_day_after_the_due_date_is_late() -> None:
    standing = filing_standing(filed_late=None, due=DUE, today=date(2026, 10, 25))
    assert standing.not_filed_past_due and standing.late
    assert standing.in_tab("not_filed") and standing.in_tab("late") and not standing.in_tab("filed")


def test_the_tabs_count_each_relation_once_per_tab_it_belongs_to() -> None:
    today = date(2026, 11, 30)
    standings = [
        filing_standing(filed_late=False, due=DUE, today=today),
        filing_standing(filed_late=True, due=DUE, today=today),
        filing_standing(filed_late=None, due=DUE, today=today),
    ]
    assert tab_counts(standings) == {"filed": 2, "not_filed": 1, "late": 2, "all": 3}
    assert tab_counts([]) == {"filed": 0, "not_filed": 0, "late": 0, "all": 0}


def test_the_quarter_followed_by_default_is_the_latest_ended() -> None:
    assert latest_ended_quarter(date(2026, 10, 10)) == (2026, 3)  # the quarter due, filings arriving
    assert latest_ended_quarter(date(2026, 11, 30)) == (2026, 3)  # past its due date
    assert latest_ended_quarter(date(2027, 1, 1)) == (2026, 4)
