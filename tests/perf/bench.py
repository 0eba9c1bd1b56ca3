"""`make bench`: the figures of the performance issue, each next to its raw reference, in one run.

Against freshly started embedded servers (Tansu, SecantusDB), or against real ones: `BENCH_MONGO=mongodb://…
BENCH_KAFKA=host:9092 make bench` (the compose file's servers) measures a production cluster with the same
code. Prints the table and two curves, writes `var/bench.json`; asserts nothing (figures, not tests).

- append: one writer, 1 event per transaction through the event store (the stream's head known, as a
  command that loaded its stream knows it), against raw `insert_one`;
- concurrent appends: 1, 4, 16, 64 writers on as many streams, against as many raw `insert_one` writers;
- replay of 10 000 and 100 000 events (1 000 000 with `BENCH_REPLAY_MILLION=1`) into a read model, against
  a raw scan of the log;
- `POST …/lines` → its `TotalsProjected` readable (declarations and taxcalc in process, over Kafka): until
  taxcalc's transaction that projected them commits, then checked readable by one `GET …/totals`;
- on the whole stack as processes (embedded servers only): a quarter's filing of 20 lines to its receipt
  mail, 20 concurrent clients for `BENCH_LOAD_SECONDS` (60), each service's memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from rich.console import Console
from rich.table import Table

from chassis.eventstore import EventStore, Head, Metadata, NewEvent, chained, to_doc
from chassis.http.auth import mint
from chassis.mongo import connect
from chassis.projection import Projector
from chassis.service import Runtime, attach, create_app
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.envelope import GENESIS_HASH, Actor
from contracts.events.declarations import LineRemoved
from declarations.bootstrap import build as build_declarations
from declarations.settings import DeclarationsSettings
from devstack.infra import EmbeddedInfra
from taxcalc.bootstrap import build as build_taxcalc
from taxcalc.settings import TaxcalcSettings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "chassis/tests"))
sys.path.insert(0, str(Path(__file__).parent))
from bench_stack import measure, percentile  # noqa: E402

from chassis_support import RemovalCount  # noqa: E402

ACTOR = Actor(id="bench", role="declarant")
N_APPENDS = 400
WRITERS = (1, 4, 16, 64)
N_LINES = 40
REPLAY_SIZES = (10_000, 100_000, 1_000_000) if os.environ.get("BENCH_REPLAY_MILLION") else (10_000, 100_000)


def _removal(i: int) -> NewEvent:
    return NewEvent(LineRemoved(line_id=f"L{i}"), territory="974", actor=ACTOR)


async def raw_writers(db: Any, writers: int, each: int) -> float:
    """Events/s of `writers` concurrent loops of raw `insert_one` (the server's own figure)."""
    raw = db[f"raw_{uuid.uuid4().hex[:6]}"]

    async def writer(w: int) -> None:
        for i in range(each):
            await raw.insert_one({"w": w, "i": i, "payload": {"line_id": f"L{i}"}})

    start = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return writers * each / (time.perf_counter() - start)


async def raw_transactions(client: Any, db: Any, each: int) -> float:
    """Appends/s of the least a transactional append with a global order needs, with raw documents and
    nothing else: the position counter, the insert and the majority-journaled commit (three round trips)."""
    raw = db[f"rawtx_{uuid.uuid4().hex[:6]}"]
    counters = db[f"rawcounter_{uuid.uuid4().hex[:6]}"]
    start = time.perf_counter()
    for i in range(each):
        async with client.start_session() as session:
            await session.start_transaction(
                read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority", j=True)
            )
            counter = await counters.find_one_and_update(
                {"_id": "p"}, {"$inc": {"value": 1}}, upsert=True, return_document=True, session=session
            )
            document = {"i": i, "position": counter["value"], "payload": {"line_id": f"L{i}"}}
            await raw.insert_one(document, session=session)
            await session.commit_transaction()
    return each / (time.perf_counter() - start)


async def store_writers(uow: UnitOfWork, writers: int, each: int) -> float:
    """Events/s of `writers` concurrent loops appending one event per command to their own stream, through the
    unit of work a command uses (its transaction, its turn, the group commit), the stream's head known."""
    run = uuid.uuid4().hex[:6]

    async def writer(w: int) -> None:
        head = Head(0, GENESIS_HASH)
        stream = f"s-{run}-{w}"
        for i in range(each):

            async def work(tx: Transaction, i: int = i, head: Head = head) -> Head:
                tx.heads[stream] = head
                [stored] = await tx.append(stream, i, [_removal(i)], Metadata(correlation_id="b"))
                return Head(stored.version, stored.hash)

            head = await uow.run(work)

    start = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return writers * each / (time.perf_counter() - start)


async def bench_appends(uri: str) -> dict[str, Any]:
    client = connect(uri)
    db = client[f"bench_{uuid.uuid4().hex[:6]}"]
    store = EventStore(db)
    await store.ensure_indexes()
    uow = UnitOfWork(client, store, Projector(db, []))
    curve = []
    for writers in WRITERS:
        each = max(25, N_APPENDS // writers) if writers > 1 else N_APPENDS
        raw = await raw_writers(db, writers, each)
        ours = await store_writers(uow, writers, each)
        point = {"writers": writers, "raw_per_s": round(raw, 1), "store_per_s": round(ours, 1)}
        if writers == 1:
            point["raw_transaction_per_s"] = round(await raw_transactions(client, db, each), 1)
        curve.append(point)
    await client.drop_database(db.name)
    await client.close()
    return {"curve": curve}


async def _fill(db: Any, count: int) -> None:
    """`count` events of 100-event streams, chained as the store chains them, written in bulk."""
    per_stream = 100
    batch: list[dict[str, Any]] = []
    position = 0
    for s in range(count // per_stream):
        events = chained(
            f"log-{s}",
            0,
            [_removal(i) for i in range(per_stream)],
            Metadata(correlation_id="b"),
            prev_hash=GENESIS_HASH,
            first_position=position + 1,
        )
        position += per_stream
        batch += [to_doc(e) for e in events]
        if len(batch) >= 10_000:
            await db["events"].insert_many(batch, ordered=False)
            batch = []
    if batch:
        await db["events"].insert_many(batch, ordered=False)
    await db["counters"].replace_one({"_id": "position"}, {"value": position}, upsert=True)


async def bench_replay(uri: str, size: int) -> dict[str, float]:
    client = connect(uri)
    db = client[f"bench_{uuid.uuid4().hex[:6]}"]
    store = EventStore(db)
    await store.ensure_indexes()
    await _fill(db, size)
    start = time.perf_counter()
    scanned = 0
    async for _ in db["events"].find({}, sort=[("position", 1)]):
        scanned += 1
    scan = time.perf_counter() - start
    projector = Projector(db, [RemovalCount()])
    start = time.perf_counter()
    replayed = await projector.replay(store)
    replay = time.perf_counter() - start
    await client.drop_database(db.name)
    await client.close()
    return {
        "events": size,
        "replay_s": round(replay, 2),
        "replay_per_s": round(replayed / replay, 1),
        "scan_per_s": round(scanned / scan, 1),
    }


async def bench_line_to_totals(uri: str, bootstrap: str) -> tuple[list[float], list[float]]:
    """Each line's latency to its totals, and the part of it its command took (the rest is the hop to
    taxcalc: relay, Kafka, taxcalc's transaction)."""
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
    committed = _totals_committed(runtimes[1])
    admin = {"Authorization": f"Bearer {mint(ts, sub='a', role='admin')}"}
    await tax.post(
        "/api/v1/tariffs",
        content=(ROOT / "deploy/territories/974/tariff.csv").read_bytes(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    who = {"Authorization": f"Bearer {mint(ds, sub='d', role='declarant', relations=['rel-974-0001'])}"}
    body = {"relation_id": "rel-974-0001", "year": 2026, "quarter": 1}
    did = (await decl.post("/api/v1/declarations", json=body, headers=who)).json()["id"]
    latencies: list[float] = []
    commands: list[float] = []
    for i in range(N_LINES):
        start = time.perf_counter()
        day = f"2026-01-{1 + i % 28:02d}" if i < 28 else f"2026-02-{1 + i % 28:02d}"
        line = {"annex": "A", "nomenclature": "33051000", "price_excl_tax": f"{100 + i}.00", "rates_date": day}
        version = (await decl.post(f"/api/v1/declarations/{did}/lines", headers=who, json=line)).json()[
            "declaration_version"
        ]
        commands.append((time.perf_counter() - start) * 1000)
        at = await committed(did, version)
        totals = (await tax.get(f"/api/v1/declarations/{did}/totals", headers=admin)).json()
        assert totals.get("version") == version, "readable as soon as taxcalc's transaction committed"
        latencies.append((at - start) * 1000)
    for client in clients:
        await client.aclose()
    for runtime in runtimes:
        await runtime.stop()
    return latencies, commands


def _totals_committed(taxcalc: Runtime) -> Callable[[str, int], Awaitable[float]]:
    """When taxcalc's transaction that projected a declaration version's totals committed: from then on any
    reader reads them. (Asking taxcalc every 2 ms instead kept SecantusDB busy with the asking.)"""
    seen: dict[tuple[str, int], float] = {}
    arrived = asyncio.Condition()
    uow = taxcalc.uow
    run = uow.run

    async def watched(work: Any, **options: Any) -> Any:
        appended: list[Any] = []

        async def capturing(tx: Transaction) -> Any:
            result = await work(tx)
            appended[:] = tx.appended
            return result

        result = await run(capturing, **options)
        now = time.perf_counter()  # run returns once the commit is durable
        for event in appended:
            if event.type == "TotalsProjected":
                seen[(event.data["declaration_id"], event.data["declaration_version"])] = now
        async with arrived:
            arrived.notify_all()
        return result

    uow.run = watched  # type: ignore[method-assign]

    async def committed(declaration_id: str, version: int) -> float:
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: (declaration_id, version) in seen), timeout=30)
        return seen[(declaration_id, version)]

    return committed


def machine() -> str:
    cores = os.cpu_count()
    memory = ""
    try:
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        memory = f", {kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.machine()}, {cores} cores{memory}, Python {platform.python_version()}"


PARTS = ("appends", "replay", "totals", "stack")


def chosen_parts() -> set[str]:
    """`BENCH_ONLY=appends,totals` measures those parts only (the default: all of them)."""
    asked = {p.strip() for p in os.environ.get("BENCH_ONLY", "").split(",") if p.strip()}
    unknown = asked - set(PARTS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown part(s) {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
    return asked or set(PARTS)


async def figures(uri: str, bootstrap: str, embedded: bool, parts: set[str]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "machine": machine(),
        "servers": "embedded (Tansu, SecantusDB)" if embedded else f"{uri} / {bootstrap}",
    }
    if "appends" in parts:
        curve = (await bench_appends(uri))["curve"]
        one = curve[0]
        sixteen = next(c for c in curve if c["writers"] == 16)
        result |= {
            "append_ratio": round(one["store_per_s"] / one["raw_per_s"], 2),
            "append_per_s": one["store_per_s"],
            "raw_insert_one_per_s": one["raw_per_s"],
            "concurrent_append_ratio": round(sixteen["store_per_s"] / sixteen["raw_per_s"], 2),
            "concurrent_append_per_s": sixteen["store_per_s"],
            "raw_concurrent_insert_one_per_s": sixteen["raw_per_s"],
            "append_curve": curve,
            "raw_transaction_per_s": one["raw_transaction_per_s"],
            "append_vs_raw_transaction": round(one["store_per_s"] / one["raw_transaction_per_s"], 2),
        }
    if "replay" in parts:
        replays = [await bench_replay(uri, size) for size in REPLAY_SIZES]
        biggest = replays[-1]
        result |= {
            "replay_ratio": round(biggest["replay_per_s"] / biggest["scan_per_s"], 3),
            "replay_per_s": biggest["replay_per_s"],
            "raw_scan_per_s": biggest["scan_per_s"],
            "replay_curve": replays,
        }
    if "totals" in parts:
        latencies, commands = await bench_line_to_totals(uri, bootstrap)
        result |= {
            "line_command_p50_ms": round(statistics.median(commands), 1),
            "line_to_totals_p50_ms": round(statistics.median(latencies), 1),
            "line_to_totals_p99_ms": round(percentile(latencies, 0.99), 1),
            "line_to_totals_n": len(latencies),
        }
    if embedded and "stack" in parts:
        with tempfile.TemporaryDirectory(prefix="bench-stack-") as var:
            stack = await measure(
                Path(var), lines=20, filings=5, clients=20, seconds=float(os.environ.get("BENCH_LOAD_SECONDS", 60))
            )
        result |= {
            "filing_p99_ms": stack["filing_p99_ms"],
            "filing_whole_p99_ms": stack["filing_whole_p99_ms"],
            "load_rps": stack["load"]["rps"],
            "load_p99_ms": stack["load"]["p99_ms"],
            "load": stack["load"],
            "max_rss_mb": stack["max_rss_mb"],
            "rss_at_rest_mb": stack["rss_at_rest_mb"],
            "rss_after_load_mb": stack["rss_after_load_mb"],
        }
    return result


def show(result: dict[str, Any], console: Console) -> None:
    table = Table(title=f"make bench — {result['servers']} — {result['machine']}")
    table.add_column("measure")
    table.add_column("ours", justify="right")
    table.add_column("raw reference", justify="right")
    table.add_column("ratio / goal", justify="right")
    if "append_ratio" in result:
        _append_rows(table, result)
    if "replay_ratio" in result:
        table.add_row(
            f"replay, {result['replay_curve'][-1]['events']:,} events".replace(",", " "),
            f"{result['replay_per_s']:.0f}/s",
            f"scan {result['raw_scan_per_s']:.0f}/s",
            f"{result['replay_ratio']:.3f} (≥ 0.5)",
        )
    if "line_to_totals_p50_ms" in result:
        table.add_row(
            "POST …/lines → TotalsProjected readable",
            f"p50 {result['line_to_totals_p50_ms']:.0f} ms",
            f"p99 {result['line_to_totals_p99_ms']:.0f} ms (n = {result['line_to_totals_n']})",
            "p50 ≤ 40, p99 ≤ 150",
        )
        table.add_row("  of which the command", f"p50 {result['line_command_p50_ms']:.0f} ms", "", "")
    if "load_rps" in result:
        table.add_row("filing of 20 lines → receipt mail", f"p99 {result['filing_p99_ms']:.0f} ms", "", "< 1 000 ms")
        table.add_row(
            "20 concurrent clients (declarations, lines)",
            f"{result['load_rps']:.1f} req/s",
            f"p99 {result['load_p99_ms']:.0f} ms, {result['load']['server_errors']} 5xx",
            "≥ 36 req/s, p99 ≤ 1 000",
        )
        table.add_row("largest RSS of a service", f"{result['max_rss_mb']:.0f} MB", "", "< 150 MB")
        spent = result["load"].get("cpu_seconds", {})
        if spent:
            busiest = sorted(spent.items(), key=lambda item: -item[1])
            cpus = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in busiest)
            during = f"  CPU during the load ({result['load']['seconds']:.0f} s, {os.cpu_count()} cores)"
            table.add_row(during, cpus, "", "")
    console.print(table)
    if "append_curve" in result:
        rows = [
            [
                str(p["writers"]),
                f"{p['store_per_s']:.0f}",
                f"{p['raw_per_s']:.0f}",
                f"{p['store_per_s'] / p['raw_per_s']:.2f}",
            ]
            for p in result["append_curve"]
        ]
        console.print(_curve("appends: writers → events/s", ("writers", "ours", "raw", "ratio"), rows))
    if "replay_curve" in result:
        rows = [
            [f"{p['events']}", f"{p['replay_s']}", f"{p['replay_per_s']:.0f}", f"{p['scan_per_s']:.0f}"]
            for p in result["replay_curve"]
        ]
        console.print(_curve("replay: events → seconds", ("events", "seconds", "events/s", "scan/s"), rows))


def _curve(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _append_rows(table: Table, result: dict[str, Any]) -> None:
    table.add_row(
        "append, 1 event per command, one writer",
        f"{result['append_per_s']:.0f}/s",
        f"insert_one {result['raw_insert_one_per_s']:.0f}/s",
        f"{result['append_ratio']:.2f} (≥ 0.5)",
    )
    table.add_row(
        "  its bound: a raw transaction (counter, insert, commit)",
        f"{result['append_per_s']:.0f}/s",
        f"{result['raw_transaction_per_s']:.0f}/s",
        f"{result['append_vs_raw_transaction']:.2f}",
    )
    table.add_row(
        "appends, 16 writers on 16 streams",
        f"{result['concurrent_append_per_s']:.0f}/s",
        f"16 × insert_one {result['raw_concurrent_insert_one_per_s']:.0f}/s",
        f"{result['concurrent_append_ratio']:.2f} (≥ 0.5)",
    )


async def main() -> None:
    console = Console()
    mongo, kafka = os.environ.get("BENCH_MONGO"), os.environ.get("BENCH_KAFKA")
    if mongo and kafka:
        result = await figures(mongo, kafka, embedded=False, parts=chosen_parts())
    else:
        with EmbeddedInfra(topics_spec=ROOT / "deploy/kafka/topics.yaml") as infra:
            console.print(f"servers started: {infra.startup_seconds}")
            result = await figures(infra.mongo_uri, infra.kafka_bootstrap, embedded=True, parts=chosen_parts())
    show(result, console)
    target = ROOT / "var" / "bench.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"figures written to {target}")


if __name__ == "__main__":
    asyncio.run(main())
