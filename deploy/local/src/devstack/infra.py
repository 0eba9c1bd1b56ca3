"""Kafka + MongoDB + SMTP for tests and ``make run``: embedded servers, or containers on request.

Backend choice (``backend=`` or env ``TEST_INFRA``):
- ``embedded`` (default): Tansu, SecantusDB and aiosmtpd, each its own subprocess;
- ``containers``: Kafka (``confluentinc/cp-kafka``, KRaft) and MongoDB (``mongo:7`` as a one-node
  replica set ``rs0``, so transactions work) via testcontainers. When no Docker engine runs (or
  testcontainers is missing, or the containers fail to start) it logs why and falls back to the
  embedded servers. The SMTP sink stays embedded in both cases (its Maildir is read locally).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Coroutine, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from devstack._aio import run_sync
from devstack.maildir import Maildir
from devstack.servers import DEFAULT_START_TIMEOUT, KafkaServer, ManagedServer, MongoServer, SmtpServer
from devstack.topics import EnsureTopicsResult, ensure_topics

__all__ = [
    "BACKEND_ENV",
    "DEFAULT_TOPICS_SPEC",
    "ContainersUnavailable",
    "EmbeddedInfra",
    "start_containers",
]

log = logging.getLogger(__name__)

BACKEND_ENV = "TEST_INFRA"
# deploy/local/src/devstack/infra.py -> deploy/kafka/topics.yaml
DEFAULT_TOPICS_SPEC = Path(__file__).resolve().parents[3] / "kafka" / "topics.yaml"
DEFAULT_KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
DEFAULT_MONGO_IMAGE = "mongo:7"

Backend = Literal["embedded", "containers"]


class ContainersUnavailable(RuntimeError):
    """The container backend cannot be used here (no Docker engine, no testcontainers, ...)."""


# -- containers ---------------------------------------------------------------------------------


@dataclass
class _Containers:
    kafka: Any
    mongo: Any
    kafka_bootstrap: str
    mongo_uri: str

    def stop(self) -> None:
        for container in (self.kafka, self.mongo):
            try:
                container.stop()
            except Exception as exc:
                log.warning("stopping container %s failed: %r", container, exc)


def _initiate_replica_set(host: str, port: int, timeout: float) -> str:
    """``replSetInitiate`` a fresh ``mongod --replSet rs0``; wait until it is primary."""
    from pymongo import MongoClient
    from pymongo.errors import OperationFailure, PyMongoError

    uri = f"mongodb://{host}:{port}/?directConnection=true&w=majority"
    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=int(timeout * 1000))
    deadline = time.monotonic() + timeout
    try:
        try:
            # The member's host is as mongod sees itself, inside the container.
            client.admin.command("replSetInitiate", {"_id": "rs0", "members": [{"_id": 0, "host": "127.0.0.1:27017"}]})
        except OperationFailure as exc:
            if exc.code != 23:  # AlreadyInitialized
                raise
        while True:
            try:
                if client.admin.command("hello").get("isWritablePrimary"):
                    return f"{uri}&journal=true"
            except PyMongoError:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError("the MongoDB container did not become primary")
            time.sleep(0.2)
    finally:
        client.close()


def start_containers(
    kafka_image: str = DEFAULT_KAFKA_IMAGE,
    mongo_image: str = DEFAULT_MONGO_IMAGE,
    timeout: float = 120.0,
) -> _Containers:
    """Start Kafka and a one-node MongoDB replica set with testcontainers.

    Raises :class:`ContainersUnavailable` when that is impossible here; testcontainers raises
    ``docker.errors.DockerException`` from the container constructor within milliseconds when
    no Docker engine answers, before anything is started.
    """
    try:
        import docker.errors  # type: ignore[import-untyped]
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.mongodb import MongoDbContainer
    except ImportError as exc:
        raise ContainersUnavailable(f"testcontainers is not installed ({exc})") from exc

    class ReplicaSetMongo(MongoDbContainer):
        """mongo:7 as replica set rs0, without the root user (auth + replSet would need a keyFile)."""

        def _configure(self) -> None:
            pass

        def get_connection_url(self) -> str:
            host = self.get_container_host_ip()
            return f"mongodb://{host}:{self.get_exposed_port(self.port)}/?directConnection=true&w=majority"

    try:
        kafka = KafkaContainer(kafka_image).with_kraft()
        mongo = ReplicaSetMongo(mongo_image).with_command("--replSet rs0 --bind_ip_all")
    except docker.errors.DockerException as exc:
        raise ContainersUnavailable(f"no Docker engine ({exc})") from exc

    started: list[Any] = []
    try:
        kafka.start(timeout=int(timeout))
        started.append(kafka)
        mongo.start()
        started.append(mongo)
        mongo_uri = _initiate_replica_set(mongo.get_container_host_ip(), int(mongo.get_exposed_port(27017)), timeout)
        return _Containers(kafka, mongo, kafka.get_bootstrap_server(), mongo_uri)
    except Exception as exc:
        for container in started:
            try:
                container.stop()
            except Exception as stop_exc:
                log.warning("stopping container %s failed: %r", container, stop_exc)
        raise ContainersUnavailable(f"containers failed to start ({exc!r})") from exc


# -- the infra -----------------------------------------------------------------------------------


class EmbeddedInfra:
    """Kafka, MongoDB and an SMTP sink on free (or given) ports under ``var_dir``.

    Use as a context manager (``with`` or ``async with``) or call ``start()``/``stop()``.
    ``var_dir=None`` uses a temporary directory, deleted on ``stop()`` unless ``keep_var_dir``.
    Declared topics (``topics_spec``, None to skip) are created once Kafka is up.
    """

    def __init__(
        self,
        var_dir: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        kafka_port: int | None = None,
        mongo_port: int | None = None,
        smtp_port: int | None = None,
        topics_spec: str | os.PathLike[str] | None = DEFAULT_TOPICS_SPEC,
        backend: str | None = None,
        startup_timeout: float = DEFAULT_START_TIMEOUT,
        keep_var_dir: bool = False,
        kafka_image: str = DEFAULT_KAFKA_IMAGE,
        mongo_image: str = DEFAULT_MONGO_IMAGE,
    ) -> None:
        requested = (backend or os.environ.get(BACKEND_ENV) or "embedded").strip().lower()
        if requested not in ("embedded", "containers"):
            raise ValueError(f"unknown infra backend {requested!r}: 'embedded' or 'containers'")
        self.requested_backend: Backend = "containers" if requested == "containers" else "embedded"
        self.backend: Backend = "embedded"  # what actually runs, known after start()
        self._owns_var_dir = var_dir is None
        self.var_dir = Path(var_dir if var_dir is not None else tempfile.mkdtemp(prefix="devstack-")).resolve()
        self.keep_var_dir = keep_var_dir
        self.topics_spec = Path(topics_spec) if topics_spec is not None else None
        self.startup_timeout = startup_timeout
        self.kafka_image = kafka_image
        self.mongo_image = mongo_image
        self.kafka = KafkaServer(self.var_dir, host=host, port=kafka_port)
        self.mongo = MongoServer(self.var_dir, host=host, port=mongo_port)
        self.smtp = SmtpServer(self.var_dir, host=host, port=smtp_port)
        self.topics: EnsureTopicsResult | None = None
        self.startup_seconds: dict[str, float] = {}
        self._containers: _Containers | None = None
        self._started = False

    # -- addresses ------------------------------------------------------------------------------
    @property
    def kafka_bootstrap(self) -> str:
        return self._containers.kafka_bootstrap if self._containers else self.kafka.bootstrap

    @property
    def mongo_uri(self) -> str:
        return self._containers.mongo_uri if self._containers else self.mongo.uri

    @property
    def smtp_host(self) -> str:
        return self.smtp.host

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    @property
    def maildir(self) -> Maildir:
        return self.smtp.maildir

    @property
    def servers(self) -> list[ManagedServer]:
        """The subprocesses we run (only the SMTP sink when containers are in use)."""
        return [self.smtp] if self._containers else [self.kafka, self.mongo, self.smtp]

    @property
    def started(self) -> bool:
        return self._started

    def summary(self) -> str:
        return (
            f"backend={self.backend} kafka={self.kafka_bootstrap} mongo={self.mongo_uri} "
            f"smtp={self.smtp_host}:{self.smtp_port} maildir={self.maildir.path} var={self.var_dir}"
        )

    def __repr__(self) -> str:
        return f"<EmbeddedInfra {self.summary()}>"

    # -- containers or not ----------------------------------------------------------------------
    def _try_containers(self) -> None:
        if self.requested_backend != "containers":
            return
        t0 = time.monotonic()
        try:
            self._containers = start_containers(self.kafka_image, self.mongo_image, self.startup_timeout)
        except ContainersUnavailable as exc:
            log.warning("%s=containers: %s; falling back to the embedded servers", BACKEND_ENV, exc)
            self._containers = None
        else:
            self.startup_seconds["containers"] = time.monotonic() - t0
            log.info("using containers: kafka %s, mongo %s", self.kafka_bootstrap, self.mongo_uri)
        self.backend = "containers" if self._containers else "embedded"

    # -- lifecycle --------------------------------------------------------------------------------
    # One async implementation of each step; the synchronous methods run it through run_sync,
    # except that the server processes are always spawned from the caller's thread (see
    # ManagedServer.spawn): a synchronous start spawns them, then waits for them on the helper thread.

    def start(self) -> Self:
        """Start everything and return once every server answers and the topics exist."""
        if self._started:
            return self
        t0 = time.monotonic()
        with self._launching():
            self._try_containers()
            self._spawn()
        return run_sync(lambda: self._finish_start_async(t0))

    async def start_async(self) -> Self:
        """Async :meth:`start`; the processes are spawned from the loop's thread."""
        if self._started:
            return self
        t0 = time.monotonic()
        with self._launching():
            if self.requested_backend == "containers":
                await asyncio.to_thread(self._try_containers)
            self._spawn()
        return await self._finish_start_async(t0)

    @contextlib.contextmanager
    def _launching(self) -> Iterator[None]:
        """Around the first half of a start: the var dir exists, and a failure stops everything."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        try:
            yield
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> None:
        for server in self.servers:  # from the calling thread (see ManagedServer.spawn)
            server.spawn()

    async def _finish_start_async(self, t0: float) -> Self:
        """Second half of a start, after the spawns: every server ready, then the topics."""
        try:
            servers = self.servers
            # Concurrently, so each start-up time is its own. A port-race respawn happens on the
            # thread running this (run_sync's helper thread for a synchronous start).
            await _all_or_none(s.finish_start_async(self.startup_timeout) for s in servers)
            for server in servers:
                self.startup_seconds[server.name] = server.startup_seconds or 0.0
            self._started = True
            await self.ensure_topics_async()
        except BaseException:
            await self.stop_async()
            raise
        self.startup_seconds["total"] = time.monotonic() - t0
        log.info("infra ready in %.2f s: %s", self.startup_seconds["total"], self.summary())
        return self

    async def ensure_topics_async(self) -> EnsureTopicsResult | None:
        """(Re)create the declared topics, e.g. after a Tansu restart (it keeps nothing)."""
        if self.topics_spec is None:
            return None
        t0 = time.monotonic()
        self.topics = await ensure_topics(self.kafka_bootstrap, self.topics_spec, timeout=self.startup_timeout)
        self.startup_seconds["topics"] = time.monotonic() - t0
        return self.topics

    def ensure_topics(self) -> EnsureTopicsResult | None:
        """Synchronous :meth:`ensure_topics_async`."""
        return run_sync(self.ensure_topics_async)

    def restart_kafka(self, *, hard: bool = False) -> None:
        """Restart the embedded broker on the same port and recreate the topics (all else is lost)."""
        self._require_embedded()
        self.kafka.restart(self.startup_timeout, hard=hard)  # respawned from this thread
        self.ensure_topics()

    async def restart_kafka_async(self, *, hard: bool = False) -> None:
        """Async :meth:`restart_kafka`."""
        self._require_embedded()
        await self.kafka.restart_async(self.startup_timeout, hard=hard)
        await self.ensure_topics_async()

    def restart_mongo(self, *, hard: bool = False) -> None:
        """Restart the embedded MongoDB on the same port and storage (``hard``: SIGKILL first)."""
        self._require_embedded()
        self.mongo.restart(self.startup_timeout, hard=hard)  # respawned from this thread

    async def restart_mongo_async(self, *, hard: bool = False) -> None:
        """Async :meth:`restart_mongo`."""
        self._require_embedded()
        await self.mongo.restart_async(self.startup_timeout, hard=hard)

    def _require_embedded(self) -> None:
        if self._containers is not None:
            raise RuntimeError("only the embedded servers can be restarted")

    async def stop_async(self) -> None:
        """Stop the servers (SIGTERM to all at once) and the containers; delete a temporary var dir."""
        servers = (self.kafka, self.mongo, self.smtp)
        await asyncio.gather(*(s.stop_async() for s in servers), return_exceptions=True)
        if self._containers is not None:
            await asyncio.to_thread(self._containers.stop)
            self._containers = None
        self._started = False
        if self._owns_var_dir and not self.keep_var_dir:
            shutil.rmtree(self.var_dir, ignore_errors=True)

    def stop(self) -> None:
        """Synchronous :meth:`stop_async`."""
        run_sync(self.stop_async)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.start_async()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop_async()


async def _all_or_none(coroutines: Iterable[Coroutine[Any, Any, object]]) -> None:
    """Await them concurrently; when one fails, cancel the others before raising its error
    (so that no server goes on starting, or respawns, while the infra is being stopped)."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
