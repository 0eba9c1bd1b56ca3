"""Draws the documents of the catalogue as PDF (fpdf2, through `chassis.pdf`), the same bytes every time for
the same text: the PDF's dates are the document's edition, so its ETag changes only with its content."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from chassis.pdf import DocumentPdf, Font
from essoc.documents.catalogue import Document, FormField, FormPart, Section


@dataclass(frozen=True)
class RenderedDocument:
    document: Document
    content: bytes

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.content).hexdigest()[:32] + '"'


class _Pdf(DocumentPdf):
    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 45:  # never a heading alone at the foot of a page
            self.add_page()
        super().heading(text)

    def paragraph(self, text: str) -> None:
        self.set_font(self.family_name, "", 10)
        if text.startswith("- "):
            self.set_x(self.l_margin + 4)
            self.multi_cell(0, 5.5, self.safe("• " + text[2:]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.multi_cell(0, 5.5, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def field(self, item: FormField, domains: Sequence[str]) -> None:
        if self.get_y() > self.h - 35:
            self.add_page()
        self.set_font(self.family_name, "B", 9.5)
        self.multi_cell(0, 5.5, self.safe(item.label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if item.hint:
            self.set_font(self.family_name, "", 8)
            self.set_text_color(90, 90, 90)
            self.multi_cell(0, 4.5, self.safe(item.hint), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
        choices = tuple(domains) if item.field_domains else item.choices
        self.set_font(self.family_name, "", 9.5)
        if choices:
            for choice in choices:
                y = self.get_y() + 1.2
                self.rect(self.l_margin + 2, y, 3.2, 3.2)
                self.set_x(self.l_margin + 8)
                self.cell(0, 5.8, self.safe(choice), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            for _ in range(item.lines):
                self.ln(6.5)
                self.set_draw_color(150, 150, 150)
                self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
                self.set_draw_color(0, 0, 0)
        self.ln(3)


def render_document(document: Document, *, font: Font, field_domains: Sequence[str]) -> RenderedDocument:
    pdf = _Pdf(font, document.title, author="OGDE", creator="OGDE — documents")
    edition = datetime(document.published_on.year, document.published_on.month, document.published_on.day, tzinfo=UTC)
    pdf.set_creation_date(edition)  # the same bytes for the same text
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(pdf.family_name, "B", 15)
    pdf.multi_cell(0, 8, pdf.safe(document.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family_name, "", 8.5)
    edited = f"Édition du {document.published_on:%d/%m/%Y}. {document.summary}"
    pdf.multi_cell(0, 4.8, pdf.safe(edited), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for section in document.sections:
        _section(pdf, section)
    for part in document.parts:
        _part(pdf, part, field_domains)
    for text in document.closing:
        pdf.set_font(pdf.family_name, "", 8.5)
        pdf.multi_cell(0, 4.8, pdf.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return RenderedDocument(document, bytes(pdf.output()))


def _section(pdf: _Pdf, section: Section) -> None:
    pdf.heading(section.title)
    for text in section.paragraphs:
        pdf.paragraph(text)


def _part(pdf: _Pdf, part: FormPart, field_domains: Sequence[str]) -> None:
    pdf.heading(part.title)
    if part.note:
        pdf.set_font(pdf.family_name, "", 8.5)
        pdf.multi_cell(0, 4.8, pdf.safe(part.note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    for item in part.fields:
        pdf.field(item, field_domains)
