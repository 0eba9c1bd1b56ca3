"""SecantusDB through pymongo: transactions, unique indexes, durability across a hard kill."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from devstack.servers import MongoServer

Db = AsyncDatabase[dict[str, Any]]


async def test_hello_advertises_a_replica_set_primary(mongo_db: Db) -> None:
    hello = await mongo_db.client.admin.command("hello")
    assert hello["isWritablePrimary"] and hello["setName"] == "secantus"


async def test_transaction_commits(mongo_client: AsyncMongoClient[dict[str, Any]], mongo_db: Db) -> None:
    events, outbox = mongo_db["events"], mongo_db["outbox"]
    await events.create_index([("stream_id", 1), ("version", 1)], unique=True)
    async with mongo_client.start_session() as session:
        async with await session.start_transaction():
            await events.insert_one({"stream_id": "s1", "version": 1}, session=session)
            await outbox.insert_one({"stream_id": "s1", "version": 1}, session=session)
    assert await events.count_documents({}) == 1
    assert await outbox.count_documents({}) == 1


async def test_aborted_transaction_leaves_nothing(mongo_client: AsyncMongoClient[dict[str, Any]], mongo_db: Db) -> None:
    events = mongo_db["events"]
    await events.insert_one({"x": 0})
    with pytest.raises(RuntimeError):
        async with mongo_client.start_session() as session:
            async with await session.start_transaction():
                await events.insert_one({"x": 1}, session=session)
                raise RuntimeError("abort")
    assert await events.count_documents({}) == 1


async def test_unique_index_conflict_raises(mongo_client: AsyncMongoClient[dict[str, Any]], mongo_db: Db) -> None:
    events = mongo_db["events"]
    await events.create_index([("stream_id", 1), ("version", 1)], unique=True)
    await events.insert_one({"stream_id": "s1", "version": 1})

    with pytest.raises(DuplicateKeyError):
        await events.insert_one({"stream_id": "s1", "version": 1})

    # Inside a transaction: DuplicateKeyError, or OperationFailure 112 (write conflict) when
    # two transactions race; either way the transaction appends nothing.
    with pytest.raises(OperationFailure) as raised:
        async with mongo_client.start_session() as session:
            async with await session.start_transaction():
                await events.insert_one({"stream_id": "s1", "version": 2}, session=session)
                await events.insert_one({"stream_id": "s1", "version": 1}, session=session)
    assert raised.value.code in (11000, 112)
    assert await events.count_documents({}) == 1


async def test_datetimes_come_back_tz_aware(mongo_db: Db) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    await mongo_db["t"].insert_one({"at": now})
    doc = await mongo_db["t"].find_one({})
    assert doc is not None and doc["at"] == now and doc["at"].tzinfo is not None


def test_journaled_writes_survive_a_hard_kill(tmp_path: Path) -> None:
    server = MongoServer(tmp_path / "var", storage_path=tmp_path / "data")
    server.start()
    try:
        port = server.port
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri)
        try:
            coll = client["durable"]["events"]
            for i in range(50):
                coll.insert_one({"i": i})
            coll.insert_many([{"i": i} for i in range(50, 100)])
        finally:
            client.close()
        assert server.kill() == -9  # right after the last acknowledgement

        server.start()  # same port, same storage
        assert server.port == port
        client = MongoClient(server.uri)
        try:
            assert sorted(d["i"] for d in client["durable"]["events"].find()) == list(range(100))
        finally:
            client.close()
    finally:
        server.stop()
    assert "devstack starts mongo" in server.log_path.read_text()


async def test_async_restart_keeps_data(tmp_path: Path) -> None:
    async with MongoServer(tmp_path) as server:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server.uri)
        await client["d"]["c"].insert_one({"k": 1})
        await client.close()
        await server.restart_async()
        client = AsyncMongoClient(server.uri)
        try:
            assert await client["d"]["c"].count_documents({"k": 1}) == 1
        finally:
            await client.close()
