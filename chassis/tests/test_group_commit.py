"""Group commit: works queued at the same time commit together, each with the outcome it would have alone."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from chassis.eventstore import EventStore, Metadata
from chassis.logging import correlation_id
from chassis.projection import Projector
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.errors import DomainError

from chassis_support import RemovalCount, removal

pytestmark = pytest.mark.integration


class Refused(DomainError):
    status = 422
    code = "refuse"


async def _uow(mongo_db) -> tuple[EventStore, Projector, UnitOfWork]:  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RemovalCount()])
    return store, projector, UnitOfWork(mongo_db.client, store, projector)


async def test_concurrent_works_commit_in_groups_with_positions_without_a_gap(mongo_db):  # type: ignore[no-untyped-def]
    store, projector, uow = await _uow(mongo_db)
    start = await store.last_position()
    run = uuid.uuid4().hex[:6]

    async def writer(w: int) -> None:
        for v in range(5):

            async def work(tx: Transaction, v: int = v) -> None:
                await tx.append(f"g-{run}-{w}", v, [removal(v)])

            await uow.run(work)

    await asyncio.gather(*(writer(w) for w in range(16)))
    assert uow.commits.groups > 0, "16 writers at once must have shared commits"
    events = await store.read_all(start)
    assert [e.position for e in events] == list(range(start + 1, start + 81))
    assert await store.last_position() == start + 80
    for w in range(16):
        stream = f"g-{run}-{w}"
        assert [e.version for e in await store.read_stream(stream)] == [1, 2, 3, 4, 5]
        assert await store.verify_stream(stream) == []
    live = await projector.snapshot()
    assert await projector.replay(store) == await store.count_log()
    assert await projector.snapshot() == live


async def test_a_refused_work_in_a_group_leaves_nothing_and_the_others_commit(mongo_db):  # type: ignore[no-untyped-def]
    store, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]
    blocker = asyncio.Event()
    held = asyncio.Event()

    async def first(tx: Transaction) -> None:  # holds the turn while the others queue
        await tx.append(f"r-{run}-first", 0, [removal(0)])
        held.set()
        await blocker.wait()

    async def good(i: int) -> str:
        async def work(tx: Transaction) -> str:
            await tx.append(f"r-{run}-{i}", 0, [removal(i)])
            return f"ok {i}"

        return await uow.run(work)

    async def bad(tx: Transaction) -> None:
        await tx.append(f"r-{run}-bad", 0, [removal(99)])  # written, then refused: must not stay
        raise Refused("Refusé.")

    leader = asyncio.create_task(uow.run(first))
    await held.wait()
    queued = [asyncio.create_task(good(i)) for i in range(3)]
    refused = asyncio.create_task(uow.run(bad))
    queued.append(asyncio.create_task(good(3)))
    await asyncio.sleep(0.05)
    blocker.set()
    await leader
    assert [await q for q in queued] == ["ok 0", "ok 1", "ok 2", "ok 3"]
    with pytest.raises(Refused):
        await refused
    assert uow.commits.split == 1, "the four good works and the refused one were queued together"
    assert await store.read_stream(f"r-{run}-bad") == []
    assert await mongo_db["removals"].find_one({"_id": f"r-{run}-bad"}) is None
    for i in range(4):
        assert len(await store.read_stream(f"r-{run}-{i}")) == 1


async def test_each_work_of_a_group_runs_in_its_callers_context(mongo_db):  # type: ignore[no-untyped-def]
    _, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]

    async def caller(i: int) -> tuple[str | None, str]:
        correlation_id.set(f"corr-{i}")

        async def work(tx: Transaction) -> tuple[str | None, str]:
            [stored] = await tx.append(f"c-{run}-{i}", 0, [removal(i)])
            return correlation_id.get(), stored.correlation_id

        return await uow.run(work, meta=Metadata.current())

    seen = await asyncio.gather(*(asyncio.create_task(caller(i)) for i in range(12)))
    assert seen == [(f"corr-{i}", f"corr-{i}") for i in range(12)]
