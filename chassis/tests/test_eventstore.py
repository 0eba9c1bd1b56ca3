"""Event store against the embedded MongoDB: concurrency, global order, hash chain, no HWM gap."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from chassis.eventstore import EventStore, Head
from chassis.mongo import in_transaction
from contracts.envelope import GENESIS_HASH
from contracts.errors import ConcurrencyError

from chassis_support import append, meta, removal

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(mongo_db):  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    return store


async def test_twenty_concurrent_appends_at_one_version_have_exactly_one_winner(store, mongo_db):  # type: ignore[no-untyped-def]
    client = mongo_db.client
    stream = f"s-{uuid.uuid4()}"
    results = await asyncio.gather(
        *(append(client, store, stream, 0, removal(i)) for i in range(20)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(e, ConcurrencyError) for e in losers), losers
    assert len(await store.read_stream(stream)) == 1


async def test_twenty_writers_racing_on_one_stream_get_one_winner_per_version(store, mongo_db):  # type: ignore[no-untyped-def]
    client = mongo_db.client
    stream = f"s-{uuid.uuid4()}"
    conflicts = 0

    async def writer(i: int) -> None:
        nonlocal conflicts
        while True:
            head = await store.head(stream)
            try:
                await append(client, store, stream, head["version"] if head else 0, removal(i))
                return
            except ConcurrencyError:
                conflicts += 1

    await asyncio.gather(*(writer(i) for i in range(20)))
    events = await store.read_stream(stream)
    assert [e.version for e in events] == list(range(1, 21))
    assert sorted(e.data["line_id"] for e in events) == sorted(f"L{i}" for i in range(20))
    assert await store.verify_stream(stream) == []
    assert conflicts > 0, "the race must actually have produced conflicts"


async def test_read_all_gives_every_event_once_in_increasing_position(store, mongo_db):  # type: ignore[no-untyped-def]
    client = mongo_db.client
    await asyncio.gather(*(append(client, store, f"s{i}", 0, removal(1), removal(2)) for i in range(5)))
    events = await store.read_all(0)
    positions = [e.position for e in events]
    assert len(events) == 10 and positions == sorted(positions) and len(set(positions)) == 10
    assert [e.position for e in await store.read_all(positions[4])] == positions[5:]


async def test_a_tampered_event_fails_verification(store, mongo_db):  # type: ignore[no-untyped-def]
    stream = f"s-{uuid.uuid4()}"
    await append(mongo_db.client, store, stream, 0, removal(1), removal(2), removal(3))
    assert await store.verify_stream(stream) == []
    await mongo_db["events"].update_one({"stream_id": stream, "version": 2}, {"$set": {"data.line_id": "forged"}})
    problems = await store.verify_stream(stream)
    assert problems and "version 2" in problems[0]


async def test_a_removed_event_fails_verification(store, mongo_db):  # type: ignore[no-untyped-def]
    stream = f"s-{uuid.uuid4()}"
    await append(mongo_db.client, store, stream, 0, removal(1), removal(2), removal(3))
    await mongo_db["events"].delete_one({"stream_id": stream, "version": 2})
    assert await store.verify_stream(stream)


async def test_a_slow_transaction_cannot_be_overtaken_by_a_later_position(store, mongo_db):  # type: ignore[no-untyped-def]
    """The high-water-mark trap: B must not become visible at a position after A's while A is open."""
    client = mongo_db.client
    release = asyncio.Event()
    a_appended = asyncio.Event()

    async def slow(session: AsyncClientSession) -> int:
        stored = await store.append("slow", 0, [removal(1)], meta(), session=session)
        a_appended.set()
        await release.wait()
        return stored[0].position or 0

    start = await store.last_position()
    slow_task = asyncio.create_task(in_transaction(client, slow))
    await a_appended.wait()
    fast_task = asyncio.create_task(append(client, store, "fast", 0, removal(1)))
    await asyncio.sleep(0.5)
    visible_meanwhile = await store.read_all(start)
    release.set()
    a_position = await slow_task
    b_position = (await fast_task)[0].position or 0
    assert visible_meanwhile == [], "nothing may be visible while the earlier position is uncommitted"
    assert a_position < b_position
    assert [e.stream_id for e in await store.read_all(start)] == ["slow", "fast"]


