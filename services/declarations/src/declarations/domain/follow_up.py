"""The office's follow-up of a quarter: for each relation, whether it filed, filed late, or has not filed by the
due date. One standing per relation and quarter, whether or not the relation opened a declaration.

The manual: the declaration is filed by the 24th of the month after the quarter, even with nothing to declare; a
relation that filed nothing by then is late, as is one that filed after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

FollowUpTab = Literal["filed", "not_filed", "late"]
FOLLOW_UP_TABS: tuple[FollowUpTab, ...] = ("filed", "not_filed", "late")


@dataclass(frozen=True)
class FilingStanding:
    """Where a relation stands for one quarter, as an office follows it."""

    filed: bool
    filed_late: bool
    """Filed after the due date (as the filing recorded it, in days of the territory's calendar)."""
    not_filed_past_due: bool
    """Nothing filed, and the due date has passed in the territory."""

    @property
    def late(self) -> bool:
        return self.filed_late or self.not_filed_past_due

    def in_tab(self, tab: FollowUpTab) -> bool:
        """« Déposées », « Non déposées » (a draft counts as not filed), « En retard »."""
        if tab == "filed":
            return self.filed
        if tab == "not_filed":
            return not self.filed
        return self.late


def filing_standing(*, filed_late: bool | None, due: date, today: date) -> FilingStanding:
    """The standing of a relation for a quarter due on `due`, on `today` (the territory's date). `filed_late` is the
    lateness its filing recorded (`DeclarationFiled.late`), None when nothing is filed (no declaration, or a draft)."""
    # décret n° 2015-1077 du 26 août 2015, art. 7: filed by the 24th of the month after the quarter; on the 24th
    # itself it is still on time, from the 25th a quarter with nothing filed is late.
    if filed_late is None:
        return FilingStanding(filed=False, filed_late=False, not_filed_past_due=today > due)
    return FilingStanding(filed=True, filed_late=filed_late, not_filed_past_due=False)


def tab_counts(standings: Iterable[FilingStanding]) -> dict[str, int]:
    """How many relations each tab lists, and all of them (`all`)."""
    counts: dict[str, int] = {tab: 0 for tab in FOLLOW_UP_TABS}
    total = 0
    for standing in standings:
        total += 1
        for tab in FOLLOW_UP_TABS:
            counts[tab] += standing.in_tab(tab)
    return {**counts, "all": total}
