"""Pytest fixtures for the shared test infrastructure (registered by /work/main/conftest.py).

Fixtures:
- ``infra`` (session): an :class:`~devstack.infra.EmbeddedInfra`, started once, topics created,
  stopped at the end. ``TEST_INFRA=containers`` tries testcontainers first (falls back when no
  Docker engine runs). ``DEVSTACK_STARTUP_TIMEOUT`` (s, default 60) is the start-up budget per
  server; ``DEVSTACK_TEST_VAR_DIR`` puts data and logs there instead of pytest's tmp dir.
- ``kafka_bootstrap``, ``mongo_uri`` (session): the addresses.
- ``mongo_client`` (function, async): ``AsyncMongoClient(mongo_uri, tz_aware=True)``.
- ``mongo_db`` (function, async): a database with a fresh name, dropped after the test.
- ``maildir`` (function): the SMTP sink's Maildir, emptied before the test.

Async fixtures follow the configured default loop scope (session in this repo): a test that
asks for ``loop_scope="function"`` should build its own client instead of ``mongo_client``.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

if TYPE_CHECKING:  # imported lazily: collecting tests must not pay for aiokafka/pymongo
    from pymongo import AsyncMongoClient
    from pymongo.asynchronous.database import AsyncDatabase

    from devstack.infra import EmbeddedInfra
    from devstack.maildir import Maildir

STARTUP_TIMEOUT_ENV = "DEVSTACK_STARTUP_TIMEOUT"
VAR_DIR_ENV = "DEVSTACK_TEST_VAR_DIR"
DEFAULT_STARTUP_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedInfra]:
    from devstack.infra import EmbeddedInfra

    var_dir = Path(os.environ[VAR_DIR_ENV]) if os.environ.get(VAR_DIR_ENV) else tmp_path_factory.mktemp("devstack")
    budget = float(os.environ.get(STARTUP_TIMEOUT_ENV, DEFAULT_STARTUP_TIMEOUT))
    stack = EmbeddedInfra(var_dir, startup_timeout=budget)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(infra: EmbeddedInfra) -> str:
    return infra.kafka_bootstrap


@pytest.fixture(scope="session")
def mongo_uri(infra: EmbeddedInfra) -> str:
    return infra.mongo_uri


@pytest_asyncio.fixture
async def mongo_client(mongo_uri: str) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    try:
        yield client
    finally:
        await client.close()


def fresh_db_name(label: str) -> str:
    """A unique, valid MongoDB database name (< 64 bytes, no ``./\\ "$``) derived from ``label``."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", label).strip("_")[:40] or "db"
    return f"t_{slug}_{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture
async def mongo_db(
    mongo_client: AsyncMongoClient[dict[str, Any]], request: pytest.FixtureRequest
) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    name = fresh_db_name(request.node.name)
    try:
        yield mongo_client[name]
    finally:
        await mongo_client.drop_database(name)


@pytest.fixture
def maildir(infra: EmbeddedInfra) -> Maildir:
    infra.maildir.clear()
    return infra.maildir
