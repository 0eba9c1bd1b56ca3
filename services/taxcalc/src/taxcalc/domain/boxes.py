"""The box arithmetic of the quarterly declaration (boxes 1 to 27), in one place: what the lines,
the deductions and the carried credit give, and what the declarant may not claim."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

from contracts.events.declarations import Deductions
from taxcalc.domain.french import format_euros
from taxcalc.domain.parameters import LIABILITY_THRESHOLD, RefundThresholds, refund_thresholds

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    """Rounded half up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(price: Decimal, rate: Decimal) -> Decimal:
    """Tax on one line: price × rate / 100, rounded half up to the cent."""
    return cents(price * rate / 100)


def box_label(box: str) -> str:
    return box.replace("bis", " bis")


class PricedLine(Protocol):
    """What the boxes need of an assessed line."""

    @property
    def annex(self) -> Literal["A", "B"]: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def om_amount(self) -> Decimal: ...
    @property
    def omr_amount(self) -> Decimal: ...


@dataclass(frozen=True)
class AssessedLine:
    annex: Literal["A", "B"]
    price: Decimal
    om_amount: Decimal = ZERO
    omr_amount: Decimal = ZERO


@dataclass(frozen=True)
class _TaxLayout:
    """Box numbers of one tax: OMR boxes 16–27 mirror OM boxes 4–15 (DOMAIN §1)."""

    name: str
    gross: str
    repay: str
    total: str
    deductions: tuple[str, str, str, str]
    carried: str
    total_deductions: str
    credit: str
    refund_assets: str
    refund_exports: str
    carry: str
    net: str

    @classmethod
    def numbered(cls, name: str, *, first: int) -> _TaxLayout:
        def box(offset: int, suffix: str = "") -> str:
            return f"{first + offset}{suffix}"

        return cls(
            name=name,
            gross=box(0),
            repay=box(1),
            total=box(2),
            deductions=(box(3), box(4), box(5), box(5, "bis")),
            carried=box(6),
            total_deductions=box(7),
            credit=box(8),
            refund_assets=box(9),
            refund_exports=box(9, "bis"),
            carry=box(10),
            net=box(11),
        )

    @property
    def inputs(self) -> tuple[str, ...]:
        """Boxes the declarant fills in."""
        return (self.repay, *self.deductions, self.refund_assets, self.refund_exports)

    @property
    def boxes(self) -> tuple[str, ...]:
        return (
            self.gross,
            self.repay,
            self.total,
            *self.deductions,
            self.carried,
            self.total_deductions,
            self.credit,
            self.refund_assets,
            self.refund_exports,
            self.carry,
            self.net,
        )


OM = _TaxLayout.numbered("octroi de mer", first=4)
OMR = _TaxLayout.numbered("octroi de mer régional", first=16)
BOX_NAMES: tuple[str, ...] = ("1", "2", "3", *OM.boxes, *OMR.boxes)
"""Every box of the form, in form order."""


@dataclass(frozen=True)
class BoxSheet:
    """Boxes "1".."27" (with the bis boxes), the total to pay (15 + 27), and what is wrong or doubtful."""

    boxes: dict[str, Decimal]
    total_due: Decimal
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def om_credit(self) -> Decimal:
        return self.boxes["14"]

    @property
    def omr_credit(self) -> Decimal:
        return self.boxes["26"]


def _entered(layout: _TaxLayout, deductions: Deductions, errors: list[str]) -> dict[str, Decimal]:
    """The declarant's amounts for one tax; a faulty amount counts as 0 and is reported."""
    values = {box: ZERO for box in layout.inputs}
    for box, amount in deductions.amounts.items():
        if box not in values:
            errors.append(
                f"La case {box_label(box)} ne fait pas partie des cases de l'{layout.name} "
                f"({', '.join(box_label(b) for b in layout.inputs)})."
            )
        elif amount < 0:
            errors.append(f"La case {box_label(box)} ({layout.name}) ne peut pas être négative.")
        elif amount != amount.quantize(CENT):
            errors.append(f"La case {box_label(box)} ({layout.name}) doit être un montant en euros et centimes.")
        else:
            values[box] = cents(amount)
    return values


