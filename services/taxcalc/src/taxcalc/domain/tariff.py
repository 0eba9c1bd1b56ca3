"""The octroi de mer tariff of each territory and the rule that picks the rates of a product
on a date: CANA-specific lines first, then the longest code prefix; OMI, else OME."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from contracts.errors import DomainError
from contracts.events.taxcalc import TariffLine, TariffPublished
from contracts.types import Territory
from taxcalc.domain.french import format_date, in_territory

CODE_LENGTHS = (2, 4, 6, 8, 10)  # chapter, heading, subheading, NC8, TARIC10
NOMENCLATURE_LENGTHS = (8, 10)  # NC8, or TARIC10 for goods so listed (manual, Annexe A)
_SEPARATORS = re.compile(r"[\s.]")


def normalize_code(text: str) -> str:
    """`2204 10` → `220410`: customs codes are often written with spaces or dots."""
    return _SEPARATORS.sub("", text)


def is_in_force(line: TariffLine, day: date) -> bool:
    return line.valid_from <= day and (line.valid_to is None or day <= line.valid_to)


@dataclass(frozen=True)
class RateMatch:
    """The tariff line that gives a product its rates on a date."""

    om_rate: Decimal
    omr_rate: Decimal
    kind: Literal["OMI", "OME"]
    matched_code: str
    deliberation: str
    label: str
    cana: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


def _match(line: TariffLine) -> RateMatch:
    return RateMatch(
        om_rate=line.om_rate,
        omr_rate=line.omr_rate,
        kind=line.kind,
        matched_code=normalize_code(line.code),
        deliberation=line.deliberation,
        label=line.label,
        cana=line.cana,
        valid_from=line.valid_from,
        valid_to=line.valid_to,
    )


class Tariff:
    """Tariff lines of every territory; a newer publication for a territory replaces the older one."""

    def __init__(self, lines: Mapping[Territory, Sequence[TariffLine]] | None = None) -> None:
        self._lines: dict[Territory, tuple[TariffLine, ...]] = {
            territory: tuple(territory_lines) for territory, territory_lines in (lines or {}).items()
        }

    @classmethod
    def of(cls, territory: Territory, lines: Iterable[TariffLine]) -> Tariff:
        return cls({territory: list(lines)})

    @classmethod
    def from_published(cls, events: Iterable[TariffPublished]) -> Tariff:
        tariff = cls()
        for published in events:
            tariff = tariff.with_published(published)
        return tariff

    def with_published(self, published: TariffPublished) -> Tariff:
        lines: dict[Territory, Sequence[TariffLine]] = dict(self._lines)
        lines[published.territory] = published.lines
        return Tariff(lines)

    def territories(self) -> list[Territory]:
        return sorted(self._lines)

    def lines(self, territory: Territory) -> tuple[TariffLine, ...]:
        return self._lines.get(territory, ())

    def in_force(self, on: date, territory: Territory) -> list[TariffLine]:
        """Lines of the territory in force on that day, by code."""
        return sorted(
            (line for line in self.lines(territory) if is_in_force(line, on)),
            key=lambda line: (normalize_code(line.code), line.cana or "", line.kind),
        )

    def canas(self, territory: Territory, nomenclature: str, on: date) -> list[RateMatch]:
        """The CANA measures in force for a product on a day: the choices of the « CANA » list, by code."""
        code = normalize_code(nomenclature)
        return [
            _match(line)
            for line in self.in_force(on, territory)
            if line.cana is not None and code.startswith(normalize_code(line.code))
        ]

    def lookup(self, territory: Territory, nomenclature: str, cana: str | None, on: date) -> RateMatch:
        """Rates of a product on a day. Raises DomainError (422, field `nomenclature`) when none apply."""
        code = normalize_code(nomenclature)
        if not (code.isascii() and code.isdigit()) or len(code) not in NOMENCLATURE_LENGTHS:
            raise DomainError(
                f"La nomenclature « {nomenclature} » doit comporter 8 chiffres (nomenclature combinée) "
                "ou 10 chiffres (code TARIC).",
                field="nomenclature",
                code="nomenclature-invalide",
            )
        wanted_cana = cana.strip().upper() if cana and cana.strip() else None
        covering = [line for line in self.in_force(on, territory) if code.startswith(normalize_code(line.code))]
        if wanted_cana and wanted_cana not in {line.cana for line in covering if line.cana is not None}:
            # The manual offers the CANA from a list: one the tariff does not hold for this product that day is
            # a mistake, not a request for the general rate.
            raise DomainError(
                f"Le CANA {wanted_cana} n'existe pas dans le tarif {in_territory(territory)} pour la nomenclature "
                f"{code} au {format_date(on)}.",
                field="cana",
                code="cana-inconnu",
            )
        candidates = [line for line in covering if line.cana is None or line.cana.upper() == wanted_cana]
        # DOMAIN §1: no internal (OMI) rate → the external (OME) rate; within a kind the CANA
        # measure beats the general line, then a heading beats its chapter (longest prefix).
        for kind in ("OMI", "OME"):
            of_kind = [line for line in candidates if line.kind == kind]
            if of_kind:
                best = max(of_kind, key=lambda line: (line.cana is not None, len(normalize_code(line.code))))
                return _match(best)
        raise DomainError(
            f"Aucun taux d'octroi de mer n'est en vigueur {in_territory(territory)} "
            f"le {format_date(on)} pour la nomenclature {code}"
            + (f" (CANA {wanted_cana})" if wanted_cana else "")
            + ".",
            field="nomenclature",
            code="taux-introuvable",
        )
