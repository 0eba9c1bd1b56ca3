"""A `ViewDatabase` for replay: the read models are folded in memory and written in bulk, one write per
document per flush instead of one per event.

Replay drops its collections first and is then their only writer, so a document this buffer has seen (read,
inserted, replaced or updated by `_id`) is known exactly in memory: `find_one({"_id": …})` is answered from
there, `replace_one`/`insert_one` replace it there, and `update_one` by `_id` applies the usual operators
there (`$set`, `$setOnInsert`, `$inc`, `$unset`, `$push` with or without `$each`, `$max`, `$min`). A document
never seen is absent while the collection has received nothing but such writes. Every other operation (a
filter on other fields, `update_many`, an operator not listed, a query) first writes what is pending, then
goes to the server, and the documents it may have touched are forgotten: correct first, fast where it can.
Projections keep their code; tests prove the rebuilt models equal the live ones.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from typing import Any

from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from chassis.views import Sort

Doc = dict[str, Any]
FLUSH_EVERY = 1000
"""Pending writes (documents changed, or operations queued) that make the buffer write."""
KEEP_KNOWN = 50_000
"""Documents kept in memory past a flush; beyond, they are forgotten (and read again when needed)."""
ABSENT = object()


class Unsupported(Exception):
    """An update this buffer does not apply in memory: it goes to the server instead."""


class BufferedDatabase:
    def __init__(self, db: AsyncDatabase[Doc], *, fresh: frozenset[str] = frozenset()) -> None:
        """`fresh`: the collections that start empty and that only this buffer writes (those replay dropped);
        in any other, a document not seen yet is read from the server."""
        self._db = db
        self._fresh = fresh
        self._known: dict[str, dict[Any, Any]] = {}
        """Per collection, each document's exact state (or ABSENT)."""
        self._dirty: dict[str, set[Any]] = {}
        self._queued: dict[str, list[Any]] = {}
        self._complete: dict[str, bool] = {}
        """Whether a document unknown here is known to be absent (no raw operation could have made it)."""
        self._count = 0

    def __getitem__(self, name: str) -> BufferedCollection:
        return BufferedCollection(self, name)

    def real(self, name: str) -> Any:
        return self._db[name]

    # ---- the documents known in memory ---------------------------------------------------------------

    def known(self, collection: str, key: Any) -> Any:
        """The document, ABSENT, or None when this buffer cannot tell without asking the server."""
        found = self._known.get(collection, {}).get(key)
        if found is not None:
            return found
        return ABSENT if collection in self._fresh and self._complete.get(collection, True) else None

    def remember(self, collection: str, key: Any, doc: Any) -> None:
        self._known.setdefault(collection, {})[key] = doc

    async def change(self, collection: str, key: Any, doc: Any) -> None:
        """The document as it now is (ABSENT when deleted), written at the next flush."""
        self.remember(collection, key, doc)
        dirty = self._dirty.setdefault(collection, set())
        if key not in dirty:
            dirty.add(key)
            self._count += 1
        if self._count >= FLUSH_EVERY:
            await self.flush()

    # ---- operations sent to the server ---------------------------------------------------------------

    async def queue(self, collection: str, operation: Any) -> None:
        """An operation this buffer does not fold: after what is pending for the collection, in order."""
        await self._write_dirty(collection)
        self._queued.setdefault(collection, []).append(operation)
        self._known.pop(collection, None)  # it may have changed any document of the collection
        self._complete[collection] = False
        self._count += 1
        if self._count >= FLUSH_EVERY:
            await self.flush()

    async def _write_dirty(self, collection: str) -> None:
        dirty = self._dirty.pop(collection, set())
        if not dirty:
            return
        known = self._known.get(collection, {})
        operations: list[Any] = [
            DeleteOne({"_id": key}) if known[key] is ABSENT else ReplaceOne({"_id": key}, known[key], upsert=True)
            for key in dirty
        ]
        self._queued.setdefault(collection, []).extend(operations)

    async def flush(self) -> None:
        for collection in list(self._dirty):
            await self._write_dirty(collection)
        queued, self._queued, self._count = self._queued, {}, 0
        for collection, operations in queued.items():
            if operations:
                await self._db[collection].bulk_write(operations, ordered=True)
        for collection, known in list(self._known.items()):
            if len(known) > KEEP_KNOWN:
                self._known.pop(collection)
                self._complete[collection] = False


