"""The declaration read model: its own events, plus the rates and totals taxcalc sent back."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.envelope import EventEnvelope
from contracts.registry import upcast

Doc = dict[str, Any]
VIEW = "declarations"

OWN = frozenset(
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
FROM_TAXCALC = frozenset({"LineAssessed", "TotalsProjected", "DeclarationAssessed"})


class DeclarationView:
    name = "declarations"
    collections = (VIEW,)
    handles = OWN | FROM_TAXCALC

    async def ensure_indexes(self, db: AsyncDatabase[Doc]) -> None:
        view = db[VIEW]
        await view.create_index([("relation_id", ASCENDING), ("year", ASCENDING), ("quarter", ASCENDING)])
        await view.create_index([("territory", ASCENDING), ("status", ASCENDING)])

    async def apply(self, event: EventEnvelope, db: AsyncDatabase[Doc], session: AsyncClientSession | None) -> None:
        _, d = upcast(event.type, event.schema_version, event.data)
        view = db[VIEW]
        if event.type in OWN:
            await self._own(event, d, view, session)
            return
        declaration_id = d["declaration_id"]
        if event.type == "LineAssessed":
            assessment = {
                k: d.get(k)
                for k in (
                    "status",
                    "om_rate",
                    "omr_rate",
                    "kind",
                    "matched_code",
                    "deliberation",
                    "label",
                    "om_amount",
                    "omr_amount",
                )
            }
            await view.update_one(
                {"_id": declaration_id, f"lines.{d['line_id']}": {"$exists": True}},
                {"$set": {f"lines.{d['line_id']}.assessment": assessment}},
                session=session,
            )
        elif event.type == "TotalsProjected":
            totals = {
                "version": d["declaration_version"],
                "complete": d["complete"],
                "boxes": d["boxes"],
                "total_due": d["total_due"],
                "warnings": d["warnings"],
                "errors": d["errors"],
                "computed_at": event.occurred_at.isoformat(),
            }
            # Only a newer (or equal, recomputed) version replaces what is shown.
            await view.update_one(
                {
                    "_id": declaration_id,
                    "$or": [{"totals": None}, {"totals.version": {"$lte": d["declaration_version"]}}],
                },
                {"$set": {"totals": totals}},
                session=session,
            )
        elif event.type == "DeclarationAssessed":
            await view.update_one(
                {"_id": declaration_id}, {"$set": {"assessed_at": event.occurred_at.isoformat()}}, session=session
            )

    async def _own(self, event: EventEnvelope, d: Doc, view: Any, session: AsyncClientSession | None) -> None:
        key = {"_id": event.stream_id}
        touched = {"version": event.version, "updated_at": event.occurred_at.isoformat()}
        if event.type == "DeclarationDrafted":
            await view.insert_one(
                {
                    "_id": event.stream_id,
                    "relation_id": d["relation_id"],
                    "relation_number": d["relation_number"],
                    "siret": d["siret"],
                    "establishment": d["establishment"],
                    "office": d["office"],
                    "territory": event.territory,
                    "year": d["year"],
                    "quarter": d["quarter"],
                    "due_date": d["due_date"],
                    "status": "draft",
                    "declarant": None,
                    "lines": {},
                    "line_order": [],
                    "annual_turnover": None,
                    "deductions": None,
                    "totals": None,
                    "filing": None,
                    "assessed_at": None,
                    "created_at": event.occurred_at.isoformat(),
                    **touched,
                },
                session=session,
            )
        elif event.type == "DeclarantDetailsSet":
            await view.update_one(key, {"$set": {"declarant": d, **touched}}, session=session)
        elif event.type == "LineAdded":
            line = {**d, "added_at": event.occurred_at.isoformat(), "assessment": None}
            await view.update_one(
                key,
                {"$set": {f"lines.{d['line_id']}": line, **touched}, "$push": {"line_order": d["line_id"]}},
                session=session,
            )
        elif event.type == "LineRemoved":
            await view.update_one(
                key,
                {"$unset": {f"lines.{d['line_id']}": ""}, "$set": touched, "$pull": {"line_order": d["line_id"]}},
                session=session,
            )
        elif event.type == "AnnualTurnoverDeclared":
            await view.update_one(key, {"$set": {"annual_turnover": d["amount"], **touched}}, session=session)
        elif event.type == "DeductionsEntered":
            await view.update_one(
                key, {"$set": {"deductions": {"om": d["om"], "omr": d["omr"]}, **touched}}, session=session
            )
        elif event.type == "DeclarationFiled":
            await view.update_one(key, {"$set": {"status": "filed", "filing": d, **touched}}, session=session)
