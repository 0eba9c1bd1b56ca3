"""The documents as the service serves them: drawn once, on first demand, then kept (they change only with a new
release), each with the ETag of its bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from chassis.pdf import Font
from essoc.documents.catalogue import DOCUMENTS, Document
from essoc.documents.render import RenderedDocument, render_document


class DocumentLibrary:
    def __init__(self, font: Font, field_domains: Sequence[str], documents: Sequence[Document] = DOCUMENTS) -> None:
        self.font = font
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
                self._rendered[document_id] = await asyncio.to_thread(
                    render_document, found, font=self.font, field_domains=self.field_domains
                )
        return self._rendered[document_id]

    async def listing(self) -> list[RenderedDocument]:
        return [r for d in self.documents if (r := await self.rendered(d.id)) is not None]
