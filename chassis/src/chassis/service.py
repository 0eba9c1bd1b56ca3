"""Wires one service: Mongo, event store, projections, outbox relay, Kafka consumer, HTTP app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import structlog
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from tenacity import AsyncRetrying, stop_after_delay, wait_exponential

from chassis import kafka, logging
from chassis.audit import Fold
from chassis.audit_search import ensure_indexes as ensure_audit_indexes
from chassis.consumer import EventConsumer, Reaction
from chassis.erasure import ErasureJob
from chassis.eventstore import EventStore
from chassis.field_cipher import FieldCipher
from chassis.http import admin, audit, auth, idempotency, observability, openapi, personal_data, problems
from chassis.http.guards import BodyLimits, RequestGuard
from chassis.http.observability import Unready
from chassis.instances import Instances
from chassis.keystore import open_keystore
from chassis.mongo import connect, in_transaction
from chassis.personal_data import ensure_indexes as ensure_personal_indexes
from chassis.projection import Projection, Projector
from chassis.relay import OutboxRelay
from chassis.seals import TOPIC as SEALS_TOPIC
from chassis.seals import Seals
from chassis.settings import ServiceSettings
from chassis.unit_of_work import UnitOfWork
from contracts.audit import load_keyring, load_private_key
from contracts.envelope import utc_now

log = structlog.get_logger(__name__)

S = TypeVar("S")
Loop = Callable[[asyncio.Event], Awaitable[None]]


@dataclass
class Wiring:
    """What a service's `bootstrap` builds once the database is reachable.

    `services` is what its HTTP routes depend on (see `services_of`), `policies` react to the events
    it consumes, `background` are the loops that run until the stop event is set.
    """

    services: object = None
    policies: Sequence[Reaction] = ()
    background: Sequence[Loop] = ()


Wire = Callable[["Runtime"], Awaitable[Wiring]]


@dataclass
class ServiceDefinition:
    name: str
    settings: ServiceSettings
    title: str = ""
    description: str = ""
    projections: Sequence[Projection] = ()
    subscribe_topics: Sequence[str] = ()
    routers: Sequence[APIRouter] = ()
    wire: Wire | None = None
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    audit_folds: Mapping[str, Fold] = field(default_factory=dict)
    """Per stream type, the fold the service decides with: what an auditor's read as of a date shows."""


