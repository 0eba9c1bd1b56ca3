"""A `ViewDatabase` for replay: projection writes are buffered into ordered bulk writes.

Projections keep their code; writes are queued per collection (order kept within a collection) and
sent in bulk, and any read first flushes what is queued, so a projection always reads its own writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from chassis.views import Sort

Doc = dict[str, Any]
FLUSH_EVERY = 1000


class BufferedDatabase:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._queued: dict[str, list[Any]] = {}
        self._count = 0

    def __getitem__(self, name: str) -> BufferedCollection:
        return BufferedCollection(self, name)

    async def queue(self, collection: str, operation: Any) -> None:
        self._queued.setdefault(collection, []).append(operation)
        self._count += 1
        if self._count >= FLUSH_EVERY:
            await self.flush()

    async def flush(self) -> None:
        queued, self._queued, self._count = self._queued, {}, 0
        for collection, operations in queued.items():
            await self._db[collection].bulk_write(operations, ordered=True)

    def real(self, name: str) -> Any:
        return self._db[name]


class BufferedCollection:
    def __init__(self, buffer: BufferedDatabase, name: str) -> None:
        self._buffer = buffer
        self.name = name

    async def insert_one(self, document: Doc) -> None:
        await self._buffer.queue(self.name, InsertOne(document))

    async def update_one(self, filter: Doc, update: Any, *, upsert: bool = False) -> None:
        await self._buffer.queue(self.name, UpdateOne(filter, update, upsert=upsert))

    async def update_many(self, filter: Doc, update: Any, *, upsert: bool = False) -> None:
        await self._buffer.queue(self.name, UpdateMany(filter, update, upsert=upsert))

    async def replace_one(self, filter: Doc, replacement: Doc, *, upsert: bool = False) -> None:
        await self._buffer.queue(self.name, ReplaceOne(filter, replacement, upsert=upsert))

    async def delete_one(self, filter: Doc) -> None:
        await self._buffer.queue(self.name, DeleteOne(filter))

    async def delete_many(self, filter: Doc) -> None:
        await self._buffer.queue(self.name, DeleteMany(filter))

    async def find_one(self, filter: Doc, projection: Mapping[str, Any] | None = None) -> Doc | None:
        await self._buffer.flush()
        result: Doc | None = await self._buffer.real(self.name).find_one(filter, projection)
        return result

    async def count_documents(self, filter: Doc) -> int:
        await self._buffer.flush()
        return int(await self._buffer.real(self.name).count_documents(filter))

    def find(
        self, filter: Doc, projection: Mapping[str, Any] | None = None, *, sort: Sort = None
    ) -> AsyncIterator[Doc]:
        async def rows() -> AsyncIterator[Doc]:
            await self._buffer.flush()
            async for doc in self._buffer.real(self.name).find(filter, projection, sort=sort):
                yield doc

        return rows()