async def test_an_append_with_a_stale_known_head_is_refused_and_never_chained(store, mongo_db):  # type: ignore[no-untyped-def]
    """A command appends with the head its transaction read (no second read): if another writer appended in
    between, the append is refused (the unique version, or the transaction's write conflict), never chained
    after a head that is no longer the last."""
    client = mongo_db.client
    stream = f"s-{uuid.uuid4()}"
    await append(client, store, stream, 0, removal(1))
    [first] = await store.read_stream(stream)
    stale = Head(first.version, first.hash)
    await append(client, store, stream, 1, removal(2))  # someone else moves the stream on

    async def late(session: AsyncClientSession) -> None:
        await store.append(stream, 1, [removal(3)], meta(), session=session, head=stale)

    with pytest.raises(ConcurrencyError):
        await in_transaction(client, late)
    assert [e.data["line_id"] for e in await store.read_stream(stream)] == ["L1", "L2"]
    assert await store.verify_stream(stream) == []


async def test_twenty_writers_with_known_heads_racing_on_one_stream_keep_one_chain(store, mongo_db):  # type: ignore[no-untyped-def]
    client = mongo_db.client
    stream = f"s-{uuid.uuid4()}"

    async def writer(i: int) -> None:
        while True:

            async def work(session: AsyncClientSession) -> None:
                events = await store.read_stream(stream, session=session)
                head = Head(events[-1].version, events[-1].hash) if events else Head(0, GENESIS_HASH)
                await store.append(stream, head.version, [removal(i)], meta(), session=session, head=head)

            try:
                await in_transaction(client, work)
                return
            except ConcurrencyError:
                continue

    await asyncio.gather(*(writer(i) for i in range(20)))
    events = await store.read_stream(stream)
    assert [e.version for e in events] == list(range(1, 21))
    assert await store.verify_stream(stream) == []


async def test_the_relay_reads_only_what_a_majority_of_the_replica_set_holds(mongo_uri, mongo_db):  # type: ignore[no-untyped-def]
    """Read with the default `local` concern, an event committed on a primary but not yet on a majority could
    reach Kafka and then vanish in a fail-over, its position given to another event. `read_all` (the relay's
    read) asks for `majority`; the embedded server answers it."""
    from pymongo import AsyncMongoClient, monitoring

    class Finds(monitoring.CommandListener):
        def __init__(self) -> None:
            self.read_concerns: list[object] = []

        def started(self, event: monitoring.CommandStartedEvent) -> None:
            if event.command_name == "find" and event.command.get("find") == "events":
                self.read_concerns.append(event.command.get("readConcern"))

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
            pass

        def failed(self, event: monitoring.CommandFailedEvent) -> None:
            pass

    finds = Finds()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongo_uri, tz_aware=True, uuidRepresentation="standard", event_listeners=[finds]
    )
    try:
        store = EventStore(client[mongo_db.name])
        await store.ensure_indexes()
        await append(client, store, f"maj-{uuid.uuid4()}", 0, removal(1), removal(2))
        finds.read_concerns.clear()
        assert [e.version for e in await store.read_all()] == [1, 2]
        assert finds.read_concerns == [{"level": "majority"}]
    finally:
        await client.close()


async def test_an_as_of_read_is_a_prefix_of_the_log_whatever_the_replicas_clocks(mongo_db):  # type: ignore[no-untyped-def]
    """The reviewer's case: v5 stamped by a replica whose clock is a few ms ahead of the one that stamped v6.
    Filtered on the stamp, « as of » v6's instant gave v1–v4 and v6 without v5, and called an untampered chain
    broken. Read by position, every as-of read is a prefix: the stream's, and the log's."""
    from datetime import timedelta

    from chassis.audit import AuditReads
    from chassis.eventstore import chained, to_doc

    stream = f"skew-{uuid.uuid4()}"
    start = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    instants = [start + timedelta(milliseconds=ms) for ms in (0, 10, 20, 30, 48, 45)]  # v5 ahead, v6 behind
    first = (await EventStore(mongo_db).last_position()) + 1000
    events, prev = [], GENESIS_HASH
    for envelope, at in zip(
        chained(stream, 0, [removal(i) for i in range(6)], meta(), prev_hash=GENESIS_HASH, first_position=first),
        instants,
        strict=True,
    ):
        restamped = envelope.model_copy(update={"occurred_at": at}).chained(prev)
        prev = restamped.hash
        events.append(restamped)
    await mongo_db["events"].insert_many([to_doc(e) for e in events])
    store = EventStore(mongo_db)

    as_of = instants[5]  # v6's stamp, before v5's
    read = await AuditReads(mongo_db, {}).stream(stream, as_of=as_of)
    assert read is not None
    assert [e.version for e in read.events] == [1, 2, 3, 4, 5, 6] and read.problems == []
    logged = [e.version async for e in store.read_log(as_of=as_of) if e.stream_id == stream]
    assert logged == [1, 2, 3, 4, 5, 6]
    assert [e.version for e in await store.read_all(first - 1, as_of=instants[3])] == [1, 2, 3, 4]
    before = await AuditReads(mongo_db, {}).stream(stream, as_of=start - timedelta(seconds=1))
    assert before is not None and before.events == []
