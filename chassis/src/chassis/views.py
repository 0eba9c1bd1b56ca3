"""What a projection may do to its read models, live (inside the writing transaction) or in replay.

Projections write through `ViewDatabase`: live, every call joins the transaction of the event that
caused it (the session is bound here, not passed by each projection); in replay, `BufferedDatabase`
batches the same calls into bulk writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
Sort = Sequence[tuple[str, int]] | None


@dataclass(frozen=True)
class Index:
    """An index a projection needs on one of its collections: `keys` as (field, 1 or -1) pairs."""

    collection: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False


class ViewCollection(Protocol):
    async def insert_one(self, document: Doc) -> None: ...
    async def update_one(self, filter: Doc, update: Any, *, upsert: bool = False) -> None: ...
    async def update_many(self, filter: Doc, update: Any, *, upsert: bool = False) -> None: ...
    async def replace_one(self, filter: Doc, replacement: Doc, *, upsert: bool = False) -> None: ...
    async def delete_one(self, filter: Doc) -> None: ...
    async def delete_many(self, filter: Doc) -> None: ...
    async def find_one(self, filter: Doc, projection: Mapping[str, Any] | None = None) -> Doc | None: ...
    def find(
        self, filter: Doc, projection: Mapping[str, Any] | None = None, *, sort: Sort = None
    ) -> AsyncIterator[Doc]: ...
    async def count_documents(self, filter: Doc) -> int: ...


class ViewDatabase(Protocol):
    def __getitem__(self, name: str) -> ViewCollection: ...


class BoundCollection:
    """A collection whose every call runs in one session (the writing transaction)."""

    def __init__(self, db: AsyncDatabase[Doc], name: str, session: AsyncClientSession | None) -> None:
        self._collection = db[name]
        self._session = session

    async def insert_one(self, document: Doc) -> None:
        await self._collection.insert_one(document, session=self._session)

    async def update_one(self, filter: Doc, update: Any, *, upsert: bool = False) -> None:
        await self._collection.update_one(filter, update, upsert=upsert, session=self._session)

    async def update_many(self, filter: Doc, update: Any, *, upsert: bool = False) -> None:
        await self._collection.update_many(filter, update, upsert=upsert, session=self._session)

    async def replace_one(self, filter: Doc, replacement: Doc, *, upsert: bool = False) -> None:
        await self._collection.replace_one(filter, replacement, upsert=upsert, session=self._session)

    async def delete_one(self, filter: Doc) -> None:
        await self._collection.delete_one(filter, session=self._session)

    async def delete_many(self, filter: Doc) -> None:
        await self._collection.delete_many(filter, session=self._session)

    async def find_one(self, filter: Doc, projection: Mapping[str, Any] | None = None) -> Doc | None:
        return await self._collection.find_one(filter, projection, session=self._session)

    def find(
        self, filter: Doc, projection: Mapping[str, Any] | None = None, *, sort: Sort = None
    ) -> AsyncIterator[Doc]:
        return self._collection.find(filter, projection, sort=sort, session=self._session)

    async def count_documents(self, filter: Doc) -> int:
        return await self._collection.count_documents(filter, session=self._session)


class BoundDatabase:
    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None:
        self._db = db
        self._session = session

    def __getitem__(self, name: str) -> BoundCollection:
        return BoundCollection(self._db, name, self._session)
