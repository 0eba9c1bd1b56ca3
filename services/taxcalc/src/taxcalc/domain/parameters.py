"""Dated legal parameters of the octroi de mer, OpenFisca-style: values keyed by start date,
each with the text that sets it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from contracts.errors import DomainError
from taxcalc.domain.french import format_date

T = TypeVar("T")


@dataclass(frozen=True)
class DatedValue(Generic[T]):
    """One value of a parameter, in force from `start` until the next value's start."""

    start: date
    value: T
    reference: str
    unconfirmed: bool = False


class DatedParameter(Generic[T]):
    """A parameter whose value depends on the date: `at(day)` gives the value in force that day."""

    def __init__(self, name: str, values: Iterable[DatedValue[T]]) -> None:
        self.name = name
        self.values: tuple[DatedValue[T], ...] = tuple(sorted(values, key=lambda v: v.start))
        if not self.values:
            raise ValueError(f"le paramètre {name} n'a aucune valeur")
        starts = [v.start for v in self.values]
        if len(set(starts)) != len(starts):
            raise ValueError(f"le paramètre {name} a deux valeurs à la même date")

    def entry_at(self, day: date) -> DatedValue[T]:
        current: DatedValue[T] | None = None
        for value in self.values:
            if value.start > day:
                break
            current = value
        if current is None:
            raise DomainError(
                f"Le paramètre « {self.name} » n'est pas défini au {format_date(day)} "
                f"(première valeur au {format_date(self.values[0].start)}).",
                code="parametre-non-defini",
            )
        return current

    def at(self, day: date) -> T:
        return self.entry_at(day).value

    def reference_at(self, day: date) -> str:
        return self.entry_at(day).reference


# loi 2004-639 art. 2: production turnover of the previous calendar year, excl. TVA and OM.
LIABILITY_THRESHOLD: DatedParameter[Decimal] = DatedParameter(
    "seuil d'assujettissement",
    [
        DatedValue(date(2004, 8, 1), Decimal("550000"), "loi n° 2004-639 du 2 juillet 2004, art. 2"),
        DatedValue(
            date(2015, 7, 1),
            Decimal("300000"),
            "loi n° 2004-639, art. 2, modifié par la loi n° 2015-762 du 29 juin 2015",
        ),
        DatedValue(
            date(2022, 1, 1),
            Decimal("550000"),
            "loi n° 2004-639, art. 2, rédaction en vigueur au 1er janvier 2022",
        ),
    ],
)

# loi 2004-639 art. 28: general cap of the OM rate; alcohol and tobacco (chapters 22 and 24) 90 %.
OM_RATE_CAP: DatedParameter[Decimal] = DatedParameter(
    "plafond du taux d'octroi de mer",
    [DatedValue(date(2004, 8, 1), Decimal("60"), "loi n° 2004-639, art. 28")],
)
OM_RATE_CAP_ALCOHOL_TOBACCO: DatedParameter[Decimal] = DatedParameter(
    "plafond du taux d'octroi de mer (alcools et tabacs)",
    [DatedValue(date(2004, 8, 1), Decimal("90"), "loi n° 2004-639, art. 28")],
)
ALCOHOL_TOBACCO_CHAPTERS = frozenset({"22", "24"})

# DOMAIN.md §1 Rates: Mayotte caps are multiplied by 1.5 from 01/07/2026.
MAYOTTE_CAP_FACTOR: DatedParameter[Decimal] = DatedParameter(
    "majoration des plafonds à Mayotte",
    [
        DatedValue(date(2004, 8, 1), Decimal("1"), "loi n° 2004-639, art. 28"),
        DatedValue(
            date(2026, 7, 1),
            Decimal("1.5"),
            "loi n° 2004-639, art. 28, majoration applicable à Mayotte au 1er juillet 2026",
        ),
    ],
)

# loi 2004-639 art. 37: OMR cap 2.5 %, 5 % in Guyane.
OMR_RATE_CAP: DatedParameter[Decimal] = DatedParameter(
    "plafond du taux d'octroi de mer régional",
    [DatedValue(date(2004, 8, 1), Decimal("2.5"), "loi n° 2004-639, art. 37")],
)
OMR_RATE_CAP_GUYANE: DatedParameter[Decimal] = DatedParameter(
    "plafond du taux d'octroi de mer régional en Guyane",
    [DatedValue(date(2004, 8, 1), Decimal("5"), "loi n° 2004-639, art. 37")],
)

# Seed manual (Crédit de taxe): claim in January when the credit is ≥ 150 €, or in the month
# after a quarter when it is ≥ 760 €. Unconfirmed: overridable by configuration.
ANNUAL_REFUND_THRESHOLD: DatedParameter[Decimal] = DatedParameter(
    "seuil de remboursement annuel",
    [DatedValue(date(2004, 8, 1), Decimal("150"), "manuel DOMINO-NG, crédit de taxe", unconfirmed=True)],
)
QUARTERLY_REFUND_THRESHOLD: DatedParameter[Decimal] = DatedParameter(
    "seuil de remboursement trimestriel",
    [DatedValue(date(2004, 8, 1), Decimal("760"), "manuel DOMINO-NG, crédit de taxe", unconfirmed=True)],
)


def chapter_of(code: str) -> str:
    return code[:2]


def om_rate_cap(territory: str, code: str, day: date) -> Decimal:
    """Highest OM rate a deliberation may vote for this code in this territory on that day."""
    cap = (OM_RATE_CAP_ALCOHOL_TOBACCO if chapter_of(code) in ALCOHOL_TOBACCO_CHAPTERS else OM_RATE_CAP).at(day)
    if territory == "976":
        cap *= MAYOTTE_CAP_FACTOR.at(day)
    return cap


def omr_rate_cap(territory: str, day: date) -> Decimal:
    """Highest OMR rate in this territory on that day."""
    return (OMR_RATE_CAP_GUYANE if territory == "973" else OMR_RATE_CAP).at(day)


@dataclass(frozen=True)
class RefundThresholds:
    """Minimum credit for a refund claim: once a year in January, or in the month after a quarter."""

    annual: Decimal
    quarterly: Decimal


REFUND_THRESHOLD_KEYS = ("annual", "quarterly")


def refund_thresholds(day: date, overrides: Mapping[str, Decimal | str] | None = None) -> RefundThresholds:
    """The thresholds in force that day; configuration may override either (keys `annual`, `quarterly`)."""
    values = {"annual": ANNUAL_REFUND_THRESHOLD.at(day), "quarterly": QUARTERLY_REFUND_THRESHOLD.at(day)}
    for key, raw in (overrides or {}).items():
        if key not in values:
            raise ValueError(f"seuil de remboursement inconnu : {key!r} (attendu : annual, quarterly)")
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError(f"seuil de remboursement {key} invalide : {raw!r}") from exc
        if not value.is_finite() or value < 0:
            raise ValueError(f"seuil de remboursement {key} invalide : {raw!r}")
        values[key] = value
    return RefundThresholds(annual=values["annual"], quarterly=values["quarterly"])
