"""Attachment contents in GridFS, stored under the attachment's id.

GridFS cannot write inside a multi-document transaction, so the content is stored before the
event that refers to it, and deleted again when that event is refused. A crash in between leaves
content no event refers to: `sweep_orphans` deletes it after a grace period.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

BUCKET = "attachments"


class AttachmentStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.db = db
        self.bucket = AsyncGridFSBucket(db, bucket_name=BUCKET)
        self.files = db[f"{BUCKET}.files"]

    async def put(self, blob_id: str, filename: str, stream: IO[bytes], *, request_id: str, sha256: str) -> None:
        stream.seek(0)
        await self.bucket.upload_from_stream_with_id(
            blob_id, filename, stream, metadata={"request_id": request_id, "sha256": sha256}
        )

    async def open(self, blob_id: str) -> AsyncIterator[bytes] | None:
        """The content in chunks, or None when nothing is stored under that id."""
        try:
            download = await self.bucket.open_download_stream(blob_id)
        except NoFile:
            return None

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
