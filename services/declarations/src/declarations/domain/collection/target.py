"""TARGET2 business days: the days a SEPA direct debit can be collected.

SEPA rulebooks (EPC SDD B2B rulebook, section 4.3: « TARGET days »): every day but Saturdays, Sundays, New Year's
Day, Good Friday, Easter Monday, 1 May, Christmas Day and 26 December (ECB, TARGET2 calendar since 2002).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


@cache
def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def target_closing_days(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter - timedelta(days=2),  # Good Friday
            easter + timedelta(days=1),  # Easter Monday
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_target_day(day: date) -> bool:
    return day.weekday() < 5 and day not in target_closing_days(day.year)


def target_day_on_or_after(day: date) -> date:
    while not is_target_day(day):
        day += timedelta(days=1)
    return day


def target_days_after(day: date, count: int) -> date:
    """The `count`-th TARGET day after `day` (not counting `day`)."""
    for _ in range(count):
        day = target_day_on_or_after(day + timedelta(days=1))
    return day
