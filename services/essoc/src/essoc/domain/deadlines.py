"""The answer clock of an ESSOC request: 3 months from the day it was judged admissible, a reminder 15 days before.

Instants are computed and stored in UTC. The directorate reads them in its own zone (`local_time`):
a deadline at 2026-05-01T03:30Z is 30 April, 23:30 in Guadeloupe but 1 May, 07:30 in La Réunion.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from contracts.types import TERRITORY_ZONES

# OGDE manual § 1.3: « la DGDDI dispose d'un délai de 3 mois pour vous délivrer un rescrit portant sur votre
# situation de fait, à compter de la date à laquelle votre demande a été jugée recevable »; code des douanes
# art. 345 bis II (loi 2018-727 "ESSOC"): « l'administration se prononce dans un délai de trois mois lorsqu'elle
# est saisie d'une demande écrite, précise et complète ».
ANSWER_PERIOD_MONTHS = 3
# code des douanes art. 345 bis (loi 2018-727): a second examen within 2 months of the rescrit.
SECOND_EXAMEN_WINDOW_MONTHS = 2
REMINDER_NOTICE = timedelta(days=15)
METROPOLE_ZONE = ZoneInfo("Europe/Paris")

DeadlineKind = Literal["reminder", "expiry"]


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the end of a shorter month (31 Nov → 30 Nov), in UTC."""
    moment = _utc(moment)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


NATURES_WITH_ANSWER_CLOCK = frozenset({"rescrit", "second_examen"})
"""The 3-month clock is a rule of the rescrit (code des douanes art. 345 bis II) and of its second examen. A
droit au contrôle has none: the control is carried out « dans un délai raisonnable » (CRPA L.124-1)."""


def has_answer_clock(nature: str) -> bool:
    return nature in NATURES_WITH_ANSWER_CLOCK


def answer_deadline_from_admissibility(nature: str, admitted_at: datetime) -> datetime | None:
    """When the administration must have answered a request of this nature judged admissible at `admitted_at`:
    the same day 3 months later; None for a droit au contrôle, which has no answer deadline.

    The 3 months run from the admissibility decision, not from receipt (OGDE manual § 1.3, « à compter de la date
    à laquelle votre demande a été jugée recevable »; code des douanes art. 345 bis II: three months once the
    administration is seized of a « demande écrite, précise et complète », which admissibility acknowledges).
    A second examen runs its own 3 months from its own admissibility (art. 345 bis II: « selon les mêmes règles
    et délais que ceux applicables à la demande initiale »). Before the decision no date runs. Nothing moves it
    afterwards: an answer to a question asked after admissibility, or a complement, is part of the examination
    of a request already judged complete, and the manual says nothing of the clock starting again.
    """
    return add_months(admitted_at, ANSWER_PERIOD_MONTHS) if has_answer_clock(nature) else None


def deadline_set_by_admissibility(nature: str, recorded: datetime | None, admitted_at: datetime) -> datetime | None:
    """The deadline an admissibility decision (oui) set: the one it recorded, or, for a decision recorded before
    it carried one, the rule's from the instant it was recorded."""
    return recorded if recorded is not None else answer_deadline_from_admissibility(nature, admitted_at)


def reminder_at(deadline_at: datetime) -> datetime:
    """When the examining unit is reminded that the deadline approaches."""
    return _utc(deadline_at) - REMINDER_NOTICE


def second_examen_closes_at(rescrit_closed_at: datetime) -> datetime:
    """The last instant a second examen of a rescrit closed at `rescrit_closed_at` may be filed."""
    return add_months(rescrit_closed_at, SECOND_EXAMEN_WINDOW_MONTHS)


def second_examen_open_on(rescrit_date: date, today: date) -> bool:
    """Whether a second examen of a rescrit dated `rescrit_date` (a calendar date, as a letter bears it) may
    still be asked on `today`, a date of the directorate's zone: until the same day two months later."""
    last = add_months(datetime(rescrit_date.year, rescrit_date.month, rescrit_date.day, tzinfo=UTC), 2).date()
    return rescrit_date <= today <= last


def due_kind(deadline_at: datetime, now: datetime) -> DeadlineKind | None:
    """Which notice is due at `now`: the expiry once the deadline has passed, else the reminder."""
    now = _utc(now)
    if now >= _utc(deadline_at):
        return "expiry"
    if now >= reminder_at(deadline_at):
        return "reminder"
    return None


def zone_of(territory: str | None) -> ZoneInfo:
    """The zone a directorate works in: its overseas territory's, else metropolitan France's."""
    return TERRITORY_ZONES.get(territory or "", METROPOLE_ZONE)


def local_time(moment: datetime, territory: str | None) -> datetime:
    return _utc(moment).astimezone(zone_of(territory))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("instant sans fuseau horaire : les dates du domaine sont en UTC")
    return moment.astimezone(UTC)


def days_left(deadline_at: datetime, now: datetime, territory: str | None) -> int:
    """Calendar days from today to the deadline's day, both in the directorate's zone (0 on the day itself,
    negative once passed)."""
    return (local_time(deadline_at, territory).date() - local_time(now, territory).date()).days


def is_near(deadline_at: datetime, now: datetime) -> bool:
    """Within the reminder's 15 days (or passed): the board shows it in red, as the reminder mail warns."""
    return _utc(now) >= reminder_at(deadline_at)
