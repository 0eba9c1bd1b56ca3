"""The four services in process on the embedded MongoDB, without Kafka (security_support.py builds them)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from security_support import BUILDERS, InProcess, _started


@pytest.fixture(scope="module")
async def services(mongo_uri: str) -> AsyncIterator[dict[str, InProcess]]:
    started = {name: await _started(build(mongo_uri)) for name, build in BUILDERS.items()}
    try:
        yield started
    finally:
        for service in started.values():
            await service.runtime.client.drop_database(service.runtime.db.name)
            await service.runtime.client.close()
