"""The stream heads each seal covers, stored as what changed since the seal before (decision 0034).

A seal's rows in `seal_heads` are the heads of the streams appended to since the previous seal; the first
seal's, and those of the seals made before this change, hold every head (the seal document says `heads:
"full"`, or nothing). The heads a seal covers are then, for each stream, its row in the latest seal at or
before it: rebuilt from the latest full seal at or before it and the deltas after it, in seal order.

The changes since a seal are read from the log by position (the events appended after it), never the whole
log: for each stream appended to, its first new event (which must follow the sealed head: the next version,
chained to the sealed hash) and its last (the new head).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts.audit import StreamHead, heads_root

Doc = dict[str, Any]
SEALS = "seals"
SEAL_HEADS = "seal_heads"
FULL, DELTA = "full", "delta"
"""The `heads` of a seal document: its rows are every head, or only those changed since the seal before."""


@dataclass
class Appended:
    """What the events appended in a range of positions did to the streams: for each stream, its first new
    event (version and `prev_hash`) and its new head."""

    first: dict[str, tuple[int, str]] = field(default_factory=dict)
    heads: dict[str, StreamHead] = field(default_factory=dict)
    events: int = 0
    last_position: int = 0

    def add(self, position: int, stream_id: str, version: int, hash_: str, prev_hash: str) -> None:
        self.events += 1
        self.last_position = max(self.last_position, position)
        first = self.first.get(stream_id)
        if first is None or version < first[0]:
            self.first[stream_id] = (version, prev_hash)
        head = self.heads.get(stream_id)
        if head is None or version > head.version:
            self.heads[stream_id] = StreamHead(stream_id, version, hash_)

    def unlinked(self, sealed: dict[str, StreamHead]) -> list[str]:
        """The streams whose first new event does not follow their sealed head (the next version, chained to
        the sealed hash): rewritten, or an event removed or inserted, since that seal."""
        broken = []
        for stream_id, (version, prev_hash) in sorted(self.first.items()):
            head = sealed.get(stream_id)
            if head is not None and (version != head.version + 1 or prev_hash != head.hash):
                broken.append(stream_id)
        return broken


class SealedHeadBook:
    """The `seal_heads` rows of a service's seals: writing a seal's delta, rebuilding the heads a seal
    covers, finding one stream's sealed head, and reading what was appended since a position."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.events = db["events"]
        self.seals = db[SEALS]
        self.rows = db[SEAL_HEADS]

    async def ensure_indexes(self) -> None:
        await self.rows.create_index([("seal", ASCENDING), ("stream_id", ASCENDING)], unique=True)
        await self.rows.create_index([("stream_id", ASCENDING), ("seal", DESCENDING)])

    @staticmethod
    def documents(seq: int, heads: Iterable[StreamHead]) -> list[Doc]:
        return [{"seal": seq, "stream_id": h.stream_id, "version": h.version, "hash": h.hash} for h in heads]

    async def heads_at(self, seq: int) -> dict[str, StreamHead]:
        """The heads seal `seq` covers, as stored: the rows of the latest full seal at or before it, then
        those of each seal after it, in order, a later row replacing an earlier one."""
        base = await self.seals.find_one(
            {"_id": {"$lte": seq}, "heads": {"$ne": DELTA}}, {"_id": 1}, sort=[("_id", DESCENDING)]
        )
        return await self.advance({}, int(base["_id"]) - 1 if base else 0, seq)

    async def advance(self, heads: dict[str, StreamHead], after: int, seq: int) -> dict[str, StreamHead]:
        """`heads` (those of seal `after`) with the rows of the seals after it up to `seq` applied, in order."""
        cursor = self.rows.find(
            {"seal": {"$gt": after, "$lte": seq}}, {"_id": 0, "seal": 0}, sort=[("seal", ASCENDING)]
        )
        async for d in cursor:
            heads[d["stream_id"]] = StreamHead(d["stream_id"], int(d["version"]), d["hash"])
        return heads

    async def of_stream(self, stream_id: str, seq: int) -> StreamHead | None:
        """The head of `stream_id` that seal `seq` covers: its row in the latest seal at or before it."""
        doc = await self.rows.find_one({"stream_id": stream_id, "seal": {"$lte": seq}}, sort=[("seal", DESCENDING)])
        return StreamHead(stream_id, int(doc["version"]), doc["hash"]) if doc else None

    async def appended(self, after: int) -> Appended:
        """What the events after position `after` did to the streams, read forwards by the `position` index.
        What is read is a prefix of the log (positions are committed in their order: decision 0001), up to
        `last_position`."""
        found = Appended()
        fields = {"_id": 0, "position": 1, "stream_id": 1, "version": 1, "hash": 1, "prev_hash": 1}
        async for d in self.events.find({"position": {"$gt": after}}, fields, sort=[("position", ASCENDING)]):
            found.add(int(d["position"]), str(d["stream_id"]), int(d["version"]), str(d["hash"]), str(d["prev_hash"]))
        return found


@dataclass(frozen=True)
class _Known:
    seq: int
    root: str
    heads: dict[str, StreamHead]


class CoveredHeads:
    """The heads the latest seal this process made or read covers, checked against its signed root: what the
    next seal starts from, and what a stream's sealed head is checked against, without reading every row."""

    def __init__(self, book: SealedHeadBook) -> None:
        self.book = book
        self._known: _Known | None = None

    def keep(self, seq: int, root: str, heads: dict[str, StreamHead]) -> None:
        self._known = _Known(seq, root, heads)

    async def of(self, seq: int, root: str) -> dict[str, StreamHead] | None:
        """The heads seal `seq` covers, when they give its signed `root`: those kept, advanced by the rows of
        the seals since, else rebuilt from the rows; None when the rows do not give it (`seal_heads` altered).
        The caller must not change them."""
        known = self._known
        if known is not None and known.seq == seq and known.root == root:
            return known.heads
        if known is not None and known.seq < seq:
            heads = await self.book.advance(dict(known.heads), known.seq, seq)
            if await asyncio.to_thread(heads_root, heads.values()) == root:
                self.keep(seq, root, heads)
                return heads
        heads = await self.book.heads_at(seq)
        if await asyncio.to_thread(heads_root, heads.values()) == root:
            self.keep(seq, root, heads)
            return heads
        return None
