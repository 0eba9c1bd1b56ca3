"""The incremental seal (decision 0034) against the embedded MongoDB: a seal reads only what was appended
since the one before and stores only the heads that changed, yet signs the root the whole log gives; a log
sealed the former way (every head with every seal) goes on being sealed; a process that just started
rebuilds the heads from the rows; a rewrite is still never sealed over, and tampering with the rows is
still named."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from chassis.eventstore import EventStore, to_doc
from chassis.mongo import in_transaction
from chassis.seals import Seals
from contracts.audit import Keyring, heads_root, next_seal, public_key_entry, sign_seal
from contracts.envelope import GENESIS_HASH, Actor, EventEnvelope

pytestmark = pytest.mark.integration

Doc = dict[str, Any]
T0 = datetime(2026, 4, 1, 8, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
KEYRING = Keyring(keys=[public_key_entry(KEY, "declarations")])


class Log:
    """A service's log written event by event, chained, each at the next position."""

    def __init__(self, client: AsyncMongoClient[Doc], db: AsyncDatabase[Doc]) -> None:
        self.client, self.db = client, db
        self.heads: dict[str, tuple[int, str]] = {}
        self.position = 0

    def seals(self) -> Seals:
        """A process's sealing, as a service builds it (a new one: a process that just started)."""
        return Seals(
            self.db, "declarations", key=KEY, keyring=KEYRING, transaction=lambda w: in_transaction(self.client, w)
        )

    async def append(self, *stream_ids: str) -> None:
        for stream_id in stream_ids:
            version, prev = self.heads.get(stream_id, (0, GENESIS_HASH))
            self.position += 1
            event = EventEnvelope(
                type="LineAdded",
                schema_version=2,
                stream_id=stream_id,
                stream_type="declaration",
                version=version + 1,
                occurred_at=T0 + timedelta(minutes=self.position),
                territory="971",
                actor=Actor(id="déclarant-1", role="declarant"),
                correlation_id=f"corr-{stream_id}",
                data={"line": version + 1},
                position=self.position,
            ).chained(prev)
            await self.db["events"].insert_one(to_doc(event))
            self.heads[stream_id] = (event.version, event.hash)

    async def rewrite(self, stream_id: str) -> None:
        """Someone with write access changes the stream's first event and recomputes its whole chain."""
        prev = GENESIS_HASH
        async for doc in self.db["events"].find({"stream_id": stream_id}, sort=[("version", 1)]):
            envelope = EventEnvelope.model_validate({k: v for k, v in doc.items() if k != "_id"})
            if envelope.version == 1:
                envelope = envelope.model_copy(update={"data": {"line": 999}})
            envelope = envelope.chained(prev)
            prev = envelope.hash
            await self.db["events"].replace_one({"_id": doc["_id"]}, to_doc(envelope))
        self.heads[stream_id] = (self.heads[stream_id][0], prev)

    async def rows(self, seal: int) -> list[str]:
        return sorted([d["stream_id"] async for d in self.db["seal_heads"].find({"seal": seal})])


@pytest_asyncio.fixture
async def log(mongo_client: AsyncMongoClient[Doc], mongo_db: AsyncDatabase[Doc]) -> AsyncIterator[Log]:
    await EventStore(mongo_db).ensure_indexes()
    written = Log(mongo_client, mongo_db)
    await written.seals().ensure_indexes()
    yield written


STREAMS = [f"decl-{n:02d}" for n in range(12)]


async def test_a_seal_stores_the_heads_changed_since_the_last_and_signs_the_whole_log_s_root(log: Log) -> None:
    # given a log of twelve streams sealed once
    seals = log.seals()
    await log.append(*STREAMS, *STREAMS[:4])
    first = await seals.seal_now()
    assert first is not None and first.streams == 12 and await log.rows(1) == STREAMS
    # when three streams move on and a new one opens, and the log is sealed again
    await log.append("decl-03", "decl-07", "decl-07", "decl-11", "decl-new")
    second = await seals.seal_now()
    # then only their heads are stored with it, yet it signs the root of every head the whole log gives
    assert second is not None and (second.seq, second.streams, second.position) == (2, 13, 21)
    assert await log.rows(2) == ["decl-03", "decl-07", "decl-11", "decl-new"]
    assert second.root == heads_root(await seals.heads_at(second.position))
    assert (await log.db["seals"].find_one({"_id": 2}) or {})["heads"] == "delta"
    assert await seals.verify() == []
    # and every stream is found under it, unchanged ones by their row in the first seal
    for stream_id in ("decl-00", "decl-07", "decl-new"):
        checked = await seals.check_stream(stream_id)
        assert checked is not None and checked["intact"] and checked["seal"] == 2, checked
        assert (checked["version"], checked["hash"]) == log.heads[stream_id]
    # and a process that just started rebuilds the heads from the rows and seals the same way
    await log.append("decl-00")
    third = await log.seals().seal_now()
    assert third is not None and third.root == heads_root(await seals.heads_at(third.position))
    assert await log.rows(3) == ["decl-00"] and await log.seals().verify() == []
    # and nothing appended, nothing sealed
    assert await seals.seal_now() is None


