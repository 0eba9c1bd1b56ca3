"""Tagged PDF (PDF/UA-1, RGAA 13.3): the structure tree a document's drawing code builds as it draws.

fpdf2 tags images and links in a flat tree under /Document. A document needs nesting (Table → TR → TH/TD,
L → LI → LBody) and content that runs over a page break, so `TaggedPdf` keeps a stack of open structure
elements, marks each piece of drawn content with an MCID under its element, and everything that is not
content (footers, page numbers, rules, boxes to tick) as an artifact. The tree is fpdf2's own objects, written
by fpdf2's output; only how they are nested is ours.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.prefs import ViewerPreferences
from fpdf.structure_tree import StructElem, StructureTreeBuilder
from fpdf.syntax import PDFObject, PDFString
from fpdf.table import Table

if TYPE_CHECKING:
    from fpdf.encryption import StandardSecurityHandler
    from fpdf.output import PDFPage
    from fpdf.table import Cell, RowLayoutInfo

LANGUAGE = "fr-FR"
COLUMN_HEADER = "<</O /Table /Scope /Column>>"
"""The attributes of a table's heading cell: it heads its column (PDF/UA-1 § 7.5)."""


def unmap_notdef(font: object) -> None:
    """fpdf2 maps a font subset's .notdef glyph to U+0000 in its ToUnicode CMap, which PDF/UA-1 forbids
    (ISO 14289-1 § 7.21.7); the glyph is never drawn, so it maps to nothing."""
    subset = getattr(font, "subset", None)
    for glyph, code in subset.items() if subset is not None else ():
        if code == 0 and glyph is not None and glyph.unicode == (0,):
            glyph.unicode = ()


class StructureElement(StructElem):
    """A structure element with its attributes (`/A`), e.g. a heading cell's scope."""

    __slots__ = ("a",)

    def __init__(self, role: str, parent: PDFObject, page: PDFPage, page_number: int, attributes: str | None) -> None:
        super().__init__(struct_type=f"/{role}", parent=parent, kids=[], page_number=page_number)
        self.pg = page  # type: ignore[assignment]  # fpdf2 types it None until output sets it
        self.a = attributes


class MarkedContentReference:
    """Content of an element drawn on another page than the one the element starts on (`/MCR` with its `/Pg`)."""

    def __init__(self, page: PDFPage, mcid: int) -> None:
        self.page = page
        self.mcid = mcid

    def serialize(self, _security_handler: StandardSecurityHandler | None = None, _obj_id: int | None = None) -> str:
        return f"<</Type /MCR /Pg {self.page.ref} /MCID {self.mcid}>>"


class StructureTree(StructureTreeBuilder):
    """fpdf2's structure tree builder, with elements nested under the open one instead of all under /Document."""

    def __init__(self, pages: dict[int, PDFPage]) -> None:
        super().__init__()
        self.pages = pages
        self.open: list[StructElem] = [self.doc_struct_elem]
        self.elements: list[StructElem] = []
        self.struct_parents: dict[int, int] = {}  # page number → the page's key in the parent tree

    def element(self, role: str, page_number: int, attributes: str | None = None) -> StructureElement:
        parent = self.open[-1]
        element = StructureElement(role, parent, self.pages[page_number], page_number, attributes)
        parent.k.append(element)
        self.elements.append(element)
        return element

    def mark(self, element: StructElem, page_number: int) -> tuple[int, int]:
        """A new MCID on `page_number` for `element`'s content, and the page's /StructParents."""
        key = self.struct_parents.setdefault(page_number, len(self.struct_parents))
        marked = self.struct_tree_root.parent_tree.nums[key]  # the page's elements, indexed by MCID
        mcid = len(marked)
        marked.append(element)
        own_page = element.page_number() == page_number
        element.k.append(mcid if own_page else MarkedContentReference(self.pages[page_number], mcid))
        return mcid, key

    # fpdf2's own calls (an image's alternative text, a link) land under the open element.
    def add_marked_content(
        self,
        page_number: int,
        struct_type: str,
        mcid: int | None = None,
        title: str | None = None,
        alt_text: str | None = None,
    ) -> tuple[StructElem, int]:
        element = self.element(struct_type.lstrip("/"), page_number)
        element.t = None if title is None else PDFString(title)
        element.alt = None if alt_text is None else PDFString(alt_text)
        if mcid is None:
            return element, self.struct_parents.setdefault(page_number, len(self.struct_parents))
        return element, self.mark(element, page_number)[1]

    def next_mcid_for_page(self, page_number: int) -> int:
        key = self.struct_parents.get(page_number)
        return 0 if key is None else len(self.struct_tree_root.parent_tree.nums[key])

    def __iter__(self) -> Iterator[PDFObject]:
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        yield from self.elements


