"""PDF documents with fpdf2: a Unicode font when the machine has one, latin-1 otherwise.

fpdf2 ships no Unicode font. A TTF is looked for (the configured one, DejaVu Sans or Liberation Sans
where the system or matplotlib has them); without one the core Helvetica is used, whose latin-1
covers French accents, and the few characters outside it are transliterated (œ → oe, € → EUR).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FAMILY = "document"
_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
)  # fmt: skip
_OUTSIDE_LATIN1 = {
    "œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "‚": ",", "“": '"', "”": '"', "„": '"', "—": "-", "–": "-",
    "‑": "-", "…": "...", "€": "EUR", "\u202f": " ", "\u2009": " ", "\u200b": "", "•": "-", "™": "(TM)",
}  # fmt: skip


@dataclass(frozen=True)
class Font:
    """A Unicode TTF (regular and bold), or None for the core fonts."""

    regular: Path | None
    bold: Path | None

    @property
    def unicode(self) -> bool:
        return self.regular is not None


@cache
def find_font(configured: str | None = None) -> Font:
    if configured:
        path = Path(configured)
        if path.is_file():
            bold_path = path.with_name(path.stem + "-Bold" + path.suffix)
            return Font(path, bold_path if bold_path.is_file() else path)
    candidates = list(_CANDIDATES)
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        fonts = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        candidates.append((str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")))
    for regular, bold in candidates:
        if Path(regular).is_file():
            return Font(Path(regular), Path(bold) if Path(bold).is_file() else Path(regular))
    return Font(None, None)


class DocumentPdf(FPDF):
    """An A4 document with a Unicode font when one is found, and a few layout helpers."""

    def __init__(self, font: Font, title: str, *, author: str, creator: str) -> None:
        super().__init__(format="A4")
        self.font_choice = font
        self.doc_title = title
        if font.regular is not None:
            self.add_font(FAMILY, "", str(font.regular))
            self.add_font(FAMILY, "B", str(font.bold or font.regular))
            self.family_name = FAMILY
        else:
            self.family_name = "helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(self.safe(title))
        self.set_author(self.safe(author))
        self.set_creator(self.safe(creator))

    def safe(self, value: object) -> str:
        """`value` as text the chosen font can draw."""
        text = "" if value is None else str(value)
        if self.font_choice.unicode:
            return text
        for char, replacement in _OUTSIDE_LATIN1.items():
            text = text.replace(char, replacement)
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.cell(0, 8, self.safe(f"{self.doc_title} — page {self.page_no()}/{{nb}}"), align="C")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(self.family_name, "B", 11)
        self.set_text_color(0, 0, 145)
        self.cell(0, 7, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(self.family_name, "", 9)

    def pairs(self, rows: Iterable[tuple[str, object]]) -> None:
        """Label / value lines; long values wrap."""
        for label, value in rows:
            self.set_font(self.family_name, "B", 9)
            self.cell(48, 5.5, self.safe(label))
            self.set_font(self.family_name, "", 9)
            self.multi_cell(
                0, 5.5, self.safe(value if value not in (None, "") else "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )

    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]) -> None:
        if not rows:
            self.set_font(self.family_name, "", 9)
            self.cell(0, 6, self.safe("Aucun élément."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        with self.table(
            col_widths=tuple(widths), text_align="LEFT", line_height=5, first_row_as_headings=True
        ) as table:
            row = table.row()
            for header in headers:
                row.cell(self.safe(header))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.safe(value if value not in (None, "") else "-"))
