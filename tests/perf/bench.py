"""`make bench`: figures for the event store, relay, replay and the line → totals round trip.

Runs against freshly started embedded servers; prints a table; asserts nothing (figures, not tests).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from chassis.eventstore import EventStore, Metadata, NewEvent
from chassis.http.auth import mint
from chassis.kafka import producer as make_producer
from chassis.mongo import connect, in_transaction
from chassis.projection import Projector
from chassis.relay import OutboxRelay
from chassis.service import Runtime, attach, create_app
from chassis.settings import ServiceSettings
from contracts.envelope import Actor
from contracts.events.declarations import LineRemoved
from declarations.bootstrap import build as build_declarations
from declarations.settings import DeclarationsSettings
from devstack.infra import EmbeddedInfra
from taxcalc.bootstrap import build as build_taxcalc
from taxcalc.settings import TaxcalcSettings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "chassis/tests"))
from chassis_support import RemovalCount  # noqa: E402

ACTOR = Actor(id="bench", role="declarant")
N_APPENDS = 400
N_LOG = 3000
N_LINES = 40


def _removal(i: int) -> NewEvent:
    return NewEvent(LineRemoved(line_id=f"L{i}"), territory="974", actor=ACTOR)


async def bench_append(uri: str) -> dict[str, float]:
    client = connect(uri)
    db = client[f"bench_{uuid.uuid4().hex[:6]}"]
    store = EventStore(db)
    await store.ensure_indexes()
    raw = db["raw"]
    start = time.perf_counter()
    for i in range(N_APPENDS):
        await raw.insert_one({"i": i, "payload": {"line_id": f"L{i}"}})
    raw_rate = N_APPENDS / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(N_APPENDS):

        async def work(session: Any, i: int = i) -> None:
            await store.append(f"s{i % 50}", i // 50, [_removal(i)], Metadata(correlation_id="b"), session=session)

        await in_transaction(client, work)
    store_rate = N_APPENDS / (time.perf_counter() - start)
    await client.drop_database(db.name)
    await client.close()
    return {"raw": raw_rate, "store": store_rate}


async def _fill(store: EventStore, client: Any, count: int) -> None:
    batch = 100
    for b in range(count // batch):

        async def work(session: Any, b: int = b) -> None:
            await store.append(
                f"log-{b}", 0, [_removal(i) for i in range(batch)], Metadata(correlation_id="b"), session=session
            )

        await in_transaction(client, work)


async def bench_relay_and_replay(uri: str, bootstrap: str) -> dict[str, float]:
    client = connect(uri)
    db = client[f"bench_{uuid.uuid4().hex[:6]}"]
    store = EventStore(db)
    await store.ensure_indexes()
    await _fill(store, client, N_LOG)
    producer = make_producer(ServiceSettings(kafka_bootstrap=bootstrap))
    await producer.start()
    relay = OutboxRelay(store, producer, name="bench", source="/bench", batch=500)
    start = time.perf_counter()
    published = 0
    while n := await relay.publish_pending():
        published += n
    relay_rate = published / (time.perf_counter() - start)
    await producer.stop()
    start = time.perf_counter()
    scanned = len([d async for d in db["events"].find({}, sort=[("position", 1)])])
    scan_rate = scanned / (time.perf_counter() - start)
    projector = Projector(db, [RemovalCount()])
    start = time.perf_counter()
    replayed = await projector.replay(store)
    replay_rate = replayed / (time.perf_counter() - start)
    await client.drop_database(db.name)
    await client.close()
    return {"relay": relay_rate, "scan": scan_rate, "replay": replay_rate}


async def bench_line_to_totals(uri: str, bootstrap: str) -> list[float]:
    suffix = uuid.uuid4().hex[:6]
    common: dict[str, Any] = {
        "mongo_uri": uri,
        "kafka_bootstrap": bootstrap,
        "log_json": False,
        "kafka_topic_prefix": f"bench-{suffix}.",
        "log_level": "WARNING",
        "topics_file": str(ROOT / "deploy/kafka/topics.yaml"),
        "reference_dir": str(ROOT / "deploy/territories"),
    }
    ds = DeclarationsSettings(mongo_db=f"bd_{suffix}", kafka_group=f"bd-{suffix}", reminders_enabled=False, **common)
    ts = TaxcalcSettings(mongo_db=f"bt_{suffix}", kafka_group=f"bt-{suffix}", **common)
    runtimes = []
    clients = []
    for definition in (build_declarations(ds), build_taxcalc(ts)):
        app = create_app(definition)
        runtime = Runtime(definition)
        await runtime.start()
        attach(app, runtime)
        runtimes.append(runtime)
        clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b"))
    decl, tax = clients
    await asyncio.gather(*(r.consumer_ready.wait() for r in runtimes))
    admin = {"Authorization": f"Bearer {mint(ts, sub='a', role='admin')}"}
    await tax.post(
        "/api/v1/tariffs",
        content=(ROOT / "deploy/territories/974/tariff.csv").read_bytes(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    who = {"Authorization": f"Bearer {mint(ds, sub='d', role='declarant', relations=['rel-974-0001'])}"}
    did = (
        await decl.post(
            "/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2026, "quarter": 1}, headers=who
        )
    ).json()["id"]
    latencies = []
    for i in range(N_LINES):
        start = time.perf_counter()
        line = (
            await decl.post(
                f"/api/v1/declarations/{did}/lines",
                headers=who,
                json={
                    "annex": "A",
                    "nomenclature": "33051000",
                    "price_excl_tax": f"{100 + i}.00",
                    "rates_date": f"2026-01-{1 + i % 28:02d}" if i < 28 else f"2026-02-{1 + i % 28:02d}",
                },
            )
        ).json()
        version = line["declaration_version"]
        while True:
            totals = (await tax.get(f"/api/v1/declarations/{did}/totals", headers=admin)).json()
            if totals.get("version") == version:
                break
            await asyncio.sleep(0.002)
        latencies.append((time.perf_counter() - start) * 1000)
    for client in clients:
        await client.aclose()
    for runtime in runtimes:
        await runtime.stop()
    return latencies


async def main() -> None:
    console = Console()
    with EmbeddedInfra(topics_spec=ROOT / "deploy/kafka/topics.yaml") as infra:
        console.print(f"servers started: {infra.startup_seconds}")
        append = await bench_append(infra.mongo_uri)
        log = await bench_relay_and_replay(infra.mongo_uri, infra.kafka_bootstrap)
        lat = sorted(await bench_line_to_totals(infra.mongo_uri, infra.kafka_bootstrap))
    p50 = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    table = Table(title="Benchmarks (embedded Tansu + SecantusDB, this machine)")
    table.add_column("measure")
    table.add_column("figure", justify="right")
    table.add_column("against", justify="right")
    table.add_row(
        "append, 1 event/transaction (events/s)",
        f"{append['store']:.0f}",
        f"raw insert_one {append['raw']:.0f}/s — ratio {append['store'] / append['raw']:.2f}",
    )
    table.add_row("outbox relay to Kafka (events/s)", f"{log['relay']:.0f}", f"{N_LOG} events")
    table.add_row(
        "replay into a read model (events/s)",
        f"{log['replay']:.0f}",
        f"raw scan {log['scan']:.0f}/s — ratio {log['replay'] / log['scan']:.2f}",
    )
    table.add_row("POST …/lines → TotalsProjected readable", f"p50 {p50:.0f} ms", f"p99 {p99:.0f} ms (n={len(lat)})")
    console.print(table)


if __name__ == "__main__":
    asyncio.run(main())
