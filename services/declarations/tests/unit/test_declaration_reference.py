"""The declaration as the service reads it back carries its human reference (« OM-974-2026-T3-0974000789 »,
`contracts.references`), and its PDF names it by that reference and shows every field entered, never the internal
id of its stream."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

from declarations.adapters import receipt_pdf
from declarations.domain.deductions import enter_deductions
from declarations.entrypoints import views

DECLARATION_ID = "decl-rel-974-0001-2026-Q3"


def _doc() -> dict[str, Any]:
    """A filed declaration as the read model (`application.projections.DeclarationView`) keeps it."""
    deductions = enter_deductions({"7": "1000.00", "7_art19_1": True, "9": "50", "9_year": 2025}, {"21bis": "20"})
    line = {"cana": None, "rates_date": None, "avitaillement": False, "rfs": False, "assessment": None}
    sale = line | {"line_id": "l-1", "annex": "A", "nomenclature": "19059080", "price_excl_tax": "12500.00",
                   "naf": "10.71C", "rates_date": "2026-07-01", "avitaillement": True}  # fmt: skip
    export = line | {"line_id": "l-2", "annex": "B", "nomenclature": "33051000", "price_excl_tax": "3000.00",
                     "naf": "20.42Z", "rfs": True}  # fmt: skip
    boxes = {"1": "12500.00", "2": "3000.00", "15": "0.00", "27": "0.00"}
    return {
        "_id": DECLARATION_ID,
        "relation_id": "rel-974-0001",
        "relation_number": "0974000789",
        "siret": "41234567800012",
        "establishment": "Savonnerie Bourbon",
        "office": "974001",
        "territory": "974",
        "year": 2026,
        "quarter": 3,
        "due_date": "2026-10-24",
        "status": "filed",
        "declarant": {
            "name": "Marie Payet",
            "quality": "representant",
            "place": "Le Port",
            "payment_method": "virement",
        },
        "lines": {"l-1": sale, "l-2": export},
        "line_order": ["l-1", "l-2"],
        "annual_turnover": None,
        "deductions": deductions.model_dump(mode="json"),
        "totals": None,
        "filing": {
            "filed_at": "2026-10-20T08:00:00+00:00",
            "totals_version": 6,
            "boxes": boxes,
            "total_due": "0.00",
            "late": False,
            "days_late": 0,
            "declarant_email": None,
            "warnings": [],
        },
        "assessed_at": None,
        "created_at": "2026-10-01T08:00:00+00:00",
        "updated_at": "2026-10-20T08:00:00+00:00",
        "version": 6,
    }


def test_the_read_of_a_declaration_carries_its_reference() -> None:
    doc = _doc()
    assert views.summary(doc)["reference"] == "OM-974-2026-T3-0974000789"
    assert views.detail(doc)["reference"] == "OM-974-2026-T3-0974000789"
    assert views.detail(doc)["id"] == DECLARATION_ID  # the id stays, for addresses


def test_the_receipt_pdf_holds_the_reference_and_every_field_entered_never_the_internal_id() -> None:
    content = receipt_pdf.render(views.detail(_doc()), None)
    text = re.sub(r"\s+", " ", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    assert "OM-974-2026-T3-0974000789" in text and "3e trimestre 2026" in text
    assert DECLARATION_ID not in text and "decl-" not in text
    assert "10.71C" in text and "20.42Z" in text  # NAF codes of Annexes A and B
    assert "Immobilisations au sens de l'article 19-1 de la loi n°2004-639 oui" in text
    assert "Année de l'omission 2025" in text


def test_the_precisions_of_a_tax_page_are_its_ticks_and_the_years_typed() -> None:
    entered = views.detail(_doc())["deductions"]
    assert receipt_pdf.precisions(entered["om"]) == [
        ["7", "Immobilisations au sens de l'article 19-1 de la loi n°2004-639", "oui"],
        ["9", "Immobilisations au sens de l'article 19-1 de la loi n°2004-639", "non"],
        ["9", "Année de l'omission", "2025"],
    ]
    assert receipt_pdf.precisions(entered["omr"])[-1] == [
        "21",
        "Immobilisations au sens de l'article 19-1 de la loi n°2004-639",
        "non",
    ]
    assert receipt_pdf.precisions(None) == []
