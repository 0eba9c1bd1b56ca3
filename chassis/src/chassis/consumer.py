"""Idempotent event consumer on FastStream: process in a Mongo transaction, then commit the offset.

The consumed event is recorded (inbox) in the same transaction as the handler's effects, so a
redelivered event changes nothing. Offsets are committed only after that transaction (MANUAL ack;
FastStream's default ACK_FIRST would be at-most-once). After `max_attempts` failures the record
goes to `<topic>.dlq` with the error in its headers, and consumption goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

import structlog
from aiokafka import TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge
from pydantic import BaseModel
from pymongo.errors import ConnectionFailure, PyMongoError

from chassis import tracing
from chassis.dead_letters import DeadLetters
from chassis.eventstore import Metadata
from chassis.logging import correlation_id
from chassis.projection import Projector
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.envelope import EventEnvelope
from contracts.recorded import Recorded
from contracts.topics import dlq
from contracts.wire import from_kafka

log = structlog.get_logger(__name__)


class Reaction(Protocol):
    """What reacts to a consumed event besides the projections (a `chassis.policy.Policy`)."""

    @property
    def handles(self) -> frozenset[str]: ...

    async def react(self, event: Recorded[BaseModel], tx: Transaction) -> None: ...


CONSUMED = Counter("consumer_events_total", "Events consumed", ["service", "type", "outcome"])
OUTAGES = Counter("consumer_outage_retries_total", "Retries of an event held while the database is away", ["service"])
LAG = Gauge(
    "consumer_lag_messages",
    "Records of a partition after the one just handled (highwater - offset - 1)",
    ["service", "topic", "partition"],
)


def lag_after(highwater: int | None, offset: int) -> int | None:
    """Records left in the partition once `offset` is handled; None while the highwater is not known yet."""
    if highwater is None:
        return None
    return max(0, highwater - (offset + 1))


def record_lag(service: str, consumer: Any, record: Any) -> None:
    """Sets the partition's lag from the consumer's last fetch: no request to the broker, and never raises
    (a test broker's consumer has no highwater; the metric is not worth failing an event for)."""
    try:
        lag = lag_after(consumer.highwater(TopicPartition(record.topic, record.partition)), record.offset)
    except Exception:  # a gauge left as it was rather than a consume failed
        return
    if lag is not None:
        LAG.labels(service, record.topic, str(record.partition)).set(lag)


def is_outage(exc: BaseException) -> bool:
    """A failure of the database connection, not of the event or the code that handles it."""
    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        uow: UnitOfWork,
        projector: Projector,
        policies: Sequence[Reaction],
        territories: Iterable[str],
        max_attempts: int = 3,
        retry_delay: float = 0.2,
    ) -> None:
        self.name = name
        self.uow = uow
        self.projector = projector
        self.policies = list(policies)
        self.territories = frozenset(territories)
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.interesting = projector.handles | frozenset(t for p in self.policies for t in p.handles)
        self.broker: KafkaBroker | None = None
        self.dead_letters = DeadLetters(uow.store.db, name)

    def subscribe(self, broker: KafkaBroker, topics: Iterable[str], group_id: str, fetch_max_wait_ms: int = 50) -> None:
        """One subscriber for all topics: one consumer-group join (Tansu holds each ~5 s).

        A short fetch wait: Tansu answers a fetch only when the wait expires, so the default
        500 ms would be the floor of every hop between services.
        """
        self.broker = broker
        broker.subscriber(
            *topics,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=fetch_max_wait_ms,
        )(self.on_message)

    async def on_message(self, msg: KafkaMessage) -> None:
        record = msg.raw_message
        headers: list[tuple[str, bytes]] = list(record.headers or [])  # type: ignore[union-attr]
        value: bytes = record.value or b""  # type: ignore[union-attr]
        try:
            envelope = from_kafka(value, headers)
        except ValueError as exc:
            await self._dead_letter(record, headers, value, exc, attempts=1)
            await msg.ack()
            record_lag(self.name, getattr(msg, "consumer", None), record)
            return
        token = correlation_id.set(envelope.correlation_id)
        try:
            with self._span(envelope):
                await self._handle(msg, record, headers, value, envelope)
        finally:
            correlation_id.reset(token)

    def _span(self, envelope: EventEnvelope) -> AbstractContextManager[object]:
        """The consume span, continuing the publish: only for an event this consumer handles."""
        if envelope.territory not in self.territories or envelope.type not in self.interesting:
            return nullcontext()
        attributes = {"messaging.consumer.group.name": self.name, "stream.id": envelope.stream_id}
        return tracing.continued(
            f"consume {envelope.type}", envelope.traceparent, kind=SpanKind.CONSUMER, attributes=attributes
        )

    async def _handle(
        self, msg: KafkaMessage, record: Any, headers: list[tuple[str, bytes]], value: bytes, envelope: EventEnvelope
    ) -> None:
        last_error: Exception | None = None
        attempt = outage = 0
        while attempt < self.max_attempts:
            try:
                outcome = await self.process(envelope)
                CONSUMED.labels(self.name, envelope.type, outcome).inc()
                last_error = None
                break
            except Exception as exc:  # the handler's bug or a passing fault: retry, then DLQ
                if is_outage(exc):
                    # The database is away: the event is not at fault. Wait for it, however long,
                    # holding the partition (dead-lettering here would drop work that is valid).
                    outage += 1
                    OUTAGES.labels(self.name).inc()
                    log.warning("database unavailable; event held", type=envelope.type, error=repr(exc))
                    await asyncio.sleep(min(10.0, self.retry_delay * 2**outage))
                    continue
                attempt += 1
                last_error = exc
                log.warning(
                    "event processing failed",
                    type=envelope.type,
                    event_id=str(envelope.event_id),
                    attempt=attempt,
                    error=repr(exc),
                )
                await asyncio.sleep(self.retry_delay * attempt)
        if last_error is not None:
            CONSUMED.labels(self.name, envelope.type, "dead_lettered").inc()
            await self._dead_letter(record, headers, value, last_error, attempts=self.max_attempts)
        await msg.ack()
        record_lag(self.name, getattr(msg, "consumer", None), record)

    async def process(self, envelope: EventEnvelope) -> str:
        """Applies one event exactly once; returns "processed", "duplicate" or "skipped"."""
        if envelope.territory not in self.territories or envelope.type not in self.interesting:
            return "skipped"
        opened = (await self.uow.store.opened([envelope]))[0]  # decrypted for the code; the inbox keeps the sealed
        event = Recorded.of(opened)  # upcast and validated once, for every projection and policy

        async def work(tx: Transaction) -> str:
            if not await tx.store.record_received(envelope, self.name, session=tx.session):
                return "duplicate"
            await self.projector.apply([event], tx.session)
            for policy in self.policies:
                await policy.react(event, tx)
            return "processed"

        return await self.uow.run(work, meta=Metadata.caused_by(envelope))

    async def _dead_letter(
        self, record: Any, headers: list[tuple[str, bytes]], value: bytes, error: Exception, attempts: int
    ) -> None:
        assert self.broker is not None
        extra = {
            "dlq_error": repr(error)[:2000],
            "dlq_error_type": type(error).__name__,
            "dlq_attempts": str(attempts),
            "dlq_topic": record.topic,
            "dlq_partition": str(record.partition),
            "dlq_offset": str(record.offset),
            "dlq_consumer": self.name,
        }
        all_headers = {k: v.decode(errors="replace") for k, v in headers} | extra
        delay = 0.5
        while True:  # never ack a record we could neither process nor park
            try:
                await self.dead_letters.park(
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=record.key,
                    headers=headers,
                    value=value,
                    error=error,
                    attempts=attempts,
                )
                await self.broker.publish(value, topic=dlq(record.topic), key=record.key, headers=all_headers)
                log.error("event sent to dead-letter topic", **extra)
                return
            except Exception:
                log.exception("dead-letter publish failed; retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
