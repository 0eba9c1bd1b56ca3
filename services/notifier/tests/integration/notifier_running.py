"""A real notifier Runtime on the test servers (Kafka consumer, relay, SMTP sender), and Maildir helpers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from contracts.envelope import Actor, EventEnvelope
from contracts.registry import event_type
from contracts.wire import to_kafka
from devstack.infra import EmbeddedInfra
from devstack.maildir import Maildir
from notifier.bootstrap import build
from notifier.settings import NotifierSettings

ROOT = Path(__file__).resolve().parents[4]
TOPICS = ROOT / "deploy" / "kafka" / "topics.yaml"
SECRET = "ogde-notifier-tests-secret-0123456789-abcdefghijklmnop"


@dataclass
class Notifier:
    runtime: Runtime
    settings: NotifierSettings
    http: httpx.AsyncClient

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    async def wait(self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> None:
        async with asyncio.timeout(timeout):
            while not await predicate():
                await asyncio.sleep(0.1)

    async def notifications(self, **query: Any) -> list[dict[str, Any]]:
        return [d async for d in self.db["notifications"].find(query)]


@asynccontextmanager
async def notifier_running(infra: EmbeddedInfra, **changes: Any) -> AsyncIterator[Notifier]:
    """Starts the notifier as `notifier serve` would (without uvicorn) and waits until it consumes."""
    settings = NotifierSettings(
        **{
            "mongo_uri": infra.mongo_uri,
            "mongo_db": f"t_notifier_{uuid.uuid4().hex[:10]}",
            "kafka_bootstrap": infra.kafka_bootstrap,
            "kafka_group": f"notifier-{uuid.uuid4().hex[:10]}",
            "topics_file": str(TOPICS),
            "smtp_host": infra.smtp_host,
            "smtp_port": infra.smtp_port,
            "jwt_secret": SECRET,
            "send_attempts": 2,
            "retry_initial_seconds": 0.05,
            "redelivery_seconds": 0.3,
            "redelivery_max_seconds": 1.0,
            "sender_poll_seconds": 0.1,
            "smtp_timeout_seconds": 2.0,
            "log_json": False,
            "log_level": "WARNING",
            # No declarations service here: the receipt mail says where to download the PDF (the e2e
            # test of the whole stack checks the attached PDF).
            "declarations_url": None,
            **changes,
        }
    )
    definition = build(settings)
    app = create_app(definition)
    runtime = Runtime(definition)
    await runtime.start()
    attach(app, runtime)
    token = mint(settings, sub="support-1", role="admin")
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://notifier", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        async with asyncio.timeout(60):
            await runtime.consumer_ready.wait()
        yield Notifier(runtime, settings, http)
    finally:
        await http.aclose()
        await runtime.stop()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
        await client.drop_database(settings.database)
        await client.close()


def envelope(data: BaseModel, *, stream_id: str, version: int = 1, territory: str = "974") -> EventEnvelope:
    name = type(data).__name__
    spec = event_type(name)
    return EventEnvelope(
        type=name,
        schema_version=spec.version,
        stream_id=stream_id,
        stream_type=spec.stream_type,
        version=version,
        territory=territory,
        actor=Actor(id="tests", role="system"),
        correlation_id=str(uuid.uuid4()),
        data=data.model_dump(mode="json"),
    ).chained("0" * 64)


async def publish(bootstrap: str, *events: EventEnvelope) -> None:
    """Publishes as a producing service's relay does (CloudEvents binary mode, key = stream id)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for event in events:
            key, value, headers = to_kafka(event, "/tests")
            await producer.send_and_wait(event_type(event.type).topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


def to(address: str) -> Callable[[EmailMessage], bool]:
    return lambda m: address.lower() in str(m.get("To", "")).lower()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def mails(maildir: Maildir, predicate: Callable[[EmailMessage], bool]) -> list[EmailMessage]:
    return [m for m in maildir.messages() if predicate(m)]