async def test_a_log_sealed_the_former_way_goes_on_being_sealed(log: Log) -> None:
    # given two seals made the former way: every head stored with each, no `heads` mark
    await log.append(*STREAMS[:6])
    previous = None
    for seq in (1, 2):
        await log.append(STREAMS[seq])
        seals = log.seals()
        heads = await seals.heads_at(log.position)
        previous = sign_seal(next_seal("declarations", heads, log.position, previous), KEY)
        await log.db["seals"].insert_one({"_id": seq, **previous.model_dump(mode="json"), "published": True})
        rows = [{"seal": seq, "stream_id": h.stream_id, "version": h.version, "hash": h.hash} for h in heads]
        await log.db["seal_heads"].insert_many(rows)
    # when a process of this version seals the log
    await log.append("decl-04", "decl-09")
    third = await log.seals().seal_now()
    # then it chains to them, stores the two heads that changed, and the heads rebuilt across both kinds hold
    assert third is not None and third.seq == 3 and third.prev == previous.digest()
    assert await log.rows(3) == ["decl-04", "decl-09"]
    assert third.root == heads_root(await log.seals().heads_at(third.position))
    assert await log.seals().verify() == []
    checked = await log.seals().check_stream("decl-01")
    assert checked is not None and checked["intact"] and checked["version"] == 2


async def test_a_stream_rewritten_is_never_sealed_over(log: Log) -> None:
    seals = log.seals()
    await log.append(*STREAMS[:5], "decl-01", "decl-02")
    assert await seals.seal_now() is not None
    # a stream rewritten with its chain recomputed, then others appended to: the next seal keeps its sealed head
    await log.rewrite("decl-01")
    await log.append("decl-03")
    second = await seals.seal_now()
    assert second is not None and await log.rows(2) == ["decl-03"]
    problems = await log.seals().verify()
    assert any("sceau n° 2" in p and "decl-01" in p and "réécrit" in p for p in problems), problems
    checked = await log.seals().check_stream("decl-01")
    assert checked is not None and not checked["intact"]
    assert any("réécrit depuis le sceau n° 2" in p and "version 2" in p for p in checked["problems"]), checked
    # the service then appends to the rewritten stream: a seal would cover the rewrite, it is refused
    await log.append("decl-01")
    assert await seals.seal_now() is None and await log.seals().seal_now() is None


async def test_rows_altered_beside_a_seal_are_named(log: Log) -> None:
    seals = log.seals()
    await log.append(*STREAMS[:5])
    assert await seals.seal_now() is not None
    await log.append("decl-02", "decl-04")
    assert await seals.seal_now() is not None
    # a row of the second seal changed: its heads no longer give its signed root
    forged = hashlib.sha256(b"forged").hexdigest()
    await log.db["seal_heads"].update_one({"seal": 2, "stream_id": "decl-04"}, {"$set": {"hash": forged}})
    problems = await log.seals().verify()
    assert any("sceau n° 2" in p and "table seal_heads modifiée" in p for p in problems), problems
    checked = await log.seals().check_stream("decl-04")
    assert checked is not None and any("ne donnent plus sa racine signée" in p for p in checked["problems"])
    # a row deleted: the stream's older row in the first seal is not the head the second one signed
    await log.db["seal_heads"].delete_one({"seal": 2, "stream_id": "decl-02"})
    checked = await log.seals().check_stream("decl-02")
    assert checked is not None and any("ne donnent plus sa racine signée" in p for p in checked["problems"])
    # every row of the stream deleted: it is missing
    await log.db["seal_heads"].delete_many({"stream_id": "decl-02"})
    checked = await log.seals().check_stream("decl-02")
    assert checked is not None and any("manque" in p for p in checked["problems"])
    # the log itself was not rewritten: a process seals on from it, storing every head again
    await log.append("decl-00")
    third = await log.seals().seal_now()
    assert third is not None and len(await log.rows(3)) == 5
    assert (await log.db["seals"].find_one({"_id": 3}) or {})["heads"] == "full"
    assert await log.seals().verify() == []
