"""What a tagged PDF must show to be accessible (PDF/UA-1, ISO 14289-1; RGAA 13.3), read back with pypdf:
the catalog's flags, the title and language, the XMP claim, the structure tree, and every drawing in the
page content either tagged content (an MCID the structure tree points to) or an artifact."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
)

TEXT_SHOWING = {b"Tj", b"TJ", b"'", b'"'}
PAINTING = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh", b"Do", b"BI"}
XMP = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}


@dataclass(frozen=True)
class Element:
    """A structure element as read back: its type, its attributes and how deep it sits."""

    role: str
    depth: int
    attributes: DictionaryObject | None


def _resolved(value: PdfObject) -> PdfObject:
    return value.get_object() if isinstance(value, IndirectObject) else value


def elements(reader: PdfReader) -> list[Element]:
    """The structure tree in reading order (depth first), below /StructTreeRoot."""
    found: list[Element] = []

    def walk(node: PdfObject, depth: int) -> None:
        node = _resolved(node)
        if isinstance(node, ArrayObject):
            for kid in node:
                walk(kid, depth)
        elif isinstance(node, DictionaryObject) and node.get("/Type") != "/MCR" and "/S" in node:
            attributes = node.get("/A")
            found.append(Element(str(node["/S"])[1:], depth, _resolved(attributes) if attributes else None))  # type: ignore[arg-type]
            if "/K" in node:
                walk(node["/K"], depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"], 0)
    return found


def _operations(reader: PdfReader, page_number: int) -> Iterator[tuple[list[PdfObject], bytes]]:
    page = reader.pages[page_number]
    yield from ContentStream(page.get_contents(), reader).operations


def unmarked_drawings(reader: PdfReader) -> list[str]:
    """Each text-showing or painting operator that is neither in tagged content nor in an artifact, and each
    artifact or MCID nested in tagged content, as « page N: operator »."""
    faults: list[str] = []
    for number in range(len(reader.pages)):
        stack: list[str] = []
        for operands, operator in _operations(reader, number):
            if operator in (b"BDC", b"BMC"):
                tag = str(operands[0])
                properties = _resolved(operands[1]) if operator == b"BDC" else None
                kind = (
                    "artifact"
                    if tag == "/Artifact"
                    else "content"
                    if (isinstance(properties, DictionaryObject) and "/MCID" in properties)
                    else "other"
                )
                if kind != "other" and any(k in ("content", "artifact") for k in stack):
                    faults.append(f"page {number + 1}: {kind} nested in marked content")
                stack.append(kind)
            elif operator == b"EMC":
                if not stack:
                    faults.append(f"page {number + 1}: EMC closes nothing")
                    continue
                stack.pop()
            elif (operator in TEXT_SHOWING or operator in PAINTING) and not ("content" in stack or "artifact" in stack):
                faults.append(f"page {number + 1}: {operator.decode()} outside marked content")
        if stack:
            faults.append(f"page {number + 1}: marked content left open")
    return faults


def marked_content_ids(reader: PdfReader, page_number: int) -> list[int]:
    return [
        int(_resolved(operands[1])["/MCID"])  # type: ignore[index]
        for operands, operator in _operations(reader, page_number)
        if operator == b"BDC"
        and isinstance(_resolved(operands[1]), DictionaryObject)
        and "/MCID" in _resolved(operands[1])  # type: ignore[operator]
    ]


def xmp_fields(reader: PdfReader) -> tuple[str | None, str | None]:
    """The XMP packet's pdfuaid:part and dc:title."""
    packet = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    tree = ET.fromstring(packet.decode("utf-8").split("?>", 1)[1].rsplit("<?xpacket", 1)[0])
    part = tree.find(".//pdfuaid:part", XMP)
    title = tree.find(".//dc:title/rdf:Alt/rdf:li", XMP)
    return (part.text if part is not None else None, title.text if title is not None else None)


def assert_pdf_ua(content: bytes, *, title: str, roles: set[str]) -> list[Element]:
    """Fails unless `content` is a tagged PDF in French titled `title` whose structure tree holds `roles`."""
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "no structure tree"
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True), "not marked as tagged"
    assert catalog.get("/Lang") == "fr-FR", catalog.get("/Lang")
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True), (
        "the viewer would show the file name"
    )
    assert reader.metadata is not None and reader.metadata.title == title, reader.metadata
    assert xmp_fields(reader) == ("1", title), xmp_fields(reader)
    tree = elements(reader)
    assert tree[0].role == "Document" and tree[1].role == "H1", tree[:2]  # the heading is read first
    assert roles <= {e.role for e in tree}, roles - {e.role for e in tree}
    for heading in (e for e in tree if e.role == "TH"):
        assert heading.attributes is not None and heading.attributes["/Scope"] == NameObject("/Column")
    assert unmarked_drawings(reader) == []
    parent_tree = dict(_pairs(catalog["/StructTreeRoot"]["/ParentTree"]["/Nums"]))
    for number, page in enumerate(reader.pages):
        assert "/Tabs" not in page or page["/Tabs"] == "/S"
        ids = marked_content_ids(reader, number)
        if ids:  # each MCID drawn has its structure element in the parent tree, in order
            assert ids == list(range(len(ids))), ids
            assert len(parent_tree[int(page["/StructParents"])]) == len(ids)
    for font in _fonts(reader):
        descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get(
            "/FontDescriptor"
        )
        assert descriptor is not None and any(
            k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ), f"font {font['/BaseFont']} not embedded"
    return tree


def _pairs(nums: ArrayObject) -> Iterator[tuple[int, ArrayObject]]:
    for i in range(0, len(nums), 2):
        yield int(nums[i]), _resolved(nums[i + 1])  # type: ignore[misc]


def _fonts(reader: PdfReader) -> Iterator[DictionaryObject]:
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = _resolved(resources).get("/Font") if resources else None  # type: ignore[union-attr]
        for font in (_resolved(fonts) or {}).values():  # type: ignore[union-attr]
            yield font.get_object()
