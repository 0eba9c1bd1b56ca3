"""The declaration read model: its own events, plus the rates and totals taxcalc sent back."""

from __future__ import annotations

from typing import Any

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.collection import CollectionFileIssued, DebitScheduled, PaymentReturned
from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    CorrectionOpened,
    DeclarantDetailsSet,
    DeclarationDrafted,
    DeclarationFiled,
    DeclarationSuperseded,
    DeductionsEntered,
    LineAdded,
    LineChanged,
    LineRemoved,
    PaymentRecorded,
)
from contracts.events.taxcalc import DeclarationAssessed, LineAssessed, TariffPublished, TotalsProjected
from contracts.recorded import Recorded
from contracts.references import creditor_reference

Doc = dict[str, Any]
VIEW = "declarations"
TARIFF_CANAS = "tariff_canas"
ASSESSMENT_FIELDS = ("status", "om_rate", "omr_rate", "kind", "matched_code", "deliberation", "label")


def compact_rf(reference: str) -> str:
    return reference.replace(" ", "")


def _touched(event: Recorded[Any]) -> Doc:
    return {"version": event.version, "updated_at": event.occurred_at.isoformat()}


class DeclarationView(Projection):
    name = "declarations"
    collections = (VIEW,)

    indexes = (
        Index(VIEW, (("relation_id", 1), ("year", 1), ("quarter", 1))),
        Index(VIEW, (("territory", 1), ("status", 1))),
        Index(VIEW, (("creditor_reference", 1),)),
        Index(VIEW, (("debit.end_to_end_id", 1),)),
    )

    # ---- the declaration's own events ---------------------------------------------------------------

    @on(DeclarationDrafted)
    async def _drafted(self, e: Recorded[DeclarationDrafted], db: ViewDatabase) -> None:
        d = e.event
        await db[VIEW].insert_one(
            {
                "_id": e.stream_id,
                "relation_id": d.relation_id,
                "relation_number": d.relation_number,
                "siret": d.siret,
                "establishment": d.establishment,
                "office": d.office,
                "territory": e.territory,
                "year": d.year,
                "quarter": d.quarter,
                "due_date": d.due_date.isoformat(),
                "status": "draft",
                "declarant": None,
                "lines": {},
                "line_order": [],
                "annual_turnover": None,
                "deductions": None,
                "totals": None,
                "filing": None,
                "assessed_at": None,
                "created_at": e.occurred_at.isoformat(),
                "corrects": d.corrects,
                "corrective": d.corrective,
                "correction_open": None,
                "superseded_by": None,
                "creditor_reference": compact_rf(
                    creditor_reference(e.territory, d.year, d.quarter, d.relation_number, d.corrective)
                ),
                **_touched(e),
            }
        )

    @on(DeclarantDetailsSet)
    async def _declarant(self, e: Recorded[DeclarantDetailsSet], db: ViewDatabase) -> None:
        await self._set(e, db, {"declarant": e.event.model_dump(mode="json")})

    @on(LineAdded)
    async def _line_added(self, e: Recorded[LineAdded], db: ViewDatabase) -> None:
        line = {**e.event.model_dump(mode="json"), "added_at": e.occurred_at.isoformat(), "assessment": None}
        await db[VIEW].update_one(
            {"_id": e.stream_id},
            {"$set": {f"lines.{e.event.line_id}": line, **_touched(e)}, "$push": {"line_order": e.event.line_id}},
        )

    @on(LineRemoved)
    async def _line_removed(self, e: Recorded[LineRemoved], db: ViewDatabase) -> None:
        line_id = e.event.line_id
        await db[VIEW].update_one(
            {"_id": e.stream_id},
            {"$unset": {f"lines.{line_id}": ""}, "$set": _touched(e), "$pull": {"line_order": line_id}},
        )

    @on(LineChanged)
    async def _line_changed(self, e: Recorded[LineChanged], db: ViewDatabase) -> None:
        # Its amounts were those of the old values: pending until taxcalc assesses the line again.
        changed = {f"lines.{e.event.line_id}.{k}": v for k, v in e.event.model_dump(mode="json").items()}
        changed[f"lines.{e.event.line_id}.assessment"] = None
        changed[f"lines.{e.event.line_id}.changed_at"] = e.occurred_at.isoformat()
        await self._set(e, db, changed)

    @on(AnnualTurnoverDeclared)
    async def _turnover(self, e: Recorded[AnnualTurnoverDeclared], db: ViewDatabase) -> None:
        await self._set(e, db, {"annual_turnover": e.event.model_dump(mode="json")["amount"]})

    @on(DeductionsEntered)
    async def _deductions(self, e: Recorded[DeductionsEntered], db: ViewDatabase) -> None:
        await self._set(e, db, {"deductions": e.event.model_dump(mode="json")})

    @on(DeclarationFiled)
    async def _filed(self, e: Recorded[DeclarationFiled], db: ViewDatabase) -> None:
        await self._set(e, db, {"status": "filed", "filing": e.event.model_dump(mode="json")})

    @on(CorrectionOpened)
    async def _correction_opened(self, e: Recorded[CorrectionOpened], db: ViewDatabase) -> None:
        await self._set(e, db, {"correction_open": e.event.correction_id})

    @on(DeclarationSuperseded)
    async def _superseded(self, e: Recorded[DeclarationSuperseded], db: ViewDatabase) -> None:
        superseded = {"by": e.event.by, "corrective": e.event.corrective, "at": e.event.superseded_at.isoformat()}
        await self._set(e, db, {"correction_open": None, "superseded_by": superseded})

    @on(PaymentRecorded)
    async def _paid(self, e: Recorded[PaymentRecorded], db: ViewDatabase) -> None:
        payment = {**e.event.model_dump(mode="json"), "recorded_at": e.occurred_at.isoformat()}
        await db[VIEW].update_one({"_id": e.stream_id}, {"$push": {"payments": payment}, "$set": _touched(e)})

    @on(DebitScheduled)
    async def _debit(self, e: Recorded[DebitScheduled], db: ViewDatabase) -> None:
        await self._set(e, db, {"debit": {**e.event.model_dump(mode="json"), "file_id": None}})

    @on(PaymentReturned)
    async def _returned(self, e: Recorded[PaymentReturned], db: ViewDatabase) -> None:
        returned = {**e.event.model_dump(mode="json"), "recorded_at": e.occurred_at.isoformat()}
        await db[VIEW].update_one({"_id": e.stream_id}, {"$push": {"returned": returned}, "$set": _touched(e)})

    @on(CollectionFileIssued)
    async def _presented(self, e: Recorded[CollectionFileIssued], db: ViewDatabase) -> None:
        for debit in e.event.debits:
            await db[VIEW].update_one(
                {"_id": debit.declaration_id},
                {
                    "$set": {
                        "debit.file_id": e.event.file_id,
                        "debit.sequence_type": debit.sequence_type,
                        "debit.presented_on": e.event.collection_date.isoformat(),
                        "debit.presented_amount": str(debit.amount),
                    }
                },
            )

    async def _set(self, e: Recorded[Any], db: ViewDatabase, fields: Doc) -> None:
        await db[VIEW].update_one({"_id": e.stream_id}, {"$set": {**fields, **_touched(e)}})

    # ---- what taxcalc sent back ---------------------------------------------------------------------

    @on(LineAssessed)
    async def _line_assessed(self, e: Recorded[LineAssessed], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        assessment = {k: d.get(k) for k in (*ASSESSMENT_FIELDS, "om_amount", "omr_amount")}
        await db[VIEW].update_one(
            {"_id": d["declaration_id"], f"lines.{d['line_id']}": {"$exists": True}},
            {"$set": {f"lines.{d['line_id']}.assessment": assessment}},
        )

    @on(TotalsProjected)
    async def _totals(self, e: Recorded[TotalsProjected], db: ViewDatabase) -> None:
        d = e.event.model_dump(mode="json")
        totals = {
            "version": d["declaration_version"],
            "complete": d["complete"],
            "boxes": d["boxes"],
            "total_due": d["total_due"],
            "warnings": d["warnings"],
            "errors": d["errors"],
            "difference": d.get("difference"),
            "computed_at": e.occurred_at.isoformat(),
        }
        # Only a newer (or equal, recomputed) version replaces what is shown.
        await db[VIEW].update_one(
            {
                "_id": d["declaration_id"],
                "$or": [{"totals": None}, {"totals.version": {"$lte": d["declaration_version"]}}],
            },
            {"$set": {"totals": totals}},
        )

    @on(DeclarationAssessed)
    async def _assessed(self, e: Recorded[DeclarationAssessed], db: ViewDatabase) -> None:
        await db[VIEW].update_one({"_id": e.event.declaration_id}, {"$set": {"assessed_at": e.occurred_at.isoformat()}})


class TariffCanaView(Projection):
    """The CANA lines of each territory's tariff as taxcalc last published it: the list a line's CANA is
    checked against (one document per territory, replaced by each publication)."""

    name = "tariff_canas"
    collections = (TARIFF_CANAS,)

    @on(TariffPublished)
    async def _published(self, e: Recorded[TariffPublished], db: ViewDatabase) -> None:
        d = e.event
        canas = [line.model_dump(mode="json") for line in d.lines if line.cana]
        await db[TARIFF_CANAS].replace_one(
            {"_id": d.territory},
            {
                "_id": d.territory,
                "lines": canas,
                "tariff_version": e.version,
                "published_at": e.occurred_at.isoformat(),
            },
            upsert=True,
        )
