"""The global position both logs of a service draw from: a counter in MongoDB, taken inside the writing
transaction, and the turn the transactions of this process take on it.

Concurrent writers of the counter conflict (first writer wins), so positions become visible in increasing
order (see `chassis.eventstore`). Within one process, the transactions that take positions from a counter
also take turns (first come, first served) from the moment they take a position until they end: they would
conflict on the counter anyway, and waiting one's turn costs one transaction, where a conflict costs an
aborted transaction, a backoff and the whole work again. Between processes, the counter's write conflict
still decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from chassis.mongo import transaction_scope

Doc = dict[str, Any]


@dataclass
class _Taken:
    """The positions a transaction took: up to `last`, of which the counter on the server says `written`."""

    written: int
    last: int

    def write_to(self, counters: AsyncCollection[Doc]) -> Callable[[AsyncClientSession], Awaitable[None]]:
        async def write(session: AsyncClientSession) -> None:
            if self.last != self.written:
                await counters.update_one({"_id": "position"}, {"$set": {"value": self.last}}, session=session)
                self.written = self.last

        return write


class PositionCounter:
    """The `position` document of `counters`, and the turn of this process's transactions that take from it."""

    def __init__(self, counters: AsyncCollection[Doc]) -> None:
        self.counters = counters
        self.turn = asyncio.Lock()
        """Held by the transaction of this process that takes positions, until it ends (see the module's text)."""

    async def take(self, count: int, session: AsyncClientSession) -> int:
        """The first of `count` positions, taken in the caller's transaction.

        The first take writes the counter on the server: from then on the transaction holds it (any other
        writer conflicts until it ends), so its later takes are counted here and the counter is written
        once more, with their sum, just before the commit.
        """
        scope = transaction_scope()
        if scope is not None:
            await scope.take_turn(self.turn)
            taken: _Taken | None = scope.owned.get(self)
            if taken is not None:
                first = taken.last + 1
                taken.last += count
                return first
        counter = await self.counters.find_one_and_update(
            {"_id": "position"},
            {"$inc": {"value": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        assert counter is not None
        last = int(counter["value"])
        if scope is not None:
            taken = _Taken(written=last, last=last)
            scope.owned[self] = taken
            scope.before_commit(taken.write_to(self.counters))
        return last - count + 1

    async def give_back(self, count: int, session: AsyncClientSession) -> None:
        """The last `count` positions this transaction took, unused: the counter as if they were never taken
        (the transaction holds the counter until it ends, so nobody took any after them)."""
        scope = transaction_scope()
        taken: _Taken | None = scope.owned.get(self) if scope is not None else None
        if taken is not None:
            taken.last -= count
        else:
            await self.counters.update_one({"_id": "position"}, {"$inc": {"value": -count}}, session=session)

    async def last(self) -> int:
        """The last position taken (0 before any)."""
        doc = await self.counters.find_one({"_id": "position"})
        return int(doc["value"]) if doc else 0


class PositionTakenTwice(RuntimeError):
    """Two events at one global position: the position counter was bypassed. A bug, never a 409."""


def refuse_position_taken_twice(error: Mapping[str, Any]) -> None:
    """A duplicate key on the position, not on (stream, version), is no concurrent writer of the stream."""
    pattern = error.get("keyPattern")
    on_position = "position" in pattern if isinstance(pattern, dict) else "position_1" in str(error.get("errmsg", ""))
    if on_position:
        raise PositionTakenTwice(str(error.get("errmsg") or error))
