"""« Mes données » drawn as a tagged PDF (PDF/UA-1, `chassis.pdf.DocumentPdf`) in the renderer's process
(decision record 0035): the portal never imports this module, it names it (`pdf_content` shapes what is drawn)."""

from __future__ import annotations

from typing import Any

from chassis.pdf import DocumentPdf, find_font


def draw(document: dict[str, Any]) -> bytes:
    pdf = DocumentPdf(find_font(), document["title"], author="DGDDI", creator="Portail des téléservices de la douane")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.main_heading(document["title"], align="L")
    for block in document["blocks"]:
        if "heading" in block:
            pdf.heading(block["heading"])
        elif "paragraph" in block:
            pdf.paragraph(block["paragraph"], bold=bool(block.get("bold")))
        elif "pairs" in block:
            pdf.pairs((label, value) for label, value in block["pairs"])
        else:
            pdf.grid(block["grid"], block["rows"], block["widths"])
    return bytes(pdf.output())
