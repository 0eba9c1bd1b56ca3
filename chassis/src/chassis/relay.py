"""Outbox relay: publishes the service's stored events to Kafka in log order, at least once.

Progress is a checkpoint (last published position) in Mongo, written only after Kafka acknowledged
every event up to it: a crash between publish and checkpoint publishes again, never skips. Positions
become visible in increasing order (see eventstore), so the checkpoint never passes a late commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge

from chassis.eventstore import EventStore
from contracts.envelope import EventEnvelope
from contracts.registry import event_type
from contracts.wire import to_kafka

log = structlog.get_logger(__name__)

PUBLISHED = Counter("relay_events_published_total", "Events the outbox relay published", ["service"])
LAG = Gauge("relay_lag_events", "Stored events not yet published", ["service"])
FAILURES = Counter("relay_failures_total", "Relay passes that failed (broker or database away)", ["service"])


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

    def stuck_for(self, now: float) -> float:
        """Seconds the relay has been failing to publish (0 when it is not)."""
        return 0.0 if self.failing_since is None else now - self.failing_since

    def notify(self) -> None:
        """Something was appended: publish now rather than at the next poll."""
        self._wake.set()

    async def checkpoint(self) -> int:
        doc = await self._checkpoints.find_one({"_id": self.name})
        return int(doc["position"]) if doc else 0

    async def publish_pending(self) -> int:
        """Publishes one batch after the checkpoint; returns how many events it published."""
        after = await self.checkpoint()
        events = await self.store.read_all(after, limit=self.batch)
        if not events:
            LAG.labels(self.name).set(0)
            return 0
        futures = []
        for envelope in events:
            key, value, headers = to_kafka(envelope, self.source)
            topic = self.topic_prefix + event_type(envelope.type).topic
            futures.append(await self.producer.send(topic, value=value, key=key, headers=headers))
        await asyncio.gather(*futures)  # every event acknowledged by the broker (acks=all)
        if self.before_checkpoint:
            await self.before_checkpoint(events)
        last = events[-1].position
        await self._checkpoints.update_one({"_id": self.name}, {"$set": {"position": last}}, upsert=True)
        PUBLISHED.labels(self.name).inc(len(events))
        LAG.labels(self.name).set(max(0, await self.store.last_position() - (last or 0)))
        return len(events)

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
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
                await asyncio.sleep(1.0)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