def _check_refunds(
    layout: _TaxLayout,
    credit: Decimal,
    assets: Decimal,
    exported: Decimal,
    *,
    sales: Decimal,
    exports: Decimal,
    quarter: int,
    thresholds: RefundThresholds,
    errors: list[str],
    warnings: list[str],
) -> None:
    """Refund requests (13 / 13 bis, 25 / 25 bis) against the credit they are drawn from."""
    refunds = assets + exported
    credit_label, assets_label, exports_label = (
        box_label(layout.credit),
        box_label(layout.refund_assets),
        box_label(layout.refund_exports),
    )
    # DOMAIN §1 Boxes: 13 + 13bis ≤ 12.
    if refunds > credit:
        errors.append(
            f"Les remboursements demandés (cases {assets_label} et {exports_label} : "
            f"{format_euros(refunds)}) dépassent le crédit d'{layout.name} "
            f"(case {credit_label} : {format_euros(credit)})."
        )
    if exported > 0 and exports == 0:
        # No exports, no export refund: the pro-rata below would be 0 × 0 and let any claim through.
        errors.append(
            f"Aucune exportation n'est déclarée (case 2 nulle) : le remboursement au titre des exportations "
            f"(case {exports_label} : {format_euros(exported)}) ne peut pas être demandé."
        )
    # Seed manual (Crédit de taxe): the export refund is pro rata of exports in total deliveries.
    elif exported > 0 and exported * (sales + exports) > credit * exports:
        share = credit * exports / (sales + exports)
        errors.append(
            f"Le remboursement au titre des exportations (case {exports_label} : "
            f"{format_euros(exported)}) dépasse la part des exportations dans les livraisons "
            f"(case {credit_label} × case 2 / "
            f"(case 1 + case 2) = {format_euros(share.quantize(CENT, rounding=ROUND_DOWN))})."
        )
    # Seed manual: January claim when the credit is ≥ 150 €, quarterly claim when ≥ 760 € (unconfirmed).
    threshold = thresholds.annual if quarter == 4 else thresholds.quarterly
    if assets > 0 and credit < threshold:
        kind = "de la demande annuelle de janvier" if quarter == 4 else "d'une demande trimestrielle"
        warnings.append(
            f"Un remboursement est demandé alors que le crédit d'{layout.name} (case {credit_label} : "
            f"{format_euros(credit)}) est inférieur au seuil {kind} ({format_euros(threshold)}) : "
            "la demande pourrait être rejetée."
        )
    # DOMAIN §1 (loi 2004-639 art. 25, décret 2005-69 art. 11): a separate export refund is claimed for at
    # least 150 € (configurable, like the others).
    if 0 < exported < thresholds.export:
        warnings.append(
            f"Le remboursement au titre des exportations (case {exports_label} : {format_euros(exported)}) "
            f"est inférieur au minimum d'une demande ({format_euros(thresholds.export)}) : "
            "la demande pourrait être rejetée."
        )


def _tax_boxes(
    layout: _TaxLayout,
    gross: Decimal,
    deductions: Deductions,
    carried: Decimal,
    *,
    sales: Decimal,
    exports: Decimal,
    quarter: int,
    thresholds: RefundThresholds,
    errors: list[str],
    warnings: list[str],
) -> dict[str, Decimal]:
    """Boxes 4–15 of the OM, or their mirror 16–27 of the OMR (DOMAIN §1 Boxes)."""
    entered = _entered(layout, deductions, errors)
    boxes = dict(entered)
    boxes[layout.gross] = gross
    boxes[layout.carried] = carried
    total = boxes[layout.total] = gross + entered[layout.repay]
    deducted = boxes[layout.total_deductions] = sum(
        (entered[box] for box in layout.deductions),
        start=carried,
    )
    assets, exported = entered[layout.refund_assets], entered[layout.refund_exports]
    refunds = assets + exported
    if deducted > total:
        credit = boxes[layout.credit] = deducted - total
        boxes[layout.net] = ZERO
        _check_refunds(
            layout,
            credit,
            assets,
            exported,
            sales=sales,
            exports=exports,
            quarter=quarter,
            thresholds=thresholds,
            errors=errors,
            warnings=warnings,
        )
        boxes[layout.carry] = max(credit - refunds, ZERO)
    else:
        if refunds > 0:
            errors.append(
                f"Aucun crédit d'{layout.name} (case {box_label(layout.credit)} nulle) : les remboursements "
                f"des cases {box_label(layout.refund_assets)} et {box_label(layout.refund_exports)} "
                "ne peuvent pas être demandés."
            )
        boxes[layout.credit] = boxes[layout.refund_assets] = boxes[layout.refund_exports] = ZERO
        boxes[layout.carry] = ZERO
        boxes[layout.net] = total - deducted
    return boxes


