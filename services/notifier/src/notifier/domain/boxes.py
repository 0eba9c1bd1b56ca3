"""The boxes of an octroi de mer declaration as the filing receipt lists them (DOMAIN.md §1, "Boxes").

OMR boxes 16–27 mirror OM boxes 4–15; the receipt shows the boxes that are not zero and always both
net amounts due (15 and 27).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

BASE_BOXES = {
    "1": "Ventes internes (annexe A)",
    "2": "Exportations (annexe B)",
    "3": "Chiffre d'affaires annuel de production",
}
OM_BOXES = {
    4: "taxe sur les ventes internes",
    5: "taxe antérieurement déduite à reverser",
    6: "total brut",
    7: "déductible sur immobilisations",
    8: "déductible sur autres biens",
    9: "déductions omises sur immobilisations",
    10: "crédit reporté de la déclaration précédente",
    11: "total déductible",
    12: "crédit",
    13: "remboursement demandé (immobilisations)",
    14: "crédit à reporter",
    15: "net à payer",
}
OMR_OFFSET = 12
ALWAYS_SHOWN = ("15", "27")
_KEY = re.compile(r"^(\d+)(bis)?$")


def box_label(box: str) -> str:
    """The label of box "1" … "27", "9bis", "13bis", "21bis", "25bis"."""
    match = _KEY.match(box)
    if box in BASE_BOXES or match is None:
        return BASE_BOXES.get(box, f"Case {box}")
    number, bis = int(match[1]), bool(match[2])
    tax, base = ("OM", number) if number <= 15 else ("OMR", number - OMR_OFFSET)
    if bis and base == 9:
        return f"{tax} : déductions omises sur autres biens"
    if bis and base == 13:
        return f"{tax} : remboursement demandé (exportations)"
    if bis or base not in OM_BOXES:
        return f"Case {box}"
    return f"{tax} : {OM_BOXES[base]}"


def box_summary(boxes: Mapping[str, Decimal]) -> list[dict[str, str]]:
    """[{box, label, amount}] in box order, amounts as decimal strings."""
    shown = [box for box, amount in boxes.items() if amount != 0 or box in ALWAYS_SHOWN]
    return [
        {"box": box, "label": box_label(box), "amount": format(boxes[box], "f")} for box in sorted(shown, key=_order)
    ]


def _order(box: str) -> tuple[int, str]:
    match = _KEY.match(box)
    return (int(match[1]), match[2] or "") if match else (10_000, box)
