"""Taxcalc's read models: tariffs, declarations as taxcalc sees them (with assessments), the ledger."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.envelope import EventEnvelope
from contracts.registry import upcast

Doc = dict[str, Any]
TARIFFS = "tariffs"
DECLARATIONS = "tc_declarations"
LEDGER = "ledger"

DECLARATION_EVENTS = frozenset(
    {
        "DeclarationDrafted",
        "DeclarantDetailsSet",
        "LineAdded",
        "LineRemoved",
        "AnnualTurnoverDeclared",
        "DeductionsEntered",
        "DeclarationFiled",
    }
)


class TariffView:
    name = "tariffs"
    collections = (TARIFFS,)
    handles = frozenset({"TariffPublished"})

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None:
        return None

    async def apply(self, event: EventEnvelope, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None:
        d = event.data
        await db[TARIFFS].replace_one(
            {"_id": d["territory"]},
            {
                "version": event.version,
                "source_sha256": d["source_sha256"],
                "lines": d["lines"],
                "published_at": event.occurred_at.isoformat(),
                "published_by": event.actor.id,
            },
            upsert=True,
            session=session,
        )


class DeclarationLedgerView:
    """What taxcalc knows of each declaration (from declarations.events) and what it computed."""

    name = "tc_declarations"
    collections = (DECLARATIONS,)
    handles = DECLARATION_EVENTS | {"LineAssessed", "TotalsProjected", "DeclarationAssessed"}

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None:
        await db[DECLARATIONS].create_index([("relation_id", ASCENDING), ("year", ASCENDING), ("quarter", ASCENDING)])

    async def apply(self, event: EventEnvelope, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None:
        _, d = upcast(event.type, event.schema_version, event.data)
        view = db[DECLARATIONS]
        if event.type in DECLARATION_EVENTS:
            key = {"_id": event.stream_id}
            seen = {"version": event.version}
            if event.type == "DeclarationDrafted":
                await view.insert_one(
                    {
                        "_id": event.stream_id,
                        "relation_id": d["relation_id"],
                        "relation_number": d["relation_number"],
                        "office": d["office"],
                        "territory": event.territory,
                        "year": d["year"],
                        "quarter": d["quarter"],
                        "lines": {},
                        "deductions": None,
                        "annual_turnover": None,
                        "status": "draft",
                        "totals": None,
                        "filing": None,
                        **seen,
                    },
                    session=session,
                )
            elif event.type == "LineAdded":
                await view.update_one(
                    key, {"$set": {f"lines.{d['line_id']}": {"line": d, "assessment": None}, **seen}}, session=session
                )
            elif event.type == "LineRemoved":
                await view.update_one(key, {"$unset": {f"lines.{d['line_id']}": ""}, "$set": seen}, session=session)
            elif event.type == "AnnualTurnoverDeclared":
                await view.update_one(key, {"$set": {"annual_turnover": d["amount"], **seen}}, session=session)
            elif event.type == "DeductionsEntered":
                await view.update_one(
                    key, {"$set": {"deductions": {"om": d["om"], "omr": d["omr"]}, **seen}}, session=session
                )
            elif event.type == "DeclarationFiled":
                await view.update_one(key, {"$set": {"status": "filed", "filing": d, **seen}}, session=session)
            else:
                await view.update_one(key, {"$set": seen}, session=session)
        elif event.type == "LineAssessed":
            await view.update_one(
                {"_id": d["declaration_id"], f"lines.{d['line_id']}": {"$exists": True}},
                {"$set": {f"lines.{d['line_id']}.assessment": d}},
                session=session,
            )
        elif event.type == "TotalsProjected":
            await view.update_one(
                {"_id": d["declaration_id"]},
                {"$set": {"totals": {**d, "computed_at": event.occurred_at.isoformat()}}},
                session=session,
            )
        elif event.type == "DeclarationAssessed":
            await view.update_one(
                {"_id": d["declaration_id"]},
                {"$set": {"status": "assessed", "assessed_at": event.occurred_at.isoformat()}},
                session=session,
            )


class LedgerView:
    name = "ledger"
    collections = (LEDGER,)
    handles = frozenset({"CreditCarriedForward"})

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None:
        return None

    async def apply(self, event: EventEnvelope, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None:
        d = event.data
        entry = {**d, "recorded_at": event.occurred_at.isoformat()}
        await db[LEDGER].update_one(
            {"_id": d["relation_id"]},
            {"$pull": {"entries": {"year": d["year"], "quarter": d["quarter"]}}},
            upsert=True,
            session=session,
        )
        await db[LEDGER].update_one(
            {"_id": d["relation_id"]},
            {
                "$push": {"entries": {"$each": [entry], "$sort": {"year": 1, "quarter": 1}}},
                "$set": {"territory": event.territory},
            },
            session=session,
        )
