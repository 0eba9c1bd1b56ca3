"""The portal in process, with its services unreachable (a real refused connection, nothing faked) and its
sessions in the embedded MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.ports import free_port
from devstack.pytest_plugin import fresh_db_name
from portal.app import create_app
from portal.settings import PortalSettings

SECRET = "a-strong-session-secret-for-the-tests-0123456789"


@pytest.fixture
async def portal(mongo_uri: str) -> AsyncIterator[httpx.AsyncClient]:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = PortalSettings(
        mongo_uri=mongo_uri,
        mongo_db=fresh_db_name("portal_pages"),
        session_secret=SECRET,
        dev_login=True,
        dev_jwt_secret="services-secret-for-the-tests-0123456789",
        declarations_url=nowhere,
        taxcalc_url=nowhere,
        essoc_url=nowhere,
        service_timeout_seconds=2,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portail.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
