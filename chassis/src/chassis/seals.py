"""The seals of a service's log: what makes its hash chains trustworthy against someone who can write to
the database (issue « audit »).

Every `every_seconds` (when something was appended since the last seal) and on demand, the service
takes the head of each of its streams at the last position of its own log, builds the RFC 6962 tree of
those heads (`contracts.audit`), and signs the seal with an Ed25519 key the database does not hold (a
mounted secret file; `var/audit/` for `make run`). The seal names the one before it, so seals form their
own chain. It is stored (`seals`, and its heads in `seal_heads` so a broken seal can name the stream at
fault), published on the `audit.seals` topic (outside the database: an auditor keeps its own copy), and
listed for auditors. `verify` checks the seals' chain and signatures against the public keyring, then
that the log still gives the latest seal's root: a stream rewritten with a recomputed chain is caught.
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

from contracts.audit import (
    Keyring,
    Seal,
    StreamHead,
    check_heads,
    diff_heads,
    head_proofs,
    heads_root,
    next_seal,
    sign_seal,
    verify_inclusion,
    verify_seal,
    verify_seal_chain,
)

log = structlog.get_logger(__name__)
Doc = dict[str, Any]
SEALS = "seals"
SEAL_HEADS = "seal_heads"
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

    async def ensure_indexes(self) -> None:
        await self.heads.create_index([("seal", ASCENDING), ("stream_id", ASCENDING)], unique=True)
        await self.seals.create_index([("position", ASCENDING)])

    # ---- reading -------------------------------------------------------------------------------------

    async def heads_at(self, position: int) -> list[StreamHead]:
        """The head of every stream of the own log at `position` (its last event at or before it)."""
        pipeline: list[Doc] = [
            {"$match": {"position": {"$lte": position}}},
            {"$sort": {"stream_id": 1, "version": -1}},
            {"$group": {"_id": "$stream_id", "version": {"$first": "$version"}, "hash": {"$first": "$hash"}}},
        ]
        rows = [d async for d in await self.events.aggregate(pipeline)]
        return [StreamHead(str(r["_id"]), int(r["version"]), str(r["hash"])) for r in rows]

    async def last_own_position(self) -> int:
        last = await self.events.find_one({}, {"position": 1}, sort=[("position", DESCENDING)])
        return int(last["position"]) if last else 0

    async def latest(self) -> Seal | None:
        doc = await self.seals.find_one({}, sort=[("_id", DESCENDING)])
        return _seal(doc) if doc else None

    async def chain(self) -> list[Seal]:
        return [_seal(d) async for d in self.seals.find({}, sort=[("_id", ASCENDING)])]

    async def sealed_heads(self, seq: int) -> list[StreamHead]:
        """The heads a seal was made over, as stored beside it."""
        cursor = self.heads.find({"seal": seq}, sort=[("stream_id", ASCENDING)])
        return [StreamHead(d["stream_id"], int(d["version"]), d["hash"]) async for d in cursor]

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
        """The stream against the latest seal, or None when the stream is newer than it: the seal's signature (by
        the keyring), the stream among the heads stored beside it and those heads against its signed root (the
        stream's inclusion proof), then the event the log holds today at the sealed version against the sealed
        head. A stream rewritten after the seal with its chain recomputed holds together by itself; it no longer
        gives the sealed head."""
        first = await self.events.find_one({"stream_id": stream_id}, {"position": 1}, sort=[("version", ASCENDING)])
        seal = await self.latest()
        if first is None or seal is None or seal.position < int(first["position"]):
            return None  # not sealed yet: the next seal covers it
        # The latest seal, not the latest row naming the stream: deleting rows must not send the check to an
        # older seal (or to none). The stream must be among its heads, and its heads must give its signed root.
        problems = verify_seal(seal, self.keyring) if self.keyring is not None else []
        stored = await self.sealed_heads(seal.seq)
        head = next((h for h in stored if h.stream_id == stream_id), None)
        if head is None:
            problems.append(
                f"réécrit depuis le {seal.label} : le flux manque aux têtes conservées avec le sceau (table "
                "seal_heads modifiée)"
            )
        else:
            problems += await self._sealed_head_problems(seal, stored, head)
        return {
            "seal": seal.seq,
            "version": head.version if head else None,
            "hash": head.hash if head else None,
            "intact": not problems,
            "problems": problems,
            "signature_checked": self.keyring is not None,
        }

    async def _sealed_head_problems(self, seal: Seal, stored: list[StreamHead], head: StreamHead) -> list[str]:
        """What no longer holds of a stream's sealed head: its inclusion in the seal's signed root, then the event
        the log holds today at the sealed version."""
        problems = []
        proof = head_proofs(stored, [head.stream_id])[head.stream_id]
        if not verify_inclusion(head.leaf(), proof.leaf_index, proof.tree_size, proof.proof, seal.root):
            problems.append(
                f"réécrit depuis le {seal.label} : les têtes conservées avec le sceau ne donnent plus sa racine "
                "signée (table seal_heads modifiée)"
            )
        event = await self.events.find_one({"stream_id": head.stream_id, "version": head.version}, {"hash": 1})
        if event is None:
            problems.append(
                f"réécrit depuis le {seal.label} : la version {head.version} scellée n'est plus dans le journal"
            )
        elif event["hash"] != head.hash:
            problems.append(
                f"réécrit depuis le {seal.label} : la version {head.version} scellée avait l'empreinte "
                f"{head.hash[:12]}…, le journal donne aujourd'hui {str(event['hash'])[:12]}… (événements modifiés "
                "et empreintes recalculées)"
            )
        return problems

    # ---- sealing -------------------------------------------------------------------------------------

    async def seal_now(self) -> Seal | None:
        """Seals the own log at its last position; None when nothing was appended since the last seal, when
        no key is configured, when another process sealed the same position first, or when the log no longer
        gives the previous seal's root: a seal never covers a rewrite (it would make the rewritten streams
        verify), the operator's `verify` names what was rewritten."""
        if self.key is None:
            return None
        position = await self.last_own_position()
        previous = await self.latest()
        if previous is not None and previous.position >= position:
            SEALED.labels(self.service).set_to_current_time()
            return None
        if previous is not None and heads_root(await self.heads_at(previous.position)) != previous.root:
            log.error("scellement_refuse_journal_reecrit", previous=previous.seq, position=previous.position)
            return None
        heads = await self.heads_at(position)
        seal = sign_seal(next_seal(self.service, heads, position, previous), self.key)

        async def store(session: AsyncClientSession) -> None:
            await self.seals.insert_one(
                {"_id": seal.seq, **seal.model_dump(mode="json"), "published": False}, session=session
            )
            if heads:
                await self.heads.insert_many(
                    [{"seal": seal.seq, "stream_id": h.stream_id, "version": h.version, "hash": h.hash} for h in heads],
                    session=session,
                )

        try:
            await self.transaction(store)
        except DuplicateKeyError:
            return None  # another replica sealed this number first: its seal stands (and sets its gauge)
        SEALED.labels(self.service).set_to_current_time()
        log.info("journal_scelle", seal=seal.seq, position=position, streams=len(heads), key_id=seal.key_id)
        return seal

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
    return Seal.model_validate({k: v for k, v in doc.items() if k not in ("_id", "published")})


def _public(doc: Doc) -> Doc:
    body = _seal(doc).model_dump(mode="json")
    body["published"] = bool(doc.get("published"))
    return body
