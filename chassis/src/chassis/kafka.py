"""Kafka plumbing: the producer the relay uses, and topic creation from `deploy/kafka/topics.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog
import yaml
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from chassis.settings import ServiceSettings

log = structlog.get_logger(__name__)


def producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # acks=all always; idempotence only where the broker supports it (not Tansu).
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        request_timeout_ms=15000,
        client_id=f"{settings.service_name}-relay",
    )


def load_topics(path: str | Path) -> list[dict[str, Any]]:
    spec = yaml.safe_load(Path(path).read_text())
    topics: list[dict[str, Any]] = spec["topics"]
    return topics


async def ensure_topics(bootstrap: str, path: str | Path, *, replication: int | None = None) -> list[str]:
    """Creates the topics of `path` that do not exist yet; returns the names it created."""
    wanted = load_topics(path)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=t["name"],
                num_partitions=int(t["partitions"]),
                replication_factor=int(replication or t.get("replication", 1)),
                topic_configs={k: str(v) for k, v in (t.get("config") or {}).items()},
            )
            for t in wanted
            if t["name"] not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another service created it meanwhile: that is the point of idempotence
            log.info("topics created", topics=[t.name for t in missing])
        return [t.name for t in missing]
    finally:
        await admin.close()
