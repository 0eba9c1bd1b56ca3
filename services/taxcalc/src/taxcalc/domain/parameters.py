"""Dated legal parameters of the octroi de mer, OpenFisca-style: values keyed by start date,
each with the text that sets it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

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

# loi 2004-639 art. 28: general cap of the OM rate 60 %; 90 % for alcohols and alcoholic beverages and for
# tobacco. Only those: water and soft drinks (2201, 2202) are in chapter 22 but stay under the general cap.
OM_RATE_CAP: DatedParameter[Decimal] = DatedParameter(
    "plafond du taux d'octroi de mer",
    [DatedValue(date(2004, 8, 1), Decimal("60"), "loi n° 2004-639, art. 28")],
)
OM_RATE_CAP_ALCOHOL_TOBACCO: DatedParameter[Decimal] = DatedParameter(
    "plafond du taux d'octroi de mer (alcools et tabacs)",
    [DatedValue(date(2004, 8, 1), Decimal("90"), "loi n° 2004-639, art. 28")],
)
ALCOHOL_TOBACCO_HEADINGS: DatedParameter[frozenset[str]] = DatedParameter(
    "positions des alcools, boissons alcooliques et tabacs",
    [
        DatedValue(
            date(2004, 8, 1),
            # 2203 bières, 2204 vins, 2205 vermouths, 2206 autres boissons fermentées, 2207 alcool éthylique,
            # 2208 eaux-de-vie, liqueurs et spiritueux; 2401 tabacs bruts, 2402 cigares et cigarettes,
            # 2403 autres tabacs fabriqués.
            frozenset({"2203", "2204", "2205", "2206", "2207", "2208", "2401", "2402", "2403"}),
            "loi n° 2004-639, art. 28 ; nomenclature combinée, chapitres 22 et 24",
        ),
        DatedValue(
            date(2022, 1, 1),
            # The 2022 nomenclature added heading 2404; of it, only the products containing tobacco
            # (2404 11, 2404 19) are tobacco; nicotine without tobacco (2404 12) is not.
            frozenset({"2203", "2204", "2205", "2206", "2207", "2208", "2401", "2402", "2403", "240411", "240419"}),
            "loi n° 2004-639, art. 28 ; nomenclature combinée 2022, règlement d'exécution (UE) 2021/1832",
        ),
    ],
)

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


def is_alcohol_or_tobacco(code: str, day: date) -> bool:
    """Whether every product under this tariff code is an alcohol, an alcoholic beverage or tobacco (loi
    2004-639, art. 28). A code above the heading (chapter 22 as a whole) also covers water: it is not."""
    return any(code.startswith(heading) for heading in ALCOHOL_TOBACCO_HEADINGS.at(day))


def om_rate_cap(territory: str, code: str, day: date) -> Decimal:
    """Highest OM rate a deliberation may vote for this code in this territory on that day."""
    cap = (OM_RATE_CAP_ALCOHOL_TOBACCO if is_alcohol_or_tobacco(code, day) else OM_RATE_CAP).at(day)
    if territory == "976":
        cap *= MAYOTTE_CAP_FACTOR.at(day)
    return cap


def om_rate_cap_reference(territory: str, code: str, day: date) -> str:
    """The text that sets `om_rate_cap(territory, code, day)`."""
    if territory == "976" and MAYOTTE_CAP_FACTOR.at(day) != 1:
        return MAYOTTE_CAP_FACTOR.reference_at(day)
    return (OM_RATE_CAP_ALCOHOL_TOBACCO if is_alcohol_or_tobacco(code, day) else OM_RATE_CAP).reference_at(day)


def omr_rate_cap(territory: str, day: date) -> Decimal:
    """Highest OMR rate in this territory on that day."""
    return (OMR_RATE_CAP_GUYANE if territory == "973" else OMR_RATE_CAP).at(day)


def omr_rate_cap_reference(territory: str, day: date) -> str:
    return (OMR_RATE_CAP_GUYANE if territory == "973" else OMR_RATE_CAP).reference_at(day)


CAP_PARAMETERS: tuple[DatedParameter[Any], ...] = (
    OM_RATE_CAP,
    OM_RATE_CAP_ALCOHOL_TOBACCO,
    ALCOHOL_TOBACCO_HEADINGS,
    MAYOTTE_CAP_FACTOR,
    OMR_RATE_CAP,
    OMR_RATE_CAP_GUYANE,
)


def cap_change_days(start: date, end: date | None) -> list[date]:
    """The days from `start` to `end` (open: no end) on which a cap may differ from the day before: the
    first day, then every new value of a parameter the caps depend on. A rate must respect the cap on
    each of them to respect it over the whole period."""
    days = {start}
    for parameter in CAP_PARAMETERS:
        days.update(v.start for v in parameter.values if start < v.start and (end is None or v.start <= end))
    return sorted(days)


# DOMAIN §1: separate export refunds (loi 2004-639 art. 25, décret n° 2005-69 art. 11): at least 150 € per
# claim, within the month after the quarter. Configurable like the others.
EXPORT_REFUND_THRESHOLD: DatedParameter[Decimal] = DatedParameter(
    "seuil d'une demande de remboursement au titre des exportations",
    [DatedValue(date(2004, 8, 1), Decimal("150"), "loi n° 2004-639, art. 25 ; décret n° 2005-69, art. 11")],
)


@dataclass(frozen=True)
class RefundThresholds:
    """Minimum credit for a refund claim: once a year in January, or in the month after a quarter; and the
    minimum amount of a separate export refund (13 bis, 25 bis)."""

    annual: Decimal
    quarterly: Decimal
    export: Decimal = Decimal("150")


REFUND_THRESHOLD_KEYS = ("annual", "quarterly", "export")


def refund_thresholds(day: date, overrides: Mapping[str, Decimal | str] | None = None) -> RefundThresholds:
    """The thresholds in force that day; configuration may override any (keys `annual`, `quarterly`,
    `export`)."""
    values = {
        "annual": ANNUAL_REFUND_THRESHOLD.at(day),
        "quarterly": QUARTERLY_REFUND_THRESHOLD.at(day),
        "export": EXPORT_REFUND_THRESHOLD.at(day),
    }
    for key, raw in (overrides or {}).items():
        if key not in values:
            raise ValueError(f"seuil de remboursement inconnu : {key!r} (attendu : annual, quarterly, export)")
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError(f"seuil de remboursement {key} invalide : {raw!r}") from exc
        if not value.is_finite() or value < 0:
            raise ValueError(f"seuil de remboursement {key} invalide : {raw!r}")
        values[key] = value
    return RefundThresholds(annual=values["annual"], quarterly=values["quarterly"], export=values["export"])
