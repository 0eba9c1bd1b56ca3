"""French formatting for mails: amounts as "1 234,56 €", dates in the territory's own zone.

Spaces inside an amount and before "€" are no-break spaces (U+00A0), so a line never splits them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from contracts import french
from contracts.types import TERRITORY_ZONES

NBSP = "\u00a0"
METROPOLE_ZONE = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def format_money(value: Decimal | str | int) -> str:
    """1234.5 → "1 234,50 €" (rounded half up to the cent)."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while units:
        units, groups = units[:-3], [units[-3:], *groups]
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}€"


def zone_of(territory: str | None) -> ZoneInfo:
    """The zone of an overseas territory, else metropolitan France's."""
    return TERRITORY_ZONES.get(territory or "", METROPOLE_ZONE)


def zone_label(territory: str | None) -> str:
    """ "heure de la Guadeloupe", "heure de La Réunion" as the portal and the PDFs say it; "heure de Paris"."""
    return french.hour_of(territory) if territory in TERRITORY_ZONES else "heure de Paris"


def format_date(value: datetime | date | str, territory: str | None = None) -> str:
    """ "1er mars 2026": a calendar date as it is (a date, or "2026-03-01"); for an instant, the calendar day it
    is in the territory's zone."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return _day(value)
    if isinstance(value, str) and len(value) == 10:  # a date written alone, never moved to another zone
        return _day(date.fromisoformat(value))
    return _day(_local(value, territory).date())


def format_datetime(value: datetime | str, territory: str | None = None) -> str:
    """ "10 juin 2026 à 5 h 00 (heure de la Guadeloupe)"."""
    moment = _local(value, territory)
    return f"{_day(moment.date())} à {moment.hour} h {moment.minute:02d} ({zone_label(territory)})"


def _day(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def _local(value: datetime | str, territory: str | None) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(territory))


def format_size(size: int) -> str:
    """A file size the French way: "850 octets", "12 Ko", "2,4 Mo"."""
    if size < 1024:
        return f"{size} octet{'s' if size > 1 else ''}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)}{NBSP}Ko"
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + f"{NBSP}Mo"
