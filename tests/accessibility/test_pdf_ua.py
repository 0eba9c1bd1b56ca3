"""RGAA 13.3 / PDF/UA-1 (ISO 14289-1): every PDF the services hand out is tagged — a structure tree read in
order (H1, H2, P, Table → TR → TH/TD with the header's scope, L → LI → LBody), everything else an artifact,
in French, titled by its heading — for the receipt (and a rectificative's), the request and the documents."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader
from tagged_pdf import assert_pdf_ua, marked_content_ids, unmarked_drawings

from chassis.pdf import DocumentPdf, find_font
from contracts.boxes import OM_BOXES, OMR_BOXES
from declarations.adapters import receipt_pdf
from declarations.domain.deductions import enter_deductions
from declarations.entrypoints import views
from essoc.adapters.pdf import render_request
from essoc.documents.catalogue import DOCUMENTS
from essoc.documents.render import render_document
from essoc.domain.referentials import default_referentials

FONT = find_font()


DEDUCTIONS = enter_deductions({"7": "1000.00", "7_art19_1": True}, {"21bis": "20"}).model_dump(mode="json")


def _declaration(sales: int = 1) -> dict[str, Any]:
    """A filed declaration as the read model keeps it; `sales` lines of annex A (many run over pages)."""
    line = {"cana": None, "rates_date": "2026-07-01", "avitaillement": False, "rfs": False, "assessment": None,
            "naf": "10.71C", "annex": "A", "nomenclature": "19059080", "price_excl_tax": "12500.00"}  # fmt: skip
    lines = {f"l-{n}": line | {"line_id": f"l-{n}"} for n in range(sales)}
    return {
        "_id": "decl-rel-974-0001-2026-Q3", "relation_id": "rel-974-0001", "relation_number": "0974000789",
        "siret": "41234567800012", "establishment": "Savonnerie Bourbon", "office": "974001", "territory": "974",
        "year": 2026, "quarter": 3, "due_date": "2026-10-24", "status": "filed",
        "declarant": {"name": "Marie Payet", "quality": "representant", "place": "Le Port",
                      "payment_method": "virement"},
        "lines": lines, "line_order": list(lines), "annual_turnover": None, "deductions": DEDUCTIONS, "totals": None,
        "filing": {"filed_at": "2026-10-20T08:00:00+00:00", "totals_version": 6, "boxes": {"1": "12500.00"},
                   "total_due": "0.00", "late": False, "days_late": 0, "declarant_email": None, "warnings": []},
        "assessed_at": None, "created_at": "2026-10-01T08:00:00+00:00", "updated_at": "2026-10-20T08:00:00+00:00",
        "version": 6,
    }  # fmt: skip


REQUEST: dict[str, Any] = {
    "number": 150, "territory": "971", "state": "prise_en_charge", "state_label": "Prise en charge",
    "requester": {"name": "Bricot", "first_name": "Juda", "email": "juda@entreprise.example",
                  "requester_type": "entreprise", "siret": "41234567000019",
                  "company_name": "Distillerie Bellevue SAS", "represented_siren": None},
    "characteristics": {"created_at": "2026-03-10T09:00:00+00:00", "origin": "ProDouane", "nature": "rescrit",
                        "nature_label": "rescrit", "category_label": "octroi de mer", "sub_category": None,
                        "collegial": False, "previous_request": None},
    "fields": [{"domain_label": "Octroi de mer", "sub_domain": "octroi de mer interne"}],
    "request": {"subject": "Taux « réduit »", "admissibility_label": "Oui", "unit": "DR Guadeloupe - PAE",
                "description": "Une situation de fait longuement décrite. " * 300, "response": None,
                "refusal_grounds": None},
    "deadline": {"period_months": 3, "awaiting_admissibility": False, "deadline_at": "2026-07-15T14:00:00+00:00"},
    "history": [{"at": "2026-03-10T09:00:00+00:00", "event": "Dépôt de la demande", "type": "rescrit",
                 "unit": "DR Guadeloupe - PAE", "state_label": "Déposée"}],
    "exchanges": [],
    "attachments": [{"filename": "été.pdf", "added_at": "2026-03-10T09:00:00+00:00", "deleted_at": None,
                     "size": 2048}],
}  # fmt: skip
TABLES = {"Table", "TR", "TH", "TD"}


def test_rgaa_13_3_the_receipt_is_a_tagged_pdf_even_when_its_tables_run_over_pages() -> None:
    content = receipt_pdf.render(views.detail(_declaration(sales=70)), None)
    tree = assert_pdf_ua(
        content, title="Déclaration d'octroi de mer interne — 3e trimestre 2026", roles={"H1", "H2", "P"} | TABLES
    )
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 3  # annex A's table crosses pages: its headings repeat, as artifacts
    tables: list[list[list[str]]] = []  # each table's rows, each row its cells' roles
    for element in tree:
        if element.role == "Table":
            tables.append([])
        elif element.role == "TR":
            tables[-1].append([])
        elif element.role in ("TH", "TD"):
            tables[-1][-1].append(element.role)
    for rows in tables:  # the headings once, atop their columns, though annex A's table crosses pages
        assert set(rows[0]) == {"TH"} and all(set(row) == {"TD"} for row in rows[1:]), rows
    # annex A, boxes 1-3, then the OM's and OMR's boxes, each followed by its precisions: a heading row and the rows
    assert [len(rows) for rows in tables] == [1 + 70, 1 + 3, 1 + len(OM_BOXES), 3, 1 + len(OMR_BOXES), 3]
    assert [e.role for e in tree if e.role.startswith("H")][:3] == ["H1", "H2", "H2"]


def test_rgaa_13_3_a_rectificatives_receipt_is_titled_by_its_heading() -> None:
    doc = _declaration() | {"_id": "decl-rel-974-0001-2026-Q3-R1", "corrective": 1}
    doc["filing"] |= {"correction": None}
    content = receipt_pdf.render(views.detail(doc), None)
    assert_pdf_ua(
        content,
        title="Déclaration rectificative n° 1 — Octroi de mer interne — 3e trimestre 2026",
        roles={"H1", "H2", "P"} | TABLES,
    )


def test_rgaa_13_3_the_request_is_a_tagged_pdf_and_a_long_description_carries_on_over_the_page() -> None:
    content = render_request(REQUEST, font=FONT, now=datetime(2026, 3, 12, 10, tzinfo=UTC))
    assert_pdf_ua(content, title="Détail de la demande n° 150", roles={"H1", "H2", "P"} | TABLES)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 3 and all(marked_content_ids(reader, n) for n in range(len(reader.pages)))


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.id for d in DOCUMENTS])
def test_rgaa_13_3_each_document_of_the_library_is_a_tagged_pdf(document: Any) -> None:
    domains = [f.label for f in default_referentials().fields]
    content = render_document(document, font=FONT, field_domains=domains).content
    roles = {"H1", "H2", "P"} | ({"L", "LI", "LBody"} if document.kind == "form" else set())
    assert_pdf_ua(content, title=document.title, roles=roles)


def test_rgaa_13_3_the_guide_s_dashed_paragraphs_are_a_list() -> None:
    guide = next(d for d in DOCUMENTS if d.kind == "guide")
    dashed = sum(p.startswith("- ") for s in guide.sections for p in s.paragraphs)
    domains = [f.label for f in default_referentials().fields]
    tree = assert_pdf_ua(
        render_document(guide, font=FONT, field_domains=domains).content, title=guide.title, roles=set()
    )
    assert sum(e.role == "LI" for e in tree) == dashed


def test_pdf_ua_content_and_artifacts_carry_on_over_a_page_break() -> None:
    pdf = DocumentPdf(FONT, "Essai", author="DGDDI", creator="essai")
    pdf.add_page()
    pdf.main_heading("Essai")
    pdf.paragraph("Un paragraphe long. " * 700)  # about three pages
    with pdf.artifact():  # then as much again that is no content
        pdf.multi_cell(0, 5.5, "Filet. " * 1500)
    content = bytes(pdf.output())
    reader = PdfReader(io.BytesIO(content))
    tree = assert_pdf_ua(content, title="Essai", roles={"H1", "P"})
    assert [e.role for e in tree] == ["Document", "H1", "P"]  # one paragraph, whichever pages it is drawn on
    paragraph_pages = [n for n in range(len(reader.pages)) if marked_content_ids(reader, n)]
    assert len(paragraph_pages) >= 3 and len(reader.pages) > len(paragraph_pages)


def test_an_untagged_pdf_fails_the_checks() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Sans balises")
    content = bytes(pdf.output())
    assert unmarked_drawings(PdfReader(io.BytesIO(content))) == ["page 1: Tj outside marked content"]
    with pytest.raises(AssertionError, match="no structure tree"):
        assert_pdf_ua(content, title="Sans balises", roles=set())
