"""The PDF of a déclaration rectificative is titled « Déclaration rectificative n° N », names the declaration it
replaces by its reference, and shows the totals before and after, each tax's change, then the supplement to pay (its
date, its own creditor reference) or the credit carried to boxes 10 and 22; the declaration it replaced says
« remplacée »."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from test_declaration_reference import DECLARATION_ID, _doc

from declarations.adapters import receipt_pdf
from declarations.entrypoints import views

CORRECTION_ID = DECLARATION_ID + "-R1"
NBSP = "\u00a0"


def _difference(om: str, omr: str = "0.00", *, original: str = "1000.00", corrected: str) -> dict[str, str]:
    """taxcalc's `Difference` as the read model keeps it (JSON): a positive change is owed, a negative one carried."""
    zero = Decimal("0.00")
    om_change, omr_change = Decimal(om), Decimal(omr)
    return {
        "original_total_due": original,
        "corrected_total_due": corrected,
        "om": om,
        "omr": omr,
        "supplement": str(max(om_change, zero) + max(omr_change, zero)),
        "om_credit": str(max(-om_change, zero)),
        "omr_credit": str(max(-omr_change, zero)),
    }


def _rectificative(difference: dict[str, str]) -> dict[str, Any]:
    """Rectificative n° 1 of the quarter's declaration, filed on 5 November 2026 after the due date."""
    doc = _doc()
    doc["filing"] |= {
        "filed_at": "2026-11-05T06:00:00+00:00",
        "boxes": doc["filing"]["boxes"] | {"15": difference["corrected_total_due"]},
        "total_due": difference["corrected_total_due"],
        "correction": {
            "corrects": DECLARATION_ID,
            "corrective": 1,
            "difference": difference,
            "supplement_due": "2026-11-05",
        },
    }
    return doc | {"_id": CORRECTION_ID, "corrects": DECLARATION_ID, "corrective": 1}


def _text(doc: dict[str, Any]) -> str:
    content = receipt_pdf.render(views.detail(doc), None)
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", "".join(page.extract_text() for page in pages).replace(NBSP, " ").replace("\u202f", " "))


def test_a_rectificative_that_raises_the_tax_is_titled_by_its_number_and_asks_the_supplement() -> None:
    text = _text(_rectificative(_difference("300.00", corrected="1300.00")))
    assert text.startswith("Déclaration rectificative n° 1 Octroi de mer interne — 3e trimestre 2026 ")
    assert "Déclaration rectificative n° 1 — octroi de mer interne — 3e trimestre 2026 — page 1/" in text  # footer
    assert "OM-974-2026-T3-0974000789-R1" in text
    assert "Remplace la déclaration OM-974-2026-T3-0974000789 " in text
    assert "Total dû avant rectification (cases 15 + 27) 1 000,00 €" in text
    assert "Total dû rectifié (cases 15 + 27) 1 300,00 €" in text
    assert "Différence d'octroi de mer (case 15 − case 14) +300,00 €" in text
    assert "Différence d'octroi de mer régional (case 27 − case 26) 0,00 €" in text
    assert "Supplément à payer 300,00 €, au plus tard le 05/11/2026" in text
    assert "Référence de créancier RF05 9742 6T30 9740 0078 9R1" in text  # its own, not the original's RF41…
    assert "Crédit reporté" not in text and "Total à payer (cases 15 + 27)" not in text
    assert "hors délai" not in text and "decl-" not in text


def test_a_rectificative_that_lowers_the_tax_carries_the_credit_to_boxes_10_and_22() -> None:
    text = _text(_rectificative(_difference("-200.00", corrected="800.00")))
    assert "Différence d'octroi de mer (case 15 − case 14) -200,00 €" in text
    assert (
        "Crédit reporté sur votre prochaine déclaration "
        "case 10 (octroi de mer) 200,00 €, case 22 (octroi de mer régional) 0,00 €"
    ) in text
    assert "Supplément à payer" not in text and "Référence de créancier" not in text


def test_a_rectificative_that_changes_nothing_due_says_no_further_amount() -> None:
    text = _text(_rectificative(_difference("0.00", corrected="1000.00")))
    assert "Aucun montant supplémentaire" in text
    assert "Supplément à payer" not in text and "Crédit reporté" not in text


def test_a_raise_of_one_tax_and_a_fall_of_the_other_are_never_netted() -> None:
    # OM (the communes) and OMR (the region) are kept apart: taxcalc.domain.correction
    text = _text(_rectificative(_difference("100.00", "-40.00", corrected="1060.00")))
    assert "Supplément à payer 100,00 €, au plus tard le 05/11/2026" in text
    assert "case 10 (octroi de mer) 0,00 €, case 22 (octroi de mer régional) 40,00 €" in text


def test_the_declaration_a_rectificative_replaced_says_remplacee_and_by_which() -> None:
    doc = _doc() | {"superseded_by": {"by": CORRECTION_ID, "corrective": 1, "at": "2026-11-05T06:00:00+00:00"}}
    text = _text(doc)
    assert "Déclaration d'octroi de mer interne — 3e trimestre 2026" in text
    assert "État Déposée, remplacée " in text
    assert "Remplacée par la déclaration rectificative n° 1 (OM-974-2026-T3-0974000789-R1)" in text
    assert "Remplacée le 05/11/2026 à 10:00 (heure de La Réunion)" in text
    assert "Total à payer (cases 15 + 27)" in text and "decl-" not in text


def test_a_draft_rectificative_shows_the_projected_difference_and_its_supplement_dated_at_filing() -> None:
    doc = _rectificative(_difference("300.00", corrected="1300.00"))
    projected = {"version": 6, "boxes": {}, "total_due": "1300.00", "complete": True, "warnings": [], "errors": []}
    draft = doc | {
        "status": "draft",
        "filing": None,
        "totals": projected | {"difference": doc["filing"]["correction"]["difference"]},
    }
    text = _text(draft)
    assert text.startswith("Déclaration rectificative n° 1 ") and "Brouillon (non déposée)" in text
    assert "Supplément à payer 300,00 € Référence de créancier" in text
    assert "Date limite fixée au dépôt de la déclaration rectificative" in text
    assert "pas encore calculée" in _text(draft | {"totals": None})
