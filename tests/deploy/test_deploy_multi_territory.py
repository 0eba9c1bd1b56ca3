"""Two territory deployments on one broker: declarations for 971 and for 974, each with its own
database and consumer group, and one taxcalc serving both. Each accepts only its territory's
commands (403 otherwise) and projects only its territory's events; taxcalc assesses both."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from chassis.http.auth import mint
from chassis.service import Runtime, ServiceDefinition, attach, create_app
from contracts import topics
from declarations.bootstrap import build as build_declarations
from declarations.settings import DeclarationsSettings
from taxcalc.bootstrap import build as build_taxcalc
from taxcalc.settings import TaxcalcSettings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Deployment:
    runtime: Runtime
    http: httpx.AsyncClient

    @property
    def settings(self) -> Any:
        return self.runtime.settings


async def start(definition: ServiceDefinition) -> Deployment:
    app = create_app(definition)
    runtime = Runtime(definition)
    await runtime.start()
    attach(app, runtime)
    return Deployment(runtime, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc"))


@pytest.fixture(scope="module")
async def platform(kafka_bootstrap: str, mongo_uri: str) -> AsyncIterator[dict[str, Deployment]]:
    run = uuid.uuid4().hex[:8]
    common: dict[str, Any] = {
        "mongo_uri": mongo_uri,
        "kafka_bootstrap": kafka_bootstrap,
        "log_json": False,
        "topics_file": str(ROOT / "deploy/kafka/topics.yaml"),
        "reference_dir": str(ROOT / "deploy/territories"),
        # What the k8s overlays configure: a database and a consumer group per territory set.
        "mongo_db": f"t_{{service}}_{{territories}}_{run}",
        "kafka_group": f"{{service}}-{{territories}}-{run}",
    }
    definitions = {
        "971": build_declarations(DeclarationsSettings(territories=["971"], reminders_enabled=False, **common)),
        "974": build_declarations(DeclarationsSettings(territories=["974"], reminders_enabled=False, **common)),
        "taxcalc": build_taxcalc(TaxcalcSettings(territories=["971", "974"], **common)),
    }
    started = await asyncio.gather(*(start(d) for d in definitions.values()))
    deployments = dict(zip(definitions, started, strict=True))
    try:
        # The consumer groups join in parallel (Tansu holds each join ~5 s).
        await asyncio.wait_for(asyncio.gather(*(d.runtime.consumer_ready.wait() for d in started)), 60)
        admin = mint(deployments["taxcalc"].settings, sub="admin", role="admin")
        for territory in ("971", "974"):
            csv = (ROOT / f"deploy/territories/{territory}/tariff.csv").read_text()
            r = await deployments["taxcalc"].http.post(
                "/api/v1/tariffs", content=csv, headers={"Authorization": f"Bearer {admin}", "Content-Type": "text/csv"}
            )
            assert r.status_code in (200, 201), r.text
        yield deployments
    finally:
        for deployment in started:
            await deployment.http.aclose()
        for deployment in started:
            await deployment.runtime.stop()
        async with asyncio.timeout(30):
            client = started[0].runtime.client.__class__(mongo_uri)
            for deployment in started:
                await client.drop_database(deployment.settings.database)
            await client.close()


def bearer(settings: Any, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(settings, **claims)}"}


def declarant(settings: Any) -> dict[str, str]:
    return bearer(
        settings,
        sub="declarant-demo",
        role="declarant",
        email="producteur@example.org",
        relations=["rel-971-0001", "rel-974-0001"],
    )


async def test_each_deployment_has_its_own_database_and_consumer_group(platform: dict[str, Deployment]) -> None:
    a, b, tax = platform["971"].settings, platform["974"].settings, platform["taxcalc"].settings
    assert len({a.database, b.database, tax.database}) == 3 and a.database.endswith(f"_971_{a.group_id[-8:]}")
    assert len({a.group_id, b.group_id, tax.group_id}) == 3
    assert tax.territories == ["971", "974"]


async def test_a_deployment_refuses_the_other_territorys_commands(platform: dict[str, Deployment]) -> None:
    for served, other in (("971", "974"), ("974", "971")):
        deployment = platform[served]
        headers = declarant(deployment.settings)
        refused = await deployment.http.post(
            "/api/v1/declarations",
            headers=headers,
            json={"relation_id": f"rel-{other}-0001", "year": 2026, "quarter": 2},
        )
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["field"] == "relation_id"
        listed = await deployment.http.get("/api/v1/relations", headers=headers)
        assert [r["territory"] for r in listed.json()] == [served]


async def wait_current_totals(deployment: Deployment, declaration_id: str, headers: dict[str, str]) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            r = await deployment.http.get(f"/api/v1/declarations/{declaration_id}", headers=headers)
            body: dict[str, Any] = r.json()
            if body["totals"]["status"] == "current":
                return body
            await asyncio.sleep(0.1)


async def consumed_to_the_end(bootstrap: str, group: str, topic: str) -> None:
    """Waits until `group` has committed every record of `topic` (it saw all of them)."""
    # A group member that never subscribes: it only reads the group's committed offsets.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        assert partitions
        ends = await consumer.end_offsets(partitions)
        async with asyncio.timeout(30):
            while True:
                committed = {tp: await consumer.committed(tp) for tp in partitions}
                if all((committed[tp] or 0) >= end for tp, end in ends.items()):
                    return
                await asyncio.sleep(0.2)
    finally:
        await consumer.stop()


async def test_taxcalc_serves_both_and_each_projects_only_its_own(
    platform: dict[str, Deployment], kafka_bootstrap: str
) -> None:
    ids = {}
    for territory in ("971", "974"):
        deployment, headers = platform[territory], declarant(platform[territory].settings)
        r = await deployment.http.post(
            "/api/v1/declarations",
            headers=headers,
            json={"relation_id": f"rel-{territory}-0001", "year": 2026, "quarter": 1},
        )
        assert r.status_code == 201, r.text
        ids[territory] = r.json()["id"]
        r = await deployment.http.post(
            f"/api/v1/declarations/{ids[territory]}/lines",
            headers=headers,
            json={"annex": "A", "nomenclature": "33051000", "price_excl_tax": "10000.00"},
        )
        assert r.status_code == 201, r.text
    for territory, declaration_id in ids.items():
        body = await wait_current_totals(platform[territory], declaration_id, declarant(platform[territory].settings))
        assert body["totals"]["boxes"]["1"] == "10000.00", "taxcalc assessed it with its territory's tariff"
        assert body["lines"]["A"][0]["om_rate"] is not None

    taxcalc = platform["taxcalc"]
    admin = bearer(taxcalc.settings, sub="admin", role="admin")
    for declaration_id in ids.values():
        r = await taxcalc.http.get(f"/api/v1/declarations/{declaration_id}/totals", headers=admin)
        assert r.status_code == 200 and r.json()["status"] == "current", r.text

    for served, other in (("971", "974"), ("974", "971")):
        deployment = platform[served]
        # It has read all of taxcalc.events, the other territory's totals included...
        await consumed_to_the_end(kafka_bootstrap, deployment.settings.group_id, topics.TAXCALC)
        db = deployment.runtime.db
        # ...and kept none of them: skipped, not in the inbox, not in the read model, not in the log.
        assert await db["inbox"].count_documents({"territory": other}) == 0
        assert await db["inbox"].count_documents({"territory": served}) > 0
        assert await db["declarations"].distinct("territory") == [served]
        assert await db["events"].distinct("territory") == [served]
        r = await deployment.http.get(f"/api/v1/declarations/{ids[other]}", headers=declarant(deployment.settings))
        assert r.status_code == 404
