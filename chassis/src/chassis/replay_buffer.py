"""A database stand-in for replay: projection writes are buffered into ordered bulk writes.

Projections keep their code; writes are queued per collection (order kept within a collection) and
sent in bulk, and any read first flushes what is queued, so a projection always reads its own writes.
Write results are not returned during replay: projections must not depend on them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
FLUSH_EVERY = 1000


class BufferedDatabase:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._queued: dict[str, list[Any]] = {}
        self._count = 0
        self.client = db.client
        self.name = db.name

    def __getitem__(self, name: str) -> BufferedCollection:
        return BufferedCollection(self, name)

    def __getattr__(self, name: str) -> BufferedCollection:
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

    async def insert_one(self, document: Doc, session: Any = None, **_: Any) -> None:
        await self._buffer.queue(self.name, InsertOne(document))

    async def update_one(self, filter: Doc, update: Any, upsert: bool = False, session: Any = None, **kw: Any) -> None:
        await self._buffer.queue(
            self.name, UpdateOne(filter, update, upsert=upsert, array_filters=kw.get("array_filters"))
        )

    async def update_many(self, filter: Doc, update: Any, upsert: bool = False, session: Any = None, **kw: Any) -> None:
        await self._buffer.queue(
            self.name, UpdateMany(filter, update, upsert=upsert, array_filters=kw.get("array_filters"))
        )

    async def replace_one(
        self, filter: Doc, replacement: Doc, upsert: bool = False, session: Any = None, **_: Any
    ) -> None:
        await self._buffer.queue(self.name, ReplaceOne(filter, replacement, upsert=upsert))

    async def delete_one(self, filter: Doc, session: Any = None, **_: Any) -> None:
        await self._buffer.queue(self.name, DeleteOne(filter))

    async def delete_many(self, filter: Doc, session: Any = None, **_: Any) -> None:
        await self._buffer.queue(self.name, DeleteMany(filter))

    async def find_one(self, *args: Any, **kwargs: Any) -> Doc | None:
        await self._buffer.flush()
        kwargs.pop("session", None)
        result: Doc | None = await self._buffer.real(self.name).find_one(*args, **kwargs)
        return result

    async def count_documents(self, *args: Any, **kwargs: Any) -> int:
        await self._buffer.flush()
        kwargs.pop("session", None)
        return int(await self._buffer.real(self.name).count_documents(*args, **kwargs))

    def find(self, *args: Any, **kwargs: Any) -> AsyncIterator[Doc]:
        kwargs.pop("session", None)

        async def rows() -> AsyncIterator[Doc]:
            await self._buffer.flush()
            async for doc in self._buffer.real(self.name).find(*args, **kwargs):
                yield doc

        return rows()

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{name} is not available to a projection during replay")
