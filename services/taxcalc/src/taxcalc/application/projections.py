"""Taxcalc's read models: tariffs, declarations as taxcalc sees them (with assessments), the ledger."""

from __future__ import annotations

from typing import Any

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    DeclarantDetailsSet,
    DeclarationDrafted,
    DeclarationFiled,
    DeductionsEntered,
    LineAdded,
    LineChanged,
    LineRemoved,
)
from contracts.events.taxcalc import (
    CorrectionCredited,
    CreditCarriedForward,
    DeclarationAssessed,
    LineAssessed,
    TariffPublished,
    TotalsProjected,
)
from contracts.recorded import Recorded

Doc = dict[str, Any]
TARIFFS = "tariffs"
DECLARATIONS = "tc_declarations"
LEDGER = "ledger"


class TariffView(Projection):
    name = "tariffs"
    collections = (TARIFFS,)

    @on(TariffPublished)
    async def _published(self, e: Recorded[TariffPublished], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        await db[TARIFFS].replace_one(
            {"_id": d["territory"]},
            {
                "version": e.version,
                "source_sha256": d["source_sha256"],
                "lines": d["lines"],
                "published_at": e.occurred_at.isoformat(),
                "published_by": e.actor.id,
            },
            upsert=True,
        )


class DeclarationLedgerView(Projection):
    """What taxcalc knows of each declaration (from declarations.events) and what it computed.

    Declaration events may arrive out of order after a broker lost some (they are published again):
    every update is an upsert that keeps the highest version seen, and the status is "draft" until a
    filing says otherwise, whatever arrived first.
    """

    name = "tc_declarations"
    collections = (DECLARATIONS,)
    indexes = (Index(DECLARATIONS, (("relation_id", 1), ("year", 1), ("quarter", 1))),)

    @on(DeclarationDrafted)
    async def _drafted(self, e: Recorded[DeclarationDrafted], db: ViewDatabase) -> None:
        d = e.event
        fields = {
            "relation_id": d.relation_id,
            "relation_number": d.relation_number,
            "office": d.office,
            "territory": e.territory,
            "year": d.year,
            "quarter": d.quarter,
        }
        await self._declared(e, db, {"$set": fields})

    @on(LineAdded)
    async def _line_added(self, e: Recorded[LineAdded], db: ViewDatabase) -> None:
        line = {"line": e.event.model_dump(mode="json"), "assessment": None}
        await self._declared(e, db, {"$set": {f"lines.{e.event.line_id}": line}})

    @on(LineRemoved)
    async def _line_removed(self, e: Recorded[LineRemoved], db: ViewDatabase) -> None:
        await self._declared(e, db, {"$unset": {f"lines.{e.event.line_id}": ""}})

    @on(LineChanged)
    async def _line_changed(self, e: Recorded[LineChanged], db: ViewDatabase) -> None:
        line_id = e.event.line_id
        changed = {f"lines.{line_id}.line.{k}": v for k, v in e.event.model_dump(mode="json").items()}
        await self._declared(e, db, {"$set": {**changed, f"lines.{line_id}.assessment": None}})

    @on(AnnualTurnoverDeclared)
    async def _turnover(self, e: Recorded[AnnualTurnoverDeclared], db: ViewDatabase) -> None:
        await self._declared(e, db, {"$set": {"annual_turnover": e.event.model_dump(mode="json")["amount"]}})

    @on(DeductionsEntered)
    async def _deductions(self, e: Recorded[DeductionsEntered], db: ViewDatabase) -> None:
        await self._declared(e, db, {"$set": {"deductions": e.event.model_dump(mode="json")}})

    @on(DeclarationFiled)
    async def _filed(self, e: Recorded[DeclarationFiled], db: ViewDatabase) -> None:
        await self._declared(e, db, {"$set": {"status": "filed", "filing": e.event.model_dump(mode="json")}})

    @on(DeclarantDetailsSet)
    async def _declarant(self, e: Recorded[DeclarantDetailsSet], db: ViewDatabase) -> None:
        await self._declared(e, db, {})

    async def _declared(self, e: Recorded[Any], db: ViewDatabase, update: Doc) -> None:
        sets_status = "status" in update.get("$set", {})
        on_insert = {} if sets_status else {"$setOnInsert": {"status": "draft"}}
        await db[DECLARATIONS].update_one(
            {"_id": e.stream_id}, {**update, **on_insert, "$max": {"version": e.version}}, upsert=True
        )

    @on(LineAssessed)
    async def _line_assessed(self, e: Recorded[LineAssessed], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        await db[DECLARATIONS].update_one(
            {"_id": d["declaration_id"], f"lines.{d['line_id']}": {"$exists": True}},
            {"$set": {f"lines.{d['line_id']}.assessment": d}},
        )

    @on(TotalsProjected)
    async def _totals(self, e: Recorded[TotalsProjected], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        await db[DECLARATIONS].update_one(
            {"_id": d["declaration_id"]}, {"$set": {"totals": {**d, "computed_at": e.occurred_at.isoformat()}}}
        )

    @on(DeclarationAssessed)
    async def _assessed(self, e: Recorded[DeclarationAssessed], db: ViewDatabase) -> None:
        await db[DECLARATIONS].update_one(
            {"_id": e.event.declaration_id},
            {"$set": {"status": "assessed", "assessed_at": e.occurred_at.isoformat()}},
        )


class LedgerView(Projection):
    name = "ledger"
    collections = (LEDGER,)

    @on(CreditCarriedForward)
    async def _credit(self, e: Recorded[CreditCarriedForward], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        entry = {**d, "recorded_at": e.occurred_at.isoformat()}
        await db[LEDGER].update_one(
            {"_id": d["relation_id"]},
            {"$pull": {"entries": {"year": d["year"], "quarter": d["quarter"]}}},
            upsert=True,
        )
        await db[LEDGER].update_one(
            {"_id": d["relation_id"]},
            {
                "$push": {"entries": {"$each": [entry], "$sort": {"year": 1, "quarter": 1}}},
                "$set": {"territory": e.territory},
            },
        )
        for absorbed in d.get("absorbed") or []:  # the rectificatives' credits its boxes 10/22 took in
            await db[LEDGER].update_one(
                {"_id": d["relation_id"], "corrections.declaration_id": absorbed},
                {"$set": {"corrections.$.absorbed_by": d["declaration_id"]}},
            )

    @on(CorrectionCredited)
    async def _correction(self, e: Recorded[CorrectionCredited], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        credited = {**d, "absorbed_by": None, "recorded_at": e.occurred_at.isoformat()}
        await db[LEDGER].update_one(
            {"_id": d["relation_id"]},
            {"$push": {"corrections": credited}, "$set": {"territory": e.territory}},
            upsert=True,
        )
