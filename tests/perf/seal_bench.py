"""Sealing at scale, the whole-log seal of before decision 0034 against the incremental one (not in `make
test`): `uv run python tests/perf/seal_bench.py [OLD_SEALS_MODULE.py]`.

For each size (events, streams) it fills a log on a fresh embedded SecantusDB (chained heads, direct
inserts: the seal is what is measured), seals it, appends a batch (the events of a busy five minutes), and
times the next seal and counts the documents it writes; for the incremental seal, also the same seal made
by a process that just started (its heads rebuilt from `seal_heads`). The former module, when given (e.g.
`git show 38e1e9e:chassis/src/chassis/seals.py > /tmp/seals_old.py`), is measured on the same log.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import REGISTRY
from pymongo import ASCENDING, AsyncMongoClient

from chassis.mongo import in_transaction
from chassis.seals import Seals
from devstack.mongo import MongoServer

SIZES = [(10_000, 1_000), (10_000, 10_000), (100_000, 1_000), (100_000, 10_000)]
BATCH, BATCH_STREAMS = 500, 100
"""What a busy five minutes appends: 500 events on 100 streams."""
T0 = datetime(2026, 1, 1, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()


def _hash(stream_id: str, version: int) -> str:
    return hashlib.sha256(f"{stream_id}:{version}".encode()).hexdigest()


class Log:
    def __init__(self, db: Any, streams: int) -> None:
        self.db, self.streams, self.versions, self.position = db, streams, [0] * streams, 0

    async def append(self, events: int, on: range) -> None:
        docs = []
        for i in range(events):
            s = on[i % len(on)]
            self.versions[s] += 1
            self.position += 1
            sid, v = f"decl-{s:06d}", self.versions[s]
            prev = _hash(sid, v - 1) if v > 1 else "0" * 64
            docs.append(
                {
                    "stream_id": sid,
                    "version": v,
                    "position": self.position,
                    "stream_type": "declaration",
                    "territory": "971",
                    "occurred_at": T0 + timedelta(seconds=self.position),
                    "hash": _hash(sid, v),
                    "prev_hash": prev,
                }
            )
            if len(docs) == 5_000:
                await self.db["events"].insert_many(docs, ordered=False)
                docs = []
        if docs:
            await self.db["events"].insert_many(docs, ordered=False)


async def _documents(db: Any) -> int:
    return int(await db["seals"].count_documents({})) + int(await db["seal_heads"].count_documents({}))


async def _measure(client: Any, db: Any, log: Log, module: Any, label: str) -> dict[str, Any]:
    def seals() -> Any:
        return module.Seals(db, "bench", key=KEY, keyring=None, transaction=lambda w: in_transaction(client, w))

    await db["seals"].drop()
    await db["seal_heads"].drop()
    sealer = seals()
    await sealer.ensure_indexes()
    started = time.perf_counter()
    assert await sealer.seal_now() is not None
    first = time.perf_counter() - started
    hot = (BATCH_STREAMS * 7) % log.streams
    await log.append(BATCH, range(hot, min(hot + BATCH_STREAMS, log.streams)))
    before = await _documents(db)
    tracemalloc.start()
    started = time.perf_counter()
    seal = await sealer.seal_now()
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seal is not None
    row = {
        "variant": label,
        "first_seal_s": round(first, 3),
        "seal_s": round(took, 3),
        "documents_written": await _documents(db) - before,
        "peak_python_mb": round(peak / 2**20, 1),
    }
    if label == "incremental":  # the same seal by a process that just started: heads rebuilt from seal_heads
        await log.append(BATCH, range(hot, min(hot + BATCH_STREAMS, log.streams)))
        started = time.perf_counter()
        assert await seals().seal_now() is not None
        row["seal_after_restart_s"] = round(time.perf_counter() - started, 3)
        tracemalloc.start()
        again = seals()
        latest = await again.latest()
        assert latest is not None and await again.covered.of(latest.seq, latest.root) is not None
        row["kept_heads_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
        tracemalloc.stop()
    return row


def _load(path: str) -> ModuleType:
    REGISTRY.unregister(sys.modules[Seals.__module__].SEALED)  # the former module registers the same gauge
    spec = importlib.util.spec_from_file_location("seals_old", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def main(old: str | None) -> None:
    variants: list[tuple[str, Any]] = [("incremental", sys.modules[Seals.__module__])]
    if old:
        variants.insert(0, ("whole log", _load(old)))
    with tempfile.TemporaryDirectory() as var:
        server = MongoServer(Path(var))
        await server.start_async()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server.uri, tz_aware=True)
        try:
            results = []
            for events, streams in SIZES:
                db = client[f"seal_{events}_{streams}"]
                await db["events"].create_index([("stream_id", ASCENDING), ("version", ASCENDING)], unique=True)
                await db["events"].create_index([("position", ASCENDING)], unique=True)
                log = Log(db, streams)
                started = time.perf_counter()
                await log.append(events, range(streams))
                filled = time.perf_counter() - started
                for label, module in variants:
                    row = {"events": events, "streams": streams, "fill_s": round(filled, 1)}
                    row |= await _measure(client, db, log, module, label)
                    results.append(row)
                    print(json.dumps(row), flush=True)
                await client.drop_database(db.name)
        finally:
            await client.close()
            server.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
