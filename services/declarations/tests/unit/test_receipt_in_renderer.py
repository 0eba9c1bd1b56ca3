"""The receipt drawn in the renderer's process (decision 0035) is the receipt drawn in place: same pages, same
text, same tagging; the service asks for it by name and never imports fpdf2 to get it."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from test_declaration_reference import _doc

from chassis.renderer import Renderer
from declarations.adapters import receipt_pdf
from declarations.entrypoints import views
from declarations.entrypoints.http.records import RECEIPT


def _pages(content: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


async def test_the_receipt_from_the_renderer_is_the_receipt_drawn_in_place() -> None:
    view = views.detail(_doc())
    renderer = Renderer()
    try:
        drawn = await renderer.render(RECEIPT, view, None)
    finally:
        renderer.close()
    in_place = receipt_pdf.render(view, None)
    assert drawn.startswith(b"%PDF")
    assert _pages(drawn) == _pages(in_place)
    assert "OM-974-2026-T3-0974000789" in _pages(drawn)[0]
    catalog = PdfReader(io.BytesIO(drawn)).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "fr-FR"
