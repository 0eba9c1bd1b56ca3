"""The CANA measures a territory's tariff holds, as declarations learnt them from taxcalc's `TariffPublished`:
what a line's CANA may be (the manual, Annexe A: the CANA is chosen from a list).

A CANA is a code of a specific measure (« Code Additionnel National Annexe ») voted by the territory for some
products and dates: a line may only name one the tariff holds for its product on its date of application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from contracts.errors import DomainError
from contracts.events.taxcalc import TariffLine


@dataclass(frozen=True)
class CanaMeasures:
    """The CANA lines of one territory's tariff (the general lines are not needed here)."""

    lines: tuple[TariffLine, ...]

    @classmethod
    def of(cls, lines: Iterable[TariffLine]) -> CanaMeasures:
        return cls(tuple(line for line in lines if line.cana))

    def available(self, nomenclature: str, on: date) -> list[str]:
        """The CANAs the tariff offers for this product on that day, sorted."""
        return sorted({line.cana for line in self.lines if line.cana and line.covers(nomenclature, on)})


def check_cana_in_tariff(cana: str | None, nomenclature: str, on: date, measures: CanaMeasures | None) -> None:
    """A CANA the tariff does not hold for the product on that date is refused, rather than silently taxed at
    the general rate. Without the tariff (not yet received from taxcalc), taxcalc alone decides."""
    if cana is None or measures is None:
        return
    offered = measures.available(nomenclature, on)
    if cana in offered:
        return
    choices = (
        f"CANA possibles : {', '.join(offered)}."
        if offered
        else "Le tarif ne prévoit aucun CANA pour ce produit à cette date : laissez le champ vide."
    )
    raise DomainError(
        f"Le CANA {cana} n'existe pas dans le tarif pour la nomenclature {nomenclature} au {on:%d/%m/%Y}. {choices}",
        field="cana",
        code="cana-inconnu",
        extra={"canas": offered},
    )
