"""The requests read model: one document per request with what "Mes demandes" and its detail show.

Each event is folded in Python into the stored document (read, change, replace) inside the
writing transaction, so the code that keeps it live is the code that rebuilds it by replay.
Instants that are queried (tabs, the deadline scheduler) are BSON dates; the rest is JSON-like.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.essoc import (
    AdmissibilityDecided,
    AttachmentAdded,
    AttachmentRemoved,
    ComplementAdded,
    DeadlineReached,
    NoteAdded,
    QuestionAnswered,
    RequestClosed,
    RequestQuestioned,
    RequestReassigned,
    RequestSubmitted,
    RequestTakenInCharge,
)
from contracts.french import plain
from contracts.recorded import Recorded
from essoc.domain import deadlines
from essoc.domain.referentials import Referentials, default_referentials
from essoc.domain.states import Admissibility, RequestState

Doc = dict[str, Any]
VIEW = "requests"
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
"""Where a request without an answer clock sorts among deadlines: after every dated one."""
OPEN_STATES = (RequestState.DEPOSEE.value, RequestState.PRISE_EN_CHARGE.value)

EVENT_LABELS: dict[type[BaseModel], str] = {
    RequestSubmitted: "Dépôt de la demande",
    RequestTakenInCharge: "Prise en charge",
    AdmissibilityDecided: "Décision de recevabilité",
    RequestQuestioned: "Question posée au demandeur",
    QuestionAnswered: "Réponse du demandeur",
    ComplementAdded: "Complément apporté par le demandeur",
    RequestClosed: "Réponse de l'administration",
}


def utc(moment: datetime) -> datetime:
    """An instant as Mongo keeps it: aware UTC (some clients read naive ones), to the millisecond."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class RequestView(Projection):
    name = "requests"
    collections = (VIEW,)

    def __init__(self, referentials: Referentials | None = None) -> None:
        self.referentials = referentials or default_referentials()

    indexes = (
        Index(VIEW, (("number", 1),), unique=True),
        Index(VIEW, (("requester.id", 1), ("state", 1))),
        Index(VIEW, (("territory", 1), ("directorate", 1), ("state", 1))),
        Index(VIEW, (("state", 1), ("next_notice_at", 1))),
        Index(VIEW, (("territory", 1), ("directorate", 1), ("followed_by.id", 1), ("state", 1))),
    )

    @on(RequestSubmitted)
    async def _filed(self, event: Recorded[RequestSubmitted], db: ViewDatabase) -> None:
        data = event.event.model_dump()
        await db[VIEW].replace_one({"_id": event.stream_id}, self._submitted(event, data), upsert=True)

    @on(
        RequestTakenInCharge,
        AdmissibilityDecided,
        RequestQuestioned,
        QuestionAnswered,
        ComplementAdded,
        AttachmentAdded,
        AttachmentRemoved,
        RequestClosed,
        DeadlineReached,
        RequestReassigned,
        NoteAdded,
    )
    async def _changed(self, event: Recorded[BaseModel], db: ViewDatabase) -> None:
        view = db[VIEW]
        doc = await view.find_one({"_id": event.stream_id})
        if doc is None:
            return  # a request this read model never saw filed (partial replay): nothing to fold into
        self._fold(doc, event, event.event.model_dump())
        doc["version"] = event.version
        await view.replace_one({"_id": event.stream_id}, doc)

    # ---- folding -------------------------------------------------------------------------------

    def _submitted(self, event: Recorded[BaseModel], d: Doc) -> Doc:
        refs = self.referentials
        directorate = refs.directorate(d["directorate"])
        at = event.occurred_at
        doc: Doc = {
            "_id": event.stream_id,
            "number": d["number"],
            "territory": event.territory,
            "origin": "ProDouane",
            "requester": d["requester"],
            "requester_type": d["requester_type"],
            "siret": d["siret"],
            "company_name": d["company_name"],
            "represented_siren": d["represented_siren"],
            "nature": d["nature"],
            "nature_label": _label(refs.nature(d["nature"]), d["nature"]),
            "category": d["category"],
            "category_label": _label(refs.category(d["nature"], d["category"]), d["category"]),
            "sub_category": d["sub_category"],
            "sub_category_label": _label(refs.directorate(d["sub_category"] or ""), d["sub_category"]),
            "type_label": refs.describe(d["nature"], d["category"], d["sub_category"]),
            "directorate": d["directorate"],
            "directorate_label": directorate.label if directorate else d["directorate"],
            "directorate_mailbox": d["notice"]["directorate_mailbox"],
            "unit": d["unit"],
            "fields": [{**f, "domain_label": _label(refs.field_domain(f["domain"]), f["domain"])} for f in d["fields"]],
            "subject": d["subject"],
            "description": d["description"],
            "previous_request": d["previous_request"],
            "previous_request_number": d.get("previous_request_number"),
            "contested_rescrit_date": d["contested_rescrit_date"].isoformat()
            if d.get("contested_rescrit_date")
            else None,
            "contested_rescrit_reference": d.get("contested_rescrit_reference"),
            "collegial": d["collegial"],
            "state": RequestState.DEPOSEE.value,
            "admissibility": Admissibility.EN_ATTENTE.value,
            "refusal": None,
            "response": None,
            "response_attachment_ids": [],
            "taken_by": None,
            "followed_by": None,
            "taken_at": None,
            "requester_activity": None,
            "notes": [],
            "assignments": [],
            "search_text": plain(" ".join((d["subject"], d["description"]))),
            "subject_sort": plain(d["subject"]),
            "requester_sort": plain(_requester_name(d)),
            "filed_at": at,
            "updated_at": at,
            "closed_at": None,
            "received_at": utc(d["received_at"]),
            "history": [],
            "questions": {},
            "exchanges": [],
            "attachments": {},
            "attachment_order": [],
            "deadline_notices": [],
            "version": event.version,
        }
        self._set_deadline(doc, None)  # the 3 months run from admissibility: no date yet
        self._history(doc, event)
        return doc

    def _fold(self, doc: Doc, event: Recorded[BaseModel], d: Doc) -> None:
        at = event.occurred_at
        match event.event:
            case RequestTakenInCharge():
                doc |= {
                    "state": RequestState.PRISE_EN_CHARGE.value,
                    "admissibility": Admissibility.A_L_ETUDE.value,
                    "unit": d["unit"],
                    "taken_by": d["agent_id"],
                    "followed_by": {"id": d["agent_id"], "name": d.get("agent_name") or d["agent_id"]},
                    "taken_at": at,
                }
            case AdmissibilityDecided():
                doc["admissibility"] = d["decision"]
                if d["decision"] == "non":
                    doc["state"] = RequestState.REFUSEE.value
                    doc["refusal"] = {"grounds": d["grounds"], "ground_code": d["ground_code"]}
                    doc["next_notice_at"] = None
                else:
                    deadline_at = deadlines.deadline_set_by_admissibility(doc["nature"], d.get("deadline_at"), at)
                    self._set_deadline(doc, utc(deadline_at) if deadline_at else None)
            case RequestQuestioned():
                doc["questions"][d["question_id"]] = {
                    "question_id": d["question_id"],
                    "text": d["text"],
                    "asked_by": d["asked_by"],
                    "asked_at": at.isoformat(),
                    "answer": None,
                    "answered_at": None,
                }
                doc["exchanges"].append(
                    {"kind": "question", "question_id": d["question_id"], "text": d["text"], "at": at.isoformat()}
                )
            case QuestionAnswered():
                question = doc["questions"].get(d["question_id"])
                if question is not None:
                    question |= {"answer": d["text"], "answered_at": at.isoformat()}
                doc["exchanges"].append(
                    {"kind": "answer", "question_id": d["question_id"], "text": d["text"], "at": at.isoformat()}
                )
            case ComplementAdded():
                doc["exchanges"].append(
                    {"kind": "complement", "complement_id": d["complement_id"], "text": d["text"], "at": at.isoformat()}
                )
            case AttachmentAdded():
                doc["attachments"][d["attachment_id"]] = {
                    key: d[key]
                    for key in (
                        "attachment_id",
                        "filename",
                        "content_type",
                        "size",
                        "sha256",
                        "blob_id",
                        "added_by",
                        "added_by_role",
                    )
                } | {"added_at": at.isoformat(), "deleted_at": None}
                doc["attachment_order"].append(d["attachment_id"])
            case AttachmentRemoved():
                attachment = doc["attachments"].get(d["attachment_id"])
                if attachment is not None:
                    attachment["deleted_at"] = at.isoformat()
            case RequestClosed():
                doc |= {
                    "state": RequestState.CLOTUREE.value,
                    "response": d["response"],
                    "response_attachment_ids": d["attachment_ids"],
                    "closed_at": at,
                    "next_notice_at": None,
                }
            case DeadlineReached():
                self._deadline_reached(doc, d, at)
                return  # the clock is the service's business: "MAJ" shows what people did
            case RequestReassigned():
                to = {"id": d["to_agent"]["id"], "name": d["to_agent"]["name"]}
                doc["assignments"].append({"at": at.isoformat(), "from": d["from_agent_id"], "to": to, "by": d["by"]})
                doc["followed_by"] = to
                return  # the instruction's own business: neither the requester's "MAJ" nor their history
            case NoteAdded():
                author = d["author"]
                doc["notes"].append(
                    {"note_id": d["note_id"], "text": d["text"], "author": author["name"], "at": at.isoformat()}
                )
                return  # private: the requester's request shows no trace of it
        self._requester_activity(doc, event)
        doc["updated_at"] = at
        if type(event.event) in EVENT_LABELS:
            self._history(doc, event)

    @staticmethod
    def _requester_activity(doc: Doc, event: Recorded[BaseModel]) -> None:
        """The requester wrote (an answer, a complement, a file) while an agent follows the request: the
        badge the agents see until they open it again."""
        kind = {QuestionAnswered: "reponse", ComplementAdded: "complement", AttachmentAdded: "piece-jointe"}.get(
            type(event.event)
        )
        if kind is None or doc["state"] != RequestState.PRISE_EN_CHARGE.value:
            return
        if isinstance(event.event, AttachmentAdded) and event.event.added_by_role != "requester":
            return
        doc["requester_activity"] = {"at": event.occurred_at, "kind": kind}

    def _history(self, doc: Doc, event: Recorded[BaseModel]) -> None:
        state = RequestState(doc["state"])
        doc["history"].append(
            {
                "at": event.occurred_at.isoformat(),
                "event": EVENT_LABELS[type(event.event)],
                "type": doc["type_label"],
                "unit": doc["unit"],
                "state": state.value,
                "state_label": state.label,
                "admissibility": doc["admissibility"],
                "admissibility_label": Admissibility(doc["admissibility"]).label,
            }
        )

    @staticmethod
    def _set_deadline(doc: Doc, deadline_at: datetime | None) -> None:
        """A new answer deadline: no notice sent for it yet, the reminder is the next one due. None: no
        deadline runs (not yet admissible, or a droit au contrôle), no notice is due."""
        reminder = deadlines.reminder_at(deadline_at) if deadline_at else None
        doc |= {
            "deadline_at": deadline_at,
            "deadline_sort": deadline_at or NO_DEADLINE,
            "reminder_at": reminder,
            "notices_sent": [],
            "next_notice_at": reminder if doc.get("state", RequestState.DEPOSEE.value) in OPEN_STATES else None,
        }

    @staticmethod
    def _deadline_reached(doc: Doc, d: Doc, at: datetime) -> None:
        deadline_at = utc(d["deadline_at"])
        doc["deadline_notices"].append(
            {"kind": d["kind"], "deadline_at": deadline_at.isoformat(), "at": at.isoformat()}
        )
        if doc["deadline_at"] is None or utc(doc["deadline_at"]) != deadline_at:
            return  # a notice about a deadline once counted from receipt, which admissibility replaced
        sent = set(doc["notices_sent"]) | ({"reminder", "expiry"} if d["kind"] == "expiry" else {"reminder"})
        doc["notices_sent"] = sorted(sent)
        doc["next_notice_at"] = None if "expiry" in sent else deadline_at


def _requester_name(d: Doc) -> str:
    """Who the board's « Demandeur » column names: the company when one files, else the person."""
    person = f"{d['requester']['name']} {d['requester']['first_name']}".strip()
    return str(d["company_name"]) if d.get("company_name") else person


def _label(item: Any, fallback: str | None) -> str | None:
    return str(item.label) if item is not None else fallback