class BufferedCollection:
    def __init__(self, buffer: BufferedDatabase, name: str) -> None:
        self._buffer = buffer
        self.name = name

    async def _current(self, key: Any) -> Any:
        """The document `_id = key` as it stands (ABSENT when there is none), read once if not known."""
        found = self._buffer.known(self.name, key)
        if found is None:
            await self._buffer.flush()
            doc = await self._buffer.real(self.name).find_one({"_id": key})
            found = ABSENT if doc is None else doc
            self._buffer.remember(self.name, key, found)
        return found

    async def insert_one(self, document: Doc) -> None:
        if "_id" not in document:
            await self._buffer.queue(self.name, InsertOne(document))
            return
        await self._buffer.change(self.name, document["_id"], copy.deepcopy(document))

    async def update_one(self, filter: Doc, update: Any, *, upsert: bool = False) -> None:
        key = _by_id(filter)
        if key is not None and isinstance(update, Mapping):
            current = await self._current(key)
            if current is ABSENT and not upsert:
                return
            try:
                changed = apply_update(
                    {"_id": key} if current is ABSENT else copy.deepcopy(current), update, inserting=current is ABSENT
                )
            except Unsupported:
                pass
            else:
                await self._buffer.change(self.name, key, changed)
                return
        await self._buffer.queue(self.name, UpdateOne(filter, update, upsert=upsert))

    async def update_many(self, filter: Doc, update: Any, *, upsert: bool = False) -> None:
        await self._buffer.queue(self.name, UpdateMany(filter, update, upsert=upsert))

    async def replace_one(self, filter: Doc, replacement: Doc, *, upsert: bool = False) -> None:
        key = _by_id(filter)
        if key is not None:
            if not upsert and await self._current(key) is ABSENT:
                return
            await self._buffer.change(self.name, key, {**copy.deepcopy(replacement), "_id": key})
            return
        await self._buffer.queue(self.name, ReplaceOne(filter, replacement, upsert=upsert))

    async def delete_one(self, filter: Doc) -> None:
        key = _by_id(filter)
        if key is not None:
            await self._buffer.change(self.name, key, ABSENT)
            return
        await self._buffer.queue(self.name, DeleteOne(filter))

    async def delete_many(self, filter: Doc) -> None:
        await self._buffer.queue(self.name, DeleteMany(filter))

    async def find_one(self, filter: Doc, projection: Mapping[str, Any] | None = None) -> Doc | None:
        key = _by_id(filter)
        if key is not None and projection is None:
            found = await self._current(key)
            return None if found is ABSENT else copy.deepcopy(found)
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


def _by_id(filter: Doc) -> Any:
    """The `_id` a filter names by equality alone, or None."""
    if set(filter) != {"_id"}:
        return None
    key = filter["_id"]
    if isinstance(key, Mapping):
        return None  # an operator ($in…), not a value
    return key


def apply_update(doc: Doc, update: Mapping[str, Any], *, inserting: bool) -> Doc:
    """`update`'s operators applied to `doc` as MongoDB applies them (the ones projections use); Unsupported
    for any other."""
    for operator, fields in update.items():
        if not isinstance(fields, Mapping):
            raise Unsupported(operator)
        for path, value in fields.items():
            if operator == "$set" or (operator == "$setOnInsert" and inserting):
                _set(doc, path, copy.deepcopy(value))
            elif operator == "$setOnInsert":
                continue
            elif operator == "$unset":
                _unset(doc, path)
            elif operator == "$inc":
                _set(doc, path, _get(doc, path, 0) + value)
            elif operator in ("$max", "$min"):
                current = _get(doc, path, None)
                keep = current is not None and (current >= value if operator == "$max" else current <= value)
                if not keep:
                    _set(doc, path, copy.deepcopy(value))
            elif operator == "$push":
                items = _pushed(value)
                current = _get(doc, path, None)
                if current is None:
                    _set(doc, path, items)
                elif isinstance(current, list):
                    current.extend(items)
                else:
                    raise Unsupported("$push on a non-array")
            else:
                raise Unsupported(operator)
    return doc


def _pushed(value: Any) -> list[Any]:
    if isinstance(value, Mapping) and any(str(k).startswith("$") for k in value):
        if set(value) != {"$each"}:
            raise Unsupported("$push modifiers")
        return copy.deepcopy(list(value["$each"]))
    return [copy.deepcopy(value)]


def _parent(doc: Doc, path: str, *, create: bool) -> tuple[Any, str]:
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        if not isinstance(node, dict):
            raise Unsupported("a path through a non-document")
        if part not in node or node[part] is None:
            if not create:
                return None, parts[-1]
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict):
        raise Unsupported("a path through a non-document")
    return node, parts[-1]


def _get(doc: Doc, path: str, default: Any) -> Any:
    parent, last = _parent(doc, path, create=False)
    return default if parent is None else parent.get(last, default)


def _set(doc: Doc, path: str, value: Any) -> None:
    parent, last = _parent(doc, path, create=True)
    parent[last] = value


def _unset(doc: Doc, path: str) -> None:
    parent, last = _parent(doc, path, create=False)
    if parent is not None:
        parent.pop(last, None)
