"""How a declaration read model is shown over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from contracts.events.declarations import Deductions
from contracts.references import declaration_reference
from contracts.types import TERRITORY_ZONES
from declarations.adapters.read_models import stored_payments
from declarations.domain.calendar import filing_opens_on, quarter_first_day, quarter_last_day, quarter_name
from declarations.domain.correction import recovery_period_end
from declarations.domain.deductions import as_input
from declarations.domain.drafting import Relation
from declarations.domain.payments import STATUS_LABELS


def relation(relation: Relation) -> dict[str, Any]:
    return {
        "id": relation.relation_id,
        "number": relation.relation_number,
        "siret": relation.siret,
        "establishment": relation.establishment,
        "office": relation.office,
        "production_activity_id": relation.production_activity_id,
        "trade_name": relation.trade_name,
        "territory": relation.territory,
        "ape": relation.ape,
    }


def totals_of(doc: dict[str, Any]) -> dict[str, Any]:
    totals = doc.get("totals")
    version = int(doc["version"])
    if totals is None:
        return {
            "declaration_id": doc["_id"],
            "version": None,
            "status": "pending",
            "for_version": version,
            "boxes": {},
            "total_due": None,
            "complete": False,
            "warnings": [],
            "errors": [],
        }
    current = int(totals["version"]) == version
    return {
        "declaration_id": doc["_id"],
        "version": totals["version"],
        "status": "current" if current else "pending",
        "for_version": version,
        "boxes": totals["boxes"],
        "total_due": totals["total_due"],
        "complete": totals["complete"],
        "warnings": totals["warnings"],
        "errors": totals["errors"],
        "difference": totals.get("difference"),
        "computed_at": totals.get("computed_at"),
    }


def summary(doc: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """A declaration as lists show it; `now` is the service's clock (what is overdue or still correctable)."""
    zone = TERRITORY_ZONES[doc["territory"]]
    today = (now or datetime.now(UTC)).astimezone(zone).date().isoformat()
    opens = filing_opens_on(doc["year"], doc["quarter"]).isoformat()
    correctable_until = recovery_period_end(doc["year"], doc["quarter"]).isoformat()
    return {
        "id": doc["_id"],
        # What people read and quote (« OM-974-2026-T3-0974000789 »); the id stays in addresses.
        "reference": declaration_reference(
            doc["territory"], doc["year"], doc["quarter"], doc["relation_number"], doc.get("corrective", 0)
        ),
        "relation_id": doc["relation_id"],
        "relation_number": doc["relation_number"],
        "territory": doc["territory"],
        "year": doc["year"],
        "quarter": doc["quarter"],
        "period": quarter_name(doc["year"], doc["quarter"]),
        "first_day": quarter_first_day(doc["year"], doc["quarter"]).isoformat(),
        "last_day": quarter_last_day(doc["year"], doc["quarter"]).isoformat(),
        "status": doc["status"],
        "due_date": doc["due_date"],
        # a rectificative corrects a quarter already filed: never late, whatever the day
        "overdue": doc["status"] == "draft" and not doc.get("corrective") and today > doc["due_date"],
        "filing_opens_on": opens,
        "filing_open": doc["status"] == "draft" and today >= opens,
        "version": doc["version"],
        "total_due": (doc.get("totals") or {}).get("total_due"),
        "updated_at": doc["updated_at"],
        # A déclaration rectificative: its number N and the declaration it corrects; on a corrected one, the
        # rectificative being prepared and the one that superseded it.
        "corrective": doc.get("corrective", 0),
        "corrects": doc.get("corrects"),
        "correction_open": doc.get("correction_open"),
        "superseded_by": doc.get("superseded_by"),
        "correctable_until": correctable_until,
        "correctable": doc["status"] == "filed" and not doc.get("superseded_by") and today <= correctable_until,
    }


def _deductions(doc: dict[str, Any]) -> dict[str, Any] | None:
    stored = doc.get("deductions")
    if stored is None:
        return None
    return {
        tax: {
            k: (str(v) if not isinstance(v, bool) else v)
            for k, v in as_input(Deductions.model_validate(stored[tax]), tax).items()
        }
        for tax in ("om", "omr")
    }


def detail(doc: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    lines = [doc["lines"][line_id] for line_id in doc.get("line_order", []) if line_id in doc["lines"]]
    return {
        **summary(doc, now=now),
        "siret": doc["siret"],
        "establishment": doc["establishment"],
        "office": doc["office"],
        "declarant": doc.get("declarant"),
        "lines": {
            "A": [_line(x) for x in lines if x["annex"] == "A"],
            "B": [_line(x) for x in lines if x["annex"] == "B"],
        },
        "annual_turnover": doc.get("annual_turnover"),
        "deductions": _deductions(doc),
        "totals": totals_of(doc),
        "filing": doc.get("filing"),
        "payment": payment_of(doc),
        "assessed_at": doc.get("assessed_at"),
        "created_at": doc["created_at"],
    }


def _line(line: dict[str, Any]) -> dict[str, Any]:
    assessment = line.get("assessment")
    return {
        **{k: v for k, v in line.items() if k != "assessment"},
        "assessment_status": assessment["status"] if assessment else "pending",
        "om_rate": assessment.get("om_rate") if assessment else None,
        "omr_rate": assessment.get("omr_rate") if assessment else None,
        "om_amount": assessment.get("om_amount") if assessment else None,
        "omr_amount": assessment.get("omr_amount") if assessment else None,
        "rate": assessment,
    }


def payment_of(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The payment follow-up of a filed declaration: due, paid, balance, status, and each payment."""
    stored = stored_payments(doc)
    if stored is None:
        return None
    recorded, returned, state = stored.recorded, stored.returned, stored.state
    debit = doc.get("debit")
    return {
        "status": state.status,
        "status_label": STATUS_LABELS[state.status],
        "due": str(state.due),
        "paid": str(state.paid),
        "balance": str(state.balance),
        "overpaid": str(state.overpaid),
        "paid_in_full_on": state.paid_in_full_on.isoformat() if state.paid_in_full_on else None,
        "due_date": ((doc["filing"].get("correction") or {}).get("supplement_due")) or doc["due_date"],
        "payments": [
            {**p.model_dump(mode="json"), "recorded_at": raw.get("recorded_at")}
            for p, raw in zip(recorded, doc.get("payments", []), strict=True)
        ],
        "returned": [r.model_dump(mode="json") for r in returned],
        "debit": _debit(debit) if debit else None,
        "creditor_reference": doc.get("creditor_reference"),
    }


def _debit(debit: dict[str, Any]) -> dict[str, Any]:
    """The scheduled debit as its producer reads it: the account shown by its last four characters."""
    return {
        "amount": debit["amount"],
        "collection_date": debit["collection_date"],
        "rum": debit["rum"],
        "account": f"•••• {debit['iban'][-4:]}",
        "presented": debit.get("file_id") is not None,
        "end_to_end_id": debit["end_to_end_id"],
    }


def relation_balance(filed: list[dict[str, Any]]) -> dict[str, Any]:
    """Over a relation's filed declarations: due, paid, left to pay, overpaid, and how many are not paid."""
    shown = [payment_of(d) for d in filed]
    states = [p for p in shown if p is not None]

    def total(key: str) -> str:
        return str(sum((Decimal(p[key]) for p in states), Decimal("0.00")))

    return {
        "due": total("due"),
        "paid": total("paid"),
        "balance": total("balance"),
        "overpaid": total("overpaid"),
        "declarations": len(states),
        "not_paid": sum(p["status"] in ("unpaid", "partly_paid") for p in states),
    }
