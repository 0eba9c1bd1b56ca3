"""The seals of a service's log: what makes its hash chains trustworthy against someone who can write to
the database (issue « audit »).

Every `every_seconds` (when something was appended since the last seal) and on demand, the service
takes the head of each of its streams at the last position of its own log, builds the RFC 6962 tree of
those heads (`contracts.audit`), and signs the seal with an Ed25519 key the database does not hold (a
mounted secret file; `var/audit/` for `make run`). The seal names the one before it, so seals form their
own chain. It is stored (`seals`, and in `seal_heads` the heads changed since the seal before, so a
broken seal can name the stream at fault: `chassis.seal_heads`), published on the `audit.seals` topic
(outside the database: an auditor keeps its own copy), and listed for auditors. `verify` checks the seals'
chain and signatures against the public keyring, then that the log still gives the latest seal's root: a
stream rewritten with a recomputed chain is caught.

A seal is incremental (decision 0034): it reads the events appended since the seal before (by position),
takes the heads that seal covers (kept in memory from the last seal this process made or read, else
rebuilt from `seal_heads`, and trusted only when they give its signed root), replaces those that changed,
and signs the root of the whole set: the same root the whole log would give.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import Gauge
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from chassis.seal_checks import check_stream
from chassis.seal_heads import DELTA, FULL, SEAL_HEADS, SEALS, CoveredHeads, SealedHeadBook
from contracts.audit import (
    Keyring,
    Seal,
    StreamHead,
    check_heads,
    diff_heads,
    heads_root,
    next_seal,
    sign_seal,
    verify_seal_chain,
)

log = structlog.get_logger(__name__)
Doc = dict[str, Any]
TOPIC = "audit.seals"
Publish = Callable[[str, bytes, bytes], Awaitable[None]]
"""Sends (topic, key, value) to the broker."""
Transaction = Callable[[Callable[[AsyncClientSession], Awaitable[Any]]], Awaitable[Any]]
SEALED = Gauge(
    "audit_log_sealed_timestamp_seconds",
    "When the log was last seen sealed up to its end (a seal written, or nothing appended since the last)",
    ["service"],
)


class Seals:
    """Seals this service's log, lists its seals, and checks the log against them."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        service: str,
        *,
        key: Ed25519PrivateKey | None,
        keyring: Keyring | None,
        transaction: Transaction,
    ) -> None:
        self.db = db
        self.service = service
        self.key = key
        self.keyring = keyring
        self.transaction = transaction
        self.events = db["events"]
        self.seals = db[SEALS]
        self.heads = db[SEAL_HEADS]
        self.book = SealedHeadBook(db)
        self.covered = CoveredHeads(self.book)
        self._seen = 0
        self.turn = asyncio.Lock()
        """One seal at a time in this process (the loop, `POST /audit/seals`, an export)."""

    async def ensure_indexes(self) -> None:
        await self.book.ensure_indexes()
        await self.seals.create_index([("position", ASCENDING)])

    # ---- reading -------------------------------------------------------------------------------------

    async def heads_at(self, position: int) -> list[StreamHead]:
        """The head of every stream of the own log at `position` (its last event at or before it), from the
        whole log: what `verify` checks the latest seal against."""
        pipeline: list[Doc] = [
            {"$match": {"position": {"$lte": position}}},
            {"$sort": {"stream_id": 1, "version": -1}},
            {"$group": {"_id": "$stream_id", "version": {"$first": "$version"}, "hash": {"$first": "$hash"}}},
        ]
        rows = [d async for d in await self.events.aggregate(pipeline)]
        return [StreamHead(str(r["_id"]), int(r["version"]), str(r["hash"])) for r in rows]

    async def appended_after(self, position: int) -> bool:
        """Whether the own log holds an event after `position` (read forwards: SecantusDB reads an index
        backwards whole, so « the last position » costs the log)."""
        found = await self.events.find_one({"position": {"$gt": position}}, {"position": 1})
        return found is not None and int(found["position"]) > position

    async def latest(self) -> Seal | None:
        """The latest seal: read forwards from the latest this process saw (SecantusDB reads an index
        backwards whole), else, when that one is gone, the whole table backwards."""
        doc = None
        if self._seen:
            async for found in self.seals.find({"_id": {"$gte": self._seen}}, sort=[("_id", ASCENDING)]):
                doc = found
        if doc is None:
            doc = await self.seals.find_one({}, sort=[("_id", DESCENDING)])
        self._seen = int(doc["_id"]) if doc else 0
        return _seal(doc) if doc else None

    async def chain(self) -> list[Seal]:
        return [_seal(d) async for d in self.seals.find({}, sort=[("_id", ASCENDING)])]

    async def sealed_heads(self, seq: int) -> list[StreamHead]:
        """The heads a seal was made over, as stored: each stream's row in the latest seal at or before it."""
        return sorted((await self.book.heads_at(seq)).values(), key=lambda h: h.stream_id)

    async def page(self, page: int, per_page: int) -> tuple[int, list[Doc]]:
        """The seals, newest first, each with its signature and key id, and whether it was published."""
        total = await self.seals.count_documents({})
        cursor = self.seals.find({}, sort=[("_id", DESCENDING)], skip=(page - 1) * per_page, limit=per_page)
        return total, [_public(d) async for d in cursor]

    async def covering(self, position: int) -> Doc | None:
        """The first seal whose position covers `position`: from it on, that event is sealed."""
        doc = await self.seals.find_one({"position": {"$gte": position}}, sort=[("position", ASCENDING)])
        return _public(doc) if doc else None

    async def check_stream(self, stream_id: str) -> Doc | None:
        """The stream against the latest seal, or None when the stream is newer than it (`chassis.seal_checks`)."""
        return await check_stream(self, stream_id)

    # ---- sealing -------------------------------------------------------------------------------------

    async def seal_now(self) -> Seal | None:
        """Seals the own log at its last position; None when nothing was appended since the last seal, when
        no key is configured, when another process sealed the same position first, or when the log no longer
        follows the previous seal: a seal never covers a rewrite (it would make the rewritten streams verify),
        the operator's `verify` names what was rewritten."""
        if self.key is None:
            return None
        async with self.turn:
            return await self._seal(self.key)

    async def _seal(self, key: Ed25519PrivateKey) -> Seal | None:
        previous = await self.latest()
        after = previous.position if previous else 0
        if not await self.appended_after(after):
            SEALED.labels(self.service).set_to_current_time()
            return None
        appended = await self.book.appended(after)
        position = appended.last_position
        start = await self._starting_heads(previous)
        if start is None:
            return None
        heads, kind = start
        broken = appended.unlinked(heads)
        if broken:  # a stream appended to after a rewrite: its new head would cover the rewrite
            assert previous is not None
            log.error("scellement_refuse_journal_reecrit", previous=previous.seq, streams=broken[:20])
            return None
        covered = {**heads, **appended.heads}
        unsigned = await asyncio.to_thread(next_seal, self.service, list(covered.values()), position, previous)
        seal = sign_seal(unsigned, key)
        rows = SealedHeadBook.documents(seal.seq, (covered if kind == FULL else appended.heads).values())

        async def store(session: AsyncClientSession) -> None:
            body = {"_id": seal.seq, **seal.model_dump(mode="json"), "published": False, "heads": kind}
            await self.seals.insert_one(body, session=session)
            if rows:
                await self.heads.insert_many(rows, session=session)

        try:
            await self.transaction(store)
        except DuplicateKeyError:
            return None  # another replica sealed this number first: its seal stands (and sets its gauge)
        self.covered.keep(seal.seq, seal.root, covered)
        SEALED.labels(self.service).set_to_current_time()
        log.info(
            "journal_scelle",
            seal=seal.seq,
            position=position,
            streams=len(covered),
            changed=len(appended.heads),
            events=appended.events,
            key_id=seal.key_id,
        )
        return seal

    async def _starting_heads(self, previous: Seal | None) -> tuple[dict[str, StreamHead], str] | None:
        """The heads the previous seal covers, and whether the next seal stores only those that change
        (`delta`) or all of them (`full`: the first seal, or when `seal_heads` no longer gives the previous
        root but the log still does); None when neither gives it: the log was rewritten."""
        if previous is None:
            return {}, FULL
        covered = await self.covered.of(previous.seq, previous.root)
        if covered is not None:
            return covered, DELTA
        from_log = {h.stream_id: h for h in await self.heads_at(previous.position)}
        if await asyncio.to_thread(heads_root, from_log.values()) == previous.root:
            log.warning("tetes_scellees_reprises_du_journal", previous=previous.seq)
            return from_log, FULL
        log.error("scellement_refuse_journal_reecrit", previous=previous.seq, position=previous.position)
        return None

    async def publish_pending(self, publish: Publish, topic: str) -> int:
        """Publishes the seals not yet on the broker, oldest first; returns how many."""
        sent = 0
        async for doc in self.seals.find({"published": False}, sort=[("_id", ASCENDING)]):
            seal = _seal(doc)
            await publish(topic, self.service.encode(), json.dumps(seal.model_dump(mode="json")).encode())
            await self.seals.update_one({"_id": doc["_id"]}, {"$set": {"published": True}})
            sent += 1
        return sent

    async def run(self, stop: asyncio.Event, *, every_seconds: float, publish: Publish | None, topic: str) -> None:
        """Seals every `every_seconds` when something was appended, and publishes what is pending."""
        while not stop.is_set():
            try:
                await self.seal_now()
                if publish is not None:
                    await self.publish_pending(publish, topic)
            except Exception:
                log.exception("scellement_echoue")
            try:
                await asyncio.wait_for(stop.wait(), timeout=every_seconds)
            except TimeoutError:
                pass

    # ---- checking ------------------------------------------------------------------------------------

    async def verify(self) -> list[str]:
        """Every sign that the log or its seals were tampered with, in French; empty when both hold.

        The seals' own chain (numbers, links, signatures by the keyring's keys in their periods), the heads
        stored with the latest seal against its signed root, then the log's heads at the latest seal's
        position against that root, naming each stream rewritten, removed or added."""
        seals = await self.chain()
        if not seals:
            return []
        problems: list[str] = []
        if self.keyring is None:
            problems.append(
                "aucun trousseau de clés publiques n'est configuré : les signatures des sceaux ne sont pas vérifiées"
            )
        else:
            problems += verify_seal_chain(seals, self.keyring)
        latest = seals[-1]
        stored = await self.sealed_heads(latest.seq)
        if heads_root(stored) != latest.root:
            problems.append(
                f"{latest.label} : les têtes de flux conservées avec le sceau ne donnent pas sa racine signée "
                "(table seal_heads modifiée)"
            )
        current = await self.heads_at(latest.position)
        found = check_heads(latest, current)
        if found:
            problems += found
            problems += [f"{latest.label} : {p}" for p in diff_heads(stored, current)]
        return problems


def _seal(doc: Doc) -> Seal:
    return Seal.model_validate({k: v for k, v in doc.items() if k not in ("_id", "published", "heads")})


def _public(doc: Doc) -> Doc:
    body = _seal(doc).model_dump(mode="json")
    body["published"] = bool(doc.get("published"))
    return body
