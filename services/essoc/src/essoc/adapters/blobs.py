"""Attachment contents in GridFS, stored under the attachment's id, encrypted with their owner's key (the requester
of the request or the draft, the author of the ticket: `chassis.blob_cipher`, decision 0031).

GridFS cannot write inside a multi-document transaction, so the content is stored before the
event that refers to it, and deleted again when that event is refused. A crash in between leaves
content no event refers to: `sweep_orphans` deletes it after a grace period.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import IO, Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from chassis.blob_cipher import BlobCipher

BUCKET = "attachments"
OwnerOf = Callable[[str], Awaitable[str | None]]


class AttachmentStore:
    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], cipher: BlobCipher | None = None, owner_of: OwnerOf | None = None
    ) -> None:
        self.db = db
        self.bucket = AsyncGridFSBucket(db, bucket_name=BUCKET)
        self.files = db[f"{BUCKET}.files"]
        self.cipher = cipher
        self.owner_of = owner_of
        """The owner of a request's, draft's or ticket's stream (its opening event names them), None before it."""

    async def put(
        self,
        blob_id: str,
        filename: str,
        stream: IO[bytes],
        *,
        request_id: str,
        sha256: str,
        uploader: str | None = None,
    ) -> None:
        """Stores the content, encrypted with the key of the stream's owner (else of `uploader`, who opens it);
        the file's name stays in the event (encrypted there), GridFS keeps the id only."""
        stream.seek(0)
        metadata: dict[str, Any] = {"request_id": request_id, "sha256": sha256}
        owner = (await self.owner_of(request_id) if self.owner_of else None) or uploader
        if self.cipher is not None and owner:
            content, sealed = await self.cipher.seal(blob_id, owner, stream.read())
            stream, filename, metadata = BytesIO(content), blob_id, metadata | sealed
        await self.bucket.upload_from_stream_with_id(blob_id, filename, stream, metadata=metadata)

    async def open(self, blob_id: str) -> AsyncIterator[bytes] | None:
        """The content in chunks, or None when nothing is stored under that id (or its owner's key is erased)."""
        try:
            download = await self.bucket.open_download_stream(blob_id)
        except NoFile:
            return None
        meta = dict(download.metadata or {})
        if self.cipher is not None and "enc" in meta:
            try:
                stored = await download.read()
            finally:
                await download.close()
            content = await self.cipher.open(blob_id, meta, stored)
            return None if content is None else _once(content)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await download.readchunk():
                    yield chunk
            finally:
                await download.close()

        return chunks()

    async def delete(self, blob_id: str) -> None:
        try:
            await self.bucket.delete(blob_id)
        except NoFile:
            pass

    async def sweep_orphans(
        self, is_referred_to: Callable[[str], Awaitable[bool]], grace: timedelta, now: datetime | None = None
    ) -> int:
        """Deletes content older than `grace` that no event refers to; returns how many."""
        cutoff = (now or datetime.now(UTC)) - grace
        stale = [str(doc["_id"]) async for doc in self.files.find({"uploadDate": {"$lt": cutoff}}, {"_id": 1})]
        removed = 0
        for blob_id in stale:
            if not await is_referred_to(blob_id):
                await self.delete(blob_id)
                removed += 1
        return removed


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content
