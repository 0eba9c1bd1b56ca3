"""The boxes of an octroi de mer declaration as the filing receipt lists them (DOMAIN.md §1, "Boxes").

OMR boxes 16–27 mirror OM boxes 4–15; the receipt shows the boxes that are not zero and always both
net amounts due (15 and 27).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from contracts.boxes import BOX_LABELS, OM_BOXES, OMR_BOXES

ALWAYS_SHOWN = ("15", "27")
_ORDER = {box: i for i, box in enumerate(BOX_LABELS)}


def box_label(box: str) -> str:
    """The manual's label of box "1" … "27", "9bis"…, prefixed by its tax where the label alone is ambiguous."""
    if box not in BOX_LABELS:
        return f"Case {box}"
    if box in OM_BOXES and box != "4":
        return f"OM : {BOX_LABELS[box]}"
    if box in OMR_BOXES and box != "16":
        return f"OMR : {BOX_LABELS[box]}"
    return BOX_LABELS[box]


def box_summary(boxes: Mapping[str, Decimal]) -> list[dict[str, str]]:
    """[{box, label, amount}] in the form's order, amounts as decimal strings."""
    shown = [box for box, amount in boxes.items() if amount != 0 or box in ALWAYS_SHOWN]
    return [
        {"box": box, "label": box_label(box), "amount": format(boxes[box], "f")}
        for box in sorted(shown, key=lambda b: (_ORDER.get(b, 10_000), b))
    ]
