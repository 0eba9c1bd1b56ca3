"""The stream cache: a stream loaded again reads only what came after, and is never wrong for it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from chassis.eventstore import EventStore, NewEvent, chained, to_doc
from chassis.mongo import in_transaction
from chassis.stream_cache import StreamCache
from contracts.envelope import GENESIS_HASH, EventEnvelope

from chassis_support import append, meta, removal

Loader = Callable[[AsyncClientSession], Awaitable[list[EventEnvelope]]]


def _events(stream: str, count: int) -> list[EventEnvelope]:
    events = [removal(i) for i in range(1, count + 1)]
    return chained(stream, 0, events, meta(), prev_hash=GENESIS_HASH, first_position=1)


def test_a_stream_is_kept_up_to_its_first_missing_version() -> None:
    cache = StreamCache()
    one, two, three = _events("s", 3)
    cache.keep("inbox", "s", [one, three])
    assert cache.known("inbox", "s") == (one,)
    cache.keep("inbox", "s", [one, two, three])
    assert cache.known("inbox", "s") == (one, two, three)


def test_the_least_recently_used_streams_go_first_past_the_bound() -> None:
    cache = StreamCache(max_events=5)
    cache.keep("events", "a", _events("a", 2))
    cache.keep("events", "b", _events("b", 2))
    cache.known("events", "a")
    cache.keep("events", "c", _events("c", 2))
    assert cache.known("events", "b") == ()
    assert len(cache.known("events", "a")) == 2 and len(cache.known("events", "c")) == 2


def test_what_was_read_must_start_at_the_last_event_kept() -> None:
    cache = StreamCache()
    kept = tuple(_events("s", 2))
    other = _events("s", 3)  # the same versions, other events (an aborted writer's, kept by mistake)
    assert cache.follows(kept, other[1:]) is None
    assert cache.follows(kept, []) is None
    assert cache.follows(kept, [kept[-1], other[2]]) == [*kept, other[2]]


async def _store_with_a_stream(mongo_db, *events: NewEvent) -> tuple[EventStore, Any, str, Loader]:  # type: ignore[no-untyped-def]
    """A store, its client, a new stream holding `events`, and a transaction loading that stream."""
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    stream = f"s-{uuid.uuid4()}"
    await append(mongo_db.client, store, stream, 0, *events)

    async def load(session: AsyncClientSession) -> list[EventEnvelope]:
        return await store.load_stream(stream, session=session)

    return store, mongo_db.client, stream, load


@pytest.mark.integration
async def test_a_stream_loaded_again_reads_only_the_new_events_and_equals_a_full_read(mongo_db):  # type: ignore[no-untyped-def]
    store, client, stream, load = await _store_with_a_stream(mongo_db, removal(1), removal(2))
    assert await in_transaction(client, load) == await store.read_stream(stream)
    await append(client, store, stream, 2, removal(3))  # another writer, as another process would
    hits = store.cache.hits
    assert await in_transaction(client, load) == await store.read_stream(stream)
    assert store.cache.hits == hits + 1


@pytest.mark.integration
async def test_events_kept_from_an_aborted_transaction_are_never_served(mongo_db):  # type: ignore[no-untyped-def]
    store, client, stream, load = await _store_with_a_stream(mongo_db, removal(1))

    class Abort(Exception):
        pass

    async def append_read_then_abort(session: AsyncClientSession) -> None:
        await store.append(stream, 1, [removal(99)], meta(), session=session)
        await store.load_stream(stream, session=session)  # sees (and keeps) its own uncommitted event
        raise Abort

    with pytest.raises(Abort):
        await in_transaction(client, append_read_then_abort)
    assert [e.version for e in store.cache.known("events", stream)] == [1, 2]
    await append(client, store, stream, 1, removal(2))  # version 2, committed: another event
    loaded = await in_transaction(client, load)
    assert loaded == await store.read_stream(stream)
    assert [e.data["line_id"] for e in loaded] == ["L1", "L2"]


@pytest.mark.integration
async def test_received_events_arriving_out_of_order_are_all_loaded(mongo_db):  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    client = mongo_db.client
    stream = f"other-{uuid.uuid4()}"
    one, two, three = _events(stream, 3)

    async def receive(envelope: EventEnvelope) -> None:
        async def work(session: AsyncClientSession) -> bool:
            return await store.record_received(envelope, "c", session=session)

        assert await in_transaction(client, work)

    async def load(session: AsyncClientSession) -> list[EventEnvelope]:
        return await store.load_received(stream, session=session)

    for envelope in (one, three):
        await receive(envelope)
    assert [e.version for e in await in_transaction(client, load)] == [1, 3]
    await receive(two)  # the lost one, published again
    loaded = await in_transaction(client, load)
    assert [e.version for e in loaded] == [1, 2, 3]
    assert loaded == await store.read_received(stream)
    assert to_doc(loaded[1])["event_id"] == str(two.event_id)
