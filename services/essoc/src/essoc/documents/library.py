"""The documents as the service serves them: drawn once, on first demand, then kept (they change only with a new
release), each with the ETag of its bytes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from chassis.pdf_fonts import Font
from chassis.renderer import Renderer, shared_renderer
from essoc.documents.catalogue import DOCUMENTS, Document

DRAW = "essoc.documents.render:draw"
"""Drawn in the renderer's process (decision 0035): the service never imports fpdf2."""


@dataclass(frozen=True)
class RenderedDocument:
    document: Document
    content: bytes

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.content).hexdigest()[:32] + '"'


class DocumentLibrary:
    def __init__(
        self,
        font: Font,
        field_domains: Sequence[str],
        documents: Sequence[Document] = DOCUMENTS,
        renderer: Renderer | None = None,
    ) -> None:
        self.font = font
        self.renderer = renderer or shared_renderer()
        self.field_domains = tuple(field_domains)
        self.documents = tuple(documents)
        self._rendered: dict[str, RenderedDocument] = {}
        self._lock = asyncio.Lock()

    async def rendered(self, document_id: str) -> RenderedDocument | None:
        found = next((d for d in self.documents if d.id == document_id), None)
        if found is None:
            return None
        async with self._lock:
            if document_id not in self._rendered:
                content = await self.renderer.render(DRAW, found, font=self.font, field_domains=self.field_domains)
                self._rendered[document_id] = RenderedDocument(found, content)
        return self._rendered[document_id]

    async def listing(self) -> list[RenderedDocument]:
        return [r for d in self.documents if (r := await self.rendered(d.id)) is not None]