class Runtime:
    """Everything a running service holds; built by `start`, released by `stop`."""

    def __init__(self, definition: ServiceDefinition, client: AsyncMongoClient[dict[str, Any]] | None = None) -> None:
        self.definition = definition
        self.settings = definition.settings
        self.name = definition.name
        self._owns_client = client is None
        self.client: AsyncMongoClient[dict[str, Any]] = client or connect(self.settings.mongo_uri)
        self.db: AsyncDatabase[dict[str, Any]] = self.client[self.settings.database]
        self.keys = open_keystore(self.settings, self.client)
        self.store = EventStore(self.db, max_event_bytes=self.settings.max_event_bytes, cipher=FieldCipher(self.keys))
        self.projector = Projector(self.db, definition.projections)
        self.relay: OutboxRelay | None = None
        self.seals = Seals(
            self.db,
            self.name,
            key=load_private_key(self.settings.audit_signing_key) if self.settings.audit_signing_key else None,
            keyring=load_keyring(self.settings.audit_keyring) if self.settings.audit_keyring else None,
            transaction=lambda work: in_transaction(self.client, work),
        )
        self.uow = UnitOfWork(self.client, self.store, self.projector, on_committed=self._appended)
        self.instances = Instances(self.db)
        self.producer: AIOKafkaProducer | None = None
        self.offsets: kafka.KafkaOffsets | None = None
        self.broker: KafkaBroker | None = None
        self.consumer: EventConsumer | None = None
        self.consumer_ready = asyncio.Event()
        self.wiring = Wiring()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _ensure_topics(self) -> None:
        topics_file = Path(self.settings.topics_file)
        if await asyncio.to_thread(topics_file.exists):
            await kafka.ensure_topics(
                self.settings.kafka_bootstrap, topics_file, prefix=self.settings.kafka_topic_prefix
            )

    def _appended(self) -> None:
        if self.relay is not None:
            self.relay.notify()

    async def start_storage(self) -> None:
        await self.instances.ensure_indexes()
        await self.instances.beat()
        await self.store.ensure_indexes()
        await self.projector.ensure_indexes()
        await self.seals.ensure_indexes()
        await ensure_audit_indexes(self.db)
        await ensure_personal_indexes(self.db, self.name)

    async def wire(self) -> Wiring:
        """Indexes, then the service's own wiring: enough to serve HTTP, without Kafka."""
        await self.start_storage()
        if self.definition.wire is not None:
            self.wiring = await self.definition.wire(self)
        self.consumer = EventConsumer(
            name=self.name,
            uow=self.uow,
            projector=self.projector,
            policies=self.wiring.policies,
            territories=self.settings.territories,
            max_attempts=self.settings.consumer_max_attempts,
        )
        await self.consumer.dead_letters.refresh_gauge()
        return self.wiring

    async def start(self) -> None:
        await self.wire()
        self._spawn(self.instances.run(self._stop), "instances")
        async for attempt in AsyncRetrying(stop=stop_after_delay(60), wait=wait_exponential(max=3), reraise=True):
            with attempt:
                await self._ensure_topics()
        if self.settings.relay_enabled:
            self.producer = kafka.producer(self.settings)
            await self.producer.start()
            self.offsets = kafka.KafkaOffsets(self.settings.kafka_bootstrap)
            self.relay = OutboxRelay(
                self.store,
                self.producer,
                name=self.name,
                source=f"/{self.name}",
                batch=self.settings.relay_batch,
                poll_seconds=self.settings.relay_poll_seconds,
                topic_prefix=self.settings.kafka_topic_prefix,
                broker=self.offsets,
                ensure_topics=self._ensure_topics,
                check_seconds=self.settings.relay_check_seconds,
            )
            self._spawn(self.relay.run(self._stop), "relay")
        if self.settings.consume and self.definition.subscribe_topics:
            self._spawn(self._start_consumer(), "consumer")
        else:
            self.consumer_ready.set()
        if self.settings.background_enabled and self.seals.key is not None:
            self._spawn(self._seal(), "seals")
        if self.settings.background_enabled:
            erasure = ErasureJob(
                self.db,
                self.keys,
                self.projector,
                self.store,
                utc_now,
                self.settings.erasure_seconds,
                erase_due_subjects=self.settings.erasure_of_due_subjects,
            )
            self._spawn(erasure.run(self._stop), "erasure")
        for loop in self.wiring.background if self.settings.background_enabled else ():
            self._spawn(loop(self._stop), getattr(loop, "__name__", "background"))

    async def _seal(self) -> None:
        await self.seals.run(
            self._stop,
            every_seconds=self.settings.audit_seal_seconds,
            publish=self._publish if self.producer is not None else None,
            topic=self.seals_topic,
        )

    @property
    def seals_topic(self) -> str:
        return self.settings.kafka_topic_prefix + SEALS_TOPIC

    async def _publish(self, topic: str, key: bytes, value: bytes) -> None:
        assert self.producer is not None
        await self.producer.send_and_wait(topic, value=value, key=key)

    async def publish_seals(self) -> int:
        """Publishes the seals not yet on the broker (none without a producer: the loop does it later)."""
        if self.producer is None:
            return 0
        return await self.seals.publish_pending(self._publish, self.seals_topic)

    async def _start_consumer(self) -> None:
        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap, enable_idempotence=False, client_id=f"{self.name}-consumer", logger=None
        )
        assert self.consumer is not None
        topics = [self.settings.kafka_topic_prefix + t for t in self.definition.subscribe_topics]
        self.consumer.subscribe(
            self.broker, topics, self.settings.group_id, fetch_max_wait_ms=self.settings.consumer_fetch_wait_ms
        )
        await self.broker.start()  # joins the group: Tansu holds a join ~5 s
        self.consumer_ready.set()
        log.info("consumer started", topics=list(self.definition.subscribe_topics))

    def _spawn(self, coro: Awaitable[None], name: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task crashed", task=name)

        self._tasks.append(asyncio.create_task(guarded(), name=f"{self.name}:{name}"))

    async def stop(self, *, step_seconds: float = 5.0) -> None:
        """Stops consuming, background work, then flushes and closes; each step is bounded, so a broker
        that is already gone cannot hold the shutdown (what is not published stays in the log and the
        relay publishes it at the next start)."""
        self._stop.set()

        async def bounded(step: Awaitable[object]) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(step, timeout=step_seconds)

        if self.broker is not None:
            await bounded(self.broker.stop())
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.relay is not None:
            await bounded(self.relay.publish_pending())
        if self.producer is not None:
            await bounded(self.producer.stop())
        if self.offsets is not None:
            await bounded(self.offsets.close())
        if self._owns_client:
            await self.client.close()

    async def check_mongo(self) -> None:
        await self.client.admin.command("ping")

    async def check_kafka(self) -> None:
        if self.producer is None:
            return
        await self.producer.client.fetch_all_metadata()

    async def check_consumer(self) -> None:
        if not self.consumer_ready.is_set():
            raise Unready("le consommateur n'a pas encore rejoint son groupe")

    async def dead_letter_count(self) -> int:
        return 0 if self.consumer is None else await self.consumer.dead_letters.count()

    async def check_relay(self) -> None:
        if self.relay is None:
            return
        stuck = self.relay.stuck_for(asyncio.get_running_loop().time())
        if stuck > self.settings.relay_stuck_seconds:
            raise Unready(f"la publication des événements échoue depuis {stuck:.0f} s ({self.relay.last_error})")


def attach(app: FastAPI, runtime: Runtime) -> None:
    """Lets `app` serve with `runtime` (its lifespan does it; tests that start a runtime themselves too)."""
    app.state.runtime = runtime
    app.state.services = runtime.wiring.services


def services_of(kind: type[S]) -> Callable[[Request], S]:
    """A FastAPI dependency giving routes the service's wired dependencies, typed."""

    def services(request: Request) -> S:
        found = request.app.state.services
        if not isinstance(found, kind):
            raise RuntimeError(f"the app is not wired with {kind.__name__}")
        return found

    return services


def create_app(definition: ServiceDefinition) -> FastAPI:
    settings = definition.settings
    logging.configure(definition.name, settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(definition)
        await runtime.start()
        attach(app, runtime)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=definition.title or definition.name,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.token_verifier = auth.TokenVerifier(settings)
    problems.install(app)
    openapi.install(app)
    idempotency.install(app, lambda a: a.state.runtime.db["idempotency_keys"])
    observability.install(app, definition.name)
    app.add_middleware(RequestGuard, limits=definition.body_limits)  # outermost: before anything reads a body

    def runtime_of() -> Runtime:
        runtime: Runtime = app.state.runtime
        return runtime

    app.include_router(
        observability.health_router(
            {
                "mongo": lambda: runtime_of().check_mongo(),
                "kafka": lambda: runtime_of().check_kafka(),
                "consumer": lambda: runtime_of().check_consumer(),
                "relay": lambda: runtime_of().check_relay(),
            },
            notes={"dead_letters": lambda: runtime_of().dead_letter_count()},
            service=definition.name,
        )
    )
    for router in (*definition.routers, admin.router, audit.router, personal_data.router):
        app.include_router(router, prefix="/api/v1")
    return app
