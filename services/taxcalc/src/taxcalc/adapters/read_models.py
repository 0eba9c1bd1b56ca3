"""Reads of taxcalc's read models: the tariff in force, the drafts an event concerns, and what HTTP shows."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.events.taxcalc import TariffLine
from contracts.types import Territory
from taxcalc.application.projections import DECLARATIONS, LEDGER, TARIFFS
from taxcalc.domain.tariff import Tariff

Doc = dict[str, Any]


class TaxcalcReadModels:
    """Implements `TariffInForce` and `Drafts` (inside the transaction whose session it is given)."""

    def __init__(self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None) -> None:
        self.db = db
        self.session = session

    async def tariff_document(self, territory: str) -> Doc | None:
        return await self.db[TARIFFS].find_one({"_id": territory}, session=self.session)

    async def of(self, territory: Territory) -> Tariff:
        lines = [TariffLine.model_validate(x) for x in ((await self.tariff_document(territory)) or {}).get("lines", [])]
        return Tariff.of(territory, lines)

    async def later_than(self, relation_id: str, year: int, quarter: int) -> list[str]:
        query = {
            "relation_id": relation_id,
            "status": "draft",
            "$or": [{"year": {"$gt": year}}, {"year": year, "quarter": {"$gt": quarter}}],
        }
        return [str(d["_id"]) async for d in self.db[DECLARATIONS].find(query, {"_id": 1}, session=self.session)]

    async def without_rate(self, territory: str) -> list[str]:
        query = {"territory": territory, "status": "draft"}
        return [
            str(d["_id"])
            async for d in self.db[DECLARATIONS].find(query, {"lines": 1}, session=self.session)
            if any(x.get("assessment") and x["assessment"]["status"] == "no_rate" for x in d.get("lines", {}).values())
        ]

    async def declaration(self, declaration_id: str) -> Doc | None:
        """The declaration as taxcalc sees it, once its drafting was received."""
        query = {"_id": declaration_id, "relation_id": {"$exists": True}}
        return await self.db[DECLARATIONS].find_one(query, session=self.session)

    async def ledger(self, relation_id: str) -> Doc | None:
        return await self.db[LEDGER].find_one({"_id": relation_id}, session=self.session)
