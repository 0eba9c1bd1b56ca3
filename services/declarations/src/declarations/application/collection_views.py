"""The collection's read models: each relation's mandates (the producer's page, the office's validation queue),
the bank files issued, and the statements read with what each entry did (the comptable's screens)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.collection import (
    CardPaymentEnded,
    CardPaymentStarted,
    CollectionFileIssued,
    MandateRefused,
    MandateRegistered,
    MandateRevoked,
    MandateValidated,
    StatementEntryMatched,
    StatementImported,
)
from contracts.recorded import Recorded

CARDS = "card_payments"
MANDATES = "mandates"
FILES = "collection_files"
STATEMENTS = "statements"

Doc = dict[str, Any]


def _step(e: Recorded[Any], what: str, by: str, **more: object) -> Doc:
    return {"what": what, "rum": e.event.rum, "at": e.occurred_at.isoformat(), "by": by, **more}


class CollectionView(Projection):
    name = "collection"
    collections = (MANDATES, FILES, STATEMENTS, CARDS)
    indexes = (
        Index(MANDATES, (("territory", 1), ("pending", 1))),
        Index(FILES, (("territory", 1), ("collection_date", -1))),
        Index(STATEMENTS, (("territory", 1), ("imported_at", -1))),
        Index(CARDS, (("declaration_id", 1), ("started_at", -1))),
    )

    @on(MandateRegistered)
    async def _registered(self, e: Recorded[MandateRegistered], db: ViewDatabase) -> None:
        mandate = {**e.event.model_dump(mode="json"), "registered_at": e.occurred_at.isoformat()}
        await db[MANDATES].update_one(
            {"_id": e.event.relation_id},
            {
                "$set": {"territory": e.territory, "pending": mandate},
                "$setOnInsert": {"active": None},
                "$push": {"history": _step(e, "enregistré", e.event.registered_by)},
            },
            upsert=True,
        )

    @on(MandateValidated)
    async def _validated(self, e: Recorded[MandateValidated], db: ViewDatabase) -> None:
        # The pending mandate becomes the active one: read it, then write both (a view's fold, in stream order).
        doc = await db[MANDATES].find_one({"_id": _relation(e.stream_id)})
        pending = (doc or {}).get("pending") or {}
        active = {**pending, "validated_at": e.occurred_at.isoformat(), "validated_by": e.event.validated_by}
        await db[MANDATES].update_one(
            {"_id": _relation(e.stream_id)},
            {
                "$set": {"active": active, "pending": None},
                "$push": {"history": _step(e, "validé", e.event.validated_by)},
            },
        )

    @on(MandateRefused)
    async def _refused(self, e: Recorded[MandateRefused], db: ViewDatabase) -> None:
        step = _step(e, "refusé", e.event.refused_by, reason=e.event.reason)
        await db[MANDATES].update_one(
            {"_id": _relation(e.stream_id)}, {"$set": {"pending": None}, "$push": {"history": step}}
        )

    @on(MandateRevoked)
    async def _revoked(self, e: Recorded[MandateRevoked], db: ViewDatabase) -> None:
        step = _step(e, "révoqué", e.event.revoked_by, reason=e.event.reason)
        await db[MANDATES].update_one(
            {"_id": _relation(e.stream_id)}, {"$set": {"active": None}, "$push": {"history": step}}
        )

    @on(CollectionFileIssued)
    async def _file(self, e: Recorded[CollectionFileIssued], db: ViewDatabase) -> None:
        d = e.event
        total = sum((debit.amount for debit in d.debits), Decimal("0.00"))
        await db[FILES].insert_one(
            {
                "_id": d.file_id,
                "territory": e.territory,
                "collection_date": d.collection_date.isoformat(),
                "issued_at": d.issued_at.isoformat(),
                "issued_by": d.issued_by,
                "count": len(d.debits),
                "total": str(total),
                "debits": [debit.model_dump(mode="json") for debit in d.debits],
            }
        )

    @on(StatementImported)
    async def _statement(self, e: Recorded[StatementImported], db: ViewDatabase) -> None:
        d = e.event
        counts = {outcome: 0 for outcome in ("paid", "returned", "waiting", "ignored")}
        for entry in d.entries:
            counts[entry.outcome] += 1
        await db[STATEMENTS].insert_one(
            {
                "_id": e.stream_id,
                "territory": e.territory,
                "statement_id": d.statement_id,
                "account": d.account,
                "created_at": d.created_at.isoformat(),
                "imported_at": e.occurred_at.isoformat(),
                "imported_by": d.imported_by,
                "counts": counts,
                "entries": [entry.model_dump(mode="json") for entry in d.entries],
                "matched": {},
            }
        )

    @on(StatementEntryMatched)
    async def _matched(self, e: Recorded[StatementEntryMatched], db: ViewDatabase) -> None:
        d = e.event
        await db[STATEMENTS].update_one(
            {"_id": e.stream_id},
            {"$set": {f"matched.{entry_key(d.entry_id)}": d.declaration_id}, "$inc": {"counts.matched": 1}},
        )

    @on(CardPaymentStarted)
    async def _card_started(self, e: Recorded[CardPaymentStarted], db: ViewDatabase) -> None:
        d = e.event
        await db[CARDS].insert_one(
            {
                "_id": d.operation_id,
                "declaration_id": d.declaration_id,
                "territory": e.territory,
                "refdet": d.refdet,
                "amount": str(d.amount),
                "started_at": e.occurred_at.isoformat(),
                "outcome": None,
            }
        )

    @on(CardPaymentEnded)
    async def _card_ended(self, e: Recorded[CardPaymentEnded], db: ViewDatabase) -> None:
        d = e.event
        ended = {"outcome": d.outcome, "authorisation": d.authorisation, "ended_at": e.occurred_at.isoformat()}
        await db[CARDS].update_one({"_id": d.operation_id}, {"$set": ended})


def _relation(stream_id: str) -> str:
    return stream_id.removeprefix("mandate-")


def entry_key(entry_id: str) -> str:
    """An entry id as a document key (no dot, no leading dollar)."""
    return entry_id.replace(".", "_").replace("$", "_")
