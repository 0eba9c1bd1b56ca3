"""The inbox: an event received twice is recorded once, and takes no position the second time."""

from __future__ import annotations

import uuid

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from chassis.eventstore import EventStore, chained
from chassis.mongo import in_transaction
from contracts.envelope import GENESIS_HASH

from chassis_support import meta, removal

pytestmark = pytest.mark.integration


async def test_an_event_received_again_is_refused_and_leaves_no_gap_in_the_positions(mongo_db):  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    client = mongo_db.client
    [event] = chained(f"other-{uuid.uuid4()}", 0, [removal(1)], meta(), prev_hash=GENESIS_HASH, first_position=1)

    async def receive(session: AsyncClientSession) -> bool:
        return await store.record_received(event, "c", session=session)

    async def receive_then_append(session: AsyncClientSession) -> bool:
        again = await store.record_received(event, "c", session=session)
        await store.append(f"own-{uuid.uuid4()}", 0, [removal(2)], meta(), session=session)
        return again

    start = await store.last_position()
    assert await in_transaction(client, receive) is True
    assert await in_transaction(client, receive) is False
    assert await store.last_position() == start + 1
    assert await in_transaction(client, receive_then_append) is False
    [appended] = await store.read_all(start)
    assert appended.position == start + 2, "the position given back is the appended event's"
    assert await store.last_position() == start + 2
    assert await mongo_db["inbox"].count_documents({"event_id": str(event.event_id)}) == 1
