"""The declaration calendar: civil quarters, the filing due date, lateness, and "today" in a territory.

Every date here is a local date of the territory concerned; the clock is never read, `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from contracts import french
from contracts.errors import DomainError
from contracts.types import TERRITORY_ZONES, Territory

DUE_DAY = 24
"""Filing and payment are due by the 24th of the month after the quarter (décret 2015-1077, art. 7)."""

MIN_YEAR = 2000
MAX_YEAR = 2100
"""Years the `DeclarationDrafted` contract accepts."""


def check_period(year: int, quarter: int) -> None:
    """Refuses a year or a quarter no declaration can be about."""
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise DomainError("Le trimestre doit être 1, 2, 3 ou 4.", field="quarter")
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"L'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}.", field="year")


FIRST_DECLARED_QUARTER = (2004, 3)
"""The octroi de mer interne of loi n° 2004-639 applies from its entry into force, 1 August 2004: the first quarter a
declaration can be about is the 3rd quarter of 2004. Earlier periods fell under the former regime."""


def check_octroi_de_mer_in_force(year: int, quarter: int) -> None:
    if (year, quarter) < FIRST_DECLARED_QUARTER:
        raise DomainError(
            "L'octroi de mer interne de la loi n° 2004-639 ne s'applique qu'à partir du 1er août 2004 : "
            "la première déclaration trimestrielle possible est celle du 3e trimestre 2004.",
            field="year",
        )


def quarter_first_day(year: int, quarter: int) -> date:
    check_period(year, quarter)
    return date(year, 3 * quarter - 2, 1)


def quarter_last_day(year: int, quarter: int) -> date:
    check_period(year, quarter)
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a civil quarter, both included."""
    return quarter_first_day(year, quarter), quarter_last_day(year, quarter)


def quarter_of(day: date) -> tuple[int, int]:
    """The (year, quarter) a date belongs to."""
    return day.year, (day.month - 1) // 3 + 1


def due_date(year: int, quarter: int) -> date:
    """The 24th of the month after the quarter; a Q4 declaration is due on 24 January of the next year."""
    # décret n° 2015-1077 du 26 août 2015, art. 7; the manual: « au plus tard le 24 du mois suivant
    # la fin du trimestre civil ».
    check_period(year, quarter)
    if quarter == 4:
        return date(year + 1, 1, DUE_DAY)
    return date(year, 3 * quarter + 1, DUE_DAY)


def filing_opens_on(year: int, quarter: int) -> date:
    """The first day a quarter's declaration may be filed: the day after the quarter ends. The declaration is
    that of the quarter elapsed (décret n° 2015-1077, art. 7: « au titre du trimestre civil écoulé », filed
    within the month after it); before its last day the sales of the quarter are not all known. It may be
    drafted from the quarter's first day."""
    return quarter_last_day(year, quarter) + timedelta(days=1)


def check_quarter_ended(year: int, quarter: int, today: date) -> None:
    """Refuses to file a quarter that has not ended in the territory (`today` is its local date)."""
    opens = filing_opens_on(year, quarter)
    if today < opens:
        raise DomainError(
            f"Le {quarter_name(year, quarter)} n'est pas terminé : sa déclaration peut être préparée dès "
            f"maintenant, mais ne pourra être déposée qu'à partir du {opens:%d/%m/%Y}.",
            field="quarter",
            code="trimestre-en-cours",
            extra={"filing_opens_on": opens.isoformat()},
        )


def month_after_last_day(year: int, quarter: int) -> date:
    """The last day of the month after the quarter (30 April for Q1, 31 January of the next year for Q4)."""
    due = due_date(year, quarter)
    following = date(due.year + (due.month == 12), due.month % 12 + 1, 1)
    return following - timedelta(days=1)


def days_late(filed_on: date, due: date) -> int:
    """Whole days between the due date and the filing date; 0 when filed on or before the due date."""
    return max(0, (filed_on - due).days)


def local_date(now: datetime, territory: Territory) -> date:
    """The calendar date in the territory's time zone at the instant `now` (an aware datetime)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (UTC), never a naive one")
    return now.astimezone(TERRITORY_ZONES[territory]).date()


def current_quarter(now: datetime, territory: Territory) -> tuple[int, int]:
    """The (year, quarter) running in the territory at the instant `now`."""
    return quarter_of(local_date(now, territory))


def quarter_name(year: int, quarter: int) -> str:
    """« 1er trimestre 2024 », « 3e trimestre 2024 »: a quarter as the declarant reads it, in the words the mails
    use too (`contracts.french.quarter`)."""
    return french.quarter(year, quarter)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def latest_ended_quarter(today: date) -> tuple[int, int]:
    """The latest quarter that has ended on `today`: the quarter due until the 24th of the month after it, the
    latest past its due date after that."""
    return previous_quarter(*quarter_of(today))


def quarter_due(today: date) -> tuple[int, int]:
    """The quarter whose declaration a producer is expected to file now: the one that has ended, until its
    due date (the 24th of the month after it); after that, the quarter running (it may be drafted from its
    first day). Home page, « Que souhaitez-vous faire? »: « Déclarer » opens this one."""
    running = quarter_of(today)
    ended = previous_quarter(*running)
    return ended if today <= due_date(*ended) else running


LATE_LOOKBACK = 4
"""How many quarters before the quarter due the home page checks for lateness (one year): older ones are
found through « Rechercher une déclaration ». A relation's first quarter is not known to the referential."""


def late_quarters(
    today: date, filed: Collection[tuple[int, int]], lookback: int = LATE_LOOKBACK
) -> list[tuple[int, int]]:
    """Quarters past their due date with no filed declaration, latest first, within `lookback` quarters
    before the quarter due (décret 2015-1077, art. 7: due by the 24th of the month after the quarter)."""
    late: list[tuple[int, int]] = []
    period = quarter_due(today)
    for _ in range(lookback):
        period = previous_quarter(*period)
        if period < FIRST_DECLARED_QUARTER:
            break
        if today > due_date(*period) and period not in filed:
            late.append(period)
    return late
