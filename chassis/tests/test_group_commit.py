"""Group commit: works queued at the same time commit together, each with the outcome it would have alone."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import OperationFailure

from chassis.eventstore import EventStore, Metadata, chained
from chassis.logging import correlation_id
from chassis.mongo import NestedTransaction
from chassis.projection import Projector
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.envelope import GENESIS_HASH
from contracts.errors import DomainError

from chassis_support import RemovalCount, meta, removal

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
    assert uow.commits.groups > 0, "twelve callers at once must have shared commits"


async def _hold_the_turn(uow: UnitOfWork, run: str) -> tuple[asyncio.Task[None], asyncio.Event]:
    """A first command that holds the turn until released, so that the next ones queue into one group."""
    release, holding = asyncio.Event(), asyncio.Event()

    async def first(tx: Transaction) -> None:
        await tx.append(f"h-{run}", 0, [removal(0)])
        holding.set()
        await release.wait()

    task = asyncio.create_task(uow.run(first))
    await holding.wait()
    return task, release


async def test_a_transient_conflict_of_one_work_splits_it_out_and_keeps_one_gapless_order(mongo_db):  # type: ignore[no-untyped-def]
    """Multi-event appends and consumed events in one group, a write conflict raised by one work in the first
    attempt: that work is split out and retried alone, the others commit together, and the positions of both
    logs stay one sequence without a gap."""
    store, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]
    start = await store.last_position()
    leader, release = await _hold_the_turn(uow, run)
    conflicts = [OperationFailure("Write conflict", code=112)]
    received = chained(f"other-{run}", 0, [removal(7)], meta(), prev_hash=GENESIS_HASH, first_position=1)[0]

    async def three_events(tx: Transaction, i: int) -> int:
        stored = await tx.append(f"m-{run}-{i}", 0, [removal(1), removal(2), removal(3)])
        if i == 1 and conflicts:
            raise conflicts.pop()
        return len(stored)

    async def consumed(tx: Transaction) -> bool:
        return await tx.store.record_received(received, "c", session=tx.session)

    tasks = [asyncio.create_task(uow.run(lambda tx, i=i: three_events(tx, i))) for i in range(3)]
    tasks.insert(1, asyncio.create_task(uow.run(consumed)))
    await asyncio.sleep(0.05)
    release.set()
    await leader
    assert await asyncio.gather(*tasks) == [3, True, 3, 3]
    assert not conflicts, "the conflict was raised"
    assert (uow.commits.groups, uow.commits.split) == (1, 1)
    own = [e.position for e in await store.read_all(start)]
    inbox = [d["position"] async for d in mongo_db["inbox"].find({"position": {"$gt": start}})]
    assert sorted(own + inbox) == list(range(start + 1, start + 12))  # 1 + 9 own events, 1 received
    assert await store.last_position() == start + 11


async def test_a_transaction_inside_another_is_refused_at_once(mongo_db):  # type: ignore[no-untyped-def]
    _, _, uow = await _uow(mongo_db)

    async def inner(tx: Transaction) -> None:
        await tx.append(f"n-{uuid.uuid4().hex[:6]}", 0, [removal(1)])

    async def outer(tx: Transaction) -> None:
        await uow.run(inner)

    with pytest.raises(NestedTransaction):
        await asyncio.wait_for(uow.run(outer), timeout=5)


async def test_a_caller_cancelled_once_its_work_is_in_a_group_gets_the_outcome_of_its_commit(mongo_db):  # type: ignore[no-untyped-def]
    """Never « not done » for a command that commits (an Idempotency-Key released on a cancellation would let
    the command run twice): the caller waits for the outcome and gets the result of what committed."""
    store, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]
    leader, release = await _hold_the_turn(uow, run)
    inside, go_on = asyncio.Event(), asyncio.Event()
    seen_when_cancelled: list[int] = []

    async def slow(tx: Transaction) -> None:
        await tx.append(f"k-{run}", 0, [removal(1)])
        inside.set()
        await go_on.wait()

    async def caller() -> None:
        try:
            await uow.run(slow)
        except asyncio.CancelledError:
            seen_when_cancelled.append(len(await store.read_stream(f"k-{run}")))
            raise

    task = asyncio.create_task(caller())
    other = asyncio.create_task(uow.run(lambda tx: tx.append(f"k-{run}-other", 0, [removal(2)])))
    await asyncio.sleep(0.05)
    release.set()
    await leader
    await inside.wait()
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done(), "the caller waits for its work's outcome"
    go_on.set()
    await task
    assert seen_when_cancelled == [], "what committed is not reported as cancelled"
    assert len(await store.read_stream(f"k-{run}")) == 1
    assert len(await other) == 1


async def test_a_work_that_raises_cancelled_error_fails_alone(mongo_db):  # type: ignore[no-untyped-def]
    _, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]
    leader, release = await _hold_the_turn(uow, run)

    async def cancelled_inside(tx: Transaction) -> None:
        await tx.append(f"x-{run}", 0, [removal(1)])
        raise asyncio.CancelledError

    async def good(tx: Transaction, i: int) -> int:
        await tx.append(f"y-{run}-{i}", 0, [removal(i)])
        return i

    tasks = [asyncio.create_task(uow.run(lambda tx, i=i: good(tx, i))) for i in range(4)]
    bad = asyncio.create_task(uow.run(cancelled_inside))
    await asyncio.sleep(0.05)
    release.set()
    await leader
    assert await asyncio.gather(*tasks) == [0, 1, 2, 3]
    with pytest.raises(asyncio.CancelledError):
        await bad
    assert uow.commits.split == 1


async def test_a_caller_cancelled_once_its_work_is_taken_is_cancelled_when_the_work_fails(mongo_db):  # type: ignore[no-untyped-def]
    _, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]
    leader, release = await _hold_the_turn(uow, run)
    inside, go_on = asyncio.Event(), asyncio.Event()

    async def refused(tx: Transaction) -> None:
        await tx.append(f"f-{run}", 0, [removal(1)])
        inside.set()
        await go_on.wait()
        raise Refused("Refusé.")

    task = asyncio.create_task(uow.run(refused))
    await asyncio.sleep(0.05)
    release.set()
    await leader
    await inside.wait()
    task.cancel()
    go_on.set()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_work_that_keeps_conflicting_is_split_out_at_once_and_the_others_commit(mongo_db):  # type: ignore[no-untyped-def]
    """The reviewer's experiment: three healthy appends queued with one work that raises WriteConflict. Retried
    with the group, the conflict failed all four after 30 s; the healthy ones now commit while it still
    conflicts, and it commits alone once its conflict is gone."""
    store, _, uow = await _uow(mongo_db)
    run = uuid.uuid4().hex[:6]
    leader, release = await _hold_the_turn(uow, run)
    conflict_gone = asyncio.Event()
    conflicts = 0

    async def conflicting(tx: Transaction) -> str:
        nonlocal conflicts
        await tx.append(f"w-{run}-bad", 0, [removal(9)])
        if not conflict_gone.is_set():
            conflicts += 1
            raise OperationFailure("Write conflict", code=112)
        return "committed alone"

    async def healthy(tx: Transaction, i: int) -> int:
        await tx.append(f"w-{run}-{i}", 0, [removal(i)])
        return i

    tasks = [asyncio.create_task(uow.run(lambda tx, i=i: healthy(tx, i))) for i in range(3)]
    bad = asyncio.create_task(uow.run(conflicting))
    await asyncio.sleep(0.05)
    release.set()
    await leader
    assert await asyncio.wait_for(asyncio.gather(*tasks), timeout=10) == [0, 1, 2]
    assert not bad.done() and conflicts >= 1, "the conflicting work is still being retried, alone"
    conflict_gone.set()
    assert await asyncio.wait_for(bad, timeout=10) == "committed alone"
    assert len(await store.read_stream(f"w-{run}-bad")) == 1
    assert uow.commits.split == 1


class _CancelOnCommitReply(monitoring.CommandListener):
    """Cancels a task the moment the server's reply to its commit arrives (before the driver returns it)."""

    def __init__(self) -> None:
        self.target: asyncio.Task[object] | None = None

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name == "commitTransaction" and self.target is not None:
            self.target.cancel()
            self.target = None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_caller_cancelled_during_the_commit_reply_of_a_work_alone_gets_its_outcome(mongo_uri, mongo_db):  # type: ignore[no-untyped-def]
    """The reviewer's experiment, on the fast path (a work with nobody queued): the caller's cancellation lands
    while the commit's reply is read. The events are stored: the caller is answered that, not « cancelled »."""
    listener = _CancelOnCommitReply()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongo_uri, tz_aware=True, uuidRepresentation="standard", event_listeners=[listener]
    )
    try:
        store = EventStore(client[mongo_db.name])
        await store.ensure_indexes()
        uow = UnitOfWork(client, store, Projector(client[mongo_db.name], [RemovalCount()]))
        stream = f"fast-{uuid.uuid4().hex[:6]}"

        async def work(tx: Transaction) -> int:
            return len(await tx.append(stream, 0, [removal(1)]))

        task = asyncio.create_task(uow.run(work))
        listener.target = task  # type: ignore[assignment]
        assert await asyncio.wait_for(task, timeout=10) == 1, "the commit's outcome, not « cancelled »"
        assert listener.target is None, "the cancellation was delivered during the commit"
        assert len(await store.read_stream(stream)) == 1
    finally:
        await client.close()
