"""Idempotent consumer on FastStream against the embedded Kafka: redelivery, poison messages, DLQ."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker

from chassis.consumer import LAG, EventConsumer, lag_after
from chassis.eventstore import EventStore
from chassis.projection import Projector
from chassis.unit_of_work import UnitOfWork
from contracts import topics
from contracts.envelope import Actor, EventEnvelope
from contracts.errors import Conflict
from contracts.wire import to_kafka

from chassis_support import Effects, RemovalCount

pytestmark = pytest.mark.integration


def _event(stream: str, version: int, line: str, territory: str = "974") -> EventEnvelope:
    return EventEnvelope(
        type="LineRemoved",
        schema_version=1,
        stream_id=stream,
        stream_type="declaration",
        version=version,
        territory=territory,
        actor=Actor(id="u", role="declarant"),
        correlation_id="c",
        data={"line_id": line},
    )


async def _publish(bootstrap: str, *events: EventEnvelope, raw: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for e in events:
            key, value, headers = to_kafka(e, "/test")
            await producer.send_and_wait(topics.DECLARATIONS, value=value, key=key, headers=headers)
        if raw is not None:
            await producer.send_and_wait(topics.DECLARATIONS, value=raw, key=b"poison")
    finally:
        await producer.stop()


async def _until(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.1)


@pytest.fixture
async def running(mongo_db, kafka_bootstrap):  # type: ignore[no-untyped-def]
    """A consumer whose handler fails for line "poison" and counts every line it sees."""
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RemovalCount()])
    uow = UnitOfWork(mongo_db.client, store, projector)
    consumer = EventConsumer(
        name=f"c-{uuid.uuid4().hex[:6]}",
        uow=uow,
        projector=projector,
        policies=[Effects()],
        territories=["971", "974"],
        max_attempts=2,
        retry_delay=0.01,
    )
    broker = KafkaBroker(kafka_bootstrap, enable_idempotence=False, logger=None)
    consumer.subscribe(broker, [topics.DECLARATIONS], group_id=f"g-{uuid.uuid4()}")
    await broker.start()
    yield consumer, mongo_db
    await broker.stop()


async def test_a_redelivered_event_has_no_second_effect(running, kafka_bootstrap):  # type: ignore[no-untyped-def]
    consumer, db = running
    stream = f"d-{uuid.uuid4()}"
    event = _event(stream, 1, "L1")
    await _publish(kafka_bootstrap, event, event)
    await _publish(kafka_bootstrap, _event(stream, 2, "L2"))

    async def both_seen() -> bool:
        doc = await db["removals"].find_one({"_id": stream})
        return bool(doc and doc["version"] == 2)

    await _until(both_seen)
    assert (await db["removals"].find_one({"_id": stream}))["count"] == 2
    assert await db["effects"].count_documents({"event_id": str(event.event_id)}) == 1
    assert await consumer.process(event) == "duplicate"

    def lags() -> list[float]:
        return [s.value for m in LAG.collect() for s in m.samples if s.labels["service"] == consumer.name]

    async def caught_up() -> bool:  # set after each record: every partition read to its end
        return bool(lags()) and not any(lags())

    await _until(caught_up, timeout=10)


def test_the_lag_is_what_the_partition_holds_after_the_record_handled() -> None:
    assert lag_after(highwater=1500, offset=499) == 1000
    assert lag_after(highwater=500, offset=499) == 0
    assert lag_after(highwater=None, offset=499) is None  # no fetch answered yet: the gauge is left alone


async def test_a_poison_message_lands_in_the_dlq_and_the_next_one_is_processed(running, kafka_bootstrap):  # type: ignore[no-untyped-def]
    consumer, db = running
    stream = f"p-{uuid.uuid4()}"
    poison, after = _event(stream, 1, "poison"), _event(stream, 2, "after")
    await _publish(kafka_bootstrap, poison, raw=b"not a cloudevent")
    await _publish(kafka_bootstrap, after)

    async def after_processed() -> bool:
        return await db["effects"].count_documents({"event_id": str(after.event_id)}) == 1

    await _until(after_processed)
    assert await db["effects"].count_documents({"event_id": str(poison.event_id)}) == 0
    dead = AIOKafkaConsumer(
        topics.dlq(topics.DECLARATIONS),
        bootstrap_servers=kafka_bootstrap,
        group_id=f"dlq-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await dead.start()
    found: dict[str, dict[str, str]] = {}
    try:
        async with asyncio.timeout(30):
            while len(found) < 2:
                for records in (await dead.getmany(timeout_ms=500)).values():
                    for r in records:
                        h = {k: v.decode() for k, v in r.headers}
                        if h.get("dlq_consumer") == consumer.name:
                            found[h.get("ce_id", "malformed")] = h
    finally:
        await dead.stop()
    assert "RuntimeError" in found[str(poison.event_id)]["dlq_error_type"]
    assert "règle cassée" in found[str(poison.event_id)]["dlq_error"]
    assert found[str(poison.event_id)]["dlq_attempts"] == "2"
    assert found["malformed"]["dlq_error_type"] == "MalformedMessage"


async def test_events_of_a_territory_not_served_are_skipped(running):  # type: ignore[no-untyped-def]
    consumer, db = running
    assert await consumer.process(_event("x", 1, "L", territory="973")) == "skipped"
    assert await db["effects"].count_documents({}) == 0


async def test_a_dead_letter_is_parked_listed_and_replayed_once_its_cause_is_fixed(running, kafka_bootstrap):  # type: ignore[no-untyped-def]
    consumer, db = running
    stream = f"dl-{uuid.uuid4()}"
    poison = _event(stream, 1, "poison")
    await _publish(kafka_bootstrap, poison)

    async def ours() -> list[dict[str, object]]:
        _, letters = await consumer.dead_letters.list(limit=500)
        return [x for x in letters if x["event"] and x["event"]["stream_id"] == stream]

    async def parked() -> bool:
        return bool(await ours())

    await _until(parked)
    total, _ = await consumer.dead_letters.list()
    [letter] = await ours()
    assert letter["error_type"] == "RuntimeError" and letter["attempts"] == 2
    assert letter["event"]["data"] == {"line_id": "poison"} and total >= 1
    with pytest.raises(Conflict):  # the cause is still there: it stays parked
        await consumer.dead_letters.replay(letter["id"], consumer.process)
    assert (await consumer.dead_letters.get(letter["id"]))["state"] == "parked"
    consumer.policies[0].broken.clear()  # the cause is fixed
    replayed = await consumer.dead_letters.replay(letter["id"], consumer.process)
    assert replayed["state"] == "replayed"
    assert await db["effects"].count_documents({"event_id": str(poison.event_id)}) == 1
    with pytest.raises(Conflict):
        await consumer.dead_letters.replay(letter["id"], consumer.process)
