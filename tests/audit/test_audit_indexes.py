"""Every query of the auditors' reads and of sealing is served by an index (issue 26): each query the code
sends is caught on the wire, asked again as MongoDB's `explain` of the embedded server, and its winning plan
must scan the index named (IXSCAN), never the collection (COLLSCAN)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from pymongo import AsyncMongoClient, monitoring

from chassis.audit import AuditReads
from chassis.audit_search import ensure_indexes, stream_ids_query
from chassis.eventstore import EventStore, to_doc
from chassis.seal_heads import SealedHeadBook
from chassis.seals import Seals
from contracts.audit import StreamHead, next_seal
from contracts.envelope import GENESIS_HASH, Actor, EventEnvelope

pytestmark = pytest.mark.integration

Doc = dict[str, Any]
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
KEPT = ("find", "filter", "sort", "projection", "hint", "limit", "skip", "aggregate", "pipeline", "cursor")


class Queries(monitoring.CommandListener):
    """The `find` and `aggregate` commands sent to one database, as sent."""

    def __init__(self) -> None:
        self.database = ""
        self.sent: list[Doc] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database and event.command_name in ("find", "aggregate"):
            self.sent.append({k: v for k, v in event.command.items() if k in KEPT})

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class Log:
    def __init__(self, client: AsyncMongoClient[Doc], queries: Queries) -> None:
        self.client, self.queries = client, queries
        self.db = client[queries.database]

    async def plans(self, read: Callable[[], Awaitable[object]]) -> list[tuple[str, set[str], set[str]]]:
        """For each query `read` sends: its collection, the stages of its winning plan, the indexes scanned."""
        self.queries.sent.clear()
        await read()
        sent, self.queries.sent = list(self.queries.sent), []
        assert sent, "no query sent"
        found = []
        for command in sent:
            explained = await self.db.command("explain", command, verbosity="queryPlanner")
            planner = explained.get("queryPlanner") or explained["stages"][0]["$cursor"]["queryPlanner"]
            stages, indexes = _walk(planner["winningPlan"])
            found.append((str(command.get("find") or command.get("aggregate")), stages, indexes))
        return found


def _walk(stage: Doc) -> tuple[set[str], set[str]]:
    stages, indexes = {str(stage["stage"])}, {str(stage["indexName"])} if "indexName" in stage else set()
    for child in [*([stage["inputStage"]] if "inputStage" in stage else []), *stage.get("inputStages", [])]:
        more, named = _walk(child)
        stages |= more
        indexes |= named
    return stages, indexes


def _stream(stream_id: str, territory: str, count: int, first: int, correlation: str) -> list[EventEnvelope]:
    events, prev = [], GENESIS_HASH
    for version in range(1, count + 1):
        event = EventEnvelope(
            type="LineAdded",
            schema_version=2,
            stream_id=stream_id,
            stream_type="declaration" if stream_id.startswith("decl") else "relation",
            version=version,
            occurred_at=T0 + timedelta(hours=first + version),
            territory=territory,
            actor=Actor(id="déclarant-1", role="declarant"),
            correlation_id=correlation,
            data={"line": version},
            position=first * 10 + version,
        ).chained(prev)
        prev = event.hash
        events.append(event)
    return events


@pytest_asyncio.fixture
async def log(mongo_uri: str) -> AsyncIterator[Log]:
    queries = Queries()
    queries.database = f"index_{uuid.uuid4().hex[:10]}"
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongo_uri, tz_aware=True, event_listeners=[queries])
    db = client[queries.database]
    try:
        await EventStore(db).ensure_indexes()
        await ensure_indexes(db)
        await Seals(db, "declarations", key=None, keyring=None, transaction=_never).ensure_indexes()
        streams = [("decl-a", "971", 0), ("decl-b", "972", 1), ("rel-c", "974", 2), ("decl-d", "971", 3)]
        for sid, territory, first in streams:
            await db["events"].insert_many([to_doc(e) for e in _stream(sid, territory, 4, first, f"corr-{sid}")])
        received = _stream("decl-x", "971", 2, 9, "corr-decl-a")
        await db["inbox"].insert_many([to_doc(e) for e in received])
        heads = [StreamHead(s, 4, "0" * 64) for s, _, _ in streams]
        seal = next_seal("declarations", heads, 14, sealed_at=T0)
        await db["seals"].insert_one({"_id": 1, **seal.model_dump(mode="json"), "published": False, "heads": "full"})
        await db["seal_heads"].insert_many(SealedHeadBook.documents(1, heads))
        yield Log(client, queries)
    finally:
        await client.drop_database(queries.database)
        await client.close()


async def _never(work: Any) -> Any:
    raise AssertionError("nothing is written here")


def _served(plans: list[tuple[str, set[str], set[str]]], *expected: tuple[str, str]) -> None:
    assert [(collection, index) for collection, _, indexes in plans for index in sorted(indexes)] == list(expected), (
        plans
    )
    assert all("IXSCAN" in stages and "COLLSCAN" not in stages for _, stages, _ in plans), plans


AUDITOR = ("971",)
TWO = ("971", "972")


@pytest.mark.parametrize(
    ("territories", "criteria", "index"),
    [
        (AUDITOR, {}, "audit_territory_time"),
        (TWO, {}, "audit_territory_time"),
        (TWO, {"stream_type": "declaration"}, "audit_territory_type_time"),
        (
            TWO,
            {"stream_type": "declaration", "since": T0, "until": T0 + timedelta(days=1)},
            "audit_territory_type_time",
        ),
        (TWO, {"since": T0 + timedelta(hours=3)}, "audit_territory_time"),
        (None, {}, "audit_territory_time"),
        (None, {"territory": "974", "until": T0 + timedelta(days=1)}, "audit_territory_time"),
        (None, {"stream_type": "relation"}, "audit_territory_type_time"),
    ],
)
async def test_each_stream_search_is_served_by_an_index(
    log: Log, territories: tuple[str, ...] | None, criteria: Doc, index: str
) -> None:
    reads = AuditReads(log.db, {})
    found: list[tuple[int, list[Doc]]] = []

    async def search() -> None:
        found.append(await reads.streams(territories=territories, page=1, per_page=2, **criteria))

    _served(await log.plans(search), ("events", index))
    total, items = found[0]
    assert total > 0 and 0 < len(items) <= 2  # and it finds what the index covers


async def test_the_stream_search_pages_in_the_database_newest_first(log: Log) -> None:
    reads = AuditReads(log.db, {})
    total, first = await reads.streams(territories=TWO, page=1, per_page=2)
    _, second = await reads.streams(territories=TWO, page=2, per_page=2)
    assert total == 3 and [s["stream_id"] for s in [*first, *second]] == ["decl-d", "decl-b", "decl-a"]
    assert (first[0]["events"], first[0]["territory"]) == (4, "971")
    _, during = await reads.streams(territories=None, since=T0 + timedelta(hours=6), until=T0 + timedelta(hours=6))
    assert [(s["stream_id"], s["events"]) for s in during] == [("decl-d", 1), ("rel-c", 1)]  # at the same hour: by id


async def test_the_streams_of_an_export_by_type_are_served_by_an_index_one_row_each(log: Log) -> None:
    found: list[str] = []

    async def ids() -> None:
        pipeline, index = stream_ids_query("declaration", T0 + timedelta(hours=3), None)
        found.extend([str(d["_id"]) async for d in await log.db["events"].aggregate(pipeline, hint=index)])

    _served(await log.plans(ids), ("events", "audit_territory_type_time"))
    assert found == ["decl-d", "decl-b", "decl-a"]


async def test_a_trace_is_served_by_an_index_in_the_log_and_in_the_inbox(log: Log) -> None:
    reads = AuditReads(log.db, {})
    for territories in (AUDITOR, None):
        plans = await log.plans(lambda t=territories: reads.trace("corr-decl-a", territories=t))  # type: ignore[misc]
        _served(plans, ("events", "audit_correlation"), ("inbox", "audit_correlation"))
    assert len(await reads.trace("corr-decl-a", territories=AUDITOR)) == 6
    assert await reads.trace("corr-decl-a", territories=("974",)) == []  # the auditor's territories only


async def test_a_stream_read_as_of_a_date_or_a_version_is_served_by_its_stream_index(log: Log) -> None:
    reads = AuditReads(log.db, {})
    by_stream = ("events", "stream_id_1_version_1")
    _served(await log.plans(lambda: reads.stream("decl-b")), by_stream, by_stream)
    _served(await log.plans(lambda: reads.stream("decl-b", version=2)), by_stream, by_stream)
    _served(await log.plans(lambda: reads.stream("decl-b", as_of=T0 + timedelta(hours=3))), by_stream, by_stream)


async def test_sealing_reads_what_was_appended_and_each_stream_s_sealed_head_by_index(log: Log) -> None:
    book = SealedHeadBook(log.db)
    seals = Seals(log.db, "declarations", key=None, keyring=None, transaction=_never)
    _served(await log.plans(lambda: book.appended(14)), ("events", "position_1"))
    _served(await log.plans(lambda: seals.appended_after(14)), ("events", "position_1"))
    _served(await log.plans(lambda: book.of_stream("decl-b", 1)), ("seal_heads", "stream_id_1_seal_-1"))
    _served(await log.plans(lambda: book.advance({}, 0, 1)), ("seal_heads", "seal_1_stream_id_1"))
    _served(await log.plans(lambda: seals.covering(12)), ("seals", "position_1"))
