"""PDF documents with fpdf2, tagged for PDF/UA-1 (RGAA 13.3): a Unicode font when the machine has one, latin-1
otherwise.

A document's code says what it draws (`main_heading`, `heading`, `paragraph`, `pairs`, `grid`, `bullets`) and the
tagging is done here and in `chassis.pdf_tags`. fpdf2 ships no Unicode font. A TTF is looked for (the configured
one, DejaVu Sans or Liberation Sans where the system or matplotlib has them); without one the core Helvetica is
used, whose latin-1 covers French accents, and the few characters outside it are transliterated (œ → oe, € → EUR).
The core fonts are not embedded, which PDF/UA-1 requires: a conformant PDF needs the TTF.

A service does not import this module: it names a drawing function for `chassis.renderer`, whose process imports
it (decision 0035). `Font` and `find_font` live in `chassis.pdf_fonts`, which a service may import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from fpdf.enums import XPos, YPos

from chassis.pdf_fonts import Font, find_font
from chassis.pdf_tags import LANGUAGE, TaggedPdf, TaggedTable, unmap_notdef

__all__ = ["FAMILY", "DocumentPdf", "Font", "find_font", "xmp_metadata"]

FAMILY = "document"
_OUTSIDE_LATIN1 = {
    "œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "‚": ",", "“": '"', "”": '"', "„": '"', "—": "-", "–": "-",
    "‑": "-", "…": "...", "€": "EUR", "\u202f": " ", "\u2009": " ", "\u200b": "", "•": "-", "™": "(TM)",
}  # fmt: skip


def xmp_metadata(title: str, author: str, creator: str) -> str:
    """The XMP packet PDF/UA-1 asks for: the title (dc:title) and the claim of conformance (pdfuaid:part 1)."""
    return "\n".join(
        (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"',
            '    xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">',
            "   <dc:format>application/pdf</dc:format>",
            f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>',
            f"   <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>",
            f"   <dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>",
            f"   <xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>",
            "   <pdfuaid:part>1</pdfuaid:part>",
            "  </rdf:Description>",
            " </rdf:RDF>",
            "</x:xmpmeta>",
        )
    )


class DocumentPdf(TaggedPdf):
    """An A4 tagged document with a Unicode font when one is found, and the blocks documents are made of.

    `title` is the document's heading (its H1, and the title a reader shows); `running_head` the words of
    its footer, the title by default."""

    def __init__(self, font: Font, title: str, *, author: str, creator: str, running_head: str | None = None) -> None:
        super().__init__(format="A4")
        self.font_choice = font
        self.doc_title = running_head or title
        if font.regular is not None:
            self.add_font(FAMILY, "", str(font.regular))
            self.add_font(FAMILY, "B", str(font.bold or font.regular))
            for style in ("", "B"):
                unmap_notdef(self.fonts[FAMILY + style])
            self.family_name = FAMILY
        else:
            self.family_name = "helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(self.safe(title))
        self.set_author(self.safe(author))
        self.set_creator(self.safe(creator))
        self.set_xmp_metadata(xmp_metadata(self.safe(title), self.safe(author), self.safe(creator)))

    def safe(self, value: object) -> str:
        """`value` as text the chosen font can draw."""
        text = "" if value is None else str(value)
        if self.font_choice.unicode:
            return text
        for char, replacement in _OUTSIDE_LATIN1.items():
            text = text.replace(char, replacement)
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        with self.artifact("Pagination"):
            self.set_y(-12)
            self.set_font(self.family_name, "", 8)
            self.cell(0, 8, self.safe(f"{self.doc_title} — page {self.page_no()}/{{nb}}"), align="C")

    def main_heading(self, text: str, *, size: float = 15, line_height: float = 8, align: str = "J") -> None:
        """The document's heading (H1), on one or more lines."""
        with self.content("H1"):
            self.set_font(self.family_name, "B", size)
            self.multi_cell(0, line_height, self.safe(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        """A section's heading (H2)."""
        self.ln(3)
        with self.content("H2"):
            self.set_font(self.family_name, "B", 11)
            self.set_text_color(0, 0, 145)
            self.cell(0, 7, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(self.family_name, "", 9)

    def paragraph(self, text: str, *, size: float = 9, line_height: float = 5.5, bold: bool = False) -> None:
        """A paragraph (P); long text wraps."""
        with self.content("P"):
            self.set_font(self.family_name, "B" if bold else "", size)
            self.multi_cell(0, line_height, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullets(self, items: Sequence[str], *, size: float = 10, line_height: float = 5.5, after: float = 1.5) -> None:
        """A list (L → LI → LBody), each item indented behind a bullet."""
        with self.structure("L"):
            for item in items:
                with self.structure("LI"), self.content("LBody"):
                    self.set_font(self.family_name, "", size)
                    self.set_x(self.l_margin + 4)
                    self.multi_cell(0, line_height, self.safe("• " + item), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.ln(after)

    def pairs(self, rows: Iterable[tuple[str, object]]) -> None:
        """Label / value lines, each a paragraph; long values wrap."""
        for label, value in rows:
            with self.content("P"):
                self.set_font(self.family_name, "B", 9)
                self.cell(48, 5.5, self.safe(label))
                self.set_font(self.family_name, "", 9)
                self.multi_cell(
                    0, 5.5, self.safe(value if value not in (None, "") else "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )

    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]) -> None:
        """A table (Table → TR → TH heading its column, TD); « Aucun élément. » when it has no row."""
        if not rows:
            with self.content("P"):
                self.set_font(self.family_name, "", 9)
                self.cell(0, 6, self.safe("Aucun élément."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        table = TaggedTable(
            self, col_widths=tuple(widths), text_align="LEFT", line_height=5, first_row_as_headings=True
        )
        row = table.row()
        for header in headers:
            row.cell(self.safe(header))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(self.safe(value if value not in (None, "") else "-"))
        with self.structure("Table"):
            table.render()
