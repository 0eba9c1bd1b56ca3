"""Filing a declaration: the totals it is filed with (computed by taxcalc) and lateness in the territory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from contracts.errors import Conflict, DomainError
from contracts.events.declarations import DeclarationFiled, Difference
from contracts.events.taxcalc import TotalsProjected
from contracts.types import Territory
from declarations.domain.calendar import days_late, local_date, month_after_last_day


@dataclass(frozen=True)
class Totals:
    """Boxes 1–27 and the total due as taxcalc projected them for one version of the declaration.

    `errors` are the refund rules taxcalc found broken (e.g. 13 + 13bis > 12); `complete` is false
    while a line has no rate.
    """

    declaration_version: int
    boxes: Mapping[str, Decimal]
    total_due: Decimal
    errors: Sequence[str] = ()
    warnings: Sequence[str] = ()
    complete: bool = True
    difference: Difference | None = None
    """A déclaration rectificative: what it changes against the declaration it corrects."""

    @classmethod
    def from_projection(cls, projected: TotalsProjected) -> Totals:
        return cls(
            declaration_version=projected.declaration_version,
            boxes=dict(projected.boxes),
            total_due=projected.total_due,
            errors=tuple(projected.errors),
            warnings=tuple(projected.warnings),
            complete=projected.complete,
            difference=projected.difference,
        )


def check_totals(totals: Totals, current_version: int) -> None:
    """Refuses totals computed for another version of the declaration, incomplete, or carrying errors."""
    # ARCHITECTURE « Flows »: filing is accepted only when the totals match the current version.
    if totals.declaration_version != current_version:
        raise Conflict(
            f"Les totaux ne sont pas encore calculés pour la version {current_version} de la déclaration.",
            field="totals",
            code="totaux-en-attente",
            extra={"current_version": current_version, "totals_version": totals.declaration_version},
        )
    if not totals.complete:
        raise DomainError(
            "Au moins une ligne n'a pas de taux d'octroi de mer applicable : "
            "les totaux sont incomplets et la déclaration ne peut pas être déposée.",
            field="totals",
        )
    if totals.errors:
        raise DomainError(
            "La déclaration ne peut pas être déposée : " + " ".join(_sentence(e) for e in totals.errors),
            field="totals",
            extra={"errors": list(totals.errors)},
        )


EXPORT_REFUND_BOXES = ("13bis", "25bis")


def export_refund_window_warnings(
    boxes: Mapping[str, Decimal], *, filed_on: date, year: int, quarter: int
) -> list[str]:
    """DOMAIN §1 (loi 2004-639 art. 25, décret 2005-69 art. 11): a separate export refund is claimed within the
    month after the quarter. Filed later, the claim (13 bis, 25 bis) may be rejected: a warning, like the
    other refund thresholds, since the office decides."""
    last = month_after_last_day(year, quarter)
    claimed = [box for box in EXPORT_REFUND_BOXES if boxes.get(box, Decimal(0)) > 0]
    if not claimed or filed_on <= last:
        return []
    cases = " et ".join(f"case {box.replace('bis', ' bis')}" for box in claimed)
    return [
        f"Le remboursement au titre des exportations ({cases}) est demandé après le {last:%d/%m/%Y}, fin du mois "
        "suivant le trimestre : la demande pourrait être rejetée."
    ]


def filed(
    totals: Totals,
    *,
    now: datetime,
    territory: Territory,
    due: date,
    declarant_email: str | None,
    period: tuple[int, int],
) -> DeclarationFiled:
    """The `DeclarationFiled` event: lateness counted in days of the territory's calendar; `period` is the
    declaration's (year, quarter)."""
    # The due date is a local date (the 24th in Fort-de-France or in Saint-Denis), so the filing
    # instant is read in the territory's zone, not in UTC.
    filed_on = local_date(now, territory)
    late_by = days_late(filed_on, due)
    warnings = [
        *totals.warnings,
        *export_refund_window_warnings(totals.boxes, filed_on=filed_on, year=period[0], quarter=period[1]),
    ]
    return DeclarationFiled(
        filed_at=now.astimezone(UTC),
        totals_version=totals.declaration_version,
        boxes=dict(totals.boxes),
        total_due=totals.total_due,
        late=late_by > 0,
        days_late=late_by,
        declarant_email=declarant_email or None,
        warnings=warnings,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