def _turnover_box(
    annual_turnover: Decimal | None,
    *,
    year: int,
    quarter: int,
    errors: list[str],
    warnings: list[str],
) -> Decimal:
    if quarter != 4:
        if annual_turnover is not None:
            errors.append("La case 3 (chiffre d'affaires annuel) ne se remplit que sur la déclaration du 4e trimestre.")
        return ZERO
    if annual_turnover is None:
        # DOMAIN §1 Who and when, manual box 3: the Q4 declaration states the annual production turnover.
        errors.append("Le chiffre d'affaires annuel de production (case 3) est obligatoire au 4e trimestre.")
        return ZERO
    if annual_turnover < 0:
        errors.append("Le chiffre d'affaires annuel de production (case 3) ne peut pas être négatif.")
        return ZERO
    # loi 2004-639 art. 2: this year's turnover decides liability next year, so the threshold of 1 January.
    threshold = LIABILITY_THRESHOLD.at(date(year + 1, 1, 1))
    if annual_turnover < threshold:
        warnings.append(
            f"Le chiffre d'affaires annuel ({format_euros(annual_turnover)}) est inférieur au seuil "
            f"d'assujettissement de {format_euros(threshold)} : "
            "le producteur pourrait ne plus être redevable."
        )
    return cents(annual_turnover)


def compute_boxes(
    lines: Iterable[PricedLine],
    om: Deductions,
    omr: Deductions,
    *,
    year: int,
    quarter: int,
    annual_turnover: Decimal | None = None,
    carried_om: Decimal = ZERO,
    carried_omr: Decimal = ZERO,
    thresholds: RefundThresholds | None = None,
) -> BoxSheet:
    """Every box of the declaration from its lines, its deductions and the credit carried into it."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"trimestre invalide : {quarter}")
    thresholds = thresholds or refund_thresholds(date(year, 3 * quarter, 1))
    errors: list[str] = []
    warnings: list[str] = []
    sales = exports = om_gross = omr_gross = ZERO
    for line in lines:
        if line.price < 0:
            errors.append(f"Un prix hors TVA et hors accises négatif ({format_euros(line.price)}) a été saisi.")
            continue
        if line.annex == "A":
            sales += line.price
            om_gross += line.om_amount
            omr_gross += line.omr_amount
        else:
            exports += line.price  # exports are exempt: their amounts, if any, are ignored
    boxes: dict[str, Decimal] = {
        "1": cents(sales),
        "2": cents(exports),
        "3": _turnover_box(annual_turnover, year=year, quarter=quarter, errors=errors, warnings=warnings),
    }
    for layout, gross, deductions, carried in (
        (OM, om_gross, om, carried_om),
        (OMR, omr_gross, omr, carried_omr),
    ):
        boxes.update(
            _tax_boxes(
                layout,
                cents(gross),
                deductions,
                cents(max(carried, ZERO)),
                sales=sales,
                exports=exports,
                quarter=quarter,
                thresholds=thresholds,
                errors=errors,
                warnings=warnings,
            )
        )
    ordered = {box: boxes[box] for box in BOX_NAMES}
    return BoxSheet(boxes=ordered, total_due=ordered["15"] + ordered["27"], errors=errors, warnings=warnings)
