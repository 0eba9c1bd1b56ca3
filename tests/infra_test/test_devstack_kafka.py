"""Tansu through aiokafka: topics from deploy/kafka/topics.yaml, produce and consume."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from devstack.infra import DEFAULT_TOPICS_SPEC, EmbeddedInfra
from devstack.servers import KafkaServer, kafka_metadata
from devstack.topics import ensure_topics, load_topic_specs

EVENT_TOPICS = ["declarations.events", "taxcalc.events", "essoc.events", "notifier.events"]


def test_topics_spec_declares_events_dlqs_and_the_audit_seals() -> None:
    specs = {s.name: s.partitions for s in load_topic_specs(DEFAULT_TOPICS_SPEC)}
    events = {**dict.fromkeys(EVENT_TOPICS, 6), **{f"{t}.dlq": 1 for t in EVENT_TOPICS}}
    assert specs == {**events, "audit.seals": 1}


async def test_declared_topics_exist_with_their_partition_counts(infra: EmbeddedInfra) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([*EVENT_TOPICS, *(f"{t}.dlq" for t in EVENT_TOPICS)])
    finally:
        await admin.close()
    counts = {d["topic"]: len(d["partitions"]) for d in described}
    assert counts == {**dict.fromkeys(EVENT_TOPICS, 6), **{f"{t}.dlq": 1 for t in EVENT_TOPICS}}


async def test_ensure_topics_is_idempotent(infra: EmbeddedInfra) -> None:
    assert infra.topics is not None and set(infra.topics.created) >= set(EVENT_TOPICS)
    again = await ensure_topics(infra.kafka_bootstrap, DEFAULT_TOPICS_SPEC)
    assert again.created == []
    assert set(again.existing) == set(again.partitions) and again.mismatched == {}


async def test_ensure_topics_reports_a_partition_mismatch(infra: EmbeddedInfra, tmp_path: Path) -> None:
    spec = tmp_path / "topics.yaml"
    spec.write_text("topics:\n  - name: declarations.events\n    partitions: 12\n", encoding="utf-8")
    result = await ensure_topics(infra.kafka_bootstrap, spec)
    assert result.created == [] and result.mismatched == {"declarations.events": (12, 6)}


async def test_produce_and_consume(kafka_bootstrap: str) -> None:
    key = uuid.uuid4().hex.encode()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            "declarations.events", b'{"type": "DeclarationDrafted"}', key=key, headers=[("ce_type", b"x")]
        )
    finally:
        await producer.stop()
    assert 0 <= sent.partition < 6

    consumer = AIOKafkaConsumer(
        "declarations.events",
        bootstrap_servers=kafka_bootstrap,
        group_id=f"devstack-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        # Tansu holds a group join for session_timeout_ms / 2: 3 s here instead of 5 s.
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            async for msg in consumer:
                if msg.key == key:
                    break
        await consumer.commit()
    finally:
        await consumer.stop()
    assert msg.value == b'{"type": "DeclarationDrafted"}'
    assert msg.partition == sent.partition and msg.offset == sent.offset
    assert msg.headers == (("ce_type", b"x"),)


async def test_broker_restart_loses_topics_and_ensure_recreates_them(tmp_path: Path) -> None:
    async with KafkaServer(tmp_path) as kafka:
        await ensure_topics(kafka.bootstrap, DEFAULT_TOPICS_SPEC)
        port = kafka.port
        await kafka.restart_async(hard=True)
        assert kafka.port == port
        assert not set(EVENT_TOPICS) & set(await kafka_metadata(kafka.bootstrap))  # memory storage
        again = await ensure_topics(kafka.bootstrap, DEFAULT_TOPICS_SPEC)
        assert set(again.created) >= set(EVENT_TOPICS)
    assert not kafka.running
