"""Replay: read models rebuilt from the log equal the ones kept live."""

from __future__ import annotations

import uuid

import pytest

from chassis.eventstore import EventStore, Metadata
from chassis.projection import Projector
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
