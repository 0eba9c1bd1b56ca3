"""Outbox relay: publishes the service's stored events to Kafka in log order, at least once.

Progress is a checkpoint (last published position) in Mongo, written only after Kafka acknowledged
every event up to it: a crash between publish and checkpoint publishes again, never skips. Positions
become visible in increasing order (see eventstore), so the checkpoint never passes a late commit.

A broker that forgets is caught before it can lose anything for good. Two signs, checked at start,
after any failure and every `check_seconds`: the cluster is another one than the one that acknowledged
the published events (its cluster id changed: our embedded Tansu keeps its log in memory and starts as
a new cluster; a Kafka cluster rebuilt from nothing), or a partition that acknowledged records now ends at
or before the first offset of the last pass that wrote to it, or below where it ended at the previous check (a
topic deleted or re-created by mistake, even one written to again since: a partition's end never moves back on
a healthy broker). Not the last offset acknowledged: Tansu reports a partition's end as the first offset of its
last batch plus one, below the last offset acknowledged whenever records were batched, but never at or below
the first record of the pass that sent that batch. Between two checks, a send acknowledged at an offset not above the
last one acknowledged on its partition means the same, and is caught before its batch is checkpointed. Then
the topics are created again and the whole log is published again from its first event, before any new
send; consumers drop what they already processed (their inbox), so nothing is lost and nothing is applied
twice. On a durable cluster the check is one Metadata and one ListOffsets
request every `check_seconds`, and it never fires.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge

from chassis import tracing
from chassis.eventstore import EventStore
from contracts.envelope import EventEnvelope
from contracts.registry import event_type
from contracts.wire import to_kafka

log = structlog.get_logger(__name__)

PUBLISHED = Counter("relay_events_published_total", "Events the outbox relay published", ["service"])
LAG = Gauge("relay_lag_events", "Stored events not yet published", ["service"])
FAILURES = Counter("relay_failures_total", "Relay passes that failed (broker or database away)", ["service"])
REPUBLISHED = Counter(
    "relay_republications_total", "Times the broker had lost events and the log was published again", ["service"]
)
Partition = tuple[str, int]


class BrokerOffsets(Protocol):
    """Which cluster the broker is, and what it holds (the end offset of each partition)."""

    async def cluster_id(self) -> str: ...

    async def end_offsets(self, partitions: list[Partition]) -> dict[Partition, int]: ...


class BrokerForgot(Exception):
    """The broker acknowledged an offset it had acknowledged already: it lost what it held (a new cluster, a
    topic re-created). The batch is not checkpointed; the check that follows publishes the whole log again."""


class OutboxRelay:
    def __init__(
        self,
        store: EventStore,
        producer: AIOKafkaProducer,
        *,
        name: str,
        source: str,
        batch: int = 500,
        poll_seconds: float = 0.2,
        before_checkpoint: Callable[[list[EventEnvelope]], Awaitable[None]] | None = None,
        topic_prefix: str = "",
        broker: BrokerOffsets | None = None,
        ensure_topics: Callable[[], Awaitable[object]] | None = None,
        check_seconds: float = 10.0,
    ) -> None:
        self.store = store
        self.producer = producer
        self.name = name
        self.source = source
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.before_checkpoint = before_checkpoint  # a test hook: crash between publish and checkpoint
        self.topic_prefix = topic_prefix
        self._wake = asyncio.Event()
        self._checkpoints = store.db["relay_checkpoints"]
        self.failing_since: float | None = None
        self.last_error: str | None = None
        self.broker = broker
        self.ensure_topics = ensure_topics
        self.check_seconds = check_seconds
        self._acknowledged: dict[Partition, int] | None = None
        self._floors: dict[Partition, int] | None = None
        """The first offset of the last pass that wrote to each partition: its end is above it."""
        self._forgot = False
        """A send was acknowledged at an offset acknowledged before: the broker lost what it held."""
        self._published: int | None = None

    def stuck_for(self, now: float) -> float:
        """Seconds the relay has been failing to publish (0 when it is not)."""
        return 0.0 if self.failing_since is None else now - self.failing_since

    def notify(self) -> None:
        """Something was appended: publish now rather than at the next poll."""
        self._wake.set()

    async def checkpoint(self) -> int:
        """The last position published. Read once: this relay is the checkpoint's only writer, so it then
        knows it without asking (one command less on every hop)."""
        if self._published is None:
            doc = await self._checkpoints.find_one({"_id": self.name})
            self._published = int(doc.get("position", 0)) if doc else 0
        return self._published

    async def acknowledged(self) -> dict[Partition, int]:
        """The highest offset the broker acknowledged on each partition this relay wrote to."""
        if self._acknowledged is None:
            doc = await self._checkpoints.find_one({"_id": self.name}) or {}
            self._acknowledged = _offsets(doc.get("acknowledged", []))
            self._floors = _offsets(doc.get("floors", []))
        return self._acknowledged

    async def broker_forgot(self) -> bool:
        """Whether the broker is no longer the one that acknowledged what was published, or a partition that
        acknowledged records holds none or ends below the end seen at the previous check."""
        if self._forgot:
            return True
        if self.broker is None:
            return False
        doc = await self._checkpoints.find_one({"_id": self.name}) or {}
        cluster = await self.broker.cluster_id()
        if doc.get("cluster_id") is None:
            await self._checkpoints.update_one({"_id": self.name}, {"$set": {"cluster_id": cluster}}, upsert=True)
        elif doc["cluster_id"] != cluster:
            return True
        known = await self.acknowledged()
        held = await self.broker.end_offsets(list(known)) if known else {}
        seen = _offsets(doc.get("ends", []))
        floors = self._floors or {}
        for partition in known:
            end = held.get(partition, 0)
            if end == 0 or end <= floors.get(partition, -1) or end < seen.get(partition, 0):
                return True
        if held and held != seen:
            await self._checkpoints.update_one({"_id": self.name}, {"$set": {"ends": _triples(held)}}, upsert=True)
        return False

    async def recover_if_forgotten(self) -> bool:
        """When the broker lost acknowledged events: topics again, and the whole log published again."""
        if not await self.broker_forgot():
            return False
        log.warning("broker lost acknowledged events: publishing the whole log again", relay=self.name)
        if self.ensure_topics is not None:
            await self.ensure_topics()
        assert self.broker is not None
        self._acknowledged, self._floors, self._forgot = {}, {}, False
        reset = {
            "position": 0,
            "acknowledged": [],
            "floors": [],
            "ends": [],
            "cluster_id": await self.broker.cluster_id(),
        }
        await self._checkpoints.update_one({"_id": self.name}, {"$set": reset}, upsert=True)
        self._published = 0
        REPUBLISHED.labels(self.name).inc()
        return True

    async def publish_pending(self) -> int:
        """Publishes one batch after the checkpoint; returns how many events it published."""
        after = await self.checkpoint()
        events = await self.store.read_all(after, limit=self.batch)
        if not events:
            LAG.labels(self.name).set(0)
            return 0
        futures = []
        spans = []
        for envelope in events:
            topic = self.topic_prefix + event_type(envelope.type).topic
            published = tracing.start(
                f"publish {envelope.type}",
                kind=SpanKind.PRODUCER,
                parent=envelope.traceparent,
                attributes={"messaging.destination.name": topic, "stream.id": envelope.stream_id},
            )
            if published is not None:  # the consumer continues the publish, child of the append
                spans.append(published)
                envelope = envelope.traced(tracing.traceparent_of(published))
            key, value, headers = to_kafka(envelope, self.source)
            futures.append(await self.producer.send(topic, value=value, key=key, headers=headers))
        try:
            written = await asyncio.gather(*futures)  # every event acknowledged by the broker (acks=all)
        finally:
            for published in spans:
                published.end()
        if self.before_checkpoint:
            await self.before_checkpoint(events)
        acknowledged = await self.acknowledged()
        for record in written:
            if record.offset <= acknowledged.get((record.topic, record.partition), -1):
                self._forgot = True
                raise BrokerForgot(f"{record.topic}[{record.partition}] acknowledged offset {record.offset} again")
        floors = self._floors if self._floors is not None else {}
        passed: dict[Partition, int] = {}
        for record in written:
            partition = (record.topic, record.partition)
            acknowledged[partition] = max(acknowledged.get(partition, -1), record.offset)
            passed[partition] = min(passed.get(partition, record.offset), record.offset)
        floors.update(passed)
        self._floors = floors
        last = events[-1].position
        await self._checkpoints.update_one(
            {"_id": self.name},
            {"$set": {"position": last, "acknowledged": _triples(acknowledged), "floors": _triples(floors)}},
            upsert=True,
        )
        self._published = last
        PUBLISHED.labels(self.name).inc(len(events))
        # A short batch was all there was when it was read: no need to ask the counter.
        lag = 0 if len(events) < self.batch else max(0, await self.store.last_position() - (last or 0))
        LAG.labels(self.name).set(lag)
        return len(events)

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_check = loop.time()  # at start, and after every failure, before publishing anything
        while not stop.is_set():
            try:
                if loop.time() >= next_check:
                    await self.recover_if_forgotten()
                    next_check = loop.time() + self.check_seconds
                # Cleared before reading, not after: an append notified while a pass runs wakes the next one
                # at once (cleared after, its event would wait for the next poll).
                self._wake.clear()
                while await self.publish_pending() == self.batch:
                    pass
                self.failing_since, self.last_error = None, None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or Mongo away: keep the checkpoint, try again later
                log.exception("relay publish failed; retrying", relay=self.name)
                FAILURES.labels(self.name).inc()
                self.failing_since = self.failing_since or loop.time()
                self.last_error = type(exc).__name__
                with contextlib.suppress(Exception):
                    LAG.labels(self.name).set(max(0, await self.store.last_position() - await self.checkpoint()))
                next_check = loop.time()
                await asyncio.sleep(1.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)


def _triples(offsets: dict[Partition, int]) -> list[list[str | int]]:
    """Offsets per partition as stored: [topic, partition, offset], in a stable order."""
    return [[t, p, o] for (t, p), o in sorted(offsets.items())]


def _offsets(stored: list[list[Any]]) -> dict[Partition, int]:
    """Offsets per partition as `_triples` stored them."""
    return {(str(t), int(p)): int(o) for t, p, o in stored}
