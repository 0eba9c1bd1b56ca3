"""The difference a déclaration rectificative makes against the declaration it supersedes, in one place.

Rule (ESSOC, loi n° 2018-727 art. 2, *droit à l'erreur*: the producer corrects a filed declaration; the declaration
corrected stays as it was filed, with what it carried forward): each tax's *position* is what the declaration
leaves to pay minus the credit it carries to the next quarter — box 15 − box 14 for the octroi de mer, box 27 −
box 26 for the octroi de mer régional. The rectificative changes each position by (corrected − original):

- a positive change is owed: the **supplement** is the sum of the positive changes, due on its own date;
- a negative change is a **credit** carried to the relation's next declaration: box 10 (OM) or box 22 (OMR).

The two taxes are never netted: OM and OMR have different beneficiaries (the communes and the region), as the
declaration keeps them apart. A credit carried by the corrected declaration that already went into the next
quarter is not taken back there (that declaration may be filed and paid): the change is settled by the
rectificative itself, which is why the position counts the credit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from contracts.events.declarations import Difference

ZERO = Decimal("0.00")
POSITIONS = {"om": ("15", "14"), "omr": ("27", "26")}
"""Per tax: the box of the net tax due and the box of the credit carried to the next declaration."""


def position(boxes: Mapping[str, Decimal], tax: str) -> Decimal:
    """What the declaration leaves to pay for one tax, minus the credit it carries forward."""
    due, carried = POSITIONS[tax]
    return boxes.get(due, ZERO) - boxes.get(carried, ZERO)


def difference(
    original: Mapping[str, Decimal], original_total_due: Decimal, corrected: Mapping[str, Decimal], total_due: Decimal
) -> Difference:
    """The difference of a rectificative (boxes `corrected`) against the declaration it supersedes (`original`)."""
    om = position(corrected, "om") - position(original, "om")
    omr = position(corrected, "omr") - position(original, "omr")
    return Difference(
        original_total_due=original_total_due,
        corrected_total_due=total_due,
        om=om,
        omr=omr,
        supplement=max(om, ZERO) + max(omr, ZERO),
        om_credit=max(-om, ZERO),
        omr_credit=max(-omr, ZERO),
    )
