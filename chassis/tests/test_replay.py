"""Replay: read models rebuilt from the log equal the ones kept live."""

from __future__ import annotations

import uuid

import pytest

from chassis.eventstore import EventStore, Metadata
from chassis.projection import Projector
from chassis.replay_buffer import BufferedDatabase
from chassis.unit_of_work import Transaction, UnitOfWork

from chassis_support import RemovalCount, removal

pytestmark = pytest.mark.integration


async def test_replay_rebuilds_exactly_the_live_read_model(mongo_db):  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RemovalCount()])
    uow = UnitOfWork(mongo_db.client, store, projector)
    for s in range(4):
        for v in range(s + 2):

            async def work(tx: Transaction, s: int = s, v: int = v) -> None:
                await tx.append(f"stream-{s}", v, [removal(v)], Metadata(correlation_id=str(uuid.uuid4())))

            await uow.run(work)
    live = await projector.snapshot()
    assert len(live["removals"]) == 4
    seen: list[int] = []
    count = await projector.replay(store, progress=seen.append)
    assert count == sum(s + 2 for s in range(4)) and seen[-1] == count
    assert await projector.snapshot() == live


async def test_replay_as_of_a_date_folds_only_the_events_up_to_it(mongo_db):  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RemovalCount()])
    uow = UnitOfWork(mongo_db.client, store, projector)

    async def first(tx: Transaction) -> None:
        await tx.append("s", 0, [removal(0)], Metadata(correlation_id="c"))

    async def second(tx: Transaction) -> None:
        await tx.append("s", 1, [removal(1)], Metadata(correlation_id="c"))

    await uow.run(first)
    cutoff = (await store.read_stream("s"))[0].occurred_at
    import asyncio

    await asyncio.sleep(0.01)
    await uow.run(second)
    await projector.replay(store, as_of=cutoff)
    doc = await mongo_db["removals"].find_one({"_id": "s"})
    assert doc is not None and doc["count"] == 1 and doc["last"] == "L0"


UPDATES: list[tuple[str, dict[str, object], object, bool]] = [
    ("update", {"_id": "a"}, {"$set": {"n": 1, "x.y": "z"}, "$setOnInsert": {"created": 1}}, True),
    ("update", {"_id": "a"}, {"$inc": {"n": 2}, "$push": {"tags": "t1"}, "$setOnInsert": {"created": 2}}, True),
    ("update", {"_id": "a"}, {"$push": {"tags": {"$each": ["t2", "t3"]}}, "$max": {"best": 5}}, False),
    ("update", {"_id": "a"}, {"$max": {"best": 3}, "$min": {"low": 7}, "$unset": {"x.y": ""}}, False),
    ("update", {"_id": "b"}, {"$set": {"n": 1}}, False),  # no upsert: nothing
    ("replace", {"_id": "c"}, {"v": 1, "nested": {"k": [1, 2]}}, True),
    ("update", {"_id": "c"}, {"$set": {"nested.k": [3]}}, False),
    ("update", {"_id": "c", "v": 1}, {"$set": {"seen": True}}, False),  # not by _id alone: to the server
    ("update", {"_id": "c"}, {"$inc": {"v": 1}}, False),
    ("delete", {"_id": "a"}, None, False),
    ("update", {"_id": "a"}, {"$set": {"again": True}}, True),
    ("update", {"_id": "d"}, {"$push": {"list": {"$each": [1], "$sort": 1}}}, True),  # a modifier: to the server
]


async def test_the_replay_buffer_folds_writes_as_the_server_does(mongo_db):  # type: ignore[no-untyped-def]
    """The same writes, sent one by one to the server and folded in memory by the replay buffer, leave the
    same documents."""
    buffered = BufferedDatabase(mongo_db, fresh=frozenset({"buffered"}))
    for kind, where, what, upsert in UPDATES:
        direct, folded = mongo_db["direct"], buffered["buffered"]
        if kind == "update":
            await direct.update_one(where, what, upsert=upsert)
            await folded.update_one(where, what, upsert=upsert)
        elif kind == "replace":
            await direct.replace_one(where, what, upsert=upsert)
            await folded.replace_one(where, what, upsert=upsert)
        else:
            await direct.delete_one(where)
            await folded.delete_one(where)
        assert await folded.find_one({"_id": "a"}) == await direct.find_one({"_id": "a"})
    await buffered.flush()
    expected = [d async for d in mongo_db["direct"].find({}, sort=[("_id", 1)])]
    assert [d async for d in mongo_db["buffered"].find({}, sort=[("_id", 1)])] == expected
