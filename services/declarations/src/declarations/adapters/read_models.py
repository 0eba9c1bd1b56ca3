"""Reads of the declarations read model (the `declarations` collection the projection keeps)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.events.collection import PaymentReturned
from contracts.events.declarations import DeclarationFiled, Difference, PaymentRecorded
from contracts.events.taxcalc import TariffLine
from declarations.application.projections import TARIFF_CANAS, VIEW
from declarations.domain.canas import CanaMeasures
from declarations.domain.filing import Totals
from declarations.domain.payments import PaymentState, payment_deadline, payment_state

Doc = dict[str, Any]

ORIGINAL: Doc = {"$in": [0, None]}
"""The `corrective` of a quarter's original declaration, not a rectificative (documents written before the
rectificative carry none)."""


class DeclarationReadModel:
    """Implements `ProjectedTotals` (inside a command's transaction when given its session)."""

    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None) -> None:
        self.view = db[VIEW]
        self.session = session

    async def get(self, declaration_id: str) -> Doc | None:
        return await self.view.find_one({"_id": declaration_id}, session=self.session)

    async def of_quarter(self, relation_id: str, year: int, quarter: int) -> Doc | None:
        """The quarter's declaration (its original: a rectificative is reached from it)."""
        query = {"relation_id": relation_id, "year": year, "quarter": quarter, "corrective": ORIGINAL}
        return await self.view.find_one(query, session=self.session)

    async def search(self, query: Doc, *, page: int, per_page: int) -> tuple[int, list[Doc]]:
        total = await self.view.count_documents(query, session=self.session)
        cursor = self.view.find(
            query,
            sort=[("year", -1), ("quarter", -1), ("relation_id", 1), ("corrective", -1)],
            skip=(page - 1) * per_page,
            limit=per_page,
            session=self.session,
        )
        return total, [d async for d in cursor]

    async def of_period(self, year: int, quarter: int, relation_ids: Collection[str]) -> list[Doc]:
        """The declarations of these relations for a quarter, without their lines (the follow-up's rows)."""
        query = {"year": year, "quarter": quarter, "relation_id": {"$in": list(relation_ids)}}
        cursor = self.view.find(query, {"lines": 0, "line_order": 0}, session=self.session)
        return [d async for d in cursor]

    async def filed_relations(self, year: int, quarter: int) -> set[str]:
        cursor = self.view.find({"year": year, "quarter": quarter, "status": "filed"}, {"relation_id": 1})
        return {d["relation_id"] async for d in cursor}

    async def filed_of(self, relation_id: str) -> list[Doc]:
        """Every filed declaration of a relation, with what the payment follow-up needs."""
        fields = {
            key: 1
            for key in ("filing", "payments", "returned", "debit", "due_date", "year", "quarter", "creditor_reference")
        }
        cursor = self.view.find({"relation_id": relation_id, "status": "filed"}, fields, session=self.session)
        return [d async for d in cursor]

    async def of(self, declaration_id: str) -> Totals | None:
        projected = ((await self.get(declaration_id)) or {}).get("totals")
        if projected is None:
            return None
        return Totals(
            declaration_version=int(projected["version"]),
            boxes={k: Decimal(v) for k, v in projected["boxes"].items()},
            total_due=Decimal(projected["total_due"]),
            errors=tuple(projected.get("errors") or ()),
            warnings=tuple(projected.get("warnings") or ()),
            complete=bool(projected.get("complete", True)),
            difference=Difference.model_validate(projected["difference"]) if projected.get("difference") else None,
        )


class TariffCanaReadModel:
    """Implements `TariffCanas` on the `tariff_canas` view."""

    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None) -> None:
        self.view = db[TARIFF_CANAS]
        self.session = session

    async def of(self, territory: str) -> CanaMeasures | None:
        doc = await self.view.find_one({"_id": territory}, session=self.session)
        if doc is None:
            return None
        return CanaMeasures.of(TariffLine.model_validate(line) for line in doc["lines"])


@dataclass(frozen=True)
class StoredPayments:
    """A filed declaration's payments as its read model keeps them, and the state they make."""

    recorded: list[PaymentRecorded]
    returned: list[PaymentReturned]
    state: PaymentState


def stored_payments(doc: Doc) -> StoredPayments | None:
    """The payment state of a filed declaration's document (None while not filed): the one reading of the
    payments, returns and debit that both the API's answer and the collection's presentation use."""
    if not doc.get("filing"):
        return None
    filing = DeclarationFiled.model_validate(doc["filing"])
    recorded = [PaymentRecorded.model_validate(_event(p)) for p in doc.get("payments", [])]
    returned = [PaymentReturned.model_validate(_event(r)) for r in doc.get("returned", [])]
    debit = doc.get("debit")
    deadline = payment_deadline(
        filing.correction.supplement_due if filing.correction else date.fromisoformat(doc["due_date"]),
        filed_late=filing.late,
        # the day the customs presented it (a file issued late moves it, never the producer's fault)
        debit_collected_on=date.fromisoformat(debit.get("presented_on") or debit["collection_date"]) if debit else None,
    )
    state = payment_state(filing.payable, deadline, recorded, returned)
    return StoredPayments(recorded, returned, state)


def _event(stored: Doc) -> Doc:
    return {k: v for k, v in stored.items() if k != "recorded_at"}
