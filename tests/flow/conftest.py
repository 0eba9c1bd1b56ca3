"""Declarations and taxcalc running in process on the embedded Kafka and MongoDB, for the flow tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chassis.http.auth import mint
from chassis.service import Runtime, ServiceDefinition, attach, create_app
from contracts.envelope import utc_now
from declarations.bootstrap import build as build_declarations
from declarations.settings import DeclarationsSettings
from taxcalc.bootstrap import build as build_taxcalc
from taxcalc.settings import TaxcalcSettings

ROOT = Path(__file__).resolve().parents[2]


class Service:
    def __init__(self, definition: ServiceDefinition, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.definition = definition
        self.runtime = runtime
        self.http = client


async def _start(definition: ServiceDefinition) -> Service:
    app = create_app(definition)
    runtime = Runtime(definition)
    await runtime.start()
    attach(app, runtime)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")
    return Service(definition, runtime, client)


@pytest.fixture(scope="module")
async def stack(kafka_bootstrap: str, mongo_uri: str) -> AsyncIterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    common = {
        "mongo_uri": mongo_uri,
        "kafka_bootstrap": kafka_bootstrap,
        "log_json": False,
        "kafka_topic_prefix": f"flow-{suffix}.",
        "topics_file": str(ROOT / "deploy/kafka/topics.yaml"),
        "reference_dir": str(ROOT / "deploy/territories"),
    }
    decl_settings = DeclarationsSettings(
        mongo_db=f"declarations_{suffix}",
        kafka_group=f"declarations-{suffix}",
        reminders_enabled=False,  # mails that depend on the day the tests run: tested with their own clock
        **common,
    )
    tax_settings = TaxcalcSettings(mongo_db=f"taxcalc_{suffix}", kafka_group=f"taxcalc-{suffix}", **common)
    # the services' clock, given explicitly so that a test reads the same "now" as the rules it checks
    declarations = await _start(build_declarations(decl_settings, clock=utc_now))
    taxcalc = await _start(build_taxcalc(tax_settings))
    await asyncio.wait_for(
        asyncio.gather(declarations.runtime.consumer_ready.wait(), taxcalc.runtime.consumer_ready.wait()), 60
    )
    admin = mint(tax_settings, sub="admin", role="admin")
    for territory in ("971", "974"):
        csv = (ROOT / f"deploy/territories/{territory}/tariff.csv").read_text()
        r = await taxcalc.http.post(
            "/api/v1/tariffs", content=csv, headers={"Authorization": f"Bearer {admin}", "Content-Type": "text/csv"}
        )
        assert r.status_code in (200, 201), r.text
    declarant = mint(
        decl_settings,
        sub="declarant-demo",
        role="declarant",
        email="producteur@example.org",
        relations=["rel-971-0001", "rel-971-0002", "rel-974-0001"],
    )
    yield {"declarations": declarations, "taxcalc": taxcalc, "declarant": declarant, "admin": admin, "clock": utc_now}
    for service in (declarations, taxcalc):
        await service.http.aclose()
        await service.runtime.stop()