class TaggedPdf(FPDF):
    """An FPDF whose content is tagged: in French, its title shown by the viewer, every drawing in an element
    (`content`, `structure`) or an artifact."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.structure_tree = StructureTree(self.pages)
        self.struct_builder = self.structure_tree
        self.marking: StructElem | None = None
        self.artifact_kind: str | None = None  # the artifact being drawn, if any
        self.set_lang(LANGUAGE)
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)

    @contextmanager
    def structure(self, role: str) -> Iterator[None]:
        """A grouping element (Table, TR, L, LI): the elements made inside are its children."""
        if self.artifact_kind is not None:
            yield
            return
        self.structure_tree.open.append(self.structure_tree.element(role, self.page))
        try:
            yield
        finally:
            self.structure_tree.open.pop()

    @contextmanager
    def content(self, role: str, attributes: str | None = None) -> Iterator[None]:
        """An element whose content is what is drawn inside (H1, H2, P, TH, TD, LBody)."""
        if self.artifact_kind is not None:
            yield
            return
        assert self.marking is None, "marked content does not nest"
        self._begin(self.structure_tree.element(role, self.page, attributes))
        try:
            yield
        finally:
            self._end()

    @contextmanager
    def artifact(self, kind: str = "Layout") -> Iterator[None]:
        """What is drawn inside is no content: a page's footer (`Pagination`), a rule, a box (`Layout`)."""
        if self.artifact_kind is not None:
            yield
            return
        marking = self.marking
        if marking is not None:  # an artifact never sits inside tagged content
            self._end()
        self._out(f"/Artifact <</Type /{kind}>> BDC")
        self.artifact_kind = kind
        try:
            yield
        finally:
            self._out("EMC")
            self.artifact_kind = None
            if marking is not None:
                self._begin(marking)

    def add_page(self, *args: object, **kwargs: object) -> None:
        """A page break closes what is open on its page (content or artifact) and carries on with it on the next."""
        marking, kind = self.marking, self.artifact_kind
        if marking is not None:
            self._end()
        if kind is not None:
            self._out("EMC")
            self.artifact_kind = None
        super().add_page(*args, **kwargs)  # type: ignore[arg-type]
        if kind is not None:
            self._out(f"/Artifact <</Type /{kind}>> BDC")
            self.artifact_kind = kind
        if marking is not None:
            self._begin(marking)

    def _begin(self, element: StructElem) -> None:
        mcid, key = self.structure_tree.mark(element, self.page)
        self.pages[self.page].struct_parents = key
        self._out(f"{element.s} <</MCID {mcid}>> BDC")
        self.marking = element

    def _end(self) -> None:
        self._out("EMC")
        self.marking = None


class TaggedTable(Table):
    """fpdf2's table as a Table element: each row a TR, each cell a TH heading its column or a TD; the heading
    rows repeated at the top of a new page are artifacts."""

    def __init__(self, pdf: TaggedPdf, rows: Sequence[str] = (), **kwargs: object) -> None:
        super().__init__(pdf, rows, **kwargs)  # type: ignore[arg-type]
        self.tagged = pdf
        self.drawn: set[int] = set()

    def _render_table_row(
        self,
        i: int,
        row_layout_info: RowLayoutInfo,
        cell_x_positions: Sequence[float] | None,
        **kwargs: object,
    ) -> None:
        if i in self.drawn:
            with self.tagged.artifact("Pagination"):
                super()._render_table_row(i, row_layout_info, cell_x_positions, **kwargs)
            return
        self.drawn.add(i)
        with self.tagged.structure("TR"):
            super()._render_table_row(i, row_layout_info, cell_x_positions, **kwargs)

    def _render_table_cell(
        self,
        i: int,
        j: int,
        cell: Cell,
        row_height: float,
        cell_height_info: RowLayoutInfo | None = None,
        cell_x_positions: Sequence[float] | None = None,
        **kwargs: object,
    ) -> tuple[bool, float, float]:
        if cell_height_info is None:  # only measuring
            return super()._render_table_cell(i, j, cell, row_height, cell_height_info, cell_x_positions, **kwargs)
        heading = i < self._num_heading_rows
        with self.tagged.content("TH" if heading else "TD", COLUMN_HEADER if heading else None):
            return super()._render_table_cell(i, j, cell, row_height, cell_height_info, cell_x_positions, **kwargs)
