"""Kafka plumbing: the producer the relay uses, and topic creation from `deploy/kafka/topics.yaml`.

`python -m chassis.kafka create|wait` is the topics job of compose and Kubernetes: `create` makes
the missing topics (with the production replication and configs), `wait` blocks until they exist.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from chassis import topics
from chassis.settings import ServiceSettings

log = structlog.get_logger(__name__)


def producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # acks from the settings ("all" by default); idempotence only where the broker supports it
    # (not Tansu), and the settings refuse idempotence without acks=all.
    acks: str | int = settings.kafka_acks if settings.kafka_acks == "all" else int(settings.kafka_acks)
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks=acks,
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=settings.kafka_linger_ms,
        request_timeout_ms=15000,
        client_id=f"{settings.service_name}-relay",
    )


class KafkaOffsets:
    """Which cluster answers (its id), and what it holds per partition (end offsets), asked through an
    admin client and a consumer that joins no group."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._consumer: AIOKafkaConsumer | None = None

    async def cluster_id(self) -> str:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10000)
        await admin.start()
        try:
            described = await admin.describe_cluster()
        finally:
            await admin.close()
        return str(described["cluster_id"])

    async def end_offsets(self, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """A partition of a topic the cluster does not hold (any more) holds nothing: 0."""
        try:
            if self._consumer is None:
                self._consumer = AIOKafkaConsumer(
                    bootstrap_servers=self.bootstrap, enable_auto_commit=False, request_timeout_ms=10000
                )
                await self._consumer.start()
            consumer = self._consumer
            existing = await consumer.topics()
            held = [
                TopicPartition(t, p)
                for t, p in partitions
                if t in existing and p in (consumer.partitions_for_topic(t) or set())
            ]
            ends = await consumer.end_offsets(held) if held else {}
        except Exception:
            await self.close()  # reconnect from scratch next time (the broker may have restarted)
            raise
        return {(t, p): int(ends.get(TopicPartition(t, p), 0)) for t, p in partitions}

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()


async def ensure_topics(
    bootstrap: str,
    path: str | Path,
    *,
    replication: int | None = None,
    config: Mapping[str, str] | None = None,
    prefix: str = "",
) -> list[str]:
    """Creates the topics of `path` (names prefixed) that do not exist yet; returns those it created."""
    result = await topics.ensure_topics(bootstrap, path, replication_factor=replication, config=config, prefix=prefix)
    return result.created


async def missing_topics(bootstrap: str, path: str | Path) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    return [t.name for t in topics.load_topic_specs(path) if t.name not in existing]


async def wait_for_topics(
    bootstrap: str, path: str | Path, *, within: float = 300.0, poll_seconds: float = 2.0
) -> None:
    """Returns once every topic of `path` exists (another process creates them); TimeoutError after `within` s."""
    async with asyncio.timeout(within):
        while True:
            try:
                missing = await missing_topics(bootstrap, path)
            except Exception as exc:  # broker not up yet: that is what we are waiting for
                missing = [f"(broker: {type(exc).__name__})"]
            if not missing:
                return
            log.info("waiting for topics", missing=missing)
            await asyncio.sleep(poll_seconds)


def _config(pairs: Sequence[str]) -> dict[str, str]:
    config: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--config expects key=value, not {pair!r}")
        config[key.strip()] = value.strip()
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chassis.kafka", description=__doc__)
    parser.add_argument("action", choices=["create", "wait"])
    parser.add_argument("--bootstrap", required=True, help="host:port[,host:port…]")
    parser.add_argument("--file", default="deploy/kafka/topics.yaml", help="topics specification")
    parser.add_argument("--replication", type=int, default=None, help="replication factor of every topic")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="topic config for every topic, e.g. min.insync.replicas=2 (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the broker")
    args = parser.parse_args(argv)

    async def run() -> None:
        if args.action == "wait":
            await wait_for_topics(args.bootstrap, args.file, within=args.timeout)
            return
        async with asyncio.timeout(args.timeout):
            while True:
                try:
                    created = await ensure_topics(
                        args.bootstrap, args.file, replication=args.replication, config=_config(args.config)
                    )
                    print(f"topics created: {', '.join(created) or 'none (all exist)'}")
                    return
                except Exception as exc:  # brokers still starting: retry until the timeout
                    print(f"brokers not ready ({type(exc).__name__}: {exc}); retrying", file=sys.stderr)
                    await asyncio.sleep(2.0)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
