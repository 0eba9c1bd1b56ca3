"""Draws the documents of the catalogue as PDF (fpdf2, through `chassis.pdf`), the same bytes every time for
the same text: the PDF's dates are the document's edition, so its ETag changes only with its content."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from chassis.pdf import DocumentPdf, Font
from essoc.documents.catalogue import Document, FormField, FormPart, Section
from essoc.documents.library import RenderedDocument


class _Pdf(DocumentPdf):
    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 45:  # never a heading alone at the foot of a page
            self.add_page()
        super().heading(text)

    def field(self, item: FormField, domains: Sequence[str]) -> None:
        """A blank field of a form: its label, its hint, then boxes to tick or lines to write on."""
        if self.get_y() > self.h - 35:
            self.add_page()
        self.paragraph(item.label, size=9.5, bold=True)
        if item.hint:
            self.set_text_color(90, 90, 90)
            self.paragraph(item.hint, size=8, line_height=4.5)
            self.set_text_color(0, 0, 0)
        choices = tuple(domains) if item.field_domains else item.choices
        self.set_font(self.family_name, "", 9.5)
        if choices:
            self.checklist(choices)
        else:
            with self.artifact():
                for _ in range(item.lines):
                    self.ln(6.5)
                    self.set_draw_color(150, 150, 150)
                    self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
                    self.set_draw_color(0, 0, 0)
        self.ln(3)

    def checklist(self, choices: Sequence[str]) -> None:
        """The choices of a field as a list, each behind a box to tick (the box is no content)."""
        with self.structure("L"):
            for choice in choices:
                y = self.get_y() + 1.2
                with self.artifact():
                    self.rect(self.l_margin + 2, y, 3.2, 3.2)
                with self.structure("LI"), self.content("LBody"):
                    self.set_x(self.l_margin + 8)
                    self.cell(0, 5.8, self.safe(choice), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_document(document: Document, *, font: Font, field_domains: Sequence[str]) -> RenderedDocument:
    return RenderedDocument(document, draw(document, font=font, field_domains=field_domains))


def draw(document: Document, *, font: Font, field_domains: Sequence[str]) -> bytes:
    """The document's PDF (what the renderer's process runs, decision 0035)."""
    pdf = _Pdf(font, document.title, author="OGDE", creator="OGDE — documents")
    edition = datetime(document.published_on.year, document.published_on.month, document.published_on.day, tzinfo=UTC)
    pdf.set_creation_date(edition)  # the same bytes for the same text
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.main_heading(document.title, size=15, line_height=8)
    pdf.paragraph(f"Édition du {document.published_on:%d/%m/%Y}. {document.summary}", size=8.5, line_height=4.8)
    pdf.ln(3)
    for section in document.sections:
        _section(pdf, section)
    for part in document.parts:
        _part(pdf, part, field_domains)
    for text in document.closing:
        pdf.paragraph(text, size=8.5, line_height=4.8)
    return bytes(pdf.output())


def _section(pdf: _Pdf, section: Section) -> None:
    """A section's paragraphs; consecutive ones written « - … » are a list."""
    pdf.heading(section.title)
    items: list[str] = []
    for text in (*section.paragraphs, ""):
        if text.startswith("- "):
            items.append(text[2:])
            continue
        if items:
            pdf.bullets(items, size=10, line_height=5.5, after=1.5)
            items = []
        if text:
            pdf.paragraph(text, size=10, line_height=5.5)
            pdf.ln(1.5)


def _part(pdf: _Pdf, part: FormPart, field_domains: Sequence[str]) -> None:
    pdf.heading(part.title)
    if part.note:
        pdf.paragraph(part.note, size=8.5, line_height=4.8)
        pdf.ln(1)
    for item in part.fields:
        pdf.field(item, field_domains)
