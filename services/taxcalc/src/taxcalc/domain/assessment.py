"""What the application layer calls: the rates and amounts of one declared line, and the totals
(boxes 1–27) of a declaration from its assessed lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from contracts.errors import DomainError
from contracts.events.declarations import Deductions
from contracts.events.taxcalc import LineAssessed, TotalsProjected
from contracts.types import Territory
from taxcalc.domain.boxes import ZERO, BoxSheet, compute_boxes, line_amount
from taxcalc.domain.ledger import CarriedCredit
from taxcalc.domain.parameters import RefundThresholds
from taxcalc.domain.tariff import Tariff


def quarter_start(year: int, quarter: int) -> date:
    """First day of the quarter: the default date of application of the rates (manual, Annexe A)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"trimestre invalide : {quarter}")
    return date(year, 3 * quarter - 2, 1)


class DeclaredLine(Protocol):
    """A line as declared (contracts LineAdded has these fields)."""

    @property
    def line_id(self) -> str: ...
    @property
    def annex(self) -> Literal["A", "B"]: ...
    @property
    def nomenclature(self) -> str: ...
    @property
    def price_excl_tax(self) -> Decimal: ...
    @property
    def cana(self) -> str | None: ...
    @property
    def rates_date(self) -> date | None: ...
    @property
    def avitaillement(self) -> bool: ...


@dataclass(frozen=True)
class LineAssessment:
    """Rates and amounts of one line; `no_rate` (amounts 0, `reason` says why) when the tariff has none."""

    line_id: str
    annex: Literal["A", "B"]
    price: Decimal
    status: Literal["assessed", "no_rate"]
    om_amount: Decimal = ZERO
    omr_amount: Decimal = ZERO
    om_rate: Decimal | None = None
    omr_rate: Decimal | None = None
    kind: Literal["OMI", "OME"] | None = None
    matched_code: str | None = None
    deliberation: str | None = None
    label: str | None = None
    reason: str | None = None

    def to_event(self, declaration_id: str, declaration_version: int) -> LineAssessed:
        return LineAssessed(
            declaration_id=declaration_id,
            declaration_version=declaration_version,
            line_id=self.line_id,
            annex=self.annex,
            status=self.status,
            om_rate=self.om_rate,
            omr_rate=self.omr_rate,
            kind=self.kind,
            matched_code=self.matched_code,
            deliberation=self.deliberation,
            label=self.label,
            om_amount=self.om_amount,
            omr_amount=self.omr_amount,
        )

    @classmethod
    def from_event(cls, event: LineAssessed, price: Decimal) -> LineAssessment:
        """Back from a stored event; the price comes from the declaration (LineAdded)."""
        return cls(
            line_id=event.line_id,
            annex=event.annex,
            price=price,
            status=event.status,
            om_amount=event.om_amount,
            omr_amount=event.omr_amount,
            om_rate=event.om_rate,
            omr_rate=event.omr_rate,
            kind=event.kind,
            matched_code=event.matched_code,
            deliberation=event.deliberation,
            label=event.label,
        )


def assess_line(tariff: Tariff, territory: Territory, line: DeclaredLine, quarter_first_day: date) -> LineAssessment:
    """Rates of the tariff in force on the line's date of application (else the quarter's first day)."""
    price = line.price_excl_tax
    if line.annex == "B":
        # DOMAIN §1 Annexe B: exports are exempt, no OM/OMR.
        return LineAssessment(line_id=line.line_id, annex="B", price=price, status="assessed")
    if line.avitaillement:
        # Manual, Annexe A: deliveries for avitaillement are flagged and taxed at 0.
        return LineAssessment(
            line_id=line.line_id,
            annex="A",
            price=price,
            status="assessed",
            om_rate=ZERO,
            omr_rate=ZERO,
            label="Avitaillement (non taxé)",
        )
    on = line.rates_date or quarter_first_day
    try:
        match = tariff.lookup(territory, line.nomenclature, line.cana, on)
    except DomainError as refusal:
        return LineAssessment(
            line_id=line.line_id,
            annex="A",
            price=price,
            status="no_rate",
            reason=refusal.detail,
        )
    return LineAssessment(
        line_id=line.line_id,
        annex="A",
        price=price,
        status="assessed",
        om_amount=line_amount(price, match.om_rate),
        omr_amount=line_amount(price, match.omr_rate),
        om_rate=match.om_rate,
        omr_rate=match.omr_rate,
        kind=match.kind,
        matched_code=match.matched_code,
        deliberation=match.deliberation,
        label=match.label,
    )


@dataclass(frozen=True)
class TotalsProjection:
    """Boxes of a declaration as it stands; `complete` is false while a line has no rate."""

    complete: bool
    sheet: BoxSheet
    errors: list[str] = field(default_factory=list)

    @property
    def boxes(self) -> dict[str, Decimal]:
        return self.sheet.boxes

    @property
    def total_due(self) -> Decimal:
        return self.sheet.total_due

    @property
    def warnings(self) -> list[str]:
        return self.sheet.warnings

    def to_event(self, declaration_id: str, declaration_version: int, relation_id: str) -> TotalsProjected:
        return TotalsProjected(
            declaration_id=declaration_id,
            declaration_version=declaration_version,
            relation_id=relation_id,
            complete=self.complete,
            boxes=self.boxes,
            total_due=self.total_due,
            warnings=self.warnings,
            errors=self.errors,
        )


def project_totals(
    lines: Sequence[LineAssessment],
    om: Deductions,
    omr: Deductions,
    *,
    year: int,
    quarter: int,
    annual_turnover: Decimal | None = None,
    carried: CarriedCredit | None = None,
    thresholds: RefundThresholds | None = None,
) -> TotalsProjection:
    """Boxes 1–27 from the assessed lines, the deductions and the credit carried from the ledger."""
    carried = carried or CarriedCredit()
    sheet = compute_boxes(
        lines,
        om,
        omr,
        year=year,
        quarter=quarter,
        annual_turnover=annual_turnover,
        carried_om=carried.om,
        carried_omr=carried.omr,
        thresholds=thresholds,
    )
    missing = [line for line in lines if line.status == "no_rate"]
    rate_errors = [
        line.reason or f"La ligne {line.line_id} de l'annexe A n'a pas de taux d'octroi de mer." for line in missing
    ]
    return TotalsProjection(complete=not missing, sheet=sheet, errors=[*rate_errors, *sheet.errors])
