"""Reads for the collection: the debits no file presented yet, what a statement's references name, and the
comptable's and the office's lists (mandates waiting, files, statements, credits waiting)."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.events.collection import DebitScheduled
from contracts.references import declaration_reference
from declarations.adapters.read_models import ORIGINAL, stored_payments
from declarations.application.collection_views import CARDS, FILES, MANDATES, STATEMENTS, entry_key
from declarations.application.projections import VIEW
from declarations.domain.collection.debits import presentable
from declarations.domain.collection.files import PendingDebit
from declarations.domain.collection.mandate import MandateDetails
from declarations.domain.collection.reconciliation import KnownPayments

Doc = dict[str, Any]
DEBIT_FIELDS = tuple(DebitScheduled.model_fields)
REFERENCE = re.compile(
    r"OM-(?P<territory>\d{3})-(?P<year>\d{4})-T(?P<quarter>[1-4])-(?P<number>[0-9A-Z]+?)(?:-R(?P<corrective>[1-9]\d*))?"
)


def in_force(active: Doc | None) -> MandateDetails | None:
    if not active:
        return None
    return MandateDetails(
        active["rum"], active["iban"], active["bic"], active["holder"], date.fromisoformat(active["signed_on"])
    )


def balance_of(doc: Doc) -> Decimal:
    """What is left to pay of a filed declaration, as its payment state reads it."""
    stored = stored_payments(doc)
    return stored.state.balance if stored else Decimal("0.00")


def human_reference(doc: Doc) -> str:
    return declaration_reference(
        doc["territory"], doc["year"], doc["quarter"], doc["relation_number"], doc.get("corrective", 0)
    )


class CollectionReadModel:
    """Implements `CollectionQueries` (inside a command's transaction when given its session), and the lists."""

    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None) -> None:
        self.db = db
        self.session = session

    async def pending_debits(self, territory: str) -> list[PendingDebit]:
        """The debits no file presented yet that may still be presented (`debits.presentable`)."""
        query = {"territory": territory, "debit": {"$ne": None}, "debit.file_id": None}
        cursor = self.db[VIEW].find(query, {"lines": 0}, session=self.session)
        pending = []
        async for doc in cursor:
            debit = DebitScheduled.model_validate({k: doc["debit"][k] for k in DEBIT_FIELDS})
            mandates = await self.mandates_of(doc["relation_id"]) or {}
            presented = presentable(debit, in_force(mandates.get("active")), balance_of(doc))
            if presented is not None:
                pending.append(PendingDebit(doc["_id"], human_reference(doc), presented))
        return pending

    async def mandate_reference_used(self, territory: str, rum: str, relation_id: str) -> bool:
        """Whether another relation of the territory registered a mandate under this RUM."""
        query = {"territory": territory, "_id": {"$ne": relation_id}, "history.rum": rum}
        return await self.db[MANDATES].find_one(query, {"_id": 1}, session=self.session) is not None

    async def known_payments(
        self, territory: str, end_to_end_ids: Collection[str], creditor_references: Collection[str]
    ) -> KnownPayments:
        fields = {"debit.end_to_end_id": 1, "debit.amount": 1, "debit.presented_amount": 1, "creditor_reference": 1}
        by_debit = self.db[VIEW].find(
            {"territory": territory, "debit.end_to_end_id": {"$in": list(end_to_end_ids)}}, fields, session=self.session
        )
        debits = {
            doc["debit"]["end_to_end_id"]: (
                doc["_id"],
                Decimal(str(doc["debit"].get("presented_amount") or doc["debit"]["amount"])),
            )
            async for doc in by_debit
        }
        by_reference = self.db[VIEW].find(
            {"territory": territory, "status": "filed", "creditor_reference": {"$in": list(creditor_references)}},
            fields,
            session=self.session,
        )
        references = {doc["creditor_reference"]: doc["_id"] async for doc in by_reference}
        return KnownPayments(debits=debits, creditor_references=references)

    async def declaration_of_reference(self, territory: str, reference: str) -> str | None:
        """The filed declaration a person names by its reference (« OM-974-2026-T3-0974000789 ») or its id."""
        text = reference.strip().upper()
        parts = REFERENCE.fullmatch(text)
        query: Doc = {"territory": territory, "status": "filed"}
        if parts:
            query |= {"year": int(parts["year"]), "quarter": int(parts["quarter"]), "relation_number": parts["number"]}
            # « …-R1 » names a rectificative (its supplement); without it, the quarter's original declaration
            corrective = int(parts["corrective"] or 0)
            query["corrective"] = corrective if corrective else ORIGINAL
        else:
            query["_id"] = reference.strip()
        doc = await self.db[VIEW].find_one(query, {"_id": 1}, session=self.session)
        return str(doc["_id"]) if doc else None

    async def card_operation(self, operation_id: str) -> Doc | None:
        return await self.db[CARDS].find_one({"_id": operation_id}, session=self.session)

    async def card_attempts(self, declaration_id: str) -> list[Doc]:
        cursor = self.db[CARDS].find({"declaration_id": declaration_id}, sort=[("started_at", 1)])
        return [d async for d in cursor]

    # ---- lists ------------------------------------------------------------------------------------------

    async def mandates_of(self, relation_id: str) -> Doc | None:
        return await self.db[MANDATES].find_one({"_id": relation_id}, session=self.session)

    async def mandates_waiting(self, territories: Collection[str]) -> list[Doc]:
        query = {"territory": {"$in": list(territories)}, "pending": {"$ne": None}}
        return [d async for d in self.db[MANDATES].find(query, sort=[("pending.registered_at", 1)])]

    async def debits(self, territory: str, *, presented: bool | None) -> list[Doc]:
        query: Doc = {"territory": territory, "debit": {"$ne": None}}
        if presented is not None:
            query["debit.file_id"] = {"$ne": None} if presented else None
        fields = {"debit": 1, "territory": 1, "year": 1, "quarter": 1, "relation_number": 1, "establishment": 1}
        cursor = self.db[VIEW].find(query, fields, sort=[("debit.collection_date", 1), ("_id", 1)])
        return [{**d, "reference": human_reference(d)} async for d in cursor]

    async def files(self, territory: str) -> list[Doc]:
        cursor = self.db[FILES].find({"territory": territory}, {"debits": 0}, sort=[("issued_at", -1)])
        return [d async for d in cursor]

    async def file(self, file_id: str) -> Doc | None:
        return await self.db[FILES].find_one({"_id": file_id})

    async def statements(self, territory: str) -> list[Doc]:
        cursor = self.db[STATEMENTS].find({"territory": territory}, {"entries": 0}, sort=[("imported_at", -1)])
        return [d async for d in cursor]

    async def statement(self, stream_id: str) -> Doc | None:
        return await self.db[STATEMENTS].find_one({"_id": stream_id})

    async def waiting(self, territory: str) -> list[Doc]:
        """The credits no reference matched and no person matched yet, oldest first."""
        waiting = []
        query = {"territory": territory, "counts.waiting": {"$gt": 0}}
        async for statement in self.db[STATEMENTS].find(query, sort=[("imported_at", 1)]):
            matched = statement.get("matched") or {}
            for entry in statement["entries"]:
                if entry["outcome"] == "waiting" and entry_key(entry["entry_id"]) not in matched:
                    waiting.append({**entry, "statement": statement["_id"], "statement_id": statement["statement_id"]})
        return waiting
