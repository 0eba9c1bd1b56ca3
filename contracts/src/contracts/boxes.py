"""The boxes of the quarterly declaration, keyed as in events ("1" … "27", "9bis"…), with the manual's labels."""

from __future__ import annotations

_COMMON = {"1": "Ventes internes", "2": "Exportations", "3": "Chiffre d'affaires annuel de production"}

# DOMINO-NG manual, "Détermination de l'octroi de mer"; boxes 16–27 mirror 4–15 for the OMR.
_PER_TAX = (
    (0, "", "{tax}"),
    (1, "", "Taxe antérieurement déduite à reverser"),
    (2, "", "Total taxe brute"),
    (3, "", "Déductible : biens constituant des immobilisations"),
    (4, "", "Déductible : autres biens"),
    (5, "", "Complément à déduire : biens constituant des immobilisations"),
    (5, "bis", "Complément à déduire : autres biens"),
    (6, "", "Report du crédit de la précédente déclaration"),
    (7, "", "Total déductions"),
    (8, "", "Crédit de taxe"),
    (9, "", "Remboursement demandé (immobilisations)"),
    (9, "bis", "Remboursement demandé (exportations)"),
    (10, "", "Crédit à reporter sur la prochaine déclaration"),
    (11, "", "Taxe nette due"),
)


def _labels() -> dict[str, str]:
    labels = dict(_COMMON)
    for first, tax in ((4, "Octroi de mer"), (16, "Octroi de mer régional")):
        for offset, suffix, label in _PER_TAX:
            labels[f"{first + offset}{suffix}"] = label.format(tax=tax)
    return labels


BOX_LABELS: dict[str, str] = _labels()
"""Every box in the order of the form: 1, 2, 3, 4 … 9, 9bis, 10 … 13, 13bis, 14 … 27."""

OM_BOXES = tuple(k for k in BOX_LABELS if k not in _COMMON and int(k.removesuffix("bis")) < 16)
OMR_BOXES = tuple(k for k in BOX_LABELS if int(k.removesuffix("bis")) >= 16)


def box_title(box: str) -> str:
    """ "Case 9 bis — Complément à déduire : autres biens"."""
    return f"Case {box.replace('bis', ' bis')} — {BOX_LABELS[box]}"


TYPED_BOXES: dict[str, tuple[str, ...]] = {
    # OM: 5 tax to repay, 7/8 deductible, 9/9bis omitted deductions, 13/13bis refunds (the manual).
    "om": ("5", "7", "8", "9", "9bis", "13", "13bis"),
    # OMR: boxes 17–25bis mirror 5–13bis (DOMAIN §1, « OMR: boxes 16–27 mirror 4–15 exactly »).
    "omr": ("17", "19", "20", "21", "21bis", "25", "25bis"),
}
"""The boxes the declarant types on the OM and OMR pages; the others are computed."""

ART19_BOXES: dict[str, tuple[str, ...]] = {"om": ("7", "9"), "omr": ("19", "21")}
"""Boxes with a check box: fixed assets « au sens de l'article 19-1 de la loi n°2004-639 » (the manual)."""
LATE_DEDUCTION_BOXES: dict[str, tuple[str, ...]] = {"om": ("9", "9bis"), "omr": ("21", "21bis")}
"""Deductions omitted on an earlier declaration, each with the year of the omission (DOMAIN §1)."""
