"""Box arithmetic (DOMAIN §1 Boxes): one named test per rule, with worked figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.events.declarations import Deductions
from taxcalc.domain.boxes import BOX_NAMES, OM, OMR, AssessedLine, BoxSheet, compute_boxes, line_amount
from taxcalc.domain.parameters import RefundThresholds, refund_thresholds

D = Decimal
ZERO = Decimal("0")
NONE = Deductions()


def deductions(**amounts: str) -> Deductions:
    # keyword `b9bis` stands for box "9bis" (a name cannot start with a digit)
    return Deductions(amounts={key.removeprefix("b"): D(value) for key, value in amounts.items()})


def sale(price: str, om: str = "0", omr: str = "0") -> AssessedLine:
    return AssessedLine(annex="A", price=D(price), om_amount=D(om), omr_amount=D(omr))


def export(price: str) -> AssessedLine:
    return AssessedLine(annex="B", price=D(price))


def sheet(
    lines: list[AssessedLine],
    om: Deductions = NONE,
    omr: Deductions = NONE,
    *,
    quarter: int = 1,
    turnover: str | None = None,
    carried_om: str = "0",
    carried_omr: str = "0",
) -> BoxSheet:
    return compute_boxes(
        lines,
        om,
        omr,
        year=2026,
        quarter=quarter,
        annual_turnover=None if turnover is None else D(turnover),
        carried_om=D(carried_om),
        carried_omr=D(carried_omr),
    )


def test_every_box_is_present_in_form_order() -> None:
    result = sheet([])
    assert list(result.boxes) == list(BOX_NAMES)
    assert len(BOX_NAMES) == 31
    assert all(value == 0 for value in result.boxes.values())
    assert result.errors == [] and result.warnings == []


def test_line_amount_is_price_times_rate_rounded_half_up_to_the_cent() -> None:
    assert line_amount(D("1000"), D("48.5")) == D("485.00")
    assert line_amount(D("10.10"), D("2.5")) == D("0.25")  # 0.2525 → 0.25
    assert line_amount(D("0.50"), D("2.5")) == D("0.01")  # 0.0125 → 0.01
    assert line_amount(D("0.70"), D("2.5")) == D("0.02")  # 0.0175 → 0.02
    assert line_amount(D("1.00"), D("0.5")) == D("0.01")  # 0.005 → 0.01 (half up)
    assert line_amount(D("123.45"), D("0")) == D("0.00")


def test_boxes_are_summed_from_rounded_line_amounts() -> None:
    lines = [sale("0.50", om=str(line_amount(D("0.50"), D("1")))) for _ in range(3)]  # 3 × 0.01, not 0.015
    assert sheet(lines).boxes["4"] == D("0.03")


def test_box_1_is_the_sum_of_annexe_a_prices_and_box_2_of_annexe_b_prices() -> None:
    result = sheet([sale("1000"), sale("250.50"), export("400"), export("0.25")])
    assert (result.boxes["1"], result.boxes["2"]) == (D("1250.50"), D("400.25"))


def test_exports_carry_no_tax() -> None:
    # DOMAIN §1 Annexe B: exports are exempt
    result = sheet([AssessedLine(annex="B", price=D("1000"), om_amount=D("50"), omr_amount=D("25"))])
    assert (result.boxes["4"], result.boxes["16"]) == (D("0"), D("0"))


def test_box_4_and_16_sum_the_annexe_a_amounts() -> None:
    result = sheet([sale("1000", om="45", omr="25"), sale("200", om="9.50", omr="5")])
    assert (result.boxes["4"], result.boxes["16"]) == (D("54.50"), D("30.00"))


def test_box_6_is_box_4_plus_box_5() -> None:
    result = sheet([sale("1000", om="45")], deductions(b5="10"))
    assert result.boxes["6"] == D("55")


def test_box_11_is_7_8_9_9bis_and_the_carried_credit() -> None:
    result = sheet([], deductions(b7="1", b8="2", b9="3", b9bis="4"), carried_om="5")
    assert (result.boxes["10"], result.boxes["11"]) == (D("5"), D("15"))


def test_net_due_when_deductions_do_not_exceed_gross_tax() -> None:
    # DOMAIN §1: otherwise 12 = 13 = 13bis = 14 = 0 and 15 = 6 − 11
    result = sheet([sale("10000", om="700", omr="250")], deductions(b7="100", b8="150"), deductions(b20="50"))
    boxes = result.boxes
    assert (boxes["6"], boxes["11"], boxes["15"]) == (D("700"), D("250"), D("450"))
    assert (boxes["12"], boxes["13"], boxes["13bis"], boxes["14"]) == (ZERO, ZERO, ZERO, ZERO)
    assert (boxes["18"], boxes["23"], boxes["27"], boxes["24"]) == (D("250"), D("50"), D("200"), ZERO)
    assert result.total_due == D("650")


def test_deductions_equal_to_gross_tax_leave_nothing_due_and_no_credit() -> None:
    result = sheet([sale("1000", om="70")], deductions(b8="70"))
    assert (result.boxes["12"], result.boxes["15"]) == (ZERO, ZERO)


def test_credit_when_deductions_exceed_gross_tax() -> None:
    # DOMAIN §1: if 11 > 6: 12 = 11 − 6, 15 = 0, 14 = 12 − 13 − 13bis
    result = sheet([sale("1000", om="70")], deductions(b7="1000", b13="200"))
    boxes = result.boxes
    assert (boxes["12"], boxes["13"], boxes["14"], boxes["15"]) == (D("930"), D("200"), D("730"), ZERO)
    assert result.om_credit == D("730")
    assert result.errors == []


def test_omr_boxes_mirror_om_boxes() -> None:
    # DOMAIN §1: boxes 16–27 mirror 4–15
    om = deductions(b5="1", b7="500", b8="2", b9="3", b9bis="4", b13="100", b13bis="0")
    omr = deductions(b17="1", b19="500", b20="2", b21="3", b21bis="4", b25="100", b25bis="0")
    result = sheet([sale("1000", om="40", omr="40")], om, omr, carried_om="7", carried_omr="7")
    pairs = list(zip(BOX_NAMES[3:17], BOX_NAMES[17:], strict=True))
    assert ("4", "16") in pairs and ("15", "27") in pairs and ("13bis", "25bis") in pairs
    assert all(result.boxes[om_box] == result.boxes[omr_box] for om_box, omr_box in pairs)
    assert result.omr_credit == result.om_credit == D("375")


def test_total_due_is_box_15_plus_box_27() -> None:
    result = sheet([sale("1000", om="70", omr="25")], deductions(b8="20"), deductions(b20="5"))
    assert result.total_due == result.boxes["15"] + result.boxes["27"] == D("70")


def test_refunds_may_not_exceed_the_credit() -> None:
    # DOMAIN §1: 13 + 13bis ≤ 12
    result = sheet([sale("1000", om="70"), export("1000")], deductions(b7="170", b13="60", b13bis="50"))
    assert result.errors == [
        "Les remboursements demandés (cases 13 et 13 bis : 110 €) dépassent le crédit d'octroi de mer "
        "(case 12 : 100 €)."
    ]
    assert result.boxes["14"] == 0


def test_omr_refunds_may_not_exceed_the_omr_credit() -> None:
    # DOMAIN §1: mirror rule, 25 + 25bis ≤ 24
    result = sheet([sale("1000", omr="25")], omr=deductions(b19="50", b25="30"))
    assert result.errors == [
        "Les remboursements demandés (cases 25 et 25 bis : 30 €) dépassent le crédit "
        "d'octroi de mer régional (case 24 : 25 €)."
    ]


def test_export_refund_is_capped_pro_rata_of_exports() -> None:
    # Seed manual, crédit de taxe: 13bis ≤ 12 × box 2 / (box 1 + box 2)
    lines = [sale("2000", om="0"), export("1000")]
    allowed = sheet(lines, deductions(b7="1000", b13bis="333.33"))
    assert allowed.errors == []
    refused = sheet(lines, deductions(b7="1000", b13bis="333.34"))
    assert refused.errors == [
        "Le remboursement au titre des exportations (case 13 bis : 333,34 €) dépasse la part "
        "des exportations dans les livraisons (case 12 × case 2 / (case 1 + case 2) = 333,33 €)."
    ]


def test_omr_export_refund_is_capped_pro_rata_of_exports() -> None:
    # Seed manual, crédit de taxe: 25bis ≤ 24 × box 2 / (box 1 + box 2)
    refused = sheet([sale("1000"), export("1000")], omr=deductions(b19="800", b25bis="400.01"))
    assert len(refused.errors) == 1 and "case 25 bis" in refused.errors[0]


def test_no_export_refund_without_exports() -> None:
    # No exports, no export refund: with sales, and (the case the pro rata let through) with no delivery at all
    expected = (
        "Aucune exportation n'est déclarée (case 2 nulle) : le remboursement au titre des exportations "
        "(case 13 bis : 200 €) ne peut pas être demandé."
    )
    assert sheet([sale("1000")], deductions(b7="1000", b13bis="200")).errors == [expected]
    assert sheet([], deductions(b7="1000", b13bis="200")).errors == [expected]
    assert sheet([], carried_om="1000", om=deductions(b13bis="200")).errors == [expected]
    omr = sheet([], omr=deductions(b19="1000", b25bis="200")).errors
    assert omr == [expected.replace("13 bis", "25 bis")]


def test_export_refund_threshold_is_150_euros_per_claim() -> None:
    # DOMAIN §1 (loi 2004-639 art. 25, décret 2005-69 art. 11): a separate export refund is at least 150 €
    lines = [sale("1000"), export("1000")]
    small = sheet(lines, deductions(b7="1000", b13bis="149.99"), quarter=2)
    assert small.errors == []
    assert small.warnings == [
        "Le remboursement au titre des exportations (case 13 bis : 149,99 €) est inférieur au minimum d'une "
        "demande (150 €) : la demande pourrait être rejetée."
    ]
    assert sheet(lines, deductions(b7="1000", b13bis="150"), quarter=2).warnings == []


def test_export_refund_threshold_comes_from_configuration() -> None:
    thresholds = refund_thresholds(date(2026, 1, 1), {"export": "100"})
    assert thresholds.export == D("100")
    result = compute_boxes(
        [sale("1000"), export("1000")],
        deductions(b7="1000", b13bis="120"),
        NONE,
        year=2026,
        quarter=2,
        thresholds=thresholds,
    )
    assert result.warnings == []


def test_refunds_without_credit_are_an_error_and_count_as_zero() -> None:
    # DOMAIN §1: otherwise 12 = 13 = 13bis = 14 = 0
    result = sheet([sale("1000", om="70")], deductions(b13="10", b13bis="5"))
    assert result.errors == [
        "Aucun crédit d'octroi de mer (case 12 nulle) : les remboursements des cases 13 et 13 bis "
        "ne peuvent pas être demandés."
    ]
    assert (result.boxes["13"], result.boxes["13bis"], result.boxes["15"]) == (ZERO, ZERO, D("70"))


def test_quarterly_refund_under_760_euros_is_a_warning() -> None:
    # Seed manual, crédit de taxe: ≥ 760 € in the month after a quarter (unconfirmed)
    result = sheet([], deductions(b7="700", b13="700"), quarter=2)
    assert result.errors == []
    assert result.warnings == [
        "Un remboursement est demandé alors que le crédit d'octroi de mer (case 12 : 700 €) est inférieur au "
        "seuil d'une demande trimestrielle (760 €) : la demande pourrait être rejetée."
    ]
    assert sheet([], deductions(b7="760", b13="700"), quarter=2).warnings == []


def test_annual_refund_under_150_euros_is_a_warning() -> None:
    # Seed manual, crédit de taxe: ≥ 150 € for the January claim (unconfirmed)
    result = sheet([], deductions(b7="149.99", b13="100"), quarter=4, turnover="900000")
    assert len(result.warnings) == 1 and "demande annuelle de janvier (150 €)" in result.warnings[0]
    assert sheet([], deductions(b7="200", b13="100"), quarter=4, turnover="900000").warnings == []


def test_refund_thresholds_come_from_configuration() -> None:
    result = compute_boxes(
        [],
        deductions(b7="500", b13="500"),
        NONE,
        year=2026,
        quarter=1,
        thresholds=RefundThresholds(annual=D("100"), quarterly=D("400")),
    )
    assert result.warnings == []


def test_no_threshold_warning_without_refund_request() -> None:
    assert sheet([], deductions(b7="10")).warnings == []


def test_q4_turnover_under_the_threshold_warns_of_liability() -> None:
    # loi 2004-639 art. 2: liable when last year's production turnover reached the threshold
    result = sheet([], quarter=4, turnover="420000")
    assert result.boxes["3"] == D("420000")
    assert result.warnings == [
        "Le chiffre d'affaires annuel (420 000 €) est inférieur au seuil d'assujettissement de 550 000 € : "
        "le producteur pourrait ne plus être redevable."
    ]
    assert sheet([], quarter=4, turnover="550000").warnings == []


def test_liability_threshold_is_the_one_of_the_following_year() -> None:
    # loi 2004-639 art. 2 (300 000 € until 31/12/2021, 550 000 € since 01/01/2022)
    def warnings(year: int) -> list[str]:
        return compute_boxes([], NONE, NONE, year=year, quarter=4, annual_turnover=D("400000")).warnings

    assert warnings(2020) == []
    assert "550 000 €" in warnings(2021)[0]


def test_q4_declaration_must_state_the_annual_turnover() -> None:
    # DOMAIN §1 Who and when: the Q4 declaration must state the annual production turnover (box 3)
    assert sheet([], quarter=4).errors == [
        "Le chiffre d'affaires annuel de production (case 3) est obligatoire au 4e trimestre."
    ]


def test_box_3_is_only_for_the_q4_declaration() -> None:
    result = sheet([], quarter=2, turnover="900000")
    assert result.boxes["3"] == 0
    assert result.errors == [
        "La case 3 (chiffre d'affaires annuel) ne se remplit que sur la déclaration du 4e trimestre."
    ]


@pytest.mark.parametrize(
    ("om", "message"),
    [
        (Deductions(amounts={"17": D("1")}), "La case 17 ne fait pas partie des cases de l'octroi de mer"),
        (Deductions(amounts={"7": D("-1")}), "La case 7 (octroi de mer) ne peut pas être négative."),
        (
            Deductions(amounts={"9bis": D("1.005")}),
            "La case 9 bis (octroi de mer) doit être un montant en euros",
        ),
    ],
)
def test_faulty_entered_amounts_are_reported_and_count_as_zero(om: Deductions, message: str) -> None:
    result = sheet([sale("100", om="7")], om)
    assert len(result.errors) == 1 and result.errors[0].startswith(message)
    assert result.boxes["15"] == D("7")


def test_negative_price_is_reported() -> None:
    result = sheet([sale("-5")])
    assert result.boxes["1"] == 0 and "négatif (-5 €)" in result.errors[0]


def test_invalid_quarter_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        compute_boxes([], NONE, NONE, year=2026, quarter=5)


def test_entered_boxes_are_those_of_the_form() -> None:
    # Seed manual, Détermination de l'octroi de mer (régional): the boxes with an input field
    assert OM.inputs == ("5", "7", "8", "9", "9bis", "13", "13bis")
    assert OMR.inputs == ("17", "19", "20", "21", "21bis", "25", "25bis")
