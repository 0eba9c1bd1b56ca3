"""How long each record type is kept, as dated parameters with their sources (`retention.yaml`), shared by every
service: `rule(record_type, day)` is the rule in force that day, `expires_at(start)` when a record started then ends.

A value with no text behind it is kept as a proposal marked `to_confirm` (« à confirmer par le DPO »).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

SOURCE = Path(__file__).with_name("retention.yaml")
RecordType = Literal[
    "essoc_draft",
    "essoc_request_closed",
    "assistance_ticket",
    "declaration",
    "mandate_revoked",
    "notifier_mail",
    "technical_logs",
    "read_log",
]
TO_CONFIRM = "à confirmer par le DPO"


class RetentionNotDefined(LookupError):
    """No rule is in force for this record type on that day."""


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RetentionRule:
    """One value of a record type's retention, in force from `valid_from` until the next value's."""

    record_type: str
    valid_from: date
    years: int
    months: int
    days: int
    source: str
    to_confirm: bool

    def expires_at(self, start: datetime) -> datetime:
        """The end of retention of a record whose duration runs from `start` (calendar years and months: a
        31 January plus one month is the last day of February)."""
        return _add_months(start, 12 * self.years + self.months) + timedelta(days=self.days)

    def is_over(self, start: datetime, now: datetime) -> bool:
        return now >= self.expires_at(start)

    def cutoff(self, now: datetime) -> datetime:
        """The bound of a query on the start: every record whose retention is over at `now` started at or before
        it. Calendar months make it one day loose at a month's end (31 January and 29 January + 13 months both end
        on 29 February): a job that must be exact to the instant checks `is_over` on what the query found."""
        cutoff = _add_months(now - timedelta(days=self.days), -(12 * self.years + self.months))
        # A month's last days all end on the shorter month's last day (31 January + 1 month = 28 February): the
        # starts after `cutoff` that end by `now` too are included.
        while self.expires_at(cutoff + timedelta(days=1)) <= now:
            cutoff += timedelta(days=1)
        return cutoff

    def duration(self) -> str:
        """The duration in French: « 90 jours », « 3 ans », « 13 mois »."""
        parts = [
            f"{n} {word if n == 1 else plural}"
            for n, word, plural in (
                (self.years, "an", "ans"),
                (self.months, "mois", "mois"),
                (self.days, "jour", "jours"),
            )
            if n
        ]
        return " et ".join(parts) or "aucune"


@dataclass(frozen=True)
class RecordRetention:
    """A record type: what it is, who holds it, from what its duration runs, what is done at its end, its values."""

    record_type: str
    label: str
    owner: str
    counted_from: str
    applied: str
    rules: tuple[RetentionRule, ...]

    def rule_at(self, day: date) -> RetentionRule:
        current: RetentionRule | None = None
        for rule in self.rules:
            if rule.valid_from > day:
                break
            current = rule
        if current is None:
            raise RetentionNotDefined(
                f"aucune durée de conservation pour « {self.label} » au {day.isoformat()} "
                f"(première valeur au {self.rules[0].valid_from.isoformat()})"
            )
        return current


def read(path: Path = SOURCE) -> dict[str, RecordRetention]:
    """The record types of `path`, each with its values sorted by date; a type with no value, two values on one
    day, a value with no duration or no source is refused."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, RecordRetention] = {}
    for name, entry in raw.items():
        rules = tuple(
            sorted(
                (
                    RetentionRule(
                        name,
                        value["valid_from"],
                        int(value.get("years", 0)),
                        int(value.get("months", 0)),
                        int(value.get("days", 0)),
                        str(value.get("source", "")).strip(),
                        bool(value.get("to_confirm", False)),
                    )
                    for value in entry.get("values") or ()
                ),
                key=lambda r: r.valid_from,
            )
        )
        if not rules:
            raise ValueError(f"{name} : aucune valeur")
        if len({r.valid_from for r in rules}) != len(rules):
            raise ValueError(f"{name} : deux valeurs à la même date")
        for rule in rules:
            if not (rule.years or rule.months or rule.days) or not rule.source:
                raise ValueError(f"{name} au {rule.valid_from} : une durée et sa source sont nécessaires")
        found[name] = RecordRetention(
            name, entry["label"], entry["owner"], entry["counted_from"], entry["applied"], rules
        )
    return found


@cache
def record_types() -> dict[str, RecordRetention]:
    return read()


def rule(record_type: RecordType, day: date) -> RetentionRule:
    """The retention of `record_type` in force on `day`."""
    return record_types()[record_type].rule_at(day)
