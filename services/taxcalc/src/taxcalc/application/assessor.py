"""Reacts to declarations: assesses each line, projects the boxes for every version, settles filings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from chassis.eventstore import Metadata, NewEvent
from chassis.unit_of_work import Transaction
from contracts.envelope import SYSTEM, EventEnvelope
from contracts.events.declarations import Deductions, LineAdded
from contracts.events.taxcalc import (
    CreditCarriedForward,
    DeclarationAssessed,
    LineAssessed,
    TariffLine,
)
from contracts.registry import upcast
from taxcalc.application.projections import DECLARATIONS, LEDGER, TARIFFS
from taxcalc.domain.assessment import LineAssessment, assess_line, project_totals, quarter_start
from taxcalc.domain.ledger import CreditLedger, LedgerEntry
from taxcalc.domain.parameters import RefundThresholds, refund_thresholds
from taxcalc.domain.tariff import Tariff


def assessment_stream(declaration_id: str) -> str:
    return f"assess-{declaration_id}"


def ledger_stream(relation_id: str) -> str:
    return f"ledger-{relation_id}"


class Assessor:
    def __init__(self, threshold_overrides: Mapping[str, Decimal] | None = None) -> None:
        self.threshold_overrides = dict(threshold_overrides or {})

    def _thresholds(self, year: int, quarter: int) -> RefundThresholds:
        return refund_thresholds(quarter_start(year, quarter), self.threshold_overrides or None)

    async def on_declaration_event(self, event: EventEnvelope, tx: Transaction) -> None:
        """Every declaration version gets its totals; a new line is assessed first; a filing is settled."""
        doc = await tx.db[DECLARATIONS].find_one({"_id": event.stream_id}, session=tx.session)
        if doc is None:
            return
        meta = Metadata(correlation_id=event.correlation_id, causation_id=str(event.event_id))
        if event.type == "LineAdded":
            _, data = upcast(event.type, event.schema_version, event.data)
            line = LineAdded.model_validate(data)
            tariff = await self._tariff(tx, doc["territory"])
            assessment = assess_line(tariff, doc["territory"], line, quarter_start(doc["year"], doc["quarter"]))
            await self._append(tx, doc, [assessment.to_event(doc["_id"], event.version)], meta)
            doc = await tx.db[DECLARATIONS].find_one({"_id": event.stream_id}, session=tx.session)
            assert doc is not None
        if event.type == "DeclarationFiled":
            await self._settle(tx, doc, event, meta)
            return
        await self.project(tx, doc, meta)

    async def project(self, tx: Transaction, doc: dict[str, Any], meta: Metadata) -> None:
        lines = [
            LineAssessment.from_event(
                LineAssessed.model_validate(x["assessment"]), Decimal(x["line"]["price_excl_tax"])
            )
            for x in doc["lines"].values()
            if x.get("assessment")
        ]
        deductions = doc.get("deductions") or {}
        ledger = await self._ledger(tx, doc["relation_id"])
        totals = project_totals(
            lines,
            Deductions.model_validate(deductions.get("om") or {}),
            Deductions.model_validate(deductions.get("omr") or {}),
            year=doc["year"],
            quarter=doc["quarter"],
            annual_turnover=Decimal(doc["annual_turnover"]) if doc.get("annual_turnover") is not None else None,
            carried=ledger.carried_into(doc["year"], doc["quarter"]),
            thresholds=self._thresholds(doc["year"], doc["quarter"]),
        )
        await self._append(tx, doc, [totals.to_event(doc["_id"], doc["version"], doc["relation_id"])], meta)

    async def reassess_missing_rates(self, tx: Transaction, territory: str, meta: Metadata) -> int:
        """After a tariff is published: the drafts' lines that had no rate are assessed again, and their
        totals projected for the same declaration version (nothing changed on the declarant's side)."""
        tariff = await self._tariff(tx, territory)
        drafts = [
            d async for d in tx.db[DECLARATIONS].find({"territory": territory, "status": "draft"}, session=tx.session)
        ]
        reassessed = 0
        for doc in drafts:
            missing = [
                x for x in doc["lines"].values() if x.get("assessment") and x["assessment"]["status"] == "no_rate"
            ]
            if not missing:
                continue
            first_day = quarter_start(doc["year"], doc["quarter"])
            events = [
                assess_line(tariff, territory, LineAdded.model_validate(x["line"]), first_day).to_event(  # type: ignore[arg-type]
                    doc["_id"], doc["version"]
                )
                for x in missing
            ]
            await self._append(tx, doc, list(events), meta)
            refreshed = await tx.db[DECLARATIONS].find_one({"_id": doc["_id"]}, session=tx.session)
            assert refreshed is not None
            await self.project(tx, refreshed, meta)
            reassessed += 1
        return reassessed

    async def _settle(self, tx: Transaction, doc: dict[str, Any], event: EventEnvelope, meta: Metadata) -> None:
        filed = event.data
        boxes = filed["boxes"]
        assessed = DeclarationAssessed(
            declaration_id=doc["_id"],
            relation_id=doc["relation_id"],
            relation_number=doc["relation_number"],
            office=doc["office"],
            year=doc["year"],
            quarter=doc["quarter"],
            filed_at=datetime.fromisoformat(filed["filed_at"]),
            late=filed["late"],
            days_late=filed["days_late"],
            boxes=boxes,
            total_due=filed["total_due"],
            declarant_email=filed.get("declarant_email"),
            warnings=filed.get("warnings", []),
        )
        await self._append(tx, doc, [assessed], meta)
        ledger = await self._ledger(tx, doc["relation_id"])
        credit = ledger.credit_event(
            LedgerEntry(
                declaration_id=doc["_id"],
                year=doc["year"],
                quarter=doc["quarter"],
                om_credit=Decimal(boxes.get("14", "0")),
                omr_credit=Decimal(boxes.get("26", "0")),
            )
        )
        stream = ledger_stream(doc["relation_id"])
        head = await tx.store.head(stream, tx.session)
        await tx.append(
            stream, head["version"] if head else 0, [NewEvent(credit, territory=doc["territory"], actor=SYSTEM)], meta
        )
        # Box 10/22 of the relation's later drafts came from the ledger: recompute them.
        later = tx.db[DECLARATIONS].find(
            {
                "relation_id": doc["relation_id"],
                "status": "draft",
                "$or": [{"year": {"$gt": doc["year"]}}, {"year": doc["year"], "quarter": {"$gt": doc["quarter"]}}],
            },
            session=tx.session,
        )
        for draft in [d async for d in later]:
            await self.project(tx, draft, meta)

    async def _append(self, tx: Transaction, doc: dict[str, Any], events: list[Any], meta: Metadata) -> None:
        stream = assessment_stream(doc["_id"])
        head = await tx.store.head(stream, tx.session)
        await tx.append(
            stream,
            head["version"] if head else 0,
            [NewEvent(e, territory=doc["territory"], actor=SYSTEM) for e in events],
            meta,
        )

    async def _tariff(self, tx: Transaction, territory: str) -> Tariff:
        doc = await tx.db[TARIFFS].find_one({"_id": territory}, session=tx.session)
        lines = [TariffLine.model_validate(x) for x in (doc or {}).get("lines", [])]
        return Tariff.of(territory, lines)  # type: ignore[arg-type]

    async def _ledger(self, tx: Transaction, relation_id: str) -> CreditLedger:
        doc = await tx.db[LEDGER].find_one({"_id": relation_id}, session=tx.session)
        events = [
            CreditCarriedForward.model_validate({k: v for k, v in e.items() if k != "recorded_at"})
            for e in (doc or {}).get("entries", [])
        ]
        return CreditLedger.from_events(relation_id, events)
