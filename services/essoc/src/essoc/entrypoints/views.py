"""How the requests read model is shown over HTTP: the tab rows of "Mes demandes" and the detail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from essoc.application.projections import utc
from essoc.domain import deadlines
from essoc.domain.states import Admissibility, RequestState

Doc = dict[str, Any]
API = "/api/v1"


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return utc(value).isoformat()


def summary(doc: Doc) -> Doc:
    """One row of a tab: the manual's columns (N°, Dépôt, Type de demande, Description, MAJ, Pôle)."""
    state, admissibility = RequestState(doc["state"]), Admissibility(doc["admissibility"])
    return {
        "id": doc["_id"],
        "number": doc["number"],
        "filed_at": _iso(doc["filed_at"]),
        "type": doc["type_label"],
        "nature": doc["nature"],
        "category": doc["category"],
        "sub_category": doc["sub_category"],
        "subject": doc["subject"],
        "description": doc["description"],
        "updated_at": _iso(doc["updated_at"]),
        "unit": doc["unit"],
        "state": state.value,
        "state_label": state.label,
        "tab": state.tab.value,
        "admissibility": admissibility.value,
        "admissibility_label": admissibility.label,
        "territory": doc["territory"],
        "directorate": doc["directorate"],
    }


def attachment(request_id: str, item: Doc) -> Doc:
    return {
        "attachment_id": item["attachment_id"],
        "filename": item["filename"],
        "content_type": item["content_type"],
        "size": item["size"],
        "sha256": item["sha256"],
        "added_at": item["added_at"],
        "deleted_at": item["deleted_at"],
        "added_by_role": item["added_by_role"],
        "url": None if item["deleted_at"] else f"{API}/requests/{request_id}/attachments/{item['attachment_id']}",
    }


def attachments(doc: Doc) -> list[Doc]:
    return [attachment(doc["_id"], doc["attachments"][a]) for a in doc["attachment_order"]]


def detail(doc: Doc) -> Doc:
    """Everything the manual's "détail de la demande" shows, and the answer clock."""
    requester = doc["requester"]
    refusal = doc.get("refusal") or {}
    return {
        **summary(doc),
        "version": doc["version"],
        "requester": {
            "name": requester["name"],
            "first_name": requester["first_name"],
            "email": requester["email"],
            "requester_type": doc["requester_type"],
            "siret": doc["siret"],
            "company_name": doc["company_name"],
            "represented_siren": doc["represented_siren"],
        },
        "characteristics": {
            "created_at": _iso(doc["filed_at"]),
            "origin": doc["origin"],
            "nature": doc["nature"],
            "nature_label": doc["nature_label"],
            "category": doc["category"],
            "category_label": doc["category_label"],
            "sub_category": doc["sub_category"],
            "sub_category_label": doc["sub_category_label"],
            "collegial": doc["collegial"],
            "previous_request": doc["previous_request"],
            "previous_request_number": doc.get("previous_request_number"),
            "contested_rescrit_date": doc.get("contested_rescrit_date"),
            "contested_rescrit_reference": doc.get("contested_rescrit_reference"),
        },
        "fields": [
            {"domain": f["domain"], "domain_label": f["domain_label"], "sub_domain": f["sub_domain"]}
            for f in doc["fields"]
        ],
        "request": {
            "subject": doc["subject"],
            "admissibility": doc["admissibility"],
            "admissibility_label": Admissibility(doc["admissibility"]).label,
            "unit": doc["unit"],
            "description": doc["description"],
            "response": doc["response"],
            "response_attachment_ids": doc["response_attachment_ids"],
            "refusal_grounds": refusal.get("grounds"),
            "refusal_ground_code": refusal.get("ground_code"),
        },
        "history": doc["history"],
        "exchanges": doc["exchanges"],
        "questions": list(doc["questions"].values()),
        "attachments": attachments(doc),
        "deadline": {
            "received_at": _iso(doc["received_at"]),
            "period_months": deadlines.ANSWER_PERIOD_MONTHS if deadlines.has_answer_clock(doc["nature"]) else None,
            "awaiting_admissibility": awaits_admissibility(doc),
            "deadline_at": _iso(doc["deadline_at"]),
            "reminder_at": _iso(doc["reminder_at"]),
            "notices": doc["deadline_notices"],
        },
        "closed_at": _iso(doc["closed_at"]),
        "directorate_label": doc["directorate_label"],
        "pdf": f"{API}/requests/{doc['_id']}/pdf",
    }


def awaits_admissibility(doc: Doc) -> bool:
    """An open rescrit or second examen not yet judged admissible: its 3 months have not started, it has no date
    (« 3 mois à compter de la recevabilité »)."""
    return (
        RequestState(doc["state"]).is_open
        and deadlines.has_answer_clock(doc["nature"])
        and doc["admissibility"] != Admissibility.OUI.value
    )


def clock(doc: Doc, now: datetime) -> Doc | None:
    """The answer clock as an agent reads it: the deadline, the days left in the directorate's zone, and
    whether it is within the reminder's 15 days; before admissibility its period alone (`deadline_at` None);
    None when no clock runs (droit au contrôle, or decided)."""
    period = {"period_months": deadlines.ANSWER_PERIOD_MONTHS}
    if awaits_admissibility(doc):
        return period | {"awaiting_admissibility": True, "deadline_at": None, "days_left": None, "near": False}
    if doc.get("deadline_at") is None or not RequestState(doc["state"]).is_open:
        return None
    deadline_at = utc(doc["deadline_at"])
    return period | {
        "awaiting_admissibility": False,
        "deadline_at": deadline_at.isoformat(),
        "days_left": deadlines.days_left(deadline_at, now, doc["territory"]),
        "near": deadlines.is_near(deadline_at, now),
    }


def unread(doc: Doc, seen_at: datetime | None) -> Doc | None:
    """What the requester wrote since the agent last opened the request (the badge), if anything."""
    activity = doc.get("requester_activity")
    if not activity or (seen_at is not None and utc(seen_at) >= utc(activity["at"])):
        return None
    return {"at": _iso(activity["at"]), "kind": activity["kind"]}


def board_row(doc: Doc, now: datetime, seen_at: datetime | None) -> Doc:
    """One row of the agents' board: N°, Dépôt, Demandeur, Nature / catégorie, Objet, MAJ, Échéance."""
    requester = doc["requester"]
    followed = doc.get("followed_by")
    return {
        **summary(doc),
        "requester_name": f"{requester['first_name']} {requester['name']}".strip(),
        "company_name": doc["company_name"],
        "siret": doc["siret"],
        "closed_at": _iso(doc["closed_at"]),
        "refusal_grounds": (doc.get("refusal") or {}).get("grounds"),
        "nature_label": doc["nature_label"],
        "category_label": doc["category_label"],
        "followed_by": followed,
        "clock": clock(doc, now),
        "unread": unread(doc, seen_at),
    }


def instruction(doc: Doc, now: datetime, seen_at: datetime | None) -> Doc:
    """What only the agents read beside the request: who follows it, the private notes, the reassignments,
    the clock, what the requester wrote since this agent last opened it."""
    return {
        "followed_by": doc.get("followed_by"),
        "taken_at": _iso(doc.get("taken_at")),
        "notes": doc.get("notes", []),
        "assignments": doc.get("assignments", []),
        "clock": clock(doc, now),
        "unread": unread(doc, seen_at),
    }
