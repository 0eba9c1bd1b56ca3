"""Outbox relay against the embedded Kafka: order per stream, and a crash before the checkpoint."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from chassis.eventstore import EventStore
from chassis.kafka import KafkaOffsets, ensure_topics
from chassis.kafka import producer as make_producer
from chassis.relay import OutboxRelay
from chassis.settings import ServiceSettings
from contracts import topics
from contracts.wire import MalformedMessage, from_kafka

from chassis_support import append, removal

pytestmark = pytest.mark.integration
TOPICS_FILE = Path(__file__).resolve().parents[2] / "deploy/kafka/topics.yaml"


async def _collect(bootstrap: str, streams: set[str], want: int, timeout: float = 30.0) -> dict[str, list[int]]:
    """Versions seen per stream on declarations.events, reading from the beginning."""
    consumer = AIOKafkaConsumer(
        topics.DECLARATIONS, bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: dict[str, list[int]] = defaultdict(list)
    try:
        async with asyncio.timeout(timeout):
            while sum(len(v) for v in seen.values()) < want:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for r in records:
                        try:
                            e = from_kafka(r.value, r.headers)
                        except MalformedMessage:
                            continue  # another test's poison record on the shared topic
                        if e.stream_id in streams:
                            seen[e.stream_id].append(e.version)
    finally:
        await consumer.stop()
    return seen


@pytest.fixture
async def store(mongo_db):  # type: ignore[no-untyped-def]
    store = EventStore(mongo_db)
    await store.ensure_indexes()
    return store


async def test_relay_publishes_every_event_in_stream_order(store, mongo_db, kafka_bootstrap):  # type: ignore[no-untyped-def]
    streams = {f"r-{uuid.uuid4()}" for _ in range(3)}
    for s in streams:
        for v in range(5):
            await append(mongo_db.client, store, s, v, removal(v))
    producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_bootstrap))
    await producer.start()
    try:
        relay = OutboxRelay(store, producer, name="t", source="/test", batch=4)
        while await relay.publish_pending():
            pass
        assert await relay.checkpoint() == await store.last_position()
    finally:
        await producer.stop()
    seen = await _collect(kafka_bootstrap, streams, 15)
    assert {s: v for s, v in seen.items()} == {s: [1, 2, 3, 4, 5] for s in streams}


async def test_a_relay_killed_between_publish_and_checkpoint_republishes_and_loses_nothing(  # type: ignore[no-untyped-def]
    store, mongo_db, kafka_bootstrap
):
    stream = f"crash-{uuid.uuid4()}"
    await append(mongo_db.client, store, stream, 0, *(removal(i) for i in range(6)))
    producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_bootstrap))
    await producer.start()

    class Crash(Exception):
        pass

    async def crash(_events: object) -> None:
        raise Crash

    try:
        doomed = OutboxRelay(store, producer, name="crashy", source="/test", before_checkpoint=crash)
        with pytest.raises(Crash):
            await doomed.publish_pending()
        assert await doomed.checkpoint() == 0, "published but not checkpointed"
        await append(mongo_db.client, store, stream, 6, removal(6))
        survivor = OutboxRelay(store, producer, name="crashy", source="/test")
        assert await survivor.publish_pending() == 7
    finally:
        await producer.stop()
    seen = await _collect(kafka_bootstrap, {stream}, 13)
    versions = seen[stream]
    assert sorted(set(versions)) == list(range(1, 8)), "nothing lost"
    assert len(versions) == 13, "the six unacknowledged ones were published twice (at least once)"


async def test_a_broker_that_lost_its_log_gets_the_whole_log_again(store, mongo_db, tmp_path):  # type: ignore[no-untyped-def]
    """Our Tansu keeps its log in memory: after a restart, what it acknowledged is gone. The relay sees
    that a partition holds fewer records than were acknowledged on it and publishes everything again."""
    from devstack.kafka import KafkaServer

    streams = {f"lost-{uuid.uuid4()}" for _ in range(3)}
    for s in streams:
        await append(mongo_db.client, store, s, 0, *(removal(i) for i in range(4)))
    async with KafkaServer(tmp_path) as broker:
        relay, offsets = await _checking_relay(store, broker, "forgetful")
        producer = relay.producer
        try:
            assert not await relay.recover_if_forgotten()  # at start: remembers the cluster, publishes at once
            while await relay.publish_pending():
                pass
            assert await relay.checkpoint() == await store.last_position()
            assert not await relay.broker_forgot() and not await relay.recover_if_forgotten()
            first_cluster = await offsets.cluster_id()
            await producer.stop()
            await offsets.close()
            await broker.restart_async(hard=True)  # the log is gone, topics and offsets with it
            producer = make_producer(ServiceSettings(kafka_bootstrap=broker.bootstrap))
            await producer.start()
            relay.producer = producer
            assert await offsets.cluster_id() != first_cluster  # a new, empty cluster
            assert await relay.recover_if_forgotten()
            assert await relay.checkpoint() == 0
            while await relay.publish_pending():
                pass
            seen = await _collect(broker.bootstrap, streams, 12)
            assert seen == {s: [1, 2, 3, 4] for s in streams}
            assert not await relay.broker_forgot()
        finally:
            await producer.stop()
            await offsets.close()


async def test_a_topic_re_created_and_written_to_before_the_check_is_still_a_broker_loss(store, mongo_db, tmp_path):  # type: ignore[no-untyped-def]
    """The reviewer's case: the topic is deleted, created again and written to once before the relay's next
    check. Its partitions are not empty, but they end below what they acknowledged: the loss is seen, a send
    acknowledged at an old offset is not checkpointed, and the whole log is published again."""
    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient

    from chassis.relay import BrokerForgot
    from devstack.kafka import KafkaServer

    streams = {f"again-{uuid.uuid4()}" for _ in range(2)}
    for s in streams:
        await append(mongo_db.client, store, s, 0, *(removal(i) for i in range(6)))
    async with KafkaServer(tmp_path) as broker:
        # a pass a record: Tansu reports a partition's end as its last batch's first offset + 1
        relay, offsets = await _checking_relay(store, broker, "recreated", batch=1)
        producer = relay.producer
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        other = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False)
        await other.start()
        try:
            assert not await relay.recover_if_forgotten()
            while await relay.publish_pending():
                pass
            assert not await relay.broker_forgot(), "a check: the partitions' ends are noted"
            await admin.delete_topics([topics.DECLARATIONS])
            await ensure_topics(broker.bootstrap, TOPICS_FILE)
            for partition in range(await _partitions(other, topics.DECLARATIONS)):
                await other.send_and_wait(topics.DECLARATIONS, value=b"written since", partition=partition)
            # At the next check: not empty, yet ending below where it ended.
            assert await relay.broker_forgot()
            # Before that check: a new event's send is acknowledged at an offset already acknowledged.
            await append(mongo_db.client, store, sorted(streams)[0], 6, removal(6))
            before = await relay.checkpoint()
            with pytest.raises(BrokerForgot):
                await relay.publish_pending()
            assert await relay.checkpoint() == before, "nothing checkpointed past what the broker lost"
            assert await relay.recover_if_forgotten()
            while await relay.publish_pending():
                pass
            # the 13 events, and the one sent when the loss showed (published twice: at least once)
            seen = await _collect(broker.bootstrap, streams, 14)
            first, second = sorted(streams)
            assert {s: sorted(set(v)) for s, v in seen.items()} == {
                first: [1, 2, 3, 4, 5, 6, 7],
                second: [1, 2, 3, 4, 5, 6],
            }
        finally:
            await other.stop()
            await admin.close()
            await producer.stop()
            await offsets.close()


async def _checking_relay(store, broker, name: str, batch: int = 500) -> tuple[OutboxRelay, KafkaOffsets]:  # type: ignore[no-untyped-def]
    """A relay on a broker of its own (a `KafkaServer`), its topics created, that checks the broker still holds
    what it acknowledged (its producer started: the caller stops it and the offsets' client)."""
    await ensure_topics(broker.bootstrap, TOPICS_FILE)
    producer = make_producer(ServiceSettings(kafka_bootstrap=broker.bootstrap))
    offsets = KafkaOffsets(broker.bootstrap)
    await producer.start()
    relay = OutboxRelay(
        store,
        producer,
        name=name,
        source="/test",
        batch=batch,
        broker=offsets,
        ensure_topics=lambda: ensure_topics(broker.bootstrap, TOPICS_FILE),
    )
    return relay, offsets


async def _partitions(producer, topic: str) -> int:  # type: ignore[no-untyped-def]
    return len(await producer.partitions_for(topic))
